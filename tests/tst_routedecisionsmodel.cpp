// RouteDecisionsModel: the balancer's last decisions, newest first; new ones
// inserted at the top and old ones removed at the end, never a reset. Under
// QAbstractItemModelTester.

#include "routedecisionsmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {

RouteDecision decision(quint64 id, const QString &server, int attempt = 1)
{
    RouteDecision d;
    d.connectionId = id;
    d.wallMs = qint64(1'700'000'000'000) + qint64(id) * 1000;
    d.route.upstreamServer = server;
    d.route.algorithm = QStringLiteral("ip_hash");
    d.route.key = QStringLiteral("10.0.0.%1").arg(id);
    d.route.attempt = attempt;
    d.client = QStringLiteral("10.0.0.%1:5000").arg(id);
    return d;
}

} // namespace

class tst_RouteDecisionsModel : public QObject
{
    Q_OBJECT

private slots:
    void newestFirstWithTheReason();
    void newDecisionsInsertedOldOnesRemoved();
};

void tst_RouteDecisionsModel::newestFirstWithTheReason()
{
    RouteDecisionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::deque<RouteDecision> decisions{decision(1, QStringLiteral("a:1")), decision(2, QStringLiteral("b:1"), 2)};
    decisions.back().route.skipped = {QStringLiteral("a:1")};
    model.setDecisions(decisions);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, RouteDecisionsModel::ColConnection).data().toString(), QStringLiteral("#2"));
    QCOMPARE(model.index(0, RouteDecisionsModel::ColServer).data().toString(), QStringLiteral("b:1"));
    QCOMPARE(model.index(0, RouteDecisionsModel::ColWhy).data().toString(),
             QStringLiteral("ip_hash; key 10.0.0.2; attempt 2; skipped a:1; client 10.0.0.2:5000"));
    QCOMPARE(model.index(1, RouteDecisionsModel::ColWhy).data().toString(),
             QStringLiteral("ip_hash; key 10.0.0.1; client 10.0.0.1:5000"));
}

void tst_RouteDecisionsModel::newDecisionsInsertedOldOnesRemoved()
{
    RouteDecisionsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::deque<RouteDecision> decisions{decision(1, QStringLiteral("a")), decision(2, QStringLiteral("b")),
                                        decision(3, QStringLiteral("c"))};
    model.setDecisions(decisions);
    const QPersistentModelIndex two(model.index(1, RouteDecisionsModel::ColConnection));
    QCOMPARE(two.data().toString(), QStringLiteral("#2"));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    // Two new ones at a cap of three: two inserted at the top, two gone at the end.
    decisions.pop_front();
    decisions.pop_front();
    decisions.push_back(decision(4, QStringLiteral("d")));
    decisions.push_back(decision(5, QStringLiteral("e")));
    model.setDecisions(decisions);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 1);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, RouteDecisionsModel::ColConnection).data().toString(), QStringLiteral("#5"));
    QCOMPARE(model.index(2, RouteDecisionsModel::ColConnection).data().toString(), QStringLiteral("#3"));
    QVERIFY(!two.isValid()); // #2 fell off the end

    // Nothing new: no signal.
    inserted.clear();
    removed.clear();
    model.setDecisions(decisions);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(removed.size(), 0);

    // Cleared.
    model.setDecisions({});
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(reset.size(), 0);
}

QTEST_MAIN(tst_RouteDecisionsModel)
#include "tst_routedecisionsmodel.moc"
