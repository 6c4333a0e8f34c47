// `wsscope tls-check`: a real TLS server on loopback serving chains that
// are complete, missing their intermediate, expired or for another name,
// plus the WebSocket subprotocol echo that WeChat on iOS insists on.

#include "tls/certificateauthority.h"
#include "tls/tlscheck.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// A TLS server for one chain. Answers a WebSocket handshake with 101 and,
// if echoProtocol, the first requested subprotocol.
class TestTlsServer final : public QObject
{
public:
    TestTlsServer(const QByteArray &chainPem, const QByteArray &keyPem, bool echoProtocol = true)
        : m_echo(echoProtocol)
    {
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setLocalCertificateChain(QSslCertificate::fromData(chainPem));
        conf.setPrivateKey(QSslKey(keyPem, QSsl::Ec));
        conf.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_server.setSslConfiguration(conf);
        QObject::connect(&m_server, &QSslServer::pendingConnectionAvailable, this, [this] { accept(); });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

private:
    void accept()
    {
        while (m_server.hasPendingConnections()) {
            auto *socket = qobject_cast<QSslSocket *>(m_server.nextPendingConnection());
            if (!socket)
                continue;
            socket->setParent(this);
            QObject::connect(socket, &QSslSocket::readyRead, this, [this, socket] { answer(socket); });
        }
    }

    void answer(QSslSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        if (!buffer.contains("\r\n\r\n"))
            return;
        QByteArray key, protocol;
        for (const QByteArray &line : buffer.split('\n')) {
            const QByteArray l = line.trimmed();
            if (l.toLower().startsWith("sec-websocket-key:"))
                key = l.mid(18).trimmed();
            if (l.toLower().startsWith("sec-websocket-protocol:"))
                protocol = l.mid(23).split(',').first().trimmed();
        }
        const QByteArray accept =
            QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"), QCryptographicHash::Sha1)
                .toBase64();
        QByteArray response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: " + accept + "\r\n";
        if (m_echo && !protocol.isEmpty())
            response += "Sec-WebSocket-Protocol: " + protocol + "\r\n";
        socket->write(response + "\r\n");
    }

    QSslServer m_server;
    QHash<QSslSocket *, QByteArray> m_buffers;
    bool m_echo;
};

bool hasFinding(const TlsCheckReport &report, const QString &code)
{
    for (const TlsFinding &f : report.findings) {
        if (f.code == code)
            return true;
    }
    return false;
}

QString describe(const TlsCheckReport &report)
{
    return report.toText();
}

} // namespace

class tst_TlsCheck : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void completeChainPasses();
    void missingIntermediateIsFlagged();
    void expiredLeafIsFlagged();
    void nameMismatchIsFlagged();
    void untrustedRootIsFlagged();
    void subprotocolEcho();
    void subprotocolNotEchoed();
    void connectionRefused();
    void jsonReport();
    void analysis_data();
    void analysis();

private:
    TlsCheckReport check(quint16 port, const QString &serverName = {}, const QString &subprotocol = {},
                         bool trustRoot = true);

    QTemporaryDir m_tmp;
    QString m_rootFile;
    std::optional<CertificateAuthority> m_root;
    std::optional<CertificateAuthority> m_intermediate;
    QByteArray m_interPem;
    IssuedCertificate m_leaf;    // via the intermediate
    IssuedCertificate m_expired; // via the intermediate
    IssuedCertificate m_direct;  // straight from the root
};

