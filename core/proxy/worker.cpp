#include "worker.h"

#include "net/dnsclient.h"
#include "net/epolleventdispatcher.h"
#include "ops/logging.h"
#include "session.h"
#include "upstream/upstreamgroup.h"

#include <QThread>
#include <QTimer>

#include <unistd.h>

// Connection ids are process-wide, so logs and the inspector can name them simply.
std::atomic<quint64> Worker::s_nextId{1};

Worker::Worker(int index, EventBus *events, QObject *parent)
    : QObject(parent)
    , m_index(index)
    , m_readBuffer(new char[kReadBufferSize])
    , m_events(events, index)
{
    m_clock.start();
    m_originNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now().time_since_epoch()).count();
}

Worker::~Worker()
{
    m_passTimeNs = nullptr; // the dispatcher may be going too
    // Runs in the worker thread's finish or after it stopped: close what is left.
    for (auto &entry : m_sessions)
        entry.second->forceClose(CloseCause::Drain);
    m_sessions.clear();
    m_keepalive.closeAll();
    m_events.flush(); // the last events (closes) still reach subscribers
}

void Worker::adoptConnection(qintptr descriptor, RuntimeSnapshot runtime, int serverIndex, quint16 listenPort)
{
    const bool queued = QMetaObject::invokeMethod(
        this,
        [this, descriptor, runtime = std::move(runtime), serverIndex, listenPort]() mutable {
            handleAdopt(descriptor, std::move(runtime), serverIndex, listenPort);
        },
        Qt::QueuedConnection);
    if (!queued)
        ::close(int(descriptor));
}

void Worker::handleAdopt(qintptr descriptor, RuntimeSnapshot runtime, int serverIndex, quint16 listenPort)
{
    if (!m_tick) {
        // The pass clock, when this thread runs the epoll dispatcher.
        if (auto *epoll = qobject_cast<EpollEventDispatcher *>(QThread::currentThread()->eventDispatcher()))
            m_passTimeNs = epoll->passTimeNsAddress();
        // Created lazily so it lives in this thread.
        m_tick = new QTimer(this);
        m_tick->setInterval(250);
        connect(m_tick, &QTimer::timeout, this, &Worker::handleTick);
        m_tick->start();
    }
    if (m_draining) {
        ::close(int(descriptor));
        return;
    }
    const quint64 id = s_nextId.fetch_add(1, std::memory_order_relaxed);
    auto session = std::make_unique<Session>(this, id, descriptor, std::move(runtime), serverIndex, listenPort);
    Session *raw = session.get();
    m_sessions.emplace(raw, std::move(session));
    m_byId.emplace(id, raw);
    m_sessionCount.store(int(m_sessions.size()), std::memory_order_relaxed);
    raw->start();
}

DnsClient &Worker::dns()
{
    if (!m_dns)
        m_dns = std::make_unique<DnsClient>(); // in this thread: its sockets are watched here
    return *m_dns;
}

void Worker::sessionFinished(Session *session)
{
    m_finished.push_back(session);
    if (!m_reapScheduled) {
        // Deleted later: the session may be deep inside its own callback.
        m_reapScheduled = true;
        QMetaObject::invokeMethod(this, &Worker::reapFinished, Qt::QueuedConnection);
    }
}

void Worker::reapFinished()
{
    m_reapScheduled = false;
    std::vector<Session *> finished;
    finished.swap(m_finished);
    for (Session *s : finished) {
        m_byId.erase(s->id());
        m_sessions.erase(s);
    }
    m_sessionCount.store(int(m_sessions.size()), std::memory_order_relaxed);
    if (m_draining)
        checkDrained();
}

void Worker::handleTick()
{
    const qint64 now = nowMs();
    // Collect first: a timeout can finish a session while we iterate.
    std::vector<Session *> live;
    live.reserve(m_sessions.size());
    for (auto &entry : m_sessions) {
        if (!entry.first->isFinished())
            live.push_back(entry.first);
    }
    for (Session *s : live) {
        if (!s->isFinished())
            s->checkTimeouts(now);
    }
    m_keepalive.expire(UpstreamGroup::clockMs());
    if (m_dns)
        m_dns->tick(); // resolver_timeout: may finish sessions (502)
}

void Worker::beginDrain()
{
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_draining = true;
            m_keepalive.closeAll(); // nginx: no connection is kept while exiting
            std::vector<Session *> live;
            for (auto &entry : m_sessions)
                live.push_back(entry.first);
            for (Session *s : live)
                s->beginDrain();
            checkDrained();
        },
        Qt::QueuedConnection);
}

void Worker::closeAll()
{
    QMetaObject::invokeMethod(
        this,
        [this] {
            std::vector<Session *> live;
            for (auto &entry : m_sessions)
                live.push_back(entry.first);
            for (Session *s : live)
                s->forceClose(CloseCause::Drain);
        },
        Qt::QueuedConnection);
}

void Worker::closeSessionsOf(std::weak_ptr<const ProxyRuntime> runtime)
{
    QMetaObject::invokeMethod(
        this,
        [this, runtime = std::move(runtime)] {
            const RuntimeSnapshot old = runtime.lock();
            if (!old)
                return;
            std::vector<Session *> stale;
            for (auto &entry : m_sessions) {
                if (entry.first->runtime() == old.get() && !entry.first->isFinished())
                    stale.push_back(entry.first);
            }
            for (Session *s : stale)
                s->forceClose(CloseCause::Drain);
        },
        Qt::QueuedConnection);
}

void Worker::checkDrained()
{
    bool allDone = true;
    for (auto &entry : m_sessions) {
        if (!entry.first->isFinished()) {
            allDone = false;
            break;
        }
    }
    if (allDone)
        emit drained(m_index);
}

void Worker::addEvent(quint64 connectionId, InspectPayload payload)
{
    const bool wasEmpty = !m_events.hasPending();
    m_events.add(connectionId, nowNs(), std::move(payload));
    if (wasEmpty && m_events.hasPending()) {
        // Batches leave at least every 50 ms (or at 1,000 events).
        if (!m_flush) {
            m_flush = new QTimer(this);
            m_flush->setSingleShot(true);
            m_flush->setInterval(50);
            connect(m_flush, &QTimer::timeout, this, [this] { m_events.flush(); });
        }
        if (!m_flush->isActive())
            m_flush->start();
    }
}

void Worker::inject(quint64 id, Direction direction, WsOpcode opcode, QByteArray payload)
{
    QMetaObject::invokeMethod(
        this,
        [this, id, direction, opcode, payload = std::move(payload)] {
            const auto it = m_byId.find(id);
            if (it == m_byId.end() || it->second->isFinished())
                return; // another worker's, or gone
            QString error;
            if (!it->second->inject(direction, opcode, payload, &error)) {
                qCWarning(lcProxy).noquote() << "conn" << id << "inject failed:" << error;
                if (m_events.isActive()) {
                    FindingEvent f;
                    f.severity = FindingEvent::Severity::Error;
                    f.code = QStringLiteral("inject-failed");
                    f.text = error;
                    addEvent(id, std::move(f));
                }
            }
        },
        Qt::QueuedConnection);
}
