// ConnectionsModel: batched inserts, bounded history, coalesced updates,
// lazy strings, under QAbstractItemModelTester.

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
    void pauseHoldsRowsBack();
    void framesCappedPerConnectionAndInTotal();
    void clearEmptiesEverything();
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
    QCOMPARE(model.pendingCount(), 500);
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

void tst_ConnectionsModel::pauseHoldsRowsBack()
{
    ConnectionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addEvents(openConnection(1));
    model.flush();
    model.setPaused(true);
    model.addEvents(openConnection(2) + openConnection(3));
    model.flush();
    QCOMPARE(model.rowCount(), 1);
    model.setPaused(false);
    QCOMPARE(model.rowCount(), 3);
}

void tst_ConnectionsModel::framesCappedPerConnectionAndInTotal()
{
    ConnectionsModel model;
    model.setMaxFramesPerConnection(100);
    model.setMaxFramesTotal(150);
    model.addEvents(openConnection(1) + openConnection(2));
    QList<InspectEvent> events;
    for (int i = 0; i < 150; ++i)
        events << message(1, QByteArray::number(i));
    model.addEvents(events);
    model.flush();
    QCOMPARE(int(model.record(1)->frames.size()), 90);
    QCOMPARE(model.record(1)->framesDropped, quint64(60));
    QCOMPARE(model.record(1)->frames.front().payload, QByteArray("60"));
    events.clear();
    for (int i = 0; i < 80; ++i)
        events << message(2, "x");
    model.addEvents(events);
    model.flush();
    // 170 > 150: the oldest connection's frames go first, down to 135.
    QCOMPARE(model.framesStored(), 135);
    QCOMPARE(int(model.record(2)->frames.size()), 80);
    QCOMPARE(int(model.record(1)->frames.size()), 55);
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

QTEST_MAIN(tst_ConnectionsModel)
#include "tst_connectionsmodel.moc"
