#include "configview.h"

#include "colours.h"
#include "inspectorsource.h"
#include "nginxhighlighter.h"
#include "itemviews.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextBlock>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {

constexpr int LineRole = Qt::UserRole;
constexpr int ColumnRole = Qt::UserRole + 1;

QTreeWidgetItem *addLocatedItem(QTreeWidget *tree, const ConfLocation &location)
{
    auto *item = new QTreeWidgetItem(tree);
    item->setText(0, location.isValid() ? QStringLiteral("%1:%2").arg(location.line).arg(location.column) : QString());
    item->setData(0, LineRole, location.line);
    item->setData(0, ColumnRole, location.column);
    return item;
}

} // namespace

ConfigView::ConfigView(InspectorSource *source, QWidget *parent)
    : QWidget(parent)
    , m_source(source)
{
    auto *layout = new QVBoxLayout(this);
    m_editor = new ConfigEditor(this);
    m_editor->setObjectName(QStringLiteral("configEditor"));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    new NginxHighlighter(m_editor->document());
    layout->addWidget(m_editor, 3);
    layout->addWidget(createButtons());
    m_diagnostics = makeTreeWidget({tr("Line"), tr("Kind"), tr("Message")}, QStringLiteral("configDiagnostics"), this);
    m_diagnostics->setRootIsDecorated(true);
    m_diagnostics->setColumnWidth(0, 70);
    m_diagnostics->setColumnWidth(1, 70);
    layout->addWidget(m_diagnostics, 1);

    m_checkTimer = new QTimer(this);
    m_checkTimer->setSingleShot(true);
    m_checkTimer->setInterval(400);
    connect(m_checkTimer, &QTimer::timeout, this, &ConfigView::runCheck);
    connect(m_editor, &QPlainTextEdit::textChanged, m_checkTimer, qOverload<>(&QTimer::start));
    connect(m_diagnostics, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        jumpToDiagnostic(item->data(0, LineRole).toInt(), item->data(0, ColumnRole).toInt());
    });
    // A click on a margin icon also selects the line's entry in the list.
    connect(m_editor, &ConfigEditor::markerActivated, this, &ConfigView::selectDiagnosticOnLine);

    m_editor->setPlainText(m_source->configText());
    runCheck();
}

ConfigView::~ConfigView() = default;

