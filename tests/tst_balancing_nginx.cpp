// Differential test: Debian's nginx and wsscope, given the same upstream
// blocks and the same clients, must send each client to the same backend.
// ip_hash is driven by the client's source address (127.A.B.1, each its own
// /24, all loopback on Linux); `hash $http_x_client [consistent]` by a header;
// ip_hash behind realip by the address in that header.
// The backends are tests/peers/http_upstream.py, whose JSON answer names the
// port that served it.

#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace TestSupport;

namespace {

const QString kNginx = QStringLiteral("/usr/sbin/nginx");
constexpr int kClients = 200;

bool writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

// One request from `source`, the answering backend's port (0 on failure).
int servedBy(const QHostAddress &source, quint16 port, const QByteArray &path, const QByteArray &client)
{
    QTcpSocket s;
    if (!source.isNull() && !s.bind(source, 0))
        return -1;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(5000))
        return -2;
    QByteArray request = "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    if (!client.isEmpty())
        request += "X-Client: " + client + "\r\n";
    s.write(request + "\r\n");
    s.waitForBytesWritten(5000); // waitForReadyRead alone may leave it queued
    const HttpResult r = readHttpResponse(s, 10000);
    if (!r.ok || r.status != 200) {
        qWarning("%s %s from %s: %d %s", path.constData(), client.constData(), qPrintable(source.toString()), r.status,
                 r.body.constData());
        return -3;
    }
    return QJsonDocument::fromJson(r.body).object().value(QLatin1String("server_port")).toInt();
}

} // namespace

class tst_BalancingNginx : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void sameBackendAsNginx_data();
    void sameBackendAsNginx();

private:
    QByteArray upstreamBlocks() const;

    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<PeerProcess>> m_backends;
    QList<quint16> m_ports;
    quint16 m_downPort = 0;
    QProcess m_nginx;
    quint16 m_nginxPort = 0;
    PeerProcess m_wsscope;
};

QByteArray tst_BalancingNginx::upstreamBlocks() const
{
    auto server = [this](int i, const QByteArray &params = QByteArray()) -> QByteArray {
        return "    server 127.0.0.1:" + QByteArray::number(m_ports.at(i)) + params + ";\n";
    };
    // Weights and a `down` server, so the weighted walk and the rehash
    // loops are compared too, not only the plain case.
    return "  upstream iph {\n    ip_hash;\n" + server(0) + server(1, " weight=2") + server(2) + server(3)
        + "    server 127.0.0.1:" + QByteArray::number(m_downPort) + " down;\n  }\n"
        + "  upstream chash {\n    hash $http_x_client consistent;\n" + server(0) + server(1) + server(2, " weight=3")
        + server(3) + "  }\n"
        + "  upstream hash {\n    hash $http_x_client;\n" + server(0, " weight=2") + server(1) + server(2)
        + server(3) + "    server 127.0.0.1:" + QByteArray::number(m_downPort) + " down;\n  }\n";
}

void tst_BalancingNginx::initTestCase()
{
    if (!QFile::exists(kNginx))
        QSKIP("nginx is not installed (installers/deps-debian.sh --test)");
    QVERIFY(m_dir.isValid());
    for (int i = 0; i < 4; ++i) {
        m_backends.push_back(std::make_unique<PeerProcess>());
        QVERIFY(m_backends.back()->startPython(QStringLiteral("http_upstream.py")));
        m_ports.append(m_backends.back()->port());
    }
    m_downPort = unusedPort();

    // nginx in the foreground, one process, everything under the temp prefix.
    const QByteArray prefix = m_dir.path().toUtf8();
    QDir(m_dir.path()).mkpath(QStringLiteral("tmp"));
    m_nginxPort = unusedPort();
    const QByteArray nginxConf = "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + prefix
        + "/nginx.pid;\nerror_log " + prefix + "/error.log warn;\nevents { worker_connections 256; }\nhttp {\n"
        "  access_log off;\n  client_body_temp_path " + prefix + "/tmp/body;\n  proxy_temp_path " + prefix
        + "/tmp/proxy;\n  fastcgi_temp_path " + prefix + "/tmp/fcgi;\n  uwsgi_temp_path " + prefix
        + "/tmp/uwsgi;\n  scgi_temp_path " + prefix + "/tmp/scgi;\n" + upstreamBlocks()
        + "  server {\n    listen 127.0.0.1:" + QByteArray::number(m_nginxPort) + ";\n"
        "    location /iph { proxy_pass http://iph; }\n"
        "    location /chash { proxy_pass http://chash; }\n"
        "    location /hash { proxy_pass http://hash; }\n"
          "    location /iph-realip { set_real_ip_from 127.0.0.1; real_ip_header X-Client; proxy_pass http://iph; }\n"
          "  }\n}\n";
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("nginx.conf")), nginxConf));
    m_nginx.setProcessChannelMode(QProcess::MergedChannels);
    m_nginx.start(kNginx, {QStringLiteral("-p"), m_dir.path(), QStringLiteral("-e"), m_dir.filePath(QStringLiteral("error.log")),
                           QStringLiteral("-c"), m_dir.filePath(QStringLiteral("nginx.conf"))});
    QVERIFY(m_nginx.waitForStarted(5000));
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, m_nginxPort);
        up = probe.waitForConnected(100);
        if (!up)
            QTest::qWait(50);
        if (m_nginx.state() == QProcess::NotRunning)
            break;
    }
    QVERIFY2(up, m_nginx.readAll().constData());

    const QByteArray wsscopeConf = "http {\n" + upstreamBlocks()
        + "  server {\n    listen 127.0.0.1:0;\n"
          "    location /iph { proxy_pass http://iph; }\n"
          "    location /chash { proxy_pass http://chash; }\n"
          "    location /hash { proxy_pass http://hash; }\n"
          "    location /iph-realip { set_real_ip_from 127.0.0.1; real_ip_header X-Client; proxy_pass http://iph; }\n"
          "  }\n}\n";
    const QString confPath = m_dir.filePath(QStringLiteral("wsscope.conf"));
    QVERIFY(writeFile(confPath, wsscopeConf));
    QVERIFY(m_wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), confPath}));
}

