#include "configdoctor.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <tuple>

using namespace Qt::StringLiterals;

QList<ConfDiagnostic> DoctorFinding::toDiagnostics() const
{
    ConfDiagnostic warning;
    warning.severity = ConfDiagnostic::Severity::Warning;
    warning.location = location;
    warning.message = message + u" ["_s + rule + u']';
    ConfDiagnostic note;
    note.severity = ConfDiagnostic::Severity::Note;
    note.location = location;
    note.message = u"fix: "_s + fix;
    return {warning, note};
}

namespace {

QString text(QByteArrayView s)
{
    return QString::fromUtf8(s);
}

const HeaderOrigin *findHeader(const LocationConfig &loc, QByteArrayView name)
{
    for (const HeaderOrigin &h : loc.headerOrigins) {
        if (QByteArrayView(h.name).compare(name, Qt::CaseInsensitive) == 0)
            return &h;
    }
    return nullptr;
}

QString locationName(const LocationConfig &loc)
{
    using M = LocationConfig::Match;
    switch (loc.match) {
    case M::Exact: return u"= "_s + text(loc.prefix);
    case M::PreferPrefix: return u"^~ "_s + text(loc.prefix);
    case M::Regex: return u"~ "_s + text(loc.prefix);
    case M::RegexCaseless: return u"~* "_s + text(loc.prefix);
    default: return text(loc.prefix);
    }
}

class Checker
{
public:
    QList<DoctorFinding> findings;

    void add(const QString &rule, const ConfLocation &at, const QString &message, const QString &fix)
    {
        const QString key = rule + u'@' + at.toString();
        if (m_seen.contains(key))
            return;
        m_seen.insert(key);
        findings.append(DoctorFinding{rule, at, message, fix});
    }

    void checkLocation(const LocationConfig &loc)
    {
        checkHeaders(loc);
        if (loc.proxyPass.isSet()) {
            checkTrailingSlash(loc);
            if (ConfigDoctor::isWebSocketLocation(loc))
                checkWebSocket(loc);
        }
        for (const LocationConfig &n : loc.nested)
            checkLocation(n);
    }

private:
    void checkHeaders(const LocationConfig &loc)
    {
        for (const HeaderOrigin &h : loc.headerOrigins) {
            if (h.name.contains('_')) {
                QByteArray dashed = h.name;
                dashed.replace('_', '-');
                add(u"header-underscore"_s, h.at,
                    u"header name \"%1\" contains \"_\": nginx (underscores_in_headers off) and many proxies "
                    u"and servers silently drop such headers"_s.arg(text(h.name)),
                    u"use \"proxy_set_header %1 %2;\""_s.arg(text(dashed), text(h.value)));
            }
            if (QByteArrayView(h.name).compare("Connection", Qt::CaseInsensitive) == 0
                && h.value.trimmed().compare("upgrade", Qt::CaseInsensitive) == 0) {
                add(u"connection-constant"_s, h.at,
                    u"Connection is always \"%1\": plain HTTP requests through this location are sent upstream "
                    u"as upgrade requests too"_s.arg(text(h.value)),
                    u"map $http_upgrade $connection_upgrade { default upgrade; '' close; } at http level, then "
                    u"\"proxy_set_header Connection $connection_upgrade;\""_s);
            }
        }
        for (const HeaderShadow &s : loc.headerShadows) {
            QStringList names;
            for (const HeaderOrigin &h : s.dropped)
                names << text(h.name) + u" ("_s + h.at.toString() + u')';
            add(u"header-inheritance"_s, s.at,
                u"proxy_set_header here stops nginx's inheritance: %1 set further out %2 no longer sent"_s.arg(
                    names.join(u", "_s), s.dropped.size() == 1 ? u"is"_s : u"are"_s),
                u"repeat those proxy_set_header lines at this level, or keep all of them at one level"_s);
        }
    }

