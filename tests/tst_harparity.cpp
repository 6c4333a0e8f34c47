// The window's "Save as HAR" and `--capture` write the same entries: one real
// client connection (tests/peers/keepalive_then_ws.py) makes three keep-alive
// HTTP exchanges and then upgrades to WebSocket, once through an in-process
// ProxyServer shown by the real MainWindow, once through the wsscope binary
// with --capture. Both HARs must hold four entries on that one connection,
// with the same URLs and statuses, each starting at its own time, in order.
// (Before the ConnectionStore, the window's HAR had one entry per connection.)
// The window runs twice: on the proxy's own source, and attached to the
// proxy's inspection channel on loopback (as File → Attach does), whose
// events arrive as JSON.

#include "config/configcompiler.h"
#include "connectionsmodel.h"
#include "inspectchannel.h"
#include "mainwindow.h"
#include "proxy/proxyserver.h"
#include "remote/localinspectorsource.h"
#include "remote/mergedinspectorsource.h"
#include "remote/remoteinspectorsource.h"
#include "testsupport.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {

QJsonArray harEntries(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object().value(QLatin1String("log")).toObject()
        .value(QLatin1String("entries")).toArray();
}

struct Entry
{
    QString url;
    int status = 0;
    QString connection;
    qint64 startMs = 0;
    QList<int> opcodes; // of the WebSocket messages
};

QList<Entry> summary(const QJsonArray &entries)
{
    QList<Entry> out;
    for (const QJsonValue &v : entries) {
        const QJsonObject e = v.toObject();
        Entry s;
        s.url = e.value(QLatin1String("request")).toObject().value(QLatin1String("url")).toString();
        s.status = e.value(QLatin1String("response")).toObject().value(QLatin1String("status")).toInt();
        s.connection = e.value(QLatin1String("connection")).toString();
        s.startMs = QDateTime::fromString(e.value(QLatin1String("startedDateTime")).toString(), Qt::ISODateWithMs)
                        .toMSecsSinceEpoch();
        for (const QJsonValue &m : e.value(QLatin1String("_webSocketMessages")).toArray())
            s.opcodes << m.toObject().value(QLatin1String("opcode")).toInt();
        out << s;
    }
    return out;
}

} // namespace

class tst_HarParity : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void windowHarMatchesCapture_data();
    void windowHarMatchesCapture();

private:
    QString configText() const;
    // Runs the client against `port`; false if it did not finish cleanly.
    bool runClient(quint16 port, QByteArray *output);
    // remote: the window attached to the proxy's inspection channel.
    QList<Entry> viaWindow(bool remote);
    QList<Entry> viaCapture();

    PeerProcess m_http;
    PeerProcess m_ws;
    QTemporaryDir m_dir;
    std::optional<QList<Entry>> m_capture; // the binary's, made once for both rows
};

void tst_HarParity::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_http.startPython(QStringLiteral("http_upstream.py")), m_http.output().constData());
    QVERIFY2(m_ws.startPython(QStringLiteral("ws_echo_server.py")), m_ws.output().constData());
}

QString tst_HarParity::configText() const
{
    return QStringLiteral("http {\n"
                          "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                          "  upstream api { server 127.0.0.1:%1; }\n"
                          "  upstream ws { server 127.0.0.1:%2; }\n"
                          "  server {\n"
                          "    listen 127.0.0.1:0;\n"
                          "    location /api/ { proxy_pass http://api; proxy_http_version 1.1; }\n"
                          "    location /ws {\n"
                          "      proxy_pass http://ws;\n"
                          "      proxy_http_version 1.1;\n"
                          "      proxy_set_header Upgrade $http_upgrade;\n"
                          "      proxy_set_header Connection $connection_upgrade;\n"
                          "    }\n"
                          "  }\n"
                          "}\n")
        .arg(m_http.port())
        .arg(m_ws.port());
}

bool tst_HarParity::runClient(quint16 port, QByteArray *output)
{
    // Run asynchronously: the in-process proxy's listener lives on this thread.
    QProcess client;
    client.setProcessChannelMode(QProcess::MergedChannels);
    client.start(systemPython(), {peersDir() + QStringLiteral("/keepalive_then_ws.py"), QStringLiteral("--port"),
                                  QString::number(port)});
    if (!client.waitForStarted(10000))
        return false;
    QElapsedTimer clock;
    clock.start();
    while (client.state() != QProcess::NotRunning && clock.elapsed() < 30000)
        QTest::qWait(20);
    *output = client.readAll();
    return client.state() == QProcess::NotRunning && client.exitStatus() == QProcess::NormalExit
        && client.exitCode() == 0;
}