QWidget *ConfigView::createButtons()
{
    auto *bar = new QWidget(this);
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *apply = new QPushButton(tr("Apply"), bar);
    apply->setObjectName(QStringLiteral("applyConfig"));
    apply->setToolTip(tr("Check the configuration and reload the proxy with it; on any error the running one stays"));
    auto *revert = new QPushButton(tr("Revert"), bar);
    revert->setObjectName(QStringLiteral("revertConfig"));
    auto *quick = new QPushButton(tr("Quick start…"), bar);
    quick->setObjectName(QStringLiteral("quickStartButton"));
    m_status = new QLabel(bar);
    m_status->setObjectName(QStringLiteral("configStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(apply);
    layout->addWidget(revert);
    layout->addWidget(quick);
    layout->addWidget(m_status, 1);
    connect(apply, &QPushButton::clicked, this, &ConfigView::apply);
    connect(revert, &QPushButton::clicked, this, [this] { m_editor->setPlainText(m_source->configText()); });
    connect(quick, &QPushButton::clicked, this, &ConfigView::quickStartRequested);
    return bar;
}

void ConfigView::setText(const QString &text)
{
    m_editor->setPlainText(text);
}

void ConfigView::jumpToDiagnostic(int line, int column)
{
    if (line <= 0)
        return;
    QTextCursor cursor(m_editor->document()->findBlockByNumber(line - 1));
    cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, std::max(0, column - 1));
    m_editor->setTextCursor(cursor);
    m_editor->setFocus();
}

void ConfigView::selectDiagnosticOnLine(int line)
{
    for (int i = 0; i < m_diagnostics->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_diagnostics->topLevelItem(i);
        if (item->data(0, LineRole).toInt() == line) {
            m_diagnostics->setCurrentItem(item);
            m_diagnostics->scrollToItem(item);
            break;
        }
    }
}

void ConfigView::runCheck()
{
    showDiagnostics(m_source->checkConfig(m_editor->toPlainText()));
}

// Where a message belongs in the edited text: its own line, or for one in an
// included file the line of the outermost include.
int ConfigView::lineInEditor(const ConfLocation &location, const QList<ConfLocation> &includedFrom) const
{
    if (!location.isValid())
        return 0;
    if (location.file.isEmpty() || location.file == m_source->configName() || includedFrom.isEmpty())
        return location.line;
    return includedFrom.constLast().line;
}

void ConfigView::markLine(Marks *marks, int line, const QColor &colour, const QString &tip) const
{
    if (line <= 0)
        return;
    QTextEdit::ExtraSelection sel;
    sel.cursor = QTextCursor(m_editor->document()->findBlockByNumber(line - 1));
    sel.format.setBackground(colour);
    sel.format.setProperty(QTextFormat::FullWidthSelection, true);
    sel.format.setToolTip(tip);
    marks->selections << sel;
}

void ConfigView::addDiagnostic(const ConfDiagnostic &d, Marks *marks)
{
    QTreeWidgetItem *item = addLocatedItem(m_diagnostics, d.location);
    QString kind;
    QColor colour;
    ConfigEditor::Severity severity = ConfigEditor::Severity::Note;
    switch (d.severity) {
    case ConfDiagnostic::Severity::Error:
        kind = tr("error");
        colour = Colours::Removed;
        severity = ConfigEditor::Severity::Error;
        ++marks->errors;
        break;
    case ConfDiagnostic::Severity::Warning:
        kind = tr("warning");
        colour = Colours::Changed;
        severity = ConfigEditor::Severity::Warning;
        ++marks->warnings;
        break;
    case ConfDiagnostic::Severity::Note:
        kind = tr("note");
        break;
    }
    item->setText(1, kind);
    item->setText(2, d.message);
    item->setToolTip(2, d.toString());
    item->setIcon(1, ConfigEditor::severityIcon(severity));
    const int line = lineInEditor(d.location, d.includedFrom);
    if (line > 0)
        marks->markers << ConfigEditor::Marker{line, line == d.location.line ? d.location.column : 0, severity, d.message};
    if (colour.isValid()) {
        item->setForeground(1, colour.darker(250));
        markLine(marks, line, colour, d.message);
    }
}

void ConfigView::addFinding(const DoctorFinding &f, Marks *marks)
{
    QTreeWidgetItem *item = addLocatedItem(m_diagnostics, f.location);
    item->setText(1, tr("doctor"));
    item->setForeground(1, Colours::Doctor);
    item->setText(2, QStringLiteral("%1 [%2]").arg(f.message, f.rule));
    auto *fix = new QTreeWidgetItem(item);
    fix->setText(2, tr("fix: %1").arg(f.fix));
    item->setExpanded(true);
    item->setIcon(1, ConfigEditor::severityIcon(ConfigEditor::Severity::Doctor));
    const int line = lineInEditor(f.location, {});
    if (line > 0)
        marks->markers << ConfigEditor::Marker{line, f.location.column, ConfigEditor::Severity::Doctor,
                                               QStringLiteral("%1 [%2]\n%3").arg(f.message, f.rule, tr("fix: %1").arg(f.fix))};
    markLine(marks, line, Colours::DoctorMark, f.message + QLatin1Char('\n') + f.fix);
    ++marks->warnings;
}

void ConfigView::showDiagnostics(const ConfigCheckResult &result)
{
    m_diagnostics->clear();
    Marks marks;
    for (const ConfDiagnostic &d : result.diagnostics)
        addDiagnostic(d, &marks);
    for (const DoctorFinding &f : result.findings)
        addFinding(f, &marks);
    m_editor->setExtraSelections(marks.selections);
    m_editor->setMarkers(marks.markers);
    if (marks.errors)
        m_status->setText(tr("%n error(s): Apply will keep the running configuration.", nullptr, marks.errors));
    else if (marks.warnings)
        m_status->setText(tr("Valid, with %n warning(s) or doctor finding(s).", nullptr, marks.warnings));
    else
        m_status->setText(tr("Valid."));
}

void ConfigView::apply()
{
    const ConfigCheckResult result = m_source->applyConfig(m_editor->toPlainText());
    showDiagnostics(result);
    if (result.ok) {
        m_status->setText(tr("Applied: new connections use it; open tunnels keep their configuration."));
        emit messageLogged(tr("Configuration applied; listening on %1").arg(m_source->listeners().join(QStringLiteral(", "))));
        emit applied();
    } else if (!result.applyError.isEmpty()) {
        m_status->setText(tr("Not applied: %1").arg(result.applyError));
        emit messageLogged(tr("Configuration not applied: %1").arg(result.applyError));
    } else {
        m_status->setText(tr("Not applied: the configuration has errors; the running one stays."));
        emit messageLogged(tr("Configuration not applied: it has errors"));
    }
}
