// FramesModel and FramesFilterModel: one insert per flush, trimming under the
// cap, control-frame toggle, text and regex search.

#include "connectionsmodel.h"
#include "framesmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {

InspectEvent makeEvent(quint64 id, InspectPayload payload)
{
    InspectEvent e;
    e.connectionId = id;
    e.wallMs = QDateTime::currentMSecsSinceEpoch();
    e.payload = std::move(payload);
    return e;
}

InspectEvent message(quint64 id, const QByteArray &data, WsOpcode op = WsOpcode::Text,
                     Direction d = Direction::ClientToUpstream)
{
    MessageEvent m;
    m.direction = d;
    m.message.opcode = op;
    m.message.preview = data;
    m.message.totalLength = quint64(data.size());
    return makeEvent(id, m);
}

InspectEvent ping(quint64 id)
{
    ControlFrameEvent c;
    c.opcode = WsOpcode::Ping;
    c.payload = "keepalive";
    return makeEvent(id, c);
}

} // namespace

class tst_FramesModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsArriveInOneInsertPerFlush();
    void trimsUnderTheCap();
    void controlToggleAndSearch();
    void followsConnectionRemoval();
    void displayStrings();
};

void tst_FramesModel::rowsArriveInOneInsertPerFlush()
{
    ConnectionsModel connections;
    FramesModel frames(&connections);
    QAbstractItemModelTester tester(&frames, QAbstractItemModelTester::FailureReportingMode::QtTest);
    connections.addEvents({makeEvent(1, ConnectionOpenedEvent{}), message(1, "a")});
    connections.flush();
    frames.setConnection(1);
    QCOMPARE(frames.rowCount(), 1);
    QSignalSpy inserted(&frames, &QAbstractItemModel::rowsInserted);
    QList<InspectEvent> batch;
    for (int i = 0; i < 300; ++i)
        batch << message(1, QByteArray::number(i), WsOpcode::Text,
                         i % 2 ? Direction::UpstreamToClient : Direction::ClientToUpstream);
    connections.addEvents(batch);
    connections.addEvents({message(2, "other connection")});
    QCOMPARE(frames.rowCount(), 1);
    QTRY_COMPARE(frames.rowCount(), 301);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(frames.index(300, FramesModel::ColPreview).data().toString(), QStringLiteral("299"));
    QCOMPARE(frames.index(300, FramesModel::ColDirection).data().toString(), QStringLiteral("←"));
}

void tst_FramesModel::trimsUnderTheCap()
{
    ConnectionsModel connections;
    connections.setMaxFramesPerConnection(100);
    FramesModel frames(&connections);
    QAbstractItemModelTester tester(&frames, QAbstractItemModelTester::FailureReportingMode::QtTest);
    FramesFilterModel filter;
    filter.setSourceModel(&frames);
    QAbstractItemModelTester filterTester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    connections.addEvents({makeEvent(1, ConnectionOpenedEvent{})});
    connections.flush();
    frames.setConnection(1);
    for (int round = 0; round < 5; ++round) {
        QList<InspectEvent> batch;
        for (int i = 0; i < 60; ++i)
            batch << message(1, QByteArray::number(round * 60 + i));
        connections.addEvents(batch);
        connections.flush();
        QVERIFY(frames.rowCount() <= 100);
        QCOMPARE(filter.rowCount(), frames.rowCount());
    }
    // 300 frames through a cap of 100, trimmed to 90 whenever it is passed.
    QCOMPARE(frames.rowCount(), int(connections.record(1)->frames.size()));
    QCOMPARE(frames.index(frames.rowCount() - 1, FramesModel::ColPreview).data().toString(), QStringLiteral("299"));
    QCOMPARE(frames.index(0, FramesModel::ColPreview).data().toString(),
             QString::number(300 - frames.rowCount()));
}

void tst_FramesModel::controlToggleAndSearch()
{
    ConnectionsModel connections;
    FramesModel frames(&connections);
    FramesFilterModel filter;
    filter.setSourceModel(&frames);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    connections.addEvents({makeEvent(1, ConnectionOpenedEvent{}), message(1, R"({"type":"chat","text":"hello"})"),
                           ping(1), message(1, "Hello again"), message(1, QByteArray("\x01\x02\xff", 3), WsOpcode::Binary),
                           message(1, R"({"type":"heartbeat"})")});
    connections.flush();
    frames.setConnection(1);
    QCOMPARE(filter.rowCount(), 5);
    filter.setShowControlFrames(false);
    QCOMPARE(filter.rowCount(), 4);
    QVERIFY(filter.setSearch(QStringLiteral("hello"), false));
    QCOMPARE(filter.rowCount(), 2);
    QVERIFY(filter.setSearch(QStringLiteral("hello"), false, true));
    QCOMPARE(filter.rowCount(), 1);
    QVERIFY(filter.setSearch(QStringLiteral(R"re("type":"(chat|heartbeat)")re"), true));
    QCOMPARE(filter.rowCount(), 2);
    QVERIFY(filter.setSearch(QStringLiteral("01 02 ff"), false));
    QCOMPARE(filter.rowCount(), 1);
    QVERIFY(!filter.setSearch(QStringLiteral("(unclosed"), true));
    QCOMPARE(filter.rowCount(), 4);
    // New frames go through the filter as they arrive.
    QVERIFY(filter.setSearch(QStringLiteral("needle"), false));
    connections.addEvents({message(1, "hay"), message(1, "a needle here")});
    connections.flush();
    QCOMPARE(filter.rowCount(), 1);
}

void tst_FramesModel::followsConnectionRemoval()
{
    ConnectionsModel connections;
    connections.setMaxConnections(10);
    FramesModel frames(&connections);
    QAbstractItemModelTester tester(&frames, QAbstractItemModelTester::FailureReportingMode::QtTest);
    connections.addEvents({makeEvent(1, ConnectionOpenedEvent{}), message(1, "x")});
    connections.flush();
    frames.setConnection(1);
    QCOMPARE(frames.rowCount(), 1);
    QList<InspectEvent> batch;
    for (quint64 id = 2; id <= 12; ++id)
        batch << makeEvent(id, ConnectionOpenedEvent{});
    connections.addEvents(batch);
    connections.flush();
    QCOMPARE(frames.connectionId(), quint64(0));
    QCOMPARE(frames.rowCount(), 0);
}

void tst_FramesModel::displayStrings()
{
    FrameRecord close;
    close.opcode = WsOpcode::Close;
    close.payload = QByteArray("\x03\xe8" "bye", 5);
    QCOMPARE(FramesModel::previewText(close), QStringLiteral("1000 bye"));
    FrameRecord bin;
    bin.opcode = WsOpcode::Binary;
    bin.payload = QByteArray("\x00\x10", 2);
    QCOMPARE(FramesModel::previewText(bin), QStringLiteral("00 10"));
    QCOMPARE(FramesModel::hexDump("AB").left(16), QStringLiteral("00000000  41 42 "));
}

QTEST_MAIN(tst_FramesModel)
#include "tst_framesmodel.moc"
