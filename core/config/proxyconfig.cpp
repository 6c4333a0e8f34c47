#include "proxyconfig.h"

QString ListenAddress::toString() const
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return QStringLiteral("[%1]:%2").arg(address.toString()).arg(port);
    return QStringLiteral("%1:%2").arg(address.toString()).arg(port);
}

const LocationConfig *ServerConfig::matchLocation(QByteArrayView path) const
{
    const LocationConfig *best = nullptr;
    for (const LocationConfig &loc : locations) {
        if (path.startsWith(loc.prefix) && (!best || loc.prefix.size() > best->prefix.size()))
            best = &loc;
    }
    return best;
}

QByteArray upstreamTargetFor(const LocationConfig &location, const QByteArray &clientTarget)
{
    if (!location.proxyPass.hasUri)
        return clientTarget;
    if (!clientTarget.startsWith(location.prefix))
        return clientTarget;
    return location.proxyPass.uri + clientTarget.mid(location.prefix.size());
}

QList<HeaderRule> defaultProxyHeaders()
{
    auto rule = [](const char *name, const char *value) {
        return HeaderRule{QByteArray(name), *ValueTemplate::compile(value, nullptr)};
    };
    return {
        rule("Host", "$http_host"),
        rule("Upgrade", "$http_upgrade"),
        rule("Connection", "$connection_upgrade"),
        rule("X-Real-IP", "$remote_addr"),
        rule("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
        rule("X-Forwarded-Proto", "$scheme"),
    };
}
