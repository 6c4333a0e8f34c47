#include "upstreamgroup.h"

#include "balancers.h"
#include "ops/logging.h"

#include <chrono>

using Method = UpstreamBalancing::Method;

const char *upstreamHealthName(UpstreamServerFigures::Health health)
{
    switch (health) {
    case UpstreamServerFigures::Health::Up: return "up";
    case UpstreamServerFigures::Health::Backup: return "backup";
    case UpstreamServerFigures::Health::Failed: return "failed";
    case UpstreamServerFigures::Health::Down: return "down";
    case UpstreamServerFigures::Health::Unhealthy: return "unhealthy";
    }
    return "unknown";
}

UpstreamGroup::UpstreamGroup(QByteArray name, QList<UpstreamServer> servers)
    : m_name(std::move(name))
    , m_servers(std::move(servers))
    , m_runtime(std::make_shared<GroupRuntime>())
{
    m_peers.reserve(size_t(m_servers.size()));
    for (const UpstreamServer &s : std::as_const(m_servers)) {
        const QByteArray ip = s.address.toString().toLatin1();
        const bool v6 = s.address.protocol() == QAbstractSocket::IPv6Protocol;
        if (!s.unixPath.isEmpty())
            m_addressTexts.append("unix:" + s.unixPath); // $upstream_addr, as nginx writes it
        else
            m_addressTexts.append((v6 ? QByteArray("[") + ip + "]" : ip) + ':' + QByteArray::number(s.port));
        auto state = std::make_shared<PeerState>();
        state->effectiveWeight = s.weight;
        m_peers.push_back(std::move(state));
    }
    buildTiers();
}

UpstreamGroup::~UpstreamGroup() = default;

void UpstreamGroup::buildTiers()
{
    // ngx_http_upstream_init_round_robin: primaries and backups apart; the
    // total weight counts `down` servers, the tries do not.
    for (qsizetype i = 0; i < m_servers.size(); ++i) {
        const UpstreamServer &s = m_servers.at(i);
        PeerTier &t = m_tiers[s.backup ? 1 : 0];
        t.members.append(i);
        t.totalWeight += s.weight;
        if (!s.down)
            ++t.tries;
    }
    m_tiers[0].single = m_tiers[0].members.size() == 1 && m_tiers[1].members.isEmpty();
    m_tiers[1].single = false;
}

void UpstreamGroup::setBalancing(UpstreamBalancing balancing)
{
    m_balancing = std::move(balancing);
    buildRing();
}

void UpstreamGroup::buildRing()
{
    m_ring = ConsistentHashRing();
    if (m_balancing.method != Method::Hash || !m_balancing.consistent)
        return;
    QList<QByteArray> names;
    QList<int> weights;
    for (qsizetype i : std::as_const(m_tiers[0].members)) {
        names.append(m_servers.at(i).name);
        weights.append(m_servers.at(i).weight);
    }
    m_ring.build(names, weights);
}

qint64 UpstreamGroup::clockMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

QByteArray UpstreamGroup::hashKeyFor(const RequestContext &context) const
{
    if (m_balancing.method != Method::Hash || !m_balancing.hashKeyTemplate)
        return QByteArray();
    return m_balancing.hashKeyTemplate->expand(context);
}

UpstreamSelection UpstreamGroup::startSelection(const QHostAddress &client, const QByteArray &hashKey, int maxTries,
                                                qint64 nowMs) const
{
    UpstreamSelection s;
    s.tried.assign(size_t(qMax(m_tiers[0].members.size(), m_tiers[1].members.size())), false);
    // ngx_http_upstream_tries(): servers not `down`, backups included;
    // proxy_next_upstream_tries caps it.
    s.triesLeft = m_tiers[0].tries + m_tiers[1].tries;
    if (maxTries > 0 && s.triesLeft > maxTries)
        s.triesLeft = maxTries;
    s.startMs = nowMs;
    switch (m_balancing.method) {
    case Method::IpHash:
        s.key = Balancers::ipHashKey(client, &s.keyText);
        s.hash = 89;
        break;
    case Method::Hash:
        s.key = hashKey;
        s.keyText = QString::fromUtf8(hashKey);
        if (m_balancing.consistent && !m_ring.isEmpty())
            s.hash = m_ring.findPoint(crc32Update(0, hashKey));
        break;
    case Method::RoundRobin:
    case Method::LeastConn:
    case Method::Random:
        break;
    }
    return s;
}

namespace {

// ngx_http_upstream_get_round_robin_peer: the lone server, or smooth
// weighted round-robin; when the tier has nothing left, the backups.
int roundRobin(PeerPicker &p)
{
    for (;;) {
        int member = -1;
        if (p.tier().single) {
            if (p.usableSingle(0)) {
                p.take(0);
                member = 0;
            }
        } else if (p.count() > 0) {
            member = Balancers::smoothWeighted(p);
        }
        if (member >= 0)
            return member;
        if (!p.switchToBackups())
            return -1;
    }
}

// ngx_http_upstream_get_least_conn_peer, backups included.
int leastConnWithBackups(PeerPicker &p)
{
    if (p.tier().single)
        return roundRobin(p);
    for (;;) {
        const int member = p.count() > 0 ? Balancers::leastConn(p) : -1;
        if (member >= 0)
            return member;
        if (!p.switchToBackups())
            return -1;
    }
}

} // namespace

