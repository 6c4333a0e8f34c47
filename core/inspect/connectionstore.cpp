#include "inspect/connectionstore.h"

#include <cstring>

namespace {

constexpr int directionIndex(Direction d) { return d == Direction::ClientToUpstream ? 0 : 1; }
constexpr Direction opposite(Direction d)
{
    return d == Direction::ClientToUpstream ? Direction::UpstreamToClient : Direction::ClientToUpstream;
}

QString statsKey(const QString &group, const QString &server) { return group + QLatin1Char('\n') + server; }

bool isFrame(const InspectEvent &event)
{
    return event.as<MessageEvent>() || event.as<ControlFrameEvent>();
}

} // namespace

ConnectionStore::ConnectionStore(QObject *parent)
    : QObject(parent)
    , m_frameArena(std::make_unique<std::pmr::unsynchronized_pool_resource>())
{
}

ConnectionStore::~ConnectionStore() = default;

qint64 ConnectionStore::frameCost(const FrameRecord &frame)
{
    // The record in its deque block and the payload in the arena (whose
    // pools hand out blocks in steps of 8 bytes or more).
    return qint64(sizeof(FrameRecord)) + ((qint64(frame.payload.size()) + 7) & ~qint64(7));
}

QSet<quint64> ConnectionStore::takeChanged()
{
    QSet<quint64> changed = std::exchange(m_changed, {});
    for (quint64 id : std::as_const(changed)) {
        if (ConnectionRecord *r = m_byId.value(id))
            r->dirty = false;
    }
    return changed;
}

void ConnectionStore::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (paused) {
        m_skippedConnections = 0;
        m_skippedFrames = 0;
    }
}

bool ConnectionStore::skip(const InspectEvent &event)
{
    const bool frame = isFrame(event);
    if (!m_ignored.isEmpty()) {
        if (auto it = m_ignored.find(event.connectionId); it != m_ignored.end()) {
            if (frame)
                ++(it.value() ? m_skippedFrames : m_framesDropped);
            if (event.as<ClosedEvent>())
                m_ignored.erase(it);
            return true;
        }
    }
    if (!m_paused)
        return false;
    ConnectionRecord *r = m_byId.value(event.connectionId);
    if (!r) {
        // Not recorded: a connection that opens while paused stays out until
        // it closes, even after resuming (its record would lack the handshake).
        if (event.as<ConnectionOpenedEvent>()) {
            ++m_skippedConnections;
            if (m_ignored.size() >= MaxIgnored)
                m_ignored.clear(); // events of closes we never saw: do not grow
            m_ignored.insert(event.connectionId, true);
        } else if (frame) {
            ++m_skippedFrames;
        }
        return true;
    }
    if (frame) {
        ++m_skippedFrames;
        ++r->framesNotCaptured;
        markDirty(r);
        return true;
    }
    // Fragments are not kept; the rest (route, response, close...) keeps
    // the records already shown truthful.
    return event.as<FrameEvent>() != nullptr;
}

ConnectionRecord *ConnectionStore::recordFor(const InspectEvent &event)
{
    if (ConnectionRecord *r = m_byId.value(event.connectionId))
        return r;
    auto owned = std::make_unique<ConnectionRecord>(m_frameArena.get());
    ConnectionRecord *r = owned.get();
    r->id = event.connectionId;
    r->row = qsizetype(m_records.size());
    r->openedNs = event.monotonicNs;
    r->openedWallMs = event.wallMs;
    r->anchorNs = event.monotonicNs;
    r->anchorWallMs = event.wallMs;
    m_records.push_back(std::move(owned));
    m_byId.insert(r->id, r);
    ++m_totalSeen;
    ++m_live;
    return r;
}

void ConnectionStore::markDirty(ConnectionRecord *r)
{
    if (!r->dirty) {
        r->dirty = true;
        m_changed.insert(r->id);
    }
}

UpstreamStats &ConnectionStore::statsFor(const ConnectionRecord &r)
{
    const QString key = statsKey(r.route->upstreamGroup, r.route->upstreamServer);
    auto it = m_upstreams.find(key);
    if (it == m_upstreams.end()) {
        UpstreamStats s;
        s.group = r.route->upstreamGroup;
        s.server = r.route->upstreamServer;
        it = m_upstreams.insert(key, s);
    }
    return *it;
}

