#include "localcertificate.h"

#include "certificateauthority.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSslCertificate>

using namespace Qt::StringLiterals;

namespace {

bool writeAtomically(const QString &path, const QByteArray &data, bool secret, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = u"cannot write %1: %2"_s.arg(QDir::toNativeSeparators(path), f.errorString());
        return false;
    }
    if (secret)
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(data);
    if (!f.commit()) {
        *error = u"cannot write %1: %2"_s.arg(QDir::toNativeSeparators(path), f.errorString());
        return false;
    }
    return true;
}

// The current leaf is good enough: same CA, every host, 30 days left.
bool leafStillGood(const QString &chainFile, const QString &keyFile, const QByteArray &caPem, const QStringList &hosts)
{
    if (!QFile::exists(keyFile))
        return false;
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(chainFile, QSsl::Pem);
    const QList<QSslCertificate> ca = QSslCertificate::fromData(caPem, QSsl::Pem);
    if (chain.size() < 2 || ca.isEmpty() || chain.at(1) != ca.constFirst())
        return false;
    const QSslCertificate &leaf = chain.constFirst();
    if (leaf.expiryDate() < QDateTime::currentDateTimeUtc().addDays(30))
        return false;
    const auto names = leaf.subjectAlternativeNames();
    for (const QString &h : hosts) {
        bool ip = false;
        QString why;
        const QString normal = CertificateAuthority::normaliseHost(h, &ip, &why);
        if (!names.values(ip ? QSsl::IpAddressEntry : QSsl::DnsEntry).contains(normal))
            return false;
    }
    return true;
}

} // namespace

bool LocalCertificate::ensure(const QStringList &hosts, const QString &caDirectory, LocalCertificate *out,
                              QString *error, const QString &leafPrefix)
{
    out->hosts.clear();
    for (const QString &h : hosts) {
        bool ip = false;
        const QString normal = CertificateAuthority::normaliseHost(h, &ip, error);
        if (normal.isEmpty())
            return false;
        out->hosts << normal;
    }
    const QString dir = caDirectory.isEmpty() ? CertificateAuthority::defaultDirectory() : caDirectory;
    std::optional<CertificateAuthority> ca;
    if (CertificateAuthority::existsIn(dir)) {
        ca = CertificateAuthority::load(dir, error);
    } else {
        ca = CertificateAuthority::create({}, error);
        if (ca && !ca->save(dir, error))
            return false;
        out->createdCa = ca.has_value();
    }
    if (!ca)
        return false;
    out->caFile = QDir(dir).filePath(QLatin1StringView(CertificateAuthority::CertificateFile));
    const QString prefix = leafPrefix.isEmpty() ? QDir::cleanPath(QDir(dir).filePath(u"../quick-tls/quick"_s))
                                                : QFileInfo(leafPrefix).absoluteFilePath();
    const QString leafDir = QFileInfo(prefix).absolutePath();
    if (!QDir().mkpath(leafDir)) {
        *error = u"cannot create %1"_s.arg(QDir::toNativeSeparators(leafDir));
        return false;
    }
    out->chainFile = prefix + u".pem"_s;
    out->keyFile = prefix + u"-key.pem"_s;
    if (leafStillGood(out->chainFile, out->keyFile, ca->certificatePem(), hosts))
        return true;
    CertificateRequest request;
    request.hosts = hosts;
    const auto issued = ca->issue(request, error);
    if (!issued)
        return false;
    if (!writeAtomically(out->keyFile, issued->keyPem, true, error)
        || !writeAtomically(out->chainFile, issued->chainPem, false, error))
        return false;
    out->issued = true;
    return true;
}
