// The inspection engine through a real tunnel: an in-process ProxyServer
// (the same core the binary runs) between real peers on loopback.

#include "config/configcompiler.h"
#include "inspect/eventbus.h"
#include "proxy/proxyserver.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTest>
#include <QScopeGuard>
#include <QSemaphore>
#include <QTcpSocket>
#include <QThread>
#include <QWebSocket>

using namespace TestSupport;

class tst_Inspection : public QObject
{
    Q_OBJECT

private slots:
    void eventsDescribeAWebSocketSession();
    void keepalivePingsKeepTunnelAlivePastReadTimeout();
    void deadPeerIsClosedWithCause();
    void injectionReachesBothSidesWhileLargeMessageStreams();
    void inspectOffReportsNoFrames();
    void brokenBackendHandshakeIsDiagnosed();
    void perMessageDeflatePreviewsAreInflated();
    void busUnderFloodStaysBoundedAndCountsDrops();

private:
    struct Proxy
    {
        ProxyServer server;
        QList<InspectEvent> events;
        quint16 port = 0;
    };
    static bool startProxy(Proxy &p, const QString &upstreamUrl, const QByteArray &extra);
    template <typename T> static QList<T> eventsOf(const QList<InspectEvent> &events)
    {
        QList<T> out;
        for (const InspectEvent &e : events) {
            if (const T *t = e.as<T>())
                out.append(*t);
        }
        return out;
    }
};

bool tst_Inspection::startProxy(Proxy &p, const QString &upstreamUrl, const QByteArray &extra)
{
    const QByteArray conf = "worker_processes 2;\n"
                            "http {\n"
                            "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                            "  server {\n"
                            "    listen 127.0.0.1:0;\n"
                            "    location / {\n"
                            "      proxy_pass " + upstreamUrl.toUtf8() + ";\n"
                            "      proxy_http_version 1.1;\n"
                            "      proxy_set_header Upgrade $http_upgrade;\n"
                            "      proxy_set_header Connection $connection_upgrade;\n"
                            "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                            + extra +
                            "    }\n  }\n}\n";
    ConfigCompileResult r = ConfigCompiler::compileText(conf, QStringLiteral("test.conf"));
    const RuntimeSnapshot runtime = ProxyRuntime::build(&r);
    if (!r.ok()) {
        for (const ConfDiagnostic &d : r.diagnostics)
            qWarning("%s", qPrintable(d.toString()));
        return false;
    }
    p.server.events().subscribe(&p.server, [&p](const QList<InspectEvent> &batch) { p.events += batch; });
    QString error;
    if (!p.server.start(runtime, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    p.port = p.server.boundAddresses().constFirst().port;
    return true;
}

void tst_Inspection::eventsDescribeAWebSocketSession()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py"), {QStringLiteral("--subprotocol"), QStringLiteral("chat")}));
    Proxy proxy;
    QVERIFY(startProxy(proxy, upstream.url(QStringLiteral("http")), {}));

    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"),
                                  QStringLiteral("ws://127.0.0.1:%1/room?x=1").arg(proxy.port), QStringLiteral("--count"),
                                  QStringLiteral("3"), QStringLiteral("--size"), QStringLiteral("20"),
                                  QStringLiteral("--subprotocol"), QStringLiteral("chat")});
    // The listener runs on this thread: spin the loop, never block in waitFor*.
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, 30000);
    QVERIFY2(client.exitCode() == 0, QByteArray(client.readAllStandardOutput() + client.readAllStandardError()).constData());
    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf<ClosedEvent>(proxy.events).isEmpty(), 10000);

    // One connection, events in causal order.
    const QList<InspectEvent> &ev = proxy.events;
    QStringList kinds;
    for (const InspectEvent &e : ev)
        kinds << inspectEventKindName(e.payload);
    const QStringList expectedPrefix{QStringLiteral("connection-opened"), QStringLiteral("request-received"),
                                     QStringLiteral("request-forwarded"), QStringLiteral("route"),
                                     QStringLiteral("response"), QStringLiteral("tunnel-established")};
    QCOMPARE(kinds.mid(0, expectedPrefix.size()), expectedPrefix);
    QCOMPARE(kinds.constLast(), QStringLiteral("closed"));
    for (const InspectEvent &e : ev) {
        QCOMPARE(e.connectionId, ev.constFirst().connectionId);
        QVERIFY(e.monotonicNs >= ev.constFirst().monotonicNs);
    }

    const QList<RequestHeadEvent> heads = eventsOf<RequestHeadEvent>(ev);
    QCOMPARE(heads.size(), 2);
    QVERIFY(!heads.at(0).forwarded && heads.at(1).forwarded);
    QCOMPARE(heads.at(0).head.target, QByteArray("/room?x=1"));
    QVERIFY(heads.at(0).head.headers.value("X-Forwarded-For").isNull());
    QCOMPARE(heads.at(1).head.headers.value("X-Forwarded-For"), QByteArray("127.0.0.1"));
    QCOMPARE(heads.at(1).head.headers.value("Connection"), QByteArray("upgrade"));

    const QList<TunnelEvent> tunnels = eventsOf<TunnelEvent>(ev);
    QCOMPARE(tunnels.size(), 1);
    QCOMPARE(tunnels.constFirst().subprotocol, QStringLiteral("chat"));

    const QList<MessageEvent> messages = eventsOf<MessageEvent>(ev);
    QCOMPARE(messages.size(), 6); // 3 each way
    int up = 0;
    for (const MessageEvent &m : messages) {
        QCOMPARE(m.message.opcode, WsOpcode::Text);
        QCOMPARE(m.message.preview.size(), 20);
        QVERIFY(m.message.preview.startsWith("0000000"));
        up += m.direction == Direction::ClientToUpstream;
    }
    QCOMPARE(up, 3);

    const QList<ControlFrameEvent> closes = eventsOf<ControlFrameEvent>(ev);
    QVERIFY(!closes.isEmpty());
    const ClosedEvent closed = eventsOf<ClosedEvent>(ev).constFirst();
    QVERIFY(closed.clientClose.has_value());
    QCOMPARE(closed.clientClose->code, std::optional<quint16>(1000));
    QVERIFY(closed.cause == CloseCause::ClientClosed || closed.cause == CloseCause::UpstreamClosed);
    QVERIFY(closed.bytesFromClient > 0 && closed.bytesFromUpstream > 0);
}

