#pragma once

#include "inspect/connectionrecord.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QObject>
#include <QSet>

#include <deque>
#include <memory>
#include <memory_resource>

// Per upstream server, computed from route and close events.
struct UpstreamStats
{
    QString group;
    QString server;
    qint64 live = 0;
    qint64 total = 0;
    qint64 failures = 0;
};

struct RouteDecision
{
    quint64 connectionId = 0;
    qint64 wallMs = 0;
    RouteEvent route;
    QString client;
};

// What a store may hold. Every cap is applied by enforceLimits(), so the
// work is spread over the calls instead of piling up into one long trim.
struct ConnectionStoreLimits
{
    int maxConnections = 20'000;            // all connections (open ones go only when this is hit)
    int maxClosedConnections = 5'000;       // closed ones, the oldest go first
    int maxFramesPerConnection = 50'000;
    qint64 maxFramesTotal = 1'000'000;
    qint64 maxFrameMemory = qint64(192) << 20; // frameCost() summed over the kept frames
    int maxExchanges = 50'000;              // over all connections; the oldest finished go first
    int maxPayloadBytes = 0;                // kept per frame (0: the whole preview as it came)
};

// The one reducer of the inspection event stream: per connection its every
// exchange (each keep-alive request and response with its own times), its
// frames, its close and its figures, bounded. The GUI's models are views
// over a store; CaptureWriter builds its HAR from one, so both see the same
// thing.
//
// Bounds (enforceLimits()):
//  - frames per connection, frames in total and an estimate of the bytes the
//    frames hold: the oldest frames go first (counted in framesDropped);
//  - exchanges in total: the oldest finished ones go first, a connection's
//    latest one last (it is what the connection list shows);
//  - closed connections kept: the oldest closed ones go, in batches of a
//    tenth of the cap; open connections stay unless the hard cap on all
//    connections is reached. A connection evicted while open is not
//    recorded again until it closes (its rows would lack the handshake).
//
// Pause stops capture, like the record button of Chrome DevTools: while
// paused, new connections and frames are not recorded (only counted);
// connections already recorded still get their route, response and close,
// so none shows "open" forever. Connections first seen while paused stay out
// after resuming.
//
// Not thread-safe: feed it from one thread. Headless (Qt Core), so captures
// and tests use it without a GUI; the signals let views follow removals.
class ConnectionStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionStore)

public:
    static constexpr int MaxPingSamples = 2'000;
    static constexpr int MaxDecisions = 50;
    static constexpr int MaxViolations = 100;        // per connection
    static constexpr qsizetype MaxIgnored = 100'000;

    explicit ConnectionStore(QObject *parent = nullptr);
    ~ConnectionStore() override;

    // Reduces one event. Returns false when it was not recorded (paused,
    // or its connection is not kept).
    bool apply(const InspectEvent &event);
    void enforceLimits();
    void clear();

    // Connections changed since the last takeChanged().
    const QSet<quint64> &changed() const { return m_changed; }
    QSet<quint64> takeChanged();

    void setPaused(bool paused); // the skipped counts restart at each pause
    bool isPaused() const { return m_paused; }
    qint64 skippedConnections() const { return m_skippedConnections; }
    qint64 skippedFrames() const { return m_skippedFrames; }

    void setLimits(const ConnectionStoreLimits &limits) { m_limits = limits; }
    const ConnectionStoreLimits &limits() const { return m_limits; }

    // Records in arrival order; a record's `row` is its position.
    qsizetype size() const { return qsizetype(m_records.size()); }
    const ConnectionRecord *at(qsizetype position) const { return m_records[size_t(position)].get(); }
    const ConnectionRecord *record(quint64 id) const { return m_byId.value(id); }

    qint64 liveConnections() const { return m_live; }
    qint64 totalConnections() const { return m_totalSeen; }
    qint64 removedConnections() const { return m_removed; }
    qint64 closedConnections() const { return m_closedCount; }
    qint64 messagesSeen() const { return m_messagesSeen; } // captured or not
    qint64 framesStored() const { return m_framesStored; }
    qint64 frameMemory() const { return m_frameMemory; }
    qint64 payloadBytes() const { return m_payloadBytes; }
    qint64 framesDropped() const { return m_framesDropped; }   // trimmed off kept connections
    qint64 framesRemoved() const { return m_framesRemoved; }   // went with their connection
    qint64 payloadBytesDropped() const { return m_payloadBytesDropped; } // both of the above
    qint64 exchangesStored() const { return m_exchangesStored; }
    qint64 exchangesDropped() const { return m_exchangesDropped; } // alone or with their connection
    // What one frame costs in memory, as the memory cap counts it.
    static qint64 frameCost(const FrameRecord &frame);
    QList<UpstreamStats> upstreamStats() const { return m_upstreams.values(); }
    const std::deque<RouteDecision> &recentDecisions() const { return m_decisions; }

