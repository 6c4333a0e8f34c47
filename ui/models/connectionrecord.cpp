#include "connectionrecord.h"

#include <QtEndian>

ConnectionRecord::State ConnectionRecord::state() const
{
    if (closed)
        return hasError() ? State::Failed : State::Closed;
    if (tunnel)
        return State::Open;
    if (exchange || (response && response->head.status != 101))
        return State::Http;
    if (route)
        return State::Routed;
    return State::Connecting;
}

bool ConnectionRecord::hasError() const
{
    if (!violations.isEmpty())
        return true;
    if (response && response->head.status >= 400)
        return true;
    for (const FindingEvent &f : findings) {
        if (f.severity == FindingEvent::Severity::Error)
            return true;
    }
    if (!closed)
        return false;
    switch (closed->cause) {
    case CloseCause::ClientError:
    case CloseCause::UpstreamError:
    case CloseCause::ReadTimeout:
    case CloseCause::SendTimeout:
    case CloseCause::HeaderTimeout:
    case CloseCause::BadRequest:
    case CloseCause::UpstreamFailure:
    case CloseCause::PingTimeout:
    case CloseCause::ProtocolError:
        return true;
    default:
        break;
    }
    for (const auto &close : {closed->clientClose, closed->upstreamClose}) {
        if (close && close->code && *close->code != 1000 && *close->code != 1001)
            return true;
    }
    return false;
}

QString ConnectionRecord::clientText() const
{
    if (!opened)
        return {};
    QHostAddress address = opened->clientAddress;
    bool ok = false;
    const quint32 v4 = address.toIPv4Address(&ok);
    if (ok)
        address = QHostAddress(v4);
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return QStringLiteral("[%1]:%2").arg(address.toString()).arg(opened->clientPort);
    return QStringLiteral("%1:%2").arg(address.toString()).arg(opened->clientPort);
}

QString ConnectionRecord::pathText() const
{
    return received ? QString::fromUtf8(received->target) : QString();
}

QString ConnectionRecord::upstreamText() const
{
    return route ? route->upstreamServer : QString();
}

QList<InspectEvent> ConnectionRecord::toEvents() const
{
    QList<InspectEvent> out;
    auto add = [&](qint64 ns, qint64 wallMs, InspectPayload payload) {
        InspectEvent e;
        e.connectionId = id;
        e.monotonicNs = ns;
        e.wallMs = wallMs;
        e.payload = std::move(payload);
        out.append(std::move(e));
    };
    if (opened)
        add(openedNs, openedWallMs, *opened);
    if (received)
        add(openedNs, openedWallMs, RequestHeadEvent{*received, false});
    if (route)
        add(openedNs, openedWallMs, *route);
    if (forwarded)
        add(openedNs, openedWallMs, RequestHeadEvent{*forwarded, true});
    if (response)
        add(openedNs, openedWallMs, *response);
    if (tunnel)
        add(openedNs, openedWallMs, *tunnel);
    for (const FindingEvent &f : findings)
        add(openedNs, openedWallMs, f);
    for (const FrameRecord &f : frames) {
        if (f.isControl()) {
            ControlFrameEvent c;
            c.direction = f.direction;
            c.opcode = f.opcode;
            c.payload = QByteArray(f.payload.constData(), f.payload.size()); // deep: the frame may go
            c.injected = f.injected;
            c.swallowed = f.swallowed;
            c.roundTripUs = f.roundTripUs;
            if (f.opcode == WsOpcode::Close) {
                WsCloseInfo info;
                if (f.payload.size() >= 2) {
                    info.code = qFromBigEndian<quint16>(f.payload.constData());
                    info.reason = QString::fromUtf8(f.payload.mid(2));
                }
                c.close = info;
            }
            add(f.monotonicNs, f.wallMs, std::move(c));
        } else {
            MessageEvent m;
            m.direction = f.direction;
            m.message.preview = QByteArray(f.payload.constData(), f.payload.size());
            m.message.totalLength = f.length;
            m.message.frameCount = 1;
            m.message.opcode = f.opcode;
            m.message.utf8 = f.opcode == WsOpcode::Text ? WsUtf8Validity::Valid : WsUtf8Validity::NotText;
            m.message.truncated = f.truncated;
            m.message.compressed = f.compressed;
            m.inflated = f.inflated;
            m.injected = f.injected;
            add(f.monotonicNs, f.wallMs, std::move(m));
        }
    }
    for (const ViolationEvent &v : violations)
        add(openedNs, openedWallMs, v);
    if (exchange)
        add(openedNs + exchange->durationMs * 1'000'000, openedWallMs + exchange->durationMs, *exchange);
    if (closed)
        add(openedNs + closed->durationMs * 1'000'000, closedWallMs, *closed);
    return out;
}
