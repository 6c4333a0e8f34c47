#include "certificateauthority.h"

#include "opensslptr.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSysInfo>
#include <QUrl>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#else
#include <QSaveFile>
#endif

using namespace Qt::StringLiterals;
using namespace OpenSsl;

struct CertificateAuthority::Data
{
    X509Ptr certificate;
    PKeyPtr key;
    QByteArray chainPem; // the CA certificate as PEM, plus any issuers it was loaded with
};

namespace {

QString osError(const QString &what, const QString &path)
{
    return u"%1 %2: %3"_s.arg(what, path, QString::fromLocal8Bit(std::strerror(errno)));
}

QString sslError(const QString &what)
{
    const QString detail = takeErrors();
    return detail.isEmpty() ? what : what + u" ("_s + detail + u')';
}

PKeyPtr generateKey(const KeySpec &spec, QString *error)
{
    EVP_PKEY *key = nullptr;
    switch (spec.type) {
    case KeySpec::Type::EcP256:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
    case KeySpec::Type::EcP384:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        break;
    case KeySpec::Type::Rsa:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(spec.rsaBits));
        break;
    }
    if (!key)
        *error = sslError(u"cannot generate a key"_s);
    return PKeyPtr(key);
}

QDateTime fromAsn1(const ASN1_TIME *t)
{
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return {};
    return QDateTime::fromSecsSinceEpoch(qint64(timegm(&tm)), Qt::UTC);
}

bool setTime(ASN1_TIME *t, const QDateTime &when)
{
    return ASN1_TIME_set(t, time_t(when.toSecsSinceEpoch())) != nullptr;
}

// RFC 5280 4.1.2.2: a positive serial of at most 20 octets; 127 random bits
// keep it unique without any state on disk.
bool setRandomSerial(X509 *x)
{
    BnPtr bn(BN_new());
    if (!bn || !BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
        return false;
    ASN1_INTEGER *serial = X509_get_serialNumber(x);
    return BN_to_ASN1_INTEGER(bn.get(), serial) != nullptr;
}

bool addExtension(X509 *x, X509V3_CTX *ctx, int nid, const QByteArray &value)
{
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.constData()));
    return ext && X509_add_ext(x, ext.get(), -1);
}

bool addNameEntry(X509_NAME *name, const char *field, const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char *>(utf8.constData()),
                                      int(utf8.size()), -1, 0);
}

QString nameToString(const X509_NAME *name)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        return {};
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return QString::fromUtf8(data, len);
}

QByteArray certToPem(X509 *x)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || !PEM_write_bio_X509(bio.get(), x))
        return {};
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, len);
}

QByteArray keyToPem(EVP_PKEY *key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || !PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        return {};
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, len);
}

// Writes through a temporary file created with `mode` (never wider, even
// for a moment) and renames it into place.
bool writeFileAtomically(const QString &path, const QByteArray &data, int mode, QString *error)
{
#ifdef Q_OS_UNIX
    const QByteArray target = QFile::encodeName(path);
    const QByteArray temp = target + ".tmp";
    ::unlink(temp.constData());
    const int fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        *error = osError(u"cannot create"_s, QFile::decodeName(temp));
        return false;
    }
    ::fchmod(fd, mode); // umask may have narrowed it; never widen past `mode`
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *error = osError(u"cannot write"_s, QFile::decodeName(temp));
            ::close(fd);
            ::unlink(temp.constData());
            return false;
        }
        done += n;
    }
    if (::fsync(fd) < 0 || ::close(fd) < 0) {
        *error = osError(u"cannot write"_s, QFile::decodeName(temp));
        ::unlink(temp.constData());
        return false;
    }
    if (::rename(temp.constData(), target.constData()) < 0) {
        *error = osError(u"cannot replace"_s, path);
        ::unlink(temp.constData());
        return false;
    }
    return true;
#else
    Q_UNUSED(mode)
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        *error = u"cannot write %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    return true;
#endif
}

bool readSmallFile(const QString &path, QByteArray *out, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    // A PEM CA is a few KiB; anything huge is not one of ours.
    if (file.size() > 1024 * 1024) {
        *error = u"%1 is too large to be a PEM file"_s.arg(path);
        return false;
    }
    *out = file.readAll();
    return true;
}

