#include "config/compiler.h"

#include <QFile>

#include <algorithm>

namespace ConfigCompilerImpl {

// "host[:port]" with IPv6 in brackets; port is -1 when absent. Port 0
// ("any free port") only where `allowZero` (listen).
bool Compiler::splitHostPort(QByteArrayView s, QByteArray *host, int *port, bool allowZero)
{
    *port = -1;
    QByteArrayView h = s;
    QByteArrayView p;
    if (s.startsWith('[')) {
        const qsizetype close = s.indexOf(']');
        if (close < 0)
            return false;
        h = s.sliced(0, close + 1);
        QByteArrayView rest = s.sliced(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(':'))
                return false;
            p = rest.sliced(1);
            if (p.isEmpty())
                return false;
        }
    } else {
        const qsizetype colon = s.lastIndexOf(':');
        if (colon >= 0) {
            if (s.indexOf(':') != colon)
                return false; // an IPv6 address needs brackets
            h = s.first(colon);
            p = s.sliced(colon + 1);
            if (p.isEmpty())
                return false;
        }
    }
    if (h.isEmpty())
        return false;
    if (!p.isEmpty()) {
        bool ok = false;
        const int v = p.toInt(&ok);
        if (!ok || v < (allowZero ? 0 : 1) || v > 65535)
            return false;
        *port = v;
    }
    *host = h.toByteArray();
    return true;
}

bool Compiler::unixSocketPath(const QByteArray &url, const ConfLocation &at, QByteArray *path)
{
    // "unix:PATH": the path must fit a sockaddr_un (ngx_parse_unix_domain_url).
    const QByteArray p = url.mid(5);
    if (p.isEmpty()) {
        error(at, u"no path in the unix domain socket \"%1\""_s.arg(text(url)));
        return false;
    }
    if (p.size() >= 108) {
        error(at, u"too long path in the unix domain socket \"%1\""_s.arg(text(url)));
        return false;
    }
    *path = QFile::encodeName(resolvePath(p));
    return true;
}

QList<QHostAddress> Compiler::resolveHost(const QByteArray &host, const ConfLocation &at, const QString &what)
{
    QByteArray bare = host;
    if (bare.startsWith('[') && bare.endsWith(']'))
        bare = bare.mid(1, bare.size() - 2);
    QHostAddress literal;
    if (literal.setAddress(QString::fromLatin1(bare)))
        return {literal};
    QString why;
    const QList<QHostAddress> addresses = m_options.resolve(QString::fromUtf8(bare), &why);
    if (addresses.isEmpty())
        error(at, u"host not found in %1 \"%2\"%3"_s.arg(what, text(host),
                                                           why.isEmpty() ? QString() : u" ("_s + why + u')'));
    return addresses;
}

