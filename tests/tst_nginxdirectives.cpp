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
    void effects_data();
    void effects();
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

// Harmless ones stay warnings; the others say what a client or upstream
// would see differently.
void tst_NginxDirectives::effects_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("changesWhatIsSeen");
    for (const char *harmless : {"sendfile", "tcp_nopush", "tcp_nodelay", "multi_accept", "use", "accept_mutex",
                                 "request_pool_size", "proxy_buffers",
                                 "proxy_buffer_size", "proxy_busy_buffers_size", "proxy_temp_path",
                                 "fastcgi_temp_path", "gzip", "gzip_types", "types_hash_max_size",
                                 "server_names_hash_bucket_size", "open_file_cache", "worker_rlimit_nofile",
                                 "load_module", "env", "fastcgi_param", "proxy_cache_path", "limit_conn_zone",
                                 "http2", "ssl_stapling", "aio", "directio"})
        QTest::addRow("%s", harmless) << QByteArray(harmless) << false;
    for (const char *seen : {"ssi", "proxy_cache", "auth_basic", "auth_request", "sub_filter", "fastcgi_pass",
                             "uwsgi_pass", "grpc_pass", "limit_conn", "limit_req", "allow", "deny", "autoindex",
                             "geo", "split_clients", "real_ip_header", "set_real_ip_from", "mirror", "stub_status",
                             "userid", "charset", "ssl_verify_client", "limit_except", "perl", "js_content",
                             "secure_link", "sticky", "stream", "empty_gif", "keepalive_requests"})
        QTest::addRow("%s", seen) << QByteArray(seen) << true;
}

void tst_NginxDirectives::effects()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, changesWhatIsSeen);
    QVERIFY(isKnownNginxDirective(name));
    QCOMPARE(!unsupportedEffect(name).isEmpty(), changesWhatIsSeen);
}

QTEST_GUILESS_MAIN(tst_NginxDirectives)
#include "tst_nginxdirectives.moc"
