#include "mainwindow.h"

#include "configeditor.h"
#include "connectionsmodel.h"
#include "framesmodel.h"
#include "headerdiff.h"
#include "historylimitsdialog.h"
#include "inspect/capturewriter.h"
#include "nginxhighlighter.h"
#include "pingchart.h"
#include "quickstartdialog.h"
#include "websocket/handshakecheck.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextBlock>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtEndian>

namespace {

const QColor AddedColor(0xd4, 0xf4, 0xd8);
const QColor RemovedColor(0xfa, 0xd4, 0xd4);
const QColor ChangedColor(0xfc, 0xef, 0xc0);

QTreeWidget *makeTree(const QStringList &headers, const QString &name, QWidget *parent)
{
    auto *tree = new QTreeWidget(parent);
    tree->setObjectName(name);
    tree->setHeaderLabels(headers);
    tree->setRootIsDecorated(false);
    tree->setUniformRowHeights(true);
    tree->setAlternatingRowColors(true);
    tree->header()->setSectionResizeMode(QHeaderView::Interactive);
    return tree;
}

void addJson(QTreeWidgetItem *parent, QTreeWidget *tree, const QString &key, const QJsonValue &value)
{
    auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree);
    item->setText(0, key);
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        item->setText(1, MainWindow::tr("{%n key(s)}", nullptr, int(o.size())));
        for (auto it = o.begin(); it != o.end(); ++it)
            addJson(item, tree, it.key(), it.value());
    } else if (value.isArray()) {
        const QJsonArray a = value.toArray();
        item->setText(1, MainWindow::tr("[%n item(s)]", nullptr, int(a.size())));
        for (qsizetype i = 0; i < a.size(); ++i)
            addJson(item, tree, QString::number(i), a.at(i));
    } else if (value.isString()) {
        item->setText(1, QLatin1Char('"') + value.toString() + QLatin1Char('"'));
    } else if (value.isBool()) {
        item->setText(1, value.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
    } else if (value.isDouble()) {
        item->setText(1, QString::number(value.toDouble(), 'g', 15));
    } else {
        item->setText(1, QStringLiteral("null"));
    }
}

QString requestLine(const HttpRequestHead &head)
{
    return QString::fromLatin1(head.method) + QLatin1Char(' ') + QString::fromUtf8(head.target)
        + QStringLiteral(" HTTP/1.%1").arg(head.versionMinor);
}

QString severityText(FindingEvent::Severity s)
{
    switch (s) {
    case FindingEvent::Severity::Info: return MainWindow::tr("info");
    case FindingEvent::Severity::Warning: return MainWindow::tr("warning");
    case FindingEvent::Severity::Error: return MainWindow::tr("error");
    }
    return {};
}

} // namespace

MainWindow::MainWindow(InspectorSource *source, QWidget *parent)
    : QMainWindow(parent)
    , m_source(source)
    , m_connections(new ConnectionsModel(this))
    , m_frames(new FramesModel(m_connections, this))
    , m_framesFilter(new FramesFilterModel(this))
    , m_connectionsFilter(new QSortFilterProxyModel(this))
{
    setWindowTitle(tr("wsscope inspector"));
    setObjectName(QStringLiteral("mainWindow"));
    setDockNestingEnabled(true);
    m_framesFilter->setSourceModel(m_frames);
    m_connectionsFilter->setSourceModel(m_connections);
    m_connectionsFilter->setFilterKeyColumn(-1);
    m_connectionsFilter->setFilterCaseSensitivity(Qt::CaseInsensitive);

    // Centre: connections on top, the selected connection's views below.
    m_mainSplitter = new QSplitter(Qt::Vertical, this);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(createConnectionsPanel());
    m_connectionTabs = new QTabWidget(m_mainSplitter);
    m_connectionTabs->setObjectName(QStringLiteral("connectionTabs"));
    m_connectionTabs->addTab(createHandshakePane(), tr("Handshake"));
    m_connectionTabs->addTab(createFramesPane(), tr("Frames"));
    m_connectionTabs->addTab(createPingPane(), tr("Ping timing"));
    m_mainSplitter->addWidget(m_connectionTabs);
    m_mainSplitter->setStretchFactor(0, 2);
    m_mainSplitter->setStretchFactor(1, 3);
    setCentralWidget(m_mainSplitter);

    auto addDock = [this](const QString &title, const QString &name, QWidget *content, Qt::DockWidgetArea area) {
        auto *dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(content);
        addDockWidget(area, dock);
        return dock;
    };
    QDockWidget *upstreams = addDock(tr("Upstreams"), QStringLiteral("upstreamsDock"), createUpstreamsPane(), Qt::RightDockWidgetArea);
    QDockWidget *config = addDock(tr("Configuration"), QStringLiteral("configDock"), createConfigPane(), Qt::RightDockWidgetArea);
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("logView"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    QDockWidget *log = addDock(tr("Log"), QStringLiteral("logDock"), m_log, Qt::RightDockWidgetArea);
    tabifyDockWidget(upstreams, config);
    tabifyDockWidget(config, log);
    upstreams->raise();
    resizeDocks({upstreams}, {470}, Qt::Horizontal);

    // Status bar: listeners, connections, message rate, dropped events.
    m_statusListeners = new QLabel(this);
    m_statusListeners->setObjectName(QStringLiteral("statusListeners"));
    m_statusConnections = new QLabel(this);
    m_statusConnections->setObjectName(QStringLiteral("statusConnections"));
    m_statusRate = new QLabel(this);
    m_statusRate->setObjectName(QStringLiteral("statusRate"));
    m_statusDropped = new QLabel(this);
    m_statusDropped->setObjectName(QStringLiteral("statusDropped"));
    m_statusCapture = new QLabel(this);
    m_statusCapture->setObjectName(QStringLiteral("statusCapture"));
    m_statusCapture->hide();
    statusBar()->addWidget(m_statusListeners, 1);
    statusBar()->addPermanentWidget(m_statusCapture);
    statusBar()->addPermanentWidget(m_statusConnections);
    statusBar()->addPermanentWidget(m_statusRate);
    statusBar()->addPermanentWidget(m_statusDropped);

    createActions();

    connect(m_source, &InspectorSource::eventsReceived, this, &MainWindow::handleEvents);
    connect(m_source, &InspectorSource::configChanged, this, &MainWindow::handleConfigChanged);
    connect(m_connections, &ConnectionsModel::flushed, this, &MainWindow::handleFlushed);

    m_autoScrollTimer = new QTimer(this);
    m_autoScrollTimer->setInterval(100);
    connect(m_autoScrollTimer, &QTimer::timeout, this, &MainWindow::autoScroll);
    m_autoScrollTimer->start();
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(1000);
    connect(m_refreshTimer, &QTimer::timeout, this, [this] {
        refreshStatus();
        refreshUpstreams();
        refreshCaptureStatus(); // connections from a pause keep being skipped after it
    });
    m_refreshTimer->start();
    m_rateClock.start();

    m_configEditor->setPlainText(m_source->configText());
    runConfigCheck();
    refreshStatus();
    refreshUpstreams();
    refreshCapLabels();
    resize(1360, 860);
    restoreSettings();
    appendLog(tr("Inspector started; listening on %1").arg(m_source->listeners().join(QStringLiteral(", "))));
}

MainWindow::~MainWindow() = default;

QWidget *MainWindow::createConnectionsPanel()
{
    auto *panel = new QWidget(this);
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(4, 4, 4, 0);
    auto *bar = new QHBoxLayout;
    m_connectionFilterEdit = new QLineEdit(panel);
    m_connectionFilterEdit->setObjectName(QStringLiteral("connectionFilter"));
    m_connectionFilterEdit->setPlaceholderText(tr("Filter connections (client, path, upstream, state, close cause)"));
    m_connectionFilterEdit->setClearButtonEnabled(true);
    connect(m_connectionFilterEdit, &QLineEdit::textChanged, this,
            [this](const QString &text) { m_connectionsFilter->setFilterFixedString(text); });
    m_pauseButton = new QToolButton(panel);
    m_pauseButton->setObjectName(QStringLiteral("pauseButton"));
    m_pauseButton->setText(tr("Pause"));
    m_pauseButton->setCheckable(true);
    m_pauseButton->setToolTip(tr("Stop capturing: while paused, new connections and frames are not recorded (only "
                                 "counted); the rows already shown stay"));
    connect(m_pauseButton, &QToolButton::toggled, this, &MainWindow::setCapturePaused);
    auto *clear = new QToolButton(panel);
    clear->setObjectName(QStringLiteral("clearButton"));
    clear->setText(tr("Clear"));
    connect(clear, &QToolButton::clicked, this, [this] {
        m_connections->clear();
        m_selectedId = 0;
        refreshHandshake(nullptr);
        refreshPing(nullptr);
        refreshCapLabels();
        refreshCaptureStatus();
    });
    m_connectionsCap = new QLabel(panel);
    m_connectionsCap->setObjectName(QStringLiteral("connectionsCapLabel"));
    bar->addWidget(m_connectionFilterEdit, 1);
    bar->addWidget(m_pauseButton);
    bar->addWidget(clear);
    bar->addWidget(m_connectionsCap);
    layout->addLayout(bar);

    m_connectionsView = new QTableView(panel);
    m_connectionsView->setObjectName(QStringLiteral("connectionsView"));
    m_connectionsView->setModel(m_connectionsFilter);
    m_connectionsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_connectionsView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_connectionsView->verticalHeader()->hide();
    m_connectionsView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_connectionsView->horizontalHeader()->setStretchLastSection(true);
    m_connectionsView->setAlternatingRowColors(true);
    m_connectionsView->setWordWrap(false);
    const int widths[] = {48, 130, 140, 130, 80, 70, 70, 70, 80, 80, 80, 160};
    for (int c = 0; c < ConnectionsModel::ColumnCount; ++c)
        m_connectionsView->setColumnWidth(c, widths[c]);
    connect(m_connectionsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::handleCurrentConnectionChanged);
    layout->addWidget(m_connectionsView);
    return panel;
}

QWidget *MainWindow::createHandshakePane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    m_handshakeSummary = new QLabel(tr("Select a connection to see its handshake."), pane);
    m_handshakeSummary->setObjectName(QStringLiteral("handshakeSummary"));
    m_handshakeSummary->setWordWrap(true);
    m_handshakeSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_wechat = new QLabel(pane);
    m_wechat->setObjectName(QStringLiteral("wechatLabel"));
    m_wechat->setWordWrap(true);
    m_wechat->hide();
    layout->addWidget(m_handshakeSummary);
    layout->addWidget(m_wechat);

    auto *split = new QSplitter(Qt::Horizontal, pane);
    auto *requestBox = new QWidget(split);
    auto *rl = new QVBoxLayout(requestBox);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addWidget(new QLabel(tr("<b>Request</b>: as the client sent it, and as it went upstream "
                                "(<span style='background:#d4f4d8'>added</span>, "
                                "<span style='background:#fad4d4'>removed</span>, "
                                "<span style='background:#fcefc0'>changed</span>)"),
                             requestBox));
    m_requestDiff = makeTree({tr("Header"), tr("As received"), tr("As forwarded"), tr("Change")},
                             QStringLiteral("requestDiff"), requestBox);
    m_requestDiff->setColumnWidth(0, 170);
    m_requestDiff->setColumnWidth(1, 230);
    m_requestDiff->setColumnWidth(2, 230);
    rl->addWidget(m_requestDiff);
    auto *right = new QWidget(split);
    auto *rr = new QVBoxLayout(right);
    rr->setContentsMargins(0, 0, 0, 0);
    rr->addWidget(new QLabel(tr("<b>Response</b>"), right));
    m_responseHeaders = makeTree({tr("Header"), tr("Value")}, QStringLiteral("responseHeaders"), right);
    m_responseHeaders->setColumnWidth(0, 170);
    rr->addWidget(m_responseHeaders, 3);
    rr->addWidget(new QLabel(tr("<b>Handshake checks</b>"), right));
    m_findings = makeTree({tr("Severity"), tr("Finding"), tr("Code")}, QStringLiteral("findingsList"), right);
    m_findings->setColumnWidth(0, 80);
    m_findings->setColumnWidth(1, 320);
    m_findings->setWordWrap(true);
    rr->addWidget(m_findings, 2);
    split->addWidget(requestBox);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    return pane;
}

