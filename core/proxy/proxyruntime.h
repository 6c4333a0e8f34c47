#pragma once

#include "config/configcompiler.h"
#include "config/proxyconfig.h"

#include <QHash>
#include <QList>

#include <memory>
#include <vector>

class AccessLogFile;
class DnsResolver;
class TlsClientContext;
class TlsServerContext;
class UpstreamGroup;

// What runs from a compiled configuration: the upstream groups (balancers
// and their shared state) and the OpenSSL contexts, built from the pure
// description in core/config. `wsscope -t`, start and reload build one (so
// a bad key or certificate fails there, at the directive that names it, as
// nginx -t does); the editor's live check compiles only.
//
// A reload builds the new runtime from the previous one: a group takes over
// the failure marks, live connection counts and totals of the previous
// group of the same name (nginx keeps ngx_http_upstream_srv_conf_t apart
// from its peers' zone in the same way). Sessions hold the runtime they
// started with; it is read-only once built (the groups lock inside).
class ProxyRuntime final
{
    Q_DISABLE_COPY_MOVE(ProxyRuntime)

public:
    // nullptr when something could not be built; `diagnostics` then holds
    // an error (file:line:column of the directive concerned), and warnings
    // either way (an expiring certificate, old protocol versions).
    static std::shared_ptr<const ProxyRuntime> build(ConfigSnapshot config, const ProxyRuntime *previous,
                                                     QList<ConfDiagnostic> *diagnostics);
    // Builds from a successful compile and adds to its diagnostics; on an
    // error the result's config is cleared too, so `compiled->ok()` is the
    // verdict of compile + build.
    static std::shared_ptr<const ProxyRuntime> build(ConfigCompileResult *compiled,
                                                     const ProxyRuntime *previous = nullptr);
    ~ProxyRuntime();

    const ConfigSnapshot &config() const { return m_config; }
    // Every upstream group, each once, in ProxyConfig::allUpstreams() order.
    const QList<std::shared_ptr<UpstreamGroup>> &groups() const { return m_groups; }
    // The group a proxy_pass sends to (nullptr when the location has none).
    std::shared_ptr<UpstreamGroup> group(const ProxyPass &proxyPass) const;
    // The group an evaluated proxy_pass host names (ngx_http_upstream_init_request):
    // an `upstream` block when no port is given, else the implicit upstream
    // of a proxy_pass to the same host:port; nullptr for neither.
    std::shared_ptr<UpstreamGroup> findGroup(const QByteArray &host, int port, bool tls) const;
    // The resolver of a location (its `resolver`, one cache per distinct
    // one), nullptr when none is configured.
    std::shared_ptr<DnsResolver> resolver(const LocationConfig &location) const;
    // The TLS context for a connection accepted on listen group `group`
    // (the default server's; SNI may switch it); nullptr for a plain socket.
    const TlsServerContext *tlsContext(int listenGroup) const;
    // A server's own context (SNI), nullptr when it has none.
    const TlsServerContext *serverTls(const ServerConfig *server) const;
    // The client context toward an https:// upstream of `location`.
    std::shared_ptr<TlsClientContext> upstreamTls(const LocationConfig &location) const;
    // The file of AccessLogTarget::file.
    const AccessLogFile &accessLog(int file) const { return *m_accessLogs.at(size_t(file)); }

private:
    explicit ProxyRuntime(ConfigSnapshot config);
    void buildGroups(const ProxyRuntime *previous);
    bool openAccessLogs(QList<ConfDiagnostic> *diagnostics);
    bool buildServerTls(QList<ConfDiagnostic> *diagnostics);
    bool buildUpstreamTls(const LocationConfig &location, QList<ConfDiagnostic> *diagnostics);
    void buildResolver(const LocationConfig &location);

    ConfigSnapshot m_config;
    QList<std::shared_ptr<UpstreamGroup>> m_groups;               // by UpstreamConfig::id
    std::vector<std::shared_ptr<TlsServerContext>> m_serverTls;   // by server index
    QHash<const LocationConfig *, std::shared_ptr<TlsClientContext>> m_upstreamTls;
    QHash<QByteArray, std::shared_ptr<UpstreamGroup>> m_byName; // "name" (blocks), "host:port" (implicit)
    QHash<const LocationConfig *, std::shared_ptr<DnsResolver>> m_resolvers;
    std::vector<std::shared_ptr<AccessLogFile>> m_accessLogs; // by ProxyConfig::accessLogFiles index
};

using RuntimeSnapshot = std::shared_ptr<const ProxyRuntime>;
