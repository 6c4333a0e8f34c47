// End-to-end: the real wsscope binary between real peers on loopback
// (Qt WebSockets, Debian's python3-websockets, Python's http.server).

#include "testsupport.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_ProxyE2E : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void qtClientThroughProxyToQtServer();
    void rewritesHandshakeHeadersLikeTheSeeds();
    void pythonClientThroughProxyToPythonServer();
    void tenThousandSmallAnd16MiBMessagesBothWays();
    void roundRobinAcrossUpstreams();
    void halfCloseDeliversDataBeforeFin();
    void upstreamDownGives502();
    void failedServerIsSkippedForTheNext();
    void silentUpstreamGives504AfterReadTimeout();
    void unreachableUpstreamGives504AfterConnectTimeout();
    void idleTunnelClosedAfterReadTimeout();
    void deadUpstreamClosesTunnelPromptly();
    void stalledReaderClosedAfterItsOwnSendTimeout_data();
    void stalledReaderClosedAfterItsOwnSendTimeout();
    void plainHttpGetAndChunkedPostKeepAlive();
    void http10ClientGetsDechunkedBody();
    void malformedRequests_data();
    void malformedRequests();
    void handshakeSentOneByteAtATime();
    void http10UpgradeIsTunnelledAsNginxDoes();
    void sigtermDrainsOpenTunnelsThenExitsZero();
    void noGuiNeverTouchesTheDisplay();
    void captureWritesJsonlAndHar();
    void staticFilesAndWebSocketOnOnePort();
    void quickModeTlsUsesTheLocalCaAndVerifiesWssUpstreams();
    void usageErrorsExitWithCode2_data();
    void usageErrorsExitWithCode2();

private:
    std::unique_ptr<PeerProcess> m_malformedUpstream;
    std::unique_ptr<PeerProcess> m_malformedProxy;
    static QJsonObject lastJsonLine(const QByteArray &output, const QByteArray &mustContain = {});
};

void tst_ProxyE2E::initTestCase()
{
    QVERIFY2(QFileInfo::exists(wsscopeBinary()), "WSSCOPE_BIN must point at the built wsscope");
    QProcess probe;
    probe.start(systemPython(), {QStringLiteral("-c"), QStringLiteral("import websockets")});
    QVERIFY(probe.waitForFinished(10000));
    QVERIFY2(probe.exitCode() == 0, "Debian's python3-websockets is required (installers/deps-debian.sh --test)");
}

QJsonObject tst_ProxyE2E::lastJsonLine(const QByteArray &output, const QByteArray &mustContain)
{
    const QList<QByteArray> lines = output.split('\n');
    for (auto it = lines.crbegin(); it != lines.crend(); ++it) {
        if (!it->startsWith('{') || (!mustContain.isEmpty() && !it->contains(mustContain)))
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(*it);
        if (doc.isObject())
            return doc.object();
    }
    return {};
}

void tst_ProxyE2E::qtClientThroughProxyToQtServer()
{
    QWebSocketServer echo(QStringLiteral("echo"), QWebSocketServer::NonSecureMode);
    QVERIFY(echo.listen(QHostAddress::LocalHost, 0));
    connect(&echo, &QWebSocketServer::newConnection, &echo, [&echo] {
        QWebSocket *s = echo.nextPendingConnection();
        connect(s, &QWebSocket::textMessageReceived, s, [s](const QString &m) { s->sendTextMessage(m); });
        connect(s, &QWebSocket::binaryMessageReceived, s, [s](const QByteArray &m) { s->sendBinaryMessage(m); });
    });
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({QStringLiteral("ws://127.0.0.1:%1").arg(echo.serverPort())}));

    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    QSignalSpy binaries(&client, &QWebSocket::binaryMessageReceived);
    client.open(QUrl(proxy.url(QStringLiteral("ws"), QStringLiteral("/chat"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);
    client.sendTextMessage(QStringLiteral("héllo 你好"));
    const QByteArray bin(70000, '\xab');
    client.sendBinaryMessage(bin);
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(binaries.size(), 1, 10000);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("héllo 你好"));
    QCOMPARE(binaries.at(0).at(0).toByteArray(), bin);

    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 10000);
    QCOMPARE(client.closeCode(), QWebSocketProtocol::CloseCodeNormal);
    // The close is recorded with the side that sent the first FIN.
    QVERIFY2(proxy.waitForOutput("tunnel", 5000), proxy.output());
    QVERIFY2(proxy.output().contains("closed: client closed") || proxy.output().contains("closed: upstream closed"),
             proxy.output());
}