void Compiler::compileUpstream(const ConfDirective &d)
{
    if (!checkArgs(d, Ctx::Http))
        return;
    const QByteArray name = d.argText(0);
    if (m_upstreams.contains(name.toLower())) {
        error(d.args.at(0).location, u"duplicate upstream \"%1\""_s.arg(text(name)));
        return;
    }
    QList<UpstreamServer> servers;
    UpstreamBalancing balancing;
    bool methodSet = false;
    // nginx: ip_hash, hash and random do not support `backup`. A backup
    // server after the method is an error ("balancing method does not
    // support parameter"); one before it is accepted by nginx, and only
    // reached by the method's round-robin fallback.
    bool backupAllowed = true;
    const ConfDirective *backupBeforeMethod = nullptr;
    auto setMethod = [&](const ConfDirective &c, UpstreamBalancing::Method m) {
        if (methodSet)
            warning(c.location, u"load balancing method redefined"_s);
        methodSet = true;
        balancing.method = m;
        backupAllowed = m == UpstreamBalancing::Method::RoundRobin || m == UpstreamBalancing::Method::LeastConn;
    };
    for (const ConfDirective &c : d.children) {
        if (c.name == "server") {
            if (checkArgs(c, Ctx::Upstream)) {
                const qsizetype before = servers.size();
                if (!upstreamServer(c, &servers, backupAllowed))
                    continue;
                if (servers.size() > before && servers.constLast().backup && !backupBeforeMethod)
                    backupBeforeMethod = &c;
            }
        } else if (c.name == "ip_hash" || c.name == "least_conn") {
            if (checkArgs(c, Ctx::Upstream))
                setMethod(c, c.name == "ip_hash" ? UpstreamBalancing::Method::IpHash
                                                 : UpstreamBalancing::Method::LeastConn);
        } else if (c.name == "random") {
            if (!checkArgs(c, Ctx::Upstream))
                continue;
            if (c.argCount() >= 1 && c.argText(0) != "two") {
                error(c.args.at(0).location, u"invalid parameter \"%1\""_s.arg(text(c.argText(0))));
                continue;
            }
            if (c.argCount() == 2 && c.argText(1) != "least_conn") {
                error(c.args.at(1).location, u"invalid parameter \"%1\""_s.arg(text(c.argText(1))));
                continue;
            }
            setMethod(c, UpstreamBalancing::Method::Random);
            balancing.randomTwo = c.argCount() >= 1;
        } else if (c.name == "hash") {
            if (!checkArgs(c, Ctx::Upstream))
                continue;
            if (c.argCount() == 2 && c.argText(1) != "consistent") {
                error(c.args.at(1).location, u"invalid parameter \"%1\""_s.arg(text(c.argText(1))));
                continue;
            }
            auto key = compileTemplate(c.argText(0), c.args.at(0).location);
            if (!key)
                continue;
            setMethod(c, UpstreamBalancing::Method::Hash);
            balancing.hashKey = c.argText(0);
            balancing.hashKeyTemplate = std::move(key);
            balancing.consistent = c.argCount() == 2;
        } else if ((c.name.startsWith("keepalive") || c.name == "zone") && findCommand(c.name, Ctx::Upstream)) {
            // (keepalive_disable is the client side's: not allowed here)
            if (checkArgs(c, Ctx::Upstream))
                upstreamKeepalive(c, &balancing);
        } else if (c.name == "health_check") {
            if (checkArgs(c, Ctx::Upstream))
                compileHealthCheck(c, &balancing.healthCheck);
        } else {
            unhandled(c);
        }
    }
    if (backupBeforeMethod && !backupAllowed) {
        warning(backupBeforeMethod->location,
                u"\"%1\" does not use backup servers except in its round-robin fallback (nginx accepts "
                u"\"backup\" only before the method directive, and rejects it after)"_s.arg(
                    balancing.algorithmName()));
    }
    if (servers.isEmpty()) {
        error(d.location, u"no servers are inside upstream \"%1\""_s.arg(text(name)));
        return;
    }
    if (std::all_of(servers.cbegin(), servers.cend(), [](const UpstreamServer &s) { return s.backup; })) {
        // ngx_http_upstream_init_round_robin
        error(d.location, u"no servers in upstream \"%1\" (all are \"backup\")"_s.arg(text(name)));
        return;
    }
    if (balancing.healthCheck.enabled
        && std::any_of(servers.cbegin(), servers.cend(), [](const UpstreamServer &s) { return !s.unixPath.isEmpty(); }))
        warning(d.location, u"health_check probes address:port servers only: the unix: servers of upstream \"%1\" "
                            u"are marked failed by real requests alone (max_fails, fail_timeout)"_s.arg(text(name)));
    auto upstream = std::make_shared<UpstreamConfig>();
    upstream->name = name;
    upstream->servers = servers;
    upstream->balancing = balancing;
    upstream->isExplicit = true;
    upstream->id = nextUpstreamId();
    upstream->at = d.location;
    m_upstreams.insert(name.toLower(), upstream);
    m_config->upstreams.append(upstream);
}

