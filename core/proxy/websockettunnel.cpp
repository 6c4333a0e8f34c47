#include "websockettunnel.h"

#include "config/proxyconfig.h"
#include "websocket/handshakecheck.h"
#include "worker.h"

namespace {

TunnelTap::Options tapOptions(const LocationConfig &location)
{
    // With ws_inspect off and no pings the taps only pass bytes on;
    // otherwise they watch frames and place the proxy's own.
    TunnelTap::Options options;
    options.inspect = location.inspect;
    options.previewCap = qsizetype(location.previewBytes);
    return options;
}

} // namespace

QList<FindingEvent> handshakeFindingEvents(const WsHandshakeReport &report)
{
    QList<FindingEvent> events;
    events.reserve(report.findings.size());
    for (const WsHandshakeFinding &f : report.findings) {
        FindingEvent e;
        e.severity = f.severity == WsHandshakeFinding::Severity::Error     ? FindingEvent::Severity::Error
                   : f.severity == WsHandshakeFinding::Severity::Warning ? FindingEvent::Severity::Warning
                                                                         : FindingEvent::Severity::Info;
        e.code = f.code;
        e.text = f.text;
        events.append(std::move(e));
    }
    return events;
}

WebSocketTunnel::WebSocketTunnel(TcpStream *client, TcpStream *upstream, const LocationConfig &location,
                                 Worker *worker, std::function<void(InspectPayload)> report)
    : m_client(client)
    , m_upstream(upstream)
    , m_location(location)
    , m_worker(worker)
    , m_toUpstream(Direction::ClientToUpstream, tapOptions(location),
                   [upstream](const char *d, qsizetype n) { upstream->write(d, n); })
    , m_toClient(Direction::UpstreamToClient, tapOptions(location),
                 [client](const char *d, qsizetype n) { client->write(d, n); })
{
    auto clock = [worker] { return worker->nowNs(); };
    m_toUpstream.setEventSink(&worker->events(), report, clock);
    m_toClient.setEventSink(&worker->events(), std::move(report), clock);
}

void WebSocketTunnel::start(const WsHandshakeReport &handshake, qint64 nowMs)
{
    // RFC 7692: each direction inflates with the compressing side's promises.
    if (handshake.deflate.status == WsDeflateNegotiation::Status::Accepted) {
        m_toUpstream.setPerMessageDeflate(handshake.deflate.params.client);
        m_toClient.setPerMessageDeflate(handshake.deflate.params.server);
    }
    if (m_location.pingIntervalMs > 0)
        m_nextPingMs = nowMs + m_location.pingIntervalMs;
}

bool WebSocketTunnel::passEof(bool fromClient, bool clientEof, bool upstreamEof)
{
    // Both sides are done and nothing waits: the close sends the FIN (and a
    // TLS close_notify), so a shutdown() first would be one more syscall.
    if (isOver(clientEof, upstreamEof))
        return true;
    // Half-close: pass the FIN on once what came before it is delivered.
    (fromClient ? m_upstream : m_client)->shutdownWrite();
    return isOver(clientEof, upstreamEof);
}

bool WebSocketTunnel::inject(Direction direction, WsOpcode opcode, const QByteArray &payload, QString *error)
{
    if (wsIsControlOpcode(opcode) && payload.size() > 125) {
        *error = QStringLiteral("a control frame carries at most 125 bytes (RFC 6455 5.5)");
        return false;
    }
    TunnelTap &tap = direction == Direction::ClientToUpstream ? m_toUpstream : m_toClient;
    if (tap.closeSeen()) {
        *error = QStringLiteral("a close frame already went that way");
        return false;
    }
    if (!tap.injectFrame(opcode, payload)) {
        *error = QStringLiteral("the stream lost its framing; nothing can be injected");
        return false;
    }
    return true;
}

std::optional<CloseCause> WebSocketTunnel::keepalive(qint64 nowMs, QString *detail)
{
    const LocationConfig &loc = m_location;
    const qint64 timeoutMs = loc.pingTimeoutMs > 0 ? loc.pingTimeoutMs : loc.pingIntervalMs;
    const qint64 nowNs = m_worker->nowNs();
    // A ping toward the client is answered on the client->upstream direction, and back.
    struct Peer
    {
        quint8 flag;
        TunnelTap *out;
        TunnelTap *answers;
        const char *name;
    };
    const Peer peers[] = {
        {LocationConfig::PingClient, &m_toClient, &m_toUpstream, "client"},
        {LocationConfig::PingUpstream, &m_toUpstream, &m_toClient, "upstream"},
    };
    for (const Peer &p : peers) {
        if (!(loc.pingPeers & p.flag))
            continue;
        const qint64 oldest = p.answers->oldestPingNs();
        if (oldest >= 0 && (nowNs - oldest) / 1'000'000 > timeoutMs) {
            *detail = QStringLiteral("the %1 did not answer a ping within %2 ms").arg(QLatin1String(p.name)).arg(timeoutMs);
            // 1011 toward the client (we are its server), 1001 toward the upstream.
            closeWithFrames(p.flag == LocationConfig::PingClient ? 1001 : 1011,
                            QStringLiteral("wsscope: %1 did not answer ping").arg(QLatin1String(p.name)));
            return CloseCause::PingTimeout;
        }
    }
    if (nowMs < m_nextPingMs)
        return std::nullopt;
    m_nextPingMs = nowMs + loc.pingIntervalMs;
    for (const Peer &p : peers) {
        if (!(loc.pingPeers & p.flag) || p.out->closeSeen())
            continue;
        const QByteArray token = "wsscope-ka-" + QByteArray::number(++m_pingSequence);
        if (p.out->injectFrame(WsOpcode::Ping, token))
            p.answers->expectPong(token, nowNs);
    }
    return std::nullopt;
}

void WebSocketTunnel::closeWithFrames(quint16 code, const QString &reason)
{
    // The peer that still listens learns why; then both sockets close.
    if (!m_toClient.closeSeen())
        m_toClient.injectClose(code == 1001 ? quint16(1011) : code, reason);
    if (!m_toUpstream.closeSeen())
        m_toUpstream.injectClose(quint16(1001), reason);
}
