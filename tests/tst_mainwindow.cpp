// The inspector window against a real ProxyServer on loopback with real
// echo upstreams (Qt WebSockets), offscreen. The listener runs on this
// thread: everything waits with QTRY_*, never with waitFor*.
//
// Every pane test runs twice (the "source" column): once with the window on
// the proxy's own LocalInspectorSource, once attached as File → Attach does
// (a MergedInspectorSource over a RemoteInspectorSource) to the same kind of
// proxy's inspection channel (InspectChannel) on loopback, token and all. The
// panes cannot tell the two apart, so each assertion holds for both; where
// an attached window differs (Instance column, link banner, tabs per
// instance), the test says so for each.

#include "config/configcompiler.h"
#include "configeditor.h"
#include "connectionsmodel.h"
#include "framesmodel.h"
#include "inspectchannel.h"
#include "mainwindow.h"
#include "panes/linkbanner.h"
#include "pingchart.h"
#include "proxy/proxyserver.h"
#include "quickstartdialog.h"
#include "remote/localinspectorsource.h"
#include "remote/mergedinspectorsource.h"
#include "remote/remoteinspectorsource.h"
#include "tls/certificateauthority.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHelpEvent>
#include <QImage>
#include <QLabel>
#include <QRegularExpression>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTableView>
#include <QToolButton>
#include <QToolTip>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QWebSocket>
#include <QWebSocketServer>

namespace {

QTreeWidgetItem *findItem(QTreeWidget *tree, const QString &text, int column = 0)
{
    const QList<QTreeWidgetItem *> items = tree->findItems(text, Qt::MatchExactly | Qt::MatchRecursive, column);
    return items.isEmpty() ? nullptr : items.constFirst();
}

// The row of a model-backed tree whose `column` shows `text` (any depth).
QModelIndex findRow(QTreeView *tree, const QString &text, int column = 0)
{
    QAbstractItemModel *model = tree->model();
    const QModelIndexList rows = model->match(model->index(0, column), Qt::DisplayRole, text, 1,
                                              Qt::MatchExactly | Qt::MatchRecursive);
    return rows.isEmpty() ? QModelIndex() : rows.constFirst();
}

QString cell(const QModelIndex &row, int column)
{
    return row.siblingAtColumn(column).data().toString();
}

// The id of the connection shown with `path` (0: none).
quint64 shownWithPath(const ConnectionsModel *model, const QString &path)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->recordAt(row)->pathText() == path)
            return model->recordAt(row)->id;
    }
    return 0;
}

// One proxy and the window watching it. Members are destroyed bottom-up:
// the window before the sources it holds, the channel before the proxy's
// source it serves.
struct Rig
{
    std::unique_ptr<ProxyServer> server;
    std::unique_ptr<LocalInspectorSource> proxySource; // the proxy's own source (served by the channel when remote)
    std::unique_ptr<InspectChannel> channel;           // remote: the daemon's end, on loopback
    std::unique_ptr<MergedInspectorSource> attached;   // remote: what File → Attach gives the window
    std::unique_ptr<MainWindow> window;
    quint16 port = 0; // the proxy's listener

    bool remote() const { return attached != nullptr; }
    // Bottom-up, as the destructor would.
    void stop()
    {
        window.reset();
        attached.reset();
        channel.reset();
        proxySource.reset();
        server.reset();
    }
    // What the window reads from.
    InspectorSource *windowSource() const
    {
        return attached ? static_cast<InspectorSource *>(attached.get()) : proxySource.get();
    }
};

constexpr auto RemoteInstance = "remote-proxy";

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void connectionHandshakeFramesSendAndUpstreams_data() { addSourceRows(); }
    void connectionHandshakeFramesSendAndUpstreams();
    void pingTimingShowsTheProxysPings_data() { addSourceRows(); }
    void pingTimingShowsTheProxysPings();
    void configEditorDiagnosticsAndApply_data() { addSourceRows(); }
    void configEditorDiagnosticsAndApply();
    void configEditorMarginShowsDiagnostics_data() { addSourceRows(); }
    void configEditorMarginShowsDiagnostics();
    void pauseStopsCaptureAndResumeContinues_data() { addSourceRows(); }
    void pauseStopsCaptureAndResumeContinues();
    void quickStartWritesAConfigThatCompiles();
    void quickStartTlsIssuesCertificateAndConfigCompiles();

private:
    QWebSocketServer *startEcho();
    static void addSourceRows();
    // The rig of the current row (its "remote" column).
    Rig &rig();
    bool startRig(Rig *rig, bool remote, QString *error);
    static void verifyWhatTheWindowIsOn(const Rig &r, quint64 id);

    QList<QWebSocketServer *> m_echo;
    QTemporaryDir m_dir;
    QString m_tokenFile;
    Rig m_local;
    Rig m_remote;
    QString m_configText;
};