// keepalive N, keepalive_requests N, keepalive_timeout TIME, keepalive_time
// TIME (ngx_http_upstream_keepalive_module) and zone NAME [SIZE].
void Compiler::upstreamKeepalive(const ConfDirective &c, UpstreamBalancing *balancing)
{
    const QByteArray value = c.argText(0);
    if (c.name == "keepalive" || c.name == "keepalive_requests") {
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok || n < 1)
            error(c.args.at(0).location, u"invalid value \"%1\" in \"%2\" directive"_s.arg(text(value), text(c.name)));
        else
            (c.name == "keepalive" ? balancing->keepalive : balancing->keepaliveRequests) = n;
    } else if (c.name == "keepalive_timeout" || c.name == "keepalive_time") {
        if (const auto ms = timeArg(c))
            (c.name == "keepalive_time" ? balancing->keepaliveTimeMs : balancing->keepaliveTimeoutMs) = *ms;
    } else if (c.name == "zone") {
        // ngx_http_upstream_zone: a size where the zone is first named.
        if (c.argCount() == 2 && !ConfUnits::parseSize(c.argText(1)).has_value())
            error(c.args.at(1).location, u"invalid zone size \"%1\""_s.arg(text(c.argText(1))));
        else
            balancing->zone = value;
    } else {
        unhandled(c);
    }
}

bool Compiler::upstreamServer(const ConfDirective &c, QList<UpstreamServer> *out, bool backupAllowed)
{
    QByteArray address = c.argText(0);
    UpstreamServer server;
    QByteArray host;
    int port = 0;
    if (address.startsWith("unix:")) {
        // server unix:PATH (ngx_parse_unix_domain_url)
        if (!unixSocketPath(address, c.args.at(0).location, &server.unixPath))
            return false;
        server.name = address;
    }
    for (const char *scheme : {"http://", "https://", "ws://", "wss://"}) {
        if (address.startsWith(scheme)) {
            // nginx -t fails here ("invalid host in upstream"); the
            // intent is clear, so load it and say what to fix.
            warning(c.args.at(0).location,
                    u"nginx rejects a scheme in an upstream server (\"invalid host in upstream\"); "
                    u"wsscope ignores \"%1\": write \"%2\""_s.arg(QString::fromLatin1(scheme),
                                                                  text(address.mid(qstrlen(scheme)))));
            address = address.mid(qstrlen(scheme));
            break;
        }
    }
    if (address.endsWith('/') && server.unixPath.isEmpty())
        address.chop(1);
    if (server.unixPath.isEmpty()) {
        if (!splitHostPort(address, &host, &port)) {
            error(c.args.at(0).location, u"invalid host in upstream \"%1\""_s.arg(text(c.argText(0))));
            return false;
        }
        server.name = port >= 0 ? host + ':' + QByteArray::number(port) : host;
        server.port = quint16(port >= 0 ? port : 80);
    }
    for (qsizetype i = 1; i < c.argCount(); ++i) {
        const ConfArg &a = c.args.at(i);
        const qsizetype eq = a.text.indexOf('=');
        const QByteArray key = eq < 0 ? a.text : a.text.left(eq);
        const QByteArray val = eq < 0 ? QByteArray() : a.text.mid(eq + 1);
        bool ok = eq >= 0;
        if (key == "weight" && ok) {
            server.weight = val.toInt(&ok);
            ok = ok && server.weight > 0;
        } else if (key == "max_fails" && ok) {
            server.maxFails = val.toInt(&ok);
            ok = ok && server.maxFails >= 0;
        } else if (key == "max_conns" && ok) {
            server.maxConns = val.toInt(&ok);
            ok = ok && server.maxConns >= 0;
        } else if (key == "fail_timeout" && ok) {
            const auto s = ConfUnits::parseSec(val);
            ok = s.has_value();
            if (ok)
                server.failTimeoutMs = *s * 1000;
        } else if (a.text == "backup") {
            if (!backupAllowed) {
                error(a.location, u"balancing method does not support parameter \"backup\""_s);
                return false;
            }
            server.backup = true;
            ok = true;
        } else if (a.text == "down") {
            server.down = true;
            ok = true;
        } else if (key == "resolve" || key == "service" || key == "slow_start" || key == "route"
                   || key == "drain") {
            warning(a.location, u"ignoring upstream server parameter \"%1\" (not supported by wsscope)"_s.arg(
                                    text(a.text)));
            ok = true;
        } else {
            ok = false;
        }
        if (!ok) {
            error(a.location, u"invalid parameter \"%1\""_s.arg(text(a.text)));
            return false;
        }
    }
    if (!server.unixPath.isEmpty()) {
        out->append(server);
        return true;
    }
    const QList<QHostAddress> addresses = resolveHost(host, c.args.at(0).location, u"upstream"_s);
    // A name with several addresses is several servers (as nginx does).
    for (const QHostAddress &addr : addresses) {
        UpstreamServer s = server;
        s.address = addr;
        out->append(s);
    }
    return !addresses.isEmpty();
}

