#pragma once

#include "config/proxyconfig.h"
#include "proxy/proxyruntime.h"
#include "inspect/eventbus.h"
#include "upstream/upstreamfigures.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QTcpServer>

#include <memory>
#include <mutex>

class QThread;
class QTimer;
class UpstreamHealthChecker;
class Worker;

// Accepts on every configured listen address and hands each accepted
// descriptor to a worker thread (round-robin over the least loaded).
class ProxyServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyServer)

public:
    explicit ProxyServer(QObject *parent = nullptr);
    ~ProxyServer() override;

    // Binds every listener and starts the workers. On failure nothing is
    // left listening and `error` says which address and why.
    bool start(RuntimeSnapshot runtime, QString *error);
    // Switches to a new configuration (a runtime built with the running one
    // as `previous`, see ProxyRuntime::build): listeners for new addresses
    // are bound, those no longer configured closed, and new connections get
    // the new snapshot. Established connections keep the snapshot they started
    // with and are never dropped. On failure (an address cannot be bound)
    // nothing changes and `error` says why. worker_processes changes need a
    // restart (logged).
    bool reload(RuntimeSnapshot runtime, QString *error);
    // The bound addresses (ports resolved when 0 was asked for).
    QList<ListenAddress> boundAddresses() const;
    int workerCount() const { return int(m_workers.size()); }
    // Every session's inspection events; subscribe before start() to see all.
    EventBus &events() { return m_events; }
    // Sends a text/binary/ping/pong/close frame into live connection `id`,
    // toward the upstream (ClientToUpstream) or the client.
    void inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload);
    ConfigSnapshot config() const;
    // The running configuration's runtime; safe to call from any thread.
    RuntimeSnapshot runtime() const;
    // Per-upstream figures of the running configuration (every group: the
    // `upstream` blocks and the proxy_pass host:port ones), copied under
    // each group's lock; safe to call from any thread.
    QList<UpstreamFigures> upstreamFigures() const;

    // Stops accepting, lets tunnels finish for up to drainTimeoutMs, then
    // closes what is left and emits stopped().
    void shutdown(qint64 drainTimeoutMs);
    bool isStopping() const { return m_stopping; }

signals:
    void stopped();
    void configReloaded();

private:
    class Listener;
    void handleIncoming(qintptr descriptor, Listener *listener);
    bool bindListeners(const ConfigSnapshot &config, QString *error);
    void handleWorkerDrained(int index);
    void stopWorkers();

    RuntimeSnapshot m_runtime;
    ConfigSnapshot m_config; // m_runtime's, for the main thread's own use
    QList<Listener *> m_listeners;
    QList<QThread *> m_threads;
    QList<Worker *> m_workers;
    EventBus m_events;
    QList<bool> m_workerDrained;
    QTimer *m_drainTimer = nullptr;
    UpstreamHealthChecker *m_healthChecker = nullptr;
    mutable std::mutex m_configMutex; // m_runtime for runtime() and upstreamFigures() from other threads
    int m_nextWorker = 0;
    bool m_stopping = false;
    qint64 m_lastLimitLogMs = -1'000'000;
};
