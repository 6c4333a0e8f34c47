// Differential test of how a request's first line and Host are read: the
// same configuration through Debian's nginx and through wsscope, and raw
// requests (pipelined, absolute-form, odd Host values, Expect) sent to both.
// For each, both must send the same sequence of status lines, and the same
// body where the body is ours (`return 200 "[$host]"`).

#include "testsupport.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

class tst_NginxRequestLineDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void answersAlike_data();
    void answersAlike();

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, const QString &dir);
    // The status lines of every response on the connection, each followed by
    // the body when it is a `return` body ("[...]"), until the peer closes.
    static QByteArray answer(quint16 port, const QByteArray &request);

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
};

QByteArray tst_NginxRequestLineDifferential::configText(quint16 listenPort, quint16 backendPort, const QString &dir)
{
    const QByteArray d = dir.toUtf8();
    return "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "  access_log off;\n"
           "  client_body_temp_path " + d + "/body;\n"
           "  proxy_temp_path " + d + "/proxy;\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
           "    server_name localhost;\n"
           // read before Host picks a server: the address's default server's
           "    merge_slashes off;\n    underscores_in_headers on;\n"
           "    location / { return 200 \"[$host]\"; }\n"
           "    location /h/ { return 200 \"[$http_x_under|$http_x_ok]\"; }\n"
           "    location /v/ { return 200 \"[$uri|$args|$is_args|$request_uri]\"; }\n"
           "    location /up/ { proxy_pass http://127.0.0.1:" + QByteArray::number(backendPort) + "; }\n"
           "  }\n"
           "}\n";
}

void tst_NginxRequestLineDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(QStringLiteral("/usr/sbin/nginx")),
             "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.startPython(QStringLiteral("http_upstream.py")));

    m_nginxPort = unusedPort();
    QFile nginxConf(m_dir.filePath(QStringLiteral("nginx.conf")));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPort, m_backend.port(), m_dir.path()));
    nginxConf.close();
    QVERIFY(m_nginx.launch(QStringLiteral("/usr/sbin/nginx"),
                           {QStringLiteral("-p"), m_dir.path(), QStringLiteral("-c"), nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPort, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 500).ok, 10000);

    QFile wsConf(m_dir.filePath(QStringLiteral("wsscope.conf")));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    wsConf.write(configText(0, m_backend.port(), m_dir.path())
                     .replace("/nginx.pid", "/wsscope.pid")
                     .replace("/error.log", "/wsscope-error.log"));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), wsConf.fileName(),
                                              QStringLiteral("-g"), QStringLiteral("error_log stderr info;")}));
}

void tst_NginxRequestLineDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QByteArray tst_NginxRequestLineDifferential::answer(quint16 port, const QByteArray &request)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return "no connection";
    socket.write(request);
    QByteArray received;
    QElapsedTimer timer;
    timer.start();
    // Every request of a row ends the connection (Connection: close, HTTP/1.0
    // or an error), so reading until the peer closes sees every response.
    while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 5000) {
        socket.waitForReadyRead(200);
        received += socket.readAll();
    }
    received += socket.readAll();
    QByteArray out;
    for (const QByteArray &line : received.split('\n')) {
        const QByteArray text = line.trimmed();
        if (text.startsWith("HTTP/1.") || (text.startsWith('[') && text.endsWith(']')))
            out += text + " / ";
    }
    return out;
}

