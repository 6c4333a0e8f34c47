#pragma once

#include "net/tcpstream.h"

#include <memory>
#include <vector>

class UpstreamGroup;

// A worker thread's idle upstream connections (nginx's
// ngx_http_upstream_keepalive_module): after a complete response with
// keep-alive semantics an exchange hands its connection here instead of
// closing it, and the next request to the same server of the same group
// (and scheme) takes it back. At most `keepalive N` per group, the least
// recently used closed first; each is closed when the server closes it or
// sends anything while idle, after keepalive_timeout idle, and is not put
// back after keepalive_requests requests or past keepalive_time. WebSocket
// tunnels never come here (only finished HTTP exchanges do).
class UpstreamKeepalive final : private TcpStream::Handler
{
    Q_DISABLE_COPY_MOVE(UpstreamKeepalive)

public:
    // A connection and what it has served so far.
    struct Connection
    {
        std::unique_ptr<TcpStream> stream;
        int requests = 0;     // exchanges it carried (nginx's c->requests)
        qint64 startedMs = 0; // when it was opened (keepalive_time)
    };

    UpstreamKeepalive() = default;
    ~UpstreamKeepalive() = default;

    // Keeps `connection` to server `server` of `group` if the group's
    // limits allow; otherwise it is closed. The caller already counted
    // the exchange in connection.requests.
    void put(const std::shared_ptr<UpstreamGroup> &group, qsizetype server, bool tls, Connection connection,
             qint64 nowMs);
    // The most recently used idle connection to that server, still open;
    // an empty stream when there is none.
    Connection take(const UpstreamGroup *group, qsizetype server, bool tls, qint64 nowMs);
    // keepalive_timeout: closes what sat idle too long.
    void expire(qint64 nowMs);
    // Shutdown: every idle connection closes, none is kept from now on.
    void closeAll();
    qsizetype idleCount() const { return qsizetype(m_idle.size()); }

private:
    struct Entry
    {
        std::shared_ptr<UpstreamGroup> group; // held: the key stays valid across a reload
        qsizetype server;
        bool tls;
        Connection connection;
        qint64 idleSinceMs;
    };

    // An idle connection that becomes readable was closed by the server
    // (or sent what nobody asked for): it goes.
    void streamReadable(TcpStream *stream) override;
    void streamDrained(TcpStream *) override {}
    void streamConnected(TcpStream *) override {}

    std::vector<Entry> m_idle; // oldest first; a few per group, so scans stay short
    std::vector<std::unique_ptr<TcpStream>> m_closedStreams; // closed from their own callback, freed later
    bool m_closed = false;
};
