// UpstreamStatsModel: the upstreams pane's tree, built from the configured
// targets, the events' counts and the balancer's figures; rows updated in
// place (never reset); health colours from the state, in any language.
// Under QAbstractItemModelTester throughout.

#include "colours.h"
#include "upstreamstatsmodel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QCoreApplication>
#include <QDir>
#include <QSignalSpy>
#include <QTest>
#include <QTranslator>

using Health = UpstreamStatsModel::Health;
using Group = UpstreamStatsModel::Group;
using Server = UpstreamStatsModel::Server;

namespace {

Server server(const QString &name, qint64 live, qint64 total, Health health = Health::Up)
{
    Server s;
    s.name = name;
    s.live = live;
    s.total = total;
    s.health = health;
    return s;
}

Group group(const QString &name, const QList<Server> &servers)
{
    Group g;
    g.name = name;
    g.method = QStringLiteral("round-robin");
    g.servers = servers;
    return g;
}

UpstreamTarget target(const QString &group, const QString &server, bool down = false, bool backup = false)
{
    UpstreamTarget t;
    t.group = group;
    t.server = server;
    t.down = down;
    t.backup = backup;
    return t;
}

UpstreamStats stats(const QString &group, const QString &server, qint64 live, qint64 total, qint64 failures)
{
    UpstreamStats s;
    s.group = group;
    s.server = server;
    s.live = live;
    s.total = total;
    s.failures = failures;
    return s;
}

// A translator that renders every health word of the model as the same text:
// a colour chosen by comparing translated text could not tell them apart.
class SameWordTranslator final : public QTranslator
{
public:
    using QTranslator::QTranslator;
    bool isEmpty() const override { return false; }
    QString translate(const char *context, const char *sourceText, const char *, int) const override
    {
        static const char *const words[] = {"up", "backup", "down", "unhealthy", "failing"};
        if (qstrcmp(context, "UpstreamStatsModel") != 0)
            return {};
        for (const char *word : words) {
            if (qstrcmp(sourceText, word) == 0)
                return QStringLiteral("状态");
        }
        return {};
    }
};

} // namespace

class tst_UpstreamStatsModel : public QObject
{
    Q_OBJECT

private slots:
    void groupsFromTargetsStatsAndFigures();
    void rowsAreUpdatedInPlace();
    void serversAndGroupsComeAndGo();
    void healthColourFromState_data();
    void healthColourFromState();
    void healthColourInATranslatedLocale();
    void japaneseHealthTextKeepsTheColour();
};

void tst_UpstreamStatsModel::groupsFromTargetsStatsAndFigures()
{
    const QList<UpstreamTarget> targets = {
        target(QStringLiteral("ws"), QStringLiteral("a:1")),
        target(QStringLiteral("ws"), QStringLiteral("b:1"), true),
        target(QStringLiteral("ws"), QStringLiteral("c:1"), false, true),
        target(QStringLiteral("api"), QStringLiteral("d:1")),
    };
    const QList<UpstreamStats> seen = {
        stats(QStringLiteral("ws"), QStringLiteral("a:1"), 1, 4, 1),
        stats(QStringLiteral("api"), QStringLiteral("d:1"), 0, 2, 2), // every attempt failed
        stats(QStringLiteral("ws"), QStringLiteral("old:1"), 0, 3, 0), // configured no more
    };
    UpstreamFigures figures;
    figures.group = QStringLiteral("ws");
    UpstreamServerFigures fig;
    fig.name = QStringLiteral("a:1");
    fig.health = UpstreamServerFigures::Health::Failed;
    fig.failedForMs = 2500;
    fig.failures = 7;
    fig.lastFailure = QStringLiteral("connection refused");
    figures.servers << fig;

    const QList<Group> groups = UpstreamStatsModel::groups(targets, seen, {figures});
    QCOMPARE(groups.size(), 2);
    QCOMPARE(groups.at(0).name, QStringLiteral("api")); // by name
    QCOMPARE(groups.at(0).servers.size(), 1);
    QCOMPARE(groups.at(0).servers.at(0).health, Health::Failing);
    const Group &ws = groups.at(1);
    QCOMPARE(ws.name, QStringLiteral("ws"));
    QCOMPARE(ws.servers.size(), 4);
    QCOMPARE(ws.servers.at(0).name, QStringLiteral("a:1"));
    QCOMPARE(ws.servers.at(0).health, Health::Failed);         // the balancer's word wins
    QCOMPARE(ws.servers.at(0).failedForMs, 2500);
    QCOMPARE(ws.servers.at(0).healthTip, QStringLiteral("connection refused"));
    QCOMPARE(ws.servers.at(0).failures, 7);                    // the balancer counted more
    QCOMPARE(ws.servers.at(0).eventFailures, 1);
    QCOMPARE(ws.servers.at(0).total, 4);
    QCOMPARE(ws.servers.at(1).health, Health::Down);
    QCOMPARE(ws.servers.at(2).health, Health::Backup);
    QCOMPARE(ws.servers.at(3).name, QStringLiteral("old:1"));  // seen only in events: last
    QCOMPARE(ws.servers.at(3).total, 3);
    QCOMPARE(UpstreamStatsModel::healthText(Health::Failed, 2500), QStringLiteral("failed (3 s)"));
}