void tst_NginxRequestLineDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("request");
    const QByteArray next = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    auto hostIs = [](const QByteArray &host) -> QByteArray { return "GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n"; };
    auto absolute = [](const QByteArray &target) -> QByteArray { return "GET " + target + " HTTP/1.0\r\nHost: localhost\r\n\r\n"; };

    QTest::newRow("TRACE is 405 and ends the connection") << QByteArray("TRACE / HTTP/1.1\r\nHost: localhost\r\n\r\n" + next);
    QTest::newRow("CONNECT is 405 and ends the connection") << QByteArray("CONNECT / HTTP/1.1\r\nHost: localhost\r\n\r\n" + next);
    QTest::newRow("absolute-form host replaces Host") << absolute("http://AbC.Example.:81/");
    QTest::newRow("absolute-form IPv6 literal") << absolute("http://[::1]:5/");
    QTest::newRow("absolute-form with a query and no path") << absolute("http://a.test?x=1");
    QTest::newRow("absolute-form scheme in capitals") << absolute("HTTP://A.test/");
    QTest::newRow("absolute-form host with userinfo") << absolute("http://u@a.test/");
    QTest::newRow("absolute-form host with '_'") << absolute("http://a_b.test/");
    QTest::newRow("absolute-form host with \"..\"") << absolute("http://a..b/");
    QTest::newRow("absolute-form IPv6 literal with a slash") << absolute("http://[ab\\::1/]:1/");
    // A fragment ends the path and the arguments (ngx_http_parse_complex_uri); $request_uri keeps it.
    QTest::newRow("a fragment after the path") << absolute("/v/a#frag");
    QTest::newRow("a fragment after the arguments") << absolute("/v/a?x=1&y#frag");
    QTest::newRow("a '?' inside the fragment") << absolute("/v/a#f?x=1");
    QTest::newRow("an empty query: no $is_args") << absolute("/v/a?");
    QTest::newRow("dot segments before a fragment") << absolute("/v/b/..#frag");
    QTest::newRow("dot segments before the arguments") << absolute("/v/b/.?q#z");
    QTest::newRow("absolute-form with a fragment") << absolute("http://localhost/v/c?k=v#frag");
    QTest::newRow("Host with a trailing dot and port") << hostIs("Example.test.:88");
    QTest::newRow("Host with two ports") << hostIs("123.40.56.78:9000:80");
    QTest::newRow("Host with '@'") << hostIs("u@a.test");
    QTest::newRow("Host with a backslash") << hostIs("a\\b");
    QTest::newRow("Host with \"..\"") << hostIs("a..b");
    QTest::newRow("Host with a slash") << hostIs("a/b:552");
    QTest::newRow("Host with a control character") << hostIs("localhost\x02");
    QTest::newRow("IPvFuture Host") << hostIs("[v1.AbC:~!$&'()*+,;=]");
    QTest::newRow("merge_slashes off: \"//\" stays in $uri") << absolute("/v//a//b/");
    QTest::newRow("merge_slashes off: \"..\" after \"//\"") << absolute("/v//a//../b");
    QTest::newRow("underscores_in_headers on: a name with \"_\" is read")
        << QByteArray("GET /h/ HTTP/1.0\r\nHost: localhost\r\nX_Under: 1\r\nX-Ok: 2\r\n\r\n");
    QTest::newRow("a space in a header name is 400")
        << QByteArray("GET /h/ HTTP/1.0\r\nHost: localhost\r\nX Under: 1\r\n\r\n");
    QTest::newRow("Expect: 100-continue with an empty body")
        << QByteArray("POST /up/e HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n");
    QTest::newRow("Expect: 100-Continue in other case")
        << QByteArray("POST /up/e HTTP/1.1\r\nHost: localhost\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n"
                      "Connection: close\r\n\r\nab");
    QTest::newRow("Expect from an HTTP/1.0 client gets no 100")
        << QByteArray("POST /up/e HTTP/1.0\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n");
}

void tst_NginxRequestLineDifferential::answersAlike()
{
    QFETCH(QByteArray, request);
    const QByteArray viaNginx = answer(m_nginxPort, request);
    const QByteArray viaWsscope = answer(m_wsscope.port(), request);
    QVERIFY2(!viaNginx.isEmpty(), "nginx answered nothing");
    QCOMPARE(viaWsscope, viaNginx);
}

QTEST_GUILESS_MAIN(tst_NginxRequestLineDifferential)
#include "tst_nginx_requestline_differential.moc"
