#pragma once

#include "connectionrecord.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMap>
#include <QSet>

#include <deque>
#include <memory>
#include <memory_resource>

class QTimer;

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

// One row per connection, built from the event stream.
//
// Live data the way STYLE.md asks: addEvents() only updates records and
// appends new ones to the pending tail; one flush per ~100 ms (scheduled by
// the first change) inserts the whole tail with one beginInsertRows, emits
// one dataChanged over the changed rows, and applies the history caps.
// Strings are built in data().
//
// Memory is bounded by caps, all applied at each flush (so the work is spread
// over flushes instead of piling up into one long trim):
//  - frames per connection, frames in total and an estimate of the bytes the
//    frames hold: the oldest frames go first (counted in framesDropped, which
//    the frames view shows as "N older frames dropped");
//  - closed connections kept: the oldest closed ones go, in batches of a
//    tenth of the cap; open connections stay unless the hard cap on all
//    connections is reached.
//
// Pause stops capture, like the record button of Chrome DevTools: while
// paused, new connections and frames are not recorded (only counted); rows
// already shown stay and still get their close, so none shows "open"
// forever. Connections first seen while paused stay out after resuming.
//
// The model also keeps each connection's frames; FramesModel shows them and
// follows the trim signals.
class ConnectionsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionsModel)

public:
    enum Column {
        ColId,
        ColClient,
        ColPath,
        ColUpstream,
        ColState,
        ColAge,
        ColFramesUp,
        ColFramesDown,
        ColBytesUp,
        ColBytesDown,
        ColRtt,
        ColClose,
        ColumnCount
    };
    enum Role { ConnectionIdRole = Qt::UserRole + 1, HasErrorRole, SortRole };

    static constexpr int DefaultMaxConnections = 20'000;
    static constexpr int DefaultMaxClosedConnections = 5'000;
    static constexpr int DefaultMaxFramesPerConnection = 50'000;
    static constexpr qint64 DefaultMaxFramesTotal = 1'000'000;
    static constexpr qint64 DefaultMaxFrameMemory = qint64(192) << 20;
    static constexpr int MaxPingSamples = 2'000;
    static constexpr int MaxDecisions = 50;
    static constexpr qsizetype MaxIgnored = 100'000;
    static constexpr int IngestSliceMs = 8;
    static constexpr qint64 MaxQueuedEvents = 500'000;

    explicit ConnectionsModel(QObject *parent = nullptr);
    ~ConnectionsModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Takes a batch. It is applied in slices of about IngestSliceMs, so a
    // large batch (after the window was busy) never holds the event loop for
    // long: the rest continues from a zero timer, in order. At most
    // MaxQueuedEvents wait; beyond that the oldest waiting batches are
    // dropped and counted (eventsDropped()).
    void addEvents(const QList<InspectEvent> &batch);
    // Applies everything taken so far and shows it now (tests call it
    // instead of waiting; the flush timer shows what was applied).
    void flush();
    qint64 queuedEvents() const { return m_queuedEvents; }
    qint64 eventsDropped() const { return m_eventsDropped; }
    void clear();
    // Paused: capture stops (see above); the skipped counts restart at each pause.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    qint64 skippedConnections() const { return m_skippedConnections; }
    qint64 skippedFrames() const { return m_skippedFrames; }

    // The caps take effect at the next flush.
    void setMaxConnections(int max);
    int maxConnections() const { return m_maxConnections; }
    void setMaxClosedConnections(int max);
    int maxClosedConnections() const { return m_maxClosedConnections; }
    void setMaxFramesPerConnection(int max);
    int maxFramesPerConnection() const { return m_maxFramesPerConnection; }
    void setMaxFramesTotal(qint64 max);
    qint64 maxFramesTotal() const { return m_maxFramesTotal; }
    void setMaxFrameMemory(qint64 bytes);
    qint64 maxFrameMemory() const { return m_maxFrameMemory; }
    void setFlushInterval(int ms);

    const ConnectionRecord *recordAt(int row) const;
    const ConnectionRecord *record(quint64 id) const;
    int rowOf(quint64 id) const;

    qint64 liveConnections() const { return m_live; }
    qint64 totalConnections() const { return m_totalSeen; }
    qint64 removedConnections() const { return m_removed; }
    qint64 messagesSeen() const { return m_messagesSeen; }
    qint64 framesStored() const { return m_framesStored; }
    qint64 frameMemory() const { return m_frameMemory; }
    qint64 framesDropped() const { return m_framesDropped; }
    qint64 closedConnections() const { return m_closedCount; }
    qint64 pendingCount() const { return qint64(m_records.size()) - m_visible; }
    // What one frame costs in memory, as the memory cap counts it.
    static qint64 frameCost(const FrameRecord &frame);
    QList<UpstreamStats> upstreamStats() const { return m_upstreams.values(); }
    const std::deque<RouteDecision> &recentDecisions() const { return m_decisions; }

    QString closeText(const ConnectionRecord &r) const;
    QString stateText(ConnectionRecord::State state) const;
    static QString causeText(CloseCause cause);

