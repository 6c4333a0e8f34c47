#include "upstreamkeepalive.h"

#include "upstream/upstreamgroup.h"

#include <algorithm>

void UpstreamKeepalive::put(const std::shared_ptr<UpstreamGroup> &group, qsizetype server, bool tls,
                            Connection connection, qint64 nowMs)
{
    const UpstreamBalancing &b = group->balancing();
    // ngx_http_upstream_free_keepalive_peer: requests, time, and exiting.
    if (m_closed || b.keepalive <= 0 || connection.requests >= b.keepaliveRequests
        || nowMs - connection.startedMs > b.keepaliveTimeMs || !connection.stream->isIdleOpen()) {
        connection.stream->close();
        return;
    }
    // The cache is full: the least recently used connection of the group goes.
    qsizetype kept = 0;
    for (const Entry &e : m_idle)
        kept += e.group == group;
    if (kept >= b.keepalive) {
        const auto oldest = std::find_if(m_idle.begin(), m_idle.end(), [&](const Entry &e) { return e.group == group; });
        oldest->connection.stream->close();
        m_idle.erase(oldest);
    }
    connection.stream->setHandler(this);
    connection.stream->setReadEnabled(true);
    m_idle.push_back(Entry{group, server, tls, std::move(connection), nowMs});
}

UpstreamKeepalive::Connection UpstreamKeepalive::take(const UpstreamGroup *group, qsizetype server, bool tls,
                                                      qint64 nowMs)
{
    for (auto it = m_idle.end(); it != m_idle.begin();) {
        --it;
        if (it->group.get() != group || it->server != server || it->tls != tls)
            continue;
        Connection c = std::move(it->connection);
        const bool fresh = nowMs - it->idleSinceMs <= group->balancing().keepaliveTimeoutMs;
        it = m_idle.erase(it);
        if (fresh && c.stream->isIdleOpen())
            return c;
        c.stream->close(); // timed out or closed by the server since: try the next one
    }
    return {};
}

void UpstreamKeepalive::expire(qint64 nowMs)
{
    m_closedStreams.clear();
    std::erase_if(m_idle, [nowMs](Entry &e) {
        if (nowMs - e.idleSinceMs <= e.group->balancing().keepaliveTimeoutMs)
            return false;
        e.connection.stream->close();
        return true;
    });
}

void UpstreamKeepalive::closeAll()
{
    m_closed = true;
    for (Entry &e : m_idle)
        e.connection.stream->close();
    m_idle.clear();
}

void UpstreamKeepalive::streamReadable(TcpStream *stream)
{
    // nginx's ngx_http_upstream_keepalive_close_handler: an idle connection
    // has nothing to say; a FIN, a reset or stray bytes all end it.
    const auto it = std::find_if(m_idle.begin(), m_idle.end(),
                                 [stream](const Entry &e) { return e.connection.stream.get() == stream; });
    if (it == m_idle.end())
        return;
    if (stream->isIdleOpen())
        return; // a spurious wake-up
    stream->close();
    // Freed at the next expire(): we are inside the stream's own callback.
    m_closedStreams.push_back(std::move(it->connection.stream));
    m_idle.erase(it);
}