void tst_TlsCheck::initTestCase()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    QVERIFY(m_tmp.isValid());
    QString error;
    m_root = CertificateAuthority::create({.commonName = u"tst_tlscheck root"_s}, &error);
    QVERIFY2(m_root, qPrintable(error));
    auto inter = m_root->issue({.intermediate = true, .commonName = u"tst_tlscheck intermediate"_s}, &error);
    QVERIFY2(inter, qPrintable(error));
    m_interPem = inter->certificatePem;
    m_intermediate = CertificateAuthority::fromPem(inter->certificatePem, inter->keyPem, &error);
    QVERIFY2(m_intermediate, qPrintable(error));
    auto leaf = m_intermediate->issue({.hosts = {u"localhost"_s, u"127.0.0.1"_s}}, &error);
    QVERIFY2(leaf, qPrintable(error));
    m_leaf = *leaf;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto expired = m_intermediate->issue(
        {.hosts = {u"localhost"_s, u"127.0.0.1"_s}, .notBefore = now.addDays(-30), .notAfter = now.addDays(-2)}, &error);
    QVERIFY2(expired, qPrintable(error));
    m_expired = *expired;
    auto direct = m_root->issue({.hosts = {u"127.0.0.1"_s}}, &error);
    QVERIFY2(direct, qPrintable(error));
    m_direct = *direct;

    m_rootFile = m_tmp.filePath(u"root.pem"_s);
    QFile f(m_rootFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(m_root->certificatePem());
}

TlsCheckReport tst_TlsCheck::check(quint16 port, const QString &serverName, const QString &subprotocol, bool trustRoot)
{
    TlsCheckOptions options;
    options.host = u"127.0.0.1"_s;
    options.port = port;
    options.serverName = serverName;
    options.subprotocol = subprotocol;
    options.caFile = trustRoot ? m_rootFile : QString();
    options.systemRoots = false; // only our test root, whatever the machine trusts
    options.timeoutMs = 10000;
    TlsChecker checker;
    QSignalSpy done(&checker, &TlsChecker::finished);
    checker.start(options);
    if (!checker.isFinished() && !done.wait(15000))
        qWarning("tls check did not finish");
    return checker.report();
}

void tst_TlsCheck::completeChainPasses()
{
    TestTlsServer server(m_leaf.certificatePem + m_interPem, m_leaf.keyPem);
    QVERIFY(server.listen());
    const TlsCheckReport r = check(server.port());
    QVERIFY2(r.connected, qPrintable(r.connectError));
    QVERIFY2(!r.hasErrors(), qPrintable(describe(r)));
    QVERIFY(r.protocol == u"TLSv1.3"_s || r.protocol == u"TLSv1.2"_s);
    QVERIFY(r.forwardSecret);
    QCOMPARE(r.chain.size(), 2);
    QVERIFY(r.chainComplete);
    QVERIFY(r.trusted);
    QVERIFY(r.nameMatches);
    QVERIFY(r.daysLeft >= 395 && r.daysLeft <= 397);
    QCOMPARE(r.chain.first().keyType, u"EC"_s);
    QCOMPARE(r.chain.first().keyBits, 256);
    QVERIFY(r.atsCompatible);
    QVERIFY(r.wechatCompatible);
}

void tst_TlsCheck::missingIntermediateIsFlagged()
{
    TestTlsServer server(m_leaf.certificatePem, m_leaf.keyPem);
    QVERIFY(server.listen());
    const TlsCheckReport r = check(server.port());
    QVERIFY2(r.connected, qPrintable(r.connectError));
    QCOMPARE(r.chain.size(), 1);
    QVERIFY(!r.chainComplete);
    QVERIFY(!r.trusted);
    QVERIFY2(hasFinding(r, u"chain-incomplete"_s), qPrintable(describe(r)));
    QVERIFY(r.nameMatches);
    QVERIFY(!r.atsCompatible);
    QVERIFY(!r.wechatCompatible);
    QVERIFY(r.compatibilityProblems.contains(u"a complete chain"_s));
    QVERIFY(r.toText().contains(u"fullchain.pem"_s));
}

void tst_TlsCheck::expiredLeafIsFlagged()
{
    TestTlsServer server(m_expired.certificatePem + m_interPem, m_expired.keyPem);
    QVERIFY(server.listen());
    const TlsCheckReport r = check(server.port());
    QVERIFY2(r.connected, qPrintable(r.connectError));
    QVERIFY2(hasFinding(r, u"expired"_s), qPrintable(describe(r)));
    QVERIFY(r.daysLeft <= -2);
    QVERIFY(r.chainComplete); // the chain is fine, only the date is not
    QVERIFY(!r.trusted);
    QVERIFY(!r.atsCompatible);
    QVERIFY(r.hasErrors());
}

