#include "dnstcplink.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcDns) // dnsclient.cpp

namespace {

constexpr qsizetype ReadChunk = 16 * 1024;

} // namespace

DnsTcpLink::DnsTcpLink(const DnsResolver::NameServer &server, MessageHandler onMessage)
    : m_server(server)
    , m_onMessage(std::move(onMessage))
    , m_activityMs(DnsResolver::clockMs())
{
}

DnsTcpLink::~DnsTcpLink() = default;

QString DnsTcpLink::serverText() const
{
    const QString host = m_server.address.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + m_server.address.toString() + QLatin1Char(']')
        : m_server.address.toString();
    return host + QLatin1Char(':') + QString::number(m_server.port);
}

bool DnsTcpLink::send(const QByteArray &query)
{
    if (m_closed)
        return false;
    if (query.size() > 0xffff)
        return false; // cannot be framed (a question never comes close)
    if (!m_stream) {
        m_stream = std::make_unique<TcpStream>(static_cast<TcpStream::Handler *>(this));
        if (!m_stream->connectTo(m_server.address, m_server.port)) {
            fail("connect", *m_stream);
            return false;
        }
    }
    if (m_stream->pendingBytes() + 2 + query.size() > MaxQueued) {
        qCWarning(lcDns).noquote() << "DNS TCP buffer overflow toward" << serverText(); // nginx: "buffer overflow"
        return false;
    }
    const char length[2] = {char(query.size() >> 8), char(query.size() & 0xff)};
    m_stream->write(QByteArray(length, 2) + query); // one write: the query never leaves without its length
    if (m_stream->failed()) {
        fail("send", *m_stream);
        return false;
    }
    ++m_sent;
    m_activityMs = DnsResolver::clockMs();
    return true;
}

void DnsTcpLink::fail(const char *call, const TcpStream &stream)
{
    // nginx's wording (ngx_tcp_connect, ngx_resolver_tcp_read): "connect() to ADDR failed (ERR)" while resolving
    close(QStringLiteral("%1() %2 %3 failed (%4: %5) while resolving over TCP")
              .arg(QLatin1String(call), QLatin1String(qstrcmp(call, "recv") == 0 ? "from" : "to"), serverText())
              .arg(stream.error())
              .arg(stream.errorString()));
}

void DnsTcpLink::close(const QString &why)
{
    if (m_closed)
        return;
    m_closed = true;
    if (!why.isEmpty())
        qCWarning(lcDns).noquote() << why;
    if (m_stream)
        m_stream->close(); // allowed inside the stream's own callbacks; the object stays until the owner retires us
}

void DnsTcpLink::streamConnected(TcpStream *stream)
{
    if (stream->failed()) {
        fail("connect", *stream);
        return;
    }
    m_activityMs = DnsResolver::clockMs();
}

void DnsTcpLink::streamDrained(TcpStream *stream)
{
    if (stream->failed()) {
        fail("send", *stream);
        return;
    }
    m_activityMs = DnsResolver::clockMs();
}

void DnsTcpLink::streamReadable(TcpStream *stream)
{
    // A bounded number of reads per wake-up: a server streaming answers
    // cannot hold the thread (the rest waits for the next readiness).
    for (int i = 0; i < 8 && !m_closed; ++i) {
        const qsizetype old = m_in.size();
        m_in.resize(old + ReadChunk);
        const qsizetype n = stream->read(m_in.data() + old, ReadChunk);
        m_in.resize(old + qMax<qsizetype>(n, 0));
        if (n == TcpStream::WouldBlock)
            return;
        if (n == TcpStream::Failed) {
            fail("recv", *stream);
            return;
        }
        if (n == 0) {
            // The server may close an idle connection (RFC 7766 6.2.3);
            // one closed under a question is worth a warning.
            close(awaiting() > 0 || !m_in.isEmpty()
                      ? QStringLiteral("DNS server %1 closed the TCP connection before answering").arg(serverText())
                      : QString());
            return;
        }
        m_activityMs = DnsResolver::clockMs();
        if (!deliver())
            return;
    }
}

bool DnsTcpLink::deliver()
{
    qsizetype pos = 0;
    while (m_in.size() - pos >= 2) {
        const qsizetype length = (qsizetype(quint8(m_in[pos])) << 8) | quint8(m_in[pos + 1]);
        if (m_in.size() - pos < 2 + length)
            break;
        const QByteArray message = m_in.mid(pos + 2, length);
        pos += 2 + length;
        ++m_received;
        m_onMessage(message); // may send more on this link, never destroys it
        if (m_closed)
            return false;
    }
    m_in.remove(0, pos);
    return true;
}
