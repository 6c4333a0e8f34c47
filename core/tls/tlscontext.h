#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
class TlsSessionCache;

// TLS contexts built from configuration (OpenSSL's C API underneath).
//
// A context is created once per configuration load (so `wsscope -t` finds
// a bad key before the listener does) and shared read-only by every
// connection of that snapshot; OpenSSL contexts are thread-safe for that.

// The TLS protocol versions (the ssl_protocols words parse to these bits:
// ConfTlsProtocols in core/config).
namespace TlsProtocols {
enum : quint8 { TLSv1 = 0x1, TLSv1_1 = 0x2, TLSv1_2 = 0x4, TLSv1_3 = 0x8 };
}

// One certificate and its key (nginx allows several, e.g. RSA + ECDSA).
struct TlsKeyPair
{
    QString certificateFile; // PEM: the leaf first, then the intermediates
    QString keyFile;         // PEM, RSA or EC, possibly encrypted

    bool operator==(const TlsKeyPair &o) const = default;
};

struct TlsServerOptions
{
    QList<TlsKeyPair> keyPairs;
    QStringList passwordFiles;       // ssl_password_file: one passphrase per line, tried in order
    quint8 protocols = TlsProtocols::TLSv1_2 | TlsProtocols::TLSv1_3;
    QByteArray ciphers = "HIGH:!aNULL:!MD5"; // nginx's default; TLS 1.2 and older
    bool preferServerCiphers = false;
    QByteArray ecdhCurve;            // ssl_ecdh_curve ("auto" or a list); empty: OpenSSL's default
    qint64 sessionTimeoutS = 300;
    bool sessionTickets = true;
    // ssl_verify_client (0 off, 1 on, 2 optional, 3 optional_no_ca): the
    // certificate is asked for and checked; what it may not lack is the
    // request's to enforce (tlsClientRefusal).
    quint8 verifyClient = 0;
    QString clientCertificateFile;  // ssl_client_certificate: trusted, and named to the client
    QString trustedCertificateFile; // ssl_trusted_certificate: trusted only
    int verifyDepth = 1;
};

// What a loaded certificate says about itself, for logs and the GUI.
struct TlsCertificateSummary
{
    QString file;
    QString subject;
    QStringList names;   // subjectAltName DNS and IP entries
    QDateTime notBefore;
    QDateTime notAfter;
    int chainLength = 0; // certificates in the file
};

class TlsServerContext
{
    Q_DISABLE_COPY_MOVE(TlsServerContext)

public:
    // Loads certificates and keys and applies the options. On failure:
    // nullptr and a one-line reason naming the file. `warnings` receives
    // problems clients will object to (expired certificate, a chain without
    // its intermediates, old protocol versions).
    static std::shared_ptr<TlsServerContext> create(const TlsServerOptions &options, QString *error,
                                                    QStringList *warnings);
    ~TlsServerContext();

    SSL_CTX *handle() const { return m_ctx; }
    const QList<TlsCertificateSummary> &certificates() const { return m_certificates; }

private:
    TlsServerContext() = default;
    SSL_CTX *m_ctx = nullptr;
    QList<TlsCertificateSummary> m_certificates;
};

// An SSL for an accepted connection. `sniSelect` is called during the
// handshake with the name the client asked for (SNI, lower-case, may be
// empty) and returns the context of the server block that should answer
// (or nullptr to keep the default one); `cookie` is passed back.
using TlsSniSelect = SSL_CTX *(*)(void *cookie, QByteArrayView serverName);
SSL *newServerSsl(const TlsServerContext &defaultContext, TlsSniSelect sniSelect, void *cookie);
// ngx_http_process_request's check of a client certificate under
// ssl_verify_client `mode`: 0 when the request may go on, else the status
// (495: the certificate did not verify, 496: none was sent) with the
// error-log reason in `reason`.
int tlsClientRefusal(SSL *ssl, quint8 mode, QByteArray *reason);

struct TlsClientOptions
{
    bool verify = false;            // proxy_ssl_verify
    QString trustedCertificateFile; // proxy_ssl_trusted_certificate (PEM)
    int verifyDepth = 1;            // proxy_ssl_verify_depth (nginx's default: 1)
    quint8 protocols = TlsProtocols::TLSv1_2 | TlsProtocols::TLSv1_3;
    QByteArray ciphers = "DEFAULT";
    TlsKeyPair clientCertificate;   // proxy_ssl_certificate / _key (optional)
    QStringList passwordFiles;      // proxy_ssl_password_file

    bool operator==(const TlsClientOptions &o) const = default;
};

class TlsClientContext
{
    Q_DISABLE_COPY_MOVE(TlsClientContext)

public:
    static std::shared_ptr<TlsClientContext> create(const TlsClientOptions &options, QString *error);
    ~TlsClientContext();

    SSL_CTX *handle() const { return m_ctx; }
    const TlsClientOptions &options() const { return m_options; }
    // The sessions kept for proxy_ssl_session_reuse (see newClientSsl).
    const std::shared_ptr<TlsSessionCache> &sessions() const { return m_sessions; }

private:
    TlsClientContext() = default;
    SSL_CTX *m_ctx = nullptr;
    TlsClientOptions m_options;
    std::shared_ptr<TlsSessionCache> m_sessions;
};

// An SSL for a connection to an upstream: `sniName` goes into the
// ClientHello when not empty; with verification on, the certificate must
// match `verifyName`. A non-empty `sessionKey` (proxy_ssl_session_reuse:
// the peer's address; the names are added here) offers the session kept
// for it, and the session this connection gets (at the end of a TLS 1.2
// handshake, or in a TLS 1.3 ticket after it) replaces the kept one.
SSL *newClientSsl(const TlsClientContext &context, const QByteArray &sniName, const QByteArray &verifyName,
                  const QByteArray &sessionKey = {});

// What an established (or failed) TLS connection negotiated, for events
// and logs.
struct TlsSessionInfo
{
    QString protocol;    // "TLSv1.3"
    QString cipher;      // "TLS_AES_256_GCM_SHA384"
    QString serverName;  // SNI the client sent (server side) or we sent (client side)
    QString alpn;        // "http/1.1" or empty
    QString peerSubject; // the peer certificate's subject (client side)
    bool resumed = false;
};
TlsSessionInfo tlsSessionInfo(SSL *ssl);

// The reason a handshake failed, from OpenSSL's error queue and the
// verification result: one line, e.g. "certificate verify failed: self-signed
// certificate in certificate chain".
QString tlsHandshakeError(SSL *ssl, int sslError);
