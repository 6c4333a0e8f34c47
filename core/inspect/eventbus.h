#pragma once

#include "inspectevent.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

// Carries inspection events from worker threads to subscribers (GUI models,
// capture writers, the remote channel) in batches. Producers never block on
// a subscriber: each subscriber has a byte budget, and a batch that does not
// fit is dropped and counted, never queued without limit.
//
// Thread-safe. Handlers run on their context object's thread.
class EventBus final
{
    Q_DISABLE_COPY_MOVE(EventBus)

public:
    using Handler = std::function<void(const QList<InspectEvent> &batch)>;

    EventBus() = default;
    ~EventBus();

    // Default budget: 64 MiB of pending events per subscriber.
    int subscribe(QObject *context, Handler handler, qint64 maxPendingBytes = 64 * 1024 * 1024);
    void unsubscribe(int id);
    // Producers check this before building events: inspection with nobody
    // listening costs one atomic load.
    bool hasSubscribers() const { return m_subscriberCount.load(std::memory_order_relaxed) > 0; }

    void publish(QList<InspectEvent> batch);

    quint64 publishedCount() const { return m_published.load(std::memory_order_relaxed); }
    quint64 droppedCount() const { return m_dropped.load(std::memory_order_relaxed); }
    quint64 droppedCount(int subscriberId) const;

    // Rough memory cost of an event while it waits (previews and heads).
    static qint64 estimateBytes(const InspectEvent &event);

private:
    struct Subscriber
    {
        int id = 0;
        QPointer<QObject> context;
        Handler handler;
        qint64 maxPendingBytes = 0;
        qint64 pendingBytes = 0;
        QList<InspectEvent> pending;
        quint64 dropped = 0;
        bool scheduled = false;
    };

    void deliver(const std::shared_ptr<Subscriber> &sub);

    mutable QMutex m_mutex;
    std::vector<std::shared_ptr<Subscriber>> m_subscribers;
    int m_nextId = 1;
    std::atomic<int> m_subscriberCount{0};
    std::atomic<quint64> m_published{0};
    std::atomic<quint64> m_dropped{0};
};

// A worker thread's batcher: sessions add events one by one; the batch goes
// to the bus when it holds maxBatch events or when flush() is called (the
// worker calls it every ~50 ms). Not thread-safe: one per worker.
class EventBatcher final
{
    Q_DISABLE_COPY_MOVE(EventBatcher)

public:
    EventBatcher(EventBus *bus, int worker, qsizetype maxBatch = 1000);

    bool isActive() const { return m_bus && m_bus->hasSubscribers(); }
    void add(quint64 connectionId, qint64 monotonicNs, InspectPayload payload);
    void flush();
    bool hasPending() const { return !m_batch.isEmpty(); }

private:
    EventBus *m_bus;
    int m_worker;
    qsizetype m_maxBatch;
    QList<InspectEvent> m_batch;
};