    void checkTrailingSlash(const LocationConfig &loc)
    {
        using M = LocationConfig::Match;
        if (!loc.proxyPass.hasUri || (loc.match != M::Prefix && loc.match != M::PreferPrefix))
            return;
        const bool locSlash = loc.prefix.endsWith('/');
        const bool uriSlash = loc.proxyPass.uri.endsWith('/');
        if (locSlash == uriSlash)
            return;
        const QByteArray sample = loc.prefix + (locSlash ? "x" : "/x");
        const QByteArray target = upstreamTargetFor(loc, sample);
        add(u"trailing-slash"_s, loc.proxyPass.at,
            u"location \"%1\" with proxy_pass URI \"%2\": a request for %3 reaches the backend as %4"_s.arg(
                text(loc.prefix), text(loc.proxyPass.uri), text(sample), text(target)),
            locSlash ? u"end the proxy_pass URI with \"/\" too (\"%1/\"), or drop the URI part"_s.arg(text(loc.proxyPass.uri))
                     : u"end both with \"/\" (location %1/ and proxy_pass URI %2/), or drop the URI part"_s.arg(
                           text(loc.prefix), text(loc.proxyPass.uri)));
    }

    void checkWebSocket(const LocationConfig &loc)
    {
        const QString name = locationName(loc);
        if (loc.proxyHttpVersionMinor < 1) {
            add(u"ws-http-version"_s, loc.proxyHttpVersionAt.isValid() ? loc.proxyHttpVersionAt : loc.proxyPass.at,
                u"location \"%1\" proxies WebSocket over HTTP/1.0 (nginx's default): the upgrade handshake "
                u"cannot succeed"_s.arg(name),
                u"add \"proxy_http_version 1.1;\" to location \"%1\""_s.arg(name));
        }
        const HeaderOrigin *upgrade = findHeader(loc, "Upgrade");
        const HeaderOrigin *connection = findHeader(loc, "Connection");
        QStringList missing;
        if (!upgrade || upgrade->value.isEmpty())
            missing << u"Upgrade"_s;
        if (!connection || connection->value.isEmpty())
            missing << u"Connection"_s;
        if (!missing.isEmpty()) {
            add(u"ws-upgrade-headers"_s, loc.proxyPass.at,
                u"location \"%1\" proxies WebSocket without setting %2: both are hop-by-hop, so nginx never "
                u"forwards the client's and the backend sees no upgrade request"_s.arg(name,
                                                                                     missing.join(u" and "_s)),
                u"add \"proxy_set_header Upgrade $http_upgrade;\" and "
                u"\"proxy_set_header Connection $connection_upgrade;\""_s);
        }
        // Keepalive pings more frequent than the timeout keep an idle tunnel open.
        const bool pinged = loc.pingIntervalMs > 0 && loc.pingIntervalMs < loc.readTimeoutMs;
        if (loc.readTimeoutMs <= 60'000 && !pinged) {
            add(u"read-timeout"_s, loc.readTimeoutAt.isValid() ? loc.readTimeoutAt : loc.proxyPass.at,
                u"proxy_read_timeout is %1 s for WebSocket location \"%2\": a connection idle that long is closed, "
                u"and no keepalive ping is configured"_s.arg(double(loc.readTimeoutMs) / 1000.0).arg(name),
                u"set \"proxy_read_timeout 3600s;\", or let wsscope ping: \"ws_ping_interval 30s;\""_s);
        }
        const HeaderOrigin *host = findHeader(loc, "Host");
        if (!host || host->value.trimmed() == "$proxy_host") {
            add(u"host-proxy-host"_s, host ? host->at : loc.proxyPass.at,
                u"the backend receives Host: %1 ($proxy_host%2) while the browser's Origin names the public host; "
                u"a backend that checks Origin against Host rejects the handshake with 403"_s.arg(
                    text(loc.proxyPass.proxyHost), host ? QString() : u", nginx's default"_s),
                u"add \"proxy_set_header Host $host;\""_s);
        }
        const auto &group = loc.proxyPass.upstream;
        if (group && group->isExplicit && !group->balancing.isSticky()) {
            QSet<QByteArray> primaries;
            for (const UpstreamServer &s : group->servers) {
                if (!s.backup && !s.down)
                    primaries.insert(s.name);
            }
            if (primaries.size() > 1) {
                add(u"sticky"_s, loc.proxyPass.at,
                    u"upstream \"%1\" spreads WebSocket connections over %2 servers without stickiness: reconnects "
                    u"and polling fallbacks (Socket.IO, SockJS, SignalR) land on other servers and lose their "
                    u"session state"_s.arg(text(group->name)).arg(primaries.size()),
                    u"add \"ip_hash;\" (or \"hash $remote_addr consistent;\") to upstream \"%1\""_s.arg(
                        text(group->name)));
            }
        }
    }

