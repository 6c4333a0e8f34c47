#include "proxyserver.h"

#include "net/epolleventdispatcher.h"
#include "ops/logging.h"
#include "worker.h"

#include <QThread>
#include <QTimer>

#include <unistd.h>

// QTcpServer that never wraps the descriptor in a QTcpSocket: the worker
// thread owns it from accept on (Qt's "threaded server" pattern).
class ProxyServer::Listener final : public QTcpServer
{
public:
    Listener(ProxyServer *server, int serverIndex)
        : QTcpServer(server)
        , m_server(server)
        , m_serverIndex(serverIndex)
    {
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        m_server->handleIncoming(descriptor, m_serverIndex, serverPort());
    }

private:
    ProxyServer *m_server;
    int m_serverIndex;
};

ProxyServer::ProxyServer(QObject *parent)
    : QObject(parent)
{
}

ProxyServer::~ProxyServer()
{
    for (Listener *l : std::as_const(m_listeners))
        l->close();
    stopWorkers();
}

bool ProxyServer::start(ConfigSnapshot config, QString *error)
{
    m_config = std::move(config);
    for (int si = 0; si < m_config->servers.size(); ++si) {
        for (const ListenAddress &addr : m_config->servers.at(si).listens) {
            auto *listener = new Listener(this, si);
            // Bursts of connects overflow Qt's default backlog of 50 (nginx uses 511).
            listener->setListenBacklogSize(511);
            if (!listener->listen(addr.address, addr.port)) {
                if (error)
                    *error = QStringLiteral("cannot listen on %1: %2").arg(addr.toString(), listener->errorString());
                delete listener;
                for (Listener *l : std::as_const(m_listeners))
                    delete l;
                m_listeners.clear();
                return false;
            }
            m_listeners.append(listener);
        }
    }

    int n = m_config->workerThreads > 0 ? m_config->workerThreads : QThread::idealThreadCount();
    n = qBound(1, n, 64);
    for (int i = 0; i < n; ++i) {
        auto *thread = new QThread(this);
        thread->setObjectName(QStringLiteral("wsscope-worker-%1").arg(i));
        // epoll: per-pass cost independent of idle connections (Qt's default
        // dispatcher re-polls every socket on each pass).
        thread->setEventDispatcher(new EpollEventDispatcher);
        auto *worker = new Worker(i);
        worker->moveToThread(thread);
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        connect(worker, &Worker::drained, this, &ProxyServer::handleWorkerDrained);
        thread->start();
        m_threads.append(thread);
        m_workers.append(worker);
        m_workerDrained.append(false);
    }
    for (const ListenAddress &a : boundAddresses())
        qCInfo(lcProxy).noquote() << "listening on" << a.toString();
    qCInfo(lcProxy).noquote() << "worker threads:" << n;
    return true;
}

QList<ListenAddress> ProxyServer::boundAddresses() const
{
    QList<ListenAddress> out;
    for (const Listener *l : m_listeners)
        out.append(ListenAddress{l->serverAddress(), l->serverPort()});
    return out;
}

void ProxyServer::handleIncoming(qintptr descriptor, int serverIndex, quint16 listenPort)
{
    if (m_stopping || m_workers.isEmpty()) {
        ::close(int(descriptor));
        return;
    }
    // Round-robin, skipping a worker that holds clearly more than the next.
    Worker *w = m_workers.at(m_nextWorker);
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    Worker *alt = m_workers.at(m_nextWorker);
    if (alt->sessionCount() + 8 < w->sessionCount())
        w = alt;
    w->adoptConnection(descriptor, m_config, serverIndex, listenPort);
}

void ProxyServer::shutdown(qint64 drainTimeoutMs)
{
    if (m_stopping)
        return;
    m_stopping = true;
    for (Listener *l : std::as_const(m_listeners))
        l->close();
    qCInfo(lcProxy).noquote() << "stopped accepting; draining open connections for up to" << drainTimeoutMs << "ms";
    if (m_workers.isEmpty()) {
        QMetaObject::invokeMethod(this, &ProxyServer::stopped, Qt::QueuedConnection);
        return;
    }
    m_drainTimer = new QTimer(this);
    m_drainTimer->setSingleShot(true);
    connect(m_drainTimer, &QTimer::timeout, this, [this] {
        qCInfo(lcProxy) << "drain timeout: closing remaining connections";
        for (Worker *w : std::as_const(m_workers))
            w->closeAll();
    });
    m_drainTimer->start(int(qMin<qint64>(drainTimeoutMs, 24 * 3600 * 1000)));
    for (Worker *w : std::as_const(m_workers))
        w->beginDrain();
}

void ProxyServer::handleWorkerDrained(int index)
{
    if (!m_stopping || index < 0 || index >= m_workerDrained.size() || m_workerDrained[index])
        return;
    m_workerDrained[index] = true;
    if (m_workerDrained.contains(false))
        return;
    if (m_drainTimer)
        m_drainTimer->stop();
    stopWorkers();
    qCInfo(lcProxy) << "all connections closed";
    emit stopped();
}

void ProxyServer::stopWorkers()
{
    for (QThread *t : std::as_const(m_threads)) {
        t->quit();
        t->wait();
    }
    qDeleteAll(m_threads);
    m_threads.clear();
    m_workers.clear(); // deleted by their threads' finished()
    m_workerDrained.clear();
}