void tst_MainWindow::addSourceRows()
{
    QTest::addColumn<bool>("remote");
    QTest::newRow("local") << false;
    QTest::newRow("remote") << true;
}

Rig &tst_MainWindow::rig()
{
    QFETCH(bool, remote);
    return remote ? m_remote : m_local;
}

QWebSocketServer *tst_MainWindow::startEcho()
{
    auto *server = new QWebSocketServer(QStringLiteral("echo"), QWebSocketServer::NonSecureMode, this);
    if (!server->listen(QHostAddress::LocalHost, 0))
        return nullptr;
    connect(server, &QWebSocketServer::newConnection, server, [server] {
        while (QWebSocket *s = server->nextPendingConnection()) {
            s->setParent(server);
            connect(s, &QWebSocket::textMessageReceived, s, [s](const QString &m) { s->sendTextMessage(m); });
            connect(s, &QWebSocket::binaryMessageReceived, s, [s](const QByteArray &m) { s->sendBinaryMessage(m); });
        }
    });
    return server;
}

void tst_MainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
    // Two behind "echo" (round-robin), one behind "pinged" (its own group, so
    // that its location adds no doctor finding).
    for (int i = 0; i < 3; ++i) {
        QWebSocketServer *echo = startEcho();
        QVERIFY(echo);
        m_echo << echo;
    }
    m_configText = QStringLiteral(
                       "http {\n"
                       "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                       "  upstream echo { server 127.0.0.1:%1; server 127.0.0.1:%2; }\n"
                       "  upstream pinged { server 127.0.0.1:%3; }\n"
                       "  server {\n"
                       "    listen 127.0.0.1:0;\n"
                       "    location / {\n"
                       "      proxy_pass http://echo;\n"
                       "      proxy_http_version 1.1;\n"
                       "      proxy_set_header Host $http_host;\n"
                       "      proxy_set_header Upgrade $http_upgrade;\n"
                       "      proxy_set_header Connection $connection_upgrade;\n"
                       "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                       "      proxy_read_timeout 1h;\n"
                       "    }\n"
                       "    location /pings {\n"
                       "      proxy_pass http://pinged;\n"
                       "      proxy_http_version 1.1;\n"
                       "      proxy_set_header Host $http_host;\n"
                       "      proxy_set_header Upgrade $http_upgrade;\n"
                       "      proxy_set_header Connection $connection_upgrade;\n"
                       "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                       "      proxy_read_timeout 1h;\n"
                       "      ws_ping_interval 200ms;\n"
                       "      ws_ping_timeout 30s;\n"
                       "    }\n"
                       "  }\n"
                       "}\n")
                       .arg(m_echo.at(0)->serverPort())
                       .arg(m_echo.at(1)->serverPort())
                       .arg(m_echo.at(2)->serverPort());
    QVERIFY(m_dir.isValid());
    m_tokenFile = m_dir.filePath(QStringLiteral("token"));
    QFile token(m_tokenFile);
    QVERIFY(token.open(QIODevice::WriteOnly) && token.write("pane-test-token\n") > 0);
    token.close();
    QString error;
    QVERIFY2(startRig(&m_local, false, &error), qPrintable(error));
    QVERIFY2(startRig(&m_remote, true, &error), qPrintable(error));
    // Attached: the hello names the instance and allows Apply and the send panel.
    InspectorSource *attached = m_remote.windowSource();
    QTRY_COMPARE(attached->link(), InspectorSource::Link::Up);
    QCOMPARE(attached->instanceName(), QString::fromLatin1(RemoteInstance));
    QVERIFY(attached->canApply() && attached->canInject());
    QTRY_COMPARE(attached->configText(), m_configText);
    QCOMPARE(m_local.windowSource()->link(), InspectorSource::Link::Local);
}

// A proxy on loopback with the test's configuration, and a window on it:
// directly, or through an inspection channel as an attached window.
bool tst_MainWindow::startRig(Rig *rig, bool remote, QString *error)
{
    ConfigCompileResult compiled = ConfigCompiler::compileText(m_configText.toUtf8(), QStringLiteral("test.conf"));
    const RuntimeSnapshot runtime = ProxyRuntime::build(&compiled);
    if (!compiled.ok()) {
        *error = compiled.diagnostics.isEmpty() ? QString() : compiled.diagnostics.constFirst().toString();
        return false;
    }
    rig->server = std::make_unique<ProxyServer>();
    rig->proxySource = std::make_unique<LocalInspectorSource>(rig->server.get(), m_configText, QStringLiteral("test.conf"));
    if (!rig->server->start(runtime, error))
        return false;
    rig->port = rig->server->boundAddresses().constFirst().port;
    if (!remote) {
        rig->window = std::make_unique<MainWindow>(rig->proxySource.get());
        rig->window->show();
        return true;
    }
    rig->channel = std::make_unique<InspectChannel>(
        rig->proxySource.get(), InspectChannel::Settings{QString::fromLatin1(RemoteInstance), "pane-test-token", false});
    if (!rig->channel->listen(QStringLiteral("127.0.0.1:0"), error))
        return false;
    // As MainWindow::attachTo makes it: a merged source of one remote instance.
    rig->attached = std::make_unique<MergedInspectorSource>();
    rig->attached->addMember(new RemoteInspectorSource(
        AttachTarget{QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(rig->channel->port())), m_tokenFile}));
    rig->window = std::make_unique<MainWindow>(rig->attached.get());
    rig->window->show();
    return true;
}