void tst_ProxyE2E::rewritesHandshakeHeadersLikeTheSeeds()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}));

    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    s.write("GET /room?id=7 HTTP/1.1\r\n"
            "Host: example.test:8443\r\n"
            "Upgrade: websocket\r\n"
            "Connection: keep-alive, Upgrade, X-Secret\r\n"
            "X-Secret: must-not-pass\r\n"
            "Keep-Alive: timeout=5\r\n"
            "Proxy-Connection: keep-alive\r\n"
            "X-Forwarded-For: 203.0.113.9\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: chat\r\n"
            "\r\n");
    const HttpResult r = readHttpResponse(s, 10000);
    QCOMPARE(r.status, 101);
    QCOMPARE(r.header("Sec-WebSocket-Accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    QCOMPARE(r.header("Connection").toLower(), QByteArray("upgrade"));
    QCOMPARE(r.header("Upgrade").toLower(), QByteArray("websocket"));

    QVERIFY(upstream.waitForOutput("/room?id=7"));
    const QJsonObject seen = lastJsonLine(upstream.output(), "/room?id=7");
    QMultiMap<QString, QString> h;
    for (const QJsonValue &v : seen.value(QStringLiteral("headers")).toArray())
        h.insert(v.toArray().at(0).toString().toLower(), v.toArray().at(1).toString());
    QCOMPARE(seen.value(QStringLiteral("path")).toString(), QStringLiteral("/room?id=7"));
    QCOMPARE(h.value(QStringLiteral("host")), QStringLiteral("example.test:8443")); // quick mode keeps Host
    QCOMPARE(h.value(QStringLiteral("upgrade")), QStringLiteral("websocket"));
    QCOMPARE(h.value(QStringLiteral("connection")), QStringLiteral("upgrade"));
    QCOMPARE(h.value(QStringLiteral("x-real-ip")), QStringLiteral("127.0.0.1"));
    QCOMPARE(h.value(QStringLiteral("x-forwarded-for")), QStringLiteral("203.0.113.9, 127.0.0.1"));
    QCOMPARE(h.value(QStringLiteral("x-forwarded-proto")), QStringLiteral("http"));
    QCOMPARE(h.value(QStringLiteral("sec-websocket-protocol")), QStringLiteral("chat"));
    QVERIFY(!h.contains(QStringLiteral("x-secret")));        // listed in Connection
    QVERIFY(!h.contains(QStringLiteral("keep-alive")));
    QVERIFY(!h.contains(QStringLiteral("proxy-connection")));
    QCOMPARE(h.count(QStringLiteral("connection")), 1);
}

void tst_ProxyE2E::pythonClientThroughProxyToPythonServer()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}));
    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"), proxy.url(), QStringLiteral("--count"),
                                  QStringLiteral("200"), QStringLiteral("--size"), QStringLiteral("300")});
    QVERIFY(client.waitForFinished(60000));
    const QByteArray out = client.readAllStandardOutput();
    QVERIFY2(client.exitCode() == 0, QByteArray(out + client.readAllStandardError()).constData());
    const QJsonObject result = lastJsonLine(out);
    QCOMPARE(result.value(QStringLiteral("mismatches")).toInt(), 0);
    QCOMPARE(result.value(QStringLiteral("sent_sha256")), result.value(QStringLiteral("recv_sha256")));
}

void tst_ProxyE2E::tenThousandSmallAnd16MiBMessagesBothWays()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}));
    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"), proxy.url(), QStringLiteral("--count"),
                                  QStringLiteral("10000"), QStringLiteral("--size"), QStringLiteral("40"),
                                  QStringLiteral("--big"), QString::number(16 * 1024 * 1024)});
    QVERIFY(client.waitForFinished(120000));
    const QByteArray out = client.readAllStandardOutput();
    QVERIFY2(client.exitCode() == 0, QByteArray(out + client.readAllStandardError()).constData());
    const QJsonObject result = lastJsonLine(out);
    QCOMPARE(result.value(QStringLiteral("count")).toInt(), 10000);
    QCOMPARE(result.value(QStringLiteral("mismatches")).toInt(), 0);
    QVERIFY(result.value(QStringLiteral("big_ok")).toBool());
    QCOMPARE(result.value(QStringLiteral("sent_sha256")), result.value(QStringLiteral("recv_sha256")));
}

