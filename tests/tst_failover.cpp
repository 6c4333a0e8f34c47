// Failover with real, killed backends: proxy_next_upstream, passive health
// (max_fails/fail_timeout), backup servers, no live upstreams, a tunnel whose
// backend dies, the active health check and the per-upstream figures.
// The first tests drive the real binary (blocking clients are fine there);
// the in-process ones never block the main thread, where the listener runs.

#include "config/configcompiler.h"
#include "proxy/proxyserver.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>
#include <memory>

using namespace TestSupport;

namespace {

int servedBy(const HttpResult &r)
{
    return QJsonDocument::fromJson(r.body).object().value(QLatin1String("server_port")).toInt();
}

QByteArray get(const QByteArray &path)
{
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
}

QByteArray serverLine(quint16 port, const QByteArray &params = QByteArray())
{
    return "    server 127.0.0.1:" + QByteArray::number(port) + params + ";\n";
}

void killHard(PeerProcess &p)
{
    ::kill(pid_t(p.pid()), SIGKILL);
    QTRY_VERIFY_WITH_TIMEOUT(!p.isRunning(), 5000);
}

} // namespace

class tst_Failover : public QObject
{
    Q_OBJECT

private slots:
    void killedBackendTrafficMovesToSurvivors();
    void allServersDownGives502Quickly();
    void backupUsedOnlyWhenPrimariesDown();
    void statusFailoverAndLastAnswerRelayed();
    void nextUpstreamOffTriesOneServer();
    void tunnelClosedPromptlyWhenBackendDies();
    void activeHealthCheckTakesServerOut();

private:
    bool startBinary(PeerProcess &proxy, const QByteArray &upstream, const QByteArray &locationExtra = QByteArray());
    bool startInProcess(ProxyServer &server, const QByteArray &upstream, quint16 *port);

    QTemporaryDir m_dir;
    int m_confs = 0;
};

bool tst_Failover::startBinary(PeerProcess &proxy, const QByteArray &upstream, const QByteArray &locationExtra)
{
    const QByteArray conf = "http {\n  upstream u {\n" + upstream + "  }\n  server {\n    listen 127.0.0.1:0;\n"
        "    location / {\n      proxy_pass http://u;\n      proxy_connect_timeout 2s;\n" + locationExtra
        + "    }\n  }\n}\n";
    const QString path = m_dir.filePath(QStringLiteral("failover%1.conf").arg(++m_confs));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(conf) != conf.size())
        return false;
    f.close();
    return proxy.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), path});
}