void tst_Inspection::keepalivePingsKeepTunnelAlivePastReadTimeout()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    Proxy proxy;
    QVERIFY(startProxy(proxy, upstream.url(QStringLiteral("http")),
                       "      proxy_read_timeout 1s;\n      ws_ping_interval 300ms;\n"));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(proxy.port)));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);
    // Silent for 2.5 read timeouts: only the proxy's pings and their pongs flow.
    QTest::qWait(2500);
    QCOMPARE(disconnected.size(), 0);
    client.sendTextMessage(QStringLiteral("still alive"));
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, 5000);

    int swallowed = 0;
    qint64 maxRtt = -1;
    for (const ControlFrameEvent &c : eventsOf<ControlFrameEvent>(proxy.events)) {
        if (c.opcode == WsOpcode::Pong && c.swallowed) {
            ++swallowed;
            maxRtt = qMax(maxRtt, c.roundTripUs);
        }
    }
    // Both peers, several times (pings run on the worker's 250 ms tick).
    QVERIFY2(swallowed >= 4, QByteArray::number(swallowed));
    QVERIFY(maxRtt >= 0 && maxRtt < 1'000'000);
    client.close();
}

void tst_Inspection::deadPeerIsClosedWithCause()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("raw_upstream.py"), {QStringLiteral("--mode"), QStringLiteral("mute")}));
    Proxy proxy;
    QVERIFY(startProxy(proxy, upstream.url(QStringLiteral("http")),
                       "      ws_ping_interval 300ms upstream;\n      ws_ping_timeout 600ms;\n"));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(proxy.port)));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);
    QElapsedTimer t;
    t.start();
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 5000);
    QVERIFY2(t.elapsed() < 4000, QByteArray::number(t.elapsed()));
    // The client learned why: 1011 from its server side (the proxy).
    QCOMPARE(int(client.closeCode()), 1011);
    QVERIFY(client.closeReason().contains(QStringLiteral("did not answer ping")));
    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf<ClosedEvent>(proxy.events).isEmpty(), 5000);
    const ClosedEvent closed = eventsOf<ClosedEvent>(proxy.events).constFirst();
    QCOMPARE(closed.cause, CloseCause::PingTimeout);
    QVERIFY(closed.detail.contains(QStringLiteral("upstream did not answer")));
}

