// The window attached to instances instead of owning a proxy: several
// instances merged into one connection list (an Instance column, ids tagged
// per instance, injection routed back to the owner, one upstreams view per
// instance). Real proxies on loopback with real echo upstreams, offscreen.

#include "attachdialog.h"
#include "config/configcompiler.h"
#include "connectionsmodel.h"
#include "framesmodel.h"
#include "mainwindow.h"
#include "panes/linkbanner.h"
#include "proxy/proxyserver.h"
#include "remote/localinspectorsource.h"
#include "remote/mergedinspectorsource.h"
#include "remote/remoteinspectorsource.h"
#include "testsupport.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QTemporaryDir>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QSettings>
#include <QSignalSpy>
#include <QTreeView>
#include <QWebSocket>
#include <QWebSocketServer>

#include <csignal>

namespace {

QString configFor(quint16 echoPort, bool pings = false)
{
    return QStringLiteral("http {\n"
                          "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                          "  upstream echo { server 127.0.0.1:%1; }\n"
                          "  server {\n"
                          "    listen 127.0.0.1:0;\n"
                          "    location / {\n"
                          "      proxy_pass http://echo;\n"
                          "      proxy_http_version 1.1;\n"
                          "      proxy_set_header Upgrade $http_upgrade;\n"
                          "      proxy_set_header Connection $connection_upgrade;\n"
                          "      proxy_read_timeout 1h;\n"
                          "%2"
                          "    }\n"
                          "  }\n"
                          "}\n")
        .arg(echoPort)
        .arg(pings ? QStringLiteral("      ws_ping_interval 400ms;\n      ws_ping_timeout 30s;\n") : QString());
}

} // namespace

class tst_AttachedWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void twoInstancesMergeIntoOneList();
    void remoteDaemonShowsWhatALocalProxyShows();
    void wrongOrMissingTokenIsRefused();
    void readOnlyChannelRefusesInjectAndReload();
    void pausesTheDaemonsRecording();
    void reconnectsAfterTheDaemonRestarts();
    void reconnectsAfterTheDaemonIsKilled();
    void attachDialogRemembersTargets();

private:
    struct Instance
    {
        std::unique_ptr<ProxyServer> server;
        LocalInspectorSource *source = nullptr; // owned by the merged source
        quint16 port = 0;
    };
    bool startInstance(Instance *instance, const QString &name, MergedInspectorSource *merged);
    // A headless wsscope process with the inspection channel on `inspectPort`.
    bool startDaemon(TestSupport::PeerProcess *daemon, quint16 inspectPort, const QStringList &extra = {});
    // A window attached to 127.0.0.1:inspectPort.
    std::unique_ptr<MainWindow> attachedWindow(quint16 inspectPort, const QString &tokenFile);

    QTemporaryDir m_dir;
    QString m_tokenFile;

    QWebSocketServer *m_echo = nullptr;
};

void tst_AttachedWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    m_echo = new QWebSocketServer(QStringLiteral("echo"), QWebSocketServer::NonSecureMode, this);
    QVERIFY(m_echo->listen(QHostAddress::LocalHost, 0));
    connect(m_echo, &QWebSocketServer::newConnection, m_echo, [this] {
        while (QWebSocket *s = m_echo->nextPendingConnection()) {
            s->setParent(m_echo);
            connect(s, &QWebSocket::textMessageReceived, s, [s](const QString &m) { s->sendTextMessage(m); });
        }
    });
    QVERIFY(m_dir.isValid());
    m_tokenFile = m_dir.filePath(QStringLiteral("token"));
    QFile token(m_tokenFile);
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write("s3cret-token\n");
}

bool tst_AttachedWindow::startDaemon(TestSupport::PeerProcess *daemon, quint16 inspectPort, const QStringList &extra)
{
    const QString conf = m_dir.filePath(QStringLiteral("daemon.conf"));
    QFile file(conf);
    if (!file.open(QIODevice::WriteOnly) || file.write(configFor(m_echo->serverPort(), true).toUtf8()) < 0)
        return false;
    file.close();
    return daemon->start(TestSupport::wsscopeBinary(),
                         QStringList{QStringLiteral("--no-gui"), QStringLiteral("-c"), conf, QStringLiteral("--inspect-listen"),
                                     QStringLiteral("127.0.0.1:%1").arg(inspectPort), QStringLiteral("--inspect-token-file"),
                                     m_tokenFile, QStringLiteral("--inspect-name"), QStringLiteral("daemon")}
                             + extra);
}

