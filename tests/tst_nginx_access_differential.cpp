// Differential test of allow/deny and limit_except: one configuration
// through Debian's nginx and through wsscope, requests sent from different
// loopback source addresses (127.0.0.1, .2, .3) and with different methods.
// For each, both must answer alike: 403, or the same backend target or
// `return` text. The realip rows send X-Real-IP, X-Forwarded-For or a field
// of their own and compare the client address each proxy then uses
// ($remote_addr, $realip_remote_addr, allow/deny) and in which phase.

#include "testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxAccessDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void answersAlike_data();
    void answersAlike();
    void forbiddenIsLoggedAsNginxDoes();
    void realIpAlike_data();
    void realIpAlike();

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, const QString &dir);
    // "403", "301 Location: URL", "200 backend: TARGET", "200 body: TEXT" or "no answer".
    static QByteArray answer(quint16 port, const QByteArray &source, const QByteArray &method, const QByteArray &target,
                             const QByteArray &headers = {});

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
};

QByteArray tst_NginxAccessDifferential::configText(quint16 listenPort, quint16 backendPort, const QString &dir)
{
    const QByteArray b = "http://127.0.0.1:" + QByteArray::number(backendPort);
    const QByteArray d = dir.toUtf8();
    return "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "  access_log off;\n"
           "  client_body_temp_path " + d + "/body;\n"
           "  proxy_temp_path " + d + "/proxy;\n"
           "  deny 127.0.0.4;\n" // http level: a server with rules of its own drops it
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
           "    server_name example.test;\n"
           "    deny 127.0.0.3;\n"
           // realip: the server's settings apply before the rewrite phase,
           // a location's before the access phase only.
           "    set_real_ip_from 127.0.0.2;\n"
           "    location /rip/ { return 200 \"$remote_addr $realip_remote_addr\\n\"; }\n"
           "    location /rip-port/ { return 200 \"[$remote_port]\\n\"; }\n"
           "    location /addr/ { return 200 \"$server_addr\\n\"; }\n"
           "    location /xff/ { alias " + d + "/files/; set_real_ip_from 127.0.0.0/24; set_real_ip_from 192.0.2.0/24;\n"
           "      real_ip_header X-Forwarded-For; add_header X-IP \"$remote_addr $realip_remote_addr\"; }\n"
           "    location /xff-rec/ { alias " + d + "/files/; set_real_ip_from 127.0.0.0/24; set_real_ip_from 192.0.2.0/24;\n"
           "      real_ip_header X-Forwarded-For; real_ip_recursive on; add_header X-IP $remote_addr; }\n"
           "    location /xff-ret/ { set_real_ip_from 127.0.0.0/24; real_ip_header X-Forwarded-For;\n"
           "      return 200 \"$remote_addr\\n\"; }\n"
           "    location /custom/ { alias " + d + "/files/; real_ip_header X-Client; add_header X-IP $remote_addr; }\n"
           "    location /rip-deny/ { alias " + d + "/files/; set_real_ip_from 127.0.0.1; deny 192.0.2.7; }\n"
           "    location /inherit/ { proxy_pass " + b + "; }\n"
           "    location /own/ { allow 127.0.0.3; allow 127.0.0.1; deny all; proxy_pass " + b + "; }\n"
           "    location /net/ { deny 127.0.0.0/31; proxy_pass " + b + "; }\n"
           "    location /order/ { allow 127.0.0.2; deny 127.0.0.0/24; proxy_pass " + b + "; }\n"
           "    location /v6/ { deny ::1; proxy_pass " + b + "; }\n"
           "    location /ret/ { deny all; return 200 \"returned\\n\"; }\n"
           "    location /rw/ { deny all; rewrite ^/rw/(.*)$ /inherit/$1 last; }\n"
           "    location /lmt/ {\n"
           "      proxy_pass " + b + "/replaced/;\n"
           "      limit_except GET { allow 127.0.0.2; deny all; }\n"
           "      location /lmt/inner/ { limit_except POST { deny all; } return 200 \"inner\\n\"; }\n"
           "    }\n"
           "    location /lmt-own/ { limit_except PUT { proxy_pass " + b + "; } return 200 \"own\\n\"; }\n"
           "    location /lmt-ret/ { limit_except GET { } return 200 \"lmt-ret\\n\"; }\n"
           "    location /files/ { root " + d + "; }\n"
           "  }\n"
           "}\n";
}

