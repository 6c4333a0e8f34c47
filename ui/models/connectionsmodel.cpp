#include "connectionsmodel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QTimer>

#include <cstring>

namespace {

constexpr int directionIndex(Direction d) { return d == Direction::ClientToUpstream ? 0 : 1; }
constexpr Direction opposite(Direction d)
{
    return d == Direction::ClientToUpstream ? Direction::UpstreamToClient : Direction::ClientToUpstream;
}

QString statsKey(const QString &group, const QString &server) { return group + QLatin1Char('\n') + server; }

QString formatBytes(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString formatDuration(qint64 ms)
{
    if (ms < 1000)
        return ConnectionsModel::tr("%1 ms").arg(ms);
    const qint64 s = ms / 1000;
    if (s < 60)
        return ConnectionsModel::tr("%1 s").arg(s);
    if (s < 3600)
        return ConnectionsModel::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return ConnectionsModel::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

} // namespace

ConnectionsModel::ConnectionsModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_frameArena(std::make_unique<std::pmr::unsynchronized_pool_resource>())
    , m_flushTimer(new QTimer(this))
{
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(100);
    connect(m_flushTimer, &QTimer::timeout, this, &ConnectionsModel::show);
    m_ingestTimer = new QTimer(this);
    m_ingestTimer->setSingleShot(true);
    m_ingestTimer->setInterval(0);
    connect(m_ingestTimer, &QTimer::timeout, this, [this] { ingest(true); });
    m_tickTimer = new QTimer(this);
    m_tickTimer->setSingleShot(true);
    m_tickTimer->setInterval(1000);
    connect(m_tickTimer, &QTimer::timeout, this, &ConnectionsModel::scheduleFlush);
    m_ageRefresh.start();
}

ConnectionsModel::~ConnectionsModel() = default;

void ConnectionsModel::setFlushInterval(int ms)
{
    m_flushTimer->setInterval(ms);
}

int ConnectionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_visible);
}

int ConnectionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const ConnectionRecord *ConnectionsModel::recordAt(int row) const
{
    if (row < 0 || row >= m_visible)
        return nullptr;
    return m_records[size_t(row)].get();
}

const ConnectionRecord *ConnectionsModel::record(quint64 id) const
{
    return m_byId.value(id);
}

int ConnectionsModel::rowOf(quint64 id) const
{
    const ConnectionRecord *r = m_byId.value(id);
    if (!r)
        return -1;
    return r->row < m_visible ? int(r->row) : -1;
}

qint64 ConnectionsModel::frameCost(const FrameRecord &frame)
{
    // The record in its deque block and the payload in the arena (whose
    // pools hand out blocks in steps of 8 bytes or more).
    return qint64(sizeof(FrameRecord)) + ((qint64(frame.payload.size()) + 7) & ~qint64(7));
}

QString ConnectionsModel::causeText(CloseCause cause)
{
    switch (cause) {
    case CloseCause::None: return {};
    case CloseCause::ClientClosed: return tr("client closed");
    case CloseCause::UpstreamClosed: return tr("upstream closed");
    case CloseCause::ClientError: return tr("client error");
    case CloseCause::UpstreamError: return tr("upstream error");
    case CloseCause::ReadTimeout: return tr("read timeout");
    case CloseCause::SendTimeout: return tr("send timeout");
    case CloseCause::HeaderTimeout: return tr("header timeout");
    case CloseCause::KeepaliveTimeout: return tr("keep-alive timeout");
    case CloseCause::BadRequest: return tr("bad request");
    case CloseCause::UpstreamFailure: return tr("upstream failure");
    case CloseCause::Drain: return tr("shutdown drain");
    case CloseCause::PingTimeout: return tr("ping timeout");
    case CloseCause::ProtocolError: return tr("protocol error");
    case CloseCause::Injected: return tr("closed from the inspector");
    case CloseCause::Completed: return tr("completed");
    case CloseCause::TlsError: return tr("TLS handshake failed");
    }
    return {};
}

