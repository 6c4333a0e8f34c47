#include "tlscontext.h"

#include "opensslptr.h"
#include "tlssessioncache.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QFileInfo>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <vector>
#include <cstring>

using namespace Qt::StringLiterals;

namespace {

QString native(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

QDateTime asn1ToDateTime(const ASN1_TIME *t)
{
    struct tm tm {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return {};
    return QDateTime(QDate(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday), QTime(tm.tm_hour, tm.tm_min, tm.tm_sec), Qt::UTC);
}

QString nameToString(const X509_NAME *name)
{
    OpenSsl::BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return QString::fromUtf8(data, n);
}

QStringList altNames(X509 *cert)
{
    QStringList out;
    auto *names = static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names)
        return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME *n = sk_GENERAL_NAME_value(names, i);
        if (n->type == GEN_DNS) {
            out << QString::fromLatin1(reinterpret_cast<const char *>(ASN1_STRING_get0_data(n->d.dNSName)),
                                       ASN1_STRING_length(n->d.dNSName));
        } else if (n->type == GEN_IPADD) {
            const int len = ASN1_STRING_length(n->d.iPAddress);
            const auto *b = ASN1_STRING_get0_data(n->d.iPAddress);
            if (len == 4)
                out << QHostAddress(quint32(b[0]) << 24 | quint32(b[1]) << 16 | quint32(b[2]) << 8 | b[3]).toString();
            else if (len == 16)
                out << QHostAddress(b).toString();
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

bool readFile(const QString &path, const char *what, QByteArray *out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1 \"%2\": %3"_s.arg(QLatin1StringView(what), native(path), f.errorString());
        return false;
    }
    *out = f.readAll();
    return true;
}

// The PEM certificates of a file, in order.
std::vector<OpenSsl::X509Ptr> readChain(const QByteArray &pem)
{
    std::vector<OpenSsl::X509Ptr> out;
    OpenSsl::BioPtr bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
    while (X509 *x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
        out.emplace_back(x);
    ERR_clear_error(); // the loop ends on "no start line"
    return out;
}

// No terminal prompt, ever: an encrypted key without a passphrase fails.
int noPassword(char *, int, int, void *)
{
    return -1;
}

int givenPassword(char *buf, int size, int, void *userdata)
{
    const auto *pass = static_cast<const QByteArray *>(userdata);
    const int n = int(qMin<qsizetype>(pass->size(), size));
    std::memcpy(buf, pass->constData(), size_t(n));
    return n;
}

OpenSsl::PKeyPtr readKey(const QString &path, const QStringList &passwordFiles, QString *error)
{
    QByteArray pem;
    if (!readFile(path, "certificate key", &pem, error))
        return nullptr;
    {
        OpenSsl::BioPtr bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
        if (EVP_PKEY *k = PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassword, nullptr))
            return OpenSsl::PKeyPtr(k);
    }
    const QString firstError = OpenSsl::takeErrors();
    const bool encrypted = pem.contains("ENCRYPTED");
    QList<QByteArray> passwords;
    for (const QString &file : passwordFiles) {
        QByteArray text;
        if (!readFile(file, "password file", &text, error))
            return nullptr;
        for (const QByteArray &line : text.split('\n')) {
            const QByteArray p = line.endsWith('\r') ? line.chopped(1) : line;
            if (!p.isEmpty())
                passwords << p;
        }
    }
    for (const QByteArray &p : std::as_const(passwords)) {
        OpenSsl::BioPtr bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
        if (EVP_PKEY *k = PEM_read_bio_PrivateKey(bio.get(), nullptr, givenPassword, const_cast<QByteArray *>(&p)))
            return OpenSsl::PKeyPtr(k);
        ERR_clear_error();
    }
    if (encrypted && passwords.isEmpty())
        *error = u"certificate key \"%1\" is encrypted: give its passphrase with ssl_password_file"_s.arg(native(path));
    else if (encrypted)
        *error = u"certificate key \"%1\": none of the passphrases in ssl_password_file decrypts it"_s.arg(native(path));
    else
        *error = u"cannot load certificate key \"%1\": not a PEM private key (%2)"_s.arg(native(path), firstError);
    return nullptr;
}

bool applyProtocols(SSL_CTX *ctx, quint8 protocols, QString *error)
{
    static const struct { quint8 bit; int version; unsigned long noOption; } table[] = {
        {TlsProtocols::TLSv1, TLS1_VERSION, SSL_OP_NO_TLSv1},
        {TlsProtocols::TLSv1_1, TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
        {TlsProtocols::TLSv1_2, TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
        {TlsProtocols::TLSv1_3, TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
    };
    int min = 0;
    int max = 0;
    for (const auto &row : table) {
        if (protocols & row.bit) {
            if (!min)
                min = row.version;
            max = row.version;
        }
    }
    if (!min) {
        *error = u"no TLS protocol version is enabled"_s;
        return false;
    }
    SSL_CTX_set_min_proto_version(ctx, min);
    SSL_CTX_set_max_proto_version(ctx, max);
    // A gap in the list ("TLSv1 TLSv1.2") is switched off explicitly, as nginx does.
    for (const auto &row : table) {
        if (!(protocols & row.bit) && row.version > min && row.version < max)
            SSL_CTX_set_options(ctx, row.noOption);
    }
    return true;
}

void setCommonModes(SSL_CTX *ctx)
{
    // Partial writes and a moving buffer: TcpStream retries a write from
    // its own queue. Buffers are released while a connection idles (an idle
    // TLS tunnel then costs little more than a plain one).
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                              | SSL_MODE_RELEASE_BUFFERS);
    // A peer that closes without close_notify ends the stream like a FIN
    // (most WebSocket clients and servers do that).
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
}

// What every context gets: modes, the protocol range and the cipher list
// (`directive` names the cipher setting in the error).
bool setUpContext(SSL_CTX *ctx, quint8 protocols, const QByteArray &ciphers, const char *directive, QString *error)
{
    setCommonModes(ctx);
    if (!applyProtocols(ctx, protocols, error))
        return false;
    if (SSL_CTX_set_cipher_list(ctx, ciphers.constData()) != 1) {
        *error = u"invalid %1 \"%2\": %3"_s.arg(QLatin1StringView(directive), QString::fromUtf8(ciphers),
                                                 OpenSsl::takeErrors());
        return false;
    }
    return true;
}

int exIndexSelect()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int exIndexCookie()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int serverNameCallback(SSL *ssl, int *, void *)
{
    const auto select = reinterpret_cast<TlsSniSelect>(SSL_get_ex_data(ssl, exIndexSelect()));
    if (!select)
        return SSL_TLSEXT_ERR_OK;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const QByteArray lower = name ? QByteArray(name).toLower() : QByteArray();
    SSL_CTX *chosen = select(SSL_get_ex_data(ssl, exIndexCookie()), lower);
    if (chosen && chosen != SSL_get_SSL_CTX(ssl)) {
        SSL_set_SSL_CTX(ssl, chosen);
        // ngx_http_ssl_servername: SSL_set_SSL_CTX keeps the first context's
        // verification; the chosen server's applies.
        SSL_set_verify(ssl, SSL_CTX_get_verify_mode(chosen), SSL_CTX_get_verify_callback(chosen));
        SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(chosen));
    }
    return SSL_TLSEXT_ERR_OK;
}

// ngx_ssl_verify_callback: every certificate is let through the handshake;
// the request decides from the result (tlsClientRefusal, $ssl_client_verify).
int acceptAnyCertificate(int, X509_STORE_CTX *)
{
    return 1;
}

// ngx_ssl_client_certificate / ngx_ssl_trusted_certificate.
bool setUpClientVerification(SSL_CTX *ctx, const TlsServerOptions &options, QString *error)
{
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, acceptAnyCertificate);
    SSL_CTX_set_verify_depth(ctx, options.verifyDepth);
    for (const QString &file : {options.clientCertificateFile, options.trustedCertificateFile}) {
        if (file.isEmpty())
            continue;
        const QByteArray path = QFile::encodeName(file);
        if (SSL_CTX_load_verify_locations(ctx, path.constData(), nullptr) != 1) {
            *error = u"cannot load the CA certificates in \"%1\": %2"_s.arg(QDir::toNativeSeparators(file),
                                                                            OpenSsl::takeErrors());
            return false;
        }
    }
    if (!options.clientCertificateFile.isEmpty()) {
        // The names sent in the CertificateRequest (ssl_client_certificate only).
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(QFile::encodeName(options.clientCertificateFile).constData());
        if (!names) {
            *error = u"no CA certificate in \"%1\": %2"_s.arg(QDir::toNativeSeparators(options.clientCertificateFile),
                                                              OpenSsl::takeErrors());
            return false;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
    }
    ERR_clear_error();
    return true;
}

int alpnSelect(SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned int inlen,
               void *)
{
    // HTTP/1.1 is what we speak (WebSocket upgrades need it). A client that
    // offers ALPN without it is refused, as nginx does.
    static const unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char *selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, ours, sizeof(ours), in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

// What an upstream connection that reuses sessions saves into: the cache
// and the connection's key. Held by the SSL (ex data), so a ticket that
// arrives after a reload still finds the cache it belongs to.
struct SessionBinding
{
    std::shared_ptr<TlsSessionCache> cache;
    QByteArray key;
};

void freeSessionBinding(void *, void *ptr, CRYPTO_EX_DATA *, int, long, void *)
{
    delete static_cast<SessionBinding *>(ptr);
}

int exIndexSessionBinding()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeSessionBinding);
    return index;
}

// OpenSSL hands over each new client session: at the end of a full TLS
// 1.2 handshake, and per NewSessionTicket in TLS 1.3 (after the handshake).
// nginx's ngx_ssl_new_client_session passes it to the peer's save_session
// when the connection reuses sessions; so here. Returning 1 keeps
// OpenSSL's reference (the cache owns it now).
int newClientSession(SSL *ssl, SSL_SESSION *session)
{
    const auto *binding = static_cast<const SessionBinding *>(SSL_get_ex_data(ssl, exIndexSessionBinding()));
    if (!binding || !SSL_SESSION_is_resumable(session))
        return 0;
    binding->cache->store(binding->key, session);
    return 1;
}

} // namespace

// ---------------------------------------------------------------- server

std::shared_ptr<TlsServerContext> TlsServerContext::create(const TlsServerOptions &options, QString *error,
                                                           QStringList *warnings)
{
    std::shared_ptr<TlsServerContext> self(new TlsServerContext);
    self->m_ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *ctx = self->m_ctx;
    if (!ctx) {
        *error = u"cannot create a TLS context: %1"_s.arg(OpenSsl::takeErrors());
        return nullptr;
    }
    if (!setUpContext(ctx, options.protocols, options.ciphers, "ssl_ciphers", error))
        return nullptr;
    if (options.preferServerCiphers)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (!options.ecdhCurve.isEmpty() && options.ecdhCurve != "auto"
        && SSL_CTX_set1_groups_list(ctx, options.ecdhCurve.constData()) != 1) {
        *error = u"invalid ssl_ecdh_curve \"%1\": %2"_s.arg(QString::fromUtf8(options.ecdhCurve), OpenSsl::takeErrors());
        return nullptr;
    }
    static const unsigned char sessionContext[] = "wsscope";
    SSL_CTX_set_session_id_context(ctx, sessionContext, sizeof(sessionContext) - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_timeout(ctx, long(options.sessionTimeoutS));
    if (!options.sessionTickets)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_tlsext_servername_callback(ctx, serverNameCallback);
    SSL_CTX_set_alpn_select_cb(ctx, alpnSelect, nullptr);
    if (options.verifyClient && !setUpClientVerification(ctx, options, error))
        return nullptr;

    if (options.keyPairs.isEmpty()) {
        *error = u"no \"ssl_certificate\" is defined"_s;
        return nullptr;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const TlsKeyPair &pair : options.keyPairs) {
        QByteArray pem;
        if (!readFile(pair.certificateFile, "certificate", &pem, error))
            return nullptr;
        std::vector<OpenSsl::X509Ptr> chain = readChain(pem);
        if (chain.empty()) {
            *error = u"no certificate in \"%1\" (expected PEM \"-----BEGIN CERTIFICATE-----\" blocks)"_s.arg(
                native(pair.certificateFile));
            return nullptr;
        }
        OpenSsl::PKeyPtr key = readKey(pair.keyFile, options.passwordFiles, error);
        if (!key)
            return nullptr;
        X509 *leaf = chain.front().get();
        if (SSL_CTX_use_certificate(ctx, leaf) != 1) {
            *error = u"cannot use certificate \"%1\": %2"_s.arg(native(pair.certificateFile), OpenSsl::takeErrors());
            return nullptr;
        }
        SSL_CTX_clear_chain_certs(ctx);
        for (size_t i = 1; i < chain.size(); ++i) {
            if (SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1) {
                *error = u"cannot use the chain in \"%1\": %2"_s.arg(native(pair.certificateFile), OpenSsl::takeErrors());
                return nullptr;
            }
        }
        if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
            ERR_clear_error();
            *error = u"certificate key \"%1\" does not match certificate \"%2\" (the first certificate in the "
                     u"file must be the one the key belongs to)"_s.arg(native(pair.keyFile), native(pair.certificateFile));
            return nullptr;
        }

        TlsCertificateSummary s;
        s.file = pair.certificateFile;
        s.subject = nameToString(X509_get_subject_name(leaf));
        s.names = altNames(leaf);
        s.notBefore = asn1ToDateTime(X509_get0_notBefore(leaf));
        s.notAfter = asn1ToDateTime(X509_get0_notAfter(leaf));
        s.chainLength = int(chain.size());
        self->m_certificates.append(s);
        if (s.notAfter.isValid() && s.notAfter < now) {
            warnings->append(u"certificate \"%1\" (%2) expired on %3: every client rejects it; renew it (for local "
                             u"development: wsscope cert issue NAME...)"_s.arg(native(s.file), s.subject,
                                                                               s.notAfter.toString(Qt::ISODate)));
        } else if (s.notBefore.isValid() && s.notBefore > now) {
            warnings->append(u"certificate \"%1\" (%2) is not valid before %3: clients reject it until then (check "
                             u"the clock)"_s.arg(native(s.file), s.subject, s.notBefore.toString(Qt::ISODate)));
        }
        const bool selfSigned = X509_NAME_cmp(X509_get_subject_name(leaf), X509_get_issuer_name(leaf)) == 0;
        if (!selfSigned && chain.size() == 1) {
            warnings->append(u"certificate \"%1\" holds only the leaf (issued by %2): unless that issuer is a root "
                             u"the clients trust, they need the intermediate too (Android, WeChat and curl do not "
                             u"fetch it); put the leaf and then the intermediates in the file (fullchain.pem)"_s.arg(
                                 native(s.file), nameToString(X509_get_issuer_name(leaf))));
        }
    }
    if (options.protocols & (TlsProtocols::TLSv1 | TlsProtocols::TLSv1_1))
        warnings->append(u"TLSv1 and TLSv1.1 are enabled: browsers dropped them and iOS ATS and WeChat require TLS "
                         u"1.2 or newer; use \"ssl_protocols TLSv1.2 TLSv1.3\""_s);
    return self;
}

TlsServerContext::~TlsServerContext()
{
    SSL_CTX_free(m_ctx);
}

SSL *newServerSsl(const TlsServerContext &defaultContext, TlsSniSelect sniSelect, void *cookie)
{
    SSL *ssl = SSL_new(defaultContext.handle());
    if (!ssl)
        return nullptr;
    SSL_set_ex_data(ssl, exIndexSelect(), reinterpret_cast<void *>(sniSelect));
    SSL_set_ex_data(ssl, exIndexCookie(), cookie);
    return ssl;
}

int tlsClientRefusal(SSL *ssl, quint8 mode, QByteArray *reason)
{
    if (!mode || !ssl)
        return 0;
    const long rc = SSL_get_verify_result(ssl);
    // ngx_ssl_verify_error_optional: what optional_no_ca lets through.
    const bool optionalError = rc == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || rc == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        || rc == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || rc == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        || rc == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
    if (rc != X509_V_OK && (mode != 3 || !optionalError)) {
        *reason = "client SSL certificate verify error: (" + QByteArray::number(qint64(rc)) + ':'
            + X509_verify_cert_error_string(rc) + ')';
        return 495;
    }
    if (mode == 1 && !SSL_get0_peer_certificate(ssl)) {
        *reason = "client sent no required SSL certificate";
        return 496;
    }
    return 0;
}

// ---------------------------------------------------------------- client

std::shared_ptr<TlsClientContext> TlsClientContext::create(const TlsClientOptions &options, QString *error)
{
    std::shared_ptr<TlsClientContext> self(new TlsClientContext);
    self->m_options = options;
    self->m_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *ctx = self->m_ctx;
    if (!ctx) {
        *error = u"cannot create a TLS context: %1"_s.arg(OpenSsl::takeErrors());
        return nullptr;
    }
    if (!setUpContext(ctx, options.protocols, options.ciphers, "proxy_ssl_ciphers", error))
        return nullptr;
    // Sessions go to newClientSession and from there to the connection's
    // key in our cache; OpenSSL's own cache keeps none (as nginx's
    // ngx_ssl_client_session_cache sets it up).
    self->m_sessions = std::make_shared<TlsSessionCache>();
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(ctx, newClientSession);
    if (options.verify) {
        if (options.trustedCertificateFile.isEmpty()) {
            *error = u"no proxy_ssl_trusted_certificate for proxy_ssl_verify"_s;
            return nullptr;
        }
        QByteArray pem;
        if (!readFile(options.trustedCertificateFile, "trusted certificate", &pem, error))
            return nullptr;
        if (SSL_CTX_load_verify_locations(ctx, QFile::encodeName(options.trustedCertificateFile).constData(), nullptr)
            != 1) {
            *error = u"cannot load trusted certificate \"%1\": %2"_s.arg(native(options.trustedCertificateFile),
                                                                          OpenSsl::takeErrors());
            return nullptr;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        SSL_CTX_set_verify_depth(ctx, options.verifyDepth);
    }
    if (!options.clientCertificate.certificateFile.isEmpty()) {
        const TlsKeyPair &pair = options.clientCertificate;
        if (SSL_CTX_use_certificate_chain_file(ctx, QFile::encodeName(pair.certificateFile).constData()) != 1) {
            *error = u"cannot load proxy_ssl_certificate \"%1\": %2"_s.arg(native(pair.certificateFile),
                                                                            OpenSsl::takeErrors());
            return nullptr;
        }
        OpenSsl::PKeyPtr key = readKey(pair.keyFile, options.passwordFiles, error);
        if (!key)
            return nullptr;
        if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
            ERR_clear_error();
            *error = u"proxy_ssl_certificate_key \"%1\" does not match proxy_ssl_certificate \"%2\""_s.arg(
                native(pair.keyFile), native(pair.certificateFile));
            return nullptr;
        }
    }
    return self;
}

TlsClientContext::~TlsClientContext()
{
    SSL_CTX_free(m_ctx);
}

SSL *newClientSsl(const TlsClientContext &context, const QByteArray &sniName, const QByteArray &verifyName,
                  const QByteArray &sessionKey)
{
    SSL *ssl = SSL_new(context.handle());
    if (!ssl)
        return nullptr;
    // SNI carries host names only, never addresses (RFC 6066 3).
    const bool sendsSni = !sniName.isEmpty() && QHostAddress().setAddress(QString::fromLatin1(sniName)) == false;
    if (sendsSni)
        SSL_set_tlsext_host_name(ssl, sniName.constData());
    if (!sessionKey.isEmpty()) {
        // A session is offered only where it was made: the same peer, SNI
        // and verified name (the context's options are the cache's own).
        const bool verifies = context.options().verify && !verifyName.isEmpty();
        auto *binding = new SessionBinding{context.sessions(), sessionKey + '\n' + (sendsSni ? sniName : QByteArray())
                                                                   + '\n' + (verifies ? verifyName : QByteArray())};
        if (SSL_SESSION *kept = binding->cache->take1(binding->key)) {
            SSL_set_session(ssl, kept); // ngx_ssl_set_session; the SSL takes its own reference
            SSL_SESSION_free(kept);
        }
        if (SSL_set_ex_data(ssl, exIndexSessionBinding(), binding) != 1)
            delete binding; // this connection's session is not saved then
    }
    if (context.options().verify && !verifyName.isEmpty()) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        if (QHostAddress(QString::fromLatin1(verifyName)).isNull()) {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            SSL_set1_host(ssl, verifyName.constData());
        } else {
            X509_VERIFY_PARAM_set1_ip_asc(param, verifyName.constData());
        }
    }
    return ssl;
}

// ---------------------------------------------------------------- info

TlsSessionInfo tlsSessionInfo(SSL *ssl)
{
    TlsSessionInfo info;
    if (!ssl)
        return info;
    info.protocol = QString::fromLatin1(SSL_get_version(ssl));
    if (const SSL_CIPHER *c = SSL_get_current_cipher(ssl))
        info.cipher = QString::fromLatin1(SSL_CIPHER_get_name(c));
    if (const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name))
        info.serverName = QString::fromUtf8(name);
    const unsigned char *alpn = nullptr;
    unsigned int alpnLength = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpnLength);
    if (alpn)
        info.alpn = QString::fromLatin1(reinterpret_cast<const char *>(alpn), int(alpnLength));
    if (X509 *peer = SSL_get0_peer_certificate(ssl))
        info.peerSubject = nameToString(X509_get_subject_name(peer));
    info.resumed = SSL_session_reused(ssl) == 1;
    return info;
}

QString tlsHandshakeError(SSL *ssl, int sslError)
{
    const long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    QStringList reasons;
    while (const unsigned long code = ERR_get_error()) {
        const char *reason = ERR_reason_error_string(code);
        const QString r = reason ? QString::fromLatin1(reason) : u"error %1"_s.arg(code, 0, 16);
        if (!reasons.contains(r))
            reasons << r;
    }
    QString text = reasons.join(u"; "_s);
    if (verify != X509_V_OK) {
        const QString v = QString::fromLatin1(X509_verify_cert_error_string(verify));
        text = text.isEmpty() ? QString(u"certificate verify failed: "_s + v) : QString(text + u": "_s + v);
    }
    if (text.isEmpty()) {
        if (sslError == SSL_ERROR_SYSCALL)
            text = errno ? QString::fromLocal8Bit(std::strerror(errno)) : u"the peer closed the connection"_s;
        else if (sslError == SSL_ERROR_ZERO_RETURN)
            text = u"the peer closed the connection"_s;
        else
            text = u"TLS error %1"_s.arg(sslError);
    }
    return text;
}
