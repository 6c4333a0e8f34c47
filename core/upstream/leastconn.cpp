#include "balancers.h"

// ngx_http_upstream_get_least_conn_peer: the fewest live connections
// relative to weight (conns_a * weight_b < conns_b * weight_a); among equals,
// smooth weighted round-robin starting at the first of them.
int Balancers::leastConn(PeerPicker &p)
{
    int best = -1;
    bool many = false;
    auto ratioCmp = [&p](int a, int b) {
        const qint64 l = qint64(p.peer(a).conns) * p.weight(b);
        const qint64 r = qint64(p.peer(b).conns) * p.weight(a);
        return l < r ? -1 : l > r ? 1 : 0;
    };
    for (int m = 0; m < p.count(); ++m) {
        if (p.tried(m) || !p.usable(m))
            continue;
        if (best < 0 || ratioCmp(m, best) < 0) {
            best = m;
            many = false;
        } else if (ratioCmp(m, best) == 0) {
            many = true;
        }
    }
    if (best < 0)
        return -1;
    int total = 0;
    if (many) {
        for (int m = best; m < p.count(); ++m) {
            if (p.tried(m) || p.server(m).down || ratioCmp(m, best) != 0 || !p.usable(m))
                continue;
            PeerState &s = p.peer(m);
            s.currentWeight += s.effectiveWeight;
            total += s.effectiveWeight;
            if (s.effectiveWeight < p.weight(m))
                ++s.effectiveWeight;
            if (s.currentWeight > p.peer(best).currentWeight)
                best = m;
        }
    }
    p.peer(best).currentWeight -= total;
    p.take(best);
    return best;
}