std::unique_ptr<MainWindow> tst_AttachedWindow::attachedWindow(quint16 inspectPort, const QString &tokenFile)
{
    auto *merged = new MergedInspectorSource;
    merged->addMember(new RemoteInspectorSource(AttachTarget{QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(inspectPort)), tokenFile}));
    auto window = std::make_unique<MainWindow>(merged);
    merged->setParent(window.get());
    window->show();
    return window;
}

bool tst_AttachedWindow::startInstance(Instance *instance, const QString &name, MergedInspectorSource *merged)
{
    const QString text = configFor(m_echo->serverPort());
    ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), name + QStringLiteral(".conf"));
    const RuntimeSnapshot runtime = ProxyRuntime::build(&compiled);
    if (!compiled.ok())
        return false;
    instance->server = std::make_unique<ProxyServer>();
    instance->source = new LocalInspectorSource(instance->server.get(), text, name + QStringLiteral(".conf"));
    instance->source->setInstanceName(name);
    QString error;
    if (!instance->server->start(runtime, &error))
        return false;
    instance->port = instance->server->boundAddresses().constFirst().port;
    merged->addMember(instance->source);
    return true;
}

void tst_AttachedWindow::twoInstancesMergeIntoOneList()
{
    Instance a;
    Instance b;
    auto merged = std::make_unique<MergedInspectorSource>();
    QVERIFY(startInstance(&a, QStringLiteral("alpha"), merged.get()));
    QVERIFY(startInstance(&b, QStringLiteral("beta"), merged.get()));
    MainWindow window(merged.get());
    window.show();
    ConnectionsModel *model = window.connectionsModel();

    // Both proxies number their first connection 1: the list keeps both.
    QWebSocket toA;
    QWebSocket toB;
    QStringList fromB;
    connect(&toB, &QWebSocket::textMessageReceived, this, [&fromB](const QString &m) { fromB << m; });
    toA.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/a").arg(a.port)));
    toB.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/b").arg(b.port)));
    QTRY_COMPARE(toA.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(toB.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(model->rowCount(), 2);
    QHash<QString, int> rowByPath;
    for (int row = 0; row < model->rowCount(); ++row)
        rowByPath.insert(model->index(row, ConnectionsModel::ColPath).data().toString(), row);
    QVERIFY(rowByPath.contains(QStringLiteral("/a")) && rowByPath.contains(QStringLiteral("/b")));
    const QModelIndex rowA = model->index(rowByPath.value(QStringLiteral("/a")), 0);
    const QModelIndex rowB = model->index(rowByPath.value(QStringLiteral("/b")), 0);
    QCOMPARE(rowA.siblingAtColumn(ConnectionsModel::ColInstance).data().toString(), QStringLiteral("alpha"));
    QCOMPARE(rowB.siblingAtColumn(ConnectionsModel::ColInstance).data().toString(), QStringLiteral("beta"));
    // Each shows the id its own proxy gave it; the window's ids carry the
    // instance, so two proxies' equal ids (each daemon starts at 1) cannot
    // collide. (In one process the two proxies share a counter.)
    const quint64 idA = rowA.data(ConnectionsModel::ConnectionIdRole).toULongLong();
    const quint64 idB = rowB.data(ConnectionsModel::ConnectionIdRole).toULongLong();
    QCOMPARE(InstanceIds::instance(idA), 1);
    QCOMPARE(InstanceIds::instance(idB), 2);
    QCOMPARE(rowA.siblingAtColumn(ConnectionsModel::ColId).data().toString(), QString::number(InstanceIds::local(idA)));
    QCOMPARE(rowB.siblingAtColumn(ConnectionsModel::ColId).data().toString(), QString::number(InstanceIds::local(idB)));
    QCOMPARE(model->connectionLabel(idB), QString::number(InstanceIds::local(idB)) + QStringLiteral("@beta"));
    auto *view = window.findChild<QTableView *>(QStringLiteral("connectionsView"));
    QVERIFY(view && !view->isColumnHidden(ConnectionsModel::ColInstance));

    // Frames of beta's connection, and an injection that reaches beta's client
    // (not alpha's, whose proxy also has a connection 1).
    QStringList fromA;
    connect(&toA, &QWebSocket::textMessageReceived, this, [&fromA](const QString &m) { fromA << m; });
    toB.sendTextMessage(QStringLiteral("hello beta"));
    QTRY_COMPARE(fromB.size(), 1);
    QVERIFY(window.selectConnection(idB));
    QTRY_COMPARE(window.framesFilter()->rowCount(), 2);
    window.findChild<QPlainTextEdit *>(QStringLiteral("sendPayload"))->setPlainText(QStringLiteral("for beta's client"));
    window.findChild<QComboBox *>(QStringLiteral("sendDirection"))->setCurrentIndex(1); // to the client
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("sendButton")), Qt::LeftButton);
    QTRY_COMPARE(fromB.size(), 2);
    QCOMPARE(fromB.constLast(), QStringLiteral("for beta's client"));
    QTRY_COMPARE(window.framesFilter()->rowCount(), 3);
    QVERIFY(fromA.isEmpty());

    // One upstreams view per instance, each counting its own proxy's connection.
    auto *tabs = window.findChild<QTabWidget *>(QStringLiteral("upstreamsTabs"));
    QVERIFY(tabs);
    QCOMPARE(tabs->count(), 2);
    QCOMPARE(tabs->tabText(0), QStringLiteral("alpha"));
    QCOMPARE(tabs->tabText(1), QStringLiteral("beta"));
    const QString server = QStringLiteral("127.0.0.1:%1").arg(m_echo->serverPort());
    for (int t = 0; t < 2; ++t) {
        auto *tree = tabs->widget(t)->findChild<QTreeView *>(QStringLiteral("upstreamsTree"));
        QVERIFY(tree);
        QTRY_VERIFY(!tree->model()->match(tree->model()->index(0, 0), Qt::DisplayRole, server, 1, Qt::MatchRecursive).isEmpty());
        const QModelIndex row = tree->model()->match(tree->model()->index(0, 0), Qt::DisplayRole, server, 1,
                                                     Qt::MatchRecursive).constFirst();
        QTRY_COMPARE(row.siblingAtColumn(3).data().toString(), QStringLiteral("1")); // total: its own one
    }
    // The configuration per instance too.
    auto *configs = window.findChild<QTabWidget *>(QStringLiteral("configTabs"));
    QVERIFY(configs && configs->count() == 2);

    // The banner names both instances.
    auto *banner = window.findChild<LinkBanner *>(QStringLiteral("linkBanner"));
    QVERIFY(banner && banner->isVisible());
    QVERIFY2(banner->text().contains(QStringLiteral("alpha")) && banner->text().contains(QStringLiteral("beta")),
             qPrintable(banner->text()));
    toA.close();
    toB.close();
}