QWidget *MainWindow::createFramesPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    auto *bar = new QHBoxLayout;
    m_frameSearch = new QLineEdit(pane);
    m_frameSearch->setObjectName(QStringLiteral("frameSearch"));
    m_frameSearch->setPlaceholderText(tr("Search this connection's frames"));
    m_frameSearch->setClearButtonEnabled(true);
    m_frameRegex = new QCheckBox(tr("Regex"), pane);
    m_frameRegex->setObjectName(QStringLiteral("frameRegex"));
    m_showControl = new QCheckBox(tr("Control frames"), pane);
    m_showControl->setObjectName(QStringLiteral("showControlFrames"));
    m_showControl->setChecked(true);
    m_showControl->setToolTip(tr("Show ping, pong and close frames"));
    m_autoScroll = new QCheckBox(tr("Auto-scroll"), pane);
    m_autoScroll->setObjectName(QStringLiteral("autoScroll"));
    m_autoScroll->setChecked(true);
    m_framesCap = new QLabel(pane);
    m_framesCap->setObjectName(QStringLiteral("framesCapLabel"));
    connect(m_frameSearch, &QLineEdit::textChanged, this, &MainWindow::handleFrameSearchChanged);
    connect(m_frameRegex, &QCheckBox::toggled, this, &MainWindow::handleFrameSearchChanged);
    connect(m_showControl, &QCheckBox::toggled, m_framesFilter, &FramesFilterModel::setShowControlFrames);
    bar->addWidget(m_frameSearch, 1);
    bar->addWidget(m_frameRegex);
    bar->addWidget(m_showControl);
    bar->addWidget(m_autoScroll);
    bar->addWidget(m_framesCap);
    layout->addLayout(bar);
    // Like DevTools: say plainly that the list does not start at the beginning.
    m_framesDropped = new QLabel(pane);
    m_framesDropped->setObjectName(QStringLiteral("framesDroppedBanner"));
    m_framesDropped->setStyleSheet(QStringLiteral("background: #fcefc0; color: #5c4400; padding: 3px 6px;"));
    m_framesDropped->setWordWrap(true);
    m_framesDropped->hide();
    layout->addWidget(m_framesDropped);

    m_framesSplitter = new QSplitter(Qt::Horizontal, pane);
    m_framesSplitter->setObjectName(QStringLiteral("framesSplitter"));
    m_framesView = new QTableView(m_framesSplitter);
    m_framesView->setObjectName(QStringLiteral("framesView"));
    m_framesView->setModel(m_framesFilter);
    m_framesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_framesView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_framesView->verticalHeader()->hide();
    m_framesView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_framesView->horizontalHeader()->setStretchLastSection(true);
    m_framesView->setWordWrap(false);
    m_framesView->setColumnWidth(FramesModel::ColDirection, 36);
    m_framesView->setColumnWidth(FramesModel::ColTime, 100);
    m_framesView->setColumnWidth(FramesModel::ColOpcode, 90);
    m_framesView->setColumnWidth(FramesModel::ColSize, 70);
    connect(m_framesView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::handleCurrentFrameChanged);

    auto *detail = new QWidget(m_framesSplitter);
    auto *dl = new QVBoxLayout(detail);
    dl->setContentsMargins(0, 0, 0, 0);
    m_frameInfo = new QLabel(tr("Select a frame"), detail);
    m_frameInfo->setObjectName(QStringLiteral("frameInfo"));
    m_frameInfo->setWordWrap(true);
    dl->addWidget(m_frameInfo);
    m_frameDetail = new QTabWidget(detail);
    m_frameDetail->setObjectName(QStringLiteral("frameDetail"));
    m_frameText = new QPlainTextEdit(m_frameDetail);
    m_frameText->setObjectName(QStringLiteral("frameText"));
    m_frameText->setReadOnly(true);
    m_frameJson = makeTree({tr("Key"), tr("Value")}, QStringLiteral("frameJson"), m_frameDetail);
    m_frameJson->setRootIsDecorated(true);
    m_frameJson->setColumnWidth(0, 160);
    m_frameHex = new QPlainTextEdit(m_frameDetail);
    m_frameHex->setObjectName(QStringLiteral("frameHex"));
    m_frameHex->setReadOnly(true);
    m_frameHex->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_frameHex->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_frameDetail->addTab(m_frameText, tr("Text"));
    m_frameDetail->addTab(m_frameJson, tr("JSON"));
    m_frameDetail->addTab(m_frameHex, tr("Hex"));
    dl->addWidget(m_frameDetail, 1);
    auto *copyBar = new QHBoxLayout;
    copyBar->addWidget(new QLabel(tr("Copy as:"), detail));
    const std::pair<QString, QString> copies[] = {
        {tr("Text"), QStringLiteral("text")}, {tr("JSON"), QStringLiteral("json")}, {tr("Hex"), QStringLiteral("hex")}};
    for (const auto &[label, format] : copies) {
        auto *button = new QPushButton(label, detail);
        button->setObjectName(QStringLiteral("copy_") + format);
        const QString f = format;
        connect(button, &QPushButton::clicked, this, [this, f] { copyFrame(f); });
        copyBar->addWidget(button);
    }
    copyBar->addStretch();
    dl->addLayout(copyBar);
    dl->addWidget(createSendPanel());
    m_framesSplitter->addWidget(m_framesView);
    m_framesSplitter->addWidget(detail);
    m_framesSplitter->setStretchFactor(0, 3);
    m_framesSplitter->setStretchFactor(1, 2);
    m_framesSplitter->setSizes({520, 360});
    layout->addWidget(m_framesSplitter, 1);
    return pane;
}

