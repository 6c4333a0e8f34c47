// The local development CA: creation, storage (permissions), reload,
// issuing server certificates, and the `wsscope cert` commands.

#include "testsupport.h"
#include "tls/certificateauthority.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslCertificateExtension>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

struct X509Free
{
    void operator()(X509 *x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const QByteArray &pem)
{
    BIO *bio = BIO_new_mem_buf(pem.constData(), int(pem.size()));
    X509Ptr x(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return x;
}

// OpenSSL's own verification as a TLS client would run it: `leafPem`
// against `roots`, with `intermediates` as untrusted helpers.
int verify(const QByteArray &leafPem, const QList<QByteArray> &roots, const QList<QByteArray> &intermediates = {},
           const QByteArray &host = {})
{
    X509Ptr leaf = parse(leafPem);
    if (!leaf)
        return -1;
    X509_STORE *store = X509_STORE_new();
    std::vector<X509Ptr> keep;
    for (const QByteArray &r : roots) {
        keep.push_back(parse(r));
        X509_STORE_add_cert(store, keep.back().get());
    }
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    for (const QByteArray &i : intermediates) {
        keep.push_back(parse(i));
        sk_X509_push(untrusted, keep.back().get());
    }
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf.get(), untrusted);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    if (!host.isEmpty())
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host.constData(), size_t(host.size()));
    const int rc = X509_verify_cert(ctx);
    const int err = rc == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return err;
}

QSslCertificateExtension extension(const QSslCertificate &cert, const QString &name)
{
    for (const QSslCertificateExtension &e : cert.extensions()) {
        if (e.name() == name)
            return e;
    }
    return {};
}

QFileDevice::Permissions modeBits(const QString &path)
{
    return QFile::permissions(path)
        & (QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup
           | QFileDevice::WriteGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther
           | QFileDevice::ExeOther);
}

} // namespace

class tst_CertificateAuthority : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void createdCaIsACa();
    void savedWithOwnerOnlyKey();
    void reloadGivesTheSameCa();
    void issueLeaf_data();
    void issueLeaf();
    void leafVerifiesAgainstCa();
    void leafDoesNotVerifyAgainstAnotherCa();
    void rsaKeys();
    void intermediateChain();
    void rejectsBadHosts_data();
    void rejectsBadHosts();
    void badFiles_data();
    void badFiles();
    void worldReadableKeyWarns();
    void cli();

private:
    QTemporaryDir m_tmp;
    std::optional<CertificateAuthority> m_ca;
};

void tst_CertificateAuthority::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QString error;
    m_ca = CertificateAuthority::create({}, &error);
    QVERIFY2(m_ca, qPrintable(error));
}

void tst_CertificateAuthority::createdCaIsACa()
{
    const QSslCertificate cert(m_ca->certificatePem(), QSsl::Pem);
    QVERIFY(!cert.isNull());
    QVERIFY(cert.isSelfSigned());
    QVERIFY(cert.subjectInfo(QSslCertificate::CommonName).value(0).startsWith(u"wsscope local CA "_s));
    QVERIFY(cert.subjectInfo(QSslCertificate::CommonName).value(0).contains(u'@'));
    // 10 years (3652 or 3653 days with leap years).
    const qint64 days = cert.effectiveDate().daysTo(cert.expiryDate());
    QVERIFY2(days >= 3652 && days <= 3653, qPrintable(QString::number(days)));
    // RFC 5280 4.2.1.9: basicConstraints CA:TRUE, critical.
    const QSslCertificateExtension bc = extension(cert, u"basicConstraints"_s);
    QVERIFY(bc.isSupported());
    QVERIFY(bc.isCritical());
    QCOMPARE(bc.value().toMap().value(u"ca"_s).toBool(), true);
    const QSslCertificateExtension ku = extension(cert, u"keyUsage"_s);
    QVERIFY(ku.isCritical());
    const QString usage = ku.value().toString() + ku.value().toStringList().join(u',');
    QVERIFY2(usage.contains(u"Certificate Sign"_s) && usage.contains(u"CRL Sign"_s), qPrintable(usage));
    QCOMPARE(cert.publicKey().algorithm(), QSsl::Ec);
    QCOMPARE(cert.publicKey().length(), 256);
    X509Ptr x = parse(m_ca->certificatePem());
    QCOMPARE(X509_check_ca(x.get()), 1);
    QCOMPARE(X509_get_signature_nid(x.get()), NID_ecdsa_with_SHA256);
}

