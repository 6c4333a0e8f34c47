#include "inspectendpoint.h"

#include "config/configdoctor.h"
#include "controller.h"
#include "exitcode.h"
#include "inspectchannel.h"
#include "remote/localinspectorsource.h"
#include "ops/logging.h"
#include "tls/certificateauthority.h"
#include "tls/localcertificate.h"

#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSysInfo>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

// What the channel's hello says and what admits a client.
InspectChannel::Settings settingsOf(const InspectChannelConfig &c)
{
    InspectChannel::Settings s;
    s.instanceName = c.name.isEmpty() ? QSysInfo::machineHostName() : c.name;
    s.token = c.token;
    s.readOnly = c.readOnly;
    return s;
}

// Whether going from `a` to `b` needs another socket.
bool sameBinding(const InspectChannelConfig &a, const InspectChannelConfig &b)
{
    const auto files = [](const QList<TlsFileSetting> &list) {
        QStringList out;
        for (const TlsFileSetting &f : list)
            out << f.path;
        return out;
    };
    return a.listen.address == b.listen.address && a.listen.port == b.listen.port && a.listen.ssl == b.listen.ssl
        && a.host == b.host && files(a.tls.certificates) == files(b.tls.certificates)
        && files(a.tls.keys) == files(b.tls.keys);
}

// The names a local-CA certificate for the channel covers: loopback's, the
// address it binds, the name inspect_listen wrote, and the machine's name
// when it binds every interface (what a client off the machine dials).
QStringList localNames(const InspectChannelConfig &c)
{
    QStringList hosts{u"localhost"_s, u"127.0.0.1"_s, u"::1"_s};
    const QHostAddress &a = c.listen.address;
    const bool any = a == QHostAddress::AnyIPv4 || a == QHostAddress::AnyIPv6 || a == QHostAddress::Any;
    QStringList more{any ? QSysInfo::machineHostName() : a.toString(), QString::fromUtf8(c.host)};
    for (const QString &h : more) {
        bool ip = false;
        QString ignored;
        if (h.isEmpty() || h == u"*"_s || hosts.contains(h) || CertificateAuthority::normaliseHost(h, &ip, &ignored).isEmpty())
            continue;
        hosts << h;
    }
    return hosts;
}

std::optional<QSslConfiguration> loadTls(const QString &chainFile, const QString &keyFile, const QString &chainAt,
                                         const QString &keyAt, QString *error)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(chainFile);
    if (chain.isEmpty()) {
        *error = u"%1cannot load the inspection channel's certificate %2"_s.arg(chainAt, chainFile);
        return std::nullopt;
    }
    QFile file(keyFile);
    QSslKey key;
    if (file.open(QIODevice::ReadOnly)) {
        const QByteArray pem = file.readAll();
        for (QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa, QSsl::Dsa}) {
            key = QSslKey(pem, algorithm);
            if (!key.isNull())
                break;
        }
    }
    if (key.isNull()) {
        *error = u"%1cannot load the inspection channel's key %2 (an unencrypted PEM key)"_s.arg(keyAt, keyFile);
        return std::nullopt;
    }
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificateChain(chain);
    ssl.setPrivateKey(key);
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates: the token admits
    return ssl;
}

} // namespace