QString ConnectionsModel::stateText(ConnectionRecord::State state) const
{
    switch (state) {
    case ConnectionRecord::State::Connecting: return tr("connecting");
    case ConnectionRecord::State::Routed: return tr("routed");
    case ConnectionRecord::State::Open: return tr("open");
    case ConnectionRecord::State::Http: return tr("HTTP");
    case ConnectionRecord::State::Closed: return tr("closed");
    case ConnectionRecord::State::Failed: return tr("failed");
    }
    return {};
}

QString ConnectionsModel::closeText(const ConnectionRecord &r) const
{
    if (!r.closed)
        return {};
    QString code;
    const auto &frame = r.closed->clientClose ? r.closed->clientClose : r.closed->upstreamClose;
    if (frame && frame->code)
        code = QString::number(*frame->code) + QLatin1Char(' ');
    return code + causeText(r.closed->cause);
}

QVariant ConnectionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConnectionRecord &r = *m_records[size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case ColId: return QString::number(r.id);
        case ColClient: return r.clientText();
        case ColPath: return r.pathText();
        case ColUpstream: return r.upstreamText();
        case ColState: {
            QString text = stateText(r.state());
            if (r.response && r.response->head.status != 101)
                text += QLatin1Char(' ') + QString::number(r.response->head.status);
            return text;
        }
        case ColAge: {
            const qint64 end = r.closed ? r.closedWallMs : QDateTime::currentMSecsSinceEpoch();
            return formatDuration(std::max<qint64>(0, end - r.openedWallMs));
        }
        case ColFramesUp: return QLocale().toString(r.framesUp);
        case ColFramesDown: return QLocale().toString(r.framesDown);
        case ColBytesUp: return formatBytes(r.bytesUp);
        case ColBytesDown: return formatBytes(r.bytesDown);
        case ColRtt:
            return r.lastRttUs < 0 ? QString() : tr("%1 ms").arg(double(r.lastRttUs) / 1000.0, 0, 'f', 2);
        case ColClose: return closeText(r);
        }
        return {};
    case Qt::ToolTipRole:
        if (column == ColClose && r.closed && !r.closed->detail.isEmpty())
            return r.closed->detail;
        if (!r.violations.isEmpty())
            return r.violations.constFirst().violation.text;
        return {};
    case Qt::ForegroundRole:
        if (r.hasError())
            return QBrush(QColor(0xc0, 0x1c, 0x28));
        if (r.closed)
            return QBrush(QColor(0x77, 0x77, 0x77));
        return {};
    case Qt::TextAlignmentRole:
        if (column == ColId || (column >= ColAge && column <= ColRtt))
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case ConnectionIdRole: return QVariant::fromValue(r.id);
    case HasErrorRole: return r.hasError();
    case SortRole:
        switch (column) {
        case ColId: return QVariant::fromValue(r.id);
        case ColAge: return r.openedWallMs;
        case ColFramesUp: return r.framesUp;
        case ColFramesDown: return r.framesDown;
        case ColBytesUp: return r.bytesUp;
        case ColBytesDown: return r.bytesDown;
        case ColRtt: return r.lastRttUs;
        default: return data(index, Qt::DisplayRole);
        }
    default: return {};
    }
}

QVariant ConnectionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ColFramesUp: return tr("Frames from the client to the upstream");
        case ColFramesDown: return tr("Frames from the upstream to the client");
        case ColBytesUp: return tr("Payload bytes from the client (wire bytes once closed)");
        case ColBytesDown: return tr("Payload bytes from the upstream (wire bytes once closed)");
        case ColRtt: return tr("Last ping round trip");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ColId: return tr("#");
    case ColClient: return tr("Client");
    case ColPath: return tr("Path");
    case ColUpstream: return tr("Upstream");
    case ColState: return tr("State");
    case ColAge: return tr("Age");
    case ColFramesUp: return tr("Frames ↑");
    case ColFramesDown: return tr("Frames ↓");
    case ColBytesUp: return tr("Bytes ↑");
    case ColBytesDown: return tr("Bytes ↓");
    case ColRtt: return tr("Ping RTT");
    case ColClose: return tr("Close");
    }
    return {};
}