QWidget *MainWindow::createSendPanel()
{
    auto *box = new QWidget(this);
    box->setObjectName(QStringLiteral("sendPanel"));
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 6, 0, 0);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("<b>Send</b>"), box));
    m_sendType = new QComboBox(box);
    m_sendType->setObjectName(QStringLiteral("sendType"));
    m_sendType->addItem(tr("Text"), int(WsOpcode::Text));
    m_sendType->addItem(tr("Binary (hex)"), int(WsOpcode::Binary));
    m_sendType->addItem(tr("Ping"), int(WsOpcode::Ping));
    m_sendType->addItem(tr("Close"), int(WsOpcode::Close));
    m_sendDirection = new QComboBox(box);
    m_sendDirection->setObjectName(QStringLiteral("sendDirection"));
    m_sendDirection->addItem(tr("to the upstream"), int(Direction::ClientToUpstream));
    m_sendDirection->addItem(tr("to the client"), int(Direction::UpstreamToClient));
    m_sendCloseCode = new QSpinBox(box);
    m_sendCloseCode->setObjectName(QStringLiteral("sendCloseCode"));
    m_sendCloseCode->setRange(1000, 4999);
    m_sendCloseCode->setValue(1000);
    m_sendCloseCode->setPrefix(tr("code "));
    m_sendCloseCode->setEnabled(false);
    m_sendButton = new QPushButton(tr("Send"), box);
    m_sendButton->setObjectName(QStringLiteral("sendButton"));
    row->addWidget(m_sendType);
    row->addWidget(m_sendDirection);
    row->addWidget(m_sendCloseCode);
    row->addStretch();
    row->addWidget(m_sendButton);
    layout->addLayout(row);
    m_sendPayload = new QPlainTextEdit(box);
    m_sendPayload->setObjectName(QStringLiteral("sendPayload"));
    m_sendPayload->setPlaceholderText(tr("Message text, hex bytes, ping payload or close reason"));
    m_sendPayload->setFixedHeight(fontMetrics().height() * 4);
    layout->addWidget(m_sendPayload);
    m_sendStatus = new QLabel(box);
    m_sendStatus->setObjectName(QStringLiteral("sendStatus"));
    layout->addWidget(m_sendStatus);
    connect(m_sendButton, &QPushButton::clicked, this, &MainWindow::handleSend);
    connect(m_sendType, &QComboBox::currentIndexChanged, this, &MainWindow::handleSendTypeChanged);
    return box;
}

QWidget *MainWindow::createPingPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    m_pingChart = new PingChart(pane);
    m_pingChart->setObjectName(QStringLiteral("pingChart"));
    layout->addWidget(m_pingChart, 1);
    auto *note = new QLabel(tr("Round trips of pings and their pongs on this connection: the client's or upstream's own "
                               "pings (matched by payload) and the proxy's keepalive pings (ws_ping_interval, "
                               "purple). Red crosses: pings that were never answered."),
                            pane);
    note->setWordWrap(true);
    layout->addWidget(note);
    return pane;
}

QWidget *MainWindow::createUpstreamsPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    m_upstreams = makeTree({tr("Group / server"), tr("Health"), tr("Live"), tr("Total"), tr("Share"), tr("Failures")},
                           QStringLiteral("upstreamsTree"), pane);
    m_upstreams->setRootIsDecorated(true);
    m_upstreams->setColumnWidth(0, 170);
    for (int c = 1; c < 6; ++c)
        m_upstreams->setColumnWidth(c, 60);
    layout->addWidget(m_upstreams, 1);
    layout->addWidget(new QLabel(tr("<b>Last decisions</b>"), pane));
    m_decisions = makeTree({tr("Time"), tr("Connection"), tr("Server"), tr("Why")}, QStringLiteral("decisionsList"), pane);
    m_decisions->setColumnWidth(0, 70);
    m_decisions->setColumnWidth(1, 60);
    m_decisions->setColumnWidth(2, 110);
    layout->addWidget(m_decisions, 1);
    return pane;
}

