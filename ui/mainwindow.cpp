#include "mainwindow.h"

#include "attachdialog.h"
#include "colours.h"
#include "connectionsmodel.h"
#include "framesmodel.h"
#include "historylimitsdialog.h"
#include "inspect/harexport.h"
#include "panes/configview.h"
#include "panes/connectionsview.h"
#include "panes/framesview.h"
#include "panes/handshakeview.h"
#include "panes/linkbanner.h"
#include "panes/logview.h"
#include "panes/pingview.h"
#include "panes/sendpanel.h"
#include "panes/upstreamsview.h"
#include "quickstartdialog.h"
#include "remote/mergedinspectorsource.h"
#include "remote/remoteinspectorsource.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace {

// The connection tabs, in the order showView() and the tour know them.
enum ConnectionTab { HandshakeTab, FramesTab, PingTab };

} // namespace

MainWindow::MainWindow(InspectorSource *source, QWidget *parent)
    : QMainWindow(parent)
    , m_source(source)
    , m_connections(new ConnectionsModel(this))
    , m_frames(new FramesModel(m_connections, this))
    , m_framesFilter(new FramesFilterModel(this))
    , m_attached(source->link() != InspectorSource::Link::Local)
{
    setWindowTitle(tr("wsscope inspector"));
    setObjectName(QStringLiteral("mainWindow"));
    setDockNestingEnabled(true);
    m_framesFilter->setSourceModel(m_frames);

    // Centre: connections on top, the selected connection's views below.
    m_mainSplitter = new QSplitter(Qt::Vertical, this);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_connectionsView = new ConnectionsView(m_connections, m_mainSplitter);
    m_mainSplitter->addWidget(m_connectionsView);
    m_connectionTabs = new QTabWidget(m_mainSplitter);
    m_connectionTabs->setObjectName(QStringLiteral("connectionTabs"));
    m_handshake = new HandshakeView(m_connections, m_connectionTabs);
    m_framesView = new FramesView(m_source, m_connections, m_frames, m_framesFilter, m_connectionTabs);
    m_ping = new PingView(m_connectionTabs);
    m_connectionTabs->insertTab(HandshakeTab, m_handshake, tr("Handshake"));
    m_connectionTabs->insertTab(FramesTab, m_framesView, tr("Frames"));
    m_connectionTabs->insertTab(PingTab, m_ping, tr("Ping timing"));
    m_mainSplitter->addWidget(m_connectionTabs);
    m_mainSplitter->setStretchFactor(0, 2);
    m_mainSplitter->setStretchFactor(1, 3);
    // An attached window says above everything what it is attached to.
    auto *centre = new QWidget(this);
    auto *centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->setSpacing(0);
    m_banner = new LinkBanner(m_source, centre);
    centreLayout->addWidget(m_banner);
    centreLayout->addWidget(m_mainSplitter, 1);
    setCentralWidget(centre);
    m_log = new LogView(this);
    m_log->setConnections(m_connections);
    createDocks();
    createStatusBar();
    createActions();

    connect(m_source, &InspectorSource::eventsReceived, this, &MainWindow::handleEvents);
    connect(m_source, &InspectorSource::configChanged, this, [this] {
        refreshStatus();
        refreshUpstreams();
    });
    connect(m_source, &InspectorSource::upstreamsChanged, this, [this] {
        refreshStatus();
        refreshUpstreams();
    });
    connect(m_connections, &ConnectionsModel::flushed, this, &MainWindow::handleFlushed);
    connect(m_connectionsView, &ConnectionsView::currentConnectionChanged, this,
            &MainWindow::handleCurrentConnectionChanged);
    connect(m_connectionsView, &ConnectionsView::pauseToggled, this, &MainWindow::setCapturePaused);
    connect(m_connectionsView, &ConnectionsView::clearRequested, this, &MainWindow::handleClear);
    connect(m_framesView, &FramesView::frameCopied, this, [this] { statusBar()->showMessage(tr("Frame copied"), 2000); });
    connect(m_framesView->sendPanel(), &SendPanel::messageLogged, this, &MainWindow::appendLog);
    connect(m_banner, &LinkBanner::messageLogged, this, &MainWindow::appendLog);
    connect(m_source, &InspectorSource::membersChanged, this, &MainWindow::handleMembersChanged);

    // Once a second: the message rate, and fresh figures asked of the source
    // (they come back as upstreamsChanged).
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(1000);
    connect(m_refreshTimer, &QTimer::timeout, this, [this] {
        refreshRate();
        refreshCaptureStatus(); // connections from a pause keep being skipped after it
        m_source->refresh();
    });
    m_refreshTimer->start();
    m_rateClock.start();

    m_source->refresh();
    refreshRate();
    refreshStatus();
    refreshUpstreams();
    refreshCapLabels();
    resize(1360, 860);
    restoreSettings();
    appendLog(tr("Inspector started; listening on %1").arg(m_source->listeners().join(QStringLiteral(", "))));
}

