// Differential test of the client connection: keep-alive (keepalive_timeout,
// keepalive_requests, keepalive_time, keepalive_disable, decided by the
// location that served each request) and the request head's buffers
// (client_header_buffer_size, large_client_header_buffers). The same
// configuration runs in Debian's nginx and in wsscope; each row sends its
// requests one after the other on one connection, to both, and both must
// answer alike: per response its status, Connection, Keep-Alive and X-Conn
// ($connection_requests), and whether the server then closed. The head's
// buffers are tried on a second server with small ones: each row's request
// gets the same status and error page title from both. limit_rate and its
// kin pace a 8 KB file alike: held back past the rate's budget, or not.

#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxClientDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void keepAliveAlike_data();
    void keepAliveAlike();
    void idleConnectionClosesAfterTheServingLocationsTimeout();
    void keepaliveTimeEndsAnOldConnection();
    void headBuffersAlike_data();
    void headBuffersAlike();
    void limitRatePacesAlike_data();
    void limitRatePacesAlike();
    void pacedProxyOutlivesTheReadTimeout();
    void limitRateVariable_data();
    void limitRateVariable();

private:
    static QByteArray configText(quint16 listenPort, quint16 smallPort, quint16 backendPort, const QString &dir);
    // The requests sent in turn on one connection; a line per response, and
    // "closed" once the server ends the connection (nothing more is sent then).
    static QByteArray conversation(quint16 port, const QList<QByteArray> &requests);
    // Milliseconds until the server closes an idle connection after one
    // response to `request`; -1 when it is still open after `waitMs`.
    static qint64 idleCloseAfter(quint16 port, const QByteArray &request, int waitMs);

    struct Paced
    {
        bool completeAtMark = true; // the whole response was there once `mark` bytes were
        qsizetype total = 0;
        qint64 elapsedMs = 0;       // until the last byte
    };
    static Paced pacedGet(quint16 port, const QByteArray &path, qsizetype mark);

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
    quint16 m_nginxSmallPort = 0;
    quint16 m_wsscopeSmallPort = 0;
};

QByteArray tst_NginxClientDifferential::configText(quint16 listenPort, quint16 smallPort, quint16 backendPort,
                                                   const QString &dir)
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
           "    keepalive_requests 2;\n"
           "    keepalive_timeout 1 9;\n"
           "    add_header X-Conn $connection_requests;\n"
           "    location / { return 200 \"ok\"; }\n"
           "    location /r/ { keepalive_requests 4; keepalive_timeout 30s; return 200 \"r\"; }\n"
           "    location /zero { keepalive_timeout 0; return 200 \"z\"; }\n"
           "    location /time { keepalive_requests 100; keepalive_timeout 75s; keepalive_time 1s;\n"
           "      add_header X-Conn $connection_requests; add_header X-Time $connection_time; return 200 \"t\"; }\n"
           "    location /safari { keepalive_disable safari; return 200 \"s\"; }\n"
           "    location /none { keepalive_disable none; return 200 \"n\"; }\n"
           "    location /up/ { keepalive_requests 3; proxy_pass http://127.0.0.1:" + QByteArray::number(backendPort)
        + "; }\n"
           // the response's pace (an 8 KB file)
           "    location /slow/ { limit_rate 4k; alias " + d + "/html/; }\n"
           "    location /after/ { limit_rate 1k; limit_rate_after 5k; alias " + d + "/html/; }\n"
           "    location /setrate/ { set $limit_rate 4k; alias " + d + "/html/; }\n"
           "    location /varrate/ { limit_rate $arg_r; alias " + d + "/html/; }\n"
           "    location /accel/ { proxy_pass http://127.0.0.1:" + QByteArray::number(smallPort) + "/xaccel/; }\n"
           "    location /accelignored/ { proxy_ignore_headers X-Accel-Limit-Rate;\n"
           "      proxy_pass http://127.0.0.1:" + QByteArray::number(smallPort) + "/xaccel/; }\n"
           "    location /accelnobuf/ { limit_rate 1k; proxy_pass http://127.0.0.1:" + QByteArray::number(smallPort)
        + "/xnobuf/; }\n"
           "    location /pacedproxy/ { limit_rate 512k; proxy_read_timeout 1s;\n"
           "      proxy_pass http://127.0.0.1:" + QByteArray::number(smallPort) + "/files/; }\n"
           "    location /unbuffered/ { limit_rate 1k; proxy_buffering off;\n"
           "      proxy_pass http://127.0.0.1:" + QByteArray::number(smallPort) + "/files/; }\n"
           "    location = /rate { set $limit_rate $arg_l; add_header X-Rate $limit_rate; return 200 \"r\"; }\n"
           "  }\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(smallPort) + ";\n"
           "    client_header_buffer_size 64;\n"
           "    connection_pool_size 256;\n"
           "    large_client_header_buffers 2 256;\n"
           "    location / { return 200 \"small\"; }\n"
           "    location /files/ { alias " + d + "/html/; }\n"
           "    location /xaccel/ { add_header X-Accel-Limit-Rate 4096; alias " + d + "/html/; }\n"
           "    location /xnobuf/ { add_header X-Accel-Buffering no; alias " + d + "/html/; }\n"
           "  }\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(smallPort) + ";\n"
           "    server_name big.test;\n"
           "    large_client_header_buffers 2 1k;\n"
           "    location / { return 200 \"big\"; }\n"
           "  }\n"
           "}\n";
}

