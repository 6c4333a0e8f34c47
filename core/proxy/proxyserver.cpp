#include "proxyserver.h"

#include "net/epolleventdispatcher.h"
#include "ops/logging.h"
#include "upstream/healthchecker.h"
#include "upstream/upstreamgroup.h"
#include "worker.h"
#include "workercount.h"

#include <QThread>
#include <QTimer>

#include <QDateTime>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// QTcpServer that never wraps the descriptor in a QTcpSocket: the worker
// thread owns it from accept on (Qt's "threaded server" pattern). One per
// bound address:port; several server blocks may share it (ListenGroup).
class ProxyServer::Listener final : public QTcpServer
{
public:
    Listener(ProxyServer *server, const ListenAddress &configured)
        : QTcpServer(server)
        , m_server(server)
        , m_configured(configured)
    {
    }
    ~Listener() override
    {
        // nginx removes its unix sockets when it stops listening on them.
        if (m_boundUnix)
            ::unlink(m_configured.unixPath.constData());
    }

    // listen unix:PATH: bound here, then handed to QTcpServer, which accepts
    // on any stream socket it is given.
    bool listenUnix(QString *error)
    {
        const QByteArray &path = m_configured.unixPath;
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || size_t(path.size()) >= sizeof(sun.sun_path)) {
            *error = QStringLiteral("socket() failed (%1)").arg(QString::fromLocal8Bit(std::strerror(errno)));
            if (fd >= 0)
                ::close(fd);
            return false;
        }
        std::memcpy(sun.sun_path, path.constData(), size_t(path.size()));
        if (::bind(fd, reinterpret_cast<sockaddr *>(&sun), sizeof(sun)) != 0) {
            const int e = errno;
            ::close(fd);
            *error = QStringLiteral("bind() to %1 failed (%2: %3)%4")
                         .arg(m_configured.toString())
                         .arg(e)
                         .arg(QString::fromLocal8Bit(std::strerror(e)),
                              e == EADDRINUSE ? QStringLiteral(" (a socket file left by an earlier run? remove it)")
                                              : QString());
            return false;
        }
        m_boundUnix = true;
        if (::listen(fd, 511) != 0 || !setSocketDescriptor(fd)) {
            *error = QStringLiteral("listen() to %1 failed (%2)")
                         .arg(m_configured.toString(), QString::fromLocal8Bit(std::strerror(errno)));
            ::close(fd);
            return false;
        }
        return true;
    }

    const ListenAddress &configured() const { return m_configured; }
    // The listen group this socket serves (see ProxyConfig::listenGroups).
    int group = -1;
    // A wildcard socket also serves the groups of specific addresses on its
    // port (nginx binds only the wildcard and routes by local address).
    bool routesByLocalAddress = false;

protected:
    void incomingConnection(qintptr descriptor) override { m_server->handleIncoming(descriptor, this); }

private:
    ProxyServer *m_server;
    ListenAddress m_configured;
    bool m_boundUnix = false;
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

namespace {

bool isWildcard(const QHostAddress &a)
{
    return a == QHostAddress(QHostAddress::AnyIPv4) || a == QHostAddress(QHostAddress::AnyIPv6)
        || a == QHostAddress(QHostAddress::Any);
}

bool sameFamily(const QHostAddress &a, const QHostAddress &b)
{
    if (a == QHostAddress(QHostAddress::Any) || b == QHostAddress(QHostAddress::Any))
        return true;
    return a.protocol() == b.protocol();
}

} // namespace

