// ConnectionsModel: batched inserts, bounded history (frames per connection,
// in total and in memory; closed connections; all connections), pause as
// "stop capturing", coalesced updates, lazy strings, under
// QAbstractItemModelTester.

#include "connectionsmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {

InspectEvent makeEvent(quint64 id, InspectPayload payload, qint64 ns = 0)
{
    InspectEvent e;
    e.connectionId = id;
    e.monotonicNs = ns;
    e.wallMs = QDateTime::currentMSecsSinceEpoch();
    e.payload = std::move(payload);
    return e;
}

QList<InspectEvent> openConnection(quint64 id, const QString &server = QStringLiteral("127.0.0.1:9001"))
{
    ConnectionOpenedEvent opened;
    opened.clientAddress = QHostAddress(QStringLiteral("127.0.0.1"));
    opened.clientPort = quint16(40000 + id % 20000);
    opened.listener = QStringLiteral("127.0.0.1:8080");
    RequestHeadEvent head;
    head.head.method = "GET";
    head.head.target = "/chat";
    RouteEvent route;
    route.upstreamGroup = QStringLiteral("backend");
    route.upstreamServer = server;
    route.algorithm = QStringLiteral("round-robin");
    ResponseHeadEvent response;
    response.head.status = 101;
    return {makeEvent(id, opened), makeEvent(id, head), makeEvent(id, route), makeEvent(id, response), makeEvent(id, TunnelEvent{})};
}

InspectEvent message(quint64 id, const QByteArray &text, Direction d = Direction::ClientToUpstream, qint64 ns = 0)
{
    MessageEvent m;
    m.direction = d;
    m.message.opcode = WsOpcode::Text;
    m.message.preview = text;
    m.message.totalLength = quint64(text.size());
    return makeEvent(id, m, ns);
}

InspectEvent closed(quint64 id)
{
    ClosedEvent c;
    c.cause = CloseCause::ClientClosed;
    return makeEvent(id, c);
}

InspectEvent control(quint64 id, WsOpcode op, const QByteArray &payload, Direction d, qint64 ns)
{
    ControlFrameEvent c;
    c.direction = d;
    c.opcode = op;
    c.payload = payload;
    return makeEvent(id, c, ns);
}

} // namespace

class tst_ConnectionsModel : public QObject
{
    Q_OBJECT

private slots:
    void insertsInOneBatchPerFlush();
    void historyIsCappedInBatches();
    void updatesAreCoalesced();
    void closeCauseAndErrorColour();
    void pingRoundTripFromPingPongPair();
    void upstreamStatsPerServer();
    void pauseStopsCapture();
    void framesCappedPerConnectionAndInTotal();
    void frameMemoryIsCappedAndAccounted();
    void closedConnectionsCappedOldestFirst();
    void evictedOpenConnectionStaysOut();
    void clearEmptiesEverything();
    void largeBatchIsTakenInSlicesInOrder();
};

void tst_ConnectionsModel::insertsInOneBatchPerFlush()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (quint64 batch = 0; batch < 5; ++batch) {
        QList<InspectEvent> events;
        for (quint64 i = 0; i < 100; ++i)
            events += openConnection(batch * 100 + i + 1);
        model.addEvents(events);
    }
    QCOMPARE(model.rowCount(), 0); // nothing shown before the flush
    QTRY_COMPARE(model.rowCount(), 500); // the flush timer fires on its own
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 499);
    QCOMPARE(model.index(0, ConnectionsModel::ColPath).data().toString(), QStringLiteral("/chat"));
    QCOMPARE(model.index(0, ConnectionsModel::ColUpstream).data().toString(), QStringLiteral("127.0.0.1:9001"));
    QCOMPARE(model.index(0, ConnectionsModel::ColClient).data().toString(), QStringLiteral("127.0.0.1:40001"));
    QCOMPARE(model.index(0, ConnectionsModel::ColState).data().toString(), QStringLiteral("open"));
    QCOMPARE(model.liveConnections(), 500);
}