signals:
    // Frames of `id` are about to be / were trimmed off the front.
    void framesAboutToBeTrimmed(quint64 id, int count);
    void framesTrimmed(quint64 id, int count);
    // The connection's record is about to go (history cap or clear).
    void connectionAboutToBeRemoved(quint64 id);
    // After each flush: connections whose records changed (FramesModel
    // inserts its new frames, the panes refresh the selected connection).
    void flushed(const QSet<quint64> &changed);

private:
    void ingest(bool budgeted);
    void show();
    void apply(const InspectEvent &event);
    bool skip(const InspectEvent &event);
    ConnectionRecord *recordFor(const InspectEvent &event);
    void markDirty(ConnectionRecord *r);
    void scheduleFlush();
    void trimFrames(ConnectionRecord *r, qsizetype count);
    void releasePayloads(ConnectionRecord *r, qsizetype count);
    void enforceFrameCaps();
    void enforceConnectionCaps();
    // Removes the records at these positions (ascending), row runs at a time.
    void removeRecords(const QList<qsizetype> &positions);
    UpstreamStats &statsFor(const ConnectionRecord &r);

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
    qsizetype m_visible = 0;      // rows [0, m_visible) are shown; the rest is the pending tail
    QSet<quint64> m_changed;      // ids changed since the last flush
    std::deque<QList<InspectEvent>> m_queue; // batches taken, not yet applied
    qsizetype m_queuePos = 0;     // next event of m_queue.front()
    qint64 m_queuedEvents = 0;
    qint64 m_eventsDropped = 0;
    QTimer *m_ingestTimer = nullptr;
    // Connections not recorded until they close: opened while paused, or
    // evicted while open (their later events would make a row without a head).
    // The value says why: true paused, false evicted.
    QHash<quint64, bool> m_ignored;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_tickTimer = nullptr;
    QElapsedTimer m_ageRefresh;
    bool m_paused = false;
    qint64 m_skippedConnections = 0;
    qint64 m_skippedFrames = 0;
    int m_maxConnections = DefaultMaxConnections;
    int m_maxClosedConnections = DefaultMaxClosedConnections;
    int m_maxFramesPerConnection = DefaultMaxFramesPerConnection;
    qint64 m_maxFramesTotal = DefaultMaxFramesTotal;
    qint64 m_maxFrameMemory = DefaultMaxFrameMemory;
    qint64 m_framesStored = 0;
    qint64 m_frameMemory = 0;
    qint64 m_framesDropped = 0;
    qint64 m_closedCount = 0;
    qint64 m_live = 0;
    qint64 m_totalSeen = 0;
    qint64 m_removed = 0;
    qint64 m_messagesSeen = 0;
    QMap<QString, UpstreamStats> m_upstreams; // "group\nserver"
    std::deque<RouteDecision> m_decisions;
};
