#pragma once

#include "remote/inspectorsource.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QSet>

class ConfigView;
class ConnectionsModel;
class ConnectionsView;
class FramesFilterModel;
class FramesModel;
class FramesView;
class HandshakeView;
class LinkBanner;
class QAction;
class LogView;
class PingView;
class QLabel;
class QSplitter;
class QTabWidget;
class QTimer;
class UpstreamsView;
struct AttachTarget;
struct ConnectionRecord;

// The inspector: the composition of its panes. The connections list
// (ConnectionsView) on top and the selected connection's views below (HandshakeView, FramesView with
// its SendPanel, PingView), the docks on the right (UpstreamsView,
// ConfigView, LogView), menus and the status bar. It owns the models, feeds
// the panes from them, and only knows the InspectorSource interface, never
// the proxy itself.
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
    // An attached window: pause or resume the instances' own recording
    // (nothing is kept or sent by them; every attached client sees it).
    void setInstanceRecordingPaused(bool paused);
    // Opens the history limits dialog (View menu).
    void editHistoryLimits();
    // Attaches to a daemon's inspection channel: another instance of this
    // window when it is attached already, else a new window (returned).
    MainWindow *attachTo(const AttachTarget &target);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createDocks();
    void createStatusBar();
    void createActions();
    void createInstanceMenu();
    void refreshRecordingAction();
    void addInstanceViews(InspectorSource *instance, int number);
    void handleMembersChanged();
    void refreshInstanceNames();
    void restoreSettings();
    void saveSettings();

    void handleEvents(const QList<InspectEvent> &batch);
    void handleFlushed(const QSet<quint64> &changed);
    void handleCurrentConnectionChanged(quint64 id);
    void handleClear();
    void handleQuickStart();
    void handleAttach();
    void handleSaveHar(bool selectedOnly);
    void showConnection(const ConnectionRecord *r);
    void refreshStatus();
    void refreshRate();
    void refreshUpstreams();
    void refreshCapLabels();
    void refreshCaptureStatus();

    InspectorSource *m_source;
    ConnectionsModel *m_connections;
    FramesModel *m_frames;
    FramesFilterModel *m_framesFilter;
    const bool m_attached; // to remote instances (the source is not a local proxy)

    QSplitter *m_mainSplitter = nullptr;
    QTabWidget *m_connectionTabs = nullptr;
    ConnectionsView *m_connectionsView = nullptr;
    HandshakeView *m_handshake = nullptr;
    FramesView *m_framesView = nullptr;
    PingView *m_ping = nullptr;
    // One per instance (one for a local proxy); as tabs in an attached window.
    QList<UpstreamsView *> m_upstreamViews;
    QList<ConfigView *> m_configViews;
    QTabWidget *m_upstreamTabs = nullptr;
    QTabWidget *m_configTabs = nullptr;
    LinkBanner *m_banner = nullptr;
    QAction *m_pauseRecording = nullptr; // attached windows only
    LogView *m_log = nullptr;

    QLabel *m_statusListeners = nullptr;
    QLabel *m_statusConnections = nullptr;
    QLabel *m_statusRate = nullptr;
    QLabel *m_statusDropped = nullptr;
    QLabel *m_statusCapture = nullptr;

    QTimer *m_refreshTimer = nullptr;
    QElapsedTimer m_rateClock;
    qint64 m_rateMessages = 0;
    double m_messagesPerSecond = 0;
    quint64 m_selectedId = 0;
};