void tst_ConnectionsModel::historyIsCappedInBatches()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxConnections(100);
    QList<InspectEvent> events;
    for (quint64 i = 1; i <= 100; ++i)
        events += openConnection(i);
    model.addEvents(events);
    model.flush();
    QCOMPARE(model.rowCount(), 100);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    events.clear();
    for (quint64 i = 101; i <= 105; ++i)
        events += openConnection(i);
    model.addEvents(events);
    model.flush();
    // Over the cap: the oldest go in one batch, down to 90% of the cap.
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.rowCount(), 90);
    QCOMPARE(model.removedConnections(), 15);
    QCOMPARE(model.index(0, ConnectionsModel::ColId).data().toString(), QStringLiteral("16"));
    QCOMPARE(model.rowOf(105), 89);
    QCOMPARE(model.rowOf(3), -1);
    QCOMPARE(model.liveConnections(), 90);
}

void tst_ConnectionsModel::updatesAreCoalesced()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<InspectEvent> events;
    for (quint64 i = 1; i <= 50; ++i)
        events += openConnection(i);
    model.addEvents(events);
    model.flush();
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    events.clear();
    for (int n = 0; n < 20; ++n) {
        for (quint64 i = 10; i <= 20; ++i)
            events << message(i, "hi");
    }
    model.addEvents(events);
    model.flush();
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 9);
    QCOMPARE(changed.at(0).at(1).toModelIndex().row(), 19);
    QCOMPARE(model.index(9, ConnectionsModel::ColFramesUp).data().toString(), QStringLiteral("20"));
    QCOMPARE(model.messagesSeen(), 220);
}

void tst_ConnectionsModel::closeCauseAndErrorColour()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addEvents(openConnection(1) + openConnection(2));
    ClosedEvent normal;
    normal.cause = CloseCause::ClientClosed;
    normal.clientClose = WsCloseInfo{QStringLiteral("bye"), quint16(1000), true};
    normal.bytesFromClient = 100;
    normal.bytesFromUpstream = 200;
    ClosedEvent failed;
    failed.cause = CloseCause::UpstreamFailure;
    model.addEvents({makeEvent(1, normal), makeEvent(2, failed)});
    model.flush();
    QCOMPARE(model.index(0, ConnectionsModel::ColClose).data().toString(), QStringLiteral("1000 client closed"));
    QCOMPARE(model.index(0, ConnectionsModel::ColState).data().toString(), QStringLiteral("closed"));
    QCOMPARE(model.index(0, 0).data(ConnectionsModel::HasErrorRole).toBool(), false);
    QCOMPARE(model.index(1, ConnectionsModel::ColClose).data().toString(), QStringLiteral("upstream failure"));
    QCOMPARE(model.index(1, 0).data(ConnectionsModel::HasErrorRole).toBool(), true);
    QVERIFY(model.index(1, 0).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.liveConnections(), 0);
    QCOMPARE(model.record(1)->bytesDown, 200);
}

