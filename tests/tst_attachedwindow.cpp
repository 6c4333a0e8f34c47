// The window attached to instances instead of owning a proxy: several
// instances merged into one connection list (an Instance column, ids tagged
// per instance, injection routed back to the owner, one upstreams view per
// instance). Real proxies on loopback with real echo upstreams, offscreen.

#include "config/configcompiler.h"
#include "connectionsmodel.h"
#include "framesmodel.h"
#include "localinspectorsource.h"
#include "mainwindow.h"
#include "mergedinspectorsource.h"
#include "panes/linkbanner.h"
#include "proxy/proxyserver.h"

#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTreeView>
#include <QWebSocket>
#include <QWebSocketServer>

namespace {

QString configFor(quint16 echoPort)
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
                          "    }\n"
                          "  }\n"
                          "}\n")
        .arg(echoPort);
}

} // namespace

class tst_AttachedWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void twoInstancesMergeIntoOneList();

private:
    struct Instance
    {
        std::unique_ptr<ProxyServer> server;
        LocalInspectorSource *source = nullptr; // owned by the merged source
        quint16 port = 0;
    };
    bool startInstance(Instance *instance, const QString &name, MergedInspectorSource *merged);

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

QTEST_MAIN(tst_AttachedWindow)
#include "tst_attachedwindow.moc"
