#pragma once

#include "config/upstreamconfig.h"
#include "http/variables.h"
#include "upstream/consistenthash.h"
#include "upstream/peerstate.h"
#include "upstream/upstreamfigures.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

// One request's way through a group: nginx's per-request peer data (which
// servers were tried, how many tries are left, the hash state). Owned by the
// session; only the group's methods read or change it.
struct UpstreamSelection
{
    int tier = 0;               // 0: primaries, 1: backups (nginx's rrp->peers)
    std::vector<bool> tried;    // by position in the current tier
    int triesLeft = 0;          // nginx's peer.tries (proxy_next_upstream_tries caps it)
    int methodTries = 0;        // the hash methods' own 20-try budget
    quint32 hash = 0;           // ip_hash/hash state, or the consistent-hash point
    quint32 rehash = 0;
    QByteArray key;             // ip_hash: the address bytes hashed; hash: the key value
    QString keyText;            // for display: "192.0.2.0/24", the hash key
    qsizetype current = -1;     // server held (counted in its connections), -1: none
    qint64 startMs = 0;         // for proxy_next_upstream_timeout
    bool started = false;
};

// The outcome of one pick.
struct UpstreamPick
{
    qsizetype index = -1;       // into servers(); -1: no live upstreams (nginx's NGX_BUSY)
    QStringList skipped;        // "127.0.0.1:8011 (down)", ...
    bool fellBack = false;      // the method gave up (20 tries, empty key) and round-robin chose
};

// A group of servers shared by every worker thread. The server list and
// method are fixed at load; the runtime state (connections, failures, the
// smooth round-robin weights) sits behind one mutex per group, held only for
// a pick or a release, as nginx holds its upstream zone lock.
class UpstreamGroup final
{
    Q_DISABLE_COPY_MOVE(UpstreamGroup)

public:
    // NGX_PEER_FAILED, NGX_PEER_NEXT (403/404: try another, no failure), or success.
    enum class Outcome : quint8 { Ok, Failed, Next };

    UpstreamGroup(QByteArray name, QList<UpstreamServer> servers);
    ~UpstreamGroup();

    const QByteArray &name() const { return m_name; }
    const QList<UpstreamServer> &servers() const { return m_servers; }
    const UpstreamBalancing &balancing() const { return m_balancing; }
    // Set by the config compiler before the group is shared.
    void setBalancing(UpstreamBalancing balancing);
    // An `upstream` block (as opposed to the group a proxy_pass URL implies).
    bool isExplicit() const { return m_explicit; }
    void setExplicit(bool on) { m_explicit = on; }
    bool hasBackup() const { return !m_tiers[1].members.isEmpty(); }

    // A monotonic clock in ms, the same on every thread.
    static qint64 clockMs();
    // The key `hash KEY` yields for a request (empty for other methods).
    QByteArray hashKeyFor(const RequestContext &context) const;

    // Starts a request's selection. `maxTries` is proxy_next_upstream_tries (0: no cap).
    UpstreamSelection startSelection(const QHostAddress &client, const QByteArray &hashKey, int maxTries,
                                      qint64 nowMs) const;
    // The next server for the selection (nginx's peer.get); the server's
    // connection count includes it until release().
    UpstreamPick pick(UpstreamSelection &selection, qint64 nowMs);
    // nginx's peer.free: the attempt ended (failed, moved on, or done).
    // Harmless when nothing is held.
    void release(UpstreamSelection &selection, Outcome outcome, qint64 nowMs, const QString &why = QString());
    // The server answered with a response head: counts as the successful
    // request nginx waits for at free() (so a long tunnel does not keep a
    // recovered server marked failed).
    void confirm(const UpstreamSelection &selection);
    // Traffic of a finished exchange or tunnel, for the figures.
    void addTraffic(qsizetype index, qint64 toUpstream, qint64 fromUpstream);

    // Active health check results (the health checker, main thread).
    void reportProbe(qsizetype index, bool ok, const QString &detail);

    // A decision with no request behind it, released at once (tools, tests).
    qsizetype pick();
    bool hasLiveServer() const;

    // A thread-safe copy of the group's figures.
    UpstreamFigures figures(qint64 nowMs) const;

    // Reload: take over the runtime state of the previous generation of the
    // same upstream (matched by server name and address), so failure marks,
    // live connection counts and totals survive; smooth-weight positions
    // restart. Call before this group is shared.
    void inheritState(const UpstreamGroup &previous);

    // Display name of a server: its name, or its address when several
    // servers share a name (a host name with several addresses).
    QString displayName(qsizetype index) const;
    // A server as nginx's $upstream_addr names it (ngx_sock_ntop): "127.0.0.1:8081", "[::1]:8081".
    const QByteArray &addressText(qsizetype index) const { return m_addressTexts.at(index); }

private:
    friend class PeerPicker;

    qsizetype pickLocked(UpstreamSelection &selection, qint64 nowMs, UpstreamPick *out);
    void buildTiers();
    void buildRing();

    QByteArray m_name;
    QList<UpstreamServer> m_servers;
    QList<QByteArray> m_addressTexts; // parallel to m_servers, made once
    UpstreamBalancing m_balancing;
    bool m_explicit = false;
    PeerTier m_tiers[2];                // primaries, backups
    std::shared_ptr<GroupRuntime> m_runtime;
    std::vector<std::shared_ptr<PeerState>> m_peers; // parallel to m_servers
    ConsistentHashRing m_ring;          // `hash ... consistent` only
};
