#pragma once

#include "inspect/closecause.h"
#include "net/tcpstream.h"
#include "tunneltap.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

struct LocationConfig;
struct HttpResponseHead;
struct WsHandshakeReport;
class Worker;

// The handshake check's findings (RFC 6455 4.1/4.2.2, RFC 7692) as
// events, for a 101 and for an upgrade the upstream refused alike.
QList<FindingEvent> handshakeFindingEvents(const WsHandshakeReport &report);

// A WebSocket connection after its 101 (nginx's ngx_http_upstream_upgrade):
// bytes both ways through one TunnelTap per direction, the proxy's own
// frames (keepalive pings, the send panel's, a closing frame) placed
// between the peers' frames, and half-close passed on. Not a QObject: the
// session feeds it what its streams read and acts on what it answers.
class WebSocketTunnel final
{
    Q_DISABLE_COPY_MOVE(WebSocketTunnel)

public:
    WebSocketTunnel(TcpStream *client, TcpStream *upstream, const LocationConfig &location, Worker *worker,
                    std::function<void(InspectPayload)> report);

    // The 101 as checked against the forwarded request: permessage-deflate
    // parameters drive the inflaters (display only). `nowMs`: the first ping's clock.
    void start(const WsHandshakeReport &handshake, qint64 nowMs);

    // Relays what one peer sent toward the other. Inline: this is the hot path.
    void fromClient(const char *data, qsizetype size) { m_toUpstream.relay(data, size); }
    void fromUpstream(const char *data, qsizetype size) { m_toClient.relay(data, size); }

    // A FIN arrived from one side (`clientEof` / `upstreamEof`: which sides
    // are done by now): passed on once what came before it is delivered.
    // True when both sides are done and nothing waits: the tunnel is over.
    bool passEof(bool fromClient, bool clientEof, bool upstreamEof);
    bool isOver(bool clientEof, bool upstreamEof) const
    {
        return clientEof && upstreamEof && m_client->pendingBytes() == 0 && m_upstream->pendingBytes() == 0;
    }

    // The send panel's frames (see Session::inject).
    bool inject(Direction direction, WsOpcode opcode, const QByteArray &payload, QString *error);

    // ws_ping_interval: sends due pings, and checks the outstanding ones.
    // A peer that did not answer within ws_ping_timeout gets a closing frame
    // (so do the other); the cause is then returned, with `detail` set.
    std::optional<CloseCause> keepalive(qint64 nowMs, QString *detail);
    // The closing frames for both peers that still listen (code toward the
    // client; 1001 toward the upstream), ahead of closing both sockets.
    void closeWithFrames(quint16 code, const QString &reason);

    const std::optional<WsCloseInfo> &clientClose() const { return m_toUpstream.closeInfo(); }
    const std::optional<WsCloseInfo> &upstreamClose() const { return m_toClient.closeInfo(); }

private:
    TcpStream *m_client;
    TcpStream *m_upstream;
    const LocationConfig &m_location;
    Worker *m_worker;
    TunnelTap m_toUpstream; // bytes client -> upstream
    TunnelTap m_toClient;   // bytes upstream -> client
    qint64 m_nextPingMs = 0;
    quint32 m_pingSequence = 0;
};