namespace {

// What a window shows of its first connection: the row, the frames and the
// proxy's pings, in words that do not depend on ids or times.
struct Picture
{
    QString path;
    QString state;
    QStringList frames; // "→ text hello needle"
    int pings = 0;      // the proxy's own pings answered (RTT measured)
};

Picture pictureOf(MainWindow *w)
{
    Picture p;
    ConnectionsModel *model = w->connectionsModel();
    if (model->rowCount() == 0)
        return p;
    const ConnectionRecord *r = model->recordAt(0);
    p.path = model->index(0, ConnectionsModel::ColPath).data().toString();
    p.state = model->index(0, ConnectionsModel::ColState).data().toString();
    for (const FrameRecord &f : r->frames) {
        if (f.opcode == WsOpcode::Text)
            p.frames << QStringLiteral("%1 %2").arg(f.direction == Direction::ClientToUpstream ? QStringLiteral("→") : QStringLiteral("←"),
                                                    QString::fromUtf8(f.payload));
    }
    p.pings = int(r->pings.size());
    return p;
}

// The same conversation through whichever proxy listens on `port`.
void talk(quint16 port, QWebSocket *client, QStringList *received)
{
    QObject::connect(client, &QWebSocket::textMessageReceived, client, [received](const QString &m) { *received << m; });
    client->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/chat").arg(port)));
    QTRY_COMPARE_WITH_TIMEOUT(client->state(), QAbstractSocket::ConnectedState, 10000);
    // One at a time, so both proxies see the frames in one order.
    client->sendTextMessage(QStringLiteral("hello needle"));
    QTRY_COMPARE_WITH_TIMEOUT(received->size(), 1, 10000);
    client->sendTextMessage(QStringLiteral("{\"type\":\"chat\"}"));
    QTRY_COMPARE_WITH_TIMEOUT(received->size(), 2, 10000);
}

} // namespace

