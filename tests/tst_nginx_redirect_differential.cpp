// Differential test of the redirects nginx makes itself and of how it
// writes their Location: absolute_redirect (and the http level's "off"
// overridden by a server), server_name_in_redirect, port_in_redirect, the
// host when the request has none or an invalid one (the local address),
// the static module's directory redirect and a proxied location's auto
// redirect (escaped, with the arguments), error_page over both, and an
// upstream's Location (made absolute only when proxy_redirect rewrote it).
// One configuration through Debian's nginx and through wsscope; each
// request must get the same status and Location from both.

#include "nginxpair.h"
#include "testsupport.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxRedirectDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void answersAlike_data();
    void answersAlike();

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, const QString &dir);
    // "301 Location: URL" (the proxy's own port written PORT), else the status.
    static QByteArray answer(quint16 port, const QByteArray &head);

    PeerProcess m_backend;
    QTemporaryDir m_dir;
    NginxPair m_pair;
};

QByteArray tst_NginxRedirectDifferential::configText(quint16 listenPort, quint16 backendPort, const QString &dir)
{
    const QByteArray b = "http://127.0.0.1:" + QByteArray::number(backendPort);
    const QByteArray d = dir.toUtf8();
    const QByteArray listen = "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n";
    return NginxPair::prologue(dir)
        + "  absolute_redirect off;\n"
          "  server {\n"
        + listen
        + "    server_name on;\n"
          "    absolute_redirect on;\n"
          "    error_page 400 /return301;\n"
          "    root " + d + "/www;\n"
          "    location / { }\n"
          "    location /auto/ { proxy_pass " + b + "; }\n"
          "    location \"/auto sp/\" { proxy_pass " + b + "; }\n"
          "    location = /exact/ { proxy_pass " + b + "; }\n"
          "    location /auto/deeper/ { proxy_pass " + b + "; }\n"
          "    location /plain/ { }\n"
          "    location ~ ^/regex/$ { proxy_pass " + b + "; }\n"
          "    location /return301 { return 301 /redirect; }\n"
          "    location /return301/name { return 301 /redirect; server_name_in_redirect on; }\n"
          "    location /return301/port { return 301 /redirect; port_in_redirect off; }\n"
          "    location /return301/abs { return 301 http://elsewhere.test/x; }\n"
          "    location /rewrite { rewrite ^ /rewritten?a=1 redirect; }\n"
          "    location /i/ { alias " + d + "/www/; }\n"
          "    location /ep/ { error_page 404 /auto; return 404; }\n"
          "    location /epdir/ { error_page 404 /dir; return 404; }\n"
          "    location /big/ { client_max_body_size 10; proxy_pass " + b + "; }\n"
          "    location /pr/ {\n"
          "      set $v here;\n"
          "      proxy_pass " + b + ";\n"
          "      proxy_redirect " + b + "/$v/ /replaced/;\n"
          "      proxy_redirect " + b + "/second/ /$v/;\n"
          "      proxy_redirect ~^(.+)/cap_([^/]+) $1/$2/done;\n"
          "      proxy_redirect ~*up+er /upper/;\n"
          "    }\n"
          "  }\n"
          "  server {\n"
        + listen
        + "    server_name off;\n"
          "    root " + d + "/www;\n"
          "    location / { }\n"
          "    location /auto/ { proxy_pass " + b + "; }\n"
          "    location /return301 { return 301 /redirect; }\n"
          "    location /on/ { absolute_redirect on; return 302 /there; }\n"
          "  }\n"
          "}\n";
}

void tst_NginxRedirectDifferential::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(QDir(m_dir.path()).mkpath(u"www/dir"_s));
    QVERIFY(QDir(m_dir.path()).mkpath(u"www/dir sp"_s));
    QVERIFY(m_backend.startPython(u"http_upstream.py"_s));
    const quint16 backend = m_backend.port();
    const QString dir = m_dir.path();
    QString why;
    QVERIFY2(m_pair.start(dir, [&](quint16 port) { return configText(port, backend, dir); },
                          "GET /return301 HTTP/1.1\r\nHost: on\r\n\r\n", &why),
             qPrintable(why));
}

QByteArray tst_NginxRedirectDifferential::answer(quint16 port, const QByteArray &head)
{
    const HttpResult r = httpExchange(port, head, 10000);
    if (!r.ok)
        return "no answer";
    const QByteArray status = QByteArray::number(r.status);
    if (!r.head.contains("\nLocation:"))
        return status;
    return status + " Location: " + r.header("Location").replace(QByteArray(":" + QByteArray::number(port)), QByteArray(":PORT"));
}

