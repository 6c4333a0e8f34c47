#pragma once

#include <QThread>
#include <QtGlobal>

// How many worker threads a configuration asks for: `worker_processes N`
// (workerThreads > 0) or `auto` (0: one per core, nginx's ngx_ncpu), capped
// at MaxWorkerThreads either way. ProxyServer::start uses it to create the
// threads and reload() to tell whether the number changed, so both must
// apply the same rule.
namespace WorkerCount {

inline constexpr int MaxWorkerThreads = 64;

constexpr int forConfig(int configured, int idealThreads)
{
    return qBound(1, configured > 0 ? configured : idealThreads, MaxWorkerThreads);
}

inline int forConfig(int configured)
{
    return forConfig(configured, QThread::idealThreadCount());
}

} // namespace WorkerCount
