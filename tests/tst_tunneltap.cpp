#include "inspect/eventbus.h"
#include "proxy/tunneltap.h"
#include "websocket/framewriter.h"
#include "websocket/wsmask.h"

#include <QRandomGenerator>
#include <QTest>

// TunnelTap is the byte path of a tunnel direction: everything it relays
// must be exactly what it read, except the proxy's own injected frames and
// the pongs answering the proxy's own pings.
class tst_TunnelTap : public QObject
{
    Q_OBJECT

private slots:
    void relaysBytesUnchangedAtAnySplit();
    void controlFrameWaitsForFrameBoundary();
    void dataFrameWaitsForMessageBoundary();
    void injectsAtOnceBetweenFrames();
    void swallowsOwnPongSplitAnywhere();
    void foreignPongPassesThrough();
    void desynchronisedStreamDropsInjectionsButRelays();
    void longTunnelKeepsNoPerFrameState();
    void injectFrameMasksTowardServerOnly_data();
    void injectFrameMasksTowardServerOnly();
    void injectCloseMasksTowardServerOnly();

private:
    static QByteArray clientFrame(WsOpcode op, QByteArrayView payload, bool fin = true)
    {
        return wsBuildFrame(op, payload, fin, 0x11223344u);
    }
};

namespace {
struct Collector
{
    QByteArray out;
    TunnelTap::Output output()
    {
        return [this](const char *d, qsizetype n) { out.append(d, n); };
    }
};

// The payload of one unfragmented frame as it would be delivered (unmasked),
// and whether it was masked.
QByteArray framePayload(const QByteArray &frame, bool *masked)
{
    const auto b1 = quint8(frame.at(1));
    *masked = b1 & 0x80;
    qsizetype len = b1 & 0x7f;
    qsizetype pos = 2;
    if (len == 126) {
        len = (quint8(frame.at(2)) << 8) | quint8(frame.at(3));
        pos = 4;
    }
    quint32 key = 0;
    if (*masked) {
        for (int i = 0; i < 4; ++i)
            key = (key << 8) | quint8(frame.at(pos + i));
        pos += 4;
    }
    QByteArray payload = frame.mid(pos, len);
    if (*masked)
        wsUnmask(payload.data(), payload.size(), key);
    return payload;
}

void relaySplit(TunnelTap &tap, const QByteArray &bytes, QList<qsizetype> cuts)
{
    qsizetype pos = 0;
    cuts.append(bytes.size());
    for (qsizetype c : cuts) {
        if (c > pos)
            tap.relay(bytes.constData() + pos, c - pos);
        pos = qMax(pos, c);
    }
}
} // namespace

void tst_TunnelTap::relaysBytesUnchangedAtAnySplit()
{
    QByteArray stream;
    stream += clientFrame(WsOpcode::Text, "hello");
    stream += clientFrame(WsOpcode::Binary, QByteArray(300, 'b'), false);
    stream += clientFrame(WsOpcode::Ping, "p");
    stream += clientFrame(WsOpcode::Continuation, QByteArray(70000, 'c'), true);
    stream += clientFrame(WsOpcode::Close, wsClosePayload(1000, u"bye"));
    QRandomGenerator rng(42);
    for (int round = 0; round < 200; ++round) {
        Collector c;
        TunnelTap tap(Direction::ClientToUpstream, {}, c.output());
        QList<qsizetype> cuts;
        for (int i = 0; i < 5; ++i)
            cuts.append(rng.bounded(stream.size()));
        std::sort(cuts.begin(), cuts.end());
        relaySplit(tap, stream, cuts);
        QCOMPARE(c.out, stream);
        QVERIFY(tap.closeSeen());
        QCOMPARE(tap.closeInfo()->code, std::optional<quint16>(1000));
    }
}

void tst_TunnelTap::controlFrameWaitsForFrameBoundary()
{
    const QByteArray big = clientFrame(WsOpcode::Binary, QByteArray(1000, 'x'));
    const QByteArray ping = clientFrame(WsOpcode::Ping, "ka");
    Collector c;
    TunnelTap tap(Direction::ClientToUpstream, {}, c.output());
    tap.relay(big.constData(), 100); // mid-frame
    QVERIFY(tap.inject(ping, true));
    QCOMPARE(c.out.size(), 100);     // not yet: a frame is in flight
    tap.relay(big.constData() + 100, big.size() - 100);
    QCOMPARE(c.out, big + ping);
}

