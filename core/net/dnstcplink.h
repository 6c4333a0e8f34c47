#pragma once

#include "dnsresolver.h"
#include "tcpstream.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>

// DNS over TCP to one name server (RFC 1035 4.2.2, RFC 7766 8): every
// message goes with a two-byte length in front. A DnsClient asks here
// again what came back truncated over UDP (nginx's
// ngx_resolver_send_tcp_query, ngx_resolver_tcp_read). The connect is
// non-blocking and the link connects on its first send; several questions
// may share it, their answers coming back in any order. Buffers are
// bounded (a write queue as nginx's NGX_RESOLVER_TCP_WSIZE, and one message
// of at most 64 KiB read at a time). A link that failed stays closed: the
// owner makes a new one and retires this one outside its callbacks.
class DnsTcpLink final : private TcpStream::Handler
{
    Q_DISABLE_COPY_MOVE(DnsTcpLink)

public:
    using MessageHandler = std::function<void(const QByteArray &message)>;

    DnsTcpLink(const DnsResolver::NameServer &server, MessageHandler onMessage);
    ~DnsTcpLink();

    const DnsResolver::NameServer &server() const { return m_server; }
    // "127.0.0.1:53" / "[::1]:53", for the log.
    QString serverText() const;

    // Queues `query` (a whole DNS message); false, with the reason logged,
    // when the link has failed or its write queue is full.
    bool send(const QByteArray &query);
    bool isOpen() const { return !m_closed; }
    // Questions sent whose answer has not come back (one message each).
    int awaiting() const { return qMax(0, m_sent - m_received); }
    // The last connect, send or receive, on DnsResolver::clockMs().
    qint64 lastActivityMs() const { return m_activityMs; }
    // Closes the connection; `why` (if any) is logged as a warning.
    void close(const QString &why = QString());

    // nginx's NGX_RESOLVER_TCP_WSIZE: queued bytes beyond it are refused.
    static constexpr qsizetype MaxQueued = 8192;

private:
    void streamReadable(TcpStream *stream) override;
    void streamDrained(TcpStream *stream) override;
    void streamConnected(TcpStream *stream) override;
    // Closes with nginx's log line for a failed system call.
    void fail(const char *call, const TcpStream &stream);
    // Hands every whole message in m_in to the owner; false once closed.
    bool deliver();

    const DnsResolver::NameServer m_server;
    const MessageHandler m_onMessage;
    std::unique_ptr<TcpStream> m_stream;
    QByteArray m_in; // a partial message (with its length), at most 2 + 65535 bytes plus one read
    qint64 m_activityMs = 0;
    int m_sent = 0;
    int m_received = 0;
    bool m_closed = false;
};