InspectEndpoint::InspectEndpoint(const Options &options, Controller *controller, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_controller(controller)
{
    connect(m_controller->server(), &ProxyServer::configReloaded, this, &InspectEndpoint::handleReload);
}

InspectEndpoint::~InspectEndpoint() = default;

std::optional<InspectChannelConfig> InspectEndpoint::effective(const Options &options,
                                                               const InspectChannelConfig &config, QString *error)
{
    InspectChannelConfig c = config;
    if (!options.inspectListen.isEmpty()) {
        ListenAddress flag;
        if (!InspectChannel::parseAddress(options.inspectListen, &flag.address, &flag.port)) {
            *error = u"--inspect-listen %1: not HOST:PORT with a numeric host"_s.arg(options.inspectListen);
            return std::nullopt;
        }
        c.enabled = true;
        c.listen = flag;
        c.host.clear(); // the http level's certificate (c.tls) stays: it is not tied to an address
    }
    if (options.inspectSsl)
        c.listen.ssl = true;
    if (!options.inspectName.isEmpty())
        c.name = options.inspectName;
    if (options.inspectReadOnly)
        c.readOnly = true;
    return c;
}

std::optional<QSslConfiguration> InspectEndpoint::tlsFor(const InspectChannelConfig &channel, bool *ok, QString *error)
{
    *ok = true;
    if (!channel.listen.ssl)
        return std::nullopt;
    std::optional<QSslConfiguration> tls;
    if (channel.tls.enabled) {
        const TlsFileSetting &cert = channel.tls.certificates.constFirst();
        const TlsFileSetting &key = channel.tls.keys.constFirst();
        tls = loadTls(cert.path, key.path, cert.at.toString() + u": "_s, key.at.toString() + u": "_s, error);
    } else {
        const QStringList hosts = localNames(channel);
        LocalCertificate local;
        const QString prefix = QDir::cleanPath(QDir(CertificateAuthority::defaultDirectory()).filePath(u"../inspect-tls/channel"_s));
        if (LocalCertificate::ensure(hosts, QString(), &local, error, prefix)) {
            if (local.createdCa)
                qCInfo(lcProxy).noquote() << "created the local development CA" << local.caFile
                                          << "(attached windows on this machine trust it; elsewhere: wsscope cert show)";
            if (local.issued)
                qCInfo(lcProxy).noquote() << "issued" << local.chainFile << "for the inspection channel:"
                                          << hosts.join(u", "_s);
            tls = loadTls(local.chainFile, local.keyFile, QString(), QString(), error);
        } else {
            *error = u"the inspection channel's local certificate: "_s + *error;
        }
    }
    *ok = tls.has_value();
    return tls;
}

int InspectEndpoint::prepare()
{
    if (!m_options.inspectTokenFile.isEmpty()) {
        QFile file(m_options.inspectTokenFile);
        if (!file.open(QIODevice::ReadOnly) || (m_flagToken = file.readAll().trimmed()).isEmpty()) {
            std::fprintf(stderr, "wsscope: --inspect-token-file %s: cannot read a token from it\n",
                         qPrintable(m_options.inspectTokenFile));
            return ExitUsage;
        }
    }
    QString error;
    const std::optional<InspectChannelConfig> wanted = effective(m_options, m_controller->config()->inspect, &error);
    if (!wanted) {
        std::fprintf(stderr, "wsscope: %s\n", qPrintable(error));
        return ExitUsage;
    }
    m_current = *wanted;
    if (!m_flagToken.isEmpty())
        m_current.token = m_flagToken;
    if (m_current.enabled)
        createSource();
    return ExitOk;
}

void InspectEndpoint::createSource()
{
    Controller *controller = m_controller;
    m_source = std::make_unique<LocalInspectorSource>(controller->server(), controller->source().editorText(),
                                                      controller->source().name);
    LocalInspectorSource *source = m_source.get();
    connect(controller, &Controller::sourceChanged, source, [controller, source] {
        source->setConfigText(controller->source().editorText(), controller->source().name);
        source->setCompileOptions(controller->source().compileOptions());
    });
    source->setCompileOptions(controller->source().compileOptions());
}

int InspectEndpoint::start()
{
    if (!m_current.enabled)
        return ExitOk;
    // The config doctor's inspect-* findings: printed with the file's own
    // diagnostics when a directive opened the channel, here when a flag did.
    if (!m_current.listen.at.isValid()) {
        for (const DoctorFinding &f : ConfigDoctor::checkInspect(m_current))
            qCWarning(lcProxy).noquote() << "--inspect-listen:" << f.message << "(fix:" << f.fix + u')';
    }
    QString error;
    if (!bind(m_current, &error)) {
        std::fprintf(stderr, "wsscope: %s\n", qPrintable(error));
        return ExitRuntimeError;
    }
    return ExitOk;
}

bool InspectEndpoint::bind(const InspectChannelConfig &channel, QString *error)
{
    bool ok = false;
    const std::optional<QSslConfiguration> tls = tlsFor(channel, &ok, error);
    if (!ok)
        return false;
    const bool fresh = !m_channel;
    if (fresh) {
        m_channel = std::make_unique<InspectChannel>(m_source.get(), settingsOf(channel));
        m_channel->setRecordingPause(m_controller->recordingPause()); // pause stops --capture too
    }
    if (m_channel->listen(channel.listen.address, channel.listen.port, tls, error))
        return true;
    if (fresh)
        m_channel.reset();
    return false;
}

// The new configuration's inspect_* (the flags still over them).
void InspectEndpoint::handleReload()
{
    QString error;
    std::optional<InspectChannelConfig> next = effective(m_options, m_controller->server()->config()->inspect, &error);
    if (!next)
        return; // the flags did not change: they were usable at start
    if (!m_flagToken.isEmpty())
        next->token = m_flagToken;
    if (!next->enabled) {
        if (m_channel)
            qCInfo(lcProxy).noquote() << "reload: no inspect_listen any more; the inspection channel is closed";
        m_channel.reset();
        m_source.reset();
        m_current = *next;
        return;
    }
    if (!m_source)
        createSource();
    if (!m_channel || !sameBinding(m_current, *next)) {
        if (!bind(*next, &error)) {
            qCWarning(lcProxy).noquote() << "reload: the inspection channel stays" << (m_channel ? "where it was" : "closed")
                                         << "-" << error;
            if (!m_channel)
                m_source.reset();
            return; // m_current: what still runs
        }
    }
    m_channel->setSettings(settingsOf(*next));
    m_current = *next;
}