void tst_TlsCheck::nameMismatchIsFlagged()
{
    TestTlsServer server(m_leaf.certificatePem + m_interPem, m_leaf.keyPem);
    QVERIFY(server.listen());
    const TlsCheckReport r = check(server.port(), u"wss.example.test"_s);
    QVERIFY2(r.connected, qPrintable(r.connectError));
    QCOMPARE(r.serverName, u"wss.example.test"_s);
    QVERIFY(!r.nameMatches);
    QVERIFY2(hasFinding(r, u"name-mismatch"_s), qPrintable(describe(r)));
    QVERIFY(r.chainComplete);
    QVERIFY(!r.atsCompatible);
}

void tst_TlsCheck::untrustedRootIsFlagged()
{
    TestTlsServer server(m_leaf.certificatePem + m_interPem, m_leaf.keyPem);
    QVERIFY(server.listen());
    const TlsCheckReport r = check(server.port(), {}, {}, false);
    QVERIFY2(r.connected, qPrintable(r.connectError));
    QVERIFY(!r.trusted);
    QVERIFY2(hasFinding(r, u"untrusted-root"_s), qPrintable(describe(r)));
    QVERIFY(!hasFinding(r, u"chain-incomplete"_s));
}

void tst_TlsCheck::subprotocolEcho()
{
    TestTlsServer server(m_leaf.certificatePem + m_interPem, m_leaf.keyPem, true);
    QVERIFY(server.listen());
    const TlsCheckReport r = check(server.port(), {}, u"chat.v1"_s);
    QVERIFY(r.wsAttempted);
    QCOMPARE(r.wsStatus, 101);
    QVERIFY(r.wsAcceptValid);
    QCOMPARE(r.wsProtocol, u"chat.v1"_s);
    QVERIFY2(!r.hasErrors(), qPrintable(describe(r)));
    QVERIFY(r.wechatCompatible);
}

void tst_TlsCheck::subprotocolNotEchoed()
{
    TestTlsServer server(m_leaf.certificatePem + m_interPem, m_leaf.keyPem, false);
    QVERIFY(server.listen());
    const TlsCheckReport r = check(server.port(), {}, u"chat.v1"_s);
    QCOMPARE(r.wsStatus, 101);
    QVERIFY(r.wsProtocol.isEmpty());
    QVERIFY2(hasFinding(r, u"ws-subprotocol"_s), qPrintable(describe(r)));
    QVERIFY(r.atsCompatible); // TLS itself is fine
    QVERIFY(!r.wechatCompatible);
}

void tst_TlsCheck::connectionRefused()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    const TlsCheckReport r = check(port);
    QVERIFY(!r.connected);
    QVERIFY(!r.connectError.isEmpty());
    QVERIFY(r.hasErrors());
    QVERIFY(!r.atsCompatible);
}

void tst_TlsCheck::jsonReport()
{
    TestTlsServer server(m_leaf.certificatePem, m_leaf.keyPem);
    QVERIFY(server.listen());
    const QJsonObject j = check(server.port()).toJson();
    QCOMPARE(j.value(u"ok"_s).toBool(), false);
    QCOMPARE(j.value(u"chainComplete"_s).toBool(), false);
    QCOMPARE(j.value(u"chain"_s).toArray().size(), 1);
    bool found = false;
    for (const QJsonValue &v : j.value(u"findings"_s).toArray()) {
        const QJsonObject f = v.toObject();
        if (f.value(u"code"_s).toString() == u"chain-incomplete"_s) {
            found = true;
            QCOMPARE(f.value(u"severity"_s).toString(), u"error"_s);
            QVERIFY(!f.value(u"fix"_s).toString().isEmpty());
        }
    }
    QVERIFY(found);
}

