// ConnectionStore: the one reducer of the inspection events. What each event
// kind does to a record, keep-alive exchanges with their own times, and the
// caps (frames, memory, payload, exchanges, closed and open connections),
// pause, and the signals views follow.

#include "inspect/connectionstore.h"
#include "inspect/harexport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

namespace {

constexpr qint64 BaseNs = 1'000'000'000;
constexpr qint64 BaseWallMs = 1'700'000'000'000;

InspectEvent stamped(quint64 id, double ms, InspectPayload payload)
{
    InspectEvent e;
    e.connectionId = id;
    e.monotonicNs = BaseNs + qint64(ms * 1e6);
    e.wallMs = BaseWallMs + qint64(ms);
    e.payload = std::move(payload);
    return e;
}

HttpRequestHead request(const QByteArray &target, bool upgrade = false)
{
    HttpRequestHead h;
    h.method = "GET";
    h.target = target;
    h.headers.append("Host", "store.test");
    if (upgrade) {
        h.headers.append("Upgrade", "websocket");
        h.headers.append("Connection", "Upgrade");
    }
    return h;
}

ResponseHeadEvent response(int status)
{
    ResponseHeadEvent r;
    r.head.status = status;
    return r;
}

MessageEvent text(Direction d, const QByteArray &data)
{
    MessageEvent m;
    m.direction = d;
    m.message.opcode = WsOpcode::Text;
    m.message.preview = data;
    m.message.totalLength = quint64(data.size());
    return m;
}

ControlFrameEvent control(Direction d, WsOpcode opcode, const QByteArray &payload)
{
    ControlFrameEvent c;
    c.direction = d;
    c.opcode = opcode;
    c.payload = payload;
    return c;
}

RouteEvent route(const QString &server)
{
    RouteEvent r;
    r.upstreamGroup = QStringLiteral("g");
    r.upstreamServer = server;
    return r;
}

ClosedEvent closed(CloseCause cause)
{
    ClosedEvent c;
    c.cause = cause;
    return c;
}

// An upgraded connection with `frames` text messages.
void addTunnel(ConnectionStore &store, quint64 id, int frames, int size = 4)
{
    store.apply(stamped(id, 0, ConnectionOpenedEvent{}));
    store.apply(stamped(id, 1, RequestHeadEvent{request("/ws", true), false}));
    store.apply(stamped(id, 2, response(101)));
    store.apply(stamped(id, 2, TunnelEvent{}));
    for (int i = 0; i < frames; ++i)
        store.apply(stamped(id, 3 + i, text(Direction::ClientToUpstream, QByteArray(size, 'a'))));
}

} // namespace

class tst_ConnectionStore : public QObject
{
    Q_OBJECT

private slots:
    void reducesEachEventKind();
    void keepAliveExchangesKeepTheirOwnTimes();
    void framesCappedPerConnectionAndInTotal();
    void frameMemoryAndPayloadCaps();
    void exchangeCapDropsOldestFinishedFirst();
    void closedConnectionsCappedOldestFirst();
    void evictedOpenConnectionStaysOutUntilItCloses();
    void pauseCountsInsteadOfRecording();
    void clearEmptiesEverything();
};

