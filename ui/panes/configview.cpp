#include "configview.h"

#include "colours.h"
#include "diagnosticsmodel.h"
#include "itemviews.h"
#include "nginxhighlighter.h"
#include "remote/inspectorsource.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextBlock>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

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
    m_diagnosticsModel = new DiagnosticsModel(this);
    m_diagnostics = makeTreeView(m_diagnosticsModel, QStringLiteral("configDiagnostics"), this);
    m_diagnostics->setRootIsDecorated(true);
    m_diagnostics->setColumnWidth(DiagnosticsModel::ColLine, 70);
    m_diagnostics->setColumnWidth(DiagnosticsModel::ColKind, 70);
    layout->addWidget(m_diagnostics, 1);

    m_checkTimer = new QTimer(this);
    m_checkTimer->setSingleShot(true);
    m_checkTimer->setInterval(400);
    connect(m_checkTimer, &QTimer::timeout, this, &ConfigView::runCheck);
    connect(m_editor, &QPlainTextEdit::textChanged, m_checkTimer, qOverload<>(&QTimer::start));
    connect(m_diagnostics, &QTreeView::activated, this, [this](const QModelIndex &index) {
        jumpToDiagnostic(index.data(DiagnosticsModel::LineRole).toInt(), index.data(DiagnosticsModel::ColumnRole).toInt());
    });
    // A click on a margin icon also selects the line's entry in the list.
    connect(m_editor, &ConfigEditor::markerActivated, this, &ConfigView::selectDiagnosticOnLine);

    connect(m_source, &InspectorSource::configChecked, this, [this](quint64 request, const ConfigCheckResult &result) {
        if (request == m_checkRequest)
            showDiagnostics(result);
    });
    connect(m_source, &InspectorSource::configApplied, this, &ConfigView::handleApplied);
    connect(m_source, &InspectorSource::configChanged, this, &ConfigView::handleSourceText);
    connect(m_source, &InspectorSource::linkChanged, this, &ConfigView::refreshApplyButton);

    m_shownSourceText = m_source->configText();
    m_editor->setPlainText(m_shownSourceText);
    refreshApplyButton();
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
    m_apply = apply;
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
    connect(revert, &QPushButton::clicked, this, [this] {
        m_shownSourceText = m_source->configText();
        m_editor->setPlainText(m_shownSourceText);
    });
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
    for (int row = 0; row < m_diagnosticsModel->rowCount(); ++row) {
        const QModelIndex index = m_diagnosticsModel->index(row, 0);
        if (index.data(DiagnosticsModel::LineRole).toInt() == line) {
            m_diagnostics->setCurrentIndex(index);
            m_diagnostics->scrollTo(index);
            break;
        }
    }
}

void ConfigView::runCheck()
{
    // Only the answer to the latest check is shown; older ones are stale.
    m_checkRequest = m_source->checkConfig(m_editor->toPlainText());
}

// The source's text changed (a remote instance's arrived, a reload): the
// editor follows unless the user has edited what it showed.
void ConfigView::handleSourceText()
{
    const QString text = m_source->configText();
    if (text == m_shownSourceText)
        return;
    if (m_editor->toPlainText() == m_shownSourceText)
        m_editor->setPlainText(text);
    m_shownSourceText = text;
}

void ConfigView::refreshApplyButton()
{
    const bool allowed = m_source->canApply();
    m_apply->setEnabled(allowed && m_applyRequest == 0);
    m_apply->setToolTip(allowed ? tr("Check the configuration and reload the proxy with it; on any error the running one stays")
                                : tr("This inspection channel is read-only (--inspect-readonly): it refuses reloads"));
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

void ConfigView::markDiagnostic(const ConfDiagnostic &d, Marks *marks) const
{
    QColor colour;
    ConfigEditor::Severity severity = ConfigEditor::Severity::Note;
    switch (d.severity) {
    case ConfDiagnostic::Severity::Error:
        colour = Colours::Removed;
        severity = ConfigEditor::Severity::Error;
        ++marks->errors;
        break;
    case ConfDiagnostic::Severity::Warning:
        colour = Colours::Changed;
        severity = ConfigEditor::Severity::Warning;
        ++marks->warnings;
        break;
    case ConfDiagnostic::Severity::Note:
        break;
    }
    const int line = lineInEditor(d.location, d.includedFrom);
    if (line > 0)
        marks->markers << ConfigEditor::Marker{line, line == d.location.line ? d.location.column : 0, severity, d.message};
    if (colour.isValid())
        markLine(marks, line, colour, d.message);
}

void ConfigView::markFinding(const DoctorFinding &f, Marks *marks) const
{
    const int line = lineInEditor(f.location, {});
    if (line > 0)
        marks->markers << ConfigEditor::Marker{line, f.location.column, ConfigEditor::Severity::Doctor,
                                               QStringLiteral("%1 [%2]\n%3").arg(f.message, f.rule, tr("fix: %1").arg(f.fix))};
    markLine(marks, line, Colours::DoctorMark, f.message + QLatin1Char('\n') + f.fix);
    ++marks->warnings;
}

void ConfigView::showDiagnostics(const ConfigCheckResult &result)
{
    m_diagnosticsModel->setResult(result);
    m_diagnostics->expandAll(); // the doctor's fixes
    Marks marks;
    for (const ConfDiagnostic &d : result.diagnostics)
        markDiagnostic(d, &marks);
    for (const DoctorFinding &f : result.findings)
        markFinding(f, &marks);
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
    if (!m_source->canApply() || m_applyRequest != 0)
        return;
    m_applyRequest = m_source->applyConfig(m_editor->toPlainText());
    m_status->setText(tr("Applying…"));
    refreshApplyButton();
}

void ConfigView::handleApplied(quint64 request, const ConfigCheckResult &result)
{
    if (request != m_applyRequest)
        return;
    m_applyRequest = 0;
    refreshApplyButton();
    showDiagnostics(result);
    if (result.ok) {
        m_shownSourceText = m_editor->toPlainText();
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