void tst_ConnectionsModel::pingRoundTripFromPingPongPair()
{
    ConnectionsModel model;
    model.addEvents(openConnection(7));
    model.addEvents({control(7, WsOpcode::Ping, "p1", Direction::ClientToUpstream, 1'000'000'000),
                     control(7, WsOpcode::Pong, "p1", Direction::UpstreamToClient, 1'002'500'000)});
    model.flush();
    const ConnectionRecord *r = model.record(7);
    QVERIFY(r);
    QCOMPARE(r->pings.size(), 1);
    QCOMPARE(r->pings.constFirst().roundTripUs, 2500);
    QCOMPARE(model.index(0, ConnectionsModel::ColRtt).data().toString(), QStringLiteral("2.50 ms"));
}

void tst_ConnectionsModel::upstreamStatsPerServer()
{
    ConnectionsModel model;
    model.addEvents(openConnection(1, QStringLiteral("a:1")) + openConnection(2, QStringLiteral("b:2"))
                    + openConnection(3, QStringLiteral("a:1")));
    ClosedEvent closed;
    closed.cause = CloseCause::UpstreamError;
    model.addEvents({makeEvent(3, closed)});
    model.flush();
    QMap<QString, UpstreamStats> byServer;
    for (const UpstreamStats &s : model.upstreamStats())
        byServer.insert(s.server, s);
    QCOMPARE(byServer.value(QStringLiteral("a:1")).total, 2);
    QCOMPARE(byServer.value(QStringLiteral("a:1")).live, 1);
    QCOMPARE(byServer.value(QStringLiteral("a:1")).failures, 1);
    QCOMPARE(byServer.value(QStringLiteral("b:2")).total, 1);
    QCOMPARE(model.recentDecisions().size(), size_t(3));
}

void tst_ConnectionsModel::pauseStopsCapture()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addEvents(openConnection(1) + QList<InspectEvent>{message(1, "before")});
    model.flush();
    QCOMPARE(model.rowCount(), 1);

    model.setPaused(true);
    QList<InspectEvent> events = openConnection(2) + openConnection(3);
    for (int i = 0; i < 5; ++i)
        events << message(1, "while paused");
    events << message(2, "new connection") << control(1, WsOpcode::Ping, "p", Direction::ClientToUpstream, 1)
           << closed(1);
    model.addEvents(events);
    model.flush();
    // Nothing new recorded: no rows for 2 and 3, no frames for 1...
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.record(2), nullptr);
    QCOMPARE(model.record(3), nullptr);
    const ConnectionRecord *one = model.record(1);
    QCOMPARE(int(one->frames.size()), 1);
    QCOMPARE(one->framesNotCaptured, quint64(6));
    QCOMPARE(model.skippedConnections(), 2);
    QCOMPARE(model.skippedFrames(), 7);
    // ...but the row already shown is closed, not "open" forever.
    QVERIFY(one->closed);
    QCOMPARE(model.index(0, ConnectionsModel::ColState).data().toString(), QStringLiteral("closed"));
    QCOMPARE(model.liveConnections(), 0);
    QCOMPARE(model.messagesSeen(), 8); // the rate still counts the traffic

    // Resumed: new connections are captured again; the ones that opened
    // while paused stay out (their rows would have no handshake) until they close.
    model.setPaused(false);
    model.addEvents(QList<InspectEvent>{message(2, "after resume"), closed(3)} + openConnection(4)
                    + QList<InspectEvent>{message(4, "live")});
    model.flush();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.record(2), nullptr);
    QCOMPARE(model.record(3), nullptr);
    QCOMPARE(model.rowOf(4), 1);
    QCOMPARE(model.record(4)->frames.front().payload, QByteArray("live"));
    QCOMPARE(model.skippedFrames(), 8);
    // Connection 3 closed while ignored: an id seen again later is a new connection.
    model.addEvents(openConnection(3));
    model.flush();
    QCOMPARE(model.rowOf(3), 2);
    // A new pause counts from zero.
    model.setPaused(true);
    QCOMPARE(model.skippedConnections(), 0);
    QCOMPARE(model.skippedFrames(), 0);
}

void tst_ConnectionsModel::framesCappedPerConnectionAndInTotal()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxFramesPerConnection(100);
    model.setMaxFramesTotal(150);
    model.addEvents(openConnection(1) + openConnection(2));
    QList<InspectEvent> events;
    for (int i = 0; i < 150; ++i)
        events << message(1, QByteArray::number(i));
    model.addEvents(events);
    model.flush();
    // Per connection: down to the cap at each flush, the oldest first.
    QCOMPARE(int(model.record(1)->frames.size()), 100);
    QCOMPARE(model.record(1)->framesDropped, quint64(50));
    QCOMPARE(model.record(1)->frames.front().payload, QByteArray("50"));
    QCOMPARE(model.record(1)->frames.back().payload, QByteArray("149"));
    events.clear();
    for (int i = 0; i < 80; ++i)
        events << message(2, "x");
    model.addEvents(events);
    model.flush();
    // 180 > 150 in total: the oldest connection's frames go first, down to 99% (149).
    QCOMPARE(model.framesStored(), 149);
    QCOMPARE(int(model.record(2)->frames.size()), 80);
    QCOMPARE(int(model.record(1)->frames.size()), 69);
    QCOMPARE(model.record(1)->frames.front().payload, QByteArray("81"));
    QCOMPARE(model.framesDropped(), 81);
}

void tst_ConnectionsModel::frameMemoryIsCappedAndAccounted()
{
    ConnectionsModel model;
    model.setMaxFrameMemory(qint64(1) << 20);
    model.addEvents(openConnection(1));
    const QByteArray big(60 * 1024, 'a');
    for (int round = 0; round < 10; ++round) {
        QList<InspectEvent> events;
        for (int i = 0; i < 10; ++i)
            events << message(1, big + QByteArray::number(round * 10 + i));
        model.addEvents(events);
        model.flush();
        QVERIFY2(model.frameMemory() <= model.maxFrameMemory(), qPrintable(QString::number(model.frameMemory())));
    }
    const ConnectionRecord *r = model.record(1);
    // 100 frames of 60 KiB do not fit in 1 MiB: only the newest ~16 are kept.
    QVERIFY(r->frames.size() >= 10 && r->frames.size() <= 17);
    QCOMPARE(r->framesDropped + r->frames.size(), quint64(100));
    QVERIFY(r->frames.back().payload.endsWith("99"));
    // The estimate is the sum of what each kept frame costs.
    qint64 sum = 0;
    for (const FrameRecord &f : r->frames)
        sum += ConnectionsModel::frameCost(f);
    QCOMPARE(r->frameMemory, sum);
    QCOMPARE(model.frameMemory(), sum);
}