void tst_ConnectionStore::reducesEachEventKind()
{
    ConnectionStore store;
    ConnectionOpenedEvent opened;
    opened.clientAddress = QHostAddress(QStringLiteral("127.0.0.1"));
    opened.clientPort = 40001;
    opened.listener = QStringLiteral("127.0.0.1:8080");
    QVERIFY(store.apply(stamped(1, 0, opened)));
    store.apply(stamped(1, 1, RequestHeadEvent{request("/chat", true), false}));
    store.apply(stamped(1, 1.5, route(QStringLiteral("127.0.0.1:9001"))));
    HttpRequestHead forwarded = request("/chat", true);
    forwarded.headers.append("X-Forwarded-For", "127.0.0.1");
    store.apply(stamped(1, 2, RequestHeadEvent{forwarded, true}));
    store.apply(stamped(1, 4, response(101)));
    store.apply(stamped(1, 4, TunnelEvent{QStringLiteral("chat"), QString(), false}));
    store.apply(stamped(1, 5, text(Direction::ClientToUpstream, "hi")));
    store.apply(stamped(1, 6, text(Direction::UpstreamToClient, "hello")));
    store.apply(stamped(1, 7, control(Direction::ClientToUpstream, WsOpcode::Ping, "p")));
    store.apply(stamped(1, 9.5, control(Direction::UpstreamToClient, WsOpcode::Pong, "p")));
    FindingEvent finding;
    finding.code = QStringLiteral("x");
    store.apply(stamped(1, 10, finding));
    ViolationEvent violation;
    violation.direction = Direction::UpstreamToClient;
    store.apply(stamped(1, 11, violation));
    ClosedEvent close = closed(CloseCause::UpstreamFailure);
    close.bytesFromClient = 100;
    close.bytesFromUpstream = 200;
    store.apply(stamped(1, 20, close));

    QCOMPARE(store.size(), 1);
    const ConnectionRecord *r = store.record(1);
    QVERIFY(r);
    QCOMPARE(r->clientText(), QStringLiteral("127.0.0.1:40001"));
    QCOMPARE(r->pathText(), QStringLiteral("/chat"));
    QCOMPARE(r->upstreamText(), QStringLiteral("127.0.0.1:9001"));
    QVERIFY(r->forwarded && r->forwarded->headers.value("x-forwarded-for") == "127.0.0.1");
    QCOMPARE(r->tunnel->subprotocol, QStringLiteral("chat"));
    QCOMPARE(r->framesUp, 2);
    QCOMPARE(r->framesDown, 2);
    QCOMPARE(r->bytesUp, 100); // wire bytes once closed
    QCOMPARE(r->bytesDown, 200);
    QCOMPARE(r->lastRttUs, 2500); // ping at 7 ms, its pong at 9.5 ms
    QCOMPARE(r->pings.size(), 1);
    QCOMPARE(r->frames.size(), size_t(4));
    QCOMPARE(r->frames[3].roundTripUs, 2500);
    QCOMPARE(r->findings.size(), 1);
    QCOMPARE(r->violations.size(), 1);
    QCOMPARE(r->state(), ConnectionRecord::State::Failed);
    QCOMPARE(r->lastNs, BaseNs + 20'000'000);

    // One exchange, carrying its own heads, times and notes.
    QCOMPARE(r->exchanges.size(), size_t(1));
    const ExchangeRecord &x = r->exchanges.front();
    QCOMPARE(x.startNs, BaseNs + 1'000'000);
    QCOMPARE(x.forwardedNs, BaseNs + 2'000'000);
    QCOMPARE(x.responseNs, BaseNs + 4'000'000);
    QCOMPARE(x.endNs, BaseNs + 20'000'000);
    QVERIFY(x.finished && x.endedByClose);
    QCOMPARE(x.route->upstreamServer, QStringLiteral("127.0.0.1:9001"));
    QCOMPARE(x.findings.size(), 1);
    QCOMPARE(x.violations.size(), 1);

    // Figures.
    QCOMPARE(store.closedConnections(), 1);
    QCOMPARE(store.liveConnections(), 0);
    QCOMPARE(store.messagesSeen(), 4);
    QCOMPARE(store.framesStored(), 4);
    QCOMPARE(store.payloadBytes(), 2 + 5 + 1 + 1);
    const QList<UpstreamStats> stats = store.upstreamStats();
    QCOMPARE(stats.size(), 1);
    QCOMPARE(stats.constFirst().total, 1);
    QCOMPARE(stats.constFirst().live, 0);
    QCOMPARE(stats.constFirst().failures, 1);
    QCOMPARE(store.recentDecisions().size(), size_t(1));
    QCOMPARE(store.takeChanged(), QSet<quint64>{1});
    QVERIFY(store.changed().isEmpty());
}

