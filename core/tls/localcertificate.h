#pragma once

#include <QString>
#include <QStringList>

// A server certificate from the local development CA, kept up to date for
// quick mode (`wsscope --tls`) and the GUI's Quick start: the CA is created
// on first use, the leaf is (re)issued when it is missing, does not cover
// the names asked for, expires within 30 days, or was signed by another CA.
struct LocalCertificate
{
    QString chainFile;  // the leaf, then the CA: what ssl_certificate wants
    QString keyFile;    // mode 0600
    QString caFile;     // what clients must trust
    QStringList hosts;  // the names and addresses it covers, as written into it
    bool createdCa = false;
    bool issued = false; // a new leaf was written this time

    // `caDirectory` empty: CertificateAuthority::defaultDirectory().
    // `leafPrefix`: PREFIX.pem and PREFIX-key.pem; empty: quick-tls/quick
    // beside the CA directory. False with *error.
    static bool ensure(const QStringList &hosts, const QString &caDirectory, LocalCertificate *out, QString *error,
                       const QString &leafPrefix = QString());
};
