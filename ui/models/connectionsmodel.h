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
// one dataChanged over the changed rows, and trims the history in batches
// when it is over its cap. Strings are built in data().
//
// The model also keeps each connection's frames (bounded per connection and
// in total); FramesModel shows them and follows the trim signals.
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
    static constexpr int DefaultMaxFramesPerConnection = 50'000;
    static constexpr qint64 DefaultMaxFramesTotal = 1'000'000;
    static constexpr int MaxPingSamples = 2'000;
    static constexpr int MaxDecisions = 50;

    explicit ConnectionsModel(QObject *parent = nullptr);
    ~ConnectionsModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void addEvents(const QList<InspectEvent> &batch);
    // Applies what is pending now (tests call it instead of waiting).
    void flush();
    void clear();
    // Paused: records keep updating but rows are neither inserted nor
    // refreshed until resumed (the pending tail is still capped).
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }

    void setMaxConnections(int max);
    int maxConnections() const { return m_maxConnections; }
    void setMaxFramesPerConnection(int max);
    int maxFramesPerConnection() const { return m_maxFramesPerConnection; }
    void setMaxFramesTotal(qint64 max) { m_maxFramesTotal = max; }
    qint64 maxFramesTotal() const { return m_maxFramesTotal; }
    void setFlushInterval(int ms);

    const ConnectionRecord *recordAt(int row) const;
    const ConnectionRecord *record(quint64 id) const;
    int rowOf(quint64 id) const;

    qint64 liveConnections() const { return m_live; }
    qint64 totalConnections() const { return m_totalSeen; }
    qint64 removedConnections() const { return m_removed; }
    qint64 messagesSeen() const { return m_messagesSeen; }
    qint64 framesStored() const { return m_framesStored; }
    qint64 pendingCount() const { return qint64(m_records.size()) - m_visible; }
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
    void apply(const InspectEvent &event);
    ConnectionRecord *recordFor(const InspectEvent &event);
    void markDirty(ConnectionRecord *r);
    void scheduleFlush();
    void trimFrames(ConnectionRecord *r, int count);
    void enforceFrameCaps();
    void enforceConnectionCap(bool pendingOnly);
    void removeFront(qsizetype count);
    UpstreamStats &statsFor(const ConnectionRecord &r);

    std::deque<std::unique_ptr<ConnectionRecord>> m_records;
    QHash<quint64, ConnectionRecord *> m_byId;
    qsizetype m_visible = 0;      // rows [0, m_visible) are shown; the rest is the pending tail
    quint64 m_firstSeq = 0;       // seq of m_records.front()
    quint64 m_nextSeq = 0;
    QSet<quint64> m_changed;      // ids changed since the last flush
    QTimer *m_flushTimer = nullptr;
    QTimer *m_tickTimer = nullptr;
    QElapsedTimer m_ageRefresh;
    bool m_paused = false;
    int m_maxConnections = DefaultMaxConnections;
    int m_maxFramesPerConnection = DefaultMaxFramesPerConnection;
    qint64 m_maxFramesTotal = DefaultMaxFramesTotal;
    qint64 m_framesStored = 0;
    qint64 m_live = 0;
    qint64 m_totalSeen = 0;
    qint64 m_removed = 0;
    qint64 m_messagesSeen = 0;
    QMap<QString, UpstreamStats> m_upstreams; // "group\nserver"
    std::deque<RouteDecision> m_decisions;
};