QString currentUser()
{
#ifdef Q_OS_UNIX
    if (const passwd *pw = ::getpwuid(::getuid()); pw && pw->pw_name)
        return QString::fromLocal8Bit(pw->pw_name);
#endif
    const QString user = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    return user.isEmpty() ? u"user"_s : user;
}

} // namespace

CertificateAuthority::CertificateAuthority()
    : d(std::make_unique<Data>())
{
}

CertificateAuthority::CertificateAuthority(CertificateAuthority &&other) noexcept = default;
CertificateAuthority &CertificateAuthority::operator=(CertificateAuthority &&other) noexcept = default;
CertificateAuthority::~CertificateAuthority() = default;

QString CertificateAuthority::defaultDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + u"/ca"_s;
}

QString CertificateAuthority::defaultCommonName()
{
    return u"wsscope local CA %1@%2"_s.arg(currentUser(), QSysInfo::machineHostName());
}

bool CertificateAuthority::existsIn(const QString &directory)
{
    const QDir dir(directory);
    return QFileInfo::exists(dir.filePath(QLatin1StringView(CertificateFile)))
        || QFileInfo::exists(dir.filePath(QLatin1StringView(KeyFile)));
}

std::optional<CertificateAuthority> CertificateAuthority::create(const CreateOptions &options, QString *error)
{
    QString dummy;
    if (!error)
        error = &dummy;
    ERR_clear_error();
    CertificateAuthority ca;
    ca.d->key = generateKey(options.key, error);
    if (!ca.d->key)
        return std::nullopt;

    X509Ptr x(X509_new());
    const QDateTime notBefore =
        options.notBefore.isValid() ? options.notBefore : QDateTime::currentDateTimeUtc().addSecs(-3600);
    const QDateTime notAfter = notBefore.addYears(options.validityYears);
    NamePtr name(X509_NAME_new());
    const QString cn = options.commonName.isEmpty() ? defaultCommonName() : options.commonName;
    bool ok = x && name && X509_set_version(x.get(), X509_VERSION_3) && setRandomSerial(x.get())
        && setTime(X509_getm_notBefore(x.get()), notBefore) && setTime(X509_getm_notAfter(x.get()), notAfter)
        && addNameEntry(name.get(), "O", u"wsscope development CA"_s) && addNameEntry(name.get(), "CN", cn)
        && X509_set_subject_name(x.get(), name.get()) && X509_set_issuer_name(x.get(), name.get())
        && X509_set_pubkey(x.get(), ca.d->key.get());
    if (ok) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
        // RFC 5280 4.2.1.9 / 4.2.1.3: a CA must say so, critically, and may
        // only sign certificates and CRLs.
        ok = addExtension(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE")
            && addExtension(x.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign")
            && addExtension(x.get(), &ctx, NID_subject_key_identifier, "hash")
            && X509_sign(x.get(), ca.d->key.get(), EVP_sha256()) > 0;
    }
    if (!ok) {
        *error = sslError(u"cannot build the CA certificate"_s);
        return std::nullopt;
    }
    ca.d->chainPem = certToPem(x.get());
    ca.d->certificate = std::move(x);
    return ca;
}

std::optional<CertificateAuthority> CertificateAuthority::fromPem(const QByteArray &certificatePem,
                                                                  const QByteArray &keyPem, QString *error)
{
    QString dummy;
    if (!error)
        error = &dummy;
    ERR_clear_error();
    CertificateAuthority ca;
    {
        BioPtr bio(BIO_new_mem_buf(certificatePem.constData(), int(certificatePem.size())));
        ca.d->certificate.reset(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
        if (!ca.d->certificate) {
            *error = sslError(u"not a PEM certificate"_s);
            return std::nullopt;
        }
    }
    {
        BioPtr bio(BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())));
        // An empty passphrase callback: an encrypted key fails instead of prompting.
        static const auto noPassphrase = [](char *, int, int, void *) { return 0; };
        ca.d->key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
        if (!ca.d->key) {
            *error = sslError(u"not an unencrypted PEM private key"_s);
            return std::nullopt;
        }
    }
    if (X509_check_private_key(ca.d->certificate.get(), ca.d->key.get()) != 1) {
        ERR_clear_error();
        *error = u"the private key does not belong to the certificate"_s;
        return std::nullopt;
    }
    if (X509_check_ca(ca.d->certificate.get()) == 0) {
        *error = u"the certificate is not a CA certificate (basicConstraints CA:TRUE missing)"_s;
        return std::nullopt;
    }
    ca.d->chainPem = certificatePem;
    if (!ca.d->chainPem.endsWith('\n'))
        ca.d->chainPem += '\n';
    return ca;
}