    QSet<QString> m_seen;
};

} // namespace

bool ConfigDoctor::isWebSocketLocation(const LocationConfig &loc)
{
    for (const HeaderOrigin &h : loc.headerOrigins) {
        const bool upgradeish = h.value.contains("http_upgrade") || h.value.contains("connection_upgrade")
            || h.value.trimmed().compare("upgrade", Qt::CaseInsensitive) == 0;
        if (upgradeish)
            return true;
    }
    static const QRegularExpression wsPath(
        u"(^|[/_.\\-^~*( ])(ws|wss|websockets?|sockets?|socket\\.io|sockjs|cable|signalr|hubs?|realtime)([/_.\\-$)?]|$)"_s,
        QRegularExpression::CaseInsensitiveOption);
    return wsPath.match(text(loc.prefix)).hasMatch();
}

QStringList ConfigDoctor::rules()
{
    return {u"ws-http-version"_s, u"ws-upgrade-headers"_s, u"connection-constant"_s, u"read-timeout"_s,
            u"header-inheritance"_s, u"header-underscore"_s, u"host-proxy-host"_s, u"trailing-slash"_s,
            u"sticky"_s, u"inspect-no-tls"_s, u"inspect-no-token"_s};
}

// The inspection channel carries every frame and accepts inject and reload
// (unless read-only): on loopback only the machine's own users reach it
// (ssh -L brings it to a laptop); anywhere else it needs TLS and a token.
QList<DoctorFinding> ConfigDoctor::checkInspect(const InspectChannelConfig &channel)
{
    QList<DoctorFinding> out;
    if (!channel.enabled || channel.listen.address.isLoopback())
        return out;
    const QString where = channel.listen.toString();
    if (channel.token.isEmpty()) {
        out.append(DoctorFinding{
            u"inspect-no-token"_s, channel.listen.at,
            u"the inspection channel on %1 is not on loopback and asks for no token: anyone who reaches it can watch "
            u"every frame%2"_s.arg(where, channel.readOnly ? QString() : u", inject messages and reload the configuration"_s),
            u"add inspect_token_file PATH; (or listen on 127.0.0.1 and reach it through ssh -L)"_s});
    }
    if (!channel.listen.ssl) {
        out.append(DoctorFinding{
            u"inspect-no-tls"_s, channel.listen.at,
            u"the inspection channel on %1 is not on loopback and has no TLS: its token and every frame cross the "
            u"network in clear"_s.arg(where),
            u"add ssl (inspect_listen %1 ssl;), or listen on 127.0.0.1 and reach it through ssh -L"_s.arg(where)});
    }
    return out;
}

QList<DoctorFinding> ConfigDoctor::check(const ProxyConfig &config)
{
    Checker checker;
    for (const ServerConfig &server : config.servers) {
        for (const LocationConfig &loc : server.locations)
            checker.checkLocation(loc);
    }
    checker.findings += checkInspect(config.inspect);
    std::stable_sort(checker.findings.begin(), checker.findings.end(),
                     [](const DoctorFinding &a, const DoctorFinding &b) {
                         return std::tie(a.location.file, a.location.line, a.location.column)
                             < std::tie(b.location.file, b.location.line, b.location.column);
                     });
    return checker.findings;
}
