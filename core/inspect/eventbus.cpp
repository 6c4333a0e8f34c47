#include "eventbus.h"

#include <QDateTime>

namespace {

// Rough bytes an event holds beyond its own size.
struct Sizer
{
    qint64 heads(const HttpHeaders &h) const
    {
        qint64 n = 0;
        for (const HttpHeader &f : h)
            n += f.name.size() + f.value.size() + 64;
        return n;
    }
    qint64 operator()(const RequestHeadEvent &e) const { return heads(e.head.headers) + e.head.target.size(); }
    qint64 operator()(const ResponseHeadEvent &e) const { return heads(e.head.headers); }
    qint64 operator()(const MessageEvent &e) const { return e.message.preview.size(); }
    qint64 operator()(const ControlFrameEvent &e) const { return e.payload.size(); }
    qint64 operator()(const ViolationEvent &e) const { return e.violation.text.size() * 2; }
    qint64 operator()(const FindingEvent &e) const { return (e.text.size() + e.code.size()) * 2; }
    template <typename T> qint64 operator()(const T &) const { return 0; }
};

} // namespace

EventBus::~EventBus() = default;

int EventBus::subscribe(QObject *context, Handler handler, qint64 maxPendingBytes)
{
    auto sub = std::make_shared<Subscriber>();
    sub->context = context;
    sub->handler = std::move(handler);
    sub->maxPendingBytes = maxPendingBytes;
    QMutexLocker lock(&m_mutex);
    sub->id = m_nextId++;
    m_subscribers.push_back(sub);
    m_subscriberCount.store(int(m_subscribers.size()), std::memory_order_relaxed);
    return sub->id;
}

void EventBus::unsubscribe(int id)
{
    QMutexLocker lock(&m_mutex);
    std::erase_if(m_subscribers, [id](const std::shared_ptr<Subscriber> &s) { return s->id == id; });
    m_subscriberCount.store(int(m_subscribers.size()), std::memory_order_relaxed);
}

quint64 EventBus::droppedCount(int subscriberId) const
{
    QMutexLocker lock(&m_mutex);
    for (const auto &s : m_subscribers) {
        if (s->id == subscriberId)
            return s->dropped;
    }
    return 0;
}

qint64 EventBus::estimateBytes(const InspectEvent &event)
{
    return qint64(sizeof(InspectEvent)) + 32 + std::visit(Sizer{}, event.payload);
}

void EventBus::publish(QList<InspectEvent> batch)
{
    if (batch.isEmpty())
        return;
    m_published.fetch_add(quint64(batch.size()), std::memory_order_relaxed);
    qint64 bytes = 0;
    for (const InspectEvent &e : std::as_const(batch))
        bytes += estimateBytes(e);

    QMutexLocker lock(&m_mutex);
    for (const std::shared_ptr<Subscriber> &sub : m_subscribers) {
        if (!sub->context) {
            continue;
        }
        if (sub->pendingBytes + bytes > sub->maxPendingBytes) {
            // The subscriber lags: drop this batch for it, count, carry on.
            sub->dropped += quint64(batch.size());
            m_dropped.fetch_add(quint64(batch.size()), std::memory_order_relaxed);
            continue;
        }
        sub->pending += batch;
        sub->pendingBytes += bytes;
        if (!sub->scheduled) {
            sub->scheduled = true;
            std::weak_ptr<Subscriber> weak = sub;
            QMetaObject::invokeMethod(
                sub->context.data(),
                [this, weak] {
                    if (auto s = weak.lock())
                        deliver(s);
                },
                Qt::QueuedConnection);
        }
    }
}

void EventBus::deliver(const std::shared_ptr<Subscriber> &sub)
{
    QList<InspectEvent> batch;
    {
        QMutexLocker lock(&m_mutex);
        batch.swap(sub->pending);
        sub->pendingBytes = 0;
        sub->scheduled = false;
    }
    if (!batch.isEmpty() && sub->handler)
        sub->handler(batch);
}

EventBatcher::EventBatcher(EventBus *bus, int worker, qsizetype maxBatch)
    : m_bus(bus)
    , m_worker(worker)
    , m_maxBatch(maxBatch)
{
}

void EventBatcher::add(quint64 connectionId, qint64 monotonicNs, InspectPayload payload)
{
    if (!m_bus)
        return;
    InspectEvent e;
    e.connectionId = connectionId;
    e.monotonicNs = monotonicNs;
    e.wallMs = QDateTime::currentMSecsSinceEpoch();
    e.worker = m_worker;
    e.payload = std::move(payload);
    m_batch.append(std::move(e));
    if (m_batch.size() >= m_maxBatch)
        flush();
}

void EventBatcher::flush()
{
    if (m_batch.isEmpty() || !m_bus)
        return;
    QList<InspectEvent> out;
    out.swap(m_batch);
    m_bus->publish(std::move(out));
}