bool tst_Failover::startInProcess(ProxyServer &server, const QByteArray &upstream, quint16 *port)
{
    const QByteArray conf = "worker_processes 2;\nhttp {\n"
                            "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                            "  upstream u {\n" + upstream + "  }\n"
                            "  server {\n    listen 127.0.0.1:0;\n    location / {\n"
                            "      proxy_pass http://u;\n      proxy_http_version 1.1;\n"
                            "      proxy_set_header Upgrade $http_upgrade;\n"
                            "      proxy_set_header Connection $connection_upgrade;\n"
                            "      proxy_read_timeout 1h;\n    }\n  }\n}\n";
    ConfigCompileResult r = ConfigCompiler::compileText(conf, QStringLiteral("failover.conf"));
    const RuntimeSnapshot runtime = ProxyRuntime::build(&r);
    if (!r.ok()) {
        for (const ConfDiagnostic &d : r.diagnostics)
            qWarning("%s", qPrintable(d.toString()));
        return false;
    }
    QString error;
    if (!server.start(runtime, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    *port = server.boundAddresses().constFirst().port;
    return true;
}

void tst_Failover::killedBackendTrafficMovesToSurvivors()
{
    PeerProcess backends[3];
    QByteArray upstream;
    for (PeerProcess &b : backends) {
        QVERIFY(b.startPython(QStringLiteral("http_upstream.py")));
        upstream += serverLine(b.port(), " max_fails=1 fail_timeout=30s");
    }
    PeerProcess proxy;
    QVERIFY(startBinary(proxy, upstream));
    QSet<int> before;
    for (int i = 0; i < 30; ++i) {
        const HttpResult r = httpExchange(proxy.port(), get("/a"));
        QCOMPARE(r.status, 200);
        before.insert(servedBy(r));
    }
    QCOMPARE(before.size(), 3);

    const int dead = backends[1].port();
    killHard(backends[1]);
    qint64 slowest = 0;
    QSet<int> after;
    for (int i = 0; i < 60; ++i) {
        QElapsedTimer t;
        t.start();
        const HttpResult r = httpExchange(proxy.port(), get("/b"), 5000);
        slowest = qMax(slowest, t.elapsed());
        QCOMPARE(r.status, 200); // proxy_next_upstream error: the request moved on
        after.insert(servedBy(r));
    }
    QVERIFY(!after.contains(dead));
    QCOMPARE(after.size(), 2);
    QVERIFY2(slowest < 2000, qPrintable(QStringLiteral("slowest request %1 ms").arg(slowest)));
    QVERIFY(proxy.waitForOutput("upstream server temporarily disabled"));
}

void tst_Failover::allServersDownGives502Quickly()
{
    QByteArray upstream;
    QList<quint16> ports;
    for (int i = 0; i < 3; ++i) {
        ports.append(unusedPort());
        upstream += serverLine(ports.last());
    }
    PeerProcess proxy;
    QVERIFY(startBinary(proxy, upstream));
    QElapsedTimer t;
    t.start();
    HttpResult r = httpExchange(proxy.port(), get("/"), 5000);
    QVERIFY(r.ok);
    QCOMPARE(r.status, 502);
    QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    // Every server was tried once.
    for (quint16 p : ports)
        QVERIFY2(r.body.contains(QByteArray::number(p)), r.body);
    // Now all are marked failed (max_fails=1): no attempt at all.
    t.restart();
    r = httpExchange(proxy.port(), get("/"), 5000);
    QCOMPARE(r.status, 502);
    QVERIFY2(r.body.contains("no live upstreams"), r.body);
    QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
}

void tst_Failover::backupUsedOnlyWhenPrimariesDown()
{
    PeerProcess primary[2];
    PeerProcess backup;
    QByteArray upstream;
    for (PeerProcess &p : primary) {
        QVERIFY(p.startPython(QStringLiteral("http_upstream.py")));
        upstream += serverLine(p.port());
    }
    QVERIFY(backup.startPython(QStringLiteral("http_upstream.py")));
    upstream += serverLine(backup.port(), " backup");
    PeerProcess proxy;
    QVERIFY(startBinary(proxy, upstream));
    for (int i = 0; i < 20; ++i) {
        const HttpResult r = httpExchange(proxy.port(), get("/"));
        QCOMPARE(r.status, 200);
        QVERIFY(servedBy(r) != backup.port());
    }
    killHard(primary[0]);
    killHard(primary[1]);
    for (int i = 0; i < 10; ++i) {
        const HttpResult r = httpExchange(proxy.port(), get("/"), 5000);
        QCOMPARE(r.status, 200);
        QCOMPARE(servedBy(r), int(backup.port()));
    }
}

void tst_Failover::statusFailoverAndLastAnswerRelayed()
{
    PeerProcess a, b;
    QVERIFY(a.startPython(QStringLiteral("http_upstream.py")));
    QVERIFY(b.startPython(QStringLiteral("http_upstream.py")));
    PeerProcess proxy;
    QVERIFY(startBinary(proxy, serverLine(a.port()) + serverLine(b.port()),
                        "      proxy_next_upstream error timeout http_503;\n"));
    // Both answer 503: the first moves on, the last one's answer is relayed
    // (nginx wants tries > 1 to move on).
    HttpResult r = httpExchange(proxy.port(), get("/status/503"));
    QCOMPARE(r.status, 503);
    const int relayedFrom = servedBy(r);
    QVERIFY(relayedFrom == a.port() || relayedFrom == b.port());
    // The first server counted a failure (max_fails=1): the next requests go
    // to the one whose answer was relayed.
    for (int i = 0; i < 4; ++i) {
        r = httpExchange(proxy.port(), get("/ok"));
        QCOMPARE(r.status, 200);
        QCOMPARE(servedBy(r), relayedFrom);
    }
}

void tst_Failover::nextUpstreamOffTriesOneServer()
{
    PeerProcess live;
    QVERIFY(live.startPython(QStringLiteral("http_upstream.py")));
    const quint16 dead = unusedPort();
    PeerProcess proxy;
    // The dead server first in round-robin order; `off`: no second try.
    QVERIFY(startBinary(proxy, serverLine(dead) + serverLine(live.port()), "      proxy_next_upstream off;\n"));
    const HttpResult r = httpExchange(proxy.port(), get("/"));
    QCOMPARE(r.status, 502);
    QVERIFY2(!r.body.contains(QByteArray::number(live.port())), r.body);
    // It still counts as a failure: the next request goes to the live one.
    QCOMPARE(httpExchange(proxy.port(), get("/")).status, 200);
}

void tst_Failover::tunnelClosedPromptlyWhenBackendDies()
{
    PeerProcess backend;
    QVERIFY(backend.startPython(QStringLiteral("ws_echo_server.py")));
    PeerProcess spare;
    QVERIFY(spare.startPython(QStringLiteral("ws_echo_server.py")));
    ProxyServer server;
    QList<InspectEvent> events;
    server.events().subscribe(&server, [&events](const QList<InspectEvent> &batch) { events += batch; });
    quint16 port = 0;
    // Only the first server takes tunnels until it fails (the spare is a backup).
    QVERIFY(startInProcess(server, serverLine(backend.port()) + serverLine(spare.port(), " backup"), &port));

    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 10000);
    client.sendTextMessage(QStringLiteral("hello"));
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, 5000);

    // While the tunnel is open it counts as a live connection of its server.
    QList<UpstreamFigures> figures = server.upstreamFigures();
    QCOMPARE(figures.size(), 1);
    QCOMPARE(figures.at(0).servers.at(0).liveConnections, 1);
    QCOMPARE(figures.at(0).servers.at(0).totalConnections, quint64(1));
    QCOMPARE(figures.at(0).servers.at(1).health, UpstreamServerFigures::Health::Backup);

    QElapsedTimer t;
    t.start();
    killHard(backend);
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 5000);
    QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
    auto closedEvents = [&events] {
        QList<ClosedEvent> out;
        for (const InspectEvent &e : std::as_const(events)) {
            if (const auto *c = e.as<ClosedEvent>())
                out.append(*c);
        }
        return out;
    };
    QTRY_VERIFY_WITH_TIMEOUT(!closedEvents().isEmpty(), 5000);
    const CloseCause cause = closedEvents().constFirst().cause;
    QVERIFY2(cause == CloseCause::UpstreamClosed || cause == CloseCause::UpstreamError, closeCauseName(cause));
    QTRY_COMPARE_WITH_TIMEOUT(server.upstreamFigures().at(0).servers.at(0).liveConnections, 0, 5000);
    figures = server.upstreamFigures();
    QVERIFY(figures.at(0).servers.at(0).bytesFromUpstream > 0);
    QVERIFY(figures.at(0).servers.at(0).bytesToUpstream > 0);

    // The next client finds the dead server refused, fails over to the
    // backup, and the route event says why.
    QWebSocket second;
    QSignalSpy secondConnected(&second, &QWebSocket::connected);
    second.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    QTRY_COMPARE_WITH_TIMEOUT(secondConnected.size(), 1, 10000);
    auto retries = [&events] {
        QList<RouteEvent> out;
        for (const InspectEvent &e : std::as_const(events)) {
            if (const auto *r = e.as<RouteEvent>(); r && r->attempt == 2)
                out.append(*r);
        }
        return out;
    };
    QTRY_COMPARE_WITH_TIMEOUT(retries().size(), 1, 5000);
    const RouteEvent retry = retries().constFirst();
    QCOMPARE(retry.attempt, 2);
    QCOMPARE(retry.upstreamServer, QStringLiteral("127.0.0.1:%1").arg(spare.port()));
    QCOMPARE(retry.algorithm, QStringLiteral("round-robin"));
    QVERIFY2(retry.skipped.join(u'|').contains(QStringLiteral("127.0.0.1:%1").arg(backend.port())),
             qPrintable(retry.skipped.join(u'|')));
    figures = server.upstreamFigures();
    QCOMPARE(figures.at(0).servers.at(0).health, UpstreamServerFigures::Health::Failed);
    QCOMPARE(figures.at(0).servers.at(1).liveConnections, 1);
    second.close();
    client.abort();
}