void tst_ProxyE2E::roundRobinAcrossUpstreams()
{
    PeerProcess a, b;
    QVERIFY(a.startPython(QStringLiteral("http_upstream.py")));
    QVERIFY(b.startPython(QStringLiteral("http_upstream.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({a.url(QStringLiteral("http")), b.url(QStringLiteral("http"))}));
    for (int i = 0; i < 6; ++i) {
        const HttpResult r = httpExchange(proxy.port(), "GET /rr HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        QCOMPARE(r.status, 200);
    }
    // The access line is written after the response went out: wait for all six.
    QTRY_COMPARE_WITH_TIMEOUT(proxy.output().count("\"GET /rr\" 200"), 6, 5000);
    QCOMPARE(proxy.output().count(QStringLiteral("-> 127.0.0.1:%1 ").arg(a.port()).toUtf8()), 3);
    QCOMPARE(proxy.output().count(QStringLiteral("-> 127.0.0.1:%1 ").arg(b.port()).toUtf8()), 3);
}

void tst_ProxyE2E::halfCloseDeliversDataBeforeFin()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("raw_upstream.py"), {QStringLiteral("--mode"), QStringLiteral("halfclose")}));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}));

    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    s.write("GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    const HttpResult r = readHttpResponse(s, 10000);
    QCOMPARE(r.status, 101);
    // 3 MiB then FIN: more than the proxy buffers per direction, so the
    // FIN has to wait behind real backpressure.
    QByteArray payload(3 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < payload.size(); ++i)
        payload[i] = char((i * 131) ^ (i >> 9));
    s.write(payload);
    while (s.bytesToWrite() > 0)
        QVERIFY(s.waitForBytesWritten(10000));
    QCOMPARE(::shutdown(int(s.socketDescriptor()), SHUT_WR), 0);
    QByteArray reply;
    QDeadlineTimer deadline(20000);
    while (!reply.contains('\n') && !deadline.hasExpired()) {
        if (!s.waitForReadyRead(200) && s.state() != QAbstractSocket::ConnectedState && s.bytesAvailable() == 0)
            break;
        reply += s.readAll();
    }
    const QByteArray expected = "received " + QByteArray::number(payload.size()) + ' '
        + QCryptographicHash::hash(payload, QCryptographicHash::Sha256).toHex() + '\n';
    QCOMPARE(reply, expected);
    // Then the upstream closes and the client sees the end of the stream.
    QTRY_VERIFY_WITH_TIMEOUT(s.state() == QAbstractSocket::UnconnectedState || !s.waitForReadyRead(100), 10000);
}

void tst_ProxyE2E::upstreamDownGives502()
{
    const quint16 dead = unusedPort();
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({QStringLiteral("ws://127.0.0.1:%1").arg(dead)}));
    const HttpResult r = httpExchange(proxy.port(),
                                      "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QVERIFY(r.ok);
    QCOMPARE(r.status, 502);
    QVERIFY2(r.body.contains("Connection refused"), r.body);
    QVERIFY2(r.body.contains(QByteArray::number(dead)), r.body);
    // nginx's HTML page for the status, wsscope's reason in a comment inside it.
    QCOMPARE(r.header("Content-Type"), QByteArray("text/html"));
    QVERIFY2(r.body.contains("<title>502 Bad Gateway</title>"), r.body);
    // The proxy keeps serving.
    QCOMPARE(httpExchange(proxy.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n").status, 502);
    QVERIFY(proxy.isRunning());
}

void tst_ProxyE2E::failedServerIsSkippedForTheNext()
{
    PeerProcess live;
    QVERIFY(live.startPython(QStringLiteral("http_upstream.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({QStringLiteral("http://127.0.0.1:%1").arg(unusedPort()), live.url(QStringLiteral("http"))}));
    for (int i = 0; i < 4; ++i) {
        const HttpResult r = httpExchange(proxy.port(), "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        QCOMPARE(r.status, 200); // proxy_next_upstream error: the next server answers
    }
}

void tst_ProxyE2E::silentUpstreamGives504AfterReadTimeout()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("raw_upstream.py"), {QStringLiteral("--mode"), QStringLiteral("silent")}));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}, {QStringLiteral("--read-timeout"), QStringLiteral("1s")}));
    QElapsedTimer t;
    t.start();
    const HttpResult r = httpExchange(proxy.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 15000);
    QCOMPARE(r.status, 504);
    QVERIFY2(r.body.contains("timed out"), r.body);
    QVERIFY2(t.elapsed() >= 900, QByteArray::number(t.elapsed()));
}

void tst_ProxyE2E::unreachableUpstreamGives504AfterConnectTimeout()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("raw_upstream.py"), {QStringLiteral("--mode"), QStringLiteral("blackhole")}));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}, {QStringLiteral("--connect-timeout"), QStringLiteral("1s")}));
    QElapsedTimer t;
    t.start();
    const HttpResult r = httpExchange(proxy.port(), "GET /ws HTTP/1.1\r\nHost: t\r\n\r\n", 15000);
    QCOMPARE(r.status, 504);
    QVERIFY2(r.body.contains("timed out while connecting"), r.body);
    QVERIFY2(t.elapsed() >= 900 && t.elapsed() < 8000, QByteArray::number(t.elapsed()));
}

void tst_ProxyE2E::idleTunnelClosedAfterReadTimeout()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}, {QStringLiteral("--read-timeout"), QStringLiteral("1s")}));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(QUrl(proxy.url()));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);
    // Activity keeps it open past the timeout...
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    for (int i = 0; i < 4; ++i) {
        client.sendTextMessage(QStringLiteral("tick"));
        QTRY_COMPARE_WITH_TIMEOUT(texts.size(), i + 1, 5000);
        QTest::qWait(400);
    }
    QCOMPARE(disconnected.size(), 0);
    // ...silence closes it, with the cause recorded.
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 5000);
    QVERIFY(proxy.waitForOutput("closed: read timeout", 3000));
}

