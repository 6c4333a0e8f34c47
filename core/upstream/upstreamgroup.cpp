#include "upstreamgroup.h"

UpstreamGroup::UpstreamGroup(QByteArray name, QList<UpstreamServer> servers)
    : m_name(std::move(name))
    , m_servers(std::move(servers))
{
}

qsizetype UpstreamGroup::pick()
{
    if (m_servers.isEmpty())
        return -1;
    const quint64 n = quint64(m_servers.size());
    const quint64 start = m_next.fetch_add(1, std::memory_order_relaxed);
    for (const bool wantBackup : {false, true}) {
        for (quint64 i = 0; i < n; ++i) {
            const qsizetype idx = qsizetype((start + i) % n);
            const UpstreamServer &s = m_servers.at(idx);
            if (!s.down && s.backup == wantBackup)
                return idx;
        }
    }
    // Every server is `down`: callers check hasLiveServer() first and answer
    // 502; never hand out an invalid index.
    return qsizetype(start % n);
}

bool UpstreamGroup::hasLiveServer() const
{
    for (const UpstreamServer &s : m_servers) {
        if (!s.down)
            return true;
    }
    return false;
}
