#include "config/nginxdirectives.h"

#include <QTest>

#include <algorithm>

class tst_NginxDirectives : public QObject
{
    Q_OBJECT

private slots:
    void known_data();
    void known();
    void listIsSortedAndUnique();
};

void tst_NginxDirectives::known_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("known");

    const char *const known[] = {
        // the seeds' directives
        "http", "map", "upstream", "server", "listen", "server_name", "access_log", "location",
        "proxy_pass", "proxy_http_version", "proxy_set_header", "proxy_connect_timeout",
        "proxy_read_timeout", "proxy_send_timeout", "proxy_redirect", "ip_hash", "root",
        "fastcgi_pass", "fastcgi_index", "fastcgi_param", "include",
        // core, events, the usual http ones
        "worker_processes", "events", "worker_connections", "use", "multi_accept", "pid", "user",
        "gzip", "gzip_types", "sendfile", "tcp_nopush", "tcp_nodelay", "types", "default_type",
        "keepalive_timeout", "client_max_body_size", "error_page", "add_header", "return",
        "rewrite", "if", "set", "try_files", "log_format", "error_log", "limit_req_zone",
        "limit_req", "limit_conn_zone", "limit_conn", "allow", "deny", "auth_basic",
        "auth_request", "ssl_certificate", "ssl_certificate_key", "ssl_protocols",
        "ssl_ciphers", "ssl_session_cache", "ssl", "http2", "resolver", "keepalive",
        "least_conn", "hash", "random", "zone", "uwsgi_pass", "grpc_pass", "scgi_pass",
        "memcached_pass", "proxy_buffering", "proxy_cache_path", "split_clients", "geo",
        // stream and mail
        "stream", "proxy_timeout", "ssl_preread", "preread_timeout", "mail", "starttls",
        "smtp_auth", "imap_capabilities",
        // commercial and njs modules, documented on nginx.org
        "health_check", "sticky", "api", "js_import", "js_content", "auth_jwt", "zone_sync",
    };
    for (const char *name : known)
        QTest::addRow("%s", name) << QByteArray(name) << true;

    QTest::newRow("typo") << QByteArray("proxy_pas") << false;
    QTest::newRow("names are case-sensitive") << QByteArray("Proxy_Pass") << false;
    QTest::newRow("third-party module (headers-more)") << QByteArray("more_set_headers") << false;
    QTest::newRow("third-party module (lua)") << QByteArray("content_by_lua_block") << false;
    QTest::newRow("apache") << QByteArray("ProxyPass") << false;
    QTest::newRow("map entry, not a directive") << QByteArray("default") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("prefix of a name") << QByteArray("proxy_") << false;
}

void tst_NginxDirectives::known()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, known);
    QCOMPARE(isKnownNginxDirective(name), known);
}

void tst_NginxDirectives::listIsSortedAndUnique()
{
    const QList<QByteArrayView> names = knownNginxDirectives();
    QVERIFY(names.size() > 800);
    QVERIFY(std::adjacent_find(names.cbegin(), names.cend(),
                               [](QByteArrayView a, QByteArrayView b) { return !(a < b); })
            == names.cend());
    for (QByteArrayView name : names)
        QVERIFY(isKnownNginxDirective(name));
}

QTEST_GUILESS_MAIN(tst_NginxDirectives)
#include "tst_nginxdirectives.moc"