// resolver ADDRESS... [valid=TIME] [ipv6=on|off] (ngx_http_core_resolver):
// addresses as IP[:port] ([IPv6][:port]) or a name resolved now, port 53
// by default. A level's resolver replaces the inherited one.
void Compiler::handleResolver(const ConfDirective &d, Ctx, Scope &scope)
{
    ResolverSettings r;
    r.at = d.location;
    for (const ConfArg &a : d.args) {
        if (a.text.startsWith("valid=")) {
            const auto s = ConfUnits::parseSec(a.text.mid(6));
            if (!s || *s <= 0) {
                error(a.location, u"invalid parameter: %1"_s.arg(text(a.text)));
                return;
            }
            r.validMs = *s * 1000;
            continue;
        }
        if (a.text.startsWith("ipv6=")) {
            const auto on = flagArg(a.text.mid(5));
            if (!on) {
                error(a.location, u"invalid parameter: %1"_s.arg(text(a.text)));
                return;
            }
            r.ipv6 = *on;
            continue;
        }
        QByteArray host;
        int port = -1;
        if (a.text.contains('=') || !splitHostPort(a.text, &host, &port)) {
            error(a.location, u"invalid parameter: %1"_s.arg(text(a.text)));
            return;
        }
        for (const QHostAddress &address : resolveHost(host, a.location, u"resolver"_s))
            r.servers.append({address, quint16(port > 0 ? port : 53)});
    }
    if (r.servers.isEmpty()) {
        error(d.location, u"no name servers in \"resolver\""_s);
        return;
    }
    scope.values.resolver = r;
}

// health_check [interval=TIME] [uri=URI] [fails=N] [passes=N]
// [type=http|websocket] [timeout=TIME]: wsscope's active check.
void Compiler::compileHealthCheck(const ConfDirective &c, UpstreamHealthCheck *hc)
{
    hc->enabled = true;
    bool timeoutSet = false;
    for (const ConfArg &a : c.args) {
        const qsizetype eq = a.text.indexOf('=');
        const QByteArray key = eq < 0 ? a.text : a.text.left(eq);
        const QByteArray val = eq < 0 ? QByteArray() : a.text.mid(eq + 1);
        bool ok = eq > 0 && !val.isEmpty();
        if (ok && (key == "interval" || key == "timeout")) {
            const auto ms = ConfUnits::parseMsec(val);
            ok = ms.has_value() && *ms >= 100;
            if (ok && key == "interval")
                hc->intervalMs = *ms;
            else if (ok) {
                hc->timeoutMs = *ms;
                timeoutSet = true;
            }
        } else if (ok && key == "uri") {
            ok = val.startsWith('/') && !val.contains(' ');
            hc->uri = val;
        } else if (ok && (key == "fails" || key == "passes")) {
            const int n = val.toInt(&ok);
            ok = ok && n >= 1;
            (key == "fails" ? hc->fails : hc->passes) = n;
        } else if (ok && key == "type") {
            ok = val == "http" || val == "websocket";
            hc->type = val == "websocket" ? UpstreamHealthCheck::Type::WebSocket : UpstreamHealthCheck::Type::Http;
        } else {
            ok = false;
        }
        if (!ok) {
            error(a.location, u"invalid parameter \"%1\" in \"health_check\" (wsscope takes interval=TIME "
                              u"uri=/PATH fails=N passes=N type=http|websocket timeout=TIME)"_s.arg(text(a.text)));
            hc->enabled = false;
            return;
        }
    }
    if (!timeoutSet)
        hc->timeoutMs = qMin<qint64>(hc->intervalMs, 5'000);
}

} // namespace ConfigCompilerImpl