void tst_TunnelTap::dataFrameWaitsForMessageBoundary()
{
    const QByteArray first = clientFrame(WsOpcode::Text, "part1-", false);
    const QByteArray last = clientFrame(WsOpcode::Continuation, "part2", true);
    const QByteArray injected = clientFrame(WsOpcode::Text, "injected");
    const QByteArray ping = clientFrame(WsOpcode::Ping, "ka");
    Collector c;
    TunnelTap tap(Direction::ClientToUpstream, {}, c.output());
    tap.relay(first.constData(), first.size());
    // Between frames but inside a fragmented message: the ping may go now,
    // the text message must wait for the message to end (RFC 6455 5.4).
    QVERIFY(tap.inject(injected, false));
    QVERIFY(tap.inject(ping, true));
    QCOMPARE(c.out, first);
    tap.relay(last.constData(), last.size());
    QCOMPARE(c.out, first + last + injected + ping);
}

void tst_TunnelTap::injectsAtOnceBetweenFrames()
{
    Collector c;
    TunnelTap tap(Direction::UpstreamToClient, {}, c.output());
    const QByteArray f = wsBuildFrame(WsOpcode::Text, "from server");
    tap.relay(f.constData(), f.size());
    const QByteArray inj = wsBuildFrame(WsOpcode::Text, "from proxy");
    QVERIFY(tap.inject(inj, false));
    QCOMPARE(c.out, f + inj);
    QCOMPARE(tap.pendingInjections(), 0);
}

void tst_TunnelTap::swallowsOwnPongSplitAnywhere()
{
    const QByteArray before = clientFrame(WsOpcode::Text, "before");
    const QByteArray pong = clientFrame(WsOpcode::Pong, "wsscope-ka-1");
    const QByteArray after = clientFrame(WsOpcode::Binary, QByteArray(200, 'z'));
    const QByteArray stream = before + pong + after;
    for (qsizetype cut1 = 0; cut1 <= stream.size(); ++cut1) {
        for (qsizetype cut2 : {cut1, cut1 + 1, cut1 + 7}) {
            Collector c;
            TunnelTap tap(Direction::ClientToUpstream, {}, c.output());
            qint64 now = 1'000'000;
            tap.setEventSink(nullptr, {}, [&now] { return now; });
            tap.expectPong("wsscope-ka-1", 0);
            relaySplit(tap, stream, {cut1, qMin(cut2, stream.size())});
            QCOMPARE(c.out, before + after);
            QCOMPARE(tap.outstandingPongs(), 0);
            QCOMPARE(tap.lastRoundTripUs(), 1000);
        }
    }
}

void tst_TunnelTap::foreignPongPassesThrough()
{
    const QByteArray pong = clientFrame(WsOpcode::Pong, "someone-elses");
    const QByteArray text = clientFrame(WsOpcode::Text, "t");
    Collector c;
    TunnelTap tap(Direction::ClientToUpstream, {}, c.output());
    tap.expectPong("wsscope-ka-1", 0);
    relaySplit(tap, pong + text, {3});
    QCOMPARE(c.out, pong + text);
    QCOMPARE(tap.outstandingPongs(), 1);
}

void tst_TunnelTap::desynchronisedStreamDropsInjectionsButRelays()
{
    // Opcode 0x3 is reserved: framing is lost from here on (fatal).
    QByteArray bad = QByteArray::fromHex("8380") + QByteArray(4, '\0') + "abc";
    Collector c;
    TunnelTap tap(Direction::ClientToUpstream, {}, c.output());
    const QByteArray head = clientFrame(WsOpcode::Text, "ok");
    tap.relay(head.constData(), 1);
    QVERIFY(tap.inject(clientFrame(WsOpcode::Ping, "x"), true));
    tap.relay(head.constData() + 1, head.size() - 1);
    const QByteArray afterPing = c.out;
    tap.relay(bad.constData(), bad.size());
    QVERIFY(tap.isDesynchronised());
    QCOMPARE(c.out, afterPing + bad);
    QVERIFY(!tap.inject(clientFrame(WsOpcode::Ping, "y"), true));
    tap.relay("more", 4);
    QVERIFY(c.out.endsWith("more"));
}

