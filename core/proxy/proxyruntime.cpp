#include "proxyruntime.h"

#include "accesslogfile.h"

#include "net/dnsresolver.h"
#include "tls/tlscontext.h"
#include "upstream/upstreamgroup.h"

#include <QDir>

#include <algorithm>

static_assert(int(TlsProtocols::TLSv1) == int(ConfTlsProtocols::TLSv1)
                  && int(TlsProtocols::TLSv1_1) == int(ConfTlsProtocols::TLSv1_1)
                  && int(TlsProtocols::TLSv1_2) == int(ConfTlsProtocols::TLSv1_2)
                  && int(TlsProtocols::TLSv1_3) == int(ConfTlsProtocols::TLSv1_3),
              "ssl_protocols words parse to the bits the TLS contexts take");

namespace {

void report(QList<ConfDiagnostic> *out, ConfDiagnostic::Severity severity, const ConfLocation &at,
            const QString &message)
{
    ConfDiagnostic d;
    d.severity = severity;
    d.location = at;
    d.message = message;
    out->append(d);
}

TlsServerOptions serverOptions(const ServerTlsSettings &s)
{
    TlsServerOptions o;
    for (qsizetype i = 0; i < s.certificates.size() && i < s.keys.size(); ++i)
        o.keyPairs.append(TlsKeyPair{s.certificates.at(i).path, s.keys.at(i).path});
    for (const TlsFileSetting &f : s.passwordFiles)
        o.passwordFiles << f.path;
    o.protocols = s.protocols;
    o.ciphers = s.ciphers;
    o.preferServerCiphers = s.preferServerCiphers;
    o.ecdhCurve = s.ecdhCurve;
    o.sessionTimeoutS = s.sessionTimeoutS;
    o.sessionTickets = s.sessionTickets;
    o.verifyClient = s.verifyClient;
    o.clientCertificateFile = s.clientCertificate.path;
    o.trustedCertificateFile = s.trustedCertificate.path;
    o.verifyDepth = s.verifyDepth;
    return o;
}

TlsClientOptions clientOptions(const UpstreamTlsSettings &s)
{
    TlsClientOptions o;
    o.verify = s.verify;
    o.trustedCertificateFile = s.trustedCertificateFile;
    o.verifyDepth = s.verifyDepth;
    o.protocols = s.protocols;
    o.ciphers = s.ciphers;
    o.clientCertificate = TlsKeyPair{s.certificateFile, s.keyFile};
    o.passwordFiles = s.passwordFiles;
    return o;
}

// Where a TLS problem is reported: at the directive whose file (or setting)
// the message names; keys before certificates, since a mismatch names both
// and the key is what was paired wrongly. The first certificate otherwise.
ConfLocation placeOf(const ServerTlsSettings &s, const QString &message)
{
    QList<QPair<QString, ConfLocation>> places;
    for (const TlsFileSetting &f : s.keys)
        places.append({f.path, f.at});
    for (const TlsFileSetting &f : s.passwordFiles)
        places.append({f.path, f.at});
    for (const TlsFileSetting &f : s.certificates)
        places.append({f.path, f.at});
    for (const TlsFileSetting &f : {s.clientCertificate, s.trustedCertificate}) {
        if (!f.path.isEmpty())
            places.append({f.path, f.at});
    }
    for (const auto &p : std::as_const(places)) {
        if (message.contains(QDir::toNativeSeparators(p.first)))
            return p.second;
    }
    if (s.protocolsAt.isValid() && message.contains(QLatin1String("TLSv1")))
        return s.protocolsAt; // the old-protocols warning
    return s.certificates.isEmpty() ? ConfLocation() : s.certificates.constFirst().at;
}

// Locations in the order the compiler wrote them, each followed by the
// implicit locations of its `if` blocks, then its nested ones.
template<typename Container, typename Visit>
void forEachLocation(const Container &level, const Visit &visit)
{
    for (const LocationConfig &loc : level) {
        visit(loc);
        for (const LocationConfig &block : loc.ifBlocks)
            visit(block);
        forEachLocation(loc.nested, visit);
    }
}

// `inspect_listen ... ssl` with the http level's ssl_certificate: its pair
// is loaded as a server's would be, so -t, a start and a reload refuse a bad
// one at its line (the channel itself serves it through Qt's TLS). A problem
// a server inheriting the same pair already reported is not said twice.
bool checkInspectTls(const ProxyConfig &config, QList<ConfDiagnostic> *diagnostics)
{
    const InspectChannelConfig &c = config.inspect;
    if (!c.enabled || !c.listen.ssl || !c.tls.enabled)
        return true;
    QString why;
    QStringList warnings;
    const bool ok = TlsServerContext::create(serverOptions(c.tls), &why, &warnings) != nullptr;
    const auto say = [&](ConfDiagnostic::Severity severity, const QString &message) {
        const ConfLocation at = placeOf(c.tls, message);
        const bool known = std::any_of(diagnostics->cbegin(), diagnostics->cend(), [&](const ConfDiagnostic &d) {
            return d.location == at && d.message == message;
        });
        if (!known)
            report(diagnostics, severity, at, message);
    };
    if (!diagnostics)
        return ok;
    if (!ok)
        say(ConfDiagnostic::Severity::Error, why);
    for (const QString &w : std::as_const(warnings))
        say(ConfDiagnostic::Severity::Warning, w);
    return ok;
}

} // namespace