void tst_NginxAccessDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(u"/usr/sbin/nginx"_s), "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.startPython(u"http_upstream.py"_s));
    QVERIFY(QDir(m_dir.path()).mkpath(u"files/sub"_s));
    QFile page(m_dir.filePath(u"files/page.txt"_s));
    QVERIFY(page.open(QIODevice::WriteOnly) && page.write("a page\n") == 7);
    page.close();

    m_nginxPort = unusedPort();
    QFile nginxConf(m_dir.filePath(u"nginx.conf"_s));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPort, m_backend.port(), m_dir.path()));
    nginxConf.close();
    QVERIFY(m_nginx.launch(u"/usr/sbin/nginx"_s, {u"-p"_s, m_dir.path(), u"-c"_s, nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPort, "GET /ret/ HTTP/1.1\r\nHost: x\r\n\r\n", 500).ok, 10000);

    QFile wsConf(m_dir.filePath(u"wsscope.conf"_s));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    wsConf.write(configText(0, m_backend.port(), m_dir.path())
                     .replace("/nginx.pid", "/wsscope.pid")
                     .replace("/error.log", "/wsscope-error.log"));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, wsConf.fileName(), u"-g"_s, u"error_log stderr info;"_s}));
}

void tst_NginxAccessDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QByteArray tst_NginxAccessDifferential::answer(quint16 port, const QByteArray &source, const QByteArray &method,
                                               const QByteArray &target, const QByteArray &headers)
{
    QTcpSocket socket;
    if (!socket.bind(QHostAddress(QString::fromLatin1(source))))
        return "cannot bind " + source;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return "no connection";
    const QByteArray body = method == "POST" || method == "PUT" ? QByteArray("x=1") : QByteArray();
    socket.write(method + ' ' + target + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n" + headers
                 + (body.isEmpty() ? QByteArray() : "Content-Length: " + QByteArray::number(body.size()) + "\r\n")
                 + "\r\n" + body);
    const HttpResult r = readHttpResponse(socket, 10000, method == "HEAD");
    if (!r.ok)
        return "no answer";
    const QByteArray status = QByteArray::number(r.status);
    if (r.status == 200 && r.body.startsWith('{'))
        return status + " backend: " + QJsonDocument::fromJson(r.body).object().value(u"path"_s).toString().toUtf8();
    if (r.status == 200 && !r.header("X-IP").isNull())
        return status + " X-IP: " + r.header("X-IP");
    if (r.status >= 300 && r.status < 400) // each proxy puts its own port into the Location
        return status + " Location: " + r.header("Location").replace(QByteArray(":" + QByteArray::number(port) + "/"), QByteArray(":PORT/"));
    // The error pages of nginx and wsscope differ; a `return` text does not.
    return r.status >= 400 || method == "HEAD" ? status : status + " body: " + r.body;
}