void tst_CertificateAuthority::savedWithOwnerOnlyKey()
{
    const QString dir = m_tmp.filePath(u"ca/nested"_s);
    QVERIFY(!CertificateAuthority::existsIn(dir));
    QString error;
    QVERIFY2(m_ca->save(dir, &error), qPrintable(error));
    QVERIFY(CertificateAuthority::existsIn(dir));
    const QString key = QDir(dir).filePath(QLatin1StringView(CertificateAuthority::KeyFile));
    const QString cert = QDir(dir).filePath(QLatin1StringView(CertificateAuthority::CertificateFile));
    QCOMPARE(modeBits(key), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QCOMPARE(modeBits(dir), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QVERIFY(modeBits(cert) & QFileDevice::ReadOwner);
    QVERIFY(!(modeBits(cert) & QFileDevice::WriteOther));
    // Saving again replaces atomically, mode unchanged, no temporary left.
    QVERIFY2(m_ca->save(dir, &error), qPrintable(error));
    QCOMPARE(modeBits(key), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QCOMPARE(QDir(dir).entryList(QDir::Files).size(), 2);
}

void tst_CertificateAuthority::reloadGivesTheSameCa()
{
    const QString dir = m_tmp.filePath(u"reload"_s);
    QString error;
    QVERIFY2(m_ca->save(dir, &error), qPrintable(error));
    auto loaded = CertificateAuthority::load(dir, &error);
    QVERIFY2(loaded, qPrintable(error));
    QCOMPARE(loaded->sha256Fingerprint(), m_ca->sha256Fingerprint());
    QCOMPARE(loaded->keyPem(), m_ca->keyPem());
    QCOMPARE(loaded->subject(), m_ca->subject());
    QVERIFY(loaded->warnings().isEmpty());
    // The reloaded CA signs certificates the original's certificate verifies.
    auto leaf = loaded->issue({.hosts = {u"reload.test"_s}}, &error);
    QVERIFY2(leaf, qPrintable(error));
    QCOMPARE(verify(leaf->certificatePem, {m_ca->certificatePem()}), X509_V_OK);
}

void tst_CertificateAuthority::issueLeaf_data()
{
    QTest::addColumn<QStringList>("hosts");
    QTest::addColumn<QStringList>("dns");
    QTest::addColumn<QStringList>("ips");

    QTest::newRow("dns name") << QStringList{u"localhost"_s} << QStringList{u"localhost"_s} << QStringList{};
    QTest::newRow("ipv4") << QStringList{u"127.0.0.1"_s} << QStringList{} << QStringList{u"127.0.0.1"_s};
    QTest::newRow("ipv6 bracketed") << QStringList{u"[::1]"_s} << QStringList{} << QStringList{u"0:0:0:0:0:0:0:1"_s};
    QTest::newRow("names and ips")
        << QStringList{u"dev.example.test"_s, u"localhost"_s, u"127.0.0.1"_s, u"::1"_s}
        << QStringList{u"dev.example.test"_s, u"localhost"_s} << QStringList{u"127.0.0.1"_s, u"0:0:0:0:0:0:0:1"_s};
    QTest::newRow("wildcard") << QStringList{u"*.example.test"_s} << QStringList{u"*.example.test"_s} << QStringList{};
    QTest::newRow("upper case lowered") << QStringList{u"WWW.Example.TEST"_s} << QStringList{u"www.example.test"_s}
                                        << QStringList{};
    QTest::newRow("idn to ace") << QStringList{u"bücher.example"_s} << QStringList{u"xn--bcher-kva.example"_s}
                                << QStringList{};
    QTest::newRow("duplicates once") << QStringList{u"a.test"_s, u"A.test"_s} << QStringList{u"a.test"_s}
                                     << QStringList{};
}

void tst_CertificateAuthority::issueLeaf()
{
    QFETCH(QStringList, hosts);
    QFETCH(QStringList, dns);
    QFETCH(QStringList, ips);
    QString error;
    auto issued = m_ca->issue({.hosts = hosts}, &error);
    QVERIFY2(issued, qPrintable(error));

    const QList<QSslCertificate> chain = QSslCertificate::fromData(issued->chainPem);
    QCOMPARE(chain.size(), 2); // leaf + CA
    const QSslCertificate leaf = chain.first();
    QCOMPARE(chain.last(), QSslCertificate(m_ca->certificatePem()));
    const auto san = leaf.subjectAlternativeNames();
    QStringList gotDns = san.values(QSsl::DnsEntry);
    QStringList gotIps;
    for (const QString &ip : san.values(QSsl::IpAddressEntry))
        gotIps << QHostAddress(ip).toString().replace(u"::1"_s, u"0:0:0:0:0:0:0:1"_s);
    std::sort(gotDns.begin(), gotDns.end());
    std::sort(gotIps.begin(), gotIps.end());
    std::sort(dns.begin(), dns.end());
    std::sort(ips.begin(), ips.end());
    QCOMPARE(gotDns, dns);
    QCOMPARE(gotIps, ips);

    // Validity: at most 397 days, starting no later than now.
    const qint64 days = leaf.effectiveDate().daysTo(leaf.expiryDate());
    QVERIFY2(days <= 397 && days >= 396, qPrintable(QString::number(days)));
    QVERIFY(leaf.effectiveDate() <= QDateTime::currentDateTimeUtc());
    QCOMPARE(issued->notAfter, leaf.expiryDate());
    QCOMPARE(leaf.issuerDisplayName(), QSslCertificate(m_ca->certificatePem()).subjectDisplayName());

    // A server certificate: not a CA, serverAuth only.
    X509Ptr x = parse(issued->certificatePem);
    QCOMPARE(X509_check_ca(x.get()), 0);
    QVERIFY(X509_get_extension_flags(x.get()) & EXFLAG_XKUSAGE);
    QVERIFY(X509_get_extended_key_usage(x.get()) & XKU_SSL_SERVER);
    QCOMPARE(X509_check_purpose(x.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
    const QSslCertificateExtension bc = extension(leaf, u"basicConstraints"_s);
    QVERIFY(bc.isCritical());
    QCOMPARE(bc.value().toMap().value(u"ca"_s).toBool(), false);

    // The key is PEM PKCS#8 and belongs to the certificate.
    QVERIFY(issued->keyPem.startsWith("-----BEGIN PRIVATE KEY-----"));
    const QSslKey key(issued->keyPem, QSsl::Ec);
    QVERIFY(!key.isNull());
}

void tst_CertificateAuthority::leafVerifiesAgainstCa()
{
    QString error;
    auto issued = m_ca->issue({.hosts = {u"localhost"_s, u"127.0.0.1"_s}}, &error);
    QVERIFY2(issued, qPrintable(error));
    QCOMPARE(verify(issued->certificatePem, {m_ca->certificatePem()}, {}, "localhost"), X509_V_OK);
    QCOMPARE(verify(issued->certificatePem, {m_ca->certificatePem()}, {}, "other.test"), X509_V_ERR_HOSTNAME_MISMATCH);
    // And the signature alone.
    X509Ptr leaf = parse(issued->certificatePem);
    X509Ptr ca = parse(m_ca->certificatePem());
    QCOMPARE(X509_verify(leaf.get(), X509_get0_pubkey(ca.get())), 1);
}

void tst_CertificateAuthority::leafDoesNotVerifyAgainstAnotherCa()
{
    QString error;
    auto other = CertificateAuthority::create({}, &error);
    QVERIFY2(other, qPrintable(error));
    QVERIFY(other->sha256Fingerprint() != m_ca->sha256Fingerprint());
    auto issued = m_ca->issue({.hosts = {u"localhost"_s}}, &error);
    QVERIFY(issued);
    QVERIFY(verify(issued->certificatePem, {other->certificatePem()}) != X509_V_OK);
}

void tst_CertificateAuthority::rsaKeys()
{
    QString error;
    auto ca = CertificateAuthority::create({.key = KeySpec::rsa(2048)}, &error);
    QVERIFY2(ca, qPrintable(error));
    QCOMPARE(QSslCertificate(ca->certificatePem()).publicKey().algorithm(), QSsl::Rsa);
    auto issued = ca->issue({.hosts = {u"rsa.test"_s}, .key = KeySpec::rsa(2048)}, &error);
    QVERIFY2(issued, qPrintable(error));
    const QSslCertificate leaf(issued->certificatePem);
    QCOMPARE(leaf.publicKey().algorithm(), QSsl::Rsa);
    QCOMPARE(leaf.publicKey().length(), 2048);
    QCOMPARE(verify(issued->certificatePem, {ca->certificatePem()}, {}, "rsa.test"), X509_V_OK);
}

void tst_CertificateAuthority::intermediateChain()
{
    QString error;
    auto inter = m_ca->issue({.intermediate = true, .commonName = u"test intermediate"_s}, &error);
    QVERIFY2(inter, qPrintable(error));
    auto interCa = CertificateAuthority::fromPem(inter->certificatePem, inter->keyPem, &error);
    QVERIFY2(interCa, qPrintable(error));
    auto leaf = interCa->issue({.hosts = {u"chain.test"_s}}, &error);
    QVERIFY2(leaf, qPrintable(error));
    QCOMPARE(QSslCertificate::fromData(leaf->chainPem).size(), 2); // leaf + intermediate
    QCOMPARE(verify(leaf->certificatePem, {m_ca->certificatePem()}, {inter->certificatePem}, "chain.test"), X509_V_OK);
    // Without the intermediate the root alone cannot verify the leaf.
    QCOMPARE(verify(leaf->certificatePem, {m_ca->certificatePem()}), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

void tst_CertificateAuthority::rejectsBadHosts_data()
{
    QTest::addColumn<QStringList>("hosts");
    QTest::newRow("none") << QStringList{};
    QTest::newRow("empty") << QStringList{u""_s};
    QTest::newRow("space") << QStringList{u"a b.test"_s};
    QTest::newRow("leading hyphen") << QStringList{u"-bad.test"_s};
    QTest::newRow("underscore") << QStringList{u"exa_mple.test"_s};
    QTest::newRow("wildcard on tld") << QStringList{u"*.com"_s};
    QTest::newRow("inner wildcard") << QStringList{u"a.*.test"_s};
    QTest::newRow("comma injection") << QStringList{u"a.test,DNS:evil.test"_s};
    QTest::newRow("one bad among good") << QStringList{u"good.test"_s, u"bad host"_s};
}

void tst_CertificateAuthority::rejectsBadHosts()
{
    QFETCH(QStringList, hosts);
    QString error;
    QVERIFY(!m_ca->issue({.hosts = hosts}, &error));
    QVERIFY(!error.isEmpty());
}

void tst_CertificateAuthority::badFiles_data()
{
    QTest::addColumn<QByteArray>("cert");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("expected");

    QString error;
    auto other = CertificateAuthority::create({}, &error);
    auto leaf = m_ca->issue({.hosts = {u"leaf.test"_s}}, &error);
    const QByteArray cert = m_ca->certificatePem();
    const QByteArray key = m_ca->keyPem();
    QTest::newRow("garbage certificate") << QByteArray("not a certificate\n") << key << u"not a PEM certificate"_s;
    QTest::newRow("truncated certificate") << cert.left(cert.size() / 2) << key << u"not a PEM certificate"_s;
    QTest::newRow("empty key") << cert << QByteArray() << u"private key"_s;
    QTest::newRow("garbage key") << cert << QByteArray("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                                 << u"private key"_s;
    QTest::newRow("key of another CA") << cert << other->keyPem() << u"does not belong"_s;
    QTest::newRow("leaf is not a CA") << leaf->certificatePem << leaf->keyPem << u"not a CA"_s;
    QTest::newRow("binary junk") << QByteArray(4096, '\xff') << QByteArray(10, '\0') << u"not a PEM certificate"_s;
}

void tst_CertificateAuthority::badFiles()
{
    QFETCH(QByteArray, cert);
    QFETCH(QByteArray, key);
    QFETCH(QString, expected);
    const QString dir = m_tmp.filePath(u"bad-"_s + QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-'));
    QVERIFY(QDir().mkpath(dir));
    QFile c(QDir(dir).filePath(QLatin1StringView(CertificateAuthority::CertificateFile)));
    QVERIFY(c.open(QIODevice::WriteOnly));
    c.write(cert);
    c.close();
    QFile k(QDir(dir).filePath(QLatin1StringView(CertificateAuthority::KeyFile)));
    QVERIFY(k.open(QIODevice::WriteOnly));
    k.write(key);
    k.close();
    QString error;
    QVERIFY(!CertificateAuthority::load(dir, &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(dir)), qPrintable(error));
}

void tst_CertificateAuthority::worldReadableKeyWarns()
{
    const QString dir = m_tmp.filePath(u"perm"_s);
    QString error;
    QVERIFY(m_ca->save(dir, &error));
    const QString key = QDir(dir).filePath(QLatin1StringView(CertificateAuthority::KeyFile));
    QVERIFY(QFile::setPermissions(key, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    auto loaded = CertificateAuthority::load(dir, &error);
    QVERIFY2(loaded, qPrintable(error));
    QCOMPARE(loaded->warnings().size(), 1);
    QVERIFY(loaded->warnings().first().contains(u"chmod 600"_s));
    // Missing directory: a clear error, no crash.
    QVERIFY(!CertificateAuthority::load(m_tmp.filePath(u"nowhere"_s), &error));
    QVERIFY2(error.contains(u"wsscope cert init"_s), qPrintable(error));
}

void tst_CertificateAuthority::cli()
{
    const QString bin = TestSupport::wsscopeBinary();
    const QString dir = m_tmp.filePath(u"cli-ca"_s);
    const auto run = [&bin](const QStringList &args, QByteArray *output = nullptr) {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(bin, args);
        if (!p.waitForFinished(30000)) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        if (output)
            *output = p.readAll();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    QByteArray out;
    QCOMPARE(run({u"cert"_s, u"issue"_s, u"localhost"_s, u"--dir"_s, dir}, &out), 1); // no CA yet
    QVERIFY2(out.contains("wsscope cert init"), out.constData());
    QCOMPARE(run({u"cert"_s, u"init"_s, u"--dir"_s, dir}, &out), 0);
    QVERIFY2(out.contains("update-ca-certificates") && out.contains("add-trusted-cert") && out.contains("-addstore")
                 && out.contains("certutil -d sql:") && out.contains("Certificate Trust Settings"),
             out.constData());
    const QString fp = QString::fromUtf8(out).section(u"sha256:"_s, 1).section(u'\n', 0, 0).trimmed();
    QVERIFY(!fp.isEmpty());
    // Idempotent: the same CA stays.
    QCOMPARE(run({u"cert"_s, u"init"_s, u"--dir"_s, dir}, &out), 0);
    QVERIFY2(out.contains("already exists") && out.contains(fp.toUtf8()), out.constData());
    QCOMPARE(run({u"cert"_s, u"show"_s, u"--dir"_s, dir}, &out), 0);
    QVERIFY(out.contains(fp.toUtf8()));

    const QString prefix = m_tmp.filePath(u"cli-leaf"_s);
    QCOMPARE(run({u"cert"_s, u"issue"_s, u"localhost"_s, u"127.0.0.1"_s, u"--dir"_s, dir, u"--out"_s, prefix}, &out), 0);
    QVERIFY2(out.contains("ssl_certificate_key"), out.constData());
    QCOMPARE(modeBits(prefix + u"-key.pem"_s), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QFile chainFile(prefix + u".pem"_s);
    QVERIFY(chainFile.open(QIODevice::ReadOnly));
    const QList<QSslCertificate> chain = QSslCertificate::fromData(chainFile.readAll());
    QCOMPARE(chain.size(), 2);
    QCOMPARE(chain.first().subjectAlternativeNames().values(QSsl::IpAddressEntry).value(0), u"127.0.0.1"_s);
    QFile caFile(QDir(dir).filePath(QLatin1StringView(CertificateAuthority::CertificateFile)));
    QVERIFY(caFile.open(QIODevice::ReadOnly));
    QCOMPARE(verify(chain.first().toPem(), {caFile.readAll()}, {}, "localhost"), X509_V_OK);

    // Usage errors exit 2.
    QCOMPARE(run({u"cert"_s, u"issue"_s, u"--dir"_s, dir}), 2);
    QCOMPARE(run({u"cert"_s, u"issue"_s, u"bad host"_s, u"--dir"_s, dir}), 2);
    QCOMPARE(run({u"cert"_s, u"issue"_s, u"a.test"_s, u"--days"_s, u"900"_s, u"--dir"_s, dir}), 2);
    QCOMPARE(run({u"cert"_s, u"frobnicate"_s}), 2);
    QCOMPARE(run({u"cert"_s, u"init"_s, u"--bogus"_s}), 2);
    QCOMPARE(run({u"tls-check"_s}), 2);
    QCOMPARE(run({u"tls-check"_s, u"host:99999"_s}), 2);
}

QTEST_GUILESS_MAIN(tst_CertificateAuthority)
#include "tst_certificateauthority.moc"
