// The inspection channel of a daemon started from an nginx-style file:
// inspect_listen and inspect_token_file admit a client with the token and
// refuse one without; -t warns about a public channel; a reload moves,
// re-keys or closes it (a failed rebind keeps it); `ssl` serves wss:// with
// the local CA's certificate, which a client that trusts that CA (the window,
// `wsscope attach`) accepts and one that does not refuses. Real binaries,
// loopback only.
#include "remote/attachtarget.h"
#include "remote/remoteinspectorsource.h"
#include "testsupport.h"
#include "tls/certificateauthority.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

// What one attach attempt saw.
struct Attempt
{
    bool hello = false;
    QString instance;
    int closeCode = 0;
    QString closeReason;
    QList<QSslError> sslErrors;
};

Attempt attach(const QUrl &url, const QByteArray &token, const QList<QSslCertificate> &extraCas = {})
{
    Attempt out;
    QWebSocket socket;
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(ssl.caCertificates() + extraCas);
    socket.setSslConfiguration(ssl);
    QObject::connect(&socket, &QWebSocket::sslErrors, &socket, [&](const QList<QSslError> &e) { out.sslErrors = e; });
    QObject::connect(&socket, &QWebSocket::connected, &socket, [&] {
        socket.sendTextMessage(uR"({"type":"hello","version":1,"id":1})"_s);
    });
    QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket, [&](const QString &text) {
        const QJsonObject m = QJsonDocument::fromJson(text.toUtf8()).object();
        if (m.value(u"type"_s).toString() == u"hello"_s) {
            out.hello = true;
            out.instance = m.value(u"instance"_s).toString();
        }
    });
    QNetworkRequest request(url);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    QSignalSpy gone(&socket, &QWebSocket::disconnected);
    socket.open(request);
    QDeadlineTimer deadline(10000);
    while (!out.hello && gone.isEmpty() && !deadline.hasExpired())
        QTest::qWait(20);
    out.closeCode = int(socket.closeCode());
    out.closeReason = socket.closeReason();
    return out;
}

// `wsscope attach wss://127.0.0.1:PORT` with the token: what it printed
// once attached (then it is stopped), or by the time it gave up (`fails`:
// it must exit 1 on its own).
QByteArray runAttach(quint16 port, bool fails)
{
    QProcess attach;
    attach.setProcessChannelMode(QProcess::MergedChannels);
    attach.start(TestSupport::wsscopeBinary(), {u"attach"_s, u"wss://127.0.0.1:%1"_s.arg(port), u"--token-file"_s,
                                                 QDir(qEnvironmentVariable("XDG_DATA_HOME")).filePath(u"../token"_s)});
    QByteArray out;
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired() && attach.state() != QProcess::NotRunning && !out.contains("attached to")) {
        attach.waitForReadyRead(100);
        out += attach.readAll();
    }
    if (fails) {
        attach.waitForFinished(5000);
        out += attach.readAll();
        if (attach.state() != QProcess::NotRunning || attach.exitCode() != 1)
            out += "\n(attach did not exit 1)";
        return out;
    }
    attach.terminate();
    attach.waitForFinished(5000);
    return out;
}

QByteArray conf(const QByteArray &httpLines)
{
    return "daemon off;\nhttp {\n" + httpLines +
           "  server {\n    listen 127.0.0.1:0;\n    location / { return 204; }\n  }\n}\n";
}

} // namespace

class tst_InspectDirectives : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void daemonFromConfigFile();
    void testConfigWarnsAboutAPublicChannel();
    void reloadMovesRekeysAndCloses();
    void tlsChannelWithTheLocalCa();
    void windowTrustsTheLocalCaOnly();
    void applyCompilesUnderThePrefix();
    void quickModeWarnsAtStart();

private:
    bool write(const QString &name, const QByteArray &text);
    // wsscope --no-gui -p DIR -c wsscope.conf; the channel's port once it listens.
    quint16 startDaemon(TestSupport::PeerProcess *daemon, const QByteArray &needle = "inspection channel listening on",
                        const QString &config = u"wsscope.conf"_s);
    static quint16 channelPort(const QByteArray &output, qsizetype from = 0);

    QTemporaryDir m_dir;
    QString m_caFile; // the local CA the daemons use (XDG_DATA_HOME below m_dir)
};