void tst_TunnelTap::injectFrameMasksTowardServerOnly_data()
{
    QTest::addColumn<int>("direction");
    QTest::addColumn<int>("opcode");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<bool>("inspected");

    const auto up = int(Direction::ClientToUpstream);
    const auto down = int(Direction::UpstreamToClient);
    // RFC 6455 5.1: a client masks every frame it sends, a server none.
    QTest::newRow("text toward the upstream: masked") << up << int(WsOpcode::Text) << QByteArray("hello world") << true;
    QTest::newRow("text toward the client: unmasked") << down << int(WsOpcode::Text) << QByteArray("hello world") << true;
    QTest::newRow("ping toward the upstream: masked") << up << int(WsOpcode::Ping) << QByteArray("ka-1") << true;
    QTest::newRow("ping toward the client: unmasked") << down << int(WsOpcode::Ping) << QByteArray("ka-1") << true;
    QTest::newRow("binary over the preview cap") << up << int(WsOpcode::Binary) << QByteArray(300, 'b') << true;
    QTest::newRow("ws_inspect off: no event") << up << int(WsOpcode::Text) << QByteArray("quiet") << false;
}

void tst_TunnelTap::injectFrameMasksTowardServerOnly()
{
    QFETCH(int, direction);
    QFETCH(int, opcode);
    QFETCH(QByteArray, payload);
    QFETCH(bool, inspected);
    const auto dir = Direction(direction);
    const auto op = WsOpcode(opcode);

    EventBus bus;
    bus.subscribe(this, [](const QList<InspectEvent> &) {});
    EventBatcher events(&bus, 0);
    QList<InspectPayload> reported;
    Collector c;
    TunnelTap::Options options;
    options.inspect = inspected;
    options.previewCap = 100;
    TunnelTap tap(dir, options, c.output());
    tap.setEventSink(&events, [&](InspectPayload p) { reported.append(std::move(p)); }, [] { return qint64(0); });

    QVERIFY(tap.injectFrame(op, payload));
    QCOMPARE(quint8(c.out.at(0)), quint8(0x80 | opcode)); // FIN, one frame
    bool masked = false;
    QCOMPARE(framePayload(c.out, &masked), payload);
    QCOMPARE(masked, dir == Direction::ClientToUpstream);

    if (!inspected) {
        QVERIFY(reported.isEmpty());
        return;
    }
    QCOMPARE(reported.size(), 1);
    if (wsIsControlOpcode(op)) {
        const auto *e = std::get_if<ControlFrameEvent>(&reported.constFirst());
        QVERIFY(e);
        QCOMPARE(e->direction, dir);
        QCOMPARE(e->opcode, op);
        QCOMPARE(e->payload, payload);
        QVERIFY(e->injected);
    } else {
        const auto *e = std::get_if<MessageEvent>(&reported.constFirst());
        QVERIFY(e);
        QCOMPARE(e->direction, dir);
        QCOMPARE(e->message.opcode, op);
        QCOMPARE(e->message.preview, payload.left(100));
        QCOMPARE(e->message.totalLength, quint64(payload.size()));
        QCOMPARE(e->message.truncated, payload.size() > 100);
        QVERIFY(e->injected);
    }
}

void tst_TunnelTap::injectCloseMasksTowardServerOnly()
{
    for (const Direction dir : {Direction::ClientToUpstream, Direction::UpstreamToClient}) {
        Collector c;
        TunnelTap tap(dir, {}, c.output());
        QVERIFY(tap.injectClose(1001, QStringLiteral("going away")));
        QCOMPARE(quint8(c.out.at(0)), quint8(0x88));
        bool masked = false;
        QCOMPARE(framePayload(c.out, &masked), wsClosePayload(1001, u"going away"));
        QCOMPARE(masked, dir == Direction::ClientToUpstream);
    }
}

QTEST_GUILESS_MAIN(tst_TunnelTap)
void tst_TunnelTap::longTunnelKeepsNoPerFrameState()
{
    // An inspected tunnel on the fast path (nothing to inject) must not
    // remember anything per frame: a chat running for hours would grow
    // without bound (it did: 16 bytes per frame).
    const QByteArray frame = clientFrame(WsOpcode::Text, "tick");
    Collector c;
    TunnelTap tap(Direction::ClientToUpstream, {}, c.output());
    for (int i = 0; i < 10'000; ++i)
        tap.relay(frame.constData(), frame.size());
    QCOMPARE(c.out.size(), frame.size() * 10'000);
    QCOMPARE(tap.pendingFrameEnds(), qsizetype(0));
    // The slow path still places an injection at the next boundary.
    const QByteArray ping = clientFrame(WsOpcode::Ping, "ka");
    QVERIFY(tap.inject(ping, true));
    tap.relay(frame.constData(), frame.size());
    QVERIFY(c.out.endsWith(frame) || c.out.endsWith(ping));
    QVERIFY(c.out.contains(ping));
}

#include "tst_tunneltap.moc"