void tst_AttachedWindow::remoteDaemonShowsWhatALocalProxyShows()
{
    // The local proxy, in this process, with its window.
    const QString text = configFor(m_echo->serverPort(), true);
    ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), QStringLiteral("local.conf"));
    ProxyServer server;
    LocalInspectorSource localSource(&server, text, QStringLiteral("local.conf"));
    QString error;
    QVERIFY2(server.start(ProxyRuntime::build(&compiled), &error), qPrintable(error));
    MainWindow localWindow(&localSource);
    localWindow.show();

    // The daemon in another process, with a window attached to it.
    TestSupport::PeerProcess daemon;
    const quint16 inspectPort = TestSupport::unusedPort();
    QVERIFY2(startDaemon(&daemon, inspectPort), daemon.output().constData());
    std::unique_ptr<MainWindow> remoteWindow = attachedWindow(inspectPort, m_tokenFile);
    InspectorSource *remote = remoteWindow->findChild<RemoteInspectorSource *>();
    QVERIFY(remote);
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Up, 10000);
    QCOMPARE(remote->instanceName(), QStringLiteral("daemon"));

    // The same traffic through both.
    QWebSocket toLocal;
    QWebSocket toDaemon;
    QStringList fromLocal;
    QStringList fromDaemon;
    talk(server.boundAddresses().constFirst().port, &toLocal, &fromLocal);
    if (QTest::currentTestFailed())
        return;
    talk(daemon.port(), &toDaemon, &fromDaemon);
    if (QTest::currentTestFailed())
        return;

    // The same row, frames and pings in both windows.
    QTRY_VERIFY_WITH_TIMEOUT(pictureOf(&localWindow).pings >= 2 && pictureOf(remoteWindow.get()).pings >= 2, 10000);
    const Picture l = pictureOf(&localWindow);
    const Picture r = pictureOf(remoteWindow.get());
    QCOMPARE(r.path, l.path);
    QCOMPARE(r.state, l.state);
    QCOMPARE(r.frames, l.frames);
    QCOMPARE(l.frames, QStringList({QStringLiteral("→ hello needle"), QStringLiteral("← hello needle"),
                                    QStringLiteral("→ {\"type\":\"chat\"}"), QStringLiteral("← {\"type\":\"chat\"}")}));
    QCOMPARE(remoteWindow->connectionsModel()->index(0, ConnectionsModel::ColInstance).data().toString(), QStringLiteral("daemon"));

    // The send panel drives the daemon's connection.
    MainWindow *w = remoteWindow.get();
    QVERIFY(w->selectConnection(w->connectionsModel()->recordAt(0)->id));
    w->findChild<QPlainTextEdit *>(QStringLiteral("sendPayload"))->setPlainText(QStringLiteral("from afar"));
    w->findChild<QComboBox *>(QStringLiteral("sendDirection"))->setCurrentIndex(1); // to the client
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("sendButton")), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(fromDaemon.size(), 3, 10000);
    QCOMPARE(fromDaemon.constLast(), QStringLiteral("from afar"));

    // The upstreams view counts with the daemon's balancer.
    auto *tree = w->findChild<QTabWidget *>(QStringLiteral("upstreamsTabs"))->widget(0)->findChild<QTreeView *>(QStringLiteral("upstreamsTree"));
    const QString upstream = QStringLiteral("127.0.0.1:%1").arg(m_echo->serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(!tree->model()->match(tree->model()->index(0, 0), Qt::DisplayRole, upstream, 1, Qt::MatchRecursive).isEmpty(), 10000);
    const QModelIndex row = tree->model()->match(tree->model()->index(0, 0), Qt::DisplayRole, upstream, 1, Qt::MatchRecursive).constFirst();
    QTRY_COMPARE_WITH_TIMEOUT(row.siblingAtColumn(2).data().toString(), QStringLiteral("1"), 5000); // live

    // The configuration: the daemon's text, checked and applied through the channel.
    auto *editor = w->findChild<QPlainTextEdit *>(QStringLiteral("configEditor"));
    QTRY_COMPARE_WITH_TIMEOUT(editor->toPlainText(), text, 10000);
    auto *status = w->findChild<QLabel *>(QStringLiteral("configStatus"));
    editor->setPlainText(QStringLiteral("http { server { listen 127.0.0.1:0; location / { proxy_pas http://x; } } }\n"));
    auto *diagnostics = w->findChild<QTreeView *>(QStringLiteral("configDiagnostics"));
    QTRY_VERIFY_WITH_TIMEOUT(!diagnostics->model()->match(diagnostics->model()->index(0, 1), Qt::DisplayRole, QStringLiteral("error")).isEmpty(), 10000);
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("applyConfig")), Qt::LeftButton);
    QTRY_VERIFY2_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Not applied")), qPrintable(status->text()), 10000);
    editor->setPlainText(text + QStringLiteral("# applied from the window\n"));
    QTest::qWait(500); // the check of the new text
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("applyConfig")), Qt::LeftButton);
    QTRY_VERIFY2_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Applied")), qPrintable(status->text()), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(remote->configText().endsWith(QStringLiteral("# applied from the window\n")), 10000);
    toLocal.close();
    toDaemon.close();
    remoteWindow.reset();
    QCOMPARE(daemon.terminate(), 0);
}