QWidget *MainWindow::createConfigPane()
{
    auto *pane = new QWidget(this);
    auto *layout = new QVBoxLayout(pane);
    m_configEditor = new ConfigEditor(pane);
    m_configEditor->setObjectName(QStringLiteral("configEditor"));
    m_configEditor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_configEditor->setLineWrapMode(QPlainTextEdit::NoWrap);
    new NginxHighlighter(m_configEditor->document());
    layout->addWidget(m_configEditor, 3);
    auto *bar = new QHBoxLayout;
    auto *apply = new QPushButton(tr("Apply"), pane);
    apply->setObjectName(QStringLiteral("applyConfig"));
    apply->setToolTip(tr("Check the configuration and reload the proxy with it; on any error the running one stays"));
    auto *revert = new QPushButton(tr("Revert"), pane);
    revert->setObjectName(QStringLiteral("revertConfig"));
    auto *quick = new QPushButton(tr("Quick start…"), pane);
    quick->setObjectName(QStringLiteral("quickStartButton"));
    m_configStatus = new QLabel(pane);
    m_configStatus->setObjectName(QStringLiteral("configStatus"));
    m_configStatus->setWordWrap(true);
    bar->addWidget(apply);
    bar->addWidget(revert);
    bar->addWidget(quick);
    bar->addWidget(m_configStatus, 1);
    layout->addLayout(bar);
    m_configDiagnostics = makeTree({tr("Line"), tr("Kind"), tr("Message")}, QStringLiteral("configDiagnostics"), pane);
    m_configDiagnostics->setRootIsDecorated(true);
    m_configDiagnostics->setColumnWidth(0, 70);
    m_configDiagnostics->setColumnWidth(1, 70);
    layout->addWidget(m_configDiagnostics, 1);

    m_configCheckTimer = new QTimer(this);
    m_configCheckTimer->setSingleShot(true);
    m_configCheckTimer->setInterval(400);
    connect(m_configCheckTimer, &QTimer::timeout, this, &MainWindow::runConfigCheck);
    connect(m_configEditor, &QPlainTextEdit::textChanged, this, &MainWindow::handleConfigEdited);
    connect(apply, &QPushButton::clicked, this, &MainWindow::handleApplyConfig);
    connect(revert, &QPushButton::clicked, this, [this] { m_configEditor->setPlainText(m_source->configText()); });
    connect(quick, &QPushButton::clicked, this, &MainWindow::handleQuickStart);
    connect(m_configDiagnostics, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const int line = item->data(0, Qt::UserRole).toInt();
        const int column = item->data(0, Qt::UserRole + 1).toInt();
        if (line <= 0)
            return;
        QTextCursor cursor(m_configEditor->document()->findBlockByNumber(line - 1));
        cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, std::max(0, column - 1));
        m_configEditor->setTextCursor(cursor);
        m_configEditor->setFocus();
    });
    // A click on a margin icon also selects the line's entry in the list.
    connect(m_configEditor, &ConfigEditor::markerActivated, this, [this](int line) {
        for (int i = 0; i < m_configDiagnostics->topLevelItemCount(); ++i) {
            QTreeWidgetItem *item = m_configDiagnostics->topLevelItem(i);
            if (item->data(0, Qt::UserRole).toInt() == line) {
                m_configDiagnostics->setCurrentItem(item);
                m_configDiagnostics->scrollToItem(item);
                break;
            }
        }
    });
    return pane;
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

    QMenu *frame = menuBar()->addMenu(tr("F&rame"));
    QAction *copyText = frame->addAction(tr("Copy as &text"));
    copyText->setShortcut(QKeySequence::Copy);
    connect(copyText, &QAction::triggered, this, [this] { copyFrame(QStringLiteral("text")); });
    QAction *copyJson = frame->addAction(tr("Copy as &JSON"));
    connect(copyJson, &QAction::triggered, this, [this] { copyFrame(QStringLiteral("json")); });
    QAction *copyHex = frame->addAction(tr("Copy as &hex"));
    connect(copyHex, &QAction::triggered, this, [this] { copyFrame(QStringLiteral("hex")); });
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_framesSplitter->restoreState(settings.value(QStringLiteral("window/framesSplitter")).toByteArray());
    m_connectionsView->horizontalHeader()->restoreState(
        settings.value(QStringLiteral("connections/header")).toByteArray());
    m_showControl->setChecked(settings.value(QStringLiteral("frames/showControl"), true).toBool());
    m_autoScroll->setChecked(settings.value(QStringLiteral("frames/autoScroll"), true).toBool());
    HistoryLimitsDialog::apply(HistoryLimitsDialog::load(settings), m_connections);
    refreshCapLabels();
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
    if (m_pauseButton->isChecked() != paused) {
        m_pauseButton->setChecked(paused); // comes back here through toggled
        return;
    }
    m_connections->setPaused(paused);
    m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
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
        m_statusCapture->setStyleSheet(QStringLiteral("color: #a05a00; font-weight: bold"));
    } else if (connections > 0 || frames > 0) {
        text = tr("Not captured during the pause: %1 connections, %2 frames")
                   .arg(QLocale().toString(connections), QLocale().toString(frames));
        m_statusCapture->setStyleSheet(QString());
    }
    m_statusCapture->setText(text);
    m_statusCapture->setVisible(!text.isEmpty());
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("window/framesSplitter"), m_framesSplitter->saveState());
    settings.setValue(QStringLiteral("connections/header"), m_connectionsView->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("frames/showControl"), m_showControl->isChecked());
    settings.setValue(QStringLiteral("frames/autoScroll"), m_autoScroll->isChecked());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::handleEvents(const QList<InspectEvent> &batch)
{
    // The log gets one line per connection milestone, never per frame.
    constexpr qsizetype MaxLogLinesPerTick = 200;
    for (const InspectEvent &e : batch) {
        if (m_pendingLog.size() >= MaxLogLinesPerTick)
            break;
        if (const auto *opened = e.as<ConnectionOpenedEvent>()) {
            m_pendingLog << tr("#%1 connection from %2 on %3")
                                .arg(e.connectionId)
                                .arg(opened->clientAddress.toString() + QLatin1Char(':') + QString::number(opened->clientPort),
                                     opened->listener);
        } else if (const auto *route = e.as<RouteEvent>()) {
            m_pendingLog << tr("#%1 routed to %2 (%3, location %4)")
                                .arg(e.connectionId)
                                .arg(route->upstreamServer, route->algorithm, route->location);
        } else if (const auto *closed = e.as<ClosedEvent>()) {
            m_pendingLog << tr("#%1 closed: %2 after %3 ms, %4 bytes up, %5 bytes down")
                                .arg(e.connectionId)
                                .arg(ConnectionsModel::causeText(closed->cause))
                                .arg(closed->durationMs)
                                .arg(closed->bytesFromClient)
                                .arg(closed->bytesFromUpstream);
        } else if (const auto *v = e.as<ViolationEvent>()) {
            m_pendingLog << tr("#%1 protocol violation: %2").arg(e.connectionId).arg(v->violation.text);
        } else if (const auto *f = e.as<FindingEvent>()) {
            if (f->severity != FindingEvent::Severity::Info)
                m_pendingLog << tr("#%1 handshake %2: %3").arg(e.connectionId).arg(severityText(f->severity), f->text);
        }
    }
    m_connections->addEvents(batch);
}

void MainWindow::handleFlushed(const QSet<quint64> &changed)
{
    if (!m_pendingLog.isEmpty()) {
        const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss "));
        QString text;
        for (const QString &line : std::as_const(m_pendingLog))
            text += stamp + line + QLatin1Char('\n');
        text.chop(1);
        m_log->appendPlainText(text);
        m_pendingLog.clear();
    }
    if (m_selectedId && changed.contains(m_selectedId)) {
        const ConnectionRecord *r = m_connections->record(m_selectedId);
        refreshHandshake(r);
        refreshPing(r);
    }
    refreshCapLabels();
    if (m_connections->isPaused())
        refreshCaptureStatus();
}