void tst_MainWindow::cleanupTestCase()
{
    m_remote.stop();
    m_local.stop();
}

// Attached, the window says to what: the banner names the instance, the
// Instance column shows it, and the first row's id is the daemon's own,
// tagged with its instance (1, the only one). A local window shows neither.
void tst_MainWindow::verifyWhatTheWindowIsOn(const Rig &r, quint64 id)
{
    MainWindow *w = r.window.get();
    const ConnectionsModel *model = w->connectionsModel();
    auto *banner = w->findChild<LinkBanner *>(QStringLiteral("linkBanner"));
    auto *connections = w->findChild<QTableView *>(QStringLiteral("connectionsView"));
    QVERIFY(banner && connections);
    QCOMPARE(banner->isVisible(), r.remote());
    QCOMPARE(!connections->isColumnHidden(ConnectionsModel::ColInstance), r.remote());
    if (r.remote()) {
        QVERIFY2(banner->text().contains(QLatin1String(RemoteInstance)), qPrintable(banner->text()));
        QCOMPARE(model->index(0, ConnectionsModel::ColInstance).data().toString(), QString::fromLatin1(RemoteInstance));
        QCOMPARE(InstanceIds::instance(id), 1);
        QCOMPARE(model->index(0, ConnectionsModel::ColId).data().toString(), QString::number(InstanceIds::local(id)));
    } else {
        QCOMPARE(InstanceIds::instance(id), 0);
        QCOMPARE(model->index(0, ConnectionsModel::ColId).data().toString(), QString::number(id));
    }
}