void tst_ConnectionsModel::closedConnectionsCappedOldestFirst()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxClosedConnections(10);
    QList<InspectEvent> events;
    for (quint64 i = 1; i <= 30; ++i)
        events += openConnection(i) + QList<InspectEvent>{message(i, "m")};
    model.addEvents(events);
    model.flush();
    QCOMPARE(model.rowCount(), 30);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    events.clear();
    for (quint64 i = 1; i <= 20; ++i) {
        if (i != 5)
            events << closed(i);
    }
    model.addEvents(events);
    model.flush();
    // 19 closed > 10: the oldest closed go, down to 9; the open #5 stays.
    QCOMPARE(model.closedConnections(), 9);
    QCOMPARE(model.rowCount(), 20);
    QCOMPARE(model.liveConnections(), 11);
    QCOMPARE(model.removedConnections(), 10);
    for (quint64 gone : {1, 2, 3, 4, 6, 7, 8, 9, 10, 11})
        QCOMPARE(model.record(gone), nullptr);
    QCOMPARE(model.rowOf(5), 0);
    QCOMPARE(model.rowOf(12), 1);
    QCOMPARE(model.rowOf(30), 19);
    QCOMPARE(model.index(1, ConnectionsModel::ColId).data().toString(), QStringLiteral("12"));
    // Two runs of rows (1-4 and 6-11), two removals.
    QCOMPARE(removed.size(), 2);
    QCOMPARE(model.framesStored(), 20);
}

void tst_ConnectionsModel::evictedOpenConnectionStaysOut()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxConnections(10);
    QList<InspectEvent> events;
    for (quint64 i = 1; i <= 11; ++i)
        events += openConnection(i);
    model.addEvents(events);
    model.flush();
    // Over the hard cap with no closed connection: the oldest open ones go.
    QCOMPARE(model.rowCount(), 9);
    QCOMPARE(model.record(1), nullptr);
    // Its later frames make no headless row; they count as dropped.
    model.addEvents({message(1, "late"), message(1, "later")});
    model.flush();
    QCOMPARE(model.rowCount(), 9);
    QCOMPARE(model.record(1), nullptr);
    QCOMPARE(model.framesDropped(), 2);
    QCOMPARE(model.liveConnections(), 9);
}

void tst_ConnectionsModel::clearEmptiesEverything()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addEvents(openConnection(1) + openConnection(2));
    model.flush();
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.record(1), nullptr);
    model.addEvents({message(2, "late")});
    model.flush();
    QCOMPARE(model.rowCount(), 1);
}

void tst_ConnectionsModel::largeBatchIsTakenInSlicesInOrder()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxFramesPerConnection(1000);
    model.addEvents(openConnection(1));
    model.flush();
    constexpr int Big = 300'000;
    QList<InspectEvent> big;
    big.reserve(Big);
    for (int i = 0; i < Big; ++i)
        big << message(1, QByteArray::number(i));
    // One call does not take it all: the rest waits for the event loop...
    model.addEvents(big);
    const qint64 waiting = model.queuedEvents();
    QVERIFY2(waiting > 0, "a 300,000-event batch was applied in one go");
    // ...and what comes next waits behind it, in order.
    model.addEvents({message(1, "last")});
    QCOMPARE(model.queuedEvents(), waiting + 1);
    QVERIFY(model.record(1)->frames.empty() || model.record(1)->frames.back().payload != "last");
    QTRY_COMPARE(model.queuedEvents(), 0);
    model.flush();
    QCOMPARE(model.record(1)->frames.back().payload, QByteArray("last"));
    QCOMPARE(model.record(1)->frames.front().payload, QByteArray::number(Big - 999));
    QCOMPARE(model.messagesSeen(), Big + 1);
    QCOMPARE(model.eventsDropped(), 0);
}

QTEST_MAIN(tst_ConnectionsModel)
#include "tst_connectionsmodel.moc"
