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
    return qsizetype(m_next.fetch_add(1, std::memory_order_relaxed) % quint64(m_servers.size()));
}