ExchangeRecord &ConnectionStore::startExchange(ConnectionRecord *r, qint64 monotonicNs)
{
    ExchangeRecord x;
    x.seq = m_nextExchangeSeq++;
    x.startNs = monotonicNs;
    // A later request on the connection starts with the route of the one
    // before until its own route arrives.
    x.route = r->route;
    x.firstFrameSeq = r->frameEndSeq();
    r->exchanges.push_back(std::move(x));
    ++m_exchangesStored;
    return r->exchanges.back();
}

ExchangeRecord &ConnectionStore::currentExchange(ConnectionRecord *r, qint64 monotonicNs)
{
    // An event for a connection whose request was never seen (capture
    // started late, or its exchange was dropped) still gets an exchange.
    if (r->exchanges.empty())
        return startExchange(r, monotonicNs);
    return r->exchanges.back();
}

bool ConnectionStore::apply(const InspectEvent &event)
{
    // The message rate counts traffic, captured or not.
    if (isFrame(event))
        ++m_messagesSeen;
    if (skip(event))
        return false;
    ConnectionRecord *r = recordFor(event);
    r->lastWallMs = event.wallMs;
    r->lastNs = std::max(r->lastNs, event.monotonicNs);
    markDirty(r);
    const qint64 ns = event.monotonicNs;

    if (const auto *e = event.as<ConnectionOpenedEvent>()) {
        r->opened = *e;
        r->openedWallMs = event.wallMs;
        r->openedNs = ns;
    } else if (const auto *e = event.as<RequestHeadEvent>()) {
        if (!e->forwarded) {
            // A new request on the connection: keep-alive starts a new exchange.
            startExchange(r, ns).received = e->head;
            r->received = e->head;
        } else {
            ExchangeRecord &x = currentExchange(r, ns);
            x.forwarded = e->head;
            x.forwardedNs = ns;
            r->forwarded = e->head;
        }
    } else if (const auto *e = event.as<RouteEvent>()) {
        applyRoute(r, event, *e);
    } else if (const auto *e = event.as<ResponseHeadEvent>()) {
        ExchangeRecord &x = currentExchange(r, ns);
        x.response = *e;
        x.responseNs = ns;
        r->response = *e;
    } else if (const auto *e = event.as<TunnelEvent>()) {
        currentExchange(r, ns).tunnel = *e;
        r->tunnel = *e;
    } else if (const auto *e = event.as<MessageEvent>()) {
        applyMessage(r, event, *e);
    } else if (const auto *e = event.as<ControlFrameEvent>()) {
        applyControl(r, event, *e);
    } else if (const auto *e = event.as<ViolationEvent>()) {
        if (r->violations.size() < MaxViolations) {
            r->violations.append(*e);
            currentExchange(r, ns).violations.append(*e);
        }
    } else if (const auto *e = event.as<FindingEvent>()) {
        r->findings.append(*e);
        currentExchange(r, ns).findings.append(*e);
    } else if (const auto *e = event.as<ClosedEvent>()) {
        applyClosed(r, event, *e);
    } else if (const auto *e = event.as<HttpExchangeEvent>()) {
        ExchangeRecord &x = currentExchange(r, ns);
        x.result = *e;
        x.endNs = ns;
        x.finished = true;
        r->exchange = *e;
    }
    return true;
}

void ConnectionStore::applyRoute(ConnectionRecord *r, const InspectEvent &event, const RouteEvent &route)
{
    if (r->route && !r->closed) {
        UpstreamStats &old = statsFor(*r);
        old.live = std::max<qint64>(0, old.live - 1);
        ++old.failures; // the balancer moved on (proxy_next_upstream)
    }
    r->route = route;
    // The route belongs to the request being routed.
    if (!r->exchanges.empty())
        r->exchanges.back().route = route;
    UpstreamStats &s = statsFor(*r);
    ++s.total;
    ++s.live;
    RouteDecision d;
    d.connectionId = r->id;
    d.wallMs = event.wallMs;
    d.route = route;
    d.client = r->clientText();
    m_decisions.push_back(std::move(d));
    while (m_decisions.size() > MaxDecisions)
        m_decisions.pop_front();
}

QByteArray ConnectionStore::ownCopy(const QByteArray &payload, bool *truncated)
{
    // A copy of exactly the kept size in the frame arena (see the header);
    // the event's buffer goes with the batch.
    qsizetype size = payload.size();
    if (m_limits.maxPayloadBytes > 0 && size > m_limits.maxPayloadBytes) {
        size = m_limits.maxPayloadBytes;
        *truncated = true;
    }
    if (size == 0)
        return QByteArray();
    auto *bytes = static_cast<char *>(m_frameArena->allocate(size_t(size), 1));
    std::memcpy(bytes, payload.constData(), size_t(size));
    return QByteArray::fromRawData(bytes, size);
}