void tst_ProxyE2E::deadUpstreamClosesTunnelPromptly()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("raw_upstream.py"), {QStringLiteral("--mode"), QStringLiteral("die")}));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    s.write("GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    QCOMPARE(readHttpResponse(s, 10000).status, 101);
    QElapsedTimer t;
    t.start();
    QTRY_VERIFY_WITH_TIMEOUT(s.state() == QAbstractSocket::UnconnectedState || (s.waitForReadyRead(50), s.state() == QAbstractSocket::UnconnectedState), 5000);
    QVERIFY(t.elapsed() < 3000);
    QVERIFY(proxy.waitForOutput("closed: upstream closed", 3000));
}

// send_timeout bounds writes toward the client, proxy_send_timeout those
// toward the upstream (ngx_http_upstream_process_upgraded arms one on each
// side). Each row stalls one side with the other side's timeout long, so a
// proxy that used one setting for both would wait 30 s and fail the row.
void tst_ProxyE2E::stalledReaderClosedAfterItsOwnSendTimeout_data()
{
    QTest::addColumn<QString>("upstreamMode");
    QTest::addColumn<QString>("timeouts");
    QTest::addColumn<bool>("clientFloods");
    QTest::newRow("client stops reading") << u"flood"_s << u"send_timeout 1s; proxy_send_timeout 30s;"_s << false;
    QTest::newRow("upstream stops reading") << u"deaf"_s << u"send_timeout 30s; proxy_send_timeout 1s;"_s << true;
}

void tst_ProxyE2E::stalledReaderClosedAfterItsOwnSendTimeout()
{
    QFETCH(QString, upstreamMode);
    QFETCH(QString, timeouts);
    QFETCH(bool, clientFloods);
    PeerProcess upstream;
    QVERIFY(upstream.startPython(u"raw_upstream.py"_s, {u"--mode"_s, upstreamMode}));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile conf(dir.filePath(u"nginx.conf"_s));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write(u"http { server { listen 127.0.0.1:0; location / { proxy_pass %1; proxy_http_version 1.1;\n"
               "  proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade;\n"
               "  proxy_read_timeout 1h; %2 } } }\n"_s.arg(upstream.url(u"http"_s, {}), timeouts).toUtf8());
    conf.close();
    PeerProcess proxy;
    QVERIFY(proxy.start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, conf.fileName()}));

    // A blocking POSIX socket with small buffers, so a stall shows quickly
    // and the test's own sends block once the proxy stops taking them.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    const auto closeFd = qScopeGuard([fd] { ::close(fd); });
    const int small = 8192;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    const timeval bound{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(proxy.port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to), 0);
    const QByteArray request = "GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    QCOMPARE(::send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL), ssize_t(request.size()));
    QByteArray head;
    char c = 0;
    while (!head.endsWith("\r\n\r\n") && ::recv(fd, &c, 1, 0) == 1)
        head.append(c);
    QVERIFY2(head.startsWith("HTTP/1.1 101"), head);

    QElapsedTimer t;
    t.start();
    if (clientFloods) {
        // Masked binary frames (a zero key), until the proxy gives up on the
        // upstream and closes this side too.
        QByteArray frame("\x82\xfe\xff\xff\0\0\0\0", 8);
        frame.append(0xffff, 'c');
        while (t.elapsed() < 15000 && ::send(fd, frame.constData(), size_t(frame.size()), MSG_NOSIGNAL) > 0) {
        }
    }
    // Otherwise this side reads nothing more while the upstream floods.
    QVERIFY2(proxy.waitForOutput("closed: send timeout", 8000), proxy.output().right(600));
    QVERIFY2(t.elapsed() >= 900, QByteArray::number(t.elapsed()));
}

