#include "balancers.h"

// ngx_http_upstream_get_peer (nginx 1.22): smooth weighted round-robin.
// Every available server gains its effective weight; the one with the most
// current weight wins and gives back the total. Weights 5,1,1 give
// a a b a c a a. A failure lowers the effective weight (weight/max_fails per
// failure); it climbs back by one on each pass.
int Balancers::smoothWeighted(PeerPicker &p)
{
    int best = -1;
    int total = 0;
    for (int m = 0; m < p.count(); ++m) {
        if (p.tried(m) || !p.usable(m))
            continue;
        PeerState &s = p.peer(m);
        s.currentWeight += s.effectiveWeight;
        total += s.effectiveWeight;
        if (s.effectiveWeight < p.weight(m))
            ++s.effectiveWeight;
        if (best < 0 || s.currentWeight > p.peer(best).currentWeight)
            best = m;
    }
    if (best < 0)
        return -1;
    p.peer(best).currentWeight -= total;
    p.take(best);
    return best;
}
