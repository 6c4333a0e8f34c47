#pragma once

#include "inspect/connectionstore.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QSet>

#include <deque>

class QTimer;

// One row per connection of a ConnectionStore (core/inspect), which reduces
// the events, keeps the frames and applies the history caps and pause; this
// model is the table view over it.
//
// Live data the way Wireshark's PacketListModel takes packets (never one
// beginInsertRows per frame): addEvents() applies the events to the store in
// time slices, which only updates records and appends new ones to the
// pending tail; one flush per ~100 ms (scheduled by the first change)
// applies the store's caps, inserts the whole tail with one beginInsertRows
// and emits one dataChanged over the changed rows (coalesced per tick, as
// qBittorrent's TransferListModel does). Strings are built in data().
//
// FramesModel shows a connection's frames from the same store and follows
// its trim and removal signals.
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
        ColInstance, // which instance of a merged view (hidden otherwise)
        ColumnCount
    };
    enum Role { ConnectionIdRole = Qt::UserRole + 1, HasErrorRole, SortRole };

    static constexpr int DefaultMaxConnections = ConnectionStoreLimits().maxConnections;
    static constexpr int DefaultMaxClosedConnections = ConnectionStoreLimits().maxClosedConnections;
    static constexpr int DefaultMaxFramesPerConnection = ConnectionStoreLimits().maxFramesPerConnection;
    static constexpr qint64 DefaultMaxFramesTotal = ConnectionStoreLimits().maxFramesTotal;
    static constexpr qint64 DefaultMaxFrameMemory = ConnectionStoreLimits().maxFrameMemory;
    static constexpr int MaxPingSamples = ConnectionStore::MaxPingSamples;
    static constexpr int MaxDecisions = ConnectionStore::MaxDecisions;
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
    // Paused: capture stops (see ConnectionStore); the skipped counts restart at each pause.
    void setPaused(bool paused) { m_store->setPaused(paused); }
    bool isPaused() const { return m_store->isPaused(); }
    qint64 skippedConnections() const { return m_store->skippedConnections(); }
    qint64 skippedFrames() const { return m_store->skippedFrames(); }

    // The caps take effect at the next flush.
    void setMaxConnections(int max);
    int maxConnections() const { return limits().maxConnections; }
    void setMaxClosedConnections(int max);
    int maxClosedConnections() const { return limits().maxClosedConnections; }
    void setMaxFramesPerConnection(int max);
    int maxFramesPerConnection() const { return limits().maxFramesPerConnection; }
    void setMaxFramesTotal(qint64 max);
    qint64 maxFramesTotal() const { return limits().maxFramesTotal; }
    void setMaxFrameMemory(qint64 bytes);
    qint64 maxFrameMemory() const { return limits().maxFrameMemory; }
    void setFlushInterval(int ms);

    const ConnectionStore *store() const { return m_store; }
    // HAR of the connections shown (all rows, or those of `ids`): every
    // exchange with its own times, as `--capture` writes it (HarExport).
    QJsonObject harDocument(const QList<quint64> &ids = {}) const;

    const ConnectionRecord *recordAt(int row) const;
    const ConnectionRecord *record(quint64 id) const;
    int rowOf(quint64 id) const;

    qint64 liveConnections() const { return m_store->liveConnections(); }
    qint64 totalConnections() const { return m_store->totalConnections(); }
    qint64 removedConnections() const { return m_store->removedConnections(); }
    qint64 messagesSeen() const { return m_store->messagesSeen(); }
    qint64 framesStored() const { return m_store->framesStored(); }
    qint64 frameMemory() const { return m_store->frameMemory(); }
    qint64 framesDropped() const { return m_store->framesDropped(); }
    qint64 closedConnections() const { return m_store->closedConnections(); }
    qint64 pendingCount() const { return qint64(m_store->size()) - m_visible; }
    // What one frame costs in memory, as the memory cap counts it.
    static qint64 frameCost(const FrameRecord &frame) { return ConnectionStore::frameCost(frame); }
    QList<UpstreamStats> upstreamStats() const { return m_store->upstreamStats(); }
    const std::deque<RouteDecision> &recentDecisions() const { return m_store->recentDecisions(); }

    // The instances of a merged view, by InstanceIds number (1: the first).
    void setInstanceNames(const QStringList &names);
    QString instanceName(quint64 id) const;
    // "17", or "17@prod-1" in a merged view (the id the instance's own log
    // uses, and where): what follows "#" in the window's texts.
    QString connectionLabel(quint64 id) const;

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
    QStringList m_instanceNames;
    void ingest(bool budgeted);
    void show();
    void scheduleFlush();
    const ConnectionStoreLimits &limits() const { return m_store->limits(); }
    void handleRecordsAboutToBeRemoved(qsizetype first, qsizetype last);
    void handleRecordsRemoved(qsizetype first, qsizetype last);

    ConnectionStore *m_store;     // a child
    qsizetype m_visible = 0;      // rows [0, m_visible) are shown; the rest is the pending tail
    qsizetype m_removingRows = 0; // shown rows inside a removal in progress
    std::deque<QList<InspectEvent>> m_queue; // batches taken, not yet applied
    qsizetype m_queuePos = 0;     // next event of m_queue.front()
    qint64 m_queuedEvents = 0;
    qint64 m_eventsDropped = 0;
    QTimer *m_ingestTimer = nullptr;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_tickTimer = nullptr;
    QElapsedTimer m_ageRefresh;
};
