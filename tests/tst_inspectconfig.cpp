// The inspect_* directives (wsscope's inspection channel): what they fill,
// their errors with file:line:col, the --inspect-* flags over them, and the
// channel's certificate from the local CA.
#include "commandline.h"
#include "config/configcompiler.h"
#include "config/nginxdirectives.h"
#include "inspectendpoint.h"
#include "tls/certificateauthority.h"

#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

ConfigCompileResult compile(const QByteArray &text, const QString &prefix = {})
{
    ConfigCompileOptions o;
    // Every name resolves to two addresses: the channel takes the first.
    o.resolve = [](const QString &, QString *) {
        return QList<QHostAddress>{QHostAddress(u"127.0.0.2"_s), QHostAddress(u"127.0.0.3"_s)};
    };
    o.defaultListenPort = 8000;
    o.prefix = prefix;
    return ConfigCompiler::compileText(text, u"t.conf"_s, o);
}

QStringList show(const QList<ConfDiagnostic> &diagnostics)
{
    QStringList out;
    for (const ConfDiagnostic &d : diagnostics)
        out << d.toString();
    return out;
}

QByteArray http(const QByteArray &lines)
{
    return "http {\n" + lines + "  server { listen 127.0.0.1:8000; location / { return 204; } }\n}\n";
}

} // namespace

class tst_InspectConfig : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void directivesFillTheChannel();
    void tokenFileIsReadAgainstThePrefix();
    void errors_data();
    void errors();
    void listedAsWsscopesOwn();
    void flagsWinOverDirectives();
    void channelCertificateFromTheLocalCa();
    void channelCertificateFromSslCertificate();

private:
    QTemporaryDir m_dir;
};

void tst_InspectConfig::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    QFile token(m_dir.filePath(u"token"_s));
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write("  file-token\n");
    QFile empty(m_dir.filePath(u"empty"_s));
    QVERIFY(empty.open(QIODevice::WriteOnly));
}

void tst_InspectConfig::directivesFillTheChannel()
{
    const ConfigCompileResult r = compile(http("  inspect_listen [::1]:9901 ssl;\n  inspect_token s3cret;\n"
                                               "  inspect_readonly on;\n  inspect_name \"eu-1\";\n"));
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    const InspectChannelConfig &c = r.config->inspect;
    QVERIFY(c.enabled);
    QCOMPARE(c.listen.address, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(c.listen.port, quint16(9901));
    QVERIFY(c.listen.ssl);
    QCOMPARE(c.listen.at.line, 2);
    QCOMPARE(c.host, QByteArray("::1"));
    QCOMPARE(c.token, QByteArray("s3cret"));
    QVERIFY(c.readOnly);
    QCOMPARE(c.name, u"eu-1"_s);
    QVERIFY(!c.tls.enabled); // no ssl_certificate: the local CA's

    const ConfigCompileResult none = compile(http({}));
    QVERIFY(none.ok());
    QVERIFY(!none.config->inspect.enabled);

    // A name resolved at load time, as listen's; `*` is every IPv4 interface.
    const ConfigCompileResult named = compile(http("  inspect_listen inspect.internal:9901;\n"));
    QVERIFY(named.ok());
    QCOMPARE(named.config->inspect.listen.address, QHostAddress(u"127.0.0.2"_s));
    QCOMPARE(named.config->inspect.host, QByteArray("inspect.internal"));
    QVERIFY(!named.config->inspect.listen.ssl);
    QVERIFY2(show(named.diagnostics).join(u'\n').contains(u"resolves to 2 addresses"_s), qPrintable(show(named.diagnostics).join(u'\n')));
    const ConfigCompileResult any = compile(http("  inspect_listen *:9901;\n"));
    QVERIFY(any.ok());
    QCOMPARE(any.config->inspect.listen.address, QHostAddress(QHostAddress::AnyIPv4));
}

void tst_InspectConfig::tokenFileIsReadAgainstThePrefix()
{
    const ConfigCompileResult r = compile(http("  inspect_listen 127.0.0.1:0;\n  inspect_token_file token;\n"),
                                          m_dir.path() + u'/');
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.config->inspect.token, QByteArray("file-token")); // trimmed
    QCOMPARE(r.config->inspect.tokenAt.line, 3);
}

