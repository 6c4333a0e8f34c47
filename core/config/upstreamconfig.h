#pragma once

#include "config/confdiagnostic.h"
#include "http/variables.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>

#include <optional>

// An `upstream` block (or the implicit one a proxy_pass URL names) as the
// configuration describes it: its servers and balancing parameters. The
// runtime built from it (UpstreamGroup: weights, failures, connections)
// lives in core/upstream and is carried across reloads by ProxyRuntime, as
// nginx keeps ngx_http_upstream_srv_conf_t apart from the peers' zone.

// One `server` line of an upstream block (or the single target of a
// proxy_pass URL), already resolved to addresses at load time as nginx does.
struct UpstreamServer
{
    QByteArray name; // as written: "127.0.0.1:9000", "backend.local:8010"
    QHostAddress address;
    quint16 port = 0;
    QByteArray unixPath; // server unix:PATH: a unix-domain socket instead of address:port
    int weight = 1;
    int maxFails = 1;                 // nginx's defaults
    qint64 failTimeoutMs = 10'000;
    bool backup = false;
    bool down = false;
    int maxConns = 0; // 0: no limit
};

// `health_check` inside an upstream block: wsscope's own active check (nginx
// has none in its open-source version; NGINX Plus puts its health_check in a
// location). Off unless configured. Results feed the same "unavailable"
// test as passive failures.
struct UpstreamHealthCheck
{
    enum class Type : quint8 { Http, WebSocket };
    bool enabled = false;
    qint64 intervalMs = 5'000;
    qint64 timeoutMs = 5'000;
    QByteArray uri = "/";
    int fails = 1;  // consecutive failed probes before a server is taken out
    int passes = 1; // consecutive good probes before it is back
    Type type = Type::Http;
};

// The balancing method of an upstream block (the method directives).
struct UpstreamBalancing
{
    enum class Method : quint8 { RoundRobin, IpHash, LeastConn, Hash, Random };
    Method method = Method::RoundRobin;
    QByteArray hashKey;      // `hash KEY`, the template source
    std::optional<ValueTemplate> hashKeyTemplate; // compiled `hash KEY`
    bool consistent = false; // `hash KEY consistent`
    bool randomTwo = false;  // `random two [least_conn]`
    // ngx_http_upstream_keepalive_module: `keepalive N` idle connections
    // kept per worker thread (0: none, every exchange closes its connection),
    // each reused for at most `keepalive_requests` requests and
    // `keepalive_time`, and closed after `keepalive_timeout` idle.
    int keepalive = 0;
    int keepaliveRequests = 1000;          // nginx's default since 1.19.10
    qint64 keepaliveTimeoutMs = 60'000;
    qint64 keepaliveTimeMs = 3'600'000;
    // `zone NAME [SIZE]`: accepted and remembered only. nginx needs it to
    // share a group's state between worker processes; wsscope's worker
    // threads share every group already (UpstreamGroup locks inside).
    QByteArray zone;
    UpstreamHealthCheck healthCheck;

    // Whether a client keeps reaching the same server (ip_hash, hash).
    bool isSticky() const { return method == Method::IpHash || method == Method::Hash; }
    // "round-robin", "ip_hash", "hash consistent", "random two least_conn", ...
    QString algorithmName() const;
};

// `resolver ADDRESS... [valid=TIME] [ipv6=on|off]` (ngx_http_core_module):
// the name servers a proxy_pass with variables asks, over UDP, for a host
// that names no upstream block. A value: locations that inherit it compare
// equal, and the runtime gives each distinct one its own cache.
struct ResolverSettings
{
    struct NameServer
    {
        QHostAddress address;
        quint16 port = 53;
        bool operator==(const NameServer &o) const = default;
    };
    QList<NameServer> servers; // empty: no resolver (nginx: "no resolver defined to resolve")
    qint64 validMs = 0;        // valid=: overrides the answers' TTL (0: the TTL)
    bool ipv6 = true;          // ipv6=off: A queries only
    ConfLocation at;

    bool isSet() const { return !servers.isEmpty(); }
    bool operator==(const ResolverSettings &o) const = default;
};

struct UpstreamConfig
{
    QByteArray name;               // the block's name, or $proxy_host of the proxy_pass URL
    QList<UpstreamServer> servers;
    UpstreamBalancing balancing;
    bool isExplicit = false;       // an `upstream` block (not implied by a proxy_pass URL)
    int id = -1;                   // its place among ProxyConfig::allUpstreams(), for the runtime
    ConfLocation at;               // of the `upstream` block, or of the first proxy_pass naming it
};