void tst_MainWindow::connectionHandshakeFramesSendAndUpstreams()
{
    const Rig &r = rig();
    MainWindow *w = r.window.get();
    ConnectionsModel *model = w->connectionsModel();

    QWebSocket client;
    QStringList received;
    connect(&client, &QWebSocket::textMessageReceived, this, [&received](const QString &m) { received << m; });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/chat").arg(r.port)));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);

    // A connection appears, open, routed to one of the echo servers.
    QTRY_COMPARE(model->rowCount(), 1);
    const quint64 id = model->index(0, 0).data(ConnectionsModel::ConnectionIdRole).toULongLong();
    QTRY_COMPARE(model->index(0, ConnectionsModel::ColState).data().toString(), QStringLiteral("open"));
    QCOMPARE(model->index(0, ConnectionsModel::ColPath).data().toString(), QStringLiteral("/chat"));
    QVERIFY(w->selectConnection(id));
    QCOMPARE(w->selectedConnection(), id);
    verifyWhatTheWindowIsOn(r, id);
    if (QTest::currentTestFailed())
        return;

    // The handshake diff: X-Forwarded-For added by the proxy, Connection rewritten.
    w->showView(QStringLiteral("handshake"));
    auto *diff = w->findChild<QTreeWidget *>(QStringLiteral("requestDiff"));
    QVERIFY(diff);
    QTRY_VERIFY(findItem(diff, QStringLiteral("X-Forwarded-For")));
    QTreeWidgetItem *xff = findItem(diff, QStringLiteral("X-Forwarded-For"));
    QCOMPARE(xff->text(1), QString());
    QCOMPARE(xff->text(2), QStringLiteral("127.0.0.1"));
    QCOMPARE(xff->text(3), QStringLiteral("added"));
    QTreeWidgetItem *connection = findItem(diff, QStringLiteral("Connection"));
    QVERIFY(connection);
    QCOMPARE(connection->text(2), QStringLiteral("upgrade"));
    auto *response = w->findChild<QTreeWidget *>(QStringLiteral("responseHeaders"));
    QVERIFY(response->topLevelItemCount() > 0);
    QVERIFY(response->topLevelItem(0)->text(1).contains(QStringLiteral("101")));

    // Frames appear and can be searched.
    client.sendTextMessage(QStringLiteral("hello needle"));
    client.sendTextMessage(QStringLiteral("{\"type\":\"chat\"}"));
    QTRY_COMPARE(received.size(), 2);
    FramesFilterModel *frames = w->framesFilter();
    QTRY_COMPARE(frames->rowCount(), 4);
    w->showView(QStringLiteral("frames"));
    auto *search = w->findChild<QLineEdit *>(QStringLiteral("frameSearch"));
    search->setText(QStringLiteral("needle"));
    QCOMPARE(frames->rowCount(), 2);
    QCOMPARE(frames->index(0, FramesModel::ColDirection).data().toString(), QStringLiteral("→"));
    QCOMPARE(frames->index(1, FramesModel::ColDirection).data().toString(), QStringLiteral("←"));
    search->clear();
    QCOMPARE(frames->rowCount(), 4);

    // Sending from the panel reaches the echo upstream and comes back.
    auto *payload = w->findChild<QPlainTextEdit *>(QStringLiteral("sendPayload"));
    auto *direction = w->findChild<QComboBox *>(QStringLiteral("sendDirection"));
    auto *type = w->findChild<QComboBox *>(QStringLiteral("sendType"));
    payload->setPlainText(QStringLiteral("from the panel"));
    type->setCurrentIndex(0);
    direction->setCurrentIndex(0); // to the upstream
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("sendButton")), Qt::LeftButton);
    QTRY_COMPARE(received.size(), 3);
    QCOMPARE(received.constLast(), QStringLiteral("from the panel"));
    QTRY_COMPARE(frames->rowCount(), 6);
    const FrameRecord *injected = w->framesModel()->frameAt(4);
    QVERIFY(injected);
    QVERIFY(injected->injected);
    QCOMPARE(injected->payload, QByteArray("from the panel"));

    // Toward the client: the client gets it directly.
    payload->setPlainText(QStringLiteral("to you"));
    direction->setCurrentIndex(1);
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("sendButton")), Qt::LeftButton);
    QTRY_COMPARE(received.size(), 4);
    QCOMPARE(received.constLast(), QStringLiteral("to you"));

    // A second connection lands on the other server (round-robin); the
    // upstreams pane counts one per server.
    QWebSocket second;
    second.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/other").arg(r.port)));
    QTRY_COMPARE(second.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(model->rowCount(), 2);
    // Attached, the upstreams pane is one tab per instance, named by it.
    auto *upstreamTabs = w->findChild<QTabWidget *>(QStringLiteral("upstreamsTabs"));
    QCOMPARE(upstreamTabs != nullptr, r.remote());
    if (upstreamTabs) {
        QCOMPARE(upstreamTabs->count(), 1);
        QTRY_COMPARE(upstreamTabs->tabText(0), QString::fromLatin1(RemoteInstance));
    }
    const QList<QTreeView *> trees = w->findChildren<QTreeView *>(QStringLiteral("upstreamsTree"));
    QCOMPARE(trees.size(), 1);
    auto *upstreams = trees.constFirst();
    for (const QWebSocketServer *echo : {m_echo.at(0), m_echo.at(1)}) { // the "echo" group's
        const QString name = QStringLiteral("127.0.0.1:%1").arg(echo->serverPort());
        QTRY_VERIFY(findRow(upstreams, name).isValid());
        QTRY_COMPARE(cell(findRow(upstreams, name), 3), QStringLiteral("1")); // total
        QTRY_COMPARE(cell(findRow(upstreams, name), 2), QStringLiteral("1")); // live
    }
    const QModelIndex group = findRow(upstreams, QStringLiteral("echo"));
    QVERIFY(group.isValid());
    QCOMPARE(cell(group, 3), QStringLiteral("2"));

    // Closing is recorded with its cause; live counts go down.
    second.close();
    QTRY_VERIFY(!model->index(1, ConnectionsModel::ColClose).data().toString().isEmpty());
    QTRY_COMPARE(model->liveConnections(), 1);

    // HAR export of the selected connection.
    QTemporaryDir dir;
    QString error;
    const QString har = dir.filePath(QStringLiteral("one.har"));
    QVERIFY2(w->saveHar(har, {id}, &error), qPrintable(error));
    QFile file(har);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray json = file.readAll();
    QVERIFY(json.contains("from the panel"));
    QVERIFY(json.contains("\"_resourceType\": \"websocket\""));
    client.close();
}

