#include "balancers.h"

// ngx_http_upstream_get_hash_peer: Cache::Memcached's
// ((crc32([REHASH] KEY) >> 16) & 0x7fff) + PREV_HASH, REHASH (decimal) left
// out the first time; the weighted position hash % total_weight names the
// server. Up to 20 tries, then round-robin; an empty key or a single
// server goes to round-robin at once.
int Balancers::hash(PeerPicker &p)
{
    UpstreamSelection &sel = p.selection();
    if (sel.methodTries > 20 || p.tier().single || sel.key.isEmpty() || p.tier().totalWeight <= 0)
        return kFallBack;
    int member = 0;
    for (;;) {
        quint32 crc = 0;
        if (sel.rehash > 0)
            crc = crc32Update(crc, QByteArray::number(sel.rehash));
        crc = crc32Update(crc, sel.key);
        sel.hash += (crc >> 16) & 0x7fff;
        ++sel.rehash;
        member = p.memberAtWeight(int(sel.hash % quint32(p.tier().totalWeight)));
        if (!p.tried(member) && p.usable(member))
            break;
        if (++sel.methodTries > 20)
            return kFallBack;
    }
    p.take(member);
    return member;
}

// ngx_http_upstream_get_chash_peer: the server name at the key's point on
// the ring; among servers of that name (a host with several addresses),
// smooth weighted round-robin. An unavailable one moves to the next point,
// 20 times at most, then round-robin.
int Balancers::consistentHash(PeerPicker &p)
{
    UpstreamSelection &sel = p.selection();
    if (sel.methodTries > 20 || p.tier().single || sel.key.isEmpty() || p.ring().isEmpty())
        return kFallBack;
    for (;;) {
        const QByteArray &name = p.ring().nameAt(sel.hash);
        int best = -1;
        int total = 0;
        for (int m = 0; m < p.count(); ++m) {
            if (p.tried(m) || p.server(m).name != name || !p.usable(m))
                continue;
            PeerState &s = p.peer(m);
            s.currentWeight += s.effectiveWeight;
            total += s.effectiveWeight;
            if (s.effectiveWeight < p.weight(m))
                ++s.effectiveWeight;
            if (best < 0 || s.currentWeight > p.peer(best).currentWeight)
                best = m;
        }
        if (best >= 0) {
            p.peer(best).currentWeight -= total;
            p.take(best);
            return best;
        }
        ++sel.hash;
        if (++sel.methodTries > 20)
            return kFallBack;
    }
}
