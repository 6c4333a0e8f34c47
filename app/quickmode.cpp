#include "quickmode.h"

#include <QHostInfo>
#include <QUrl>

bool parseListenAddress(const QString &text, ListenAddress *out, QString *error)
{
    QString host;
    QString port;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0 || close + 1 >= text.size() || text.at(close + 1) != QLatin1Char(':')) {
            *error = QStringLiteral("invalid listen address \"%1\" (expected [IPv6]:PORT)").arg(text);
            return false;
        }
        host = text.mid(1, close - 1);
        port = text.mid(close + 2);
    } else if (text.contains(QLatin1Char(':'))) {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        host = text.left(colon);
        port = text.mid(colon + 1);
    } else {
        host = QStringLiteral("0.0.0.0");
        port = text;
    }
    bool ok = false;
    const uint p = port.toUInt(&ok);
    if (!ok || p > 65535) {
        *error = QStringLiteral("invalid port in listen address \"%1\"").arg(text);
        return false;
    }
    QHostAddress addr;
    if (host == QLatin1String("*") || host.isEmpty())
        addr = QHostAddress(QHostAddress::AnyIPv4);
    else if (host == QLatin1String("localhost"))
        addr = QHostAddress(QHostAddress::LocalHost);
    else if (!addr.setAddress(host)
             || (addr.protocol() == QAbstractSocket::IPv4Protocol && host.count(QLatin1Char('.')) != 3)) {
        *error = QStringLiteral("invalid listen address \"%1\" (use an IP address, not a host name)").arg(text);
        return false;
    }
    out->address = addr;
    out->port = quint16(p);
    return true;
}

qint64 parseDurationMs(const QString &text)
{
    static const struct { const char *suffix; qint64 factor; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000},
    };
    for (const auto &u : units) {
        if (text.endsWith(QLatin1String(u.suffix))) {
            bool ok = false;
            const qint64 v = text.chopped(qsizetype(qstrlen(u.suffix))).toLongLong(&ok);
            return ok && v >= 0 ? v * u.factor : -1;
        }
    }
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    return ok && v >= 0 ? v * 1000 : -1;
}

std::shared_ptr<ProxyConfig> buildQuickConfig(const QuickModeOptions &options, QString *error)
{
    auto config = std::make_shared<ProxyConfig>();
    config->workerThreads = options.workers;
    config->drainTimeoutMs = options.drainTimeoutMs;

    ServerConfig server;
    server.serverName = "_";
    for (const QString &l : options.listen) {
        ListenAddress addr;
        if (!parseListenAddress(l, &addr, error))
            return nullptr;
        server.listens.append(addr);
    }
    if (server.listens.isEmpty()) {
        *error = QStringLiteral("--listen is required (e.g. --listen 127.0.0.1:8080)");
        return nullptr;
    }
    if (options.upstreams.isEmpty()) {
        *error = QStringLiteral("--upstream is required (e.g. --upstream ws://127.0.0.1:9000)");
        return nullptr;
    }

    QList<UpstreamServer> servers;
    QByteArray path;
    bool havePath = false;
    QByteArray proxyHost;
    for (const QString &u : options.upstreams) {
        const QUrl url(u, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || url.host().isEmpty()) {
            *error = QStringLiteral("invalid upstream URL \"%1\" (expected ws://HOST:PORT[/path])").arg(u);
            return nullptr;
        }
        if (scheme == QLatin1String("wss") || scheme == QLatin1String("https")) {
            *error = QStringLiteral("upstream \"%1\": TLS upstreams are not supported yet; use ws:// or http://").arg(u);
            return nullptr;
        }
        if (scheme != QLatin1String("ws") && scheme != QLatin1String("http")) {
            *error = QStringLiteral("upstream \"%1\": scheme must be ws:// or http://").arg(u);
            return nullptr;
        }
        if (!url.query().isEmpty() || !url.fragment().isEmpty() || !url.userInfo().isEmpty()) {
            *error = QStringLiteral("upstream \"%1\": only HOST:PORT and a path are allowed").arg(u);
            return nullptr;
        }
        const int port = url.port(80);
        QByteArray thisPath = url.path(QUrl::FullyEncoded).toUtf8();
        if (thisPath == "/")
            thisPath.clear(); // location / replaced by "/" is the identity

        if (!servers.isEmpty() && thisPath != path) {
            *error = QStringLiteral("all --upstream URLs of one group must have the same path (\"%1\" vs \"%2\")")
                         .arg(QString::fromUtf8(path), QString::fromUtf8(thisPath));
            return nullptr;
        }
        path = thisPath;
        havePath = !thisPath.isEmpty();

        QHostAddress address;
        if (!address.setAddress(url.host())) {
            const QHostInfo info = QHostInfo::fromName(url.host());
            if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
                *error = QStringLiteral("upstream \"%1\": host not found: %2").arg(u, info.errorString());
                return nullptr;
            }
            address = info.addresses().constFirst();
        }
        const QByteArray hostPort = (url.host().contains(QLatin1Char(':')) ? '[' + url.host().toUtf8() + ']'
                                                                           : url.host().toUtf8())
            + (url.port() > 0 ? ':' + QByteArray::number(port) : QByteArray());
        servers.append(UpstreamServer{hostPort, address, quint16(port), 1});
        proxyHost = hostPort;
    }

    LocationConfig location;
    location.prefix = "/";
    location.proxyPass.group = std::make_shared<UpstreamGroup>(QByteArrayLiteral("quick"), servers);
    // nginx sets $proxy_host to the upstream block's name for a group.
    location.proxyPass.proxyHost = servers.size() == 1 ? proxyHost : QByteArrayLiteral("quick");
    location.proxyPass.hasUri = havePath;
    location.proxyPass.uri = path;
    location.headers = defaultProxyHeaders();
    location.connectTimeoutMs = options.connectTimeoutMs;
    location.readTimeoutMs = options.readTimeoutMs;
    location.sendTimeoutMs = options.sendTimeoutMs;
    server.locations.append(location);
    config->servers.append(server);
    return config;
}
