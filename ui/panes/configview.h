#pragma once

#include "configeditor.h"

#include <QList>
#include <QTextEdit>
#include <QWidget>

class DiagnosticsModel;
class InspectorSource;
class QLabel;
class QPushButton;
class QTimer;
class QTreeView;
struct ConfDiagnostic;
struct ConfLocation;
struct ConfigCheckResult;
struct DoctorFinding;

// The configuration dock: the editor (ConfigEditor with nginx highlighting),
// Apply / Revert / Quick start, and the compiler's diagnostics and the
// doctor's findings, checked 400 ms after each edit and marked in the text
// and its margin (the list is a DiagnosticsModel). Apply is a validated
// reload through the source.
class ConfigView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigView)

public:
    explicit ConfigView(InspectorSource *source, QWidget *parent = nullptr);
    ~ConfigView() override;

    ConfigEditor *editor() const { return m_editor; }
    // Replaces the edited text (a quick start's configuration).
    void setText(const QString &text);
    // Checks the edited text and reloads the proxy with it when it compiles
    // (asynchronously: applied() or a "not applied" line follow).
    void apply();
    // An Apply is waiting for the source's answer.
    bool isApplying() const { return m_applyRequest != 0; }

signals:
    // The proxy runs the edited configuration now.
    void applied();
    void quickStartRequested();
    // A line for the window's log.
    void messageLogged(const QString &line);

private:
    // What one check puts into the editor, gathered while listing.
    struct Marks
    {
        QList<QTextEdit::ExtraSelection> selections;
        QList<ConfigEditor::Marker> markers;
        int errors = 0;
        int warnings = 0;
    };

    QWidget *createButtons();
    void runCheck();
    void handleApplied(quint64 request, const ConfigCheckResult &result);
    void handleSourceText();
    void refreshApplyButton();
    void showDiagnostics(const ConfigCheckResult &result);
    void markDiagnostic(const ConfDiagnostic &d, Marks *marks) const;
    void markFinding(const DoctorFinding &f, Marks *marks) const;
    int lineInEditor(const ConfLocation &location, const QList<ConfLocation> &includedFrom) const;
    void markLine(Marks *marks, int line, const QColor &colour, const QString &tip) const;
    void jumpToDiagnostic(int line, int column);
    void selectDiagnosticOnLine(int line);

    InspectorSource *m_source;
    ConfigEditor *m_editor = nullptr;
    DiagnosticsModel *m_diagnosticsModel = nullptr;
    QTreeView *m_diagnostics = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_apply = nullptr;
    QTimer *m_checkTimer = nullptr;
    QString m_shownSourceText; // the source's text as last put into the editor
    quint64 m_checkRequest = 0;
    quint64 m_applyRequest = 0; // an Apply waiting for its answer
};
