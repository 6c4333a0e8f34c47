#include "inspect/connectionrecord.h"

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
