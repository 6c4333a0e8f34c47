#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

// The kind of key generated for a CA or a certificate.
struct KeySpec
{
    enum class Type : quint8 { EcP256, EcP384, Rsa };
    Type type = Type::EcP256;
    int rsaBits = 2048; // for Type::Rsa

    static KeySpec rsa(int bits) { return {Type::Rsa, bits}; }
};

// What to put into a certificate issued by a CertificateAuthority.
struct CertificateRequest
{
    // DNS names (a leading "*." is allowed) and IP addresses, in the order
    // they appear in subjectAltName; the first one is also the CN.
    QStringList hosts;
    // Defaults: now minus one hour (clock skew) and notBefore + validityDays.
    QDateTime notBefore;
    QDateTime notAfter;
    // 397 days: browsers reject server certificates valid for more than 398,
    // Apple's limit for locally trusted ones is 825.
    int validityDays = 397;
    KeySpec key;
    // Issue an intermediate CA (CA:TRUE, pathlen:0) instead of a server
    // certificate; then `hosts` may be empty and commonName names it.
    bool intermediate = false;
    QString commonName;
};

struct IssuedCertificate
{
    QByteArray certificatePem; // the new certificate alone
    QByteArray chainPem;       // it, then the issuer's chain: what ssl_certificate wants
    QByteArray keyPem;         // PKCS#8, unencrypted
    QStringList hosts;         // as written into subjectAltName (normalised)
    QDateTime notBefore;
    QDateTime notAfter;
};

// A certificate authority for local development certificates, on OpenSSL's
// C API: creates a self-signed root, stores and loads it (key readable by
// the owner only), and issues server certificates with subjectAltName.
// A loaded intermediate (fromPem) issues too, for chains in tests.
class CertificateAuthority final
{
    Q_DISABLE_COPY(CertificateAuthority)

public:
    static constexpr const char *CertificateFile = "wsscope-ca.pem";
    static constexpr const char *KeyFile = "wsscope-ca-key.pem";

    struct CreateOptions
    {
        QString commonName;    // default: "wsscope local CA user@host"
        int validityYears = 10;
        KeySpec key;
        QDateTime notBefore;   // default: now minus one hour
    };

    CertificateAuthority(CertificateAuthority &&other) noexcept;
    CertificateAuthority &operator=(CertificateAuthority &&other) noexcept;
    ~CertificateAuthority();

    // <AppLocalDataLocation>/ca, e.g. ~/.local/share/wsscope/wsscope/ca.
    static QString defaultDirectory();
    static QString defaultCommonName();
    static bool existsIn(const QString &directory);

    static std::optional<CertificateAuthority> create(const CreateOptions &options, QString *error);
    // `certificatePem` may hold the CA certificate followed by its issuers.
    static std::optional<CertificateAuthority> fromPem(const QByteArray &certificatePem, const QByteArray &keyPem,
                                                       QString *error);
    static std::optional<CertificateAuthority> load(const QString &directory, QString *error);

    // Writes CertificateFile (0644) and KeyFile (0600) into `directory`
    // (created 0700). Existing files are replaced atomically.
    bool save(const QString &directory, QString *error) const;

    // Checks the request (names, validity) and signs a new certificate.
    std::optional<IssuedCertificate> issue(const CertificateRequest &request, QString *error) const;

    QByteArray certificatePem() const; // the CA certificate (and its issuers, if loaded so)
    QByteArray keyPem() const;
    QString subject() const;
    QDateTime notBefore() const;
    QDateTime notAfter() const;
    QString sha256Fingerprint() const; // "AB:CD:..."
    // Non-fatal observations from load(), e.g. a key file others can read.
    QStringList warnings() const { return m_warnings; }

    // Accepts a DNS name (IDN converted to ACE; "*." prefix allowed) or an
    // IP address; returns the form written into the certificate, or an
    // empty string with `error` set.
    static QString normaliseHost(const QString &host, bool *isIp, QString *error);

private:
    struct Data;
    CertificateAuthority();
    std::unique_ptr<Data> d;
    QStringList m_warnings;
};