std::optional<CertificateAuthority> CertificateAuthority::load(const QString &directory, QString *error)
{
    QString dummy;
    if (!error)
        error = &dummy;
    const QDir dir(directory);
    const QString certPath = dir.filePath(QLatin1StringView(CertificateFile));
    const QString keyPath = dir.filePath(QLatin1StringView(KeyFile));
    if (!QFileInfo::exists(certPath) && !QFileInfo::exists(keyPath)) {
        *error = u"no CA in %1 (create one with: wsscope cert init)"_s.arg(QDir::toNativeSeparators(directory));
        return std::nullopt;
    }
    QByteArray certPem, keyPem;
    if (!readSmallFile(certPath, &certPem, error) || !readSmallFile(keyPath, &keyPem, error))
        return std::nullopt;
    QString why;
    auto ca = fromPem(certPem, keyPem, &why);
    if (!ca) {
        *error = u"CA in %1 is unusable: %2"_s.arg(QDir::toNativeSeparators(directory), why);
        return std::nullopt;
    }
#ifdef Q_OS_UNIX
    struct stat st;
    if (::stat(QFile::encodeName(keyPath).constData(), &st) == 0 && (st.st_mode & 077)) {
        ca->m_warnings << u"%1 is readable by other users (mode %2); run: chmod 600 %1"_s.arg(
            keyPath, QString::number(st.st_mode & 0777, 8));
    }
#endif
    if (ca->notAfter() < QDateTime::currentDateTimeUtc())
        ca->m_warnings << u"the CA expired on %1; create a new one with: wsscope cert init --force"_s.arg(
            ca->notAfter().toString(Qt::ISODate));
    return ca;
}

