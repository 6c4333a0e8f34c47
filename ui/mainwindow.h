#pragma once

#include "inspectorsource.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QSet>
#include <QStringList>

class ConfigEditor;
class ConnectionsModel;
class FramesFilterModel;
class FramesModel;
class PingChart;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTableView;
class QTimer;
class QToolButton;
class QTreeWidget;
struct ConnectionRecord;
struct FrameRecord;

// The inspector: connections, handshake diff, frames with detail and send
// panel, ping timing, upstreams, configuration editor, log. It only knows
// the InspectorSource interface, never the proxy itself.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(InspectorSource *source, QWidget *parent = nullptr);
    ~MainWindow() override;

    ConnectionsModel *connectionsModel() const { return m_connections; }
    FramesModel *framesModel() const { return m_frames; }
    FramesFilterModel *framesFilter() const { return m_framesFilter; }
    quint64 selectedConnection() const { return m_selectedId; }
    // Selects the connection's row (the filter permitting); false if it is not shown.
    bool selectConnection(quint64 id);
    // Shows one of the main views: "connections", "handshake", "frames",
    // "ping", "upstreams", "config", "log".
    void showView(const QString &view);
    // Writes the events of the given connections (all when empty) as HAR.
    bool saveHar(const QString &path, const QList<quint64> &ids, QString *error);
    // Copies the current frame to the clipboard: "text", "json" or "hex".
    void copyFrame(const QString &format);
    void appendLog(const QString &line);
    // Pause = stop capturing (the Pause button does the same).
    void setCapturePaused(bool paused);
    // Opens the history limits dialog (View menu).
    void editHistoryLimits();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QWidget *createConnectionsPanel();
    QWidget *createHandshakePane();
    QWidget *createFramesPane();
    QWidget *createSendPanel();
    QWidget *createPingPane();
    QWidget *createUpstreamsPane();
    QWidget *createConfigPane();
    void createActions();
    void restoreSettings();
    void saveSettings();

    void handleEvents(const QList<InspectEvent> &batch);
    void handleFlushed(const QSet<quint64> &changed);
    void handleCurrentConnectionChanged();
    void handleCurrentFrameChanged();
    void handleFrameSearchChanged();
    void handleSend();
    void handleSendTypeChanged();
    void handleConfigEdited();
    void handleApplyConfig();
    void handleQuickStart();
    void handleSaveHar(bool selectedOnly);
    void handleConfigChanged();
    void refreshHandshake(const ConnectionRecord *r);
    void refreshPing(const ConnectionRecord *r);
    void refreshUpstreams();
    void refreshStatus();
    void refreshCapLabels();
    void refreshCaptureStatus();
    void autoScroll();
    void runConfigCheck();
    void showDiagnostics(const ConfigCheckResult &result);
    QList<quint64> selectedConnectionIds() const;
    const FrameRecord *currentFrame() const;

    InspectorSource *m_source;
    ConnectionsModel *m_connections;
    FramesModel *m_frames;
    FramesFilterModel *m_framesFilter;
    QSortFilterProxyModel *m_connectionsFilter;

    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_framesSplitter = nullptr;
    QTabWidget *m_connectionTabs = nullptr;
    QTableView *m_connectionsView = nullptr;
    QLineEdit *m_connectionFilterEdit = nullptr;
    QToolButton *m_pauseButton = nullptr;
    QLabel *m_connectionsCap = nullptr;

    QLabel *m_handshakeSummary = nullptr;
    QTreeWidget *m_requestDiff = nullptr;
    QTreeWidget *m_responseHeaders = nullptr;
    QTreeWidget *m_findings = nullptr;
    QLabel *m_wechat = nullptr;
    QString m_handshakeSignature;

    QTableView *m_framesView = nullptr;
    QLineEdit *m_frameSearch = nullptr;
    QCheckBox *m_frameRegex = nullptr;
    QCheckBox *m_showControl = nullptr;
    QCheckBox *m_autoScroll = nullptr;
    QLabel *m_framesCap = nullptr;
    QLabel *m_framesDropped = nullptr;
    QLabel *m_frameInfo = nullptr;
    QTabWidget *m_frameDetail = nullptr;
    QPlainTextEdit *m_frameText = nullptr;
    QTreeWidget *m_frameJson = nullptr;
    QPlainTextEdit *m_frameHex = nullptr;

    QComboBox *m_sendType = nullptr;
    QComboBox *m_sendDirection = nullptr;
    QPlainTextEdit *m_sendPayload = nullptr;
    QSpinBox *m_sendCloseCode = nullptr;
    QPushButton *m_sendButton = nullptr;
    QLabel *m_sendStatus = nullptr;

    PingChart *m_pingChart = nullptr;
    qsizetype m_pingCount = -1;

    QTreeWidget *m_upstreams = nullptr;
    QTreeWidget *m_decisions = nullptr;

    ConfigEditor *m_configEditor = nullptr;
    QTreeWidget *m_configDiagnostics = nullptr;
    QLabel *m_configStatus = nullptr;
    QTimer *m_configCheckTimer = nullptr;

    QPlainTextEdit *m_log = nullptr;
    QStringList m_pendingLog;

    QLabel *m_statusListeners = nullptr;
    QLabel *m_statusConnections = nullptr;
    QLabel *m_statusRate = nullptr;
    QLabel *m_statusDropped = nullptr;
    QLabel *m_statusCapture = nullptr;

    QTimer *m_autoScrollTimer = nullptr;
    QTimer *m_refreshTimer = nullptr;
    QElapsedTimer m_rateClock;
    qint64 m_rateMessages = 0;
    double m_messagesPerSecond = 0;
    quint64 m_selectedId = 0;
};