void tst_InspectConfig::errors_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");

    QTest::newRow("a bare port") << http("  inspect_listen 9901;\n")
                                 << u"t.conf:2:18: error: \"inspect_listen\" needs an address: write 127.0.0.1:9901 "
                                    u"(loopback, reached through ssh -L) or, deliberately, 0.0.0.0:9901"_s;
    QTest::newRow("no port") << http("  inspect_listen 127.0.0.1;\n")
                             << u"t.conf:2:18: error: invalid host or port in \"127.0.0.1\" of the \"inspect_listen\" "
                                u"directive (ADDR:PORT, [IPv6]:PORT)"_s;
    QTest::newRow("IPv6 without brackets") << http("  inspect_listen ::1:9901;\n")
                                           << u"t.conf:2:18: error: invalid host or port in \"::1:9901\" of the "
                                              u"\"inspect_listen\" directive (ADDR:PORT, [IPv6]:PORT)"_s;
    QTest::newRow("port out of range") << http("  inspect_listen 127.0.0.1:70000;\n")
                                       << u"t.conf:2:18: error: invalid host or port in \"127.0.0.1:70000\" of the "
                                          u"\"inspect_listen\" directive (ADDR:PORT, [IPv6]:PORT)"_s;
    QTest::newRow("unknown parameter") << http("  inspect_listen 127.0.0.1:9901 http2;\n")
                                       << u"t.conf:2:33: error: invalid parameter \"http2\" of \"inspect_listen\" (only \"ssl\")"_s;
    QTest::newRow("twice") << http("  inspect_listen 127.0.0.1:9901;\n  inspect_listen 127.0.0.1:9902;\n")
                           << u"t.conf:3:3: error: \"inspect_listen\" directive is duplicate"_s;
    QTest::newRow("both tokens") << http("  inspect_token a;\n  inspect_token_file /etc/hostname;\n")
                                 << u"t.conf:3:3: error: \"inspect_token_file\" and \"inspect_token\" (at t.conf:2:3) "
                                    u"both set the inspection channel's token: keep one"_s;
    QTest::newRow("unreadable token file")
        << http("  inspect_token_file /nonexistent/token;\n")
        << u"t.conf:2:22: error: cannot read the \"inspect_token_file\" \"/nonexistent/token\": No such file or directory"_s;
    QTest::newRow("empty token file") << http("  inspect_token_file " + QFile::encodeName(m_dir.filePath(u"empty"_s)) + ";\n")
                                      << u"t.conf:2:22: error: \"inspect_token_file\" \"%1\" is empty: the token is its "
                                         u"content"_s.arg(m_dir.filePath(u"empty"_s));
    QTest::newRow("empty token") << http("  inspect_token \"\";\n")
                                 << u"t.conf:2:17: error: invalid value in \"inspect_token\" directive: a non-empty line"_s;
    QTest::newRow("readonly takes on|off")
        << http("  inspect_readonly yes;\n")
        << u"t.conf:2:20: error: invalid value \"yes\" in \"inspect_readonly\" directive, it must be \"on\" or \"off\""_s;
    QTest::newRow("empty name") << http("  inspect_name \"\";\n")
                                << u"t.conf:2:16: error: invalid value in \"inspect_name\" directive: a non-empty line"_s;
    QTest::newRow("not in a server")
        << QByteArray("http {\n  server {\n    listen 127.0.0.1:8000;\n    inspect_listen 127.0.0.1:9901;\n  }\n}\n")
        << u"t.conf:4:5: error: \"inspect_listen\" directive is not allowed here"_s;
    QTest::newRow("arguments") << http("  inspect_name a b;\n")
                               << u"t.conf:2:3: error: invalid number of arguments in \"inspect_name\" directive"_s;
}

void tst_InspectConfig::errors()
{
    QFETCH(QByteArray, conf);
    QFETCH(QString, expected);
    const ConfigCompileResult r = compile(conf);
    QVERIFY(!r.ok());
    const QStringList all = show(r.diagnostics);
    QVERIFY2(all.contains(expected), qPrintable(all.join(u'\n')));
}

void tst_InspectConfig::listedAsWsscopesOwn()
{
    const QString listing = ConfigCompiler::directiveListing();
    for (const char *name : {"inspect_listen", "inspect_token_file", "inspect_token", "inspect_readonly", "inspect_name"}) {
        QVERIFY2(listing.contains(QString::fromLatin1(name) + u" (http)"_s), name);
        QVERIFY2(!isKnownNginxDirective(name), name); // not an nginx directive refused or ignored
    }
}