void tst_ConnectionStore::keepAliveExchangesKeepTheirOwnTimes()
{
    ConnectionStore store;
    store.apply(stamped(5, 0, ConnectionOpenedEvent{}));
    for (int i = 0; i < 3; ++i) {
        store.apply(stamped(5, 10 * i + 1, RequestHeadEvent{request("/page" + QByteArray::number(i)), false}));
        store.apply(stamped(5, 10 * i + 2, response(200)));
        store.apply(stamped(5, 10 * i + 3, HttpExchangeEvent{200, 0, 5, 2}));
    }
    store.apply(stamped(5, 40, RequestHeadEvent{request("/ws", true), false}));
    store.apply(stamped(5, 41, response(101)));
    store.apply(stamped(5, 41, TunnelEvent{}));
    store.apply(stamped(5, 42, text(Direction::ClientToUpstream, "a")));
    store.apply(stamped(5, 43, text(Direction::UpstreamToClient, "a")));

    const ConnectionRecord *r = store.record(5);
    QCOMPARE(r->exchanges.size(), size_t(4));
    QCOMPARE(store.exchangesStored(), 4);
    for (int i = 0; i < 3; ++i) {
        const ExchangeRecord &x = r->exchanges[size_t(i)];
        QCOMPARE(x.received->target, "/page" + QByteArray::number(i));
        QCOMPARE(x.startNs, BaseNs + qint64(10 * i + 1) * 1'000'000);
        QCOMPARE(x.responseNs, BaseNs + qint64(10 * i + 2) * 1'000'000);
        QCOMPARE(x.endNs, BaseNs + qint64(10 * i + 3) * 1'000'000);
        QVERIFY(x.finished && !x.endedByClose);
        QCOMPARE(r->exchangeFrameEnd(size_t(i)), quint64(0)); // no frames
    }
    const ExchangeRecord &ws = r->exchanges.back();
    QVERIFY(ws.tunnel && !ws.finished);
    QCOMPARE(ws.firstFrameSeq, quint64(0));
    QCOMPARE(r->exchangeFrameEnd(3), quint64(2));
    // The summary shows the latest exchange.
    QCOMPARE(r->pathText(), QStringLiteral("/ws"));
    QCOMPARE(r->response->head.status, 101);

    // HAR: one entry each, at its own time, the frames in the last one.
    const QJsonArray entries = HarExport::entries(HarExport::records(store));
    QCOMPARE(entries.size(), 4);
    for (int i = 0; i < 4; ++i) {
        const QJsonObject e = entries.at(i).toObject();
        const qint64 start = i < 3 ? 10 * i + 1 : 40;
        QCOMPARE(e.value(QLatin1String("startedDateTime")).toString(),
                 QDateTime::fromMSecsSinceEpoch(BaseWallMs + start, Qt::UTC).toString(Qt::ISODateWithMs));
        QCOMPARE(e.value(QLatin1String("_webSocketMessages")).toArray().size(), i < 3 ? 0 : 2);
    }
}

void tst_ConnectionStore::framesCappedPerConnectionAndInTotal()
{
    ConnectionStore store;
    ConnectionStoreLimits limits;
    limits.maxFramesPerConnection = 10;
    limits.maxFramesTotal = 25;
    store.setLimits(limits);
    QSignalSpy aboutToTrim(&store, &ConnectionStore::framesAboutToBeTrimmed);
    QSignalSpy trimmed(&store, &ConnectionStore::framesTrimmed);
    for (quint64 id = 1; id <= 3; ++id)
        addTunnel(store, id, 30);
    store.enforceLimits();
    // 10 each after the per-connection cap, then the oldest give up theirs
    // down to the total.
    QVERIFY(store.framesStored() <= 25);
    QCOMPARE(store.framesStored() + store.framesDropped(), 90);
    QCOMPARE(store.record(3)->frames.size(), size_t(10));
    QVERIFY(store.record(1)->frames.size() < 10);
    QCOMPARE(aboutToTrim.size(), trimmed.size());
    const ConnectionRecord *one = store.record(1);
    QCOMPARE(one->frameBaseSeq, one->framesDropped);
    QCOMPARE(one->frameEndSeq(), quint64(30));
}