void ConnectionsModel::addEvents(const QList<InspectEvent> &batch)
{
    if (batch.isEmpty())
        return;
    m_queue.push_back(batch); // shared, not copied
    m_queuedEvents += batch.size();
    // Too far behind: the oldest waiting batches go (counted), so memory
    // stays bounded even when the window cannot keep up for long.
    while (m_queuedEvents > MaxQueuedEvents && m_queue.size() > 1) {
        const qint64 left = m_queue.front().size() - m_queuePos;
        m_eventsDropped += left;
        m_queuedEvents -= left;
        m_queue.pop_front();
        m_queuePos = 0;
    }
    if (m_queue.size() == 1)
        ingest(true); // otherwise the zero timer is already on its way
}

void ConnectionsModel::ingest(bool budgeted)
{
    QElapsedTimer clock;
    clock.start();
    int sinceCheck = 0;
    while (!m_queue.empty()) {
        const QList<InspectEvent> &batch = m_queue.front();
        while (m_queuePos < batch.size()) {
            const InspectEvent &event = batch.at(m_queuePos++);
            --m_queuedEvents;
            // The message rate counts traffic, captured or not.
            if (event.as<MessageEvent>() || event.as<ControlFrameEvent>())
                ++m_messagesSeen;
            if (!skip(event))
                apply(event);
            if (budgeted && ++sinceCheck == 256) {
                sinceCheck = 0;
                if (clock.elapsed() >= IngestSliceMs) {
                    if (!m_changed.isEmpty())
                        scheduleFlush();
                    m_ingestTimer->start(); // the rest after other events had their turn
                    return;
                }
            }
        }
        m_queue.pop_front();
        m_queuePos = 0;
    }
    if (!m_changed.isEmpty())
        scheduleFlush();
}

bool ConnectionsModel::skip(const InspectEvent &event)
{
    const bool frame = event.as<MessageEvent>() || event.as<ControlFrameEvent>();
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
        // No row for it: a connection that opens while paused stays out until
        // it closes, even after resuming (its rows would lack the handshake).
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
    // Fragments are not shown; the rest (route, response, close...) keeps
    // the rows already shown truthful.
    return event.as<FrameEvent>() != nullptr;
}

