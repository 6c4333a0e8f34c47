#include "config/compiler.h"

#include <algorithm>

namespace ConfigCompilerImpl {

void Compiler::compileServer(const ConfDirective &d, const Scope &http)
{
    const int index = int(m_config->servers.size());
    m_config->servers.append(ServerConfig());
    Scope scope = http.inner();
    ServerConfig server;
    server.at = d.location;
    bool haveNames = false;
    bool sslOn = false;
    const QList<HeaderOrigin> inherited = scope.values.headerOrigins;
    for (const ConfDirective &c : d.children) {
        if (c.name == "location")
            continue;
        if (c.name == "listen") {
            if (checkArgs(c, Ctx::Server))
                listen(c, index, &server);
        } else if (c.name == "server_name") {
            if (checkArgs(c, Ctx::Server)) {
                haveNames = true;
                serverNames(c, &server);
            }
        } else if (isRewriteStatement(c.name)) {
            rewriteStatement(c, Ctx::Server, server.rewrite);
        } else if (c.name == "try_files") {
            compileFallback(c, server.serverLevel, Ctx::Server);
        } else if (applyCommon(c, Ctx::Server, scope)) {
        } else if (c.name.startsWith("ssl_") && isKnownNginxDirective(c.name)) {
            handleServerSsl(c, Ctx::Server, scope);
        } else if (c.name == "ssl") {
            // nginx < 1.25.1: "ssl on" made every listen of the server TLS.
            if (checkArgs(c, Ctx::Server)) {
                sslOn = flagArg(c.argText(0)).value_or(false);
                warning(c.location, u"the \"ssl\" directive is deprecated (removed in nginx 1.25.1); use the "
                                    u"\"ssl\" parameter of the \"listen\" directive"_s);
            }
        } else {
            unhandled(c);
        }
    }
    recordShadow(scope, inherited);
    // ngx_http_core_merge_srv_conf
    if (scope.values.headerBuffers.size < scope.values.headerBuffers.connectionPool) {
        error(d.location, u"the \"large_client_header_buffers\" size must be equal to or greater than "
                          u"\"connection_pool_size\""_s);
    }
    if (!haveNames)
        server.names.append(ServerName{ServerName::Kind::Exact, QByteArray(), {}, d.location});
    if (server.serverName.isEmpty() && !server.names.isEmpty() && server.names.constFirst().kind == ServerName::Kind::Exact)
        server.serverName = server.names.constFirst().text;
    server.ssl = scope.ssl;
    server.rewriteLog = scope.values.rewriteLog;
    server.hasRegexCaptures = std::any_of(server.names.cbegin(), server.names.cend(), [](const ServerName &n) {
        return n.kind == ServerName::Kind::Regex && n.regex.captureCount() > 0;
    });
    server.uninitializedVariableWarn = scope.values.uninitializedVariableWarn;
    server.settings = scope.values;
    static_cast<LocationSettings &>(server.serverLevel) = scope.values;
    server.serverLevel.prefix.clear();
    server.serverLevel.at = d.location;
    if (sslOn) {
        for (ListenAddress &l : server.listens)
            l.ssl = true;
        for (ListenEntry &e : m_listenEntries) {
            if (e.server == index)
                e.address.ssl = true;
        }
    }
    for (const ConfDirective &c : d.children) {
        if (c.name == "location")
            compileLocation(c, scope, server, nullptr, &server.locations);
    }
    m_config->servers[index] = server;
    m_serverScopes.append(scope);
}

namespace {

bool allDigits(QByteArrayView s)
{
    return !s.isEmpty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Cuts "-LAST" off a listen address's port into *lastPort (1..65535); false:
// a range whose end is not a port. A host name with a dash ("my-host", no
// port) is no range, as in nginx.
bool splitPortRange(QByteArray *spec, int *lastPort)
{
    const qsizetype colon = spec->lastIndexOf(':');
    const qsizetype close = spec->lastIndexOf(']');
    const bool afterColon = colon > close;
    if (!afterColon && (colon >= 0 || close >= 0))
        return true; // no port written
    const qsizetype from = afterColon ? colon + 1 : 0;
    const qsizetype dash = spec->indexOf('-', from);
    if (dash < 0)
        return true;
    const QByteArrayView last = QByteArrayView(*spec).sliced(dash + 1);
    if (!afterColon && (!allDigits(last) || !allDigits(QByteArrayView(*spec).sliced(0, dash))))
        return true; // "PORT-LAST" only when both are numbers
    const int n = allDigits(last) && last.size() <= 5 ? last.toInt() : 0;
    if (n < 1 || n > 65535)
        return false;
    *lastPort = n;
    spec->truncate(dash);
    return true;
}

} // namespace

void Compiler::listen(const ConfDirective &c, int serverIndex, ServerConfig *server)
{
    const ConfArg &first = c.args.at(0);
    QByteArray spec = first.text;
    const bool unixSocket = spec.startsWith("unix:");
    QByteArray host;
    int port = unixSocket ? 0 : -1;
    bool portOnly = false;
    // ngx_parse_inet_url for listen: a port range, "HOST:PORT-LAST" or
    // "PORT-LAST", is one listening socket per port.
    int lastPort = 0;
    if (unixSocket) {
        // listen unix:PATH (ngx_parse_unix_domain_url): checked below
    } else if (!splitPortRange(&spec, &lastPort)) {
        error(first.location, u"invalid port in \"%1\" of the \"listen\" directive"_s.arg(text(first.text)));
        return;
    }
    if (!unixSocket) {
        bool ok = false;
        const int p = spec.toInt(&ok);
        if (ok) {
            // Port 0 (a free port, for tests and quick mode) is wsscope's addition.
            if (p < 0 || p > 65535) {
                error(first.location, u"invalid port in \"%1\" of the \"listen\" directive"_s.arg(text(spec)));
                return;
            }
            port = p;
            portOnly = true;
        } else if (!splitHostPort(spec, &host, &port, true)) {
            error(first.location, u"invalid host or port in \"%1\" of the \"listen\" directive"_s.arg(text(spec)));
            return;
        }
    }
    if (port < 0)
        port = 80;
    if (lastPort && (port == 0 || port > lastPort)) {
        error(first.location, u"invalid port range in \"%1\" of the \"listen\" directive"_s.arg(text(first.text)));
        return;
    }
    ListenAddress base;
    base.port = quint16(port);
    base.at = c.location;
    for (qsizetype i = 1; i < c.argCount(); ++i) {
        const ConfArg &a = c.args.at(i);
        const QByteArray key = a.text.left(a.text.indexOf('=') < 0 ? a.text.size() : a.text.indexOf('='));
        if (a.text == "default_server" || a.text == "default") {
            base.defaultServer = true;
        } else if (a.text == "ssl") {
            base.ssl = true;
        } else if (a.text == "proxy_protocol") {
            base.proxyProtocol = true;
        } else if (a.text == "http2" || a.text == "quic") {
            warning(a.location, u"ignoring \"listen\" parameter \"%1\" (not supported by wsscope)"_s.arg(text(a.text)));
        } else if (key == "backlog" || key == "rcvbuf" || key == "sndbuf" || key == "setfib" || key == "fastopen"
                   || key == "accept_filter" || a.text == "deferred" || a.text == "bind" || key == "ipv6only"
                   || a.text == "reuseport" || key == "so_keepalive") {
            // Socket tuning: harmless to ignore.
        } else {
            error(a.location, u"invalid parameter \"%1\""_s.arg(text(a.text)));
            return;
        }
    }
    if (unixSocket) {
        if (!unixSocketPath(spec, first.location, &base.unixPath))
            return;
        for (const ListenAddress &mine : std::as_const(server->listens)) {
            if (mine.sameSocket(base)) {
                error(c.location, u"duplicate listen %1"_s.arg(base.toString()));
                return;
            }
        }
        server->listens.append(base);
        m_listenEntries.append(ListenEntry{serverIndex, base});
        return;
    }
    QList<QHostAddress> addresses;
    if (portOnly || host == "*") {
        addresses.append(QHostAddress(QHostAddress::AnyIPv4));
    } else if (host == "[::]") {
        addresses.append(QHostAddress(QHostAddress::AnyIPv6));
    } else {
        addresses = resolveHost(host, first.location, u"\"listen\""_s);
        if (addresses.isEmpty())
            return;
    }
    for (int p = port; p <= std::max(port, lastPort); ++p) {
        for (const QHostAddress &addr : std::as_const(addresses)) {
            ListenAddress l = base;
            l.address = addr;
            l.port = quint16(p);
            for (const ListenAddress &mine : std::as_const(server->listens)) {
                if (mine.sameSocket(l)) {
                    error(c.location, u"duplicate listen %1"_s.arg(l.toString()));
                    return;
                }
            }
            server->listens.append(l);
            m_listenEntries.append(ListenEntry{serverIndex, l});
        }
    }
}

void Compiler::serverNames(const ConfDirective &c, ServerConfig *server)
{
    for (const ConfArg &a : c.args) {
        QByteArray name = a.text;
        if (name == "$hostname")
            name = QSysInfo::machineHostName().toUtf8();
        // ngx_http_core_server_name's checks: "*", "*x" and "." name nothing.
        if ((name.startsWith('*') && (name.size() < 3 || name.at(1) != '.')) || name == ".") {
            error(a.location, u"server name \"%1\" is invalid"_s.arg(text(a.text)));
            continue;
        }
        if (name.contains('/'))
            warning(a.location, u"server name \"%1\" has suspicious symbols"_s.arg(text(a.text)));
        if (name.startsWith('~') && a.quote == ConfQuote::None) {
            const QByteArray pattern = name.mid(1);
            QRegularExpression re(QString::fromUtf8(pattern), QRegularExpression::CaseInsensitiveOption);
            if (!re.isValid()) {
                error(a.location, u"invalid regex \"%1\": %2 at offset %3"_s.arg(text(pattern), re.errorString())
                                      .arg(re.patternErrorOffset()));
                continue;
            }
            server->names.append(ServerName{ServerName::Kind::Regex, pattern, re, a.location, namedCaptures(re)});
            if (server->serverName.isEmpty() && server->names.size() == 1)
                server->serverName = name; // nginx: $server_name is the first name as written, "~" kept
            continue;
        }
        name = name.toLower();
        if (server->names.isEmpty()) // ngx_http_core_merge_srv_conf: ".example.com" is "example.com" there
            server->serverName = name.startsWith('.') ? name.mid(1) : name;
        const qsizetype star = name.indexOf('*');
        if (star >= 0) {
            if (name.startsWith("*.") && name.lastIndexOf('*') == 0) {
                server->names.append(ServerName{ServerName::Kind::LeadingWildcard, name.mid(1), {}, a.location});
            } else if (name.endsWith(".*") && star == name.size() - 1) {
                server->names.append(ServerName{ServerName::Kind::TrailingWildcard, name.chopped(1), {}, a.location});
            } else {
                error(a.location, u"invalid server name or wildcard \"%1\""_s.arg(text(a.text)));
            }
            continue;
        }
        if (name.startsWith('.') && name.size() > 1) {
            // ".example.com": example.com and *.example.com
            server->names.append(ServerName{ServerName::Kind::Exact, name.mid(1), {}, a.location});
            server->names.append(ServerName{ServerName::Kind::LeadingWildcard, name, {}, a.location});
            continue;
        }
        server->names.append(ServerName{ServerName::Kind::Exact, name, {}, a.location});
    }
}

void Compiler::compileReturn(const ConfDirective &c, ReturnAction *out)
{
    if (!checkArgs(c, Ctx::Location))
        return;
    const QByteArray first = c.argText(0);
    bool ok = false;
    const int code = first.toInt(&ok);
    ReturnAction r;
    r.at = c.location;
    if (!ok) {
        // "return URL": a 302 to it, when it starts like a URL.
        if (c.argCount() != 1
            || !(first.startsWith("http://") || first.startsWith("https://") || first.startsWith("$scheme"))) {
            error(c.args.at(0).location, u"invalid return code \"%1\""_s.arg(text(first)));
            return;
        }
        r.code = 302;
        if (auto t = compileTemplate(first, c.args.at(0).location))
            r.text = *t;
        else
            return;
    } else {
        if (code < 0 || code > 999) {
            error(c.args.at(0).location, u"invalid return code \"%1\""_s.arg(text(first)));
            return;
        }
        r.code = code;
        if (c.argCount() == 2) {
            if (r.isRedirect() && hasLineBreakOrNul(c.argText(1))) {
                error(c.args.at(1).location, u"a redirect URL may not contain CR, LF or NUL"_s);
                return;
            }
            if (auto t = compileTemplate(c.argText(1), c.args.at(1).location))
                r.text = *t;
            else
                return;
        }
    }
    if (r.code == 0) {
        error(c.args.at(0).location, u"invalid return code \"%1\""_s.arg(text(first)));
        return;
    }
    *out = r;
}

void Compiler::finishListens()
{
    for (int si = 0; si < m_config->servers.size(); ++si) {
        ServerConfig &s = m_config->servers[si];
        if (s.listens.isEmpty()) {
            // nginx: *:80 as root, *:8000 otherwise.
            ListenAddress l;
            l.address = QHostAddress(QHostAddress::AnyIPv4);
            l.port = m_options.defaultListenPort;
            l.at = s.at;
            s.listens.append(l);
            m_listenEntries.append(ListenEntry{si, l});
        }
    }
    QList<ListenGroup> &groups = m_config->listenGroups;
    for (const ListenEntry &e : std::as_const(m_listenEntries)) {
        ListenGroup *g = nullptr;
        for (ListenGroup &x : groups) {
            if (x.address.sameSocket(e.address)) {
                g = &x;
                break;
            }
        }
        if (!g) {
            groups.append(ListenGroup());
            g = &groups.last();
            g->address = e.address;
            g->address.defaultServer = false;
        }
        if (!g->servers.contains(e.server))
            g->servers.append(e.server);
        // nginx: TLS is a property of the socket; one listen saying so is enough.
        g->address.ssl = g->address.ssl || e.address.ssl;
        g->address.proxyProtocol = g->address.proxyProtocol || e.address.proxyProtocol;
        if (e.address.defaultServer) {
            if (g->defaultServer >= 0 && g->defaultServer != e.server)
                error(e.address.at, u"a duplicate default server for %1"_s.arg(e.address.toString()));
            else
                g->defaultServer = e.server;
        }
    }
    describeServerTls();
    for (ListenGroup &g : groups) {
        if (g.servers.isEmpty())
            continue;
        const HeaderBufferSizes &base = m_config->servers.at(g.defaultServer >= 0 ? g.defaultServer : g.servers.first())
                                            .settings.headerBuffers;
        g.largeBuffersDiffer = std::any_of(g.servers.cbegin(), g.servers.cend(), [&](int s) {
            const HeaderBufferSizes &b = m_config->servers.at(s).settings.headerBuffers;
            return b.number != base.number || b.size != base.size;
        });
    }
    // nginx: a name used by two servers on one address: the first keeps it.
    for (const ListenGroup &g : std::as_const(groups)) {
        QSet<QByteArray> seen;
        for (int si : g.servers) {
            for (const ServerName &n : m_config->servers.at(si).names) {
                const QByteArray key = QByteArray::number(int(n.kind)) + ':' + n.text;
                if (seen.contains(key))
                    warning(n.at, u"conflicting server name \"%1\" on %2, ignored"_s.arg(
                                      text(n.text), g.address.toString()));
                seen.insert(key);
            }
        }
    }
}

} // namespace ConfigCompilerImpl