ProxyRuntime::ProxyRuntime(ConfigSnapshot config)
    : m_config(std::move(config))
{
}

ProxyRuntime::~ProxyRuntime() = default;

std::shared_ptr<const ProxyRuntime> ProxyRuntime::build(ConfigSnapshot config, const ProxyRuntime *previous,
                                                        QList<ConfDiagnostic> *diagnostics)
{
    if (!config)
        return nullptr;
    std::shared_ptr<ProxyRuntime> runtime(new ProxyRuntime(std::move(config)));
    bool ok = runtime->buildServerTls(diagnostics);
    ok = runtime->openAccessLogs(diagnostics) && ok;
    ok = checkInspectTls(*runtime->m_config, diagnostics) && ok;
    for (const ServerConfig &server : runtime->m_config->servers) {
        forEachLocation(server.locations, [&](const LocationConfig &loc) {
            ok = runtime->buildUpstreamTls(loc, diagnostics) && ok;
            runtime->buildResolver(loc);
        });
    }
    if (!ok)
        return nullptr;
    // Groups last: a runtime that fails to build takes no state over.
    runtime->buildGroups(previous);
    return runtime;
}

std::shared_ptr<const ProxyRuntime> ProxyRuntime::build(ConfigCompileResult *compiled, const ProxyRuntime *previous)
{
    if (!compiled->ok())
        return nullptr;
    auto runtime = build(compiled->config, previous, &compiled->diagnostics);
    if (!runtime)
        compiled->config.reset();
    return runtime;
}

void ProxyRuntime::buildGroups(const ProxyRuntime *previous)
{
    for (const auto &u : m_config->allUpstreams()) {
        auto group = std::make_shared<UpstreamGroup>(u->name, u->servers);
        if (u->isExplicit) {
            group->setBalancing(u->balancing);
            group->setExplicit(true);
        }
        // Upstream failure marks, live connection counts and totals carry
        // over to the same servers (nginx would start afresh).
        if (previous) {
            for (const auto &old : previous->m_groups) {
                if (old->name() == group->name()) {
                    group->inheritState(*old);
                    break;
                }
            }
        }
        // For a proxy_pass with variables: blocks by name, implicit ones by host:port.
        QByteArray key = u->name.toLower();
        if (!u->isExplicit && !u->servers.isEmpty())
            key = u->servers.constFirst().name.toLower();
        m_byName.insert(key, group);
        m_groups.append(std::move(group));
    }
}

void ProxyRuntime::buildResolver(const LocationConfig &loc)
{
    if (!loc.proxyPass.urlTemplate || !loc.resolver.isSet())
        return;
    for (auto it = m_resolvers.cbegin(); it != m_resolvers.cend(); ++it) {
        if (it.key()->resolver == loc.resolver) {
            m_resolvers.insert(&loc, it.value());
            return;
        }
    }
    QList<DnsResolver::NameServer> servers;
    for (const ResolverSettings::NameServer &ns : loc.resolver.servers)
        servers.append({ns.address, ns.port});
    m_resolvers.insert(&loc, std::make_shared<DnsResolver>(servers, loc.resolver.validMs, loc.resolver.ipv6));
}