MainWindow::~MainWindow() = default;

void MainWindow::createDocks()
{
    auto addDock = [this](const QString &title, const QString &name, QWidget *content) {
        auto *dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(content);
        addDockWidget(Qt::RightDockWidgetArea, dock);
        return dock;
    };
    QWidget *upstreamsContent = nullptr;
    QWidget *configContent = nullptr;
    if (m_attached) {
        // One upstreams and one configuration view per instance, as tabs.
        m_upstreamTabs = new QTabWidget(this);
        m_upstreamTabs->setObjectName(QStringLiteral("upstreamsTabs"));
        m_configTabs = new QTabWidget(this);
        m_configTabs->setObjectName(QStringLiteral("configTabs"));
        upstreamsContent = m_upstreamTabs;
        configContent = m_configTabs;
        handleMembersChanged();
    } else {
        addInstanceViews(m_source, 0);
        upstreamsContent = m_upstreamViews.constFirst();
        configContent = m_configViews.constFirst();
    }
    QDockWidget *upstreams = addDock(tr("Upstreams"), QStringLiteral("upstreamsDock"), upstreamsContent);
    QDockWidget *config = addDock(tr("Configuration"), QStringLiteral("configDock"), configContent);
    QDockWidget *log = addDock(tr("Log"), QStringLiteral("logDock"), m_log);
    tabifyDockWidget(upstreams, config);
    tabifyDockWidget(config, log);
    upstreams->raise();
    resizeDocks({upstreams}, {470}, Qt::Horizontal);
}

// Listeners, connections, message rate, dropped events, and what a pause skipped.
// The upstreams and configuration views of one instance (0: the window's
// only source).
void MainWindow::addInstanceViews(InspectorSource *instance, int number)
{
    auto *upstreams = new UpstreamsView(instance, m_connections, number, this);
    auto *config = new ConfigView(instance, this);
    m_upstreamViews << upstreams;
    m_configViews << config;
    connect(config, &ConfigView::messageLogged, this, [this, instance](const QString &line) {
        appendLog(m_attached ? instance->instanceName() + QStringLiteral(": ") + line : line);
    });
    connect(config, &ConfigView::quickStartRequested, this, &MainWindow::handleQuickStart);
    connect(config, &ConfigView::applied, instance, &InspectorSource::refresh);
    if (!m_upstreamTabs)
        return;
    m_upstreamTabs->addTab(upstreams, QString());
    m_configTabs->addTab(config, QString());
    connect(instance, &InspectorSource::linkChanged, this, &MainWindow::refreshInstanceNames);
    refreshInstanceNames();
}

void MainWindow::handleMembersChanged()
{
    const QList<InspectorSource *> members = m_source->members();
    for (qsizetype i = m_upstreamViews.size(); i < members.size(); ++i)
        addInstanceViews(members.at(i), int(i) + 1);
}

// Tab titles and the connections' Instance column follow the names the
// instances give in their hello.
void MainWindow::refreshInstanceNames()
{
    QStringList names;
    const QList<InspectorSource *> members = m_source->members();
    for (qsizetype i = 0; i < members.size(); ++i) {
        const InspectorSource *m = members.at(i);
        const QString name = m->instanceName().isEmpty() ? m->address() : m->instanceName();
        names << name;
        if (i < m_upstreamTabs->count()) {
            m_upstreamTabs->setTabText(int(i), name);
            m_configTabs->setTabText(int(i), name);
        }
    }
    m_connections->setInstanceNames(names);
}