void tst_NginxAccessDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    const char *rows[][4] = {
        {"server rule inherited: allowed", "127.0.0.1", "GET", "/inherit/a"},
        {"server rule inherited: denied", "127.0.0.3", "GET", "/inherit/a"},
        {"the http level's rule is replaced by the server's", "127.0.0.4", "GET", "/inherit/a"},
        {"own rules replace the server's", "127.0.0.3", "GET", "/own/a"},
        {"own rules end in deny all", "127.0.0.2", "GET", "/own/a"},
        {"CIDR covers the client", "127.0.0.1", "GET", "/net/a"},
        {"CIDR leaves the client out", "127.0.0.2", "GET", "/net/a"},
        {"first match wins: allow", "127.0.0.2", "GET", "/order/a"},
        {"first match wins: deny", "127.0.0.1", "GET", "/order/a"},
        {"an IPv6 rule leaves IPv4 clients alone", "127.0.0.1", "GET", "/v6/a"},
        {"return answers before access", "127.0.0.3", "GET", "/ret/a"},
        {"a rewrite ... last leaves the denying location", "127.0.0.1", "GET", "/rw/x"},
        {"limit_except: GET passes", "127.0.0.1", "GET", "/lmt/a?q=1"},
        {"limit_except: HEAD comes with GET", "127.0.0.1", "HEAD", "/lmt/a"},
        {"limit_except: POST denied", "127.0.0.1", "POST", "/lmt/a"},
        {"limit_except: POST from the allowed address, the location's proxy_pass", "127.0.0.2", "POST", "/lmt/a"},
        {"limit_except: DELETE from the allowed address", "127.0.0.2", "DELETE", "/lmt/a"},
        {"limit_except: the server's rule is not the block's", "127.0.0.3", "POST", "/lmt/a"},
        {"limit_except of a nested location: its own method passes", "127.0.0.1", "POST", "/lmt/inner/a"},
        {"limit_except of a nested location: another is denied", "127.0.0.1", "GET", "/lmt/inner/a"},
        {"limit_except block with its own proxy_pass: no return there", "127.0.0.1", "GET", "/lmt-own/a?b=2"},
        {"limit_except: the named method runs the location's return", "127.0.0.1", "PUT", "/lmt-own/a"},
        {"limit_except block without rewrite statements", "127.0.0.1", "POST", "/lmt-ret/a"},
        {"limit_except: GET runs the location's return", "127.0.0.1", "GET", "/lmt-ret/a"},
        // the static module lets POST reach the file (ngx_http_static_handler)
        {"POST to a static file", "127.0.0.1", "POST", "/files/page.txt"},
        {"POST to a missing static file", "127.0.0.1", "POST", "/files/none.txt"},
        {"POST to a static directory without a slash", "127.0.0.1", "POST", "/files/sub"},
        {"PUT to a static file", "127.0.0.1", "PUT", "/files/page.txt"},
        {"GET a static file", "127.0.0.1", "GET", "/files/page.txt"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[1]) << QByteArray(row[2]) << QByteArray(row[3]);
}

void tst_NginxAccessDifferential::answersAlike()
{
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    const QByteArray viaNginx = answer(m_nginxPort, source, method, target);
    const QByteArray viaWsscope = answer(m_wsscope.port(), source, method, target);
    QCOMPARE(viaWsscope, viaNginx);
}

// nginx's error log line: "access forbidden by rule, client: ..." at error
// level; wsscope's error log says the same words.
void tst_NginxAccessDifferential::forbiddenIsLoggedAsNginxDoes()
{
    QCOMPARE(answer(m_wsscope.port(), "127.0.0.3", "GET", "/inherit/logged"), QByteArray("403"));
    QVERIFY(m_wsscope.waitForOutput("access forbidden by rule"));
    QFile nginxLog(m_dir.filePath(u"error.log"_s));
    QVERIFY(nginxLog.open(QIODevice::ReadOnly));
    QVERIFY(nginxLog.readAll().contains("access forbidden by rule, client: 127.0.0.3"));
}