void tst_AttachedWindow::wrongOrMissingTokenIsRefused()
{
    TestSupport::PeerProcess daemon;
    const quint16 inspectPort = TestSupport::unusedPort();
    QVERIFY2(startDaemon(&daemon, inspectPort), daemon.output().constData());
    const QString wrong = m_dir.filePath(QStringLiteral("wrong"));
    QFile file(wrong);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not-the-token");
    file.close();
    for (const QString &token : {wrong, QString()}) {
        std::unique_ptr<MainWindow> w = attachedWindow(inspectPort, token);
        auto *remote = w->findChild<RemoteInspectorSource *>();
        QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Lost, 10000);
        QVERIFY2(remote->linkDetail().contains(QStringLiteral("token")), qPrintable(remote->linkDetail()));
        QVERIFY(remote->instanceName().isEmpty()); // no hello, nothing sent
        QCOMPARE(w->connectionsModel()->rowCount(), 0);
    }
    QTRY_VERIFY_WITH_TIMEOUT(daemon.output().contains("refused 127.0.0.1 (no token)"), 5000);
    QVERIFY(daemon.output().contains("refused 127.0.0.1 (wrong token)"));
    QVERIFY(!daemon.output().contains("s3cret-token") && !daemon.output().contains("not-the-token"));
    // Failed attempts from one address are limited: the right token is
    // refused too now, without being checked.
    std::unique_ptr<MainWindow> w = attachedWindow(inspectPort, wrong);
    QTRY_VERIFY_WITH_TIMEOUT(daemon.output().contains("too many failed attempts"), 20000);
    w.reset();
    std::unique_ptr<MainWindow> right = attachedWindow(inspectPort, m_tokenFile);
    auto *remote = right->findChild<RemoteInspectorSource *>();
    QTRY_VERIFY_WITH_TIMEOUT(remote->linkDetail().contains(QStringLiteral("too many")), 10000);
    QCOMPARE(daemon.terminate(), 0);
}