void MainWindow::appendLog(const QString &line)
{
    m_log->appendPlainText(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss ")) + line);
}

bool MainWindow::selectConnection(quint64 id)
{
    const int row = m_connections->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_connectionsFilter->mapFromSource(m_connections->index(row, 0));
    if (!index.isValid())
        return false;
    m_connectionsView->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_connectionsView->scrollTo(index);
    return true;
}

void MainWindow::handleCurrentConnectionChanged()
{
    const QModelIndex current = m_connectionsView->selectionModel()->currentIndex();
    const quint64 id = current.isValid() ? current.data(ConnectionsModel::ConnectionIdRole).toULongLong() : 0;
    if (id == m_selectedId)
        return;
    m_selectedId = id;
    m_frames->setConnection(id);
    m_handshakeSignature.clear();
    m_pingCount = -1;
    const ConnectionRecord *r = m_connections->record(id);
    refreshHandshake(r);
    refreshPing(r);
    refreshCapLabels();
    handleCurrentFrameChanged();
}

void MainWindow::refreshHandshake(const ConnectionRecord *r)
{
    if (!r) {
        m_handshakeSummary->setText(tr("Select a connection to see its handshake."));
        m_requestDiff->clear();
        m_responseHeaders->clear();
        m_findings->clear();
        m_wechat->hide();
        m_handshakeSignature.clear();
        return;
    }
    // Rebuild only when something the pane shows has changed.
    const QString signature = QStringLiteral("%1/%2%3%4/%5/%6/%7/%8")
                                  .arg(r->id)
                                  .arg(r->received ? 1 : 0)
                                  .arg(r->forwarded ? 1 : 0)
                                  .arg(r->route ? 1 : 0)
                                  .arg(r->response ? r->response->head.status : 0)
                                  .arg(r->findings.size())
                                  .arg(r->violations.size())
                                  .arg(r->closed ? 1 : 0);
    if (signature == m_handshakeSignature)
        return;
    m_handshakeSignature = signature;

    QStringList summary;
    if (r->received)
        summary << QStringLiteral("<b>%1</b>").arg(requestLine(*r->received).toHtmlEscaped());
    if (r->opened)
        summary << tr("from %1 on %2").arg(r->clientText().toHtmlEscaped(), r->opened->listener.toHtmlEscaped());
    if (r->route) {
        QString route = tr("location <tt>%1</tt> → %2 in group %3 (%4)")
                            .arg(r->route->location.toHtmlEscaped(), r->route->upstreamServer.toHtmlEscaped(),
                                 r->route->upstreamGroup.toHtmlEscaped(), r->route->algorithm.toHtmlEscaped());
        if (r->route->attempt > 1)
            route += QLatin1Char(' ') + tr("attempt %1").arg(r->route->attempt);
        summary << route;
    }
    if (r->tunnel) {
        QStringList t;
        if (!r->tunnel->subprotocol.isEmpty())
            t << tr("subprotocol %1").arg(r->tunnel->subprotocol.toHtmlEscaped());
        if (!r->tunnel->extensions.isEmpty())
            t << tr("extensions %1").arg(r->tunnel->extensions.toHtmlEscaped());
        summary << (t.isEmpty() ? tr("tunnel open") : tr("tunnel open: %1").arg(t.join(QStringLiteral(", "))));
    }
    if (r->closed) {
        QString close = tr("closed: %1").arg(m_connections->closeText(*r).toHtmlEscaped());
        if (!r->closed->detail.isEmpty())
            close += QStringLiteral(" (%1)").arg(r->closed->detail.toHtmlEscaped());
        summary << close;
    }
    m_handshakeSummary->setText(summary.join(QStringLiteral(" · ")));

    m_requestDiff->clear();
    if (r->received) {
        const HttpHeaders forwarded = r->forwarded ? r->forwarded->headers : HttpHeaders();
        auto *line = new QTreeWidgetItem(m_requestDiff);
        line->setText(0, tr("(request line)"));
        line->setText(1, requestLine(*r->received));
        line->setText(2, r->forwarded ? requestLine(*r->forwarded) : tr("(not forwarded)"));
        if (r->forwarded && line->text(1) != line->text(2)) {
            line->setText(3, tr("changed"));
            for (int c = 0; c < 4; ++c)
                line->setBackground(c, ChangedColor);
        }
        if (r->forwarded) {
            for (const HeaderDiffRow &row : diffHeaders(r->received->headers, forwarded)) {
                auto *item = new QTreeWidgetItem(m_requestDiff);
                item->setText(0, row.name);
                item->setText(1, row.received);
                item->setText(2, row.forwarded);
                item->setToolTip(1, row.received);
                item->setToolTip(2, row.forwarded);
                QColor colour;
                switch (row.change) {
                case HeaderDiffRow::Change::Same: break;
                case HeaderDiffRow::Change::Added:
                    item->setText(3, tr("added"));
                    colour = AddedColor;
                    break;
                case HeaderDiffRow::Change::Removed:
                    item->setText(3, tr("removed"));
                    colour = RemovedColor;
                    break;
                case HeaderDiffRow::Change::Changed:
                    item->setText(3, tr("changed"));
                    colour = ChangedColor;
                    break;
                }
                item->setData(3, Qt::UserRole, int(row.change));
                if (colour.isValid()) {
                    for (int c = 0; c < 4; ++c)
                        item->setBackground(c, colour);
                }
            }
        } else {
            for (const HttpHeader &h : r->received->headers) {
                auto *item = new QTreeWidgetItem(m_requestDiff);
                item->setText(0, QString::fromLatin1(h.name));
                item->setText(1, QString::fromUtf8(h.value));
            }
        }
    }

    m_responseHeaders->clear();
    if (r->response) {
        const HttpResponseHead &head = r->response->head;
        auto *status = new QTreeWidgetItem(m_responseHeaders);
        status->setText(0, r->response->fromUpstream ? tr("(status line)") : tr("(answered by the proxy)"));
        status->setText(1, QStringLiteral("HTTP/1.%1 %2 %3")
                               .arg(head.versionMinor)
                               .arg(head.status)
                               .arg(QString::fromLatin1(head.reason)));
        for (const HttpHeader &h : head.headers) {
            auto *item = new QTreeWidgetItem(m_responseHeaders);
            item->setText(0, QString::fromLatin1(h.name));
            item->setText(1, QString::fromUtf8(h.value));
        }
    }

    m_findings->clear();
    for (const FindingEvent &f : r->findings) {
        auto *item = new QTreeWidgetItem(m_findings);
        item->setText(0, severityText(f.severity));
        item->setText(1, f.text);
        item->setToolTip(1, f.text);
        item->setText(2, f.code);
        if (f.severity == FindingEvent::Severity::Error)
            item->setForeground(0, QColor(0xc0, 0x1c, 0x28));
        else if (f.severity == FindingEvent::Severity::Warning)
            item->setForeground(0, QColor(0xa0, 0x5a, 0x00));
    }
    for (const ViolationEvent &v : r->violations) {
        auto *item = new QTreeWidgetItem(m_findings);
        item->setText(0, tr("violation"));
        item->setText(1, v.violation.text);
        item->setText(2, QString::fromLatin1(wsViolationKindName(v.violation.kind)));
        item->setForeground(0, QColor(0xc0, 0x1c, 0x28));
    }
    if (r->received && r->findings.isEmpty() && r->violations.isEmpty() && r->response) {
        auto *item = new QTreeWidgetItem(m_findings);
        item->setText(0, tr("ok"));
        item->setText(1, tr("No problems found in the handshake"));
    }

    const std::optional<WeChatMiniProgram> wechat =
        r->received ? WsHandshakeCheck::weChatMiniProgram(r->received->headers) : std::nullopt;
    if (wechat) {
        QString build;
        switch (wechat->build) {
        case WeChatMiniProgram::Build::DevTools: build = tr("WeChat DevTools simulator"); break;
        case WeChatMiniProgram::Build::Development: build = tr("development or trial build"); break;
        case WeChatMiniProgram::Build::Release: build = tr("release build"); break;
        }
        m_wechat->setText(tr("<b>WeChat mini-program</b>: appid <tt>%1</tt>, version %2 (%3)")
                              .arg(wechat->appId.toHtmlEscaped(), wechat->version.toHtmlEscaped(), build));
        m_wechat->show();
    } else {
        m_wechat->hide();
    }
}

void MainWindow::refreshPing(const ConnectionRecord *r)
{
    if (!r) {
        m_pingChart->setSamples({});
        m_pingCount = -1;
        return;
    }
    if (r->pings.size() == m_pingCount)
        return;
    m_pingCount = r->pings.size();
    m_pingChart->setSamples(r->pings);
}

void MainWindow::refreshCapLabels()
{
    const QLocale locale;
    m_connectionsCap->setText(tr("%1 shown · %2 closed kept of %3 · %4 removed")
                                  .arg(locale.toString(m_connections->rowCount()),
                                       locale.toString(m_connections->closedConnections()),
                                       locale.toString(m_connections->maxClosedConnections()),
                                       locale.toString(m_connections->removedConnections())));
    m_connectionsCap->setToolTip(tr("History limits (View → History limits…): %1 closed connections, %2 in all; "
                                    "%3 frames per connection, %4 frames and %5 MiB in all. Frames now: %6, about %7 MiB.")
                                     .arg(locale.toString(m_connections->maxClosedConnections()),
                                          locale.toString(m_connections->maxConnections()),
                                          locale.toString(m_connections->maxFramesPerConnection()),
                                          locale.toString(m_connections->maxFramesTotal()),
                                          locale.toString(m_connections->maxFrameMemory() >> 20),
                                          locale.toString(m_connections->framesStored()),
                                          locale.toString(m_connections->frameMemory() >> 20)));
    const ConnectionRecord *r = m_frames->connection();
    m_framesCap->setText(tr("%1 of %2 frames · limit %3 per connection")
                             .arg(locale.toString(m_framesFilter->rowCount()), locale.toString(m_frames->rowCount()),
                                  locale.toString(m_connections->maxFramesPerConnection())));
    QStringList banner;
    if (r && r->framesDropped > 0)
        banner << tr("%Ln older frame(s) dropped (history limits)", nullptr, int(std::min<quint64>(r->framesDropped, INT_MAX)));
    if (r && r->framesNotCaptured > 0)
        banner << tr("%Ln frame(s) not captured while paused", nullptr,
                     int(std::min<quint64>(r->framesNotCaptured, INT_MAX)));
    const QString text = banner.join(QStringLiteral(" · "));
    if (text != m_framesDropped->text())
        m_framesDropped->setText(text);
    m_framesDropped->setVisible(!text.isEmpty());
}

void MainWindow::handleFrameSearchChanged()
{
    const bool valid = m_framesFilter->setSearch(m_frameSearch->text(), m_frameRegex->isChecked());
    m_frameSearch->setStyleSheet(valid ? QString() : QStringLiteral("background: #fad4d4"));
    m_frameSearch->setToolTip(valid ? QString() : tr("Invalid regular expression"));
    refreshCapLabels();
}

const FrameRecord *MainWindow::currentFrame() const
{
    const QModelIndex current = m_framesView->selectionModel()->currentIndex();
    if (!current.isValid())
        return nullptr;
    return m_frames->frameAt(m_framesFilter->mapToSource(current).row());
}

void MainWindow::handleCurrentFrameChanged()
{
    const FrameRecord *f = currentFrame();
    m_frameJson->clear();
    if (!f) {
        m_frameInfo->setText(tr("Select a frame"));
        m_frameText->clear();
        m_frameHex->clear();
        return;
    }
    QStringList info;
    info << (f->direction == Direction::ClientToUpstream ? tr("client → upstream") : tr("upstream → client"));
    info << FramesModel::opcodeText(f->opcode);
    info << tr("%n byte(s)", nullptr, int(std::min<quint64>(f->length, INT_MAX)));
    info << QDateTime::fromMSecsSinceEpoch(f->wallMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    if (f->compressed)
        info << (f->inflated ? tr("compressed (permessage-deflate), shown inflated") : tr("compressed (permessage-deflate)"));
    if (f->truncated)
        info << tr("preview: first %n byte(s)", nullptr, int(f->payload.size()));
    if (f->injected)
        info << tr("injected by the inspector or the proxy");
    if (f->swallowed)
        info << tr("answered the proxy's ping; not relayed");
    if (f->roundTripUs >= 0)
        info << tr("round trip %1 ms").arg(double(f->roundTripUs) / 1000.0, 0, 'f', 2);
    m_frameInfo->setText(info.join(QStringLiteral(" · ")));

    const bool textual = f->opcode != WsOpcode::Binary;
    m_frameText->setPlainText(textual ? QString::fromUtf8(f->payload)
                                      : tr("(binary: %n byte(s); see Hex)", nullptr, int(f->payload.size())));
    m_frameHex->setPlainText(FramesModel::hexDump(f->payload));
    QJsonParseError error;
    const QJsonDocument doc = textual ? QJsonDocument::fromJson(f->payload, &error) : QJsonDocument();
    const bool json = textual && error.error == QJsonParseError::NoError && !doc.isNull();
    m_frameDetail->setTabEnabled(1, json);
    if (json) {
        if (doc.isObject()) {
            const QJsonObject o = doc.object();
            for (auto it = o.begin(); it != o.end(); ++it)
                addJson(nullptr, m_frameJson, it.key(), it.value());
        } else {
            const QJsonArray a = doc.array();
            for (qsizetype i = 0; i < a.size(); ++i)
                addJson(nullptr, m_frameJson, QString::number(i), a.at(i));
        }
        m_frameJson->expandToDepth(0);
    }
    if (!json && m_frameDetail->currentIndex() == 1)
        m_frameDetail->setCurrentIndex(textual ? 0 : 2);
    if (!textual && m_frameDetail->currentIndex() == 0)
        m_frameDetail->setCurrentIndex(2);
}

void MainWindow::copyFrame(const QString &format)
{
    const FrameRecord *f = currentFrame();
    if (!f)
        return;
    QString text;
    if (format == QLatin1String("hex")) {
        text = QString::fromLatin1(f->payload.toHex(' '));
    } else if (format == QLatin1String("json")) {
        const QJsonDocument doc = QJsonDocument::fromJson(f->payload);
        if (!doc.isNull()) {
            text = QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
        } else {
            // Not JSON itself: the frame as a JSON object.
            QJsonObject o;
            o.insert(QStringLiteral("direction"), f->direction == Direction::ClientToUpstream ? QStringLiteral("send")
                                                                                              : QStringLiteral("receive"));
            o.insert(QStringLiteral("opcode"), int(f->opcode));
            o.insert(QStringLiteral("time"), double(f->wallMs) / 1000.0);
            o.insert(QStringLiteral("length"), qint64(f->length));
            o.insert(QStringLiteral("data"), f->opcode == WsOpcode::Text ? QString::fromUtf8(f->payload)
                                                                        : QString::fromLatin1(f->payload.toBase64()));
            text = QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
        }
    } else {
        text = f->opcode == WsOpcode::Binary ? QString::fromLatin1(f->payload.toHex(' ')) : QString::fromUtf8(f->payload);
    }
    QApplication::clipboard()->setText(text);
    statusBar()->showMessage(tr("Frame copied"), 2000);
}

void MainWindow::handleSendTypeChanged()
{
    const auto op = WsOpcode(m_sendType->currentData().toInt());
    m_sendCloseCode->setEnabled(op == WsOpcode::Close);
}

void MainWindow::handleSend()
{
    const ConnectionRecord *r = m_connections->record(m_selectedId);
    if (!r || !r->tunnel || r->closed) {
        m_sendStatus->setText(tr("Select an open WebSocket connection first."));
        return;
    }
    const auto op = WsOpcode(m_sendType->currentData().toInt());
    const auto direction = Direction(m_sendDirection->currentData().toInt());
    const QString text = m_sendPayload->toPlainText();
    QByteArray payload;
    switch (op) {
    case WsOpcode::Binary: {
        QString hex = text;
        hex.remove(QRegularExpression(QStringLiteral("\\s|0x|,")));
        if (hex.size() % 2 != 0 || hex.contains(QRegularExpression(QStringLiteral("[^0-9A-Fa-f]")))) {
            m_sendStatus->setText(tr("Binary payloads are hex bytes, e.g. \"01 02 ff\"."));
            return;
        }
        payload = QByteArray::fromHex(hex.toLatin1());
        break;
    }
    case WsOpcode::Close: {
        payload.resize(2);
        qToBigEndian<quint16>(quint16(m_sendCloseCode->value()), payload.data());
        payload += text.toUtf8();
        break;
    }
    default:
        payload = text.toUtf8();
        break;
    }
    if (wsIsControlOpcode(op) && payload.size() > 125) {
        m_sendStatus->setText(tr("Control frames carry at most 125 bytes (RFC 6455 5.5)."));
        return;
    }
    m_source->inject(m_selectedId, direction, op, payload);
    const QString where = direction == Direction::ClientToUpstream ? tr("to the upstream") : tr("to the client");
    m_sendStatus->setText(tr("Sent %1 (%n byte(s)) %2", nullptr, int(payload.size())).arg(FramesModel::opcodeText(op), where));
    appendLog(tr("#%1 injected %2 frame (%3 bytes) %4").arg(m_selectedId).arg(FramesModel::opcodeText(op)).arg(payload.size()).arg(where));
}

void MainWindow::refreshUpstreams()
{
    struct Row
    {
        UpstreamTarget target;
        UpstreamStats stats;
    };
    QMap<QString, QList<Row>> groups;
    QList<UpstreamStats> stats = m_connections->upstreamStats();
    for (const UpstreamTarget &t : m_source->upstreamTargets()) {
        Row row{t, {}};
        for (qsizetype i = 0; i < stats.size(); ++i) {
            if (stats.at(i).server == t.server && stats.at(i).group == t.group) {
                row.stats = stats.takeAt(i);
                break;
            }
        }
        groups[t.group].append(row);
    }
    // Servers seen in events but no longer configured (after a reload).
    for (const UpstreamStats &s : std::as_const(stats)) {
        UpstreamTarget t;
        t.group = s.group;
        t.server = s.server;
        groups[s.group].append({t, s});
    }
    // The balancer's figures, when the source has them: real health states.
    QHash<QString, UpstreamServerFigures> figures;
    for (const UpstreamFigures &g : m_source->upstreamFigures()) {
        for (const UpstreamServerFigures &f : g.servers)
            figures.insert(g.group + QLatin1Char('\n') + f.name, f);
    }
    qint64 decisions = 0;
    for (const auto &rows : std::as_const(groups)) {
        for (const Row &row : rows)
            decisions += row.stats.total;
    }

    // Update in place so expansion and selection survive the refresh.
    for (int i = m_upstreams->topLevelItemCount() - 1; i >= 0; --i) {
        if (!groups.contains(m_upstreams->topLevelItem(i)->text(0)))
            delete m_upstreams->takeTopLevelItem(i);
    }
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        QTreeWidgetItem *group = nullptr;
        for (int i = 0; i < m_upstreams->topLevelItemCount(); ++i) {
            if (m_upstreams->topLevelItem(i)->text(0) == it.key())
                group = m_upstreams->topLevelItem(i);
        }
        if (!group) {
            group = new QTreeWidgetItem(m_upstreams);
            group->setText(0, it.key());
            group->setExpanded(true);
            QFont bold = group->font(0);
            bold.setBold(true);
            group->setFont(0, bold);
        }
        const QString method = m_source->balancingMethod(it.key());
        group->setToolTip(0, method.isEmpty() ? QString() : tr("balancing: %1").arg(method));
        group->setText(1, method);
        qint64 live = 0;
        qint64 total = 0;
        qint64 failures = 0;
        while (group->childCount() > it.value().size())
            delete group->takeChild(group->childCount() - 1);
        for (qsizetype i = 0; i < it.value().size(); ++i) {
            const Row &row = it.value().at(i);
            QTreeWidgetItem *item = i < group->childCount() ? group->child(int(i)) : new QTreeWidgetItem(group);
            item->setText(0, row.target.server);
            QString health = tr("up");
            const auto fig = figures.constFind(row.target.group + QLatin1Char('\n') + row.target.server);
            if (fig != figures.cend()) {
                switch (fig->health) {
                case UpstreamServerFigures::Health::Up: health = tr("up"); break;
                case UpstreamServerFigures::Health::Backup: health = tr("backup"); break;
                case UpstreamServerFigures::Health::Failed:
                    health = tr("failed (%1 s)").arg((fig->failedForMs + 999) / 1000);
                    break;
                case UpstreamServerFigures::Health::Down: health = tr("down"); break;
                case UpstreamServerFigures::Health::Unhealthy: health = tr("unhealthy"); break;
                }
                item->setToolTip(1, fig->lastFailure.isEmpty() ? fig->healthDetail : fig->lastFailure);
            } else if (row.target.down) {
                health = tr("down");
            } else if (row.stats.failures > 0 && row.stats.failures >= row.stats.total) {
                health = tr("failing");
            } else if (row.target.backup) {
                health = tr("backup");
            }
            item->setText(1, health);
            item->setForeground(1, health == tr("up") ? QColor(0x1a, 0x7f, 0x37) : QColor(0xc0, 0x1c, 0x28));
            item->setText(2, QString::number(row.stats.live));
            item->setText(3, QString::number(row.stats.total));
            item->setText(4, decisions ? QStringLiteral("%1 %").arg(100.0 * double(row.stats.total) / double(decisions), 0, 'f', 0)
                                       : QStringLiteral("–"));
            item->setText(5, QString::number(fig != figures.cend() ? qint64(qMax<quint64>(fig->failures, quint64(row.stats.failures)))
                                                                   : qint64(row.stats.failures)));
            live += row.stats.live;
            total += row.stats.total;
            failures += row.stats.failures;
        }
        group->setText(2, QString::number(live));
        group->setText(3, QString::number(total));
        group->setText(4, decisions ? QStringLiteral("%1 %").arg(100.0 * double(total) / double(decisions), 0, 'f', 0)
                                    : QStringLiteral("–"));
        group->setText(5, QString::number(failures));
    }

    m_decisions->clear();
    const auto &recent = m_connections->recentDecisions();
    for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
        auto *item = new QTreeWidgetItem(m_decisions);
        item->setText(0, QDateTime::fromMSecsSinceEpoch(it->wallMs).toString(QStringLiteral("HH:mm:ss")));
        item->setText(1, QStringLiteral("#%1").arg(it->connectionId));
        item->setText(2, it->route.upstreamServer);
        QStringList why;
        why << it->route.algorithm;
        if (!it->route.key.isEmpty())
            why << tr("key %1").arg(it->route.key);
        if (it->route.attempt > 1)
            why << tr("attempt %1").arg(it->route.attempt);
        if (!it->route.skipped.isEmpty())
            why << tr("skipped %1").arg(it->route.skipped.join(QStringLiteral(", ")));
        why << tr("client %1").arg(it->client);
        item->setText(3, why.join(QStringLiteral("; ")));
    }
}

