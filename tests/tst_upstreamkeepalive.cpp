// Upstream keep-alive (`keepalive N`, keepalive_requests, keepalive_timeout,
// keepalive_time) through the real binary, against a real upstream on
// loopback that numbers the connections it accepts (tests/peers/
// counting_upstream.py: every answer says "X-Connection: N"). A reused
// connection shows as the same number; a new one as the next.

#include "testsupport.h"

#include <QFile>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_UpstreamKeepalive : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void reusesOneConnection();
    void chunkedAndHeadResponsesAreReused();
    void connectionCloseIsNotReused();
    void http10ResponseIsNotReused();
    void keepaliveRequestsLimitsReuse();
    void keepaliveTimeoutClosesIdle();
    void keepaliveTimeEndsAnOldConnection();
    void withoutKeepaliveEveryRequestConnects();
    void needsHttp11AndEmptyConnection();
    void serverClosedIdleConnectionIsNotUsed();
    void websocketTunnelIsNeverCached();
    void oneCacheWithoutWorkerProcesses();
    void connectionVariableNumbersClientConnections();

private:
    // wsscope with `upstream u { server ...; EXTRA }` and a location whose
    // proxy_* lines are `location`.
    bool start(const QByteArray &upstreamExtra,
               const QByteArray &location = "proxy_http_version 1.1; proxy_set_header Connection \"\";",
               const QByteArray &main = "worker_processes 1;\n");
    int connectionOf(const QByteArray &path, int *request = nullptr);

    QTemporaryDir m_dir;
    std::unique_ptr<PeerProcess> m_upstream;
    std::unique_ptr<PeerProcess> m_proxy;
    int m_confs = 0;
};

void tst_UpstreamKeepalive::init()
{
    m_proxy.reset();
    m_upstream = std::make_unique<PeerProcess>();
    QVERIFY(m_upstream->startPython(u"counting_upstream.py"_s));
}

bool tst_UpstreamKeepalive::start(const QByteArray &upstreamExtra, const QByteArray &location,
                                  const QByteArray &main)
{
    const QByteArray conf = main + "http {\n"
                            "  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }\n"
                            "  upstream u {\n    server 127.0.0.1:"
        + QByteArray::number(m_upstream->port()) + ";\n    " + upstreamExtra + "\n  }\n"
        + "  server {\n    listen 127.0.0.1:0;\n    location / {\n      proxy_pass http://u;\n      " + location
        + "\n      proxy_set_header Upgrade $http_upgrade;\n    }\n  }\n}\n";
    const QString path = m_dir.filePath(u"keepalive%1.conf"_s.arg(++m_confs));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(conf) != conf.size())
        return false;
    f.close();
    m_proxy = std::make_unique<PeerProcess>();
    return m_proxy->start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, path});
}