void tst_MainWindow::pingTimingShowsTheProxysPings()
{
    const Rig &r = rig();
    MainWindow *w = r.window.get();
    QWebSocket client; // answers pings by itself, as browsers do
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/pings").arg(r.port)));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    QTRY_VERIFY(shownWithPath(w->connectionsModel(), QStringLiteral("/pings")) != 0);
    QVERIFY(w->selectConnection(shownWithPath(w->connectionsModel(), QStringLiteral("/pings"))));
    w->showView(QStringLiteral("ping"));
    auto *chart = w->findChild<PingChart *>(QStringLiteral("pingChart"));
    QVERIFY(chart && chart->isVisible());
    // The proxy's keepalive pings (ws_ping_interval 200ms), each answered:
    // their round trips are drawn, none a timeout.
    auto answered = [chart] {
        int n = 0;
        for (const PingSample &s : chart->samples())
            n += s.proxy && s.roundTripUs >= 0 ? 1 : 0;
        return n;
    };
    QTRY_VERIFY_WITH_TIMEOUT(answered() >= 3, 10000);
    for (const PingSample &s : chart->samples())
        QVERIFY(s.proxy && s.roundTripUs >= 0);
    QVERIFY2(chart->summaryText().contains(QStringLiteral("avg")), qPrintable(chart->summaryText()));
    QVERIFY2(!chart->summaryText().contains(QStringLiteral("timeout")), qPrintable(chart->summaryText()));
    client.close();
}

void tst_MainWindow::configEditorDiagnosticsAndApply()
{
    const Rig &r = rig();
    MainWindow *w = r.window.get();
    // Attached, the configuration pane is one tab per instance.
    auto *configTabs = w->findChild<QTabWidget *>(QStringLiteral("configTabs"));
    QCOMPARE(configTabs != nullptr, r.remote());
    if (configTabs)
        QCOMPARE(configTabs->count(), 1);
    auto *editor = w->findChild<QPlainTextEdit *>(QStringLiteral("configEditor"));
    auto *diagnostics = w->findChild<QTreeView *>(QStringLiteral("configDiagnostics"));
    QVERIFY(editor && diagnostics);
    // The editor holds the running text (attached: the daemon's, from the channel).
    QTRY_COMPARE(editor->toPlainText(), r.proxySource->configText());
    // The text is checked by the proxy's compiler (attached: the daemon's,
    // over the channel) as it is typed.
    editor->setPlainText(QStringLiteral("server { listen 127.0.0.1:0; location / { proxy_pas http://x; } }\n"));
    QTRY_VERIFY(findRow(diagnostics, QStringLiteral("error"), 1).isValid());
    auto *status = w->findChild<QLabel *>(QStringLiteral("configStatus"));
    QVERIFY(status);
    const QString before = r.proxySource->configText();
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("applyConfig")), Qt::LeftButton);
    // The answer comes from the source later (asynchronously).
    QTRY_VERIFY2(status->text().startsWith(QStringLiteral("Not applied")), qPrintable(status->text()));
    // Errors: the running configuration stays, and the window still shows it.
    QCOMPARE(r.proxySource->configText(), before);
    QCOMPARE(r.windowSource()->configText(), before);
    // Two servers without stickiness: the doctor says so, no errors.
    const QString applied = m_configText + QStringLiteral("# applied from the window\n");
    editor->setPlainText(applied);
    QTRY_VERIFY(!findRow(diagnostics, QStringLiteral("error"), 1).isValid());
    QTRY_VERIFY(findRow(diagnostics, QStringLiteral("doctor"), 1).isValid());
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("applyConfig")), Qt::LeftButton);
    QTRY_VERIFY2(status->text().startsWith(QStringLiteral("Applied")), qPrintable(status->text()));
    // The proxy runs the new text; the window's source learns it (attached:
    // the channel sends it after the reload's answer).
    QCOMPARE(r.proxySource->configText(), applied);
    QTRY_COMPARE(r.windowSource()->configText(), applied);
}