void tst_Failover::activeHealthCheckTakesServerOut()
{
    PeerProcess a, b;
    QVERIFY(a.startPython(QStringLiteral("http_upstream.py")));
    QVERIFY(b.startPython(QStringLiteral("http_upstream.py")));
    ProxyServer server;
    quint16 port = 0;
    QVERIFY(startInProcess(server,
                           serverLine(a.port()) + serverLine(b.port())
                               + "    health_check interval=200ms uri=/health fails=1 passes=2;\n",
                           &port));
    QTRY_VERIFY_WITH_TIMEOUT(server.upstreamFigures().at(0).servers.at(1).healthDetail == QStringLiteral("HTTP 200"),
                             5000);
    killHard(b);
    QTRY_COMPARE_WITH_TIMEOUT(server.upstreamFigures().at(0).servers.at(1).health,
                              UpstreamServerFigures::Health::Unhealthy, 5000);
    QCOMPARE(server.upstreamFigures().at(0).servers.at(0).health, UpstreamServerFigures::Health::Up);
    // No request is sent to it, so none fails: the passive count stays at 0.
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    s.write(get("/x"));
    QByteArray reply;
    QTRY_VERIFY_WITH_TIMEOUT((reply += s.readAll()).contains("server_port"), 5000);
    QVERIFY(reply.startsWith("HTTP/1.1 200"));
    QCOMPARE(server.upstreamFigures().at(0).servers.at(1).failures, quint64(0));
}

QTEST_GUILESS_MAIN(tst_Failover)
#include "tst_failover.moc"