bool ProxyServer::bindListeners(const ConfigSnapshot &config, QString *error)
{
    // Which groups get a socket of their own: all but specific addresses
    // whose port a wildcard of the same family already covers.
    QList<int> ownSocket;
    for (int gi = 0; gi < config->listenGroups.size(); ++gi) {
        const ListenAddress &a = config->listenGroups.at(gi).address;
        bool covered = false;
        if (!isWildcard(a.address) && a.port != 0) {
            for (const ListenGroup &other : config->listenGroups) {
                if (other.address.port == a.port && isWildcard(other.address.address)
                    && sameFamily(other.address.address, a.address))
                    covered = true;
            }
        }
        if (!covered)
            ownSocket.append(gi);
    }

    QList<Listener *> next;
    QList<Listener *> created;
    for (int gi : std::as_const(ownSocket)) {
        const ListenAddress &addr = config->listenGroups.at(gi).address;
        Listener *listener = nullptr;
        for (Listener *l : std::as_const(m_listeners)) {
            if (l->configured().sameSocket(addr) && !next.contains(l)) {
                listener = l;
                break;
            }
        }
        if (!listener) {
            listener = new Listener(this, addr);
            // Bursts of connects overflow Qt's default backlog of 50 (nginx uses 511).
            listener->setListenBacklogSize(511);
            QString why;
            if (!addr.unixPath.isEmpty() ? !listener->listenUnix(&why) : !listener->listen(addr.address, addr.port)) {
                if (error)
                    *error = QStringLiteral("cannot listen on %1: %2")
                                 .arg(addr.toString(), why.isEmpty() ? listener->errorString() : why);
                delete listener;
                qDeleteAll(created);
                return false;
            }
            created.append(listener);
        }
        next.append(listener);
    }
    // Every bind worked: switch over.
    for (int i = 0; i < next.size(); ++i) {
        const int gi = ownSocket.at(i);
        next[i]->group = gi;
        next[i]->routesByLocalAddress = false;
        if (isWildcard(config->listenGroups.at(gi).address.address)) {
            for (const ListenGroup &other : config->listenGroups) {
                if (other.address.port == config->listenGroups.at(gi).address.port && !isWildcard(other.address.address)
                    && other.address.unixPath.isEmpty())
                    next[i]->routesByLocalAddress = true;
            }
        }
    }
    for (Listener *l : std::as_const(m_listeners)) {
        if (!next.contains(l)) {
            qCInfo(lcProxy).noquote() << "no longer listening on" << l->configured().toString();
            l->close();
            l->deleteLater();
        }
    }
    m_listeners = next;
    for (Listener *l : std::as_const(created))
        qCInfo(lcProxy).noquote() << "listening on"
                                  << (l->configured().unixPath.isEmpty()
                                          ? ListenAddress{l->serverAddress(), l->serverPort()}.toString()
                                          : l->configured().toString())
                                         + (config->listenGroups.value(l->group).address.ssl ? QStringLiteral(" (TLS)")
                                                                                              : QString());
    return true;
}

bool ProxyServer::start(RuntimeSnapshot runtime, QString *error)
{
    if (!bindListeners(runtime->config(), error))
        return false;
    {
        std::lock_guard<std::mutex> lock(m_configMutex);
        m_runtime = std::move(runtime);
        m_config = m_runtime->config();
    }
    m_healthChecker = new UpstreamHealthChecker(this);
    m_healthChecker->setGroups(m_runtime->groups());

    const int n = WorkerCount::forConfig(m_config->workerThreads);
    for (int i = 0; i < n; ++i) {
        auto *thread = new QThread(this);
        thread->setObjectName(QStringLiteral("wsscope-worker-%1").arg(i));
        // epoll: per-pass cost independent of idle connections (Qt's default
        // dispatcher re-polls every socket on each pass).
        thread->setEventDispatcher(new EpollEventDispatcher);
        auto *worker = new Worker(i, &m_events);
        worker->moveToThread(thread);
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        connect(worker, &Worker::drained, this, &ProxyServer::handleWorkerDrained);
        thread->start();
        m_threads.append(thread);
        m_workers.append(worker);
        m_workerDrained.append(false);
    }
    qCInfo(lcProxy).noquote() << "worker threads:" << n;
    return true;
}