bool CertificateAuthority::save(const QString &directory, QString *error) const
{
    QString dummy;
    if (!error)
        error = &dummy;
    if (!QDir().mkpath(directory)) {
        *error = u"cannot create directory %1"_s.arg(directory);
        return false;
    }
    // The directory holds a signing key: owner only.
    QFile::setPermissions(directory, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    const QDir dir(directory);
    const QByteArray key = keyPem();
    if (key.isEmpty()) {
        *error = sslError(u"cannot encode the CA key"_s);
        return false;
    }
    return writeFileAtomically(dir.filePath(QLatin1StringView(KeyFile)), key, 0600, error)
        && writeFileAtomically(dir.filePath(QLatin1StringView(CertificateFile)), d->chainPem, 0644, error);
}

QString CertificateAuthority::normaliseHost(const QString &host, bool *isIp, QString *error)
{
    *isIp = false;
    const QString trimmed = host.trimmed();
    if (trimmed.isEmpty()) {
        *error = u"empty host name"_s;
        return {};
    }
    QString bare = trimmed;
    if (bare.startsWith(u'[') && bare.endsWith(u']'))
        bare = bare.mid(1, bare.size() - 2);
    QHostAddress address;
    if (address.setAddress(bare)) {
        *isIp = true;
        address.setScopeId({});
        return address.toString();
    }
    const bool wildcard = trimmed.startsWith(u"*."_s);
    const QString rest = wildcard ? trimmed.mid(2) : trimmed;
    const QByteArray ace = QUrl::toAce(rest, QUrl::AceTransitionalProcessing);
    // RFC 1035 2.3.1 labels (letters, digits, hyphen; not at either end),
    // which is what certificate name matching compares.
    static const QRegularExpression label(u"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
    const QString lower = QString::fromLatin1(ace).toLower();
    const QStringList labels = lower.split(u'.');
    bool valid = !ace.isEmpty() && ace.size() <= 253;
    for (const QString &l : labels)
        valid = valid && label.match(l).hasMatch();
    if (!valid) {
        *error = u"\"%1\" is neither a DNS name nor an IP address"_s.arg(host);
        return {};
    }
    if (wildcard && labels.size() < 2) {
        *error = u"\"%1\": a wildcard needs at least two labels after \"*.\" (browsers ignore *.com)"_s.arg(host);
        return {};
    }
    return wildcard ? u"*."_s + lower : lower;
}

std::optional<IssuedCertificate> CertificateAuthority::issue(const CertificateRequest &request, QString *error) const
{
    QString dummy;
    if (!error)
        error = &dummy;
    ERR_clear_error();
    QStringList hosts;
    QByteArray san;
    for (const QString &h : request.hosts) {
        bool isIp = false;
        const QString normal = normaliseHost(h, &isIp, error);
        if (normal.isEmpty())
            return std::nullopt;
        if (hosts.contains(normal))
            continue;
        hosts << normal;
        if (!san.isEmpty())
            san += ',';
        san += (isIp ? "IP:" : "DNS:") + normal.toLatin1();
    }
    if (hosts.isEmpty() && !request.intermediate) {
        *error = u"name at least one host name or IP address"_s;
        return std::nullopt;
    }
    const QDateTime notBefore =
        request.notBefore.isValid() ? request.notBefore : QDateTime::currentDateTimeUtc().addSecs(-3600);
    const QDateTime notAfter = request.notAfter.isValid() ? request.notAfter : notBefore.addDays(request.validityDays);
    if (notAfter <= notBefore) {
        *error = u"the validity period is empty"_s;
        return std::nullopt;
    }

    PKeyPtr key = generateKey(request.key, error);
    if (!key)
        return std::nullopt;
    X509Ptr x(X509_new());
    NamePtr name(X509_NAME_new());
    const QString cn = !request.commonName.isEmpty() ? request.commonName
        : hosts.isEmpty()                            ? u"wsscope intermediate CA"_s
                                                     : hosts.first();
    bool ok = x && name && X509_set_version(x.get(), X509_VERSION_3) && setRandomSerial(x.get())
        && setTime(X509_getm_notBefore(x.get()), notBefore) && setTime(X509_getm_notAfter(x.get()), notAfter)
        && addNameEntry(name.get(), "O", u"wsscope development certificate"_s) && addNameEntry(name.get(), "CN", cn)
        && X509_set_subject_name(x.get(), name.get())
        && X509_set_issuer_name(x.get(), X509_get_subject_name(d->certificate.get()))
        && X509_set_pubkey(x.get(), key.get());
    if (ok) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, d->certificate.get(), x.get(), nullptr, nullptr, 0);
        ok = addExtension(x.get(), &ctx, NID_subject_key_identifier, "hash")
            && addExtension(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
        if (request.intermediate) {
            ok = ok && addExtension(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
                && addExtension(x.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        } else {
            // keyEncipherment only means something for RSA key transport.
            const bool rsa = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA;
            ok = ok && addExtension(x.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE")
                && addExtension(x.get(), &ctx, NID_key_usage,
                                rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature")
                && addExtension(x.get(), &ctx, NID_ext_key_usage, "serverAuth");
        }
        if (!san.isEmpty())
            ok = ok && addExtension(x.get(), &ctx, NID_subject_alt_name, san);
        ok = ok && X509_sign(x.get(), d->key.get(), EVP_sha256()) > 0;
    }
    if (!ok) {
        *error = sslError(u"cannot build the certificate"_s);
        return std::nullopt;
    }
    IssuedCertificate out;
    out.certificatePem = certToPem(x.get());
    out.chainPem = out.certificatePem + d->chainPem;
    out.keyPem = keyToPem(key.get());
    out.hosts = hosts;
    out.notBefore = fromAsn1(X509_get0_notBefore(x.get()));
    out.notAfter = fromAsn1(X509_get0_notAfter(x.get()));
    if (out.certificatePem.isEmpty() || out.keyPem.isEmpty()) {
        *error = sslError(u"cannot encode the certificate"_s);
        return std::nullopt;
    }
    return out;
}

QByteArray CertificateAuthority::certificatePem() const
{
    return d->chainPem;
}

QByteArray CertificateAuthority::keyPem() const
{
    return keyToPem(d->key.get());
}

QString CertificateAuthority::subject() const
{
    return nameToString(X509_get_subject_name(d->certificate.get()));
}

QDateTime CertificateAuthority::notBefore() const
{
    return fromAsn1(X509_get0_notBefore(d->certificate.get()));
}

QDateTime CertificateAuthority::notAfter() const
{
    return fromAsn1(X509_get0_notAfter(d->certificate.get()));
}

QString CertificateAuthority::sha256Fingerprint() const
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!X509_digest(d->certificate.get(), EVP_sha256(), md, &len))
        return {};
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(md), int(len)).toHex(':').toUpper());
}
