// The inspector window against a real ProxyServer on loopback with real
// echo upstreams (Qt WebSockets), offscreen. The listener runs on this
// thread: everything waits with QTRY_*, never with waitFor*.

#include "config/configcompiler.h"
#include "connectionsmodel.h"
#include "framesmodel.h"
#include "localinspectorsource.h"
#include "mainwindow.h"
#include "proxy/proxyserver.h"
#include "quickstartdialog.h"

#include <QComboBox>
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

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void connectionHandshakeFramesSendAndUpstreams();
    void configEditorDiagnosticsAndApply();
    void quickStartWritesAConfigThatCompiles();

private:
    QWebSocketServer *startEcho();
    QList<QWebSocketServer *> m_echo;
    std::unique_ptr<ProxyServer> m_server;
    std::unique_ptr<LocalInspectorSource> m_source;
    std::unique_ptr<MainWindow> m_window;
    QString m_configText;
    quint16 m_port = 0;
};

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
    for (int i = 0; i < 2; ++i) {
        QWebSocketServer *echo = startEcho();
        QVERIFY(echo);
        m_echo << echo;
    }
    m_configText = QStringLiteral(
                       "http {\n"
                       "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                       "  upstream echo { server 127.0.0.1:%1; server 127.0.0.1:%2; }\n"
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
                       "  }\n"
                       "}\n")
                       .arg(m_echo.at(0)->serverPort())
                       .arg(m_echo.at(1)->serverPort());
    const ConfigCompileResult compiled = ConfigCompiler::compileText(m_configText.toUtf8(), QStringLiteral("test.conf"));
    QVERIFY2(compiled.ok(), compiled.diagnostics.isEmpty() ? "" : qPrintable(compiled.diagnostics.constFirst().toString()));
    m_server = std::make_unique<ProxyServer>();
    m_source = std::make_unique<LocalInspectorSource>(m_server.get(), m_configText, QStringLiteral("test.conf"));
    QString error;
    QVERIFY2(m_server->start(compiled.config, &error), qPrintable(error));
    m_port = m_server->boundAddresses().constFirst().port;
    m_window = std::make_unique<MainWindow>(m_source.get());
    m_window->show();
}

void tst_MainWindow::cleanupTestCase()
{
    m_window.reset();
    m_source.reset();
    m_server.reset();
}

void tst_MainWindow::connectionHandshakeFramesSendAndUpstreams()
{
    MainWindow *w = m_window.get();
    ConnectionsModel *model = w->connectionsModel();

    QWebSocket client;
    QStringList received;
    connect(&client, &QWebSocket::textMessageReceived, this, [&received](const QString &m) { received << m; });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/chat").arg(m_port)));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);

    // A connection appears, open, routed to one of the echo servers.
    QTRY_COMPARE(model->rowCount(), 1);
    const quint64 id = model->index(0, 0).data(ConnectionsModel::ConnectionIdRole).toULongLong();
    QTRY_COMPARE(model->index(0, ConnectionsModel::ColState).data().toString(), QStringLiteral("open"));
    QCOMPARE(model->index(0, ConnectionsModel::ColPath).data().toString(), QStringLiteral("/chat"));
    QVERIFY(w->selectConnection(id));
    QCOMPARE(w->selectedConnection(), id);

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
    second.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/other").arg(m_port)));
    QTRY_COMPARE(second.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(model->rowCount(), 2);
    auto *upstreams = w->findChild<QTreeWidget *>(QStringLiteral("upstreamsTree"));
    QVERIFY(upstreams);
    for (QWebSocketServer *echo : std::as_const(m_echo)) {
        const QString name = QStringLiteral("127.0.0.1:%1").arg(echo->serverPort());
        QTRY_VERIFY(findItem(upstreams, name));
        QTRY_COMPARE(findItem(upstreams, name)->text(3), QStringLiteral("1")); // total
        QTRY_COMPARE(findItem(upstreams, name)->text(2), QStringLiteral("1")); // live
    }
    QTreeWidgetItem *group = findItem(upstreams, QStringLiteral("echo"));
    QVERIFY(group);
    QCOMPARE(group->text(3), QStringLiteral("2"));

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

void tst_MainWindow::configEditorDiagnosticsAndApply()
{
    MainWindow *w = m_window.get();
    auto *editor = w->findChild<QPlainTextEdit *>(QStringLiteral("configEditor"));
    auto *diagnostics = w->findChild<QTreeWidget *>(QStringLiteral("configDiagnostics"));
    QVERIFY(editor && diagnostics);
    editor->setPlainText(QStringLiteral("server { listen 127.0.0.1:0; location / { proxy_pas http://x; } }\n"));
    QTRY_VERIFY(findItem(diagnostics, QStringLiteral("error"), 1));
    const QString before = m_source->configText();
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("applyConfig")), Qt::LeftButton);
    QCOMPARE(m_source->configText(), before); // errors: the running configuration stays
    // Two servers without stickiness: the doctor says so, no errors.
    editor->setPlainText(m_configText);
    QTRY_VERIFY(!findItem(diagnostics, QStringLiteral("error"), 1));
    QTRY_VERIFY(findItem(diagnostics, QStringLiteral("doctor"), 1));
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("applyConfig")), Qt::LeftButton);
    QCOMPARE(m_source->configText(), m_configText);
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
    QVERIFY(QuickStartDialog::buildConfig(QStringLiteral("127.0.0.1:8080"), {QStringLiteral("wss://a:1")}, true, 0, &error)
                .isEmpty());
    QVERIFY(error.contains(QStringLiteral("TLS")));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