void tst_InspectDirectives::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The daemons inherit it: their local CA lives here, not in $HOME.
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir.filePath(u"data"_s)));
    // The window's RemoteInspectorSource finds the local CA as wsscope does.
    QCoreApplication::setOrganizationName(u"wsscope"_s);
    QCoreApplication::setApplicationName(u"wsscope"_s);
    m_caFile = m_dir.filePath(u"data/wsscope/wsscope/ca/wsscope-ca.pem"_s);
    QVERIFY(write(u"token"_s, "conf-token\n"));
    QVERIFY(write(u"other-token"_s, "other-token\n"));
}

bool tst_InspectDirectives::write(const QString &name, const QByteArray &text)
{
    QFile f(m_dir.filePath(name));
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

quint16 tst_InspectDirectives::channelPort(const QByteArray &output, qsizetype from)
{
    static const QRegularExpression re(u"inspection channel listening on 127\\.0\\.0\\.1:(\\d+)"_s);
    QRegularExpressionMatch last;
    for (const QRegularExpressionMatch &m : re.globalMatch(QString::fromUtf8(output.mid(from))))
        last = m;
    return last.hasMatch() ? quint16(last.captured(1).toUInt()) : 0;
}

quint16 tst_InspectDirectives::startDaemon(TestSupport::PeerProcess *daemon, const QByteArray &needle, const QString &config)
{
    if (!daemon->start(TestSupport::wsscopeBinary(), {u"--no-gui"_s, u"-p"_s, m_dir.path() + u'/', u"-c"_s, config})
        || !daemon->waitForOutput(needle))
        return 0;
    return channelPort(daemon->output());
}

void tst_InspectDirectives::daemonFromConfigFile()
{
    // inspect_token_file relative to -p, as nginx's paths.
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 127.0.0.1:0;\n  inspect_token_file token;\n"
                                          "  inspect_name conf-daemon;\n")));
    TestSupport::PeerProcess daemon;
    const quint16 port = startDaemon(&daemon);
    QVERIFY2(port, daemon.output().constData());
    const QUrl url(u"ws://127.0.0.1:%1"_s.arg(port));

    const Attempt right = attach(url, "conf-token");
    QVERIFY2(right.hello, qPrintable(right.closeReason));
    QCOMPARE(right.instance, u"conf-daemon"_s);
    for (const QByteArray &token : {QByteArray(), QByteArray("wrong")}) {
        const Attempt refused = attach(url, token);
        QVERIFY(!refused.hello);
        QCOMPARE(refused.closeCode, 4401);
    }
    QVERIFY(daemon.output().contains("refused 127.0.0.1 (no token)"));
    QVERIFY(!daemon.output().contains("conf-token")); // never logged
    QCOMPARE(daemon.terminate(), 0);
}