std::shared_ptr<UpstreamGroup> ProxyRuntime::findGroup(const QByteArray &host, int port, bool tls) const
{
    if (port < 0) {
        if (auto block = m_byName.value(host.toLower()); block && block->isExplicit())
            return block;
    }
    const int p = port > 0 ? port : tls ? 443 : 80;
    auto implicit = m_byName.value(host.toLower() + ':' + QByteArray::number(p));
    return implicit && !implicit->isExplicit() ? implicit : nullptr;
}

std::shared_ptr<DnsResolver> ProxyRuntime::resolver(const LocationConfig &location) const
{
    return m_resolvers.value(&location);
}

// Certificates and keys of the servers on TLS sockets, loaded now so that
// `wsscope -t` and a reload refuse what the listener could not use.
// ngx_init_cycle opens every log file: -t, a start or a reload fails on
// one that cannot be opened, at the access_log that names it.
bool ProxyRuntime::openAccessLogs(QList<ConfDiagnostic> *diagnostics)
{
    bool ok = true;
    for (const AccessLogFileSpec &spec : m_config->accessLogFiles) {
        QString why;
        std::shared_ptr<AccessLogFile> file = AccessLogFile::open(spec.path, &why);
        if (!file) {
            report(diagnostics, ConfDiagnostic::Severity::Error, spec.at, why);
            ok = false;
        }
        m_accessLogs.push_back(std::move(file));
    }
    return ok;
}

bool ProxyRuntime::buildServerTls(QList<ConfDiagnostic> *diagnostics)
{
    bool ok = true;
    m_serverTls.resize(size_t(m_config->servers.size()));
    for (qsizetype si = 0; si < m_config->servers.size(); ++si) {
        const ServerTlsSettings &settings = m_config->servers.at(si).tls;
        if (!settings.enabled)
            continue;
        QString why;
        QStringList warnings;
        m_serverTls[size_t(si)] = TlsServerContext::create(serverOptions(settings), &why, &warnings);
        if (!m_serverTls[size_t(si)]) {
            report(diagnostics, ConfDiagnostic::Severity::Error, placeOf(settings, why), why);
            ok = false;
        }
        for (const QString &w : std::as_const(warnings))
            report(diagnostics, ConfDiagnostic::Severity::Warning, placeOf(settings, w), w);
    }
    return ok;
}

// One client context per distinct set of proxy_ssl_* options.
bool ProxyRuntime::buildUpstreamTls(const LocationConfig &loc, QList<ConfDiagnostic> *diagnostics)
{
    // With variables the scheme is known per request: https:// may come.
    if (!loc.proxyPass.isSet() || (loc.proxyPass.scheme != "https" && !loc.proxyPass.urlTemplate))
        return true;
    const TlsClientOptions options = clientOptions(loc.upstreamTlsOptions);
    for (const auto &known : std::as_const(m_upstreamTls)) {
        if (known->options() == options) {
            m_upstreamTls.insert(&loc, known);
            return true;
        }
    }
    QString why;
    auto ctx = TlsClientContext::create(options, &why);
    if (!ctx) {
        report(diagnostics, ConfDiagnostic::Severity::Error,
               loc.proxySslAt.isValid() ? loc.proxySslAt : loc.proxyPass.at, why);
        return false;
    }
    m_upstreamTls.insert(&loc, std::move(ctx));
    return true;
}

std::shared_ptr<UpstreamGroup> ProxyRuntime::group(const ProxyPass &proxyPass) const
{
    if (!proxyPass.upstream)
        return nullptr;
    return m_groups.value(proxyPass.upstream->id);
}

const TlsServerContext *ProxyRuntime::tlsContext(int listenGroup) const
{
    const int si = m_config->tlsServer(listenGroup);
    return si >= 0 ? m_serverTls.at(size_t(si)).get() : nullptr;
}

const TlsServerContext *ProxyRuntime::serverTls(const ServerConfig *server) const
{
    const qsizetype si = server ? server - m_config->servers.constData() : -1;
    if (si < 0 || si >= qsizetype(m_serverTls.size()))
        return nullptr;
    return m_serverTls.at(size_t(si)).get();
}

std::shared_ptr<TlsClientContext> ProxyRuntime::upstreamTls(const LocationConfig &location) const
{
    return m_upstreamTls.value(&location);
}