void ConnectionsModel::scheduleFlush()
{
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

ConnectionRecord *ConnectionsModel::recordFor(const InspectEvent &event)
{
    if (ConnectionRecord *r = m_byId.value(event.connectionId))
        return r;
    auto owned = std::make_unique<ConnectionRecord>(m_frameArena.get());
    ConnectionRecord *r = owned.get();
    r->id = event.connectionId;
    r->row = qsizetype(m_records.size());
    r->openedNs = event.monotonicNs;
    r->openedWallMs = event.wallMs;
    m_records.push_back(std::move(owned));
    m_byId.insert(r->id, r);
    ++m_totalSeen;
    ++m_live;
    return r;
}

void ConnectionsModel::markDirty(ConnectionRecord *r)
{
    if (!r->dirty) {
        r->dirty = true;
        m_changed.insert(r->id);
    }
}

UpstreamStats &ConnectionsModel::statsFor(const ConnectionRecord &r)
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

void ConnectionsModel::apply(const InspectEvent &event)
{
    ConnectionRecord *r = recordFor(event);
    r->lastWallMs = event.wallMs;
    markDirty(r);

    auto addFrame = [&](FrameRecord f) {
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
        r->frames.push_back(std::move(f));
        ++m_framesStored;
    };
    // A copy of exactly the payload's size in the frame arena (see the
    // header); the event's buffer goes with the batch.
    auto ownCopy = [this](const QByteArray &payload) {
        if (payload.isEmpty())
            return QByteArray();
        auto *bytes = static_cast<char *>(m_frameArena->allocate(size_t(payload.size()), 1));
        std::memcpy(bytes, payload.constData(), size_t(payload.size()));
        return QByteArray::fromRawData(bytes, payload.size());
    };
    auto addPing = [&](PingSample s) {
        r->pings.append(s);
        if (r->pings.size() > MaxPingSamples)
            r->pings.remove(0, r->pings.size() - MaxPingSamples + MaxPingSamples / 10);
        if (s.roundTripUs >= 0)
            r->lastRttUs = s.roundTripUs;
    };

    if (const auto *e = event.as<ConnectionOpenedEvent>()) {
        r->opened = *e;
        r->openedWallMs = event.wallMs;
        r->openedNs = event.monotonicNs;
    } else if (const auto *e = event.as<RequestHeadEvent>()) {
        (e->forwarded ? r->forwarded : r->received) = e->head;
    } else if (const auto *e = event.as<RouteEvent>()) {
        if (r->route && !r->closed) {
            UpstreamStats &old = statsFor(*r);
            old.live = std::max<qint64>(0, old.live - 1);
            ++old.failures; // the balancer moved on (proxy_next_upstream)
        }
        r->route = *e;
        UpstreamStats &s = statsFor(*r);
        ++s.total;
        ++s.live;
        RouteDecision d;
        d.connectionId = r->id;
        d.wallMs = event.wallMs;
        d.route = *e;
        d.client = r->clientText();
        m_decisions.push_back(std::move(d));
        while (m_decisions.size() > MaxDecisions)
            m_decisions.pop_front();
    } else if (const auto *e = event.as<ResponseHeadEvent>()) {
        r->response = *e;
    } else if (const auto *e = event.as<TunnelEvent>()) {
        r->tunnel = *e;
    } else if (const auto *e = event.as<MessageEvent>()) {
        FrameRecord f;
        f.direction = e->direction;
        f.opcode = e->message.opcode;
        f.payload = ownCopy(e->message.preview);
        f.length = e->message.totalLength;
        f.injected = e->injected;
        f.inflated = e->inflated;
        f.truncated = e->message.truncated;
        f.compressed = e->message.compressed;
        addFrame(std::move(f));
    } else if (const auto *e = event.as<ControlFrameEvent>()) {
        FrameRecord f;
        f.direction = e->direction;
        f.opcode = e->opcode;
        f.payload = ownCopy(e->payload);
        f.length = quint64(e->payload.size());
        f.injected = e->injected;
        f.swallowed = e->swallowed;
        f.roundTripUs = e->roundTripUs;
        if (e->opcode == WsOpcode::Ping) {
            auto &open = r->openPings[directionIndex(e->direction)];
            if (open.size() > 64)
                open.clear(); // a peer that never answers: do not grow
            open.insert(e->payload, event.monotonicNs);
        } else if (e->opcode == WsOpcode::Pong) {
            const Direction pingDirection = opposite(e->direction);
            auto &open = r->openPings[directionIndex(pingDirection)];
            PingSample s;
            s.wallMs = event.wallMs;
            s.direction = pingDirection;
            if (e->roundTripUs >= 0) {
                s.roundTripUs = e->roundTripUs;
                s.proxy = true;
                open.remove(e->payload);
                addPing(s);
            } else if (auto it = open.find(e->payload); it != open.end()) {
                s.roundTripUs = std::max<qint64>(0, (event.monotonicNs - it.value()) / 1000);
                f.roundTripUs = s.roundTripUs;
                open.erase(it);
                addPing(s);
            }
        }
        addFrame(std::move(f));
    } else if (const auto *e = event.as<ViolationEvent>()) {
        if (r->violations.size() < 100)
            r->violations.append(*e);
    } else if (const auto *e = event.as<FindingEvent>()) {
        r->findings.append(*e);
    } else if (const auto *e = event.as<ClosedEvent>()) {
        if (!r->closed) {
            ++m_closedCount;
            m_live = std::max<qint64>(0, m_live - 1);
            if (r->route) {
                UpstreamStats &s = statsFor(*r);
                s.live = std::max<qint64>(0, s.live - 1);
                if (e->cause == CloseCause::UpstreamFailure || e->cause == CloseCause::UpstreamError)
                    ++s.failures;
            }
        }
        r->closed = *e;
        r->closedWallMs = event.wallMs;
        if (e->bytesFromClient > 0 || e->bytesFromUpstream > 0) {
            r->bytesUp = e->bytesFromClient;
            r->bytesDown = e->bytesFromUpstream;
        }
        if (e->cause == CloseCause::PingTimeout) {
            PingSample s;
            s.wallMs = event.wallMs;
            s.proxy = true;
            addPing(s);
        }
        r->openPings[0].clear();
        r->openPings[1].clear();
    } else if (const auto *e = event.as<HttpExchangeEvent>()) {
        r->exchange = *e;
    }
}

void ConnectionsModel::trimFrames(ConnectionRecord *r, qsizetype count)
{
    count = std::min<qsizetype>(count, qsizetype(r->frames.size()));
    if (count <= 0)
        return;
    emit framesAboutToBeTrimmed(r->id, int(count));
    qint64 freed = 0;
    for (auto it = r->frames.cbegin(), end = r->frames.cbegin() + count; it != end; ++it)
        freed += frameCost(*it);
    releasePayloads(r, count);
    r->frames.erase(r->frames.begin(), r->frames.begin() + count);
    r->frameBaseSeq += quint64(count);
    r->framesDropped += quint64(count);
    r->frameMemory -= freed;
    m_frameMemory -= freed;
    m_framesStored -= count;
    m_framesDropped += count;
    emit framesTrimmed(r->id, int(count));
    markDirty(r);
}

void ConnectionsModel::releasePayloads(ConnectionRecord *r, qsizetype count)
{
    for (auto it = r->frames.begin(), end = r->frames.begin() + count; it != end; ++it) {
        if (!it->payload.isEmpty())
            m_frameArena->deallocate(const_cast<char *>(it->payload.constData()), size_t(it->payload.size()), 1);
    }
}

void ConnectionsModel::enforceFrameCaps()
{
    // Per connection: down to the cap at every flush, so each flush trims
    // about what arrived since the last one (a few frames, never a pile).
    const QSet<quint64> changed = m_changed;
    for (quint64 id : changed) {
        ConnectionRecord *r = m_byId.value(id);
        if (r && qsizetype(r->frames.size()) > m_maxFramesPerConnection)
            trimFrames(r, qsizetype(r->frames.size()) - m_maxFramesPerConnection);
    }
    // In total (count and memory): the oldest connections give up their
    // frames first, down to 99% of the caps.
    if (m_framesStored <= m_maxFramesTotal && m_frameMemory <= m_maxFrameMemory)
        return;
    const qint64 frameTarget = m_maxFramesTotal - m_maxFramesTotal / 100;
    const qint64 memoryTarget = m_maxFrameMemory - m_maxFrameMemory / 100;
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

void ConnectionsModel::removeRecords(const QList<qsizetype> &positions)
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
        const bool shown = first < m_visible;
        const qsizetype lastShown = std::min(last, m_visible - 1);
        if (shown)
            beginRemoveRows({}, int(first), int(lastShown));
        for (qsizetype i = first; i <= last; ++i) {
            ConnectionRecord *r = m_records[size_t(i)].get();
            releasePayloads(r, qsizetype(r->frames.size()));
            m_framesStored -= qint64(r->frames.size());
            m_frameMemory -= r->frameMemory;
            if (r->closed) {
                --m_closedCount;
            } else {
                m_live = std::max<qint64>(0, m_live - 1);
                if (r->route) {
                    UpstreamStats &s = statsFor(*r);
                    s.live = std::max<qint64>(0, s.live - 1);
                }
                // Evicted while open: its later events would make a row
                // without its handshake; they are dropped until it closes.
                if (m_ignored.size() >= MaxIgnored)
                    m_ignored.clear();
                m_ignored.insert(r->id, false);
            }
            m_byId.remove(r->id);
            m_changed.remove(r->id);
            ++m_removed;
        }
        m_records.erase(m_records.begin() + first, m_records.begin() + last + 1);
        if (shown) {
            m_visible -= lastShown - first + 1;
            endRemoveRows();
        }
        end = begin;
    }
    for (qsizetype i = positions.constFirst(); i < qsizetype(m_records.size()); ++i)
        m_records[size_t(i)]->row = i;
}