qsizetype UpstreamGroup::pickLocked(UpstreamSelection &selection, qint64 nowMs, UpstreamPick *out)
{
    PeerPicker p(*this, selection, nowMs, &out->skipped);
    int member = Balancers::kFallBack;
    switch (m_balancing.method) {
    case Method::RoundRobin:
        break;
    case Method::LeastConn:
        member = leastConnWithBackups(p);
        break;
    case Method::IpHash:
        member = Balancers::ipHash(p);
        break;
    case Method::Hash:
        member = m_balancing.consistent ? Balancers::consistentHash(p) : Balancers::hash(p);
        break;
    case Method::Random:
        member = m_balancing.randomTwo ? Balancers::randomTwo(p) : Balancers::random(p);
        break;
    }
    if (member == Balancers::kFallBack) {
        out->fellBack = m_balancing.method != Method::RoundRobin;
        member = roundRobin(p);
    }
    if (member < 0)
        return -1;
    if (selection.tier == 0) {
        for (qsizetype b : std::as_const(m_tiers[1].members))
            out->skipped.append(displayName(b) + QStringLiteral(" (backup, not needed)"));
    }
    return p.tier().members.at(member);
}

UpstreamPick UpstreamGroup::pick(UpstreamSelection &selection, qint64 nowMs)
{
    UpstreamPick out;
    {
        std::lock_guard<std::mutex> lock(m_runtime->mutex);
        out.index = pickLocked(selection, nowMs, &out);
        if (out.index >= 0)
            ++m_runtime->decisions;
    }
    selection.current = out.index;
    selection.started = true;
    return out;
}

void UpstreamGroup::release(UpstreamSelection &selection, Outcome outcome, qint64 nowMs, const QString &why)
{
    if (selection.current < 0)
        return;
    const qsizetype index = selection.current;
    selection.current = -1;
    const UpstreamServer &server = m_servers.at(index);
    bool disabled = false;
    {
        std::lock_guard<std::mutex> lock(m_runtime->mutex);
        PeerState &s = *m_peers[size_t(index)];
        if (outcome == Outcome::Failed) {
            ++s.failures;
            if (!why.isEmpty())
                s.lastFailure = why;
        }
        if (m_tiers[selection.tier].single) {
            // ngx_http_upstream_free_round_robin_peer: a lone server is
            // never marked failed, and there is nothing to retry.
            --s.conns;
            selection.triesLeft = 0;
            return;
        }
        if (outcome == Outcome::Failed) {
            ++s.fails;
            s.accessedMs = s.checkedMs = nowMs;
            if (server.maxFails) {
                s.effectiveWeight -= server.weight / server.maxFails;
                disabled = s.fails == server.maxFails;
            }
            if (s.effectiveWeight < 0)
                s.effectiveWeight = 0;
        } else if (outcome == Outcome::Ok) {
            // "mark peer live if check passed"
            if (s.accessedMs < s.checkedMs)
                s.fails = 0;
        }
        --s.conns;
        if (selection.triesLeft > 0)
            --selection.triesLeft;
    }
    if (disabled)
        qCWarning(lcProxy).noquote() << "upstream server temporarily disabled:" << displayName(index) << "in"
                                     << m_name << QStringLiteral("(max_fails=%1, fail_timeout=%2 ms)")
                                                      .arg(server.maxFails)
                                                      .arg(server.failTimeoutMs);
}

void UpstreamGroup::confirm(const UpstreamSelection &selection)
{
    if (selection.current < 0)
        return;
    std::lock_guard<std::mutex> lock(m_runtime->mutex);
    PeerState &s = *m_peers[size_t(selection.current)];
    if (s.accessedMs < s.checkedMs)
        s.fails = 0;
}

void UpstreamGroup::addTraffic(qsizetype index, qint64 toUpstream, qint64 fromUpstream)
{
    if (index < 0 || index >= m_servers.size())
        return;
    std::lock_guard<std::mutex> lock(m_runtime->mutex);
    PeerState &s = *m_peers[size_t(index)];
    s.bytesToUpstream += toUpstream;
    s.bytesFromUpstream += fromUpstream;
}