void MainWindow::createStatusBar()
{
    auto label = [this](const QString &name) {
        auto *l = new QLabel(this);
        l->setObjectName(name);
        return l;
    };
    m_statusListeners = label(QStringLiteral("statusListeners"));
    m_statusConnections = label(QStringLiteral("statusConnections"));
    m_statusRate = label(QStringLiteral("statusRate"));
    m_statusDropped = label(QStringLiteral("statusDropped"));
    m_statusCapture = label(QStringLiteral("statusCapture"));
    m_statusCapture->hide();
    statusBar()->addWidget(m_statusListeners, 1);
    statusBar()->addPermanentWidget(m_statusCapture);
    statusBar()->addPermanentWidget(m_statusConnections);
    statusBar()->addPermanentWidget(m_statusRate);
    statusBar()->addPermanentWidget(m_statusDropped);
}

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *saveSelected = file->addAction(tr("Save &selected connections as HAR…"));
    saveSelected->setObjectName(QStringLiteral("actionSaveSelectedHar"));
    connect(saveSelected, &QAction::triggered, this, [this] { handleSaveHar(true); });
    QAction *saveAll = file->addAction(tr("Save &all connections as HAR…"));
    saveAll->setObjectName(QStringLiteral("actionSaveAllHar"));
    connect(saveAll, &QAction::triggered, this, [this] { handleSaveHar(false); });
    file->addSeparator();
    QAction *attach = file->addAction(tr("A&ttach to server…"));
    attach->setObjectName(QStringLiteral("actionAttach"));
    attach->setToolTip(tr("Watch a headless wsscope's inspection channel (--inspect-listen); several at once in one attached window"));
    connect(attach, &QAction::triggered, this, &MainWindow::handleAttach);
    file->addSeparator();
    QAction *quick = file->addAction(tr("&Quick start…"));
    connect(quick, &QAction::triggered, this, &MainWindow::handleQuickStart);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    QAction *limits = view->addAction(tr("&History limits…"));
    limits->setObjectName(QStringLiteral("actionHistoryLimits"));
    connect(limits, &QAction::triggered, this, &MainWindow::editHistoryLimits);

    if (m_attached)
        createInstanceMenu();

    QMenu *frame = menuBar()->addMenu(tr("F&rame"));
    QAction *copyText = frame->addAction(tr("Copy as &text"));
    copyText->setShortcut(QKeySequence::Copy);
    connect(copyText, &QAction::triggered, this, [this] { copyFrame(QStringLiteral("text")); });
    QAction *copyJson = frame->addAction(tr("Copy as &JSON"));
    connect(copyJson, &QAction::triggered, this, [this] { copyFrame(QStringLiteral("json")); });
    QAction *copyHex = frame->addAction(tr("Copy as &hex"));
    connect(copyHex, &QAction::triggered, this, [this] { copyFrame(QStringLiteral("hex")); });
}

// The instances' recording switch, beside the window's own Pause (which
// only stops this window's list): the action shows the switch as the
// instances last told, whoever flipped it.
void MainWindow::createInstanceMenu()
{
    QMenu *instance = menuBar()->addMenu(tr("&Instance"));
    m_pauseRecording = instance->addAction(tr("&Pause recording on the instance"));
    m_pauseRecording->setObjectName(QStringLiteral("actionPauseRecording"));
    m_pauseRecording->setCheckable(true);
    connect(m_pauseRecording, &QAction::triggered, this, &MainWindow::setInstanceRecordingPaused);
    connect(m_source, &InspectorSource::recordingChanged, this, &MainWindow::refreshRecordingAction);
    connect(m_source, &InspectorSource::linkChanged, this, &MainWindow::refreshRecordingAction);
    connect(m_source, &InspectorSource::recordingRefused, this, [this](const QString &reason) {
        appendLog(tr("Pausing or resuming the recording was refused: %1").arg(reason));
        statusBar()->showMessage(tr("Refused: %1").arg(reason), 5000);
        refreshRecordingAction();
    });
    refreshRecordingAction();
}

void MainWindow::setInstanceRecordingPaused(bool paused)
{
    if (!m_pauseRecording)
        return;
    m_source->setRecordingPaused(paused);
    // Checked once the instance says it switched (recordingChanged).
    refreshRecordingAction();
}

void MainWindow::refreshRecordingAction()
{
    m_pauseRecording->setChecked(m_source->recording().paused);
    m_pauseRecording->setEnabled(m_source->canPauseRecording());
    m_pauseRecording->setToolTip(m_source->canPauseRecording()
                                     ? tr("The instance keeps and sends nothing while paused; proxying goes on")
                                     : tr("Not connected, or the channel is read-only"));
}