void tst_InspectDirectives::testConfigWarnsAboutAPublicChannel()
{
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 0.0.0.0:9901;\n")));
    QProcess t;
    t.setProcessChannelMode(QProcess::MergedChannels);
    t.start(TestSupport::wsscopeBinary(), {u"-t"_s, u"-p"_s, m_dir.path() + u'/', u"-c"_s, u"wsscope.conf"_s});
    QVERIFY(t.waitForFinished(20000));
    QString out = QString::fromUtf8(t.readAll());
    QCOMPARE(t.exitCode(), 0);
    const QString file = QDir(m_dir.path()).filePath(u"wsscope.conf"_s);
    QVERIFY2(out.contains(file + u":3:3: warning: the inspection channel on 0.0.0.0:9901 is not on loopback and asks "
                                 u"for no token: anyone who reaches it can watch every frame"_s),
             qPrintable(out));
    QVERIFY2(out.contains(u"has no TLS: its token and every frame cross the network in clear [inspect-no-tls]"_s), qPrintable(out));

    // An unreadable token file fails -t at its argument.
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 127.0.0.1:9901;\n  inspect_token_file missing-token;\n")));
    t.start(TestSupport::wsscopeBinary(), {u"-t"_s, u"-p"_s, m_dir.path() + u'/', u"-c"_s, u"wsscope.conf"_s});
    QVERIFY(t.waitForFinished(20000));
    out = QString::fromUtf8(t.readAll());
    QVERIFY(t.exitCode() != 0);
    QVERIFY2(out.contains(file + u":4:22: error: cannot read the \"inspect_token_file\""_s), qPrintable(out));

    // `ssl` with the http level's pair: -t loads it as a server's, so a key
    // that is none fails at its line even when no server uses that pair
    // (this one has its own, which replaces the inherited one).
    QString error;
    std::optional<CertificateAuthority> ca = CertificateAuthority::create({u"-t CA"_s}, &error);
    QVERIFY2(ca, qPrintable(error));
    CertificateRequest request;
    request.hosts = {u"127.0.0.1"_s};
    const std::optional<IssuedCertificate> leaf = ca->issue(request, &error);
    QVERIFY2(leaf, qPrintable(error));
    QVERIFY(write(u"t.pem"_s, leaf->chainPem) && write(u"t-key.pem"_s, leaf->keyPem) && write(u"bad-key.pem"_s, "not a key\n"));
    const auto withChannelKey = [](const QByteArray &key) -> QByteArray {
        return "http {\n  ssl_certificate t.pem;\n  ssl_certificate_key " + key + ";\n  inspect_listen 127.0.0.1:9901 ssl;\n"
               "  server {\n    listen 127.0.0.1:0;\n    ssl_certificate t.pem;\n    ssl_certificate_key t-key.pem;\n"
               "    location / { return 204; }\n  }\n}\n";
    };
    QVERIFY(write(u"wsscope.conf"_s, withChannelKey("bad-key.pem")));
    t.start(TestSupport::wsscopeBinary(), {u"-t"_s, u"-p"_s, m_dir.path() + u'/', u"-c"_s, u"wsscope.conf"_s});
    QVERIFY(t.waitForFinished(20000));
    out = QString::fromUtf8(t.readAll());
    QVERIFY(t.exitCode() != 0);
    QVERIFY2(out.contains(file + u":3:3: error:"_s), qPrintable(out));
    QCOMPARE(out.count(u": error:"_s), 1);
    QVERIFY(write(u"wsscope.conf"_s, withChannelKey("t-key.pem")));
    t.start(TestSupport::wsscopeBinary(), {u"-t"_s, u"-p"_s, m_dir.path() + u'/', u"-c"_s, u"wsscope.conf"_s});
    QVERIFY(t.waitForFinished(20000));
    QCOMPARE(t.exitCode(), 0);
}

void tst_InspectDirectives::reloadMovesRekeysAndCloses()
{
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 127.0.0.1:0;\n  inspect_token_file token;\n"
                                          "  inspect_name first;\n")));
    TestSupport::PeerProcess daemon;
    const quint16 first = startDaemon(&daemon);
    QVERIFY2(first, daemon.output().constData());

    // An attached client, to see what a new token does to it.
    QWebSocket kept;
    QNetworkRequest request(QUrl(u"ws://127.0.0.1:%1"_s.arg(first)));
    request.setRawHeader("Authorization", "Bearer conf-token");
    kept.open(request);
    QTRY_COMPARE_WITH_TIMEOUT(kept.state(), QAbstractSocket::ConnectedState, 10000);

    // Another port, token and name: the channel moves.
    const quint16 second = TestSupport::unusedPort();
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 127.0.0.1:" + QByteArray::number(second)
                                          + ";\n  inspect_token_file other-token;\n  inspect_name second;\n")));
    qsizetype mark = daemon.output().size();
    ::kill(pid_t(daemon.pid()), SIGHUP);
    QTRY_VERIFY_WITH_TIMEOUT(channelPort(daemon.output(), mark) == second, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(kept.state(), QAbstractSocket::UnconnectedState, 10000);
    QCOMPARE(int(kept.closeCode()), 4401); // let in by the old token
    Attempt a = attach(QUrl(u"ws://127.0.0.1:%1"_s.arg(second)), "other-token");
    QVERIFY2(a.hello, qPrintable(a.closeReason));
    QCOMPARE(a.instance, u"second"_s);
    QVERIFY(!attach(QUrl(u"ws://127.0.0.1:%1"_s.arg(second)), "conf-token").hello);
    QVERIFY(!attach(QUrl(u"ws://127.0.0.1:%1"_s.arg(first)), "other-token").hello); // nothing there any more

    // A port that is taken: the channel stays where it was, and says why.
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 127.0.0.1:" + QByteArray::number(squatter.serverPort())
                                          + ";\n  inspect_token_file other-token;\n")));
    mark = daemon.output().size();
    ::kill(pid_t(daemon.pid()), SIGHUP);
    QTRY_VERIFY_WITH_TIMEOUT(daemon.output().mid(mark).contains("reload: the inspection channel stays where it was"), 10000);
    a = attach(QUrl(u"ws://127.0.0.1:%1"_s.arg(second)), "other-token");
    QVERIFY(a.hello);
    QCOMPARE(a.instance, u"second"_s); // what runs is the last channel that bound

    // No inspect_listen any more: the channel closes.
    QVERIFY(write(u"wsscope.conf"_s, conf({})));
    mark = daemon.output().size();
    ::kill(pid_t(daemon.pid()), SIGHUP);
    QTRY_VERIFY_WITH_TIMEOUT(daemon.output().mid(mark).contains("the inspection channel is closed"), 10000);
    QVERIFY(!attach(QUrl(u"ws://127.0.0.1:%1"_s.arg(second)), "other-token").hello);
    QCOMPARE(daemon.terminate(), 0);
}