void tst_ConnectionStore::frameMemoryAndPayloadCaps()
{
    ConnectionStore store;
    ConnectionStoreLimits limits;
    limits.maxFrameMemory = 10'000;
    limits.maxPayloadBytes = 300;
    store.setLimits(limits);
    addTunnel(store, 1, 100, 1000);
    const ConnectionRecord *r = store.record(1);
    QCOMPARE(r->frames.back().payload.size(), 300); // cut to the payload cap
    QVERIFY(r->frames.back().truncated);
    QCOMPARE(r->frames.back().length, quint64(1000));
    store.enforceLimits();
    QVERIFY(store.frameMemory() <= 10'000);
    qint64 sum = 0;
    qint64 bytes = 0;
    for (const FrameRecord &f : r->frames) {
        sum += ConnectionStore::frameCost(f);
        bytes += f.payload.size();
    }
    QCOMPARE(store.frameMemory(), sum);
    QCOMPARE(r->frameMemory, sum);
    QCOMPARE(store.payloadBytes(), bytes);
    QCOMPARE(store.payloadBytes() + store.payloadBytesDropped(), 100 * 300);
}

void tst_ConnectionStore::exchangeCapDropsOldestFinishedFirst()
{
    ConnectionStore store;
    ConnectionStoreLimits limits;
    limits.maxExchanges = 10;
    store.setLimits(limits);
    // Connection 1: eight keep-alive exchanges; 2..6: one each, 6 still running.
    for (int i = 0; i < 8; ++i) {
        store.apply(stamped(1, i, RequestHeadEvent{request("/k" + QByteArray::number(i)), false}));
        store.apply(stamped(1, i + 0.5, HttpExchangeEvent{200, 0, 0, 0}));
    }
    for (quint64 id = 2; id <= 6; ++id) {
        store.apply(stamped(id, 10 + double(id), RequestHeadEvent{request("/one"), false}));
        if (id < 6)
            store.apply(stamped(id, 10.5 + double(id), HttpExchangeEvent{200, 0, 0, 0}));
    }
    QCOMPARE(store.exchangesStored(), 13);
    store.enforceLimits();
    // Down to 9: the earlier exchanges of connection 1 go, its latest stays.
    QCOMPARE(store.exchangesStored(), 9);
    QCOMPARE(store.exchangesDropped(), 4);
    const ConnectionRecord *one = store.record(1);
    QCOMPARE(one->exchanges.size(), size_t(4));
    QCOMPARE(one->exchanges.front().received->target, QByteArray("/k4"));
    QCOMPARE(one->exchangesDropped, quint64(4));

    // Cap 1: then every connection's latest finished one goes too, oldest
    // first; the one still running stays.
    limits.maxExchanges = 1;
    store.setLimits(limits);
    store.enforceLimits();
    QCOMPARE(store.exchangesStored(), 1);
    QCOMPARE(store.record(6)->exchanges.size(), size_t(1));
    QVERIFY(!store.record(6)->exchanges.front().finished);
    QCOMPARE(store.size(), 6); // the connections stay
}

void tst_ConnectionStore::closedConnectionsCappedOldestFirst()
{
    ConnectionStore store;
    ConnectionStoreLimits limits;
    limits.maxClosedConnections = 10;
    store.setLimits(limits);
    QSignalSpy aboutToRemove(&store, &ConnectionStore::recordsAboutToBeRemoved);
    QSignalSpy removed(&store, &ConnectionStore::recordsRemoved);
    QSignalSpy goes(&store, &ConnectionStore::connectionAboutToBeRemoved);
    store.apply(stamped(100, 0, ConnectionOpenedEvent{})); // open, oldest
    for (quint64 id = 1; id <= 11; ++id) {
        addTunnel(store, id, 2);
        store.apply(stamped(id, 50, closed(CloseCause::ClientClosed)));
    }
    store.enforceLimits();
    // 11 closed > 10: down to 9, the oldest closed first; the open one stays.
    QCOMPARE(store.closedConnections(), 9);
    QCOMPARE(store.size(), 10);
    QVERIFY(store.record(100));
    QVERIFY(!store.record(1) && !store.record(2));
    QCOMPARE(store.at(1)->id, quint64(3));
    for (qsizetype i = 0; i < store.size(); ++i)
        QCOMPARE(store.at(i)->row, i);
    QCOMPARE(goes.size(), 2);
    QCOMPARE(aboutToRemove.size(), 1); // one contiguous run [1, 2]
    QCOMPARE(aboutToRemove.constFirst().at(0).value<qsizetype>(), 1);
    QCOMPARE(aboutToRemove.constFirst().at(1).value<qsizetype>(), 2);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(store.removedConnections(), 2);
    QCOMPARE(store.framesRemoved(), 4);
    QCOMPARE(store.exchangesDropped(), 2);
    QCOMPARE(store.framesStored(), 9 * 2);
}

void tst_ConnectionStore::evictedOpenConnectionStaysOutUntilItCloses()
{
    ConnectionStore store;
    ConnectionStoreLimits limits;
    limits.maxConnections = 10;
    store.setLimits(limits);
    for (quint64 id = 1; id <= 11; ++id)
        addTunnel(store, id, 1);
    store.enforceLimits();
    QCOMPARE(store.size(), 9);
    QVERIFY(!store.record(1));
    // Its later events are not recorded (its record would lack the head)...
    QVERIFY(!store.apply(stamped(1, 60, text(Direction::ClientToUpstream, "late"))));
    QVERIFY(!store.apply(stamped(1, 61, closed(CloseCause::ClientClosed))));
    QVERIFY(!store.record(1));
    QCOMPARE(store.framesDropped(), 1);
    // ...until it closed: a new connection with that id is recorded again.
    QVERIFY(store.apply(stamped(1, 70, ConnectionOpenedEvent{})));
    QVERIFY(store.record(1));
}

void tst_ConnectionStore::pauseCountsInsteadOfRecording()
{
    ConnectionStore store;
    addTunnel(store, 1, 1);
    store.setPaused(true);
    QVERIFY(!store.apply(stamped(1, 10, text(Direction::ClientToUpstream, "skipped"))));
    QVERIFY(!store.apply(stamped(2, 10, ConnectionOpenedEvent{})));
    QVERIFY(!store.apply(stamped(2, 11, RequestHeadEvent{request("/x"), false})));
    // The recorded connection still gets its close.
    QVERIFY(store.apply(stamped(1, 12, closed(CloseCause::ClientClosed))));
    QCOMPARE(store.skippedConnections(), 1);
    QCOMPARE(store.skippedFrames(), 1);
    QCOMPARE(store.record(1)->framesNotCaptured, quint64(1));
    QVERIFY(store.record(1)->closed);
    store.setPaused(false);
    // Connection 2 opened while paused: out until it closes.
    QVERIFY(!store.apply(stamped(2, 13, response(200))));
    QVERIFY(!store.record(2));
    QCOMPARE(store.size(), 1);
}

void tst_ConnectionStore::clearEmptiesEverything()
{
    ConnectionStore store;
    store.apply(stamped(1, 0, route(QStringLiteral("s"))));
    addTunnel(store, 2, 3);
    QSignalSpy goes(&store, &ConnectionStore::connectionAboutToBeRemoved);
    store.clear();
    QCOMPARE(goes.size(), 2);
    QCOMPARE(store.size(), 0);
    QCOMPARE(store.framesStored(), 0);
    QCOMPARE(store.frameMemory(), 0);
    QCOMPARE(store.payloadBytes(), 0);
    QCOMPARE(store.exchangesStored(), 0);
    QCOMPARE(store.liveConnections(), 0);
    QCOMPARE(store.removedConnections(), 2);
    QVERIFY(store.upstreamStats().isEmpty());
    QVERIFY(store.recentDecisions().empty());
    QVERIFY(store.changed().isEmpty());
}

QTEST_GUILESS_MAIN(tst_ConnectionStore)
#include "tst_connectionstore.moc"