void tst_MainWindow::configEditorMarginShowsDiagnostics()
{
    MainWindow *w = rig().window.get();
    w->showView(QStringLiteral("config"));
    auto *editor = w->findChild<ConfigEditor *>(QStringLiteral("configEditor"));
    QVERIFY(editor);
    QWidget *gutter = editor->gutter();
    QVERIFY(gutter->isVisible());
    QVERIFY(gutter->width() > 0);
    // Line 3 has an unknown directive (an error at column 5); the two servers
    // without stickiness on line 2 are a doctor finding.
    const QString text = QStringLiteral("http {\n"
                                        "  upstream echo { server 127.0.0.1:%1; server 127.0.0.1:%2; }\n"
                                        "    proxy_pas http://x;\n"
                                        "  server { listen 127.0.0.1:0; location / { proxy_pass http://echo; } }\n"
                                        "}\n")
                             .arg(m_echo.at(0)->serverPort())
                             .arg(m_echo.at(1)->serverPort());
    editor->setPlainText(text);
    QTRY_VERIFY(!editor->markersOnLine(3).isEmpty());
    const ConfigEditor::Marker error = editor->markersOnLine(3).constFirst();
    QCOMPARE(error.severity, ConfigEditor::Severity::Error);
    QVERIFY2(error.message.contains(QStringLiteral("proxy_pas")), qPrintable(error.message));
    QVERIFY(editor->markersOnLine(1).isEmpty());

    // Painted in the margin: a red icon beside line 3, none beside line 1.
    const QRect icon = editor->markerIconRect(3);
    QVERIFY(!icon.isEmpty());
    QVERIFY(editor->markerIconRect(1).isEmpty());
    QCOMPARE(editor->lineAtGutterPosition(icon.center()), 3);
    const QImage image = gutter->grab().toImage();
    const qreal dpr = image.devicePixelRatio();
    // A pixel on the disc's ring (the centre holds the white cross).
    const QColor red = image.pixelColor(QPoint(int((icon.center().x() - icon.width() / 3) * dpr),
                                               int(icon.center().y() * dpr)));
    QVERIFY2(red.red() > 150 && red.green() < 110 && red.blue() < 110, qPrintable(red.name()));
    const QRect line1 = QRect(icon.left(), icon.top() - 2 * editor->fontMetrics().height(), icon.width(), icon.height());
    const QColor plain = image.pixelColor(QPoint(int(line1.center().x() * dpr), int(line1.center().y() * dpr)));
    QCOMPARE(plain, gutter->palette().color(QPalette::Window));

    // Hovering the icon shows the message.
    QToolTip::hideText();
    QHelpEvent help(QEvent::ToolTip, icon.center(), gutter->mapToGlobal(icon.center()));
    QApplication::sendEvent(gutter, &help);
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY2(QToolTip::text().contains(QStringLiteral("proxy_pas")), qPrintable(QToolTip::text()));
    QToolTip::hideText();

    // Clicking it puts the cursor where the diagnostic points and selects its list entry.
    QTextCursor start(editor->document());
    editor->setTextCursor(start);
    QSignalSpy activated(editor, &ConfigEditor::markerActivated);
    QTest::mouseClick(gutter, Qt::LeftButton, {}, icon.center());
    QCOMPARE(activated.size(), 1);
    QCOMPARE(editor->textCursor().blockNumber(), 2);
    QCOMPARE(editor->textCursor().positionInBlock(), error.column - 1);
    auto *diagnostics = w->findChild<QTreeView *>(QStringLiteral("configDiagnostics"));
    QVERIFY(diagnostics->currentIndex().isValid());
    QCOMPARE(diagnostics->currentIndex().siblingAtColumn(0).data(Qt::UserRole).toInt(), 3);

    // The test's own configuration has no error but a doctor finding (two
    // servers without stickiness): it gets its own (purple) icon.
    editor->setPlainText(m_configText);
    QTRY_VERIFY(editor->markersOnLine(3).isEmpty() && !editor->markers().isEmpty());
    QCOMPARE(editor->markers().size(), 1);
    const ConfigEditor::Marker doctor = editor->markers().constFirst();
    QCOMPARE(doctor.severity, ConfigEditor::Severity::Doctor);
    const QRect doctorIcon = editor->markerIconRect(doctor.line);
    QVERIFY(!doctorIcon.isEmpty());
    const QImage after = gutter->grab().toImage();
    const QColor purple = after.pixelColor(QPoint(int((doctorIcon.center().x() - doctorIcon.width() / 3) * dpr),
                                                  int(doctorIcon.center().y() * dpr)));
    QVERIFY2(purple.red() > 100 && purple.blue() > 100 && purple.green() < 80, qPrintable(purple.name()));
}