// The upstream connection number that answered `path` (each request on a
// client connection of its own, as nginx-tests sends them); -1 on failure.
int tst_UpstreamKeepalive::connectionOf(const QByteArray &path, int *request)
{
    const bool head = path.startsWith("HEAD ");
    const QByteArray target = head ? path.mid(5) : path;
    const HttpResult r = httpExchange(m_proxy->port(), (head ? "HEAD " : "GET ") + target
                                                           + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    if (r.status != 200)
        return -1;
    if (request)
        *request = r.header("X-Request").toInt();
    return r.header("X-Connection").toInt();
}

void tst_UpstreamKeepalive::reusesOneConnection()
{
    QVERIFY(start("keepalive 4;"));
    int request = 0;
    const int first = connectionOf("/a", &request);
    QVERIFY(first > 0);
    QCOMPARE(request, 1);
    for (int i = 2; i <= 5; ++i) {
        QCOMPARE(connectionOf("/a", &request), first);
        QCOMPARE(request, i);
    }
}

void tst_UpstreamKeepalive::chunkedAndHeadResponsesAreReused()
{
    QVERIFY(start("keepalive 4;"));
    const int first = connectionOf("/chunked");
    QVERIFY(first > 0);
    QCOMPARE(connectionOf("/chunked"), first);
    QCOMPARE(connectionOf("HEAD /a"), first); // no body, by the method
    QCOMPARE(connectionOf("/a"), first);
}

void tst_UpstreamKeepalive::connectionCloseIsNotReused()
{
    QVERIFY(start("keepalive 4;"));
    const int first = connectionOf("/close");
    QVERIFY(first > 0);
    QCOMPARE(connectionOf("/a"), first + 1);
    QCOMPARE(connectionOf("/a"), first + 1);
}

void tst_UpstreamKeepalive::http10ResponseIsNotReused()
{
    QVERIFY(start("keepalive 4;"));
    const int first = connectionOf("/http10");
    QVERIFY(first > 0);
    QCOMPARE(connectionOf("/a"), first + 1);
}

void tst_UpstreamKeepalive::keepaliveRequestsLimitsReuse()
{
    QVERIFY(start("keepalive 4; keepalive_requests 3;"));
    const int first = connectionOf("/a");
    QVERIFY(first > 0);
    QCOMPARE(connectionOf("/a"), first);
    QCOMPARE(connectionOf("/a"), first);
    QCOMPARE(connectionOf("/a"), first + 1); // the third request was its last
    QCOMPARE(connectionOf("/a"), first + 1);
}

void tst_UpstreamKeepalive::keepaliveTimeoutClosesIdle()
{
    QVERIFY(start("keepalive 4; keepalive_timeout 1s;"));
    const int first = connectionOf("/a");
    QVERIFY(first > 0);
    QCOMPARE(connectionOf("/a"), first);
    QThread::msleep(1600);
    QCOMPARE(connectionOf("/a"), first + 1);
}

void tst_UpstreamKeepalive::keepaliveTimeEndsAnOldConnection()
{
    QVERIFY(start("keepalive 4; keepalive_time 1s;"));
    const int first = connectionOf("/a");
    QVERIFY(first > 0);
    QThread::msleep(1300);
    // Still reused once (idle well under keepalive_timeout), but past
    // keepalive_time it is closed after that request.
    QCOMPARE(connectionOf("/a"), first);
    QCOMPARE(connectionOf("/a"), first + 1);
}

void tst_UpstreamKeepalive::withoutKeepaliveEveryRequestConnects()
{
    QVERIFY(start(""));
    const int first = connectionOf("/a");
    QVERIFY(first > 0);
    QCOMPARE(connectionOf("/a"), first + 1);
    QCOMPARE(connectionOf("/a"), first + 2);
}

// nginx's defaults (HTTP/1.0, "Connection: close" toward the upstream) ask
// the server to close; keep-alive needs both directives, as in nginx.
void tst_UpstreamKeepalive::needsHttp11AndEmptyConnection()
{
    QVERIFY(start("keepalive 4;", ""));
    const int first = connectionOf("/a");
    QVERIFY(first > 0);
    QCOMPARE(connectionOf("/a"), first + 1);
    QVERIFY(start("keepalive 4;", "proxy_http_version 1.1;")); // Connection: close still sent
    const int second = connectionOf("/a");
    QCOMPARE(second, first + 2);
    QCOMPARE(connectionOf("/a"), second + 1);
}

// A server that closes an idle kept connection: the next request does not
// fail on it, it gets a connection of its own.
void tst_UpstreamKeepalive::serverClosedIdleConnectionIsNotUsed()
{
    QVERIFY(start("keepalive 4;"));
    const int first = connectionOf("/drop");
    QVERIFY(first > 0);
    QThread::msleep(400);
    QCOMPARE(connectionOf("/a"), first + 1);
    QCOMPARE(connectionOf("/a"), first + 1);
}

// An upgraded connection belongs to its tunnel: when the tunnel ends it
// closes, and the next request connects anew.
void tst_UpstreamKeepalive::websocketTunnelIsNeverCached()
{
    QVERIFY(start("keepalive 4;", "proxy_http_version 1.1; proxy_set_header Connection $connection_upgrade;"));
    const int first = connectionOf("/a");
    QVERIFY(first > 0);
    {
        QTcpSocket ws;
        ws.connectToHost(QHostAddress::LocalHost, m_proxy->port());
        QVERIFY(ws.waitForConnected(5000));
        ws.write("GET /upgrade HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        const HttpResult r = readHttpResponse(ws, 5000);
        QCOMPARE(r.status, 101);
        // The tunnel took the idle connection (the request went over it).
        QCOMPARE(r.header("X-Connection").toInt(), first);
        ws.disconnectFromHost();
    }
    QThread::msleep(300);
    QCOMPARE(connectionOf("/a"), first + 1);
    QCOMPARE(connectionOf("/a"), first + 1);
}

// A pasted nginx.conf without worker_processes: nginx runs one worker, so
// `keepalive 1` keeps one connection that every client connection reuses.
// (With a thread per core, clients handed to different threads each found
// their own thread's cache empty and connected anew.)
void tst_UpstreamKeepalive::oneCacheWithoutWorkerProcesses()
{
    QVERIFY(start("keepalive 1;", "proxy_http_version 1.1; proxy_set_header Connection \"\";", ""));
    const int first = connectionOf("/a");
    QVERIFY(first > 0);
    for (int i = 0; i < 6; ++i)
        QCOMPARE(connectionOf("/a"), first);
}

// $connection (ngx_http_variable_connection) is the client connection's
// number wherever it is used, not only in the access log: the same for
// every request of a keep-alive connection, another for the next one.
void tst_UpstreamKeepalive::connectionVariableNumbersClientConnections()
{
    QVERIFY(start("keepalive 1;", "proxy_http_version 1.1; proxy_set_header Connection \"\";\n"
                                  "      add_header X-Client $connection;"));
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, m_proxy->port());
    QVERIFY(client.waitForConnected(5000));
    client.write("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    const HttpResult one = readHttpResponse(client, 5000);
    client.write("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
    const HttpResult two = readHttpResponse(client, 5000);
    QCOMPARE(one.status, 200);
    QCOMPARE(two.status, 200);
    const int number = one.header("X-Client").toInt();
    QVERIFY2(number > 0, one.header("X-Client").constData());
    QCOMPARE(two.header("X-Client").toInt(), number);
    const HttpResult other = httpExchange(m_proxy->port(), "GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    QCOMPARE(other.status, 200);
    QVERIFY(other.header("X-Client").toInt() > 0);
    QVERIFY(other.header("X-Client").toInt() != number);
}

QTEST_GUILESS_MAIN(tst_UpstreamKeepalive)
#include "tst_upstreamkeepalive.moc"