void tst_NginxRedirectDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("head");
    const char *rows[][2] = {
        {"a directory without its slash", "GET /dir HTTP/1.1\r\nHost: on\r\n"},
        {"a directory through alias", "GET /i/dir HTTP/1.1\r\nHost: on\r\n"},
        {"a directory, escaped", "GET /dir%20sp HTTP/1.1\r\nHost: on\r\n"},
        {"a directory, escaped, with args", "GET /dir%20sp?a=b HTTP/1.1\r\nHost: on\r\n"},
        {"a directory with args", "GET /dir?a=b&c HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect", "GET /auto HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect with args", "GET /auto?a=b HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect, escaped name", "GET /auto%20sp HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect, escaped name, args", "GET /auto%20sp?a=b HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect of an exact location", "GET /exact HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect of a nested-looking prefix", "GET /auto/deeper HTTP/1.1\r\nHost: on\r\n"},
        {"the location itself is proxied", "GET /auto/ HTTP/1.1\r\nHost: on\r\n"},
        {"no proxy_pass: no auto redirect", "GET /plain HTTP/1.1\r\nHost: on\r\n"},
        {"a regex location never auto-redirects", "GET /regex HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect, HEAD", "HEAD /auto HTTP/1.1\r\nHost: on\r\n"},
        {"auto redirect after client_max_body_size", "POST /big HTTP/1.1\r\nHost: on\r\nContent-Length: 100\r\n"},
        {"return with the request's host", "GET /return301 HTTP/1.1\r\nHost: host\r\n"},
        {"return with the host's port and case", "GET /return301 HTTP/1.1\r\nHost: HoSt:1234\r\n"},
        {"return, absolute-form target's host", "GET http://target.test/return301 HTTP/1.1\r\nHost: host\r\n"},
        {"server_name_in_redirect on", "GET /return301/name HTTP/1.1\r\nHost: host\r\n"},
        {"port_in_redirect off", "GET /return301/port HTTP/1.1\r\nHost: host\r\n"},
        {"an absolute Location is kept", "GET /return301/abs HTTP/1.1\r\nHost: host\r\n"},
        {"HTTP/1.0 without Host: the local address", "GET /return301 HTTP/1.0\r\n"},
        {"an invalid Host: 400's error_page, the local address", "GET /return301 HTTP/1.1\r\nHost: .\r\n"},
        {"a rewrite's redirect", "GET /rewrite HTTP/1.1\r\nHost: on\r\n"},
        {"error_page to an auto redirect", "GET /ep/x HTTP/1.1\r\nHost: on\r\n"},
        {"error_page to a directory redirect", "GET /epdir/x HTTP/1.1\r\nHost: on\r\n"},
        {"upstream Location rewritten by proxy_redirect: made absolute",
         "GET /auto/x?redirect=http://127.0.0.1:BACKEND/y HTTP/1.1\r\nHost: on\r\n"},
        {"upstream relative Location: kept", "GET /auto/x?redirect=/rel HTTP/1.1\r\nHost: on\r\n"},
        {"proxy_redirect with a variable in the pattern",
         "GET /pr/x?redirect=http://127.0.0.1:BACKEND/here/z HTTP/1.1\r\nHost: on\r\n"},
        {"proxy_redirect with a variable in the replacement",
         "GET /pr/x?redirect=http://127.0.0.1:BACKEND/second/z HTTP/1.1\r\nHost: on\r\n"},
        {"proxy_redirect regex: the whole value replaced, with captures",
         "GET /pr/x?redirect=http://127.0.0.1:BACKEND/cap_abc/rest HTTP/1.1\r\nHost: on\r\n"},
        {"proxy_redirect caseless regex", "GET /pr/x?redirect=/UPPPER/x HTTP/1.1\r\nHost: on\r\n"},
        {"proxy_redirect: no rule matches", "GET /pr/x?redirect=http://other.test/p HTTP/1.1\r\nHost: on\r\n"},
        {"absolute_redirect off: directory", "GET /dir HTTP/1.1\r\nHost: off\r\n"},
        {"absolute_redirect off: alias-less args", "GET /dir%20sp?a=b HTTP/1.1\r\nHost: off\r\n"},
        {"absolute_redirect off: auto", "GET /auto?a=b HTTP/1.1\r\nHost: off\r\n"},
        {"absolute_redirect off: return", "GET /return301 HTTP/1.1\r\nHost: off\r\n"},
        {"absolute_redirect on in a location of an off server", "GET /on/ HTTP/1.1\r\nHost: off\r\n"},
    };
    const QByteArray backend = QByteArray::number(m_backend.port());
    for (const auto &row : rows)
        QTest::newRow(row[0]) << (QByteArray(row[1]).replace("BACKEND", backend) + "Connection: close\r\n\r\n");
}

void tst_NginxRedirectDifferential::answersAlike()
{
    QFETCH(QByteArray, head);
    const QByteArray viaNginx = answer(m_pair.nginxPort(), head);
    const QByteArray viaWsscope = answer(m_pair.wsscopePort(), head);
    QCOMPARE(viaWsscope, viaNginx);
}

QTEST_GUILESS_MAIN(tst_NginxRedirectDifferential)
#include "tst_nginx_redirect_differential.moc"