void tst_NginxClientDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(u"/usr/sbin/nginx"_s), "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.startPython(u"http_upstream.py"_s));
    QVERIFY(QDir(m_dir.path()).mkpath(u"html"_s));
    QFile file(m_dir.filePath(u"html/f.bin"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(8192, 'z'));
    file.close();
    QFile big(m_dir.filePath(u"html/big.bin"_s));
    QVERIFY(big.open(QIODevice::WriteOnly));
    big.write(QByteArray(3 * 1024 * 1024, 'b'));
    big.close();

    // Three different ports (unusedPort() may hand out a port it gave before).
    m_nginxPort = unusedPort();
    do
        m_nginxSmallPort = unusedPort();
    while (m_nginxSmallPort == m_nginxPort);
    do
        m_wsscopeSmallPort = unusedPort();
    while (m_wsscopeSmallPort == m_nginxPort || m_wsscopeSmallPort == m_nginxSmallPort);
    QFile nginxConf(m_dir.filePath(u"nginx.conf"_s));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPort, m_nginxSmallPort, m_backend.port(), m_dir.path()));
    nginxConf.close();
    QVERIFY(m_nginx.launch(u"/usr/sbin/nginx"_s, {u"-p"_s, m_dir.path(), u"-c"_s, nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPort, "GET / HTTP/1.0\r\nHost: x\r\n\r\n", 500).ok, 10000);

    QFile wsConf(m_dir.filePath(u"wsscope.conf"_s));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    wsConf.write(configText(0, m_wsscopeSmallPort, m_backend.port(), m_dir.path())
                     .replace("/nginx.pid", "/wsscope.pid")
                     .replace("/error.log", "/wsscope-error.log"));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(),
                            {u"--no-gui"_s, u"-c"_s, wsConf.fileName(), u"-g"_s, u"error_log stderr info;"_s}));
}

void tst_NginxClientDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QByteArray tst_NginxClientDifferential::conversation(quint16 port, const QList<QByteArray> &requests)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return "no connection";
    QByteArray out;
    for (const QByteArray &request : requests) {
        socket.write(request);
        const HttpResult r = readHttpResponse(socket, 5000);
        if (!r.ok)
            return out + (r.closedByPeer ? "closed" : "no answer");
        out += QByteArray::number(r.status) + " Connection: " + r.header("Connection") + " Keep-Alive: "
            + r.header("Keep-Alive") + " X-Conn: " + r.header("X-Conn") + " / ";
        if (r.header("Connection") == "close") {
            // The server ends the connection after this one.
            QElapsedTimer t;
            t.start();
            while (socket.state() == QAbstractSocket::ConnectedState && t.elapsed() < 3000) {
                socket.waitForReadyRead(100);
                socket.readAll();
            }
            return out + (socket.state() == QAbstractSocket::ConnectedState ? "left open" : "closed");
        }
    }
    return out + "open";
}