void tst_BalancingNginx::cleanupTestCase()
{
    if (m_nginx.state() != QProcess::NotRunning) {
        m_nginx.terminate();
        if (!m_nginx.waitForFinished(5000))
            m_nginx.kill();
        m_nginx.waitForFinished(2000);
    }
    if (m_wsscope.isRunning())
        m_wsscope.terminate();
}

void tst_BalancingNginx::sameBackendAsNginx_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("bySourceAddress");
    QTest::addColumn<bool>("addressInHeader");
    QTest::newRow("ip_hash by source address 127.A.B.1") << QByteArray("/iph") << true << false;
    QTest::newRow("hash $http_x_client consistent") << QByteArray("/chash") << false << false;
    QTest::newRow("hash $http_x_client") << QByteArray("/hash") << false << false;
    QTest::newRow("ip_hash by realip's address from X-Client") << QByteArray("/iph-realip") << false << true;
}

void tst_BalancingNginx::sameBackendAsNginx()
{
    QFETCH(QByteArray, path);
    QFETCH(bool, bySourceAddress);
    QFETCH(bool, addressInHeader);
    QSet<int> used;
    int differences = 0;
    QStringList report;
    for (int i = 0; i < kClients; ++i) {
        QHostAddress source;
        QByteArray key;
        if (bySourceAddress)
            source = QHostAddress(QStringLiteral("127.%1.%2.1").arg(1 + i / 200).arg(i % 200 + 3));
        else if (addressInHeader)
            key = "10." + QByteArray::number(i % 7) + '.' + QByteArray::number(i * 13 % 251) + ".9";
        else
            key = "client-" + QByteArray::number(i * 7919);
        // Blocking clients starve the event loop: let QProcess drain wsscope's
        // log pipe, or wsscope blocks writing its access log once it is full.
        QCoreApplication::processEvents();
        const int viaNginx = servedBy(source, m_nginxPort, path, key);
        const int viaWsscope = servedBy(source, m_wsscope.port(), path, key);
        QVERIFY2(viaNginx > 0, qPrintable(QStringLiteral("nginx request %1 failed (%2)").arg(i).arg(viaNginx)));
        QVERIFY2(viaWsscope > 0, qPrintable(QStringLiteral("wsscope request %1 failed (%2)").arg(i).arg(viaWsscope)));
        used.insert(viaNginx);
        if (viaNginx != viaWsscope) {
            ++differences;
            if (report.size() < 10)
                report.append(QStringLiteral("%1%2: nginx %3, wsscope %4")
                                  .arg(source.toString(), QString::fromLatin1(key))
                                  .arg(viaNginx)
                                  .arg(viaWsscope));
        }
    }
    QVERIFY2(differences == 0, qPrintable(QStringLiteral("%1 of %2 clients differ: ").arg(differences).arg(kClients)
                                          + report.join(QStringLiteral("; "))));
    // The comparison means something only if the clients spread.
    QVERIFY2(used.size() >= 3, qPrintable(QString::number(used.size())));
}

QTEST_GUILESS_MAIN(tst_BalancingNginx)
#include "tst_balancing_nginx.moc"