void tst_NginxAccessDifferential::realIpAlike_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QByteArray>("target");
    const char *rows[][4] = {
        {"server level: a trusted peer's X-Real-IP", "127.0.0.2", "X-Real-IP: 192.0.2.1\r\n", "/rip/a"},
        {"server level: an untrusted peer's is ignored", "127.0.0.1", "X-Real-IP: 192.0.2.1\r\n", "/rip/a"},
        {"X-Real-IP with a list takes its last address", "127.0.0.2", "X-Real-IP: 192.0.2.1, 10.0.0.1\r\n", "/rip/a"},
        {"X-Real-IP that is no address", "127.0.0.2", "X-Real-IP: unknown\r\n", "/rip/a"},
        {"X-Real-IP with a port sets $remote_port", "127.0.0.2", "X-Real-IP: 192.0.2.1:8000\r\n", "/rip-port/a"},
        {"X-Real-IP without a port empties $remote_port", "127.0.0.2", "X-Real-IP: 192.0.2.1\r\n", "/rip-port/a"},
        {"X-Real-IP: a bracketed IPv6 address with a port", "127.0.0.2", "X-Real-IP: [2001:db8::1]:99\r\n", "/rip/a"},
        {"X-Real-IP: a bracketed IPv6 address without a port", "127.0.0.2", "X-Real-IP: [2001:db8::1]\r\n", "/rip/a"},
        {"X-Real-IP: an IPv4 address in short form", "127.0.0.2", "X-Real-IP: 10.1\r\n", "/rip/a"},
        {"X-Forwarded-For: the last address", "127.0.0.1", "X-Forwarded-For: 203.0.113.5, 192.0.2.9\r\n", "/xff/page.txt"},
        {"X-Forwarded-For: trailing separators", "127.0.0.1", "X-Forwarded-For: 203.0.113.5 , ,\r\n", "/xff/page.txt"},
        {"X-Forwarded-For: the last of several lines", "127.0.0.1",
         "X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 192.0.2.3\r\n", "/xff/page.txt"},
        {"recursive: past every trusted address", "127.0.0.1", "X-Forwarded-For: 203.0.113.5, 192.0.2.9, 127.0.0.9\r\n",
         "/xff-rec/page.txt"},
        {"recursive: across lines", "127.0.0.1",
         "X-Forwarded-For: 203.0.113.5\r\nX-Forwarded-For: 192.0.2.4\r\nX-Forwarded-For: 127.0.0.8\r\n", "/xff-rec/page.txt"},
        {"recursive: all trusted ends at the first", "127.0.0.1", "X-Forwarded-For: 192.0.2.2, 127.0.0.5\r\n",
         "/xff-rec/page.txt"},
        {"recursive: stops at an unparsable one", "127.0.0.1", "X-Forwarded-For: 203.0.113.5, junk, 192.0.2.6\r\n",
         "/xff-rec/page.txt"},
        {"X-Forwarded-For of garbage", "127.0.0.1", "X-Forwarded-For: unknown\r\n", "/xff/page.txt"},
        {"a location's settings come after its return", "127.0.0.1", "X-Forwarded-For: 192.0.2.1\r\n", "/xff-ret/a"},
        {"a field of the config's choosing", "127.0.0.2", "X-Client: 192.0.2.44\r\n", "/custom/page.txt"},
        {"the field named is the only one read", "127.0.0.2", "X-Real-IP: 192.0.2.45\r\n", "/custom/page.txt"},
        {"deny sees realip's address", "127.0.0.1", "X-Real-IP: 192.0.2.7\r\n", "/rip-deny/page.txt"},
        {"deny lets another through", "127.0.0.1", "X-Real-IP: 192.0.2.8\r\n", "/rip-deny/page.txt"},
        {"$server_addr is the listening address, whatever realip did", "127.0.0.2", "X-Real-IP: 192.0.2.1\r\n", "/addr/"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[1]) << QByteArray(row[2]) << QByteArray(row[3]);
}

void tst_NginxAccessDifferential::realIpAlike()
{
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, headers);
    QFETCH(QByteArray, target);
    const QByteArray viaNginx = answer(m_nginxPort, source, "GET", target, headers);
    const QByteArray viaWsscope = answer(m_wsscope.port(), source, "GET", target, headers);
    QVERIFY2(!viaNginx.startsWith("no "), viaNginx.constData());
    QCOMPARE(viaWsscope, viaNginx);
}

QTEST_GUILESS_MAIN(tst_NginxAccessDifferential)
#include "tst_nginx_access_differential.moc"