void tst_Inspection::injectionReachesBothSidesWhileLargeMessageStreams()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    Proxy proxy;
    QVERIFY(startProxy(proxy, upstream.url(QStringLiteral("http")), {}));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    QSignalSpy binaries(&client, &QWebSocket::binaryMessageReceived);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(proxy.port)));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf<TunnelEvent>(proxy.events).isEmpty(), 5000);
    const quint64 id = proxy.events.constFirst().connectionId;

    QByteArray big(8 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char(i * 2654435761u >> 13);
    client.sendBinaryMessage(big);
    // While those 8 MiB stream through: one text toward the upstream (the
    // echo server sends it back), one toward the client, and a ping.
    QTest::qWait(5);
    proxy.server.inject(id, Direction::ClientToUpstream, WsOpcode::Text, "injected toward upstream");
    proxy.server.inject(id, Direction::UpstreamToClient, WsOpcode::Text, "injected toward client");
    proxy.server.inject(id, Direction::ClientToUpstream, WsOpcode::Ping, "inj-ping");

    QTRY_COMPARE_WITH_TIMEOUT(binaries.size(), 1, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 2, 10000);
    QCOMPARE(QCryptographicHash::hash(binaries.at(0).at(0).toByteArray(), QCryptographicHash::Sha256),
             QCryptographicHash::hash(big, QCryptographicHash::Sha256));
    QStringList got{texts.at(0).at(0).toString(), texts.at(1).at(0).toString()};
    got.sort();
    QCOMPARE(got, (QStringList{QStringLiteral("injected toward client"), QStringLiteral("injected toward upstream")}));

    // The upstream answered the injected ping; that pong reaches the client
    // (only the proxy's own keepalive pongs are swallowed).
    // Events are flushed in batches, so the client can see the texts before
    // the proxy's MessageEvents arrive here.
    const auto injectedCount = [&proxy] {
        int n = 0;
        for (const MessageEvent &m : eventsOf<MessageEvent>(proxy.events))
            n += m.injected;
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(injectedCount(), 2, 5000);
    client.close();
}

void tst_Inspection::inspectOffReportsNoFrames()
{
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py")));
    Proxy proxy;
    QVERIFY(startProxy(proxy, upstream.url(QStringLiteral("http")), "      ws_inspect off;\n"));
    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"),
                                  QStringLiteral("ws://127.0.0.1:%1/").arg(proxy.port), QStringLiteral("--count"),
                                  QStringLiteral("50")});
    // The listener runs on this thread: spin the loop, never block in waitFor*.
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, 30000);
    QVERIFY2(client.exitCode() == 0, QByteArray(client.readAllStandardOutput() + client.readAllStandardError()).constData());
    // The close is still reported; it is the last event of the connection.
    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf<ClosedEvent>(proxy.events).isEmpty(), 5000);
    QVERIFY(eventsOf<MessageEvent>(proxy.events).isEmpty());
    QVERIFY(eventsOf<ControlFrameEvent>(proxy.events).isEmpty());
    QVERIFY(eventsOf<TunnelEvent>(proxy.events).isEmpty());
}

