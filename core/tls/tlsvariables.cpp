#include "tlsvariables.h"

#include <QDateTime>
#include <QUrl>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace {

constexpr const char *Names[] = {
    "ssl_protocol",       "ssl_cipher",          "ssl_server_name",    "ssl_session_reused",
    "ssl_session_id",     "ssl_ciphers",         "ssl_curve",          "ssl_curves",
    "ssl_alpn_protocol",  "ssl_client_verify",   "ssl_client_s_dn",    "ssl_client_i_dn",
    "ssl_client_s_dn_legacy", "ssl_client_i_dn_legacy", "ssl_client_serial", "ssl_client_fingerprint",
    "ssl_client_v_start", "ssl_client_v_end",    "ssl_client_v_remain", "ssl_client_cert",
    "ssl_client_raw_cert", "ssl_client_escaped_cert",
};

QByteArray hex(const unsigned char *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)).toHex();
}

// What a BIO was written, as bytes.
template<typename Write> QByteArray throughBio(Write write)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return {};
    QByteArray out;
    if (write(bio)) {
        char *data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        out = QByteArray(data, n);
    }
    BIO_free(bio);
    return out;
}

QByteArray groupName(int nid)
{
    // An unknown group shows as its code point (ngx_ssl_get_curve).
    if (nid & TLSEXT_nid_unknown)
        return "0x" + QByteArray::number(nid & 0xffff, 16).rightJustified(4, '0');
    const char *name = OBJ_nid2sn(nid);
    return name ? QByteArray(name) : QByteArray();
}

QByteArray ciphers(SSL *ssl)
{
    const unsigned char *raw = nullptr;
    const size_t n = SSL_get0_raw_cipherlist(ssl, &raw) / 2;
    QByteArray out;
    for (size_t i = 0; i < n; ++i) {
        if (!out.isEmpty())
            out += ':';
        if (const SSL_CIPHER *c = SSL_CIPHER_find(ssl, raw + i * 2))
            out += SSL_CIPHER_get_name(c);
        else
            out += "0x" + hex(raw + i * 2, 2);
    }
    return out;
}

QByteArray curves(SSL *ssl)
{
    const int n = SSL_get1_curves(ssl, nullptr);
    if (n <= 0)
        return {};
    QList<int> nids(n);
    SSL_get1_curves(ssl, nids.data());
    QByteArray out;
    for (const int nid : std::as_const(nids)) {
        if (!out.isEmpty())
            out += ':';
        out += groupName(nid);
    }
    return out;
}

QByteArray distinguishedName(X509_NAME *name, bool legacy)
{
    if (!name)
        return {};
    if (legacy) {
        char *line = X509_NAME_oneline(name, nullptr, 0);
        const QByteArray out(line ? line : "");
        OPENSSL_free(line);
        return out;
    }
    return throughBio([name](BIO *bio) { return X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0; });
}

QByteArray pem(X509 *cert)
{
    return throughBio([cert](BIO *bio) { return PEM_write_bio_X509(bio, cert) == 1; });
}

QByteArray certificateValue(X509 *cert, QByteArrayView name)
{
    if (name == "ssl_client_s_dn" || name == "ssl_client_s_dn_legacy")
        return distinguishedName(X509_get_subject_name(cert), name.endsWith("legacy"));
    if (name == "ssl_client_i_dn" || name == "ssl_client_i_dn_legacy")
        return distinguishedName(X509_get_issuer_name(cert), name.endsWith("legacy"));
    if (name == "ssl_client_serial")
        return throughBio([cert](BIO *bio) { return i2a_ASN1_INTEGER(bio, X509_get_serialNumber(cert)) >= 0; });
    if (name == "ssl_client_fingerprint") {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        return X509_digest(cert, EVP_sha1(), md, &len) == 1 ? hex(md, len) : QByteArray();
    }
    if (name == "ssl_client_v_start" || name == "ssl_client_v_end") {
        const ASN1_TIME *t = name == "ssl_client_v_start" ? X509_get0_notBefore(cert) : X509_get0_notAfter(cert);
        return throughBio([t](BIO *bio) { return ASN1_TIME_print(bio, t) == 1; });
    }
    if (name == "ssl_client_v_remain") {
        // Whole days left; 0 in the last one (ngx_ssl_get_client_v_remain).
        int days = 0;
        int seconds = 0;
        if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) != 1)
            return {};
        const qint64 left = qint64(days) * 86400 + seconds;
        return QByteArray::number(left < 86400 ? 0 : left / 86400);
    }
    if (name == "ssl_client_raw_cert")
        return pem(cert);
    if (name == "ssl_client_cert") {
        // Every line but the first starts with a tab (ngx_ssl_get_certificate).
        QByteArray out = pem(cert);
        if (out.endsWith('\n'))
            out.chop(1);
        return out.replace("\n", "\n\t");
    }
    if (name == "ssl_client_escaped_cert")
        return QUrl::toPercentEncoding(QString::fromLatin1(pem(cert)));
    return {};
}

} // namespace

namespace TlsVariables {

bool isKnown(QByteArrayView name)
{
    for (const char *n : Names) {
        if (name == QByteArrayView(n))
            return true;
    }
    return false;
}

QByteArray value(SSL *ssl, QByteArrayView name)
{
    if (!ssl)
        return {};
    if (name == "ssl_protocol")
        return SSL_get_version(ssl);
    if (name == "ssl_cipher") {
        const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
        return c ? QByteArray(SSL_CIPHER_get_name(c)) : QByteArray();
    }
    if (name == "ssl_server_name") {
        const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        return sni ? QByteArray(sni) : QByteArray();
    }
    if (name == "ssl_session_reused") // ngx_ssl_get_session_reused
        return SSL_session_reused(ssl) == 1 ? "r" : ".";
    if (name == "ssl_session_id") {
        const SSL_SESSION *session = SSL_get0_session(ssl);
        unsigned int len = 0;
        const unsigned char *id = session ? SSL_SESSION_get_id(session, &len) : nullptr;
        return id ? hex(id, len) : QByteArray();
    }
    if (name == "ssl_ciphers")
        return ciphers(ssl);
    if (name == "ssl_curve") {
        const int nid = SSL_get_negotiated_group(ssl);
        return nid == NID_undef ? QByteArray() : groupName(nid);
    }
    if (name == "ssl_curves")
        return curves(ssl);
    if (name == "ssl_alpn_protocol") {
        const unsigned char *alpn = nullptr;
        unsigned int len = 0;
        SSL_get0_alpn_selected(ssl, &alpn, &len);
        return alpn ? QByteArray(reinterpret_cast<const char *>(alpn), len) : QByteArray();
    }
    X509 *cert = SSL_get0_peer_certificate(ssl);
    if (name == "ssl_client_verify") {
        if (!cert)
            return "NONE";
        const long rc = SSL_get_verify_result(ssl);
        return rc == X509_V_OK ? QByteArray("SUCCESS") : "FAILED:" + QByteArray(X509_verify_cert_error_string(rc));
    }
    return cert ? certificateValue(cert, name) : QByteArray();
}

} // namespace TlsVariables