void MainWindow::refreshStatus()
{
    const double seconds = double(m_rateClock.restart()) / 1000.0;
    const qint64 messages = m_connections->messagesSeen();
    if (seconds > 0)
        m_messagesPerSecond = double(messages - m_rateMessages) / seconds;
    m_rateMessages = messages;
    m_statusListeners->setText(tr("Listening on %1").arg(m_source->listeners().join(QStringLiteral(", "))));
    m_statusConnections->setText(tr("Connections: %1 live, %2 total")
                                     .arg(QLocale().toString(m_connections->liveConnections()),
                                          QLocale().toString(m_connections->totalConnections())));
    m_statusRate->setText(tr("%1 msg/s").arg(QLocale().toString(m_messagesPerSecond, 'f', 0)));
    // Dropped by the source (its budget for us was full) or by the model
    // (too far behind to catch up).
    const quint64 dropped = m_source->droppedEvents() + quint64(m_connections->eventsDropped());
    m_statusDropped->setText(tr("Dropped events: %1").arg(QLocale().toString(dropped)));
    m_statusDropped->setStyleSheet(dropped ? QStringLiteral("color: #c01c28") : QString());
}

void MainWindow::autoScroll()
{
    if (!m_autoScroll->isChecked() || !m_framesView->isVisible())
        return;
    QScrollBar *bar = m_framesView->verticalScrollBar();
    if (bar->value() != bar->maximum())
        m_framesView->scrollToBottom();
}