void tst_ProxyE2E::plainHttpGetAndChunkedPostKeepAlive()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("http_upstream.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url(QStringLiteral("http"))}));

    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    // 1: GET with Content-Length response
    s.write("GET /hello?q=1 HTTP/1.1\r\nHost: site.test\r\n\r\n");
    HttpResult r = readHttpResponse(s);
    QVERIFY(r.ok);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Connection"), QByteArray("keep-alive"));
    const QJsonObject got = QJsonDocument::fromJson(r.body).object();
    QCOMPARE(got.value(QStringLiteral("path")).toString(), QStringLiteral("/hello?q=1"));
    // 2: chunked response, same connection
    s.write("GET /chunked HTTP/1.1\r\nHost: site.test\r\n\r\n");
    r = readHttpResponse(s);
    QVERIFY(r.ok);
    QCOMPARE(r.header("Transfer-Encoding"), QByteArray("chunked"));
    QCOMPARE(r.body, QByteArray("first chunk\nsecond chunk\n") + QByteArray(5000, 'x'));
    // 3: chunked POST body, split in odd places, same connection
    QByteArray body;
    for (int i = 0; i < 3000; ++i)
        body += QByteArray::number(i) + ',';
    QByteArray chunked;
    for (qsizetype off = 0; off < body.size(); off += 1000) {
        const QByteArray part = body.mid(off, 1000);
        chunked += QByteArray::number(part.size(), 16) + ";ext=1\r\n" + part + "\r\n";
    }
    chunked += "0\r\n\r\n";
    const QByteArray req = "POST /upload HTTP/1.1\r\nHost: site.test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked;
    for (qsizetype off = 0; off < req.size(); off += 777) {
        s.write(req.mid(off, 777));
        s.flush();
    }
    r = readHttpResponse(s);
    QVERIFY(r.ok);
    QCOMPARE(r.status, 200);
    const QJsonObject posted = QJsonDocument::fromJson(r.body).object();
    QCOMPARE(posted.value(QStringLiteral("length")).toInt(), body.size());
    QCOMPARE(posted.value(QStringLiteral("sha256")).toString(),
             QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex()));
    // 4: Content-Length POST with Expect: 100-continue
    s.write("POST /upload HTTP/1.1\r\nHost: site.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    QVERIFY(s.waitForReadyRead(5000));
    QByteArray interim = s.read(25);
    QCOMPARE(interim, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    s.write("hello");
    r = readHttpResponse(s);
    QCOMPARE(r.status, 200);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QStringLiteral("length")).toInt(), 5);
    // 4b: nginx answers 100 Continue whatever the body's length (any case of
    // the token); an HTTP/1.0 client never gets one
    s.write("POST /upload HTTP/1.1\r\nHost: site.test\r\nContent-Length: 0\r\nExpect: 100-Continue\r\n\r\n");
    QVERIFY(s.waitForReadyRead(5000));
    QCOMPARE(s.read(25), QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
    r = readHttpResponse(s);
    QCOMPARE(r.status, 200);
    // 5: HEAD has no body even with Content-Length
    s.write("HEAD /hello HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n");
    r = readHttpResponse(s, 10000, true);
    QVERIFY(r.ok);
    QCOMPARE(r.header("Connection"), QByteArray("close"));
}

void tst_ProxyE2E::http10ClientGetsDechunkedBody()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("http_upstream.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url(QStringLiteral("http"))}));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    s.write("GET /chunked HTTP/1.0\r\n\r\n");
    QByteArray all;
    while (s.waitForReadyRead(5000) || s.bytesAvailable())
        all += s.readAll();
    QVERIFY2(all.startsWith("HTTP/1.1 200"), all.left(100));
    QVERIFY(!all.contains("Transfer-Encoding"));
    QVERIFY(all.endsWith(QByteArray(QByteArray("first chunk\nsecond chunk\n") + QByteArray(5000, 'x'))));
}

void tst_ProxyE2E::malformedRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::newRow("garbage request line") << QByteArray("HELLO\r\n\r\n") << 400;
    QTest::newRow("HTTP/1.1 without Host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n") << 400;
    QTest::newRow("Content-Length and Transfer-Encoding")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") << 400;
    QTest::newRow("unknown Transfer-Encoding") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") << 501;
    QTest::newRow("HTTP/2.0 request line") << QByteArray("GET / HTTP/2.0\r\nHost: a\r\n\r\n") << 505;
    QTest::newRow("request line over 8 KiB") << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n") << 414;
    QByteArray big = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 80; ++i)
        big += "X-Filler-" + QByteArray::number(i) + ": " + QByteArray(1000, 'b') + "\r\n";
    // nginx's 4 8k large buffers hold 32 of these lines: 494, sent as 400.
    QTest::newRow("header lines past the large buffers") << QByteArray(big + "\r\n") << 400;
}

void tst_ProxyE2E::malformedRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    if (!m_malformedProxy) {
        // One proxy for all rows: it must keep serving after each bad request.
        // Members, so they are killed when the test object goes away.
        m_malformedUpstream = std::make_unique<PeerProcess>();
        QVERIFY(m_malformedUpstream->startPython(QStringLiteral("http_upstream.py")));
        m_malformedProxy = std::make_unique<PeerProcess>();
        QVERIFY(m_malformedProxy->startWsscope({m_malformedUpstream->url(QStringLiteral("http"))}));
    }
    PeerProcess *proxy = m_malformedProxy.get();
    const HttpResult r = httpExchange(proxy->port(), request);
    QVERIFY2(r.ok, r.head);
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("Connection"), QByteArray("close"));
    QVERIFY(r.body.contains("wsscope: "));
    const HttpResult good = httpExchange(proxy->port(), "GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    QCOMPARE(good.status, 200);
    QVERIFY(proxy->isRunning());
}