// The chain analysis alone, for cases a live server cannot show easily.
void tst_TlsCheck::analysis_data()
{
    QTest::addColumn<QList<QByteArray>>("served");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("complete");
    QTest::addColumn<QString>("finding"); // expected code, or empty for none with severity error

    const auto der = [](const QByteArray &pem) {
        QList<QByteArray> out;
        for (const QSslCertificate &c : QSslCertificate::fromData(pem))
            out << c.toDer();
        return out;
    };
    QString error;
    QTest::newRow("leaf directly under a trusted root, served alone")
        << der(m_direct.certificatePem) << u"127.0.0.1"_s << true << QString();
    QTest::newRow("full chain including the root")
        << der(m_leaf.certificatePem + m_interPem + m_root->certificatePem()) << u"localhost"_s << true
        << u"root-served"_s;
    QTest::newRow("wrong order") << der(m_leaf.certificatePem) + der(m_root->certificatePem()) + der(m_interPem)
                                 << u"localhost"_s << true << u"chain-order"_s;
    auto weak = m_root->issue({.hosts = {u"weak.test"_s}, .key = KeySpec::rsa(1024)}, &error);
    QTest::newRow("rsa 1024 leaf") << der(weak->certificatePem) << u"weak.test"_s << true << u"weak-key"_s;
    auto longLived = m_root->issue({.hosts = {u"long.test"_s}, .validityDays = 900}, &error);
    QTest::newRow("900 days") << der(longLived->certificatePem) << u"long.test"_s << true << u"validity-too-long"_s;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto future = m_root->issue({.hosts = {u"future.test"_s}, .notBefore = now.addDays(3)}, &error);
    QTest::newRow("not yet valid") << der(future->certificatePem) << u"future.test"_s << true << u"not-yet-valid"_s;
    auto soon = m_root->issue({.hosts = {u"soon.test"_s}, .notBefore = now.addDays(-10), .notAfter = now.addDays(5)},
                              &error);
    QTest::newRow("expires in 5 days") << der(soon->certificatePem) << u"soon.test"_s << true << u"expiring-soon"_s;
    auto local = CertificateAuthority::create({}, &error); // default name: "wsscope local CA user@host"
    QTest::newRow("untrusted wsscope CA is not called a missing intermediate")
        << der(local->issue({.hosts = {u"local.test"_s}}, &error)->certificatePem) << u"local.test"_s << false
        << u"untrusted-root"_s;
    QTest::newRow("wildcard matches one label") << der(m_root->issue({.hosts = {u"*.w.test"_s}}, &error)->certificatePem)
                                                << u"a.w.test"_s << true << QString();
    QTest::newRow("wildcard does not match two labels")
        << der(m_root->issue({.hosts = {u"*.w.test"_s}}, &error)->certificatePem) << u"a.b.w.test"_s << true
        << u"name-mismatch"_s;
}

void tst_TlsCheck::analysis()
{
    QFETCH(QList<QByteArray>, served);
    QFETCH(QString, name);
    QFETCH(bool, complete);
    QFETCH(QString, finding);
    TlsCheckOptions options;
    options.host = name;
    options.caFile = m_rootFile;
    options.systemRoots = false;
    TlsCheckReport r;
    r.connected = true;
    r.protocol = u"TLSv1.3"_s;
    r.forwardSecret = true;
    TlsChainAnalysis::analyze(served, options, QDateTime::currentDateTimeUtc(), &r);
    TlsChainAnalysis::finalize(&r);
    QCOMPARE(r.chainComplete, complete);
    if (finding.isEmpty()) {
        QVERIFY2(!r.hasErrors(), qPrintable(r.toText()));
        QVERIFY(r.atsCompatible);
    } else {
        QVERIFY2(hasFinding(r, finding), qPrintable(r.toText()));
    }
}

QTEST_GUILESS_MAIN(tst_TlsCheck)
#include "tst_tlscheck.moc"