void tst_AttachedWindow::readOnlyChannelRefusesInjectAndReload()
{
    TestSupport::PeerProcess daemon;
    const quint16 inspectPort = TestSupport::unusedPort();
    QVERIFY2(startDaemon(&daemon, inspectPort, {QStringLiteral("--inspect-readonly")}), daemon.output().constData());
    std::unique_ptr<MainWindow> w = attachedWindow(inspectPort, m_tokenFile);
    auto *remote = w->findChild<RemoteInspectorSource *>();
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Up, 10000);
    QVERIFY(!remote->canInject() && !remote->canApply());
    QVERIFY(!w->findChild<QPushButton *>(QStringLiteral("sendButton"))->isEnabled());
    QVERIFY(!w->findChild<QPushButton *>(QStringLiteral("applyConfig"))->isEnabled());
    QWebSocket client;
    QStringList received;
    talk(daemon.port(), &client, &received);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE_WITH_TIMEOUT(w->connectionsModel()->rowCount(), 1, 10000);
    // Past the window's disabled buttons, the daemon itself says no.
    QSignalSpy refused(remote, &InspectorSource::injectRefused);
    QSignalSpy applied(remote, &InspectorSource::configApplied);
    remote->inject(InstanceIds::local(w->connectionsModel()->recordAt(0)->id), Direction::UpstreamToClient, WsOpcode::Text, "sneaky");
    remote->applyConfig(remote->configText());
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 1, 10000);
    QVERIFY2(refused.at(0).at(1).toString().contains(QStringLiteral("read-only")), qPrintable(refused.at(0).at(1).toString()));
    QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 10000);
    const auto result = applied.at(0).at(1).value<ConfigCheckResult>();
    QVERIFY(!result.ok);
    QVERIFY(result.applyError.contains(QStringLiteral("read-only")));
    QTest::qWait(300);
    QCOMPARE(received.size(), 2); // nothing injected
    // Nor may it pause the recording: the action is off, and the daemon says no.
    auto *pause = w->findChild<QAction *>(QStringLiteral("actionPauseRecording"));
    QVERIFY(pause && !pause->isEnabled());
    QSignalSpy pauseRefused(remote, &InspectorSource::recordingRefused);
    remote->InspectorSource::setRecordingPaused(true); // the base: does nothing
    QVERIFY(!pauseRefused.wait(300));
    static_cast<RemoteInspectorSource *>(remote)->setRecordingPaused(true);
    QTRY_COMPARE_WITH_TIMEOUT(pauseRefused.size(), 1, 10000);
    QVERIFY2(pauseRefused.at(0).at(0).toString().contains(QStringLiteral("read-only")), qPrintable(pauseRefused.at(0).at(0).toString()));
    QVERIFY(!remote->recording().paused);
    client.close();
    QCOMPARE(daemon.terminate(), 0);
}