void tst_ProxyE2E::handshakeSentOneByteAtATime()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    s.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QByteArray req = "GET /slow HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    for (char c : req) {
        s.write(&c, 1);
        s.waitForBytesWritten(1000);
    }
    const HttpResult r = readHttpResponse(s, 10000);
    QCOMPARE(r.status, 101);
    // A masked text frame "hi", sent in two pieces; the echo comes back unmasked.
    const QByteArray frame = QByteArray::fromHex("818237fa213d5f93");
    s.write(frame.left(3));
    s.flush();
    QTest::qWait(50);
    s.write(frame.mid(3));
    QCOMPARE(readAtLeast(s, 4), QByteArray("\x81\x02hi", 4));
}

void tst_ProxyE2E::http10UpgradeIsTunnelledAsNginxDoes()
{
    // nginx 1.22 forwards an HTTP/1.0 request's Upgrade (as HTTP/1.1) and
    // tunnels on 101; checked against nginx by hand, kept here for wsscope.
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    s.write("GET /old HTTP/1.0\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    const HttpResult r = readHttpResponse(s, 10000);
    QCOMPARE(r.status, 101);
    QCOMPARE(r.header("Sec-WebSocket-Accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    s.write(QByteArray::fromHex("818237fa213d5f93")); // masked "hi"
    QCOMPARE(readAtLeast(s, 4), QByteArray("\x81\x02hi", 4));
}

void tst_ProxyE2E::sigtermDrainsOpenTunnelsThenExitsZero()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}, {QStringLiteral("--drain-timeout"), QStringLiteral("20s")}));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(QUrl(proxy.url()));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);

    ::kill(pid_t(proxy.pid()), SIGTERM);
    QVERIFY(proxy.waitForOutput("graceful shutdown", 5000));
    // New connections are refused...
    QTcpSocket fresh;
    fresh.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(!fresh.waitForConnected(2000) || (fresh.waitForDisconnected(2000), true));
    // ...while the open tunnel still works.
    client.sendTextMessage(QStringLiteral("still here"));
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, 5000);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("still here"));
    QVERIFY(proxy.isRunning());
    // When it ends, the process exits 0 without waiting for the drain bound.
    QElapsedTimer t;
    t.start();
    client.close();
    QCOMPARE(proxy.terminate(15000), 0); // a second SIGTERM would also exit 0; it finishes first
    QVERIFY2(t.elapsed() < 10000, QByteArray::number(t.elapsed()));
}

void tst_ProxyE2E::noGuiNeverTouchesTheDisplay()
{
    // A DISPLAY that does not exist: a QApplication would abort; --no-gui
    // must not even try to connect.
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("http_upstream.py")));
    PeerProcess proxy;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("DISPLAY"), QStringLiteral(":97"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    proxy.setEnvironment(env);
    QVERIFY(proxy.startWsscope({upstream.url(QStringLiteral("http"))}));
    QCOMPARE(httpExchange(proxy.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
    QCOMPARE(proxy.terminate(), 0);
    QVERIFY2(!proxy.output().contains("display"), proxy.output());
}

void tst_ProxyE2E::quickModeTlsUsesTheLocalCaAndVerifiesWssUpstreams()
{
    // The laptop path: `--tls` creates the local CA in the user's data
    // directory and serves wss:// with a leaf for localhost; a second proxy
    // reaches the first over wss:// and verifies it with `--upstream-ca`.
    QTemporaryDir data;
    QVERIFY(data.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), data.path());
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess tlsProxy;
    tlsProxy.setEnvironment(env);
    QVERIFY(tlsProxy.startWsscope({upstream.url()}, {QStringLiteral("--tls")}));
    QVERIFY2(tlsProxy.output().contains("created the local development CA"), tlsProxy.output());
    const QString ca = data.filePath(QStringLiteral("wsscope/wsscope/ca/wsscope-ca.pem"));
    QVERIFY2(QFileInfo::exists(ca), qPrintable(ca));

    // A verifying python client over wss://localhost.
    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"),
                                  QStringLiteral("wss://localhost:%1/q").arg(tlsProxy.port()), QStringLiteral("--ca"), ca,
                                  QStringLiteral("--count"), QStringLiteral("20")});
    QVERIFY(client.waitForFinished(30000));
    QByteArray out = client.readAllStandardOutput();
    QVERIFY2(client.exitCode() == 0, QByteArray(out + client.readAllStandardError()).constData());
    QCOMPARE(lastJsonLine(out).value(QStringLiteral("mismatches")).toInt(), 0);

    // Proxy to proxy: ws:// in, wss:// out, verified against the local CA.
    PeerProcess front;
    QVERIFY(front.startWsscope({QStringLiteral("wss://localhost:%1").arg(tlsProxy.port())},
                               {QStringLiteral("--upstream-ca"), ca}));
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"), front.url(QStringLiteral("ws"), QStringLiteral("/chain")),
                                  QStringLiteral("--count"), QStringLiteral("20")});
    QVERIFY(client.waitForFinished(30000));
    out = client.readAllStandardOutput();
    QVERIFY2(client.exitCode() == 0, QByteArray(out + client.readAllStandardError()).constData());
    QCOMPARE(lastJsonLine(out).value(QStringLiteral("count")).toInt(), 20);
    QVERIFY(tlsProxy.waitForOutput("\"GET /chain\" 101", 5000));

    // The same upstream checked against a CA that did not sign it: 502, and why.
    QTemporaryDir other;
    QProcess init;
    init.start(wsscopeBinary(), {QStringLiteral("cert"), QStringLiteral("init"), QStringLiteral("--dir"), other.path()});
    QVERIFY(init.waitForFinished(15000));
    QCOMPARE(init.exitCode(), 0);
    PeerProcess strict;
    QVERIFY(strict.startWsscope({QStringLiteral("wss://localhost:%1").arg(tlsProxy.port())},
                                {QStringLiteral("--upstream-ca"), other.filePath(QStringLiteral("wsscope-ca.pem"))}));
    const HttpResult r = httpExchange(strict.port(), "GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    QCOMPARE(r.status, 502);
    QVERIFY2(r.body.contains("certificate verify failed"), r.body.constData());

    // A second start reuses the CA and the leaf.
    PeerProcess again;
    again.setEnvironment(env);
    QVERIFY(again.startWsscope({upstream.url()}, {QStringLiteral("--tls")}));
    QVERIFY2(!again.output().contains("created the local") && !again.output().contains("issued"), again.output());
}