void tst_Inspection::brokenBackendHandshakeIsDiagnosed()
{
    // A backend that answers 101 with a wrong Sec-WebSocket-Accept and
    // without echoing the subprotocol the client asked for.
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("raw_upstream.py"), {QStringLiteral("--mode"), QStringLiteral("badaccept")}));
    Proxy proxy;
    QVERIFY(startProxy(proxy, upstream.url(QStringLiteral("http")), {}));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, proxy.port);
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), QAbstractSocket::ConnectedState, 5000);
    s.write("GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: wechat-v1\r\n"
            "Referer: https://servicewechat.com/wx0123456789abcdef/0/page-frame.html\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf<FindingEvent>(proxy.events).isEmpty(), 5000);
    QTest::qWait(100);
    QStringList codes;
    for (const FindingEvent &f : eventsOf<FindingEvent>(proxy.events))
        codes << f.code;
    QVERIFY2(codes.contains(QStringLiteral("accept-mismatch")), qPrintable(codes.join(u',')));
    QVERIFY2(codes.contains(QStringLiteral("subprotocol-not-echoed")), qPrintable(codes.join(u',')));
    for (const FindingEvent &f : eventsOf<FindingEvent>(proxy.events)) {
        if (f.code == QStringLiteral("accept-mismatch")) {
            QCOMPARE(f.severity, FindingEvent::Severity::Error);
            QVERIFY(f.text.contains(QStringLiteral("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))); // the value it should have been
        }
    }
    // The proxy still tunnels (it reports; the client decides).
    s.readAll();
    s.write(QByteArray::fromHex("818237fa213d5f93"));
    QByteArray echo;
    QTRY_VERIFY_WITH_TIMEOUT((echo += s.readAll()).contains(QByteArray::fromHex("818237fa213d5f93")), 5000);
}

void tst_Inspection::perMessageDeflatePreviewsAreInflated()
{
    // python3-websockets negotiates permessage-deflate by default, with
    // context takeover: later messages refer back to earlier ones.
    PeerProcess upstream;
    QVERIFY(upstream.startPython(QStringLiteral("ws_echo_server.py"), {QStringLiteral("--compression")}));
    Proxy proxy;
    QVERIFY(startProxy(proxy, upstream.url(QStringLiteral("http")), {}));
    QProcess client;
    client.start(systemPython(), {peersDir() + QStringLiteral("/ws_client.py"),
                                  QStringLiteral("ws://127.0.0.1:%1/").arg(proxy.port), QStringLiteral("--count"),
                                  QStringLiteral("20"), QStringLiteral("--size"), QStringLiteral("2000"),
                                  QStringLiteral("--compression")});
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, 30000);
    QVERIFY2(client.exitCode() == 0, client.readAllStandardError().constData());
    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf<ClosedEvent>(proxy.events).isEmpty(), 5000);

    const QList<TunnelEvent> tunnels = eventsOf<TunnelEvent>(proxy.events);
    QCOMPARE(tunnels.size(), 1);
    QVERIFY(tunnels.constFirst().perMessageDeflate);
    int inflated = 0;
    for (const MessageEvent &m : eventsOf<MessageEvent>(proxy.events)) {
        QVERIFY(m.message.compressed);
        QVERIFY2(m.inflated, m.message.preview.left(40).toHex().constData());
        // The wire carried far fewer bytes than the text it decodes to.
        QCOMPARE(m.message.preview.size(), 2000);
        QVERIFY(m.message.totalLength < 200);
        QVERIFY(m.message.preview.startsWith("000000"));
        QVERIFY(m.message.preview.endsWith("xxxxxxxxxx"));
        ++inflated;
    }
    QCOMPARE(inflated, 40);
    QVERIFY(eventsOf<FindingEvent>(proxy.events).size() >= 1); // deflate-negotiated (info)
}

void tst_Inspection::busUnderFloodStaysBoundedAndCountsDrops()
{
    // A subscriber on a thread that is stuck while 100,000 events per
    // second arrive: the bus keeps at most its budget and counts the rest.
    EventBus bus;
    QThread slowThread;
    QObject slowContext;
    slowContext.moveToThread(&slowThread);
    slowThread.start();
    std::atomic<qint64> delivered{0};
    QSemaphore release;
    const auto cleanup = qScopeGuard([&] {
        release.release(1'000'000);
        slowThread.quit();
        slowThread.wait();
    });
    const qint64 budget = 2 * 1024 * 1024;
    const int id = bus.subscribe(&slowContext, [&](const QList<InspectEvent> &b) {
        release.acquire(); // blocked until the producer is done
        delivered += b.size();
    }, budget);
    EventBatcher batcher(&bus, 0, 1000);
    MessageEvent m;
    m.message.preview = QByteArray(64, 'x');
    const int total = 100'000;
    for (int i = 0; i < total; ++i)
        batcher.add(quint64(i % 10), i, m);
    batcher.flush();
    QCOMPARE(bus.publishedCount(), quint64(total));
    const quint64 dropped = bus.droppedCount(id);
    QVERIFY2(dropped > 0, "a stuck subscriber must lose events, not buffer them all");
    // Held at most: what the stuck handler took, plus one budget pending.
    const qint64 perEvent = EventBus::estimateBytes(InspectEvent{0, 0, 0, 0, m});
    const qint64 kept = total - qint64(dropped);
    QVERIFY2(kept * perEvent <= 2 * budget + 1000 * perEvent,
             QByteArray(QByteArray::number(kept) + " events kept of " + QByteArray::number(total)).constData());
    release.release(1'000'000);
    QTRY_COMPARE_WITH_TIMEOUT(delivered.load(), kept, 10000);
    bus.unsubscribe(id);
}

QTEST_GUILESS_MAIN(tst_Inspection)
#include "tst_inspection.moc"