// The Instance menu's Pause switches the daemon's recording for every
// attached window: one pauses, a window attaching meanwhile finds it paused,
// nothing of the pause reaches either, the other resumes.
void tst_AttachedWindow::pausesTheDaemonsRecording()
{
    TestSupport::PeerProcess daemon;
    const quint16 inspectPort = TestSupport::unusedPort();
    QVERIFY2(startDaemon(&daemon, inspectPort), daemon.output().constData());
    std::unique_ptr<MainWindow> first = attachedWindow(inspectPort, m_tokenFile);
    auto *firstSource = first->findChild<RemoteInspectorSource *>();
    QTRY_COMPARE_WITH_TIMEOUT(firstSource->link(), InspectorSource::Link::Up, 10000);
    auto *pause = first->findChild<QAction *>(QStringLiteral("actionPauseRecording"));
    QVERIFY(pause && pause->isEnabled() && !pause->isChecked());
    pause->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(firstSource->recording().paused, 10000);
    QVERIFY(pause->isChecked());
    QVERIFY(!firstSource->recording().by.isEmpty());
    auto *banner = first->findChild<LinkBanner *>(QStringLiteral("linkBanner"));
    QVERIFY2(banner->text().contains(QStringLiteral("recording paused by ") + firstSource->recording().by.toHtmlEscaped()),
             qPrintable(banner->text()));

    std::unique_ptr<MainWindow> second = attachedWindow(inspectPort, m_tokenFile);
    auto *secondSource = second->findChild<RemoteInspectorSource *>();
    QTRY_COMPARE_WITH_TIMEOUT(secondSource->link(), InspectorSource::Link::Up, 10000);
    QVERIFY(secondSource->recording().paused); // from its hello
    QCOMPARE(secondSource->recording().by, firstSource->recording().by);
    auto *resume = second->findChild<QAction *>(QStringLiteral("actionPauseRecording"));
    QVERIFY(resume->isChecked());

    {
        QWebSocket client;
        QStringList received;
        talk(daemon.port(), &client, &received);
        if (QTest::currentTestFailed())
            return;
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, 10000);
    }
    // Counted by the daemon (its figures, asked every second): open, request,
    // route, response, tunnel, two messages each way, the closes.
    QTRY_VERIFY_WITH_TIMEOUT(firstSource->recording().notRecorded >= 8, 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(banner->text().contains(QStringLiteral("events so far")), qPrintable(banner->text()), 5000);
    const quint64 counted = firstSource->recording().notRecorded;
    resume->trigger(); // unchecks: resume
    QTRY_VERIFY_WITH_TIMEOUT(!firstSource->recording().paused && !secondSource->recording().paused, 10000);
    QVERIFY(!pause->isChecked() && !resume->isChecked());
    // The paused connection's events were counted, not shown.
    // A fresh daemon's one pause: at least what its figures had counted (a
    // ping or close batch may still have come in after that reading), and
    // both windows were told the same number.
    QVERIFY2(firstSource->recording().lastNotRecorded >= counted,
             qPrintable(QStringLiteral("%1 < %2").arg(firstSource->recording().lastNotRecorded).arg(counted)));
    QCOMPARE(secondSource->recording().lastNotRecorded, firstSource->recording().lastNotRecorded);
    QVERIFY2(!banner->text().contains(QStringLiteral("recording paused")), qPrintable(banner->text()));

    QWebSocket client;
    QStringList received;
    talk(daemon.port(), &client, &received);
    if (QTest::currentTestFailed())
        return;
    for (MainWindow *w : {first.get(), second.get()}) {
        QTRY_COMPARE_WITH_TIMEOUT(w->connectionsModel()->rowCount(), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(w->connectionsModel()->recordAt(0)->framesUp >= 2, 5000);
    }
    client.close();
    QCOMPARE(daemon.terminate(), 0);
}

void tst_AttachedWindow::reconnectsAfterTheDaemonRestarts()
{
    auto daemon = std::make_unique<TestSupport::PeerProcess>();
    const quint16 inspectPort = TestSupport::unusedPort();
    QVERIFY2(startDaemon(daemon.get(), inspectPort), daemon->output().constData());
    std::unique_ptr<MainWindow> w = attachedWindow(inspectPort, m_tokenFile);
    auto *remote = w->findChild<RemoteInspectorSource *>();
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Up, 10000);
    {
        QWebSocket client;
        QStringList received;
        talk(daemon->port(), &client, &received);
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(w->connectionsModel()->rowCount(), 1, 10000);
    }
    QCOMPARE(daemon->terminate(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Lost, 10000);
    auto *banner = w->findChild<LinkBanner *>(QStringLiteral("linkBanner"));
    QTRY_VERIFY2_WITH_TIMEOUT(banner->text().contains(QStringLiteral("link lost")), qPrintable(banner->text()), 5000);

    daemon = std::make_unique<TestSupport::PeerProcess>();
    QVERIFY2(startDaemon(daemon.get(), inspectPort), daemon->output().constData());
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Up, 15000);
    QVERIFY(banner->lastGapMs(remote) > 0);
    QTRY_VERIFY2_WITH_TIMEOUT(banner->text().contains(QStringLiteral("last gap")), qPrintable(banner->text()), 5000);
    // The new run's connection 1 is a new row, not the old one's.
    QWebSocket client;
    QStringList received;
    talk(daemon->port(), &client, &received);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE_WITH_TIMEOUT(w->connectionsModel()->rowCount(), 2, 10000);
    ConnectionsModel *model = w->connectionsModel();
    QVERIFY(model->recordAt(0)->closed);  // the first run's, closed by its drain
    QVERIFY(!model->recordAt(1)->closed); // the new run's, open
    QTRY_VERIFY_WITH_TIMEOUT(model->recordAt(1)->framesUp >= 2, 5000);
    client.close();
    QCOMPARE(daemon->terminate(), 0);
}