bool ProxyServer::reload(RuntimeSnapshot runtime, QString *error)
{
    const ConfigSnapshot &config = runtime->config();
    if (m_stopping) {
        if (error)
            *error = QStringLiteral("shutting down");
        return false;
    }
    if (!bindListeners(config, error))
        return false;
    const int wanted = WorkerCount::forConfig(config->workerThreads);
    if (wanted != m_workers.size())
        qCInfo(lcProxy).noquote() << "worker_processes changed to" << wanted << "- it takes effect after a restart";
    // New connections take the new snapshot; every session keeps its own.
    // (The groups took the running ones' state over when `runtime` was built.)
    const std::weak_ptr<const ProxyRuntime> previous = m_runtime;
    if (config->process.shutdownTimeoutSet) {
        // nginx: the old workers close what is left after worker_shutdown_timeout.
        QTimer::singleShot(qMin<qint64>(config->drainTimeoutMs, 24 * 3600 * 1000), this, [this, previous] {
            for (Worker *w : std::as_const(m_workers))
                w->closeSessionsOf(previous);
        });
    }
    {
        std::lock_guard<std::mutex> lock(m_configMutex);
        m_runtime = std::move(runtime);
        m_config = m_runtime->config();
    }
    if (m_healthChecker)
        m_healthChecker->setGroups(m_runtime->groups());
    qCInfo(lcProxy).noquote() << "configuration reloaded; open connections keep their configuration"
                              << (m_config->process.shutdownTimeoutSet ? "until worker_shutdown_timeout" : "");
    emit configReloaded();
    return true;
}

QList<ListenAddress> ProxyServer::boundAddresses() const
{
    QList<ListenAddress> out;
    for (const Listener *l : m_listeners)
        out.append(l->configured().unixPath.isEmpty() ? ListenAddress{l->serverAddress(), l->serverPort()}
                                                       : l->configured());
    return out;
}

void ProxyServer::handleIncoming(qintptr descriptor, Listener *listener)
{
    if (m_stopping || m_workers.isEmpty()) {
        ::close(int(descriptor));
        return;
    }
    int group = listener->group;
    if (listener->routesByLocalAddress) {
        // The wildcard socket accepted for a specific address of its port.
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        if (::getsockname(int(descriptor), reinterpret_cast<sockaddr *>(&ss), &len) == 0) {
            const QHostAddress local(reinterpret_cast<const sockaddr *>(&ss));
            for (int gi = 0; gi < m_config->listenGroups.size(); ++gi) {
                const ListenAddress &a = m_config->listenGroups.at(gi).address;
                if (a.port == listener->configured().port && a.address.isEqual(local, QHostAddress::TolerantConversion)) {
                    group = gi;
                    break;
                }
            }
        }
    }
    // Round-robin, skipping a worker that holds clearly more than the next.
    Worker *w = m_workers.at(m_nextWorker);
    m_nextWorker = (m_nextWorker + 1) % m_workers.size();
    Worker *alt = m_workers.at(m_nextWorker);
    if (alt->sessionCount() + 8 < w->sessionCount())
        w = alt;
    const int cap = m_config->workerConnections;
    if (cap > 0 && w->sessionCount() >= cap) {
        if (alt->sessionCount() < cap) {
            w = alt;
        } else {
            // nginx: "worker_connections are not enough"; the client sees the close.
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            if (now - m_lastLimitLogMs > 1000) {
                m_lastLimitLogMs = now;
                qCWarning(lcProxy).noquote() << cap << "worker_connections are not enough: refusing connections";
            }
            ::close(int(descriptor));
            return;
        }
    }
    w->adoptConnection(descriptor, m_runtime, group, listener->serverPort());
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

void ProxyServer::inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload)
{
    // Connection ids are process-wide; the worker that owns it acts.
    for (Worker *w : std::as_const(m_workers))
        w->inject(connectionId, direction, opcode, payload);
}

ConfigSnapshot ProxyServer::config() const
{
    std::lock_guard<std::mutex> lock(m_configMutex);
    return m_config;
}

RuntimeSnapshot ProxyServer::runtime() const
{
    std::lock_guard<std::mutex> lock(m_configMutex);
    return m_runtime;
}

QList<UpstreamFigures> ProxyServer::upstreamFigures() const
{
    const RuntimeSnapshot current = runtime();
    QList<UpstreamFigures> out;
    if (!current)
        return out;
    const qint64 now = UpstreamGroup::clockMs();
    for (const auto &group : current->groups())
        out.append(group->figures(now));
    return out;
}
