#include "balancers.h"

#include <QRandomGenerator>

namespace {

// ngx_http_upstream_peek_random_peer: a weighted draw over the tier.
int peek(PeerPicker &p)
{
    const quint32 x = QRandomGenerator::global()->bounded(quint32(qMax(1, p.tier().totalWeight)));
    quint32 start = 0;
    for (int m = 0; m < p.count(); ++m) {
        start += quint32(p.weight(m));
        if (x < start)
            return m;
    }
    return p.count() - 1;
}

} // namespace

// ngx_http_upstream_get_random_peer: weighted random draws until one is
// available, 20 at most, then round-robin.
int Balancers::random(PeerPicker &p)
{
    UpstreamSelection &sel = p.selection();
    if (sel.methodTries > 20 || p.tier().single || p.count() == 0)
        return kFallBack;
    int member = 0;
    for (;;) {
        member = peek(p);
        if (!p.tried(member) && p.usable(member))
            break;
        if (++sel.methodTries > 20)
            return kFallBack;
    }
    p.take(member);
    return member;
}

// ngx_http_upstream_get_random2_peer (`random two [least_conn]`): two
// different available servers drawn, the one with fewer connections
// relative to weight wins; on a tie the second drawn (as nginx).
int Balancers::randomTwo(PeerPicker &p)
{
    UpstreamSelection &sel = p.selection();
    if (sel.methodTries > 20 || p.tier().single || p.count() == 0)
        return kFallBack;
    int prev = -1;
    int member = 0;
    for (;;) {
        member = peek(p);
        if (member != prev && !p.tried(member) && p.usable(member)) {
            if (prev >= 0) {
                if (qint64(p.peer(member).conns) * p.weight(prev) > qint64(p.peer(prev).conns) * p.weight(member))
                    member = prev;
                break;
            }
            prev = member;
        }
        if (++sel.methodTries > 20)
            return kFallBack;
    }
    p.take(member);
    return member;
}