QList<Entry> tst_HarParity::viaWindow(bool remote)
{
    const QString text = configText();
    ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), QStringLiteral("parity.conf"));
    const RuntimeSnapshot runtime = ProxyRuntime::build(&compiled);
    if (!compiled.ok())
        return {};
    ProxyServer server;
    LocalInspectorSource source(&server, text, QStringLiteral("parity.conf"));
    QString error;
    if (!server.start(runtime, &error)) {
        qWarning() << error;
        return {};
    }
    InspectChannel channel(&source, InspectChannel::Settings{QStringLiteral("parity"), {}, false});
    MergedInspectorSource attached;
    if (remote) {
        if (!channel.listen(QStringLiteral("127.0.0.1:0"), &error)) {
            qWarning() << error;
            return {};
        }
        attached.addMember(new RemoteInspectorSource(
            AttachTarget{QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(channel.port())), QString()}));
    }
    MainWindow window(remote ? static_cast<InspectorSource *>(&attached) : &source);
    window.show();
    // Attached: the traffic starts once the link is up (a later attach would
    // see it too, from the channel's history, but that is not what is tested).
    QElapsedTimer linkClock;
    linkClock.start();
    while (remote && attached.link() != InspectorSource::Link::Up && linkClock.elapsed() < 10000)
        QTest::qWait(20);
    QByteArray output;
    const bool ok = runClient(server.boundAddresses().constFirst().port, &output);
    if (!ok) {
        qWarning() << "client:" << output;
        return {};
    }
    ConnectionsModel *model = window.connectionsModel();
    // Until the connection's close reached the window.
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 10000 && !(model->rowCount() == 1 && model->recordAt(0)->closed))
        QTest::qWait(20);
    const QString path = m_dir.filePath(QStringLiteral("window.har"));
    if (!window.saveHar(path, {}, &error)) {
        qWarning() << error;
        return {};
    }
    return summary(harEntries(path));
}

QList<Entry> tst_HarParity::viaCapture()
{
    const QString conf = m_dir.filePath(QStringLiteral("parity.conf"));
    QFile f(conf);
    if (!f.open(QIODevice::WriteOnly) || f.write(configText().toUtf8()) < 0)
        return {};
    f.close();
    const QString capture = m_dir.filePath(QStringLiteral("capture"));
    PeerProcess wsscope;
    if (!wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), conf,
                                         QStringLiteral("--capture"), capture})) {
        qWarning() << wsscope.output();
        return {};
    }
    QByteArray output;
    const bool ok = runClient(wsscope.port(), &output);
    // The access line is written when the connection closed, after its events.
    const bool closed = wsscope.waitForOutput("tunnel", 10000);
    if (wsscope.terminate() != 0 || !ok || !closed) {
        qWarning() << "client:" << output << "wsscope:" << wsscope.output();
        return {};
    }
    return summary(harEntries(capture + QStringLiteral(".har")));
}

void tst_HarParity::windowHarMatchesCapture_data()
{
    QTest::addColumn<bool>("remote");
    QTest::newRow("local") << false;
    QTest::newRow("remote") << true;
}

void tst_HarParity::windowHarMatchesCapture()
{
    QFETCH(bool, remote);
    const QList<Entry> window = viaWindow(remote);
    if (!m_capture)
        m_capture = viaCapture();
    const QList<Entry> capture = *m_capture;

    const QStringList urls{QStringLiteral("http://parity.test/api/1"), QStringLiteral("http://parity.test/api/2"),
                           QStringLiteral("http://parity.test/api/3"), QStringLiteral("ws://parity.test/ws")};
    const QList<int> statuses{200, 200, 200, 101};
    for (const QList<Entry> &har : {capture, window}) {
        QCOMPARE(har.size(), 4);
        for (qsizetype i = 0; i < har.size(); ++i) {
            QCOMPARE(har.at(i).url, urls.at(i));
            QCOMPARE(har.at(i).status, statuses.at(i));
            QCOMPARE(har.at(i).connection, har.constFirst().connection); // one connection
            // Each exchange has its own start (the client waits 20 ms between them).
            if (i > 0)
                QVERIFY2(har.at(i).startMs > har.at(i - 1).startMs, qPrintable(QString::number(i)));
        }
        // The echo and both close frames belong to the upgrade's entry.
        QCOMPARE(har.at(3).opcodes, (QList<int>{1, 1, 8, 8}));
        QVERIFY(har.at(0).opcodes.isEmpty());
    }
    // The same entries either way (the two runs start at different times).
    for (qsizetype i = 0; i < window.size(); ++i) {
        QCOMPARE(window.at(i).url, capture.at(i).url);
        QCOMPARE(window.at(i).status, capture.at(i).status);
        QCOMPARE(window.at(i).opcodes, capture.at(i).opcodes);
    }
}

QTEST_MAIN(tst_HarParity)
#include "tst_harparity.moc"