void ConnectionStore::addFrame(ConnectionRecord *r, const InspectEvent &event, FrameRecord f)
{
    // Frames belong to the exchange they arrive in (the upgrade's).
    currentExchange(r, event.monotonicNs);
    if (f.direction == Direction::ClientToUpstream) {
        ++r->framesUp;
        if (!r->closed)
            r->bytesUp += qint64(f.length);
    } else {
        ++r->framesDown;
        if (!r->closed)
            r->bytesDown += qint64(f.length);
    }
    f.monotonicNs = event.monotonicNs;
    f.wallMs = event.wallMs;
    const qint64 cost = frameCost(f);
    r->frameMemory += cost;
    m_frameMemory += cost;
    m_payloadBytes += f.payload.size();
    r->frames.push_back(std::move(f));
    ++m_framesStored;
}

void ConnectionStore::addPing(ConnectionRecord *r, const PingSample &s)
{
    r->pings.append(s);
    if (r->pings.size() > MaxPingSamples)
        r->pings.remove(0, r->pings.size() - MaxPingSamples + MaxPingSamples / 10);
    if (s.roundTripUs >= 0)
        r->lastRttUs = s.roundTripUs;
}

void ConnectionStore::applyMessage(ConnectionRecord *r, const InspectEvent &event, const MessageEvent &e)
{
    FrameRecord f;
    f.direction = e.direction;
    f.opcode = e.message.opcode;
    f.truncated = e.message.truncated;
    f.payload = ownCopy(e.message.preview, &f.truncated);
    f.length = e.message.totalLength;
    f.injected = e.injected;
    f.inflated = e.inflated;
    f.compressed = e.message.compressed;
    addFrame(r, event, std::move(f));
}

void ConnectionStore::applyControl(ConnectionRecord *r, const InspectEvent &event, const ControlFrameEvent &e)
{
    FrameRecord f;
    f.direction = e.direction;
    f.opcode = e.opcode;
    f.payload = ownCopy(e.payload, &f.truncated);
    f.length = quint64(e.payload.size());
    f.injected = e.injected;
    f.swallowed = e.swallowed;
    f.roundTripUs = e.roundTripUs;
    if (e.opcode == WsOpcode::Ping) {
        auto &open = r->openPings[directionIndex(e.direction)];
        if (open.size() > 64)
            open.clear(); // a peer that never answers: do not grow
        open.insert(e.payload, event.monotonicNs);
    } else if (e.opcode == WsOpcode::Pong) {
        const Direction pingDirection = opposite(e.direction);
        auto &open = r->openPings[directionIndex(pingDirection)];
        PingSample s;
        s.wallMs = event.wallMs;
        s.direction = pingDirection;
        if (e.roundTripUs >= 0) {
            s.roundTripUs = e.roundTripUs;
            s.proxy = true;
            open.remove(e.payload);
            addPing(r, s);
        } else if (auto it = open.find(e.payload); it != open.end()) {
            s.roundTripUs = std::max<qint64>(0, (event.monotonicNs - it.value()) / 1000);
            f.roundTripUs = s.roundTripUs;
            open.erase(it);
            addPing(r, s);
        }
    }
    addFrame(r, event, std::move(f));
}

void ConnectionStore::applyClosed(ConnectionRecord *r, const InspectEvent &event, const ClosedEvent &e)
{
    if (!r->closed) {
        ++m_closedCount;
        m_live = std::max<qint64>(0, m_live - 1);
        if (r->route) {
            UpstreamStats &s = statsFor(*r);
            s.live = std::max<qint64>(0, s.live - 1);
            if (e.cause == CloseCause::UpstreamFailure || e.cause == CloseCause::UpstreamError)
                ++s.failures;
        }
    }
    r->closed = e;
    r->closedWallMs = event.wallMs;
    // The exchange still running ends with the connection (a tunnel, or a
    // request that never got its response).
    if (!r->exchanges.empty() && !r->exchanges.back().finished) {
        ExchangeRecord &x = r->exchanges.back();
        x.endNs = event.monotonicNs;
        x.finished = true;
        x.endedByClose = true;
    }
    if (e.bytesFromClient > 0 || e.bytesFromUpstream > 0) {
        r->bytesUp = e.bytesFromClient;
        r->bytesDown = e.bytesFromUpstream;
    }
    if (e.cause == CloseCause::PingTimeout) {
        PingSample s;
        s.wallMs = event.wallMs;
        s.proxy = true;
        addPing(r, s);
    }
    r->openPings[0].clear();
    r->openPings[1].clear();
}