void tst_InspectDirectives::tlsChannelWithTheLocalCa()
{
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 127.0.0.1:0 ssl;\n  inspect_token_file token;\n"
                                          "  inspect_name tls-daemon;\n")));
    TestSupport::PeerProcess daemon;
    const quint16 port = startDaemon(&daemon, "(wss://)");
    QVERIFY2(port, daemon.output().constData());
    const QList<QSslCertificate> localCa = QSslCertificate::fromPath(m_caFile);
    QCOMPARE(localCa.size(), 1);
    const QUrl url(u"wss://127.0.0.1:%1"_s.arg(port));

    // A client that trusts the local CA attaches; the token still counts.
    const Attempt trusted = attach(url, "conf-token", localCa);
    QVERIFY2(trusted.hello, qPrintable(trusted.closeReason));
    QVERIFY(trusted.sslErrors.isEmpty());
    QCOMPARE(trusted.instance, u"tls-daemon"_s);
    QVERIFY(!attach(url, "wrong", localCa).hello);

    // One that trusts only the system's CAs refuses the certificate.
    const Attempt untrusted = attach(url, "conf-token");
    QVERIFY(!untrusted.hello);
    QVERIFY(!untrusted.sslErrors.isEmpty());
    // Plain ws:// to a TLS channel gets nothing either.
    QVERIFY(!attach(QUrl(u"ws://127.0.0.1:%1"_s.arg(port)), "conf-token").hello);
    QCOMPARE(daemon.terminate(), 0);
}

// The window's side: RemoteInspectorSource trusts this machine's local CA by
// itself; a certificate from any other CA (here the http level's
// ssl_certificate, which the channel serves) is refused, and its banner says why.
void tst_InspectDirectives::windowTrustsTheLocalCaOnly()
{
    QVERIFY(write(u"wsscope.conf"_s, conf("  inspect_listen 127.0.0.1:0 ssl;\n  inspect_token_file token;\n"
                                          "  inspect_name tls-daemon;\n")));
    TestSupport::PeerProcess daemon;
    quint16 port = startDaemon(&daemon, "(wss://)");
    QVERIFY2(port, daemon.output().constData());
    {
        RemoteInspectorSource remote(AttachTarget{QUrl(u"wss://127.0.0.1:%1"_s.arg(port)), m_dir.filePath(u"token"_s)});
        QTRY_COMPARE_WITH_TIMEOUT(remote.link(), InspectorSource::Link::Up, 10000);
        QCOMPARE(remote.instanceName(), u"tls-daemon"_s);
    }
    // So does the terminal's client.
    QByteArray out = runAttach(port, false);
    QVERIFY2(out.contains("wsscope attach: attached to tls-daemon"), out.constData());
    QCOMPARE(daemon.terminate(), 0);

    QString error;
    std::optional<CertificateAuthority> other = CertificateAuthority::create({u"not trusted CA"_s}, &error);
    QVERIFY2(other, qPrintable(error));
    CertificateRequest request;
    request.hosts = {u"127.0.0.1"_s};
    const std::optional<IssuedCertificate> leaf = other->issue(request, &error);
    QVERIFY2(leaf, qPrintable(error));
    QVERIFY(write(u"other.pem"_s, leaf->chainPem) && write(u"other-key.pem"_s, leaf->keyPem));
    QVERIFY(write(u"wsscope.conf"_s, conf("  ssl_certificate other.pem;\n  ssl_certificate_key other-key.pem;\n"
                                          "  inspect_listen 127.0.0.1:0 ssl;\n  inspect_token_file token;\n")));
    TestSupport::PeerProcess second;
    port = startDaemon(&second, "(wss://)");
    QVERIFY2(port, second.output().constData());
    RemoteInspectorSource remote(AttachTarget{QUrl(u"wss://127.0.0.1:%1"_s.arg(port)), m_dir.filePath(u"token"_s)});
    QTRY_COMPARE_WITH_TIMEOUT(remote.link(), InspectorSource::Link::Lost, 10000);
    QVERIFY2(remote.linkDetail().contains(u"TLS certificate is not trusted"_s), qPrintable(remote.linkDetail()));
    QVERIFY(remote.instanceName().isEmpty()); // no hello
    out = runAttach(port, true);
    QVERIFY2(!out.contains("attached to"), out.constData());
    // The terminal says why in the window's words, not a bare socket error.
    QVERIFY2(out.contains("TLS certificate is not trusted") && out.contains("local CA (wsscope cert show)"),
             out.constData());
    QVERIFY2(!out.contains("(attach did not exit 1)"), out.constData());
    // The same certificate is fine for a client that trusts its CA.
    const Attempt a = attach(QUrl(u"wss://127.0.0.1:%1"_s.arg(port)), "conf-token",
                             QSslCertificate::fromData(other->certificatePem()));
    QVERIFY2(a.hello, qPrintable(a.closeReason));
    QCOMPARE(second.terminate(), 0);
}