void ConnectionsModel::enforceConnectionCaps()
{
    // Closed connections beyond their cap, and all connections beyond the
    // hard cap (closed ones first), go in batches of a tenth of the cap.
    const qsizetype size = qsizetype(m_records.size());
    const qsizetype closedExcess = m_closedCount > m_maxClosedConnections
        ? m_closedCount - (m_maxClosedConnections - m_maxClosedConnections / 10)
        : 0;
    const qsizetype totalExcess = size > m_maxConnections ? size - (m_maxConnections - m_maxConnections / 10) : 0;
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

void ConnectionsModel::flush()
{
    m_ingestTimer->stop();
    ingest(false);
    show();
}

void ConnectionsModel::show()
{
    m_flushTimer->stop();
    enforceFrameCaps();
    enforceConnectionCaps();

    const qsizetype size = qsizetype(m_records.size());
    const qsizetype oldVisible = m_visible;
    if (size > m_visible) {
        beginInsertRows({}, int(m_visible), int(size - 1));
        m_visible = size;
        endInsertRows();
    }

    // One dataChanged over the changed rows that were already shown; once a
    // second another over the age column of the open rows only (closed rows'
    // ages are final).
    if (m_ageRefresh.elapsed() >= 1000 && oldVisible > 0) {
        m_ageRefresh.restart();
        qsizetype firstOpen = -1;
        qsizetype lastOpen = -1;
        for (qsizetype row = 0; row < oldVisible; ++row) {
            if (!m_records[size_t(row)]->closed) {
                firstOpen = firstOpen < 0 ? row : firstOpen;
                lastOpen = row;
            }
        }
        if (firstOpen >= 0)
            emit dataChanged(index(int(firstOpen), ColAge), index(int(lastOpen), ColAge), {Qt::DisplayRole});
    }
    qsizetype first = -1;
    qsizetype last = -1;
    for (quint64 id : std::as_const(m_changed)) {
        const ConnectionRecord *r = m_byId.value(id);
        if (!r || r->row >= oldVisible)
            continue;
        first = first < 0 ? r->row : std::min(first, r->row);
        last = std::max(last, r->row);
    }
    if (first >= 0)
        emit dataChanged(index(int(first), 0), index(int(last), ColumnCount - 1));

    const QSet<quint64> changed = std::exchange(m_changed, {});
    for (quint64 id : changed) {
        if (ConnectionRecord *r = m_byId.value(id))
            r->dirty = false;
    }
    emit flushed(changed);
    // Keep the age column moving while connections are open.
    if (m_live > 0 && !m_tickTimer->isActive())
        m_tickTimer->start();
}

void ConnectionsModel::clear()
{
    beginResetModel();
    for (const auto &r : m_records)
        emit connectionAboutToBeRemoved(r->id);
    m_removed += qint64(m_records.size());
    m_queue.clear(); // what was taken before the clear goes with it
    m_queuePos = 0;
    m_queuedEvents = 0;
    m_ingestTimer->stop();
    m_records.clear();
    m_frameArena->release(); // every frame went with its record
    m_byId.clear();
    m_changed.clear();
    m_visible = 0;
    m_framesStored = 0;
    m_frameMemory = 0;
    m_closedCount = 0;
    m_live = 0;
    m_skippedConnections = 0;
    m_skippedFrames = 0;
    m_upstreams.clear();
    m_decisions.clear();
    endResetModel();
}

void ConnectionsModel::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (paused) {
        m_skippedConnections = 0;
        m_skippedFrames = 0;
    }
}

void ConnectionsModel::setMaxConnections(int max)
{
    m_maxConnections = std::max(10, max);
}

void ConnectionsModel::setMaxClosedConnections(int max)
{
    m_maxClosedConnections = std::max(10, max);
}

void ConnectionsModel::setMaxFramesPerConnection(int max)
{
    m_maxFramesPerConnection = std::max(10, max);
}

void ConnectionsModel::setMaxFramesTotal(qint64 max)
{
    m_maxFramesTotal = std::max<qint64>(100, max);
}

void ConnectionsModel::setMaxFrameMemory(qint64 bytes)
{
    m_maxFrameMemory = std::max<qint64>(qint64(1) << 20, bytes);
}