void ConnectionStore::trimFrames(ConnectionRecord *r, qsizetype count)
{
    count = std::min<qsizetype>(count, qsizetype(r->frames.size()));
    if (count <= 0)
        return;
    emit framesAboutToBeTrimmed(r->id, int(count));
    qint64 freed = 0;
    qint64 bytes = 0;
    for (auto it = r->frames.cbegin(), end = r->frames.cbegin() + count; it != end; ++it) {
        freed += frameCost(*it);
        bytes += it->payload.size();
    }
    releasePayloads(r, count);
    r->frames.erase(r->frames.begin(), r->frames.begin() + count);
    r->frameBaseSeq += quint64(count);
    r->framesDropped += quint64(count);
    r->frameMemory -= freed;
    m_frameMemory -= freed;
    m_payloadBytes -= bytes;
    m_payloadBytesDropped += bytes;
    m_framesStored -= count;
    m_framesDropped += count;
    emit framesTrimmed(r->id, int(count));
    markDirty(r);
}

void ConnectionStore::releasePayloads(ConnectionRecord *r, qsizetype count)
{
    for (auto it = r->frames.begin(), end = r->frames.begin() + count; it != end; ++it) {
        if (!it->payload.isEmpty())
            m_frameArena->deallocate(const_cast<char *>(it->payload.constData()), size_t(it->payload.size()), 1);
    }
}

void ConnectionStore::enforceLimits()
{
    enforceFrameCaps();
    enforceExchangeCap();
    enforceConnectionCaps();
}

void ConnectionStore::enforceFrameCaps()
{
    // Per connection: down to the cap at every call, so each call trims
    // about what arrived since the last one (a few frames, never a pile).
    const int perConnection = m_limits.maxFramesPerConnection;
    const QSet<quint64> changed = m_changed;
    for (quint64 id : changed) {
        ConnectionRecord *r = m_byId.value(id);
        if (r && qsizetype(r->frames.size()) > perConnection)
            trimFrames(r, qsizetype(r->frames.size()) - perConnection);
    }
    // In total (count and memory): the oldest connections give up their
    // frames first, down to 99% of the caps.
    const qint64 maxFrames = m_limits.maxFramesTotal;
    const qint64 maxMemory = m_limits.maxFrameMemory;
    if (m_framesStored <= maxFrames && m_frameMemory <= maxMemory)
        return;
    const qint64 frameTarget = maxFrames - maxFrames / 100;
    const qint64 memoryTarget = maxMemory - maxMemory / 100;
    for (auto &owned : m_records) {
        if (m_framesStored <= frameTarget && m_frameMemory <= memoryTarget)
            break;
        ConnectionRecord *r = owned.get();
        qsizetype count = 0;
        qint64 freed = 0;
        const qsizetype size = qsizetype(r->frames.size());
        while (count < size && (m_framesStored - count > frameTarget || m_frameMemory - freed > memoryTarget))
            freed += frameCost(r->frames[size_t(count++)]);
        trimFrames(r, count);
    }
}

void ConnectionStore::dropOldestExchange(ConnectionRecord *r)
{
    // Its frames go with it.
    const quint64 frameEnd = r->exchangeFrameEnd(0);
    if (frameEnd > r->frameBaseSeq)
        trimFrames(r, qsizetype(frameEnd - r->frameBaseSeq));
    r->exchanges.pop_front();
    ++r->exchangesDropped;
    --m_exchangesStored;
    ++m_exchangesDropped;
    markDirty(r);
}

void ConnectionStore::enforceExchangeCap()
{
    const qint64 max = std::max(1, m_limits.maxExchanges);
    if (m_exchangesStored <= max)
        return;
    // Down to 90% of the cap, the oldest connections first: their earlier
    // exchanges in a first pass (a connection's latest is what its row
    // shows), then any finished one. An exchange still running stays.
    const qint64 target = std::max<qint64>(1, max - max / 10);
    for (const size_t keep : {size_t(1), size_t(0)}) {
        for (auto &owned : m_records) {
            ConnectionRecord *r = owned.get();
            while (m_exchangesStored > target && r->exchanges.size() > keep && r->exchanges.front().finished)
                dropOldestExchange(r);
            if (m_exchangesStored <= target)
                return;
        }
    }
}