void tst_ProxyE2E::captureWritesJsonlAndHar()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString base = dir.filePath(QStringLiteral("session"));
    PeerProcess proxy;
    QVERIFY(proxy.startWsscope({upstream.url()}, {QStringLiteral("--capture"), base}));
    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"), proxy.url(QStringLiteral("ws"), QStringLiteral("/cap")),
                                  QStringLiteral("--count"), QStringLiteral("5"), QStringLiteral("--size"), QStringLiteral("12")});
    QVERIFY(client.waitForFinished(30000));
    QCOMPARE(client.exitCode(), 0);
    QVERIFY(proxy.waitForOutput("closed:", 5000));

    // SIGUSR1 writes the HAR while running; the process goes on.
    ::kill(pid_t(proxy.pid()), SIGUSR1);
    QVERIFY(proxy.waitForOutput("SIGUSR1: wrote", 5000));
    QVERIFY(proxy.isRunning());
    QCOMPARE(proxy.terminate(), 0);

    QFile jsonl(base + QStringLiteral(".jsonl"));
    QVERIFY(jsonl.open(QIODevice::ReadOnly));
    int lines = 0;
    QSet<QString> kinds;
    for (const QByteArray &line : jsonl.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        QVERIFY2(doc.isObject(), line.constData());
        kinds.insert(doc.object().value(QStringLiteral("kind")).toString());
        ++lines;
    }
    QVERIFY(lines >= 15);
    for (const char *k : {"connection-opened", "request-received", "request-forwarded", "tunnel-established", "message", "closed"})
        QVERIFY2(kinds.contains(QLatin1String(k)), k);

    QFile harFile(base + QStringLiteral(".har"));
    QVERIFY(harFile.open(QIODevice::ReadOnly));
    const QJsonObject log = QJsonDocument::fromJson(harFile.readAll()).object().value(QStringLiteral("log")).toObject();
    QCOMPARE(log.value(QStringLiteral("version")).toString(), QStringLiteral("1.2"));
    const QJsonArray entries = log.value(QStringLiteral("entries")).toArray();
    QCOMPARE(entries.size(), 1);
    const QJsonObject entry = entries.at(0).toObject();
    QCOMPARE(entry.value(QStringLiteral("response")).toObject().value(QStringLiteral("status")).toInt(), 101);
    QVERIFY(entry.value(QStringLiteral("request")).toObject().value(QStringLiteral("url")).toString().endsWith(QStringLiteral("/cap")));
    const QJsonArray messages = entry.value(QStringLiteral("_webSocketMessages")).toArray();
    int sends = 0, receives = 0;
    for (const QJsonValue &v : messages) {
        const QJsonObject m = v.toObject();
        if (m.value(QStringLiteral("opcode")).toInt() != 1)
            continue;
        QVERIFY(m.value(QStringLiteral("data")).toString().startsWith(QStringLiteral("0000000")));
        sends += m.value(QStringLiteral("type")).toString() == QStringLiteral("send");
        receives += m.value(QStringLiteral("type")).toString() == QStringLiteral("receive");
    }
    QCOMPARE(sends, 5);
    QCOMPARE(receives, 5);
}