void MainWindow::handleConfigEdited()
{
    m_configCheckTimer->start();
}

void MainWindow::runConfigCheck()
{
    showDiagnostics(m_source->checkConfig(m_configEditor->toPlainText()));
}

void MainWindow::showDiagnostics(const ConfigCheckResult &result)
{
    m_configDiagnostics->clear();
    QList<QTextEdit::ExtraSelection> marks;
    QList<ConfigEditor::Marker> markers;
    // Where a message belongs in the edited text: its own line, or for one in
    // an included file the line of the outermost include.
    const QString editedFile = m_source->configName();
    auto lineInEditor = [&](const ConfLocation &location, const QList<ConfLocation> &includedFrom) {
        if (!location.isValid())
            return 0;
        if (location.file.isEmpty() || location.file == editedFile || includedFrom.isEmpty())
            return location.line;
        return includedFrom.constLast().line;
    };
    auto marker = [&](int line, int column, ConfigEditor::Severity severity, const QString &message) {
        if (line > 0)
            markers << ConfigEditor::Marker{line, column, severity, message};
    };
    auto mark = [&](int line, const QColor &colour, const QString &tip) {
        if (line <= 0)
            return;
        QTextEdit::ExtraSelection sel;
        sel.cursor = QTextCursor(m_configEditor->document()->findBlockByNumber(line - 1));
        sel.format.setBackground(colour);
        sel.format.setProperty(QTextFormat::FullWidthSelection, true);
        sel.format.setToolTip(tip);
        marks << sel;
    };
    int errors = 0;
    int warnings = 0;
    for (const ConfDiagnostic &d : result.diagnostics) {
        auto *item = new QTreeWidgetItem(m_configDiagnostics);
        item->setText(0, d.location.isValid() ? QStringLiteral("%1:%2").arg(d.location.line).arg(d.location.column) : QString());
        item->setData(0, Qt::UserRole, d.location.line);
        item->setData(0, Qt::UserRole + 1, d.location.column);
        QString kind;
        QColor colour;
        switch (d.severity) {
        case ConfDiagnostic::Severity::Error:
            kind = tr("error");
            colour = QColor(0xfa, 0xd4, 0xd4);
            ++errors;
            break;
        case ConfDiagnostic::Severity::Warning:
            kind = tr("warning");
            colour = QColor(0xfc, 0xef, 0xc0);
            ++warnings;
            break;
        case ConfDiagnostic::Severity::Note:
            kind = tr("note");
            break;
        }
        item->setText(1, kind);
        item->setText(2, d.message);
        item->setToolTip(2, d.toString());
        const int line = lineInEditor(d.location, d.includedFrom);
        const ConfigEditor::Severity severity = d.severity == ConfDiagnostic::Severity::Error ? ConfigEditor::Severity::Error
            : d.severity == ConfDiagnostic::Severity::Warning                                ? ConfigEditor::Severity::Warning
                                                                                             : ConfigEditor::Severity::Note;
        item->setIcon(1, ConfigEditor::severityIcon(severity));
        marker(line, line == d.location.line ? d.location.column : 0, severity, d.message);
        if (colour.isValid()) {
            item->setForeground(1, colour.darker(250));
            mark(line, colour, d.message);
        }
    }
    for (const DoctorFinding &f : result.findings) {
        auto *item = new QTreeWidgetItem(m_configDiagnostics);
        item->setText(0, f.location.isValid() ? QStringLiteral("%1:%2").arg(f.location.line).arg(f.location.column) : QString());
        item->setData(0, Qt::UserRole, f.location.line);
        item->setData(0, Qt::UserRole + 1, f.location.column);
        item->setText(1, tr("doctor"));
        item->setForeground(1, QColor(0x8b, 0x1c, 0x9c));
        item->setText(2, QStringLiteral("%1 [%2]").arg(f.message, f.rule));
        auto *fix = new QTreeWidgetItem(item);
        fix->setText(2, tr("fix: %1").arg(f.fix));
        item->setExpanded(true);
        item->setIcon(1, ConfigEditor::severityIcon(ConfigEditor::Severity::Doctor));
        const int line = lineInEditor(f.location, {});
        marker(line, f.location.column, ConfigEditor::Severity::Doctor,
               QStringLiteral("%1 [%2]\n%3").arg(f.message, f.rule, tr("fix: %1").arg(f.fix)));
        mark(line, QColor(0xec, 0xdc, 0xf4), f.message + QLatin1Char('\n') + f.fix);
        ++warnings;
    }
    m_configEditor->setExtraSelections(marks);
    m_configEditor->setMarkers(markers);
    if (errors)
        m_configStatus->setText(tr("%n error(s): Apply will keep the running configuration.", nullptr, errors));
    else if (warnings)
        m_configStatus->setText(tr("Valid, with %n warning(s) or doctor finding(s).", nullptr, warnings));
    else
        m_configStatus->setText(tr("Valid."));
}