void ConnectionStore::forget(ConnectionRecord *r)
{
    qint64 bytes = 0;
    for (const FrameRecord &f : r->frames)
        bytes += f.payload.size();
    releasePayloads(r, qsizetype(r->frames.size()));
    m_framesStored -= qint64(r->frames.size());
    m_framesRemoved += qint64(r->frames.size());
    m_frameMemory -= r->frameMemory;
    m_payloadBytes -= bytes;
    m_payloadBytesDropped += bytes;
    m_exchangesStored -= qint64(r->exchanges.size());
    m_exchangesDropped += qint64(r->exchanges.size());
    if (r->closed) {
        --m_closedCount;
    } else {
        m_live = std::max<qint64>(0, m_live - 1);
        if (r->route) {
            UpstreamStats &s = statsFor(*r);
            s.live = std::max<qint64>(0, s.live - 1);
        }
        // Evicted while open: its later events would make a record
        // without its handshake; they are dropped until it closes.
        if (m_ignored.size() >= MaxIgnored)
            m_ignored.clear();
        m_ignored.insert(r->id, false);
    }
    m_byId.remove(r->id);
    m_changed.remove(r->id);
    ++m_removed;
}

void ConnectionStore::removeRecords(const QList<qsizetype> &positions)
{
    if (positions.isEmpty())
        return;
    for (qsizetype p : positions)
        emit connectionAboutToBeRemoved(m_records[size_t(p)]->id);
    // Contiguous runs, from the back so the positions in front stay valid.
    qsizetype end = positions.size();
    while (end > 0) {
        qsizetype begin = end - 1;
        while (begin > 0 && positions.at(begin - 1) == positions.at(begin) - 1)
            --begin;
        const qsizetype first = positions.at(begin);
        const qsizetype last = positions.at(end - 1);
        emit recordsAboutToBeRemoved(first, last);
        for (qsizetype i = first; i <= last; ++i)
            forget(m_records[size_t(i)].get());
        m_records.erase(m_records.begin() + first, m_records.begin() + last + 1);
        emit recordsRemoved(first, last);
        end = begin;
    }
    for (qsizetype i = positions.constFirst(); i < qsizetype(m_records.size()); ++i)
        m_records[size_t(i)]->row = i;
}

void ConnectionStore::enforceConnectionCaps()
{
    // Closed connections beyond their cap, and all connections beyond the
    // hard cap (closed ones first), go in batches of a tenth of the cap.
    const qint64 maxClosed = m_limits.maxClosedConnections;
    const qint64 maxAll = m_limits.maxConnections;
    const qsizetype size = qsizetype(m_records.size());
    const qsizetype closedExcess = m_closedCount > maxClosed ? m_closedCount - (maxClosed - maxClosed / 10) : 0;
    const qsizetype totalExcess = size > maxAll ? size - (maxAll - maxAll / 10) : 0;
    if (closedExcess == 0 && totalExcess == 0)
        return;
    qsizetype closedToGo = std::max(closedExcess, std::min<qsizetype>(totalExcess, m_closedCount));
    qsizetype openToGo = std::max<qsizetype>(0, totalExcess - closedToGo);
    QList<qsizetype> positions;
    positions.reserve(closedToGo + openToGo);
    for (qsizetype i = 0; i < size && (closedToGo > 0 || openToGo > 0); ++i) {
        const bool closed = m_records[size_t(i)]->closed.has_value();
        if (closed && closedToGo > 0) {
            positions << i;
            --closedToGo;
        } else if (!closed && openToGo > 0) {
            positions << i;
            --openToGo;
        }
    }
    removeRecords(positions);
}

void ConnectionStore::clear()
{
    for (const auto &r : m_records)
        emit connectionAboutToBeRemoved(r->id);
    m_removed += qint64(m_records.size());
    m_records.clear();
    m_frameArena->release(); // every frame went with its record
    m_byId.clear();
    m_changed.clear();
    m_framesStored = 0;
    m_frameMemory = 0;
    m_payloadBytes = 0;
    m_exchangesStored = 0;
    m_closedCount = 0;
    m_live = 0;
    m_skippedConnections = 0;
    m_skippedFrames = 0;
    m_upstreams.clear();
    m_decisions.clear();
}
