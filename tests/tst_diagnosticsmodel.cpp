// DiagnosticsModel: the configuration dock's list of compiler diagnostics and
// doctor findings (each finding with its fix as a child row), under
// QAbstractItemModelTester.

#include "colours.h"
#include "diagnosticsmodel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QTest>

namespace {

ConfLocation at(int line, int column)
{
    ConfLocation l;
    l.file = QStringLiteral("wsscope.conf");
    l.line = line;
    l.column = column;
    return l;
}

ConfigCheckResult result()
{
    ConfigCheckResult r;
    ConfDiagnostic error;
    error.severity = ConfDiagnostic::Severity::Error;
    error.location = at(3, 5);
    error.message = QStringLiteral("unknown directive \"lisen\"");
    ConfDiagnostic note;
    note.severity = ConfDiagnostic::Severity::Note;
    note.message = QStringLiteral("no location");
    r.diagnostics << error << note;
    DoctorFinding finding;
    finding.rule = QStringLiteral("ws-read-timeout");
    finding.location = at(7, 9);
    finding.message = QStringLiteral("proxy_read_timeout is 60 s");
    finding.fix = QStringLiteral("set \"proxy_read_timeout 3600s;\"");
    r.findings << finding;
    return r;
}

} // namespace

class tst_DiagnosticsModel : public QObject
{
    Q_OBJECT

private slots:
    void diagnosticsThenFindingsWithTheirFix();
    void aNewCheckReplacesTheList();
};

void tst_DiagnosticsModel::diagnosticsThenFindingsWithTheirFix()
{
    DiagnosticsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setResult(result());
    QCOMPARE(model.rowCount(), 3);

    const QModelIndex error = model.index(0, DiagnosticsModel::ColKind);
    QCOMPARE(error.data().toString(), QStringLiteral("error"));
    QCOMPARE(model.index(0, DiagnosticsModel::ColLine).data().toString(), QStringLiteral("3:5"));
    QCOMPARE(model.index(0, DiagnosticsModel::ColLine).data(DiagnosticsModel::LineRole).toInt(), 3);
    QCOMPARE(model.index(0, DiagnosticsModel::ColLine).data(DiagnosticsModel::ColumnRole).toInt(), 5);
    QCOMPARE(error.data(Qt::ForegroundRole).value<QBrush>().color(), Colours::Removed.darker(250));
    QVERIFY(!error.data(Qt::DecorationRole).isNull());
    QVERIFY(model.index(0, DiagnosticsModel::ColMessage).data(Qt::ToolTipRole).toString().contains(QStringLiteral("lisen")));
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);

    QCOMPARE(model.index(1, DiagnosticsModel::ColKind).data().toString(), QStringLiteral("note"));
    QCOMPARE(model.index(1, DiagnosticsModel::ColLine).data().toString(), QString());
    QVERIFY(model.index(1, DiagnosticsModel::ColKind).data(Qt::ForegroundRole).isNull());

    const QModelIndex doctor = model.index(2, 0);
    QCOMPARE(doctor.siblingAtColumn(DiagnosticsModel::ColKind).data().toString(), QStringLiteral("doctor"));
    QCOMPARE(doctor.siblingAtColumn(DiagnosticsModel::ColMessage).data().toString(),
             QStringLiteral("proxy_read_timeout is 60 s [ws-read-timeout]"));
    QCOMPARE(doctor.siblingAtColumn(DiagnosticsModel::ColKind).data(Qt::ForegroundRole).value<QBrush>().color(),
             Colours::Doctor);
    QCOMPARE(model.rowCount(doctor), 1);
    const QModelIndex fix = model.index(0, DiagnosticsModel::ColMessage, doctor);
    QCOMPARE(fix.parent(), doctor);
    QCOMPARE(fix.data().toString(), QStringLiteral("fix: set \"proxy_read_timeout 3600s;\""));
    QCOMPARE(fix.siblingAtColumn(0).data(DiagnosticsModel::LineRole).toInt(), 0); // activating it goes nowhere
}

void tst_DiagnosticsModel::aNewCheckReplacesTheList()
{
    DiagnosticsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setResult(result());
    model.setResult({});
    QCOMPARE(model.rowCount(), 0);
    model.setResult(result());
    QCOMPARE(model.rowCount(), 3);
}

QTEST_MAIN(tst_DiagnosticsModel)
#include "tst_diagnosticsmodel.moc"