void tst_UpstreamStatsModel::rowsAreUpdatedInPlace()
{
    UpstreamStatsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGroups({group(QStringLiteral("ws"), {server(QStringLiteral("a:1"), 1, 1), server(QStringLiteral("b:1"), 0, 1)})});
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex ws = model.index(0, 0);
    QCOMPARE(model.rowCount(ws), 2);
    QCOMPARE(model.index(0, UpstreamStatsModel::ColShare, ws).data().toString(), QStringLiteral("50 %"));
    const QPersistentModelIndex b(model.index(1, UpstreamStatsModel::ColTotal, ws));

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setGroups({group(QStringLiteral("ws"), {server(QStringLiteral("a:1"), 1, 1), server(QStringLiteral("b:1"), 1, 3)})});
    QCOMPARE(reset.size(), 0);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(removed.size(), 0);
    QVERIFY(b.isValid());
    QCOMPARE(b.row(), 1);
    QCOMPARE(b.data().toString(), QStringLiteral("3"));
    QCOMPARE(model.index(0, UpstreamStatsModel::ColShare, ws).data().toString(), QStringLiteral("25 %"));
    QCOMPARE(model.index(0, UpstreamStatsModel::ColTotal).data().toString(), QStringLiteral("4"));
    // One dataChanged for the servers (the shares of both changed), one for the group row.
    QCOMPARE(changed.size(), 2);

    // The same picture again changes nothing.
    changed.clear();
    model.setGroups({group(QStringLiteral("ws"), {server(QStringLiteral("a:1"), 1, 1), server(QStringLiteral("b:1"), 1, 3)})});
    QCOMPARE(changed.size(), 0);

    // Only b's live count: one dataChanged over b's row alone.
    model.setGroups({group(QStringLiteral("ws"), {server(QStringLiteral("a:1"), 1, 1), server(QStringLiteral("b:1"), 0, 3)})});
    QCOMPARE(changed.size(), 2); // b, and the group's sum
    const QModelIndex topLeft = changed.at(0).at(0).value<QModelIndex>();
    const QModelIndex bottomRight = changed.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft.parent(), QModelIndex(ws));
    QCOMPARE(topLeft.row(), 1);
    QCOMPARE(bottomRight.row(), 1);
}

void tst_UpstreamStatsModel::serversAndGroupsComeAndGo()
{
    UpstreamStatsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGroups({group(QStringLiteral("b"), {server(QStringLiteral("b1"), 0, 0), server(QStringLiteral("b2"), 0, 0)})});
    const QPersistentModelIndex b2(model.index(1, 0, model.index(0, 0)));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    // A group before it, a server between: b2 moves down a row and keeps its identity.
    model.setGroups({group(QStringLiteral("a"), {server(QStringLiteral("a1"), 0, 0)}),
                     group(QStringLiteral("b"), {server(QStringLiteral("b1"), 0, 0), server(QStringLiteral("new"), 0, 0),
                                                 server(QStringLiteral("b2"), 0, 0)})});
    QCOMPARE(reset.size(), 0);
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(b2.isValid());
    QCOMPARE(b2.row(), 2);
    QCOMPARE(b2.parent().row(), 1);
    QCOMPARE(b2.data().toString(), QStringLiteral("b2"));

    // b1 and group a go; b2 stays.
    model.setGroups({group(QStringLiteral("b"), {server(QStringLiteral("new"), 0, 0), server(QStringLiteral("b2"), 0, 0)})});
    QCOMPARE(reset.size(), 0);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(b2.isValid());
    QCOMPARE(b2.row(), 1);
    QCOMPARE(b2.parent().row(), 0);

    // Reordered servers and a server listed twice.
    model.setGroups({group(QStringLiteral("b"), {server(QStringLiteral("b2"), 0, 0), server(QStringLiteral("new"), 0, 0),
                                                 server(QStringLiteral("b2"), 0, 0)})});
    const QModelIndex b = model.index(0, 0);
    QCOMPARE(model.rowCount(b), 3);
    QCOMPARE(model.index(0, 0, b).data().toString(), QStringLiteral("b2"));
    QCOMPARE(model.index(1, 0, b).data().toString(), QStringLiteral("new"));
    QCOMPARE(model.index(2, 0, b).data().toString(), QStringLiteral("b2"));
    model.setGroups({});
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(reset.size(), 0);
}