void MainWindow::handleAttach()
{
    QSettings settings;
    AttachDialog dialog(AttachDialog::load(settings), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    AttachDialog::remember(dialog.target(), &settings);
    attachTo(dialog.target());
}

MainWindow *MainWindow::attachTo(const AttachTarget &target)
{
    // An attached window takes one more instance; a local proxy's window
    // stays as it is and a new window shows the server.
    if (auto *merged = qobject_cast<MergedInspectorSource *>(m_source); merged && m_attached) {
        merged->addMember(new RemoteInspectorSource(target));
        appendLog(tr("Attaching to %1").arg(target.url.toString()));
        return this;
    }
    auto *source = new MergedInspectorSource;
    source->addMember(new RemoteInspectorSource(target));
    auto *window = new MainWindow(source);
    source->setParent(window);
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->appendLog(tr("Attaching to %1").arg(target.url.toString()));
    window->show();
    return window;
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_connectionsView->restoreSettings(settings);
    m_connectionsView->setInstanceColumnVisible(m_attached);
    m_framesView->restoreSettings(settings);
    HistoryLimitsDialog::apply(HistoryLimitsDialog::load(settings), m_connections);
    refreshCapLabels();
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/mainSplitter"), m_mainSplitter->saveState());
    m_connectionsView->saveSettings(&settings);
    m_framesView->saveSettings(&settings);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::editHistoryLimits()
{
    HistoryLimitsDialog dialog(HistoryLimitsDialog::current(m_connections), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const HistoryLimitsDialog::Limits limits = dialog.limits();
    HistoryLimitsDialog::apply(limits, m_connections);
    QSettings settings;
    HistoryLimitsDialog::save(limits, &settings);
    refreshCapLabels();
}

void MainWindow::setCapturePaused(bool paused)
{
    m_connectionsView->showPaused(paused);
    m_connections->setPaused(paused);
    appendLog(paused ? tr("Capture paused: new connections and frames are not recorded")
                     : tr("Capture resumed"));
    refreshCaptureStatus();
}

void MainWindow::refreshCaptureStatus()
{
    const qint64 connections = m_connections->skippedConnections();
    const qint64 frames = m_connections->skippedFrames();
    QString text;
    if (m_connections->isPaused()) {
        text = tr("Paused: %1 new connections and %2 frames not captured")
                   .arg(QLocale().toString(connections), QLocale().toString(frames));
        m_statusCapture->setStyleSheet(QStringLiteral("color: %1; font-weight: bold").arg(Colours::css(Colours::Warning)));
    } else if (connections > 0 || frames > 0) {
        text = tr("Not captured during the pause: %1 connections, %2 frames")
                   .arg(QLocale().toString(connections), QLocale().toString(frames));
        m_statusCapture->setStyleSheet(QString());
    }
    m_statusCapture->setText(text);
    m_statusCapture->setVisible(!text.isEmpty());
}

void MainWindow::handleEvents(const QList<InspectEvent> &batch)
{
    m_log->addEvents(batch);
    m_connections->addEvents(batch);
}

void MainWindow::handleFlushed(const QSet<quint64> &changed)
{
    m_log->flush();
    if (m_selectedId && changed.contains(m_selectedId))
        showConnection(m_connections->record(m_selectedId));
    refreshCapLabels();
    if (m_connections->isPaused())
        refreshCaptureStatus();
}

void MainWindow::appendLog(const QString &line)
{
    m_log->appendLine(line);
}

bool MainWindow::selectConnection(quint64 id)
{
    return m_connectionsView->selectConnection(id);
}

void MainWindow::handleCurrentConnectionChanged(quint64 id)
{
    if (id == m_selectedId)
        return;
    m_selectedId = id;
    m_frames->setConnection(id);
    m_ping->reset();
    showConnection(m_connections->record(id));
    refreshCapLabels();
    m_framesView->setConnection(id);
}

void MainWindow::showConnection(const ConnectionRecord *r)
{
    m_handshake->showConnection(r);
    m_ping->showConnection(r);
}

void MainWindow::handleClear()
{
    m_connections->clear();
    m_selectedId = 0;
    m_framesView->sendPanel()->setConnection(0);
    showConnection(nullptr);
    refreshCapLabels();
    refreshCaptureStatus();
}

void MainWindow::refreshCapLabels()
{
    m_connectionsView->refreshCap();
    m_framesView->refreshCaps();
}

void MainWindow::copyFrame(const QString &format)
{
    m_framesView->copyFrame(format);
}

void MainWindow::refreshUpstreams()
{
    for (UpstreamsView *view : std::as_const(m_upstreamViews))
        view->refresh();
}

void MainWindow::refreshRate()
{
    const double seconds = double(m_rateClock.restart()) / 1000.0;
    const qint64 messages = m_connections->messagesSeen();
    if (seconds > 0)
        m_messagesPerSecond = double(messages - m_rateMessages) / seconds;
    m_rateMessages = messages;
    m_statusRate->setText(tr("%1 msg/s").arg(QLocale().toString(m_messagesPerSecond, 'f', 0)));
}

void MainWindow::refreshStatus()
{
    m_statusListeners->setText(tr("Listening on %1").arg(m_source->listeners().join(QStringLiteral(", "))));
    m_statusConnections->setText(tr("Connections: %1 live, %2 total")
                                     .arg(QLocale().toString(m_connections->liveConnections()),
                                          QLocale().toString(m_connections->totalConnections())));
    // Dropped by the source (its budget for us was full) or by the model
    // (too far behind to catch up).
    const quint64 dropped = m_source->droppedEvents() + quint64(m_connections->eventsDropped());
    m_statusDropped->setText(tr("Dropped events: %1").arg(QLocale().toString(dropped)));
    m_statusDropped->setStyleSheet(dropped ? QStringLiteral("color: ") + Colours::css(Colours::Error) : QString());
}

void MainWindow::handleQuickStart()
{
    QuickStartDialog dialog(this);
    const QStringList listeners = m_source->listeners();
    if (!listeners.isEmpty())
        dialog.setListen(listeners.constFirst());
    QStringList urls;
    for (const UpstreamTarget &t : m_source->upstreamTargets())
        urls << QStringLiteral("ws://") + t.server;
    if (!urls.isEmpty())
        dialog.setUpstreams(urls);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString text = dialog.generatedConfig();
    if (text.isEmpty())
        return;
    if (const auto &files = dialog.tlsFiles())
        appendLog(tr("Quick start: certificate for %1 written to %2").arg(files->hosts.join(QStringLiteral(", ")), files->certificate));
    ConfigView *config = m_configViews.constFirst();
    if (m_configTabs)
        m_configTabs->setCurrentWidget(config);
    config->setText(text);
    showView(QStringLiteral("config"));
    config->apply();
}

bool MainWindow::saveHar(const QString &path, const QList<quint64> &ids, QString *error)
{
    return HarExport::write(path, m_connections->harDocument(ids), error);
}

void MainWindow::handleSaveHar(bool selectedOnly)
{
    const QList<quint64> ids = selectedOnly ? m_connectionsView->selectedConnectionIds() : QList<quint64>();
    if (selectedOnly && ids.isEmpty()) {
        QMessageBox::information(this, tr("Save as HAR"), tr("Select one or more connections first."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Save as HAR"), QStringLiteral("wsscope.har"),
                                                      tr("HTTP Archive (*.har)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!saveHar(path, ids, &error)) {
        QMessageBox::warning(this, tr("Save as HAR"), tr("Could not write %1: %2").arg(path, error));
        return;
    }
    appendLog(tr("Saved %1").arg(path));
    statusBar()->showMessage(tr("Saved %1").arg(path), 4000);
}

void MainWindow::showView(const QString &view)
{
    auto raiseDock = [this](const QString &name) {
        if (auto *dock = findChild<QDockWidget *>(name)) {
            dock->show();
            dock->raise();
        }
    };
    if (view == QLatin1String("handshake"))
        m_connectionTabs->setCurrentIndex(HandshakeTab);
    else if (view == QLatin1String("frames"))
        m_connectionTabs->setCurrentIndex(FramesTab);
    else if (view == QLatin1String("ping"))
        m_connectionTabs->setCurrentIndex(PingTab);
    else if (view == QLatin1String("upstreams"))
        raiseDock(QStringLiteral("upstreamsDock"));
    else if (view == QLatin1String("config"))
        raiseDock(QStringLiteral("configDock"));
    else if (view == QLatin1String("log"))
        raiseDock(QStringLiteral("logDock"));
}
