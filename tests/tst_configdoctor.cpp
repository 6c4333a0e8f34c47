#include "config/configcompiler.h"
#include "config/configdoctor.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QList<DoctorFinding> findingsFor(const QByteArray &text, QString *error)
{
    ConfigCompileOptions o;
    o.resolve = [](const QString &, QString *) { return QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}; };
    o.defaultListenPort = 8000;
    const ConfigCompileResult r = ConfigCompiler::compileText(text, u"d.conf"_s, o);
    if (!r.ok()) {
        for (const ConfDiagnostic &d : r.diagnostics)
            *error += d.toString() + u'\n';
        return {};
    }
    return ConfigDoctor::check(*r.config);
}

// A WebSocket location done right; each row breaks one thing.
QByteArray wsConfig(const QByteArray &upstreamExtra, const QByteArray &locationLine, const QByteArray &locationBody,
                    const QByteArray &serverExtra = {})
{
    return "http {\n"
           "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
           "  upstream app { " + upstreamExtra + " server 127.0.0.1:9001; }\n"
           "  server {\n"
           "    listen 127.0.0.1:8000;\n" + serverExtra +
           "    location " + locationLine + " {\n" + locationBody + "\n    }\n"
           "  }\n"
           "}\n";
}

const QByteArray kGoodBody = "      proxy_pass http://app;\n"
                             "      proxy_http_version 1.1;\n"
                             "      proxy_set_header Upgrade $http_upgrade;\n"
                             "      proxy_set_header Connection $connection_upgrade;\n"
                             "      proxy_set_header Host $host;\n"
                             "      proxy_read_timeout 3600s;";

QByteArray without(QByteArray body, const QByteArray &line)
{
    body.replace(QByteArray("      " + line + '\n'), QByteArray());
    return body.replace(QByteArray("\n      " + line), QByteArray());
}

} // namespace

class tst_ConfigDoctor : public QObject
{
    Q_OBJECT

private slots:
    void rules_data();
    void rules();
    void everyRuleHasARow();
    void correctConfigIsSilent();
    void findingsBecomeDiagnostics();
    void builtInConfigIsClean();

private:
    QSet<QString> m_rulesTested;
};

void tst_ConfigDoctor::rules_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QByteArray>("bad");
    QTest::addColumn<QByteArray>("fixed");
    QTest::addColumn<int>("line");

    QTest::newRow("ws-http-version") << u"ws-http-version"_s
                                     << wsConfig({}, "/ws", without(kGoodBody, "proxy_http_version 1.1;"))
                                     << wsConfig({}, "/ws", kGoodBody) << 7;
    QTest::newRow("ws-upgrade-headers: no Upgrade")
        << u"ws-upgrade-headers"_s << wsConfig({}, "/ws", without(kGoodBody, "proxy_set_header Upgrade $http_upgrade;"))
        << wsConfig({}, "/ws", kGoodBody) << 7;
    QTest::newRow("ws-upgrade-headers: no Connection")
        << u"ws-upgrade-headers"_s
        << wsConfig({}, "/socket.io/", without(kGoodBody, "proxy_set_header Connection $connection_upgrade;"))
        << wsConfig({}, "/socket.io/", kGoodBody) << 7;
    QByteArray constant = kGoodBody;
    constant.replace("Connection $connection_upgrade", "Connection \"upgrade\"");
    QTest::newRow("connection-constant") << u"connection-constant"_s << wsConfig({}, "/ws", constant)
                                         << wsConfig({}, "/ws", kGoodBody) << 10;
    QByteArray shortTimeout = kGoodBody;
    shortTimeout.replace("3600s", "60s");
    QTest::newRow("read-timeout: explicit 60s") << u"read-timeout"_s << wsConfig({}, "/ws", shortTimeout)
                                                << wsConfig({}, "/ws", kGoodBody) << 12;
    QTest::newRow("read-timeout: nginx's default")
        << u"read-timeout"_s << wsConfig({}, "/ws", without(kGoodBody, "proxy_read_timeout 3600s;"))
        << wsConfig({}, "/ws", kGoodBody) << 7;
    QTest::newRow("header-inheritance")
        << u"header-inheritance"_s
        << wsConfig({}, "/ws", kGoodBody + "\n      proxy_set_header X-Extra 1;",
                    "    proxy_set_header X-Real-IP $remote_addr;\n")
        << wsConfig({}, "/ws", kGoodBody + "\n      proxy_set_header X-Extra 1;\n      proxy_set_header X-Real-IP $remote_addr;",
                    {})
        << 10;
    QTest::newRow("header-underscore") << u"header-underscore"_s
                                       << wsConfig({}, "/ws", kGoodBody + "\n      proxy_set_header X_Real_IP $remote_addr;")
                                       << wsConfig({}, "/ws", kGoodBody + "\n      proxy_set_header X-Real-IP $remote_addr;")
                                       << 13;
    QByteArray proxyHost = kGoodBody;
    proxyHost.replace("Host $host", "Host $proxy_host");
    QTest::newRow("host-proxy-host: explicit") << u"host-proxy-host"_s << wsConfig({}, "/ws", proxyHost)
                                               << wsConfig({}, "/ws", kGoodBody) << 11;
    QTest::newRow("host-proxy-host: nginx's default")
        << u"host-proxy-host"_s << wsConfig({}, "/ws", without(kGoodBody, "proxy_set_header Host $host;"))
        << wsConfig({}, "/ws", kGoodBody) << 7;
    QByteArray slash = kGoodBody;
    slash.replace("proxy_pass http://app;", "proxy_pass http://app/ws/;");
    QByteArray noSlash = kGoodBody;
    noSlash.replace("proxy_pass http://app;", "proxy_pass http://app/ws;");
    QTest::newRow("trailing-slash: /ws + /ws/") << u"trailing-slash"_s << wsConfig({}, "/ws", slash)
                                                << wsConfig({}, "/ws/", slash) << 7;
    QTest::newRow("trailing-slash: /ws/ + /ws") << u"trailing-slash"_s << wsConfig({}, "/ws/", noSlash)
                                                << wsConfig({}, "/ws/", slash) << 7;
    QTest::newRow("sticky") << u"sticky"_s << wsConfig("server 127.0.0.1:9002;", "/ws", kGoodBody)
                            << wsConfig("ip_hash; server 127.0.0.1:9002;", "/ws", kGoodBody) << 7;
    QTest::newRow("sticky: a backup is not a second server")
        << u"sticky"_s << wsConfig("server 127.0.0.1:9002;", "/ws", kGoodBody)
        << wsConfig("server 127.0.0.1:9002 backup;", "/ws", kGoodBody) << 7;
    // The inspection channel off loopback: its directives open the http block.
    const auto channel = [](const QByteArray &lines) {
        return wsConfig({}, "/ws", kGoodBody).replace("http {\n", QByteArray("http {\n" + lines));
    };
    QTest::newRow("inspect-no-tls") << u"inspect-no-tls"_s << channel("inspect_token t;\ninspect_listen 0.0.0.0:9901;\n")
                                    << channel("inspect_token t;\ninspect_listen 0.0.0.0:9901 ssl;\n") << 3;
    QTest::newRow("inspect-no-tls: loopback needs none")
        << u"inspect-no-tls"_s << channel("inspect_token t;\ninspect_listen 192.0.2.1:9901;\n")
        << channel("inspect_token t;\ninspect_listen 127.0.0.1:9901;\n") << 3;
    QTest::newRow("inspect-no-token") << u"inspect-no-token"_s << channel("inspect_listen [::]:9901 ssl;\n")
                                      << channel("inspect_listen [::]:9901 ssl;\ninspect_token t;\n") << 2;
    QTest::newRow("inspect-no-token: loopback needs none")
        << u"inspect-no-token"_s << channel("inspect_listen 0.0.0.0:9901 ssl;\n") << channel("inspect_listen [::1]:9901;\n")
        << 2;
}