void tst_AttachedWindow::reconnectsAfterTheDaemonIsKilled()
{
    // Killed (SIGKILL), the daemon closes nothing and says nothing: the
    // window learns that its open connection ended only from the new run's
    // hello, on the same inspection port.
    auto daemon = std::make_unique<TestSupport::PeerProcess>();
    const quint16 inspectPort = TestSupport::unusedPort();
    QVERIFY2(startDaemon(daemon.get(), inspectPort), daemon->output().constData());
    std::unique_ptr<MainWindow> w = attachedWindow(inspectPort, m_tokenFile);
    auto *remote = w->findChild<RemoteInspectorSource *>();
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Up, 10000);
    ConnectionsModel *model = w->connectionsModel();
    QWebSocket before;
    QStringList received;
    talk(daemon->port(), &before, &received);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(model->recordAt(0)->framesUp >= 2, 5000);
    QCOMPARE(::kill(pid_t(daemon->pid()), SIGKILL), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!daemon->isRunning(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Lost, 10000);
    auto *banner = w->findChild<LinkBanner *>(QStringLiteral("linkBanner"));
    QTRY_VERIFY2_WITH_TIMEOUT(banner->text().contains(QStringLiteral("link lost")), qPrintable(banner->text()), 5000);
    QVERIFY(!model->recordAt(0)->closed); // no close came, and the window does not guess

    daemon = std::make_unique<TestSupport::PeerProcess>();
    QVERIFY2(startDaemon(daemon.get(), inspectPort), daemon->output().constData());
    QTRY_COMPARE_WITH_TIMEOUT(remote->link(), InspectorSource::Link::Up, 15000);
    QVERIFY(banner->lastGapMs(remote) > 0);
    QTRY_VERIFY2_WITH_TIMEOUT(banner->text().contains(QStringLiteral("last gap")), qPrintable(banner->text()), 5000);
    // The old run's connection is closed now, saying why the window did not see it.
    QTRY_VERIFY_WITH_TIMEOUT(model->recordAt(0)->closed.has_value(), 5000);
    QCOMPARE(model->recordAt(0)->closed->cause, CloseCause::Drain);
    QVERIFY2(model->recordAt(0)->closed->detail.contains(QStringLiteral("restarted")),
             qPrintable(model->recordAt(0)->closed->detail));
    // Rows from after the restart appear, apart from the old one.
    QWebSocket after;
    QStringList afterReceived;
    talk(daemon->port(), &after, &afterReceived);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 10000);
    QVERIFY(!model->recordAt(1)->closed);
    QVERIFY(model->recordAt(1)->id != model->recordAt(0)->id);
    QTRY_VERIFY_WITH_TIMEOUT(model->recordAt(1)->framesUp >= 2, 5000);
    after.close();
    QCOMPARE(daemon->terminate(), 0);
}

void tst_AttachedWindow::attachDialogRemembersTargets()
{
    QSettings settings(m_dir.filePath(QStringLiteral("attach.ini")), QSettings::IniFormat);
    const AttachTarget one{QUrl(QStringLiteral("ws://127.0.0.1:9901")), QStringLiteral("/tmp/one.token")};
    const AttachTarget two{QUrl(QStringLiteral("wss://prod-2.example.com:9901")), QString()};
    AttachDialog::remember(one, &settings);
    AttachDialog::remember(two, &settings);
    QCOMPARE(AttachDialog::load(settings), QList<AttachTarget>({two, one})); // the last used first
    AttachDialog::remember(one, &settings);
    QCOMPARE(AttachDialog::load(settings), QList<AttachTarget>({one, two})); // no copy
    for (int i = 0; i < AttachDialog::MaxRecent + 3; ++i)
        AttachDialog::remember(AttachTarget{QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(10000 + i)), {}}, &settings);
    QCOMPARE(AttachDialog::load(settings).size(), AttachDialog::MaxRecent);

    // The dialog offers the last one, and says what is wrong with a bad URL.
    AttachDialog dialog(AttachDialog::load(settings));
    QCOMPARE(dialog.target(), AttachDialog::load(settings).constFirst());
    QVERIFY(AttachDialog::check(QUrl(QStringLiteral("http://127.0.0.1:9901"))).contains(QStringLiteral("ws://")));
    QVERIFY(AttachDialog::check(QUrl(QStringLiteral("wss://server:9901"))).isEmpty());
}

QTEST_MAIN(tst_AttachedWindow)
#include "tst_attachedwindow.moc"
