#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>

#include <atomic>
#include <memory>

// One `server` line of an upstream block (or the single target of a
// proxy_pass URL), already resolved to addresses at load time as nginx does.
struct UpstreamServer
{
    QByteArray name; // as written: "127.0.0.1:9000", "backend.local:8010"
    QHostAddress address;
    quint16 port = 0;
    int weight = 1;
    // Stored for the balancing issue (nginx's defaults).
    int maxFails = 1;
    qint64 failTimeoutMs = 10'000;
    bool backup = false;
    bool down = false;
    int maxConns = 0; // 0: no limit
};

// The balancing method of an upstream block (the method directives). Stored
// here; the balancing issue implements all but round-robin.
struct UpstreamBalancing
{
    enum class Method : quint8 { RoundRobin, IpHash, LeastConn, Hash, Random };
    Method method = Method::RoundRobin;
    QByteArray hashKey;      // `hash KEY`, the template source
    bool consistent = false; // `hash KEY consistent`
    int keepalive = 0;       // `keepalive N` (idle upstream connections kept per worker)

    // Whether a client keeps reaching the same server (ip_hash, hash).
    bool isSticky() const { return method == Method::IpHash || method == Method::Hash; }
};

// A group of servers shared by every worker thread. Balancer state is the
// only mutable part and is atomic; the balancing issue replaces the plain
// round-robin with nginx's algorithms.
class UpstreamGroup final
{
    Q_DISABLE_COPY_MOVE(UpstreamGroup)

public:
    UpstreamGroup(QByteArray name, QList<UpstreamServer> servers);

    const QByteArray &name() const { return m_name; }
    const QList<UpstreamServer> &servers() const { return m_servers; }
    const UpstreamBalancing &balancing() const { return m_balancing; }
    // Set by the config compiler before the group is shared.
    void setBalancing(UpstreamBalancing balancing) { m_balancing = std::move(balancing); }
    // An `upstream` block (as opposed to the group a proxy_pass URL implies).
    bool isExplicit() const { return m_explicit; }
    void setExplicit(bool on) { m_explicit = on; }

    // Index of the server for a new request, round-robin across threads
    // over the servers not marked `down` (the backups only when every
    // primary is down); -1 only for an empty group.
    qsizetype pick();
    bool hasLiveServer() const;

private:
    QByteArray m_name;
    QList<UpstreamServer> m_servers;
    UpstreamBalancing m_balancing;
    bool m_explicit = false;
    std::atomic<quint64> m_next{0};
};