void tst_NginxClientDifferential::keepAliveAlike_data()
{
    QTest::addColumn<QList<QByteArray>>("requests");
    auto get = [](const QByteArray &path, const QByteArray &extra = {}) -> QByteArray {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
    };
    auto post = [](const QByteArray &path, const QByteArray &ua) -> QByteArray {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " + ua + "\r\nContent-Length: 0\r\n\r\n";
    };
    const QByteArray safari = "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7) Safari/7534.48.3\r\n";
    const QByteArray chrome = "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7) Chrome/90 Safari/537\r\n";

    QTest::newRow("the server's keepalive_requests 2 closes on the second")
        << QList<QByteArray>{get("/"), get("/"), get("/")};
    QTest::newRow("a location's own keepalive_requests 4") << QList<QByteArray>(5, get("/r/"));
    QTest::newRow("the serving location decides: /r/ keeps the third, / closes the fourth")
        << QList<QByteArray>{get("/"), get("/r/"), get("/r/"), get("/")};
    QTest::newRow("the third request on / is past its limit") << QList<QByteArray>{get("/r/"), get("/r/"), get("/")};
    QTest::newRow("keepalive_timeout 0 closes at once") << QList<QByteArray>{get("/zero"), get("/")};
    QTest::newRow("a proxied location: Keep-Alive header from the server level, its own limit 3")
        << QList<QByteArray>(4, get("/up/a"));
    QTest::newRow("HTTP/1.0 with keep-alive")
        << QList<QByteArray>(3, "GET / HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
    QTest::newRow("HTTP/1.0 without keep-alive") << QList<QByteArray>{"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"};
    QTest::newRow("the client's Connection: close") << QList<QByteArray>{get("/r/", "Connection: close\r\n")};
    QTest::newRow("msie6 (the default): a POST from MSIE 5 closes")
        << QList<QByteArray>{post("/r/", "Mozilla/4.0 (compatible; MSIE 5.0; Windows 98)"), get("/r/")};
    QTest::newRow("msie6: a GET from MSIE 5 keeps")
        << QList<QByteArray>{get("/r/", "User-Agent: Mozilla/4.0 (compatible; MSIE 5.0; Windows 98)\r\n"), get("/r/")};
    QTest::newRow("msie6: MSIE 6 with SV1 keeps")
        << QList<QByteArray>{post("/r/", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"), get("/r/")};
    QTest::newRow("msie6: MSIE 6 without SV1 closes")
        << QList<QByteArray>{post("/r/", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"), get("/r/")};
    QTest::newRow("msie6: MSIE 7 keeps")
        << QList<QByteArray>{post("/r/", "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)"), get("/r/")};
    QTest::newRow("msie6: Opera saying MSIE 5 keeps")
        << QList<QByteArray>{post("/r/", "Mozilla/4.0 (compatible; MSIE 5.0; Windows 98) Opera 7.54"), get("/r/")};
    QTest::newRow("keepalive_disable none: MSIE 5's POST keeps")
        << QList<QByteArray>{post("/none", "Mozilla/4.0 (compatible; MSIE 5.0; Windows 98)"), get("/none")};
    QTest::newRow("keepalive_disable safari: Safari closes") << QList<QByteArray>{get("/safari", safari), get("/")};
    QTest::newRow("keepalive_disable safari: Chrome says Safari too, and keeps")
        << QList<QByteArray>{get("/safari", chrome), get("/")};
    QTest::newRow("Safari elsewhere keeps") << QList<QByteArray>{get("/", safari), get("/")};
}

void tst_NginxClientDifferential::keepAliveAlike()
{
    QFETCH(QList<QByteArray>, requests);
    const QByteArray viaNginx = conversation(m_nginxPort, requests);
    const QByteArray viaWsscope = conversation(m_wsscope.port(), requests);
    QVERIFY2(viaNginx.startsWith("200 "), viaNginx.constData());
    QCOMPARE(viaWsscope, viaNginx);
}

qint64 tst_NginxClientDifferential::idleCloseAfter(quint16 port, const QByteArray &request, int waitMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return -2;
    socket.write(request);
    if (!readHttpResponse(socket, 5000).ok)
        return -3;
    QElapsedTimer t;
    t.start();
    while (socket.state() == QAbstractSocket::ConnectedState && t.elapsed() < waitMs) {
        socket.waitForReadyRead(50);
        socket.readAll();
    }
    return socket.state() == QAbstractSocket::ConnectedState ? -1 : t.elapsed();
}

// keepalive_timeout is the served location's: 1s at the server level (the
// connection closes after about a second), 30s in /r/ (still open after 2s).
void tst_NginxClientDifferential::idleConnectionClosesAfterTheServingLocationsTimeout()
{
    const QByteArray root = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const QByteArray r = "GET /r/ HTTP/1.1\r\nHost: localhost\r\n\r\n";
    for (const quint16 port : {m_nginxPort, m_wsscope.port()}) {
        const qint64 closedAfter = idleCloseAfter(port, root, 4000);
        QVERIFY2(closedAfter >= 700 && closedAfter < 2500, qPrintable(u"port %1: %2 ms"_s.arg(port).arg(closedAfter)));
        QCOMPARE(idleCloseAfter(port, r, 2000), -1);
    }
}

// keepalive_time 1s in /time: a request that arrives when the connection is
// older than that is answered with "Connection: close"; $connection_time
// counts from the accept, in seconds with milliseconds.
void tst_NginxClientDifferential::keepaliveTimeEndsAnOldConnection()
{
    const QByteArray request = "GET /time HTTP/1.1\r\nHost: localhost\r\n\r\n";
    for (const quint16 port : {m_nginxPort, m_wsscope.port()}) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(socket.waitForConnected(5000));
        socket.write(request);
        const HttpResult first = readHttpResponse(socket, 5000);
        QVERIFY(first.ok);
        QCOMPARE(first.header("Connection"), QByteArray("keep-alive"));
        QVERIFY2(QRegularExpression(u"^0\\.\\d{3}$"_s).match(QString::fromLatin1(first.header("X-Time"))).hasMatch(),
                 first.header("X-Time").constData());
        QTest::qWait(1200); // the connection's age is what is tested
        socket.write(request);
        const HttpResult second = readHttpResponse(socket, 5000);
        QVERIFY(second.ok);
        QCOMPARE(second.header("Connection"), QByteArray("close"));
        QCOMPARE(second.header("X-Conn"), QByteArray("2"));
        QVERIFY2(QRegularExpression(u"^1\\.[2-9]\\d{2}$"_s).match(QString::fromLatin1(second.header("X-Time"))).hasMatch(),
                 second.header("X-Time").constData());
    }
}

QTEST_GUILESS_MAIN(tst_NginxClientDifferential)
tst_NginxClientDifferential::Paced tst_NginxClientDifferential::pacedGet(quint16 port, const QByteArray &path,
                                                                      qsizetype mark)
{
    Paced out;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return out;
    QElapsedTimer clock;
    clock.start();
    socket.write("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    QByteArray got;
    bool marked = false;
    while (clock.elapsed() < 15000 && socket.state() == QAbstractSocket::ConnectedState) {
        socket.waitForReadyRead(100);
        got += socket.readAll();
        if (!marked && got.size() >= mark) {
            marked = true;
            out.completeAtMark = got.endsWith(QByteArray(8192, 'z'));
        }
    }
    got += socket.readAll();
    out.total = got.endsWith(QByteArray(8192, 'z')) ? 8192 : 0;
    out.elapsedMs = clock.elapsed();
    return out;
}

// ngx_http_write_filter: a second's worth of the rate (past limit_rate_after)
// goes at once, the rest as the seconds pass; proxy_buffering off sends at
// full speed whatever limit_rate says.
void tst_NginxClientDifferential::limitRatePacesAlike_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<qsizetype>("mark"); // bytes that may come before the rate holds the rest
    QTest::addColumn<bool>("paced");
    QTest::newRow("limit_rate 4k: 4k at once, the rest a second later") << QByteArray("/slow/f.bin") << qsizetype(1) << true;
    QTest::newRow("limit_rate_after 5k: 5k free, then 1k a second") << QByteArray("/after/f.bin") << qsizetype(5120)
                                                                     << true;
    QTest::newRow("set $limit_rate 4k") << QByteArray("/setrate/f.bin") << qsizetype(1) << true;
    QTest::newRow("limit_rate $arg_r") << QByteArray("/varrate/f.bin?r=4k") << qsizetype(1) << true;
    QTest::newRow("limit_rate $arg_r, not a size: no limit") << QByteArray("/varrate/f.bin?r=fast") << qsizetype(8192)
                                                             << false;
    QTest::newRow("X-Accel-Limit-Rate from the upstream") << QByteArray("/accel/f.bin") << qsizetype(1) << true;
    QTest::newRow("proxy_ignore_headers X-Accel-Limit-Rate") << QByteArray("/accelignored/f.bin") << qsizetype(8192)
                                                             << false;
    QTest::newRow("X-Accel-Buffering: no from the upstream") << QByteArray("/accelnobuf/f.bin") << qsizetype(8192)
                                                             << false;
    QTest::newRow("proxy_buffering off: not paced") << QByteArray("/unbuffered/f.bin") << qsizetype(8192) << false;
}

void tst_NginxClientDifferential::limitRatePacesAlike()
{
    QFETCH(QByteArray, path);
    QFETCH(qsizetype, mark);
    QFETCH(bool, paced);
    for (const quint16 port : {m_nginxPort, m_wsscope.port()}) {
        const char *who = port == m_nginxPort ? "nginx" : "wsscope";
        const Paced p = pacedGet(port, path, mark);
        QVERIFY2(p.total == 8192, who);
        if (paced) {
            // The rate cannot let 8 KB out within the first second.
            QVERIFY2(!p.completeAtMark, who);
            QVERIFY2(p.elapsedMs >= 900, qPrintable(u"%1: %2 ms"_s.arg(QLatin1String(who)).arg(p.elapsedMs)));
        } else {
            // 1k a second would take 7 s and more.
            QVERIFY2(p.elapsedMs < 5000, qPrintable(u"%1: %2 ms"_s.arg(QLatin1String(who)).arg(p.elapsedMs)));
        }
    }
}

// A paced response holds the upstream's bytes back (the client's queue is
// full, so wsscope stops reading): that is no silence of the upstream, and
// proxy_read_timeout must not end it (nginx buffers to a file meanwhile).
void tst_NginxClientDifferential::pacedProxyOutlivesTheReadTimeout()
{
    for (const quint16 port : {m_nginxPort, m_wsscope.port()}) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(socket.waitForConnected(5000));
        socket.write("GET /pacedproxy/big.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        const HttpResult r = readHttpResponse(socket, 20000);
        const char *who = port == m_nginxPort ? "nginx" : "wsscope";
        QVERIFY2(r.ok, who);
        QVERIFY2(r.body.size() == 3 * 1024 * 1024, qPrintable(u"%1: %2 bytes"_s.arg(QLatin1String(who)).arg(r.body.size())));
    }
}

// $limit_rate: `set` takes a size (an invalid one is logged and ignored);
// read back it is the number of bytes per second.
void tst_NginxClientDifferential::limitRateVariable_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("40k") << QByteArray("?l=40k") << QByteArray("40960");
    QTest::newRow("1m") << QByteArray("?l=1m") << QByteArray("1048576");
    QTest::newRow("plain number") << QByteArray("?l=512") << QByteArray("512");
    QTest::newRow("empty: invalid, stays 0") << QByteArray("") << QByteArray("0");
    QTest::newRow("not a size: stays 0") << QByteArray("?l=fast") << QByteArray("0");
}

void tst_NginxClientDifferential::limitRateVariable()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, expected);
    const QByteArray request = "GET /rate" + query + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    const HttpResult viaNginx = httpExchange(m_nginxPort, request);
    QCOMPARE(viaNginx.header("X-Rate"), expected);
    const HttpResult viaWsscope = httpExchange(m_wsscope.port(), request);
    QCOMPARE(viaWsscope.header("X-Rate"), expected);
}

#include "tst_nginx_client_differential.moc"

// client_header_buffer_size 64, large_client_header_buffers 2 256: the request
// line and Host (33 bytes) fit the first buffer; a line that does not fit
// where it starts moves whole to a large buffer, which holds 256 bytes.
void tst_NginxClientDifferential::headBuffersAlike_data()
{
    QTest::addColumn<QByteArray>("request");
    auto line = [](qsizetype length) -> QByteArray { // a request line of `length` bytes with CRLF
        return "GET /" + QByteArray(length - 16, 'u') + " HTTP/1.1\r\n";
    };
    auto headers = [](int count, qsizetype length) -> QByteArray { // `count` lines of `length` with CRLF
        QByteArray out;
        for (int i = 0; i < count; ++i)
            out += "X-" + QByteArray::number(i) + ": " + QByteArray(length - 7, 'h') + "\r\n";
        return out;
    };
    const QByteArray host = "Host: localhost\r\n";
    QTest::newRow("a head in the first buffer") << QByteArray("GET / HTTP/1.1\r\n" + host + "\r\n");
    QTest::newRow("a request line of 200 moves to a large buffer") << line(200) + host + "\r\n";
    QTest::newRow("a request line of 256 with its CRLF fits one") << line(256) + host + "\r\n";
    QTest::newRow("one of 257 is 414") << line(257) + host + "\r\n";
    QTest::newRow("a bare-LF request line of 256 fits") << line(257).replace("\r\n", "\n") + host + "\r\n";
    QTest::newRow("a header line of 256 fits") << "GET / HTTP/1.1\r\n" + host + headers(1, 256) + "\r\n";
    QTest::newRow("one of 257 is 400 Request Header Or Cookie Too Large")
        << "GET / HTTP/1.1\r\n" + host + headers(1, 257) + "\r\n";
    QTest::newRow("two lines of 200 take both large buffers") << "GET / HTTP/1.1\r\n" + host + headers(2, 200) + "\r\n";
    QTest::newRow("a third finds none") << "GET / HTTP/1.1\r\n" + host + headers(3, 200) + "\r\n";
    QTest::newRow("four lines of 100 pack two to a buffer") << "GET / HTTP/1.1\r\n" + host + headers(4, 100) + "\r\n";
    QTest::newRow("five do not") << "GET / HTTP/1.1\r\n" + host + headers(5, 100) + "\r\n";
    QTest::newRow("the request line's buffer takes headers after it")
        << line(200) + host + headers(1, 30) + headers(1, 200) + "\r\n";
    // nginx switches to the virtual server once Host is read: its large buffers from there on.
    const QByteArray big = "Host: big.test\r\n";
    QTest::newRow("after Host: big.test, its 1k buffers")
        << "GET / HTTP/1.1\r\n" + big + headers(1, 700) + headers(1, 1000) + "\r\n";
    QTest::newRow("a line before that Host still meets the default server's 256")
        << "GET / HTTP/1.1\r\n" + headers(1, 700) + big + "\r\n";
    QTest::newRow("a line of 1025 is too long for big.test too")
        << "GET / HTTP/1.1\r\n" + big + headers(1, 1025) + "\r\n";
    QTest::newRow("the blank line needs room too") << "GET / HTTP/1.1\r\n" + host + headers(2, 128) + headers(1, 255) + "\r\n";
}

void tst_NginxClientDifferential::headBuffersAlike()
{
    QFETCH(QByteArray, request);
    auto answer = [&](quint16 port) -> QByteArray {
        const HttpResult r = httpExchange(port, request, 5000);
        if (!r.ok)
            return "no answer";
        const qsizetype title = r.body.indexOf("<title>");
        const QByteArray page = title < 0 ? r.body : r.body.mid(title, r.body.indexOf("</title>") - title);
        return QByteArray::number(r.status) + " Connection: " + r.header("Connection") + " " + page;
    };
    const QByteArray viaNginx = answer(m_nginxSmallPort);
    QVERIFY2(!viaNginx.startsWith("no answer"), viaNginx.constData());
    QCOMPARE(answer(m_wsscopeSmallPort), viaNginx);
}