void tst_MainWindow::pauseStopsCaptureAndResumeContinues()
{
    const Rig &r = rig();
    MainWindow *w = r.window.get();
    ConnectionsModel *model = w->connectionsModel();
    auto *pause = w->findChild<QToolButton *>(QStringLiteral("pauseButton"));
    auto *status = w->findChild<QLabel *>(QStringLiteral("statusCapture"));
    QVERIFY(pause && status);

    QWebSocket before;
    int echoes = 0;
    connect(&before, &QWebSocket::textMessageReceived, this, [&echoes] { ++echoes; });
    before.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/before").arg(r.port)));
    QTRY_COMPARE(before.state(), QAbstractSocket::ConnectedState);
    QTRY_VERIFY(shownWithPath(model, QStringLiteral("/before")) != 0);
    const quint64 id = shownWithPath(model, QStringLiteral("/before"));
    before.sendTextMessage(QStringLiteral("captured"));
    QTRY_COMPARE(echoes, 1);
    QTRY_COMPARE(int(model->record(id)->frames.size()), 2);

    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(model->isPaused());
    QVERIFY(status->isVisible());
    const int rows = model->rowCount();
    const qint64 total = model->totalConnections();

    // While paused: a new connection and three round trips are not recorded.
    QWebSocket during;
    during.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/during").arg(r.port)));
    QTRY_COMPARE(during.state(), QAbstractSocket::ConnectedState);
    for (int i = 0; i < 3; ++i)
        before.sendTextMessage(QStringLiteral("not captured %1").arg(i));
    during.sendTextMessage(QStringLiteral("not captured either"));
    QTRY_COMPARE(echoes, 4);
    QTRY_COMPARE(model->skippedFrames(), 8); // 3 + 3 echoes, 1 + 1 echo
    QCOMPARE(model->skippedConnections(), 1);
    // Every event of the pause has been taken (the counts above): none made a record.
    QCOMPARE(model->totalConnections(), total);
    QCOMPARE(model->pendingCount(), 0);
    QCOMPARE(model->rowCount(), rows);
    QCOMPARE(int(model->record(id)->frames.size()), 2);
    QCOMPARE(model->record(id)->framesNotCaptured, quint64(6));
    QTRY_VERIFY2(status->text().contains(QStringLiteral("1 new connections"))
                     && status->text().contains(QStringLiteral("8 frames")),
                 qPrintable(status->text()));

    // Resumed: capture continues live, the connection from the pause stays out.
    QTest::mouseClick(pause, Qt::LeftButton);
    QVERIFY(!model->isPaused());
    before.sendTextMessage(QStringLiteral("live again"));
    during.sendTextMessage(QStringLiteral("still not"));
    QTRY_COMPARE(echoes, 5);
    QTRY_COMPARE(int(model->record(id)->frames.size()), 4);
    QCOMPARE(model->record(id)->frames.back().payload, QByteArray("live again"));
    QTRY_COMPARE(model->skippedFrames(), 10);
    QCOMPARE(model->rowCount(), rows);
    QVERIFY(!status->text().isEmpty()); // says what the pause missed

    // And a connection opened now is captured.
    QWebSocket after;
    after.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/after").arg(r.port)));
    QTRY_COMPARE(after.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(model->rowCount(), rows + 1);
    QCOMPARE(model->recordAt(rows)->pathText(), QStringLiteral("/after"));
    before.close();
    during.close();
    after.close();
}

void tst_MainWindow::quickStartWritesAConfigThatCompiles()
{
    QString error;
    const QString text = QuickStartDialog::buildConfig(QStringLiteral("127.0.0.1:0"),
                                                       {QStringLiteral("ws://127.0.0.1:9000/app/"),
                                                        QStringLiteral("ws://127.0.0.1:9001")},
                                                       true, 30, &error);
    QVERIFY2(!text.isEmpty(), qPrintable(error));
    const ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), QStringLiteral("quick.conf"));
    QVERIFY2(compiled.ok(), compiled.diagnostics.isEmpty() ? "" : qPrintable(compiled.diagnostics.constFirst().toString()));
    QVERIFY(text.contains(QStringLiteral("proxy_pass http://quickstart/app/;")));
    QVERIFY(QuickStartDialog::buildConfig(QStringLiteral("nonsense"), {QStringLiteral("ws://a:1")}, true, 0, &error).isEmpty());
    // A mixed group is refused: one group speaks TLS to all its servers or to none.
    QVERIFY(QuickStartDialog::buildConfig(QStringLiteral("127.0.0.1:8080"),
                                          {QStringLiteral("wss://127.0.0.1:1"), QStringLiteral("ws://127.0.0.1:2")}, true,
                                          0, &error)
                .isEmpty());
    QVERIFY(error.contains(QStringLiteral("TLS")));

    // wss:// upstreams: proxy_pass https:// with SNI naming the server, port 443 by default.
    const QString secure = QuickStartDialog::buildConfig(QStringLiteral("127.0.0.1:0"),
                                                         {QStringLiteral("wss://localhost/socket")}, true, 0, &error);
    QVERIFY2(!secure.isEmpty(), qPrintable(error));
    const ConfigCompileResult tls = ConfigCompiler::compileText(secure.toUtf8(), QStringLiteral("quick.conf"));
    QVERIFY2(tls.ok(), tls.diagnostics.isEmpty() ? "" : qPrintable(tls.diagnostics.constFirst().toString()));
    const LocationConfig &loc = tls.config->servers.constFirst().locations.front();
    QCOMPARE(loc.proxyPass.scheme, QByteArray("https"));
    QList<ConfDiagnostic> built;
    const RuntimeSnapshot runtime = ProxyRuntime::build(tls.config, nullptr, &built);
    QVERIFY(runtime && runtime->upstreamTls(loc));
    QVERIFY(loc.proxySslServerName);
    QCOMPARE(loc.proxyPass.upstream->servers.constFirst().port, quint16(443));
    QVERIFY(secure.contains(QStringLiteral("proxy_ssl_name localhost;")));
}

