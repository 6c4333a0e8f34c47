#pragma once

#include "config/confdiagnostic.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

// TLS settings as the configuration writes them: file names, protocols,
// ciphers, verification. Nothing here loads a key; ProxyRuntime (core/proxy)
// builds the OpenSSL contexts from these when a configuration is tested
// (`wsscope -t`), started or reloaded, never for the editor's live check.

// The protocol versions the ssl_protocols / proxy_ssl_protocols words name.
// The same bits as TlsProtocols (core/tls); the runtime asserts that.
namespace ConfTlsProtocols {
enum : quint8 { TLSv1 = 0x1, TLSv1_1 = 0x2, TLSv1_2 = 0x4, TLSv1_3 = 0x8 };
// Parses "TLSv1.2" etc.; 0 for an unknown word (SSLv2/SSLv3 are known but
// unsupported: 0 too).
quint8 fromWord(QByteArrayView word);
}

// A file named by a directive, with the directive's place: a problem the
// file has is reported there (as nginx -t does).
struct TlsFileSetting
{
    QString path; // resolved against the configuration file's directory
    ConfLocation at;
};

// ssl_* of a server on a TLS socket (ngx_http_ssl_srv_conf_t, as written).
struct ServerTlsSettings
{
    bool enabled = false;                 // the server needs a certificate (a TLS socket's server)
    QList<TlsFileSetting> certificates;   // ssl_certificate, in order
    QList<TlsFileSetting> keys;           // ssl_certificate_key, paired with them by position
    QList<TlsFileSetting> passwordFiles;  // ssl_password_file
    quint8 protocols = ConfTlsProtocols::TLSv1_2 | ConfTlsProtocols::TLSv1_3;
    ConfLocation protocolsAt;             // ssl_protocols, when written
    QByteArray ciphers = "HIGH:!aNULL:!MD5"; // nginx's default; TLS 1.2 and older
    bool preferServerCiphers = false;
    QByteArray ecdhCurve;                 // empty: OpenSSL's default
    qint64 sessionTimeoutS = 300;
    bool sessionTickets = true;
    // ssl_verify_client: nginx's numbers (0 off, 1 on, 2 optional,
    // 3 optional_no_ca); the CAs it trusts and names to the client
    // (ssl_client_certificate), those it only trusts (ssl_trusted_certificate).
    quint8 verifyClient = 0;
    ConfLocation verifyClientAt;
    TlsFileSetting clientCertificate;
    TlsFileSetting trustedCertificate;
    int verifyDepth = 1; // ssl_verify_depth
};

// proxy_ssl_*: TLS toward an https:// upstream (ngx_http_proxy_loc_conf_t's ssl part).
struct UpstreamTlsSettings
{
    bool verify = false;            // proxy_ssl_verify
    QString trustedCertificateFile; // proxy_ssl_trusted_certificate (PEM)
    int verifyDepth = 1;            // proxy_ssl_verify_depth (nginx's default: 1)
    quint8 protocols = ConfTlsProtocols::TLSv1_2 | ConfTlsProtocols::TLSv1_3;
    QByteArray ciphers = "DEFAULT";
    QString certificateFile;        // proxy_ssl_certificate (optional)
    QString keyFile;                // proxy_ssl_certificate_key
    QStringList passwordFiles;      // proxy_ssl_password_file

    bool operator==(const UpstreamTlsSettings &o) const = default;
};
