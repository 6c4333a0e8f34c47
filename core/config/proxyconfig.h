#pragma once

#include "http/headerrewrite.h"
#include "upstream/upstreamgroup.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>

#include <memory>

// The compiled, read-only configuration snapshot. Sessions hold a
// shared_ptr to the snapshot they started with; a reload swaps the pointer
// for new connections only.

struct ListenAddress
{
    QHostAddress address;
    quint16 port = 0;

    QString toString() const;
};

struct ProxyPass
{
    QByteArray scheme = "http";          // http (ws) for now
    std::shared_ptr<UpstreamGroup> group;
    QByteArray proxyHost;               // $proxy_host: host[:port] as written
    bool hasUri = false;                // proxy_pass with a URI part
    QByteArray uri;                     // that URI part ("/", "/api/")
};

struct LocationConfig
{
    QByteArray prefix = "/";
    ProxyPass proxyPass;
    QList<HeaderRule> headers;
    qint64 connectTimeoutMs = 60'000;
    qint64 readTimeoutMs = 60'000;
    qint64 sendTimeoutMs = 60'000;
};

struct ServerConfig
{
    QList<ListenAddress> listens;
    QByteArray serverName;
    QList<LocationConfig> locations;

    // Longest matching prefix (the configuration issue brings nginx's full order).
    const LocationConfig *matchLocation(QByteArrayView path) const;
};

struct ProxyConfig
{
    int workerThreads = 0; // 0 = one per core
    QList<ServerConfig> servers;
    qint64 clientHeaderTimeoutMs = 60'000;
    qint64 keepaliveTimeoutMs = 75'000;
    qint64 drainTimeoutMs = 10'000;
    qint64 maxBufferedPerDirection = 1024 * 1024;
};

using ConfigSnapshot = std::shared_ptr<const ProxyConfig>;

// The upstream request-target for a client target under proxy_pass rules:
// without a URI part the target is passed unchanged; with one, the matched
// location prefix is replaced by it (nginx).
QByteArray upstreamTargetFor(const LocationConfig &location, const QByteArray &clientTarget);

// The headers quick mode sets (the seeds' nginx configuration, with Host
// kept as the client sent it).
QList<HeaderRule> defaultProxyHeaders();