void UpstreamGroup::reportProbe(qsizetype index, bool ok, const QString &detail)
{
    if (index < 0 || index >= m_servers.size())
        return;
    const UpstreamHealthCheck &hc = m_balancing.healthCheck;
    int change = 0; // +1 back up, -1 taken out
    {
        std::lock_guard<std::mutex> lock(m_runtime->mutex);
        PeerState &s = *m_peers[size_t(index)];
        s.probeDetail = detail;
        if (ok) {
            s.probeFailsInARow = 0;
            ++s.probePassesInARow;
            if (s.probeDown && s.probePassesInARow >= hc.passes) {
                s.probeDown = false;
                change = 1;
            }
        } else {
            s.probePassesInARow = 0;
            ++s.probeFailsInARow;
            if (!s.probeDown && s.probeFailsInARow >= hc.fails) {
                s.probeDown = true;
                change = -1;
            }
        }
    }
    if (change > 0)
        qCInfo(lcProxy).noquote() << "health check: upstream server" << displayName(index) << "in" << m_name
                                  << "is healthy again";
    else if (change < 0)
        qCWarning(lcProxy).noquote() << "health check: upstream server" << displayName(index) << "in" << m_name
                                     << "taken out:" << detail;
}

qsizetype UpstreamGroup::pick()
{
    const qint64 now = clockMs();
    UpstreamSelection s = startSelection(QHostAddress(), QByteArray(), 0, now);
    const UpstreamPick p = pick(s, now);
    release(s, Outcome::Ok, now);
    return p.index;
}

bool UpstreamGroup::hasLiveServer() const
{
    for (const UpstreamServer &s : m_servers) {
        if (!s.down)
            return true;
    }
    return false;
}

QString UpstreamGroup::displayName(qsizetype index) const
{
    const UpstreamServer &s = m_servers.at(index);
    for (qsizetype i = 0; i < m_servers.size(); ++i) {
        if (i != index && m_servers.at(i).name == s.name)
            return QString::fromLatin1(m_addressTexts.at(index));
    }
    return QString::fromUtf8(s.name);
}

UpstreamFigures UpstreamGroup::figures(qint64 nowMs) const
{
    UpstreamFigures f;
    f.group = QString::fromUtf8(m_name);
    f.algorithm = m_balancing.algorithmName();
    f.explicitBlock = m_explicit;
    f.healthCheck = m_balancing.healthCheck.enabled;
    std::lock_guard<std::mutex> lock(m_runtime->mutex);
    quint64 picks = 0;
    for (const auto &p : m_peers)
        picks += p->picks;
    f.decisions = m_runtime->decisions;
    for (qsizetype i = 0; i < m_servers.size(); ++i) {
        const UpstreamServer &s = m_servers.at(i);
        const PeerState &p = *m_peers[size_t(i)];
        UpstreamServerFigures sf;
        sf.name = QString::fromUtf8(s.name);
        sf.address = QString::fromLatin1(m_addressTexts.at(i));
        sf.weight = s.weight;
        sf.maxConns = s.maxConns;
        sf.backup = s.backup;
        sf.fails = p.fails;
        sf.liveConnections = p.conns;
        sf.totalConnections = p.picks;
        sf.failures = p.failures;
        sf.bytesToUpstream = p.bytesToUpstream;
        sf.bytesFromUpstream = p.bytesFromUpstream;
        // Share of this group's servers' decisions (a reload's new servers
        // start at zero; the shared counters keep the old ones').
        sf.share = picks ? double(p.picks) / double(picks) : 0.0;
        sf.lastFailure = p.lastFailure;
        sf.healthDetail = p.probeDetail;
        if (s.down) {
            sf.health = UpstreamServerFigures::Health::Down;
        } else if (p.probeDown) {
            sf.health = UpstreamServerFigures::Health::Unhealthy;
        } else if (s.maxFails && p.fails >= s.maxFails && nowMs - p.checkedMs <= s.failTimeoutMs) {
            sf.health = UpstreamServerFigures::Health::Failed;
            sf.failedForMs = p.checkedMs + s.failTimeoutMs - nowMs;
        } else if (s.backup) {
            sf.health = UpstreamServerFigures::Health::Backup;
        }
        f.servers.append(sf);
    }
    return f;
}

void UpstreamGroup::inheritState(const UpstreamGroup &previous)
{
    if (&previous == this)
        return;
    m_runtime = previous.m_runtime;
    std::lock_guard<std::mutex> lock(m_runtime->mutex);
    std::vector<bool> used(size_t(previous.m_servers.size()), false);
    for (qsizetype i = 0; i < m_servers.size(); ++i) {
        const UpstreamServer &s = m_servers.at(i);
        for (qsizetype j = 0; j < previous.m_servers.size(); ++j) {
            const UpstreamServer &o = previous.m_servers.at(j);
            if (used[size_t(j)] || o.name != s.name || o.address != s.address || o.port != s.port)
                continue;
            used[size_t(j)] = true;
            m_peers[size_t(i)] = previous.m_peers[size_t(j)];
            PeerState &state = *m_peers[size_t(i)];
            // Weights may have changed: the smooth round-robin starts over.
            state.currentWeight = 0;
            state.effectiveWeight = qMin(state.effectiveWeight, s.weight);
            break;
        }
    }
}