void tst_ProxyE2E::staticFilesAndWebSocketOnOnePort()
{
    // The seeds' layout: files from root/alias, WebSocket under /ws, one listener.
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("www/sub")) && QDir(dir.path()).mkpath(QStringLiteral("assets")));
    auto write = [&dir](const QString &name, const QByteArray &data) {
        QFile f(dir.filePath(name));
        return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
    };
    const QByteArray big(300 * 1024, 'B'); // bigger than one read: streamed in pieces
    QVERIFY(write(QStringLiteral("www/index.html"), "<h1>home</h1>\n"));
    QVERIFY(write(QStringLiteral("www/sub/index.html"), "<h1>sub</h1>\n"));
    QVERIFY(write(QStringLiteral("www/big.bin"), big));
    QVERIFY(write(QStringLiteral("assets/logo.png"), "\x89PNG fake"));
    QVERIFY(write(QStringLiteral("wsscope.conf"),
                  "map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                  "server {\n  listen 127.0.0.1:0;\n"
                  "  location / { root www; index index.html; }\n"
                  "  location /img/ { alias assets/; types { image/png png; } }\n"
                  "  location /ws { proxy_pass " + upstream.url(QStringLiteral("http")).toUtf8() + ";\n"
                  "    proxy_http_version 1.1;\n    proxy_set_header Upgrade $http_upgrade;\n"
                  "    proxy_set_header Connection $connection_upgrade;\n    proxy_read_timeout 1h;\n  }\n}\n"));
    PeerProcess proxy;
    QVERIFY(proxy.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), dir.filePath(QStringLiteral("wsscope.conf"))}));

    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port());
    QVERIFY(s.waitForConnected(5000));
    s.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    HttpResult r = readHttpResponse(s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("<h1>home</h1>\n"));
    QCOMPARE(r.header("Content-Type"), QByteArray("text/html"));
    QVERIFY(!r.header("Last-Modified").isEmpty());
    s.write("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n"); // same keep-alive connection
    r = readHttpResponse(s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, big);
    QCOMPARE(r.header("Content-Type"), QByteArray("text/plain")); // nginx's built-in types know no .bin: default_type
    s.write("GET /img/logo.png HTTP/1.1\r\nHost: t\r\n\r\n");
    r = readHttpResponse(s);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Type"), QByteArray("image/png")); // the location's types
    QCOMPARE(r.body, QByteArray("\x89PNG fake"));
    s.write("HEAD /sub/ HTTP/1.1\r\nHost: t\r\n\r\n");
    r = readHttpResponse(s, 10000, true);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Length"), QByteArray("13"));
    s.write("GET /sub HTTP/1.1\r\nHost: t\r\n\r\n");
    r = readHttpResponse(s);
    QCOMPARE(r.status, 301);
    // Made absolute as nginx does (absolute_redirect, port_in_redirect).
    QCOMPARE(r.header("Location"), QByteArray("http://t:" + QByteArray::number(proxy.port()) + "/sub/"));

    QCOMPARE(httpExchange(proxy.port(), "GET /missing.html HTTP/1.1\r\nHost: t\r\n\r\n").status, 404);
    QCOMPARE(httpExchange(proxy.port(), "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n").status, 405);
    QCOMPARE(httpExchange(proxy.port(), "GET /../../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n").status, 400);

    // And the WebSocket location on the same port.
    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"), proxy.url(QStringLiteral("ws"), QStringLiteral("/ws")),
                                  QStringLiteral("--count"), QStringLiteral("20")});
    QVERIFY(client.waitForFinished(30000));
    QCOMPARE(client.exitCode(), 0);
}

void tst_ProxyE2E::usageErrorsExitWithCode2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--no-gui"), QStringLiteral("--bogus")} << QByteArray("bogus");
    QTest::newRow("bad listen address") << QStringList{QStringLiteral("--no-gui"), QStringLiteral("--listen"), QStringLiteral("1.2.3:80x"),
                                                       QStringLiteral("--upstream"), QStringLiteral("ws://127.0.0.1:1")}
                                        << QByteArray("listen address");
    QTest::newRow("bad upstream scheme") << QStringList{QStringLiteral("--no-gui"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                        QStringLiteral("--upstream"), QStringLiteral("ftp://127.0.0.1:1")}
                                         << QByteArray("scheme");
    QTest::newRow("missing upstream") << QStringList{QStringLiteral("--no-gui"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")}
                                      << QByteArray("--upstream is required");
    QTest::newRow("bad duration") << QStringList{QStringLiteral("--no-gui"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                 QStringLiteral("--upstream"), QStringLiteral("ws://127.0.0.1:1"),
                                                 QStringLiteral("--read-timeout"), QStringLiteral("soon")}
                                  << QByteArray("invalid duration");
}

void tst_ProxyE2E::usageErrorsExitWithCode2()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    QProcess p;
    p.start(wsscopeBinary(), args);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(err.contains(message), err);
    QVERIFY2(err.startsWith("wsscope: "), err);
}

QTEST_GUILESS_MAIN(tst_ProxyE2E)
#include "tst_proxy_e2e.moc"