signals:
    // Frames of `id` are about to be / were trimmed off the front.
    void framesAboutToBeTrimmed(quint64 id, int count);
    void framesTrimmed(quint64 id, int count);
    // The connection's record is about to go (a cap or clear()).
    void connectionAboutToBeRemoved(quint64 id);
    // The records at positions [first, last] are about to go / went.
    void recordsAboutToBeRemoved(qsizetype first, qsizetype last);
    void recordsRemoved(qsizetype first, qsizetype last);

private:
    bool skip(const InspectEvent &event);
    ConnectionRecord *recordFor(const InspectEvent &event);
    void markDirty(ConnectionRecord *r);
    ExchangeRecord &startExchange(ConnectionRecord *r, qint64 monotonicNs);
    ExchangeRecord &currentExchange(ConnectionRecord *r, qint64 monotonicNs);
    void applyRoute(ConnectionRecord *r, const InspectEvent &event, const RouteEvent &route);
    void applyMessage(ConnectionRecord *r, const InspectEvent &event, const MessageEvent &message);
    void applyControl(ConnectionRecord *r, const InspectEvent &event, const ControlFrameEvent &control);
    void applyClosed(ConnectionRecord *r, const InspectEvent &event, const ClosedEvent &closed);
    void addFrame(ConnectionRecord *r, const InspectEvent &event, FrameRecord frame);
    void addPing(ConnectionRecord *r, const PingSample &sample);
    QByteArray ownCopy(const QByteArray &payload, bool *truncated);
    void trimFrames(ConnectionRecord *r, qsizetype count);
    void releasePayloads(ConnectionRecord *r, qsizetype count);
    void dropOldestExchange(ConnectionRecord *r);
    void enforceFrameCaps();
    void enforceExchangeCap();
    void enforceConnectionCaps();
    // Removes the records at these positions (ascending), runs at a time.
    void removeRecords(const QList<qsizetype> &positions);
    void forget(ConnectionRecord *r);
    UpstreamStats &statsFor(const ConnectionRecord &r);

    ConnectionStoreLimits m_limits;
    // Frames and their payloads live in this arena, not in the general heap:
    // they are long-lived and go oldest first, while the event batches they
    // come from are short-lived and freed by another thread's allocator.
    // Mixed in one heap they fragment it and RSS creeps although the frame
    // count is flat; in a pool of their own, freed blocks are reused for the
    // next frames of the same size. Declared before the records, so it
    // outlives them.
    std::unique_ptr<std::pmr::unsynchronized_pool_resource> m_frameArena;
    std::deque<std::unique_ptr<ConnectionRecord>> m_records;
    QHash<quint64, ConnectionRecord *> m_byId;
    QSet<quint64> m_changed;
    // Connections not recorded until they close: opened while paused, or
    // evicted while open. The value says why: true paused, false evicted.
    QHash<quint64, bool> m_ignored;
    bool m_paused = false;
    qint64 m_skippedConnections = 0;
    qint64 m_skippedFrames = 0;
    qint64 m_framesStored = 0;
    qint64 m_frameMemory = 0;
    qint64 m_payloadBytes = 0;
    qint64 m_framesDropped = 0;
    qint64 m_framesRemoved = 0;
    qint64 m_payloadBytesDropped = 0;
    qint64 m_exchangesStored = 0;
    qint64 m_exchangesDropped = 0;
    quint64 m_nextExchangeSeq = 1;
    qint64 m_closedCount = 0;
    qint64 m_live = 0;
    qint64 m_totalSeen = 0;
    qint64 m_removed = 0;
    qint64 m_messagesSeen = 0;
    QMap<QString, UpstreamStats> m_upstreams; // "group\nserver"
    std::deque<RouteDecision> m_decisions;
};