void tst_UpstreamStatsModel::healthColourFromState_data()
{
    QTest::addColumn<Health>("health");
    QTest::addColumn<QColor>("colour");
    QTest::newRow("up") << Health::Up << Colours::Healthy;
    QTest::newRow("backup") << Health::Backup << Colours::Error;
    QTest::newRow("failed") << Health::Failed << Colours::Error;
    QTest::newRow("down") << Health::Down << Colours::Error;
    QTest::newRow("unhealthy") << Health::Unhealthy << Colours::Error;
    QTest::newRow("failing") << Health::Failing << Colours::Error;
}

void tst_UpstreamStatsModel::healthColourFromState()
{
    QFETCH(Health, health);
    QFETCH(QColor, colour);
    UpstreamStatsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGroups({group(QStringLiteral("ws"), {server(QStringLiteral("a:1"), 0, 0, health)})});
    const QModelIndex cell = model.index(0, UpstreamStatsModel::ColHealth, model.index(0, 0));
    QCOMPARE(cell.data(Qt::ForegroundRole).value<QBrush>().color(), colour);
    QCOMPARE(Health(cell.data(UpstreamStatsModel::HealthRole).toInt()), health);
    QCOMPARE(cell.data().toString(), UpstreamStatsModel::healthText(health, 0));
}

void tst_UpstreamStatsModel::healthColourInATranslatedLocale()
{
    SameWordTranslator translator;
    QVERIFY(QCoreApplication::installTranslator(&translator));
    UpstreamStatsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGroups({group(QStringLiteral("ws"), {server(QStringLiteral("up"), 0, 0, Health::Up),
                                                  server(QStringLiteral("backup"), 0, 0, Health::Backup)})});
    const QModelIndex ws = model.index(0, 0);
    const QModelIndex up = model.index(0, UpstreamStatsModel::ColHealth, ws);
    const QModelIndex backup = model.index(1, UpstreamStatsModel::ColHealth, ws);
    // Both read the same in this "language", and still differ in colour.
    QCOMPARE(up.data().toString(), QStringLiteral("状态"));
    QCOMPARE(backup.data().toString(), QStringLiteral("状态"));
    QCOMPARE(up.data(Qt::ForegroundRole).value<QBrush>().color(), Colours::Healthy);
    QCOMPARE(backup.data(Qt::ForegroundRole).value<QBrush>().color(), Colours::Error);
    QCoreApplication::removeTranslator(&translator);
}

void tst_UpstreamStatsModel::japaneseHealthTextKeepsTheColour()
{
    // The shipped Japanese catalogue (built next to the wsscope binary).
    QTranslator translator;
    const QString dir = qEnvironmentVariable("WSSCOPE_QM_DIR");
    QVERIFY2(translator.load(QDir(dir).filePath(QStringLiteral("wsscope_ja.qm"))), qPrintable(dir));
    QVERIFY(QCoreApplication::installTranslator(&translator));
    UpstreamStatsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGroups({group(QStringLiteral("ws"), {server(QStringLiteral("a"), 0, 0, Health::Up),
                                                  server(QStringLiteral("b"), 0, 0, Health::Down)})});
    const QModelIndex ws = model.index(0, 0);
    const QModelIndex up = model.index(0, UpstreamStatsModel::ColHealth, ws);
    const QModelIndex down = model.index(1, UpstreamStatsModel::ColHealth, ws);
    QVERIFY(up.data().toString() != QStringLiteral("up"));     // translated
    QVERIFY(down.data().toString() != QStringLiteral("down"));
    QVERIFY(model.headerData(UpstreamStatsModel::ColHealth, Qt::Horizontal).toString() != QStringLiteral("Health"));
    QCOMPARE(up.data(Qt::ForegroundRole).value<QBrush>().color(), Colours::Healthy);
    QCOMPARE(down.data(Qt::ForegroundRole).value<QBrush>().color(), Colours::Error);
    QCoreApplication::removeTranslator(&translator);
}

QTEST_MAIN(tst_UpstreamStatsModel)
#include "tst_upstreamstatsmodel.moc"