void tst_MainWindow::quickStartTlsIssuesCertificateAndConfigCompiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString caDir = dir.filePath(QStringLiteral("ca"));
    const QString certDir = dir.filePath(QStringLiteral("certs with space"));
    QuickStartDialog dialog;
    dialog.setTlsDirectories(caDir, certDir);
    dialog.setListen(QStringLiteral("127.0.0.1:0"));
    dialog.setUpstreams({QStringLiteral("ws://127.0.0.1:9000")});
    dialog.setTls(true);
    QVERIFY(!CertificateAuthority::existsIn(caDir));
    QString error;
    const QString text = dialog.configText(&error);
    QVERIFY2(!text.isEmpty(), qPrintable(error));

    // The CA was created (no CA before), the certificate issued for the listen host.
    QVERIFY(CertificateAuthority::existsIn(caDir));
    QVERIFY(dialog.tlsFiles());
    const QuickStartDialog::TlsFiles files = *dialog.tlsFiles();
    QVERIFY(QFileInfo::exists(files.certificate));
    QVERIFY(QFileInfo::exists(files.key));
    QCOMPARE(QFileInfo(files.key).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
    QVERIFY(files.hosts.contains(QStringLiteral("127.0.0.1")));

    // The configuration: a TLS listener naming those files, and it compiles.
    QVERIFY2(text.contains(QStringLiteral("listen 127.0.0.1:0 ssl;")), qPrintable(text));
    const QRegularExpression certRe(QStringLiteral(R"re(ssl_certificate\s+"([^"]+)";)re"));
    const QRegularExpression keyRe(QStringLiteral(R"re(ssl_certificate_key\s+"([^"]+)";)re"));
    QCOMPARE(certRe.match(text).captured(1), files.certificate);
    QCOMPARE(keyRe.match(text).captured(1), files.key);
    const ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), QStringLiteral("quick-tls.conf"));
    QVERIFY2(compiled.ok(), compiled.diagnostics.isEmpty() ? "" : qPrintable(compiled.diagnostics.constFirst().toString()));

    // Certificate and key match, and the chain verifies against the CA for
    // 127.0.0.1: a TLS handshake on loopback with exactly these files.
    QFile caFile(QDir(caDir).filePath(QLatin1StringView(CertificateAuthority::CertificateFile)));
    QVERIFY(caFile.open(QIODevice::ReadOnly));
    const QByteArray caPem = caFile.readAll();
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(files.certificate);
    QVERIFY(chain.size() >= 2);
    QVERIFY(chain.constFirst().subjectAlternativeNames().values(QSsl::IpAddressEntry).contains(QStringLiteral("127.0.0.1")));
    QFile keyFile(files.key);
    QVERIFY(keyFile.open(QIODevice::ReadOnly));
    const QByteArray keyPem = keyFile.readAll();
    QSslKey key(keyPem, QSsl::Ec);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Rsa);
    QVERIFY(!key.isNull());
    QSslServer server;
    QSslConfiguration serverConfig = QSslConfiguration::defaultConfiguration();
    serverConfig.setLocalCertificateChain(chain);
    serverConfig.setPrivateKey(key);
    server.setSslConfiguration(serverConfig);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSslSocket client;
    QSslConfiguration clientConfig = QSslConfiguration::defaultConfiguration();
    clientConfig.setCaCertificates(QSslCertificate::fromData(caPem));
    client.setSslConfiguration(clientConfig);
    QList<QSslError> errors;
    connect(&client, &QSslSocket::sslErrors, this, [&errors](const QList<QSslError> &e) { errors << e; });
    client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.serverPort());
    QTRY_VERIFY2(client.isEncrypted() || !errors.isEmpty(), qPrintable(client.errorString()));
    QStringList why;
    for (const QSslError &e : std::as_const(errors))
        why << e.errorString();
    QVERIFY2(errors.isEmpty(), qPrintable(why.join(QStringLiteral("; "))));
    QCOMPARE(client.peerCertificate(), chain.constFirst());

    // A second run keeps the CA (certificates it issued stay trusted).
    QVERIFY(caFile.seek(0));
    QuickStartDialog again;
    again.setTlsDirectories(caDir, certDir);
    again.setListen(QStringLiteral("127.0.0.1:0"));
    again.setTls(true);
    QVERIFY2(!again.configText(&error).isEmpty(), qPrintable(error));
    QFile caAgain(caFile.fileName());
    QVERIFY(caAgain.open(QIODevice::ReadOnly));
    QCOMPARE(caAgain.readAll(), caPem);

    // Without TLS, no certificate is made.
    QuickStartDialog plain;
    const QString otherCa = dir.filePath(QStringLiteral("other-ca"));
    plain.setTlsDirectories(otherCa, dir.filePath(QStringLiteral("other-certs")));
    QVERIFY(!plain.configText(&error).contains(QStringLiteral("ssl")));
    QVERIFY(!CertificateAuthority::existsIn(otherCa));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
