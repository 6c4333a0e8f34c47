#pragma once

#include "config/proxyconfig.h"
#include "proxy/proxyruntime.h"
#include "inspect/eventbus.h"
#include "upstreamkeepalive.h"

#include <QElapsedTimer>
#include <QObject>

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

class DnsClient;
class EpollEventDispatcher;
class QTimer;
class Session;

// A worker thread's event-loop object: owns its sessions and their sockets.
// The listener (main thread) hands it accepted descriptors through a queued
// call; nothing else ever touches its sessions from another thread.
class Worker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Worker)

public:
    Worker(int index, EventBus *events, QObject *parent = nullptr);
    ~Worker() override;

    int index() const { return m_index; }
    // Milliseconds since the worker started, as of this loop pass (the
    // dispatcher reads the clock once per pass; elsewhere a clock call).
    qint64 nowMs() const { return m_passTimeNs ? (*m_passTimeNs - m_originNs) / 1'000'000 : m_clock.elapsed(); }
    qint64 nowNs() const { return m_clock.nsecsElapsed(); }
    // Inspection events of this thread's sessions, batched for the bus.
    EventBatcher &events() { return m_events; }
    void addEvent(quint64 connectionId, InspectPayload payload);
    char *readBuffer() { return m_readBuffer.get(); }
    qsizetype readBufferSize() const { return kReadBufferSize; }
    // This thread's idle upstream connections (upstream `keepalive`).
    UpstreamKeepalive &upstreamKeepalive() { return m_keepalive; }
    // This thread's DNS questions (proxy_pass with variables), made on first use.
    DnsClient &dns();
    // Live sessions; readable from any thread.
    int sessionCount() const { return m_sessionCount.load(std::memory_order_relaxed); }

    // Thread-safe entry points (they queue into the worker's thread).
    void adoptConnection(qintptr descriptor, RuntimeSnapshot runtime, int serverIndex, quint16 listenPort);
    void beginDrain();
    void closeAll();
    // Closes the sessions still on `runtime` (a configuration a reload
    // replaced); nothing when no session holds it any more.
    void closeSessionsOf(std::weak_ptr<const ProxyRuntime> runtime);
    // Sends a frame into connection `id` if this worker owns it (the result,
    // when it is an error, is logged and reported as a finding event).
    void inject(quint64 id, Direction direction, WsOpcode opcode, QByteArray payload);

    // Called by a session from this thread when it has closed.
    void sessionFinished(Session *session);

signals:
    void drained(int workerIndex);

private:
    static constexpr qsizetype kReadBufferSize = 64 * 1024;

    void handleAdopt(qintptr descriptor, RuntimeSnapshot runtime, int serverIndex, quint16 listenPort);
    void handleTick();
    void reapFinished();
    void checkDrained();

    const int m_index;
    QElapsedTimer m_clock;
    const std::int64_t *m_passTimeNs = nullptr; // the thread's EpollEventDispatcher pass clock
    std::int64_t m_originNs = 0;                // m_clock's start on that clock
    std::unique_ptr<char[]> m_readBuffer;
    UpstreamKeepalive m_keepalive;  // before the sessions: they hand connections back as they go
    std::unique_ptr<DnsClient> m_dns;
    std::unordered_map<Session *, std::unique_ptr<Session>> m_sessions;
    std::unordered_map<quint64, Session *> m_byId;
    EventBatcher m_events;
    QTimer *m_flush = nullptr;
    std::vector<Session *> m_finished;
    std::atomic<int> m_sessionCount{0};
    QTimer *m_tick = nullptr;
    static std::atomic<quint64> s_nextId;
    bool m_draining = false;
    bool m_reapScheduled = false;
};