// The configuration in conf/, its token file named relative to -p (as
// nginx's paths are): Check and Apply from an attached window compile the
// text as the start did, so the same text is valid there too.
void tst_InspectDirectives::applyCompilesUnderThePrefix()
{
    QVERIFY(QDir(m_dir.path()).mkpath(u"conf"_s));
    const QByteArray text = conf("  inspect_listen 127.0.0.1:0;\n  inspect_token_file token;\n");
    QVERIFY(write(u"conf/wsscope.conf"_s, text));
    TestSupport::PeerProcess daemon;
    const quint16 port = startDaemon(&daemon, "inspection channel listening on", u"conf/wsscope.conf"_s);
    QVERIFY2(port, daemon.output().constData());
    RemoteInspectorSource remote(AttachTarget{QUrl(u"ws://127.0.0.1:%1"_s.arg(port)), m_dir.filePath(u"token"_s)});
    QTRY_COMPARE_WITH_TIMEOUT(remote.link(), InspectorSource::Link::Up, 10000);
    QVERIFY(remote.canApply());
    QCOMPARE(remote.configText(), QString::fromUtf8(text));

    QSignalSpy checked(&remote, &InspectorSource::configChecked);
    QSignalSpy applied(&remote, &InspectorSource::configApplied);
    remote.checkConfig(remote.configText());
    QTRY_COMPARE_WITH_TIMEOUT(checked.size(), 1, 10000);
    ConfigCheckResult result = checked.at(0).at(1).value<ConfigCheckResult>();
    QStringList diagnostics;
    for (const ConfDiagnostic &d : result.diagnostics)
        diagnostics << d.toString();
    QVERIFY2(result.ok, qPrintable(diagnostics.join(u'\n')));
    remote.applyConfig(remote.configText());
    QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 10000);
    result = applied.at(0).at(1).value<ConfigCheckResult>();
    diagnostics.clear();
    for (const ConfDiagnostic &d : result.diagnostics)
        diagnostics << d.toString();
    QVERIFY2(result.ok, qPrintable(diagnostics.join(u'\n') + result.applyError));
    // Still the same token: the reload read the same file.
    QVERIFY(attach(QUrl(u"ws://127.0.0.1:%1"_s.arg(port)), "conf-token").hello);
    QCOMPARE(daemon.terminate(), 0);
}

void tst_InspectDirectives::quickModeWarnsAtStart()
{
    // A public address the machine does not have (TEST-NET-1): the warning
    // comes before the bind, which then fails, so no socket off loopback opens.
    TestSupport::PeerProcess daemon;
    QVERIFY(daemon.startWsscope({u"ws://127.0.0.1:9/"_s}, {u"--inspect-listen"_s, u"192.0.2.1:9901"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(!daemon.isRunning(), 10000);
    const QByteArray out = daemon.output();
    QVERIFY2(out.contains("--inspect-listen: the inspection channel on 192.0.2.1:9901 is not on loopback and has no "
                          "TLS: its token and every frame cross the network in clear"),
             out.constData());
    QVERIFY(out.contains("is not on loopback and asks for no token"));
    QVERIFY(out.contains("wsscope: inspection channel on 192.0.2.1:9901:"));
}

QTEST_GUILESS_MAIN(tst_InspectDirectives)
#include "tst_inspectdirectives.moc"