void tst_ConfigDoctor::rules()
{
    QFETCH(QString, rule);
    QFETCH(QByteArray, bad);
    QFETCH(QByteArray, fixed);
    QFETCH(int, line);
    QVERIFY(ConfigDoctor::rules().contains(rule));
    m_rulesTested.insert(rule);

    QString error;
    const QList<DoctorFinding> before = findingsFor(bad, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error + QString::fromUtf8(bad)));
    const auto hit = std::find_if(before.cbegin(), before.cend(), [&](const DoctorFinding &f) { return f.rule == rule; });
    QVERIFY2(hit != before.cend(), qPrintable(QString::fromUtf8(bad)));
    QCOMPARE(hit->location.line, line);
    QCOMPARE(hit->location.file, u"d.conf"_s);
    QVERIFY(!hit->message.isEmpty());
    QVERIFY(!hit->fix.isEmpty());
    QVERIFY(!hit->fix.contains(u'\n'));

    const QList<DoctorFinding> after = findingsFor(fixed, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    for (const DoctorFinding &f : after)
        QVERIFY2(f.rule != rule, qPrintable(f.location.toString() + u": "_s + f.message));
}

void tst_ConfigDoctor::everyRuleHasARow()
{
    for (const QString &rule : ConfigDoctor::rules())
        QVERIFY2(m_rulesTested.contains(rule), qPrintable(rule));
}

void tst_ConfigDoctor::correctConfigIsSilent()
{
    QString error;
    const QList<DoctorFinding> findings = findingsFor(wsConfig("ip_hash; server 127.0.0.1:9002;", "/ws/", kGoodBody
                                                                   + "\n      proxy_set_header X-Real-IP $remote_addr;"),
                                                      &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QStringList shown;
    for (const DoctorFinding &f : findings)
        shown << f.rule + u": "_s + f.message;
    QCOMPARE(shown, QStringList());
}

void tst_ConfigDoctor::findingsBecomeDiagnostics()
{
    DoctorFinding f{u"sticky"_s, ConfLocation{u"a.conf"_s, 3, 5, -1}, u"message"_s, u"do this"_s};
    const QList<ConfDiagnostic> d = f.toDiagnostics();
    QCOMPARE(d.size(), 2);
    QCOMPARE(d.at(0).toString(), u"a.conf:3:5: warning: message [sticky]"_s);
    QCOMPARE(d.at(1).toString(), u"a.conf:3:5: note: fix: do this"_s);
}

void tst_ConfigDoctor::builtInConfigIsClean()
{
    QString dir = qEnvironmentVariable("WSSCOPE_RESOURCES");
    if (dir.isEmpty())
        dir = QFINDTESTDATA("../resources");
    const ConfigCompileResult r = ConfigCompiler::compileFile(dir + u"/wsscope.conf"_s);
    QStringList shown;
    for (const ConfDiagnostic &d : r.diagnostics)
        shown << d.toString();
    QCOMPARE(shown, QStringList());
    QVERIFY(r.ok());
    QCOMPARE(ConfigDoctor::check(*r.config).size(), 0);
}

QTEST_GUILESS_MAIN(tst_ConfigDoctor)
#include "tst_configdoctor.moc"
