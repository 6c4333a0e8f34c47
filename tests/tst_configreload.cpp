// End-to-end: wsscope -c FILE, SIGHUP reload under live tunnels, and -t.
// Tunnels opened before a reload keep their configuration; new ones follow
// the new file; a broken file leaves the running configuration in place.

#include "testsupport.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <csignal>
#include <memory>

using namespace TestSupport;
using namespace Qt::StringLiterals;

namespace {

// An echo upstream that tags every reply, so a test can tell which one answered.
class TaggedEcho final : public QObject
{
public:
    explicit TaggedEcho(const QString &tag)
        : m_tag(tag)
        , m_server(u"echo"_s, QWebSocketServer::NonSecureMode)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QWebSocket::textMessageReceived, s,
                        [this, s](const QString &m) { s->sendTextMessage(m_tag + u':' + m); });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    QString m_tag;
    QWebSocketServer m_server;
};

QByteArray configFor(quint16 upstreamPort)
{
    return "worker_shutdown_timeout 1s;\n"
           "http {\n"
           "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
           "  server {\n"
           "    listen 127.0.0.1:0;\n"
           "    location / {\n"
           "      proxy_pass http://127.0.0.1:" + QByteArray::number(upstreamPort) + ";\n"
           "      proxy_http_version 1.1;\n"
           "      proxy_set_header Host $host;\n"
           "      proxy_set_header Upgrade $http_upgrade;\n"
           "      proxy_set_header Connection $connection_upgrade;\n"
           "      proxy_read_timeout 1h;\n"
           "    }\n"
           "  }\n"
           "}\n";
}

bool writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

// Sends `text` and returns the first reply (empty on timeout).
QString roundTrip(QWebSocket &socket, const QString &text)
{
    QSignalSpy spy(&socket, &QWebSocket::textMessageReceived);
    socket.sendTextMessage(text);
    if (!spy.wait(5000))
        return QString();
    return spy.constFirst().constFirst().toString();
}

std::unique_ptr<QWebSocket> openThrough(quint16 port)
{
    auto socket = std::make_unique<QWebSocket>();
    QSignalSpy connected(socket.get(), &QWebSocket::connected);
    socket->open(QUrl(u"ws://127.0.0.1:%1/chat"_s.arg(port)));
    if (!connected.wait(5000))
        return nullptr;
    return socket;
}

} // namespace

class tst_ConfigReload : public QObject
{
    Q_OBJECT

private slots:
    void reloadKeepsTunnelsAndSwitchesNewConnections();
    void testOption_data();
    void testOption();
};

void tst_ConfigReload::reloadKeepsTunnelsAndSwitchesNewConnections()
{
    TaggedEcho a(u"A"_s);
    TaggedEcho b(u"B"_s);
    QTemporaryDir dir;
    const QString conf = dir.filePath(u"wsscope.conf"_s);
    QVERIFY(writeFile(conf, configFor(a.port())));

    PeerProcess proxy;
    QVERIFY2(proxy.start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, conf}), proxy.output().constData());

    auto first = openThrough(proxy.port());
    QVERIFY(first);
    QCOMPARE(roundTrip(*first, u"1"_s), u"A:1"_s);

    // Reload onto upstream B.
    QVERIFY(writeFile(conf, configFor(b.port())));
    ::kill(pid_t(proxy.pid()), SIGHUP);
    QVERIFY2(proxy.waitForOutput("configuration reloaded"), proxy.output().constData());
    QCOMPARE(roundTrip(*first, u"2"_s), u"A:2"_s); // the old tunnel is untouched
    auto second = openThrough(proxy.port());
    QVERIFY(second);
    QCOMPARE(roundTrip(*second, u"3"_s), u"B:3"_s);

    // A broken file: reported, and the running configuration stays.
    QVERIFY(writeFile(conf, "http { server { listen 127.0.0.1:0; location / { proxy_pass http://127.0.0.1:1; "
                            "prxy_read_timeout 5s; } } }"));
    ::kill(pid_t(proxy.pid()), SIGHUP);
    QVERIFY2(proxy.waitForOutput("keeping the running configuration"), proxy.output().constData());
    QVERIFY(proxy.output().contains("unknown directive \"prxy_read_timeout\""));
    auto third = openThrough(proxy.port());
    QVERIFY(third);
    QCOMPARE(roundTrip(*third, u"4"_s), u"B:4"_s);
    QCOMPARE(roundTrip(*first, u"5"_s), u"A:5"_s);
    QCOMPARE(roundTrip(*second, u"6"_s), u"B:6"_s);
    // worker_shutdown_timeout 1s: the open tunnels end the drain quickly.
    QCOMPARE(proxy.terminate(), 0);
}

void tst_ConfigReload::testOption_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("ok with doctor findings")
        << QByteArray("http {\n  server {\n    listen 127.0.0.1:0;\n    location /ws {\n"
                      "      proxy_pass http://127.0.0.1:9;\n    }\n  }\n}\n")
        << 0
        << QStringList{u"wsscope.conf:5:7: warning: location \"/ws\" proxies WebSocket over HTTP/1.0"_s,
                       u"[ws-http-version]"_s, u"note: fix: add \"proxy_http_version 1.1;\""_s,
                       u"wsscope.conf syntax is ok"_s, u"wsscope.conf test is successful"_s};
    QTest::newRow("errors") << QByteArray("http {\n  foo;\n}\n") << 2
                            << QStringList{u"wsscope.conf:2:3: error: unknown directive \"foo\""_s,
                                           u"wsscope.conf test failed"_s};
}

void tst_ConfigReload::testOption()
{
    QFETCH(QByteArray, conf);
    QFETCH(int, exitCode);
    QFETCH(QStringList, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(u"wsscope.conf"_s);
    QVERIFY(writeFile(path, conf));
    QProcess p;
    p.start(wsscopeBinary(), {u"-t"_s, u"-c"_s, path});
    QVERIFY(p.waitForFinished(20000));
    const QString out = QString::fromUtf8(p.readAllStandardError() + p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), exitCode);
    for (const QString &e : expected)
        QVERIFY2(out.contains(e), qPrintable(out));
}

QTEST_MAIN(tst_ConfigReload)
#include "tst_configreload.moc"
