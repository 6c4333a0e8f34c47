#pragma once

// The balancing methods, one file each, with nginx's semantics
// (src/http/ngx_http_upstream_round_robin.c and
// src/http/modules/ngx_http_upstream_{ip_hash,hash,least_conn,random}_module.c).
// Internal to core/upstream: they run under the group's lock through a
// PeerPicker, which holds what nginx's per-request peer data holds.

#include "upstream/upstreamgroup.h"

#include <QStringList>

// What a method sees while the group's lock is held: the current tier of
// the selection, the per-request "tried" marks, and the availability tests
// every nginx method applies (down, max_fails within fail_timeout,
// max_conns) plus wsscope's health check. Skipped servers are noted once
// each, with the reason, for the route event.
class PeerPicker final
{
    Q_DISABLE_COPY_MOVE(PeerPicker)

public:
    enum class Skip : quint8 { None, Down, Failed, MaxConns, Unhealthy };

    PeerPicker(UpstreamGroup &group, UpstreamSelection &selection, qint64 nowMs, QStringList *skipped);

    UpstreamSelection &selection() { return m_selection; }
    const PeerTier &tier() const { return m_group.m_tiers[m_selection.tier]; }
    int count() const { return int(tier().members.size()); }
    const UpstreamServer &server(int member) const { return m_group.m_servers.at(tier().members.at(member)); }
    int weight(int member) const { return server(member).weight; }
    // The member whose weight range holds point `w` (0 <= w < total weight):
    // nginx's walk for ip_hash and hash, which spreads by weight.
    int memberAtWeight(int w) const
    {
        int member = 0;
        while (w >= weight(member)) {
            w -= weight(member);
            ++member;
        }
        return member;
    }
    PeerState &peer(int member) { return *m_group.m_peers[size_t(tier().members.at(member))]; }
    const ConsistentHashRing &ring() const { return m_group.m_ring; }
    qint64 now() const { return m_now; }

    bool tried(int member) const { return m_selection.tried[size_t(member)]; }
    // The nginx tests, in nginx's order; notes the reason when one fails.
    bool usable(int member);
    // The single-peer path only checks `down` and max_conns (nginx never
    // marks a lone server failed).
    bool usableSingle(int member);
    // Selected: counted in its connections, marked tried, `checked` moved
    // on when its fail_timeout window is over (nginx's get_peer epilogue).
    void take(int member);
    // Moves a selection to the backups (nginx: rrp->peers = peers->next).
    bool switchToBackups();

private:
    Skip unavailable(int member);
    void note(int member, Skip why);

    UpstreamGroup &m_group;
    UpstreamSelection &m_selection;
    const qint64 m_now;
    QStringList *m_skipped;
    QList<qsizetype> m_noted;
};

namespace Balancers {

// Returned by a hashing method that gives up: nginx then calls the
// round-robin get (after 20 tries, with one server, or an empty key).
constexpr int kFallBack = -2;

// ngx_http_upstream_get_peer: smooth weighted round-robin over the current
// tier; -1 when no server is available.
int smoothWeighted(PeerPicker &p);
int ipHash(PeerPicker &p);
int hash(PeerPicker &p);
int consistentHash(PeerPicker &p);
int random(PeerPicker &p);
int randomTwo(PeerPicker &p);
// least_conn over the current tier; -1 when none (the caller moves to backups).
int leastConn(PeerPicker &p);

// The address bytes ip_hash hashes: the first three octets of IPv4, the
// whole IPv6 address (an IPv4-mapped one too, as nginx on an IPv6 socket).
QByteArray ipHashKey(const QHostAddress &client, QString *display);

} // namespace Balancers