void tst_InspectConfig::flagsWinOverDirectives()
{
    const ConfigCompileResult r = compile(http("  inspect_listen 127.0.0.1:9901 ssl;\n  inspect_token conf-token;\n"
                                               "  inspect_name conf-name;\n"));
    QVERIFY(r.ok());
    QString error;
    // No flags: the directives as written.
    Options none;
    std::optional<InspectChannelConfig> c = InspectEndpoint::effective(none, r.config->inspect, &error);
    QVERIFY(c);
    QCOMPARE(c->listen.port, quint16(9901));
    QVERIFY(c->listen.ssl);
    QCOMPARE(c->name, u"conf-name"_s);

    // --inspect-listen replaces inspect_listen whole (ssl too); the others stay.
    Options flags = CommandLine::parse({u"wsscope"_s, u"--inspect-listen"_s, u"[::1]:9902"_s,
                                        u"--inspect-readonly"_s}).options;
    c = InspectEndpoint::effective(flags, r.config->inspect, &error);
    QVERIFY(c);
    QCOMPARE(c->listen.address, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(c->listen.port, quint16(9902));
    QVERIFY(!c->listen.ssl);
    QVERIFY(c->readOnly);
    QCOMPARE(c->token, QByteArray("conf-token"));
    QCOMPARE(c->name, u"conf-name"_s);

    // --inspect-ssl adds TLS to the address in effect; --inspect-name wins.
    flags = CommandLine::parse({u"wsscope"_s, u"--inspect-ssl"_s, u"--inspect-name"_s, u"flag-name"_s}).options;
    QVERIFY(flags.inspectSsl);
    const ConfigCompileResult plain = compile(http("  inspect_listen 127.0.0.1:9901;\n"));
    c = InspectEndpoint::effective(flags, plain.config->inspect, &error);
    QVERIFY(c && c->listen.ssl);
    QCOMPARE(c->name, u"flag-name"_s);

    flags = CommandLine::parse({u"wsscope"_s, u"--inspect-listen"_s, u"localhost:9901"_s}).options;
    QVERIFY(!InspectEndpoint::effective(flags, plain.config->inspect, &error));
    QCOMPARE(error, u"--inspect-listen localhost:9901: not HOST:PORT with a numeric host"_s);
}

void tst_InspectConfig::channelCertificateFromTheLocalCa()
{
    const ConfigCompileResult r = compile(http("  inspect_listen 127.0.0.1:9901 ssl;\n"));
    QVERIFY(r.ok());
    bool ok = false;
    QString error;
    const std::optional<QSslConfiguration> tls = InspectEndpoint::tlsFor(r.config->inspect, &ok, &error);
    QVERIFY2(ok && tls, qPrintable(error));
    const QList<QSslCertificate> chain = tls->localCertificateChain();
    QVERIFY(!chain.isEmpty());
    QVERIFY(!tls->privateKey().isNull());
    const QMultiMap<QSsl::AlternativeNameEntryType, QString> names = chain.constFirst().subjectAlternativeNames();
    QVERIFY2(names.values(QSsl::IpAddressEntry).contains(u"127.0.0.1"_s), qPrintable(QStringList(names.values()).join(u',')));
    QVERIFY(names.values(QSsl::DnsEntry).contains(u"localhost"_s));
    // Signed by the local CA a window trusts.
    const QString caFile = QDir(CertificateAuthority::defaultDirectory()).filePath(QLatin1String(CertificateAuthority::CertificateFile));
    const QList<QSslCertificate> ca = QSslCertificate::fromPath(caFile);
    QCOMPARE(ca.size(), 1);
    QCOMPARE(chain.constFirst().issuerInfo(QSslCertificate::CommonName), ca.constFirst().subjectInfo(QSslCertificate::CommonName));

    // Without ssl: plain ws://.
    const ConfigCompileResult plain = compile(http("  inspect_listen 127.0.0.1:9901;\n"));
    QVERIFY(!InspectEndpoint::tlsFor(plain.config->inspect, &ok, &error));
    QVERIFY(ok);
}

void tst_InspectConfig::channelCertificateFromSslCertificate()
{
    // A CA of the test's own (not the local one): the channel serves its
    // http-level ssl_certificate, the one every server inherits.
    QString error;
    std::optional<CertificateAuthority> ca = CertificateAuthority::create({u"tst_inspectconfig CA"_s}, &error);
    QVERIFY2(ca, qPrintable(error));
    CertificateRequest request;
    request.hosts = {u"127.0.0.1"_s};
    const std::optional<IssuedCertificate> leaf = ca->issue(request, &error);
    QVERIFY2(leaf, qPrintable(error));
    for (const auto &[name, pem] : {std::pair{u"own.pem"_s, leaf->chainPem}, std::pair{u"own-key.pem"_s, leaf->keyPem}}) {
        QFile f(m_dir.filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(pem);
    }
    const ConfigCompileResult r = compile(http("  ssl_certificate own.pem;\n  ssl_certificate_key own-key.pem;\n"
                                               "  inspect_listen 127.0.0.1:9901 ssl;\n"),
                                          m_dir.path() + u'/');
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QVERIFY(r.config->inspect.tls.enabled);
    bool ok = false;
    const std::optional<QSslConfiguration> tls = InspectEndpoint::tlsFor(r.config->inspect, &ok, &error);
    QVERIFY2(ok && tls, qPrintable(error));
    QCOMPARE(tls->localCertificateChain().constFirst().issuerInfo(QSslCertificate::CommonName),
             QStringList{u"tst_inspectconfig CA"_s});

    // A key that is not one: the error names the ssl_certificate_key line.
    QFile bad(m_dir.filePath(u"bad-key.pem"_s));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("not a key\n");
    bad.close();
    const ConfigCompileResult wrong = compile(http("  ssl_certificate own.pem;\n  ssl_certificate_key bad-key.pem;\n"
                                                   "  inspect_listen 127.0.0.1:9901 ssl;\n"),
                                              m_dir.path() + u'/');
    QVERIFY(wrong.ok());
    QVERIFY(!InspectEndpoint::tlsFor(wrong.config->inspect, &ok, &error));
    QVERIFY(!ok);
    QVERIFY2(error.startsWith(u"t.conf:3:3: cannot load the inspection channel's key"_s), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_InspectConfig)
#include "tst_inspectconfig.moc"