void MainWindow::handleApplyConfig()
{
    const ConfigCheckResult result = m_source->applyConfig(m_configEditor->toPlainText());
    showDiagnostics(result);
    if (result.ok) {
        m_configStatus->setText(tr("Applied: new connections use it; open tunnels keep their configuration."));
        appendLog(tr("Configuration applied; listening on %1").arg(m_source->listeners().join(QStringLiteral(", "))));
        refreshUpstreams();
        refreshStatus();
    } else if (!result.applyError.isEmpty()) {
        m_configStatus->setText(tr("Not applied: %1").arg(result.applyError));
        appendLog(tr("Configuration not applied: %1").arg(result.applyError));
    } else {
        m_configStatus->setText(tr("Not applied: the configuration has errors; the running one stays."));
        appendLog(tr("Configuration not applied: it has errors"));
    }
}

void MainWindow::handleConfigChanged()
{
    refreshStatus();
    refreshUpstreams();
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
    m_configEditor->setPlainText(text);
    showView(QStringLiteral("config"));
    handleApplyConfig();
}

QList<quint64> MainWindow::selectedConnectionIds() const
{
    QList<quint64> ids;
    for (const QModelIndex &index : m_connectionsView->selectionModel()->selectedRows())
        ids << index.data(ConnectionsModel::ConnectionIdRole).toULongLong();
    return ids;
}

bool MainWindow::saveHar(const QString &path, const QList<quint64> &ids, QString *error)
{
    CaptureWriter writer(path);
    if (ids.isEmpty()) {
        for (int row = 0; row < m_connections->rowCount(); ++row)
            writer.consume(m_connections->recordAt(row)->toEvents());
    } else {
        for (quint64 id : ids) {
            if (const ConnectionRecord *r = m_connections->record(id))
                writer.consume(r->toEvents());
        }
    }
    return writer.writeHar(error);
}

void MainWindow::handleSaveHar(bool selectedOnly)
{
    const QList<quint64> ids = selectedOnly ? selectedConnectionIds() : QList<quint64>();
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
        m_connectionTabs->setCurrentIndex(0);
    else if (view == QLatin1String("frames"))
        m_connectionTabs->setCurrentIndex(1);
    else if (view == QLatin1String("ping"))
        m_connectionTabs->setCurrentIndex(2);
    else if (view == QLatin1String("upstreams"))
        raiseDock(QStringLiteral("upstreamsDock"));
    else if (view == QLatin1String("config"))
        raiseDock(QStringLiteral("configDock"));
    else if (view == QLatin1String("log"))
        raiseDock(QStringLiteral("logDock"));
}
