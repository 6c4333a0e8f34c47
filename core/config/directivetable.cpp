#include "config/compiler.h"

namespace ConfigCompilerImpl {

// The directives valid at http, server and location level: the table's
// entries that carry a handler or a slot (the others are read by the
// block's own compile function). False when `d` is none of them here.
bool Compiler::applyCommon(const ConfDirective &d, Ctx ctx, Scope &scope)
{
    const Command *c = findCommand(d.name, ctx);
    if (!c || (!c->handler && !c->msec && !c->flag && !c->number))
        return false;
    if (!checkArgs(d, *c))
        return true;
    LocationSettings &v = scope.values;
    if (c->handler)
        (this->*c->handler)(d, ctx, scope);
    else if (c->msec)
        setMsec(d, v.*c->msec);
    else if (c->flag)
        setFlag(d, v.*c->flag);
    else
        setNumber(d, v.*c->number);
    if (c->at)
        v.*c->at = d.location;
    return true;
}

// The generic slots (ngx_conf_set_msec_slot, _flag_slot, _num_slot).
void Compiler::setMsec(const ConfDirective &d, qint64 &out)
{
    if (const auto ms = timeArg(d))
        out = *ms;
}

void Compiler::setFlag(const ConfDirective &d, bool &out)
{
    if (const auto on = flagArg(d.argText(0)))
        out = *on;
    else
        error(d.args.at(0).location, u"invalid value \"%1\" in \"%2\" directive, it must be \"on\" or \"off\""_s.arg(
                                         text(d.argText(0)), text(d.name)));
}

void Compiler::setNumber(const ConfDirective &d, int &out)
{
    bool ok = false;
    const int n = d.argText(0).toInt(&ok);
    if (!ok || n < 0)
        error(d.args.at(0).location, u"invalid value \"%1\" in \"%2\" directive"_s.arg(text(d.argText(0)), text(d.name)));
    else
        out = n;
}

// nginx's contexts for the table below.
constexpr quint8 Main = contextBit(Ctx::Main), Events = contextBit(Ctx::Events), Http = contextBit(Ctx::Http),
                 Server = contextBit(Ctx::Server), Location = contextBit(Ctx::Location),
                 Upstream = contextBit(Ctx::Upstream), ServerIf = contextBit(Ctx::ServerIf),
                 LocationIf = contextBit(Ctx::LocationIf), Levels = Http | Server | Location;
static_assert(Main == ConfContext::Main && Events == ConfContext::Events && Http == ConfContext::Http
                  && Server == ConfContext::Server && Location == ConfContext::Location
                  && Upstream == ConfContext::Upstream && ServerIf == ConfContext::ServerIf
                  && LocationIf == ConfContext::LocationIf,
              "the public context bits are the table's");

// The blocks, the main/events directives and the proxy_* ones merged down
// from http to server to location.
std::vector<Command> proxyCommands()
{
    using C = Compiler;
    using S = LocationSettings;
    return {
        // main and events (compileMain, compileProcessDirective, compileEvents)
        {.name = "worker_processes", .contexts = Main, .minArgs = 1, .maxArgs = 1},
        {.name = "worker_shutdown_timeout", .contexts = Main, .minArgs = 1, .maxArgs = 1},
        {.name = "error_log", .contexts = Main, .minArgs = 1, .maxArgs = 2},
        {.name = "pid", .contexts = Main, .minArgs = 1, .maxArgs = 1},
        {.name = "daemon", .contexts = Main, .minArgs = 1, .maxArgs = 1},
        {.name = "master_process", .contexts = Main, .minArgs = 1, .maxArgs = 1},
        {.name = "user", .contexts = Main, .minArgs = 1, .maxArgs = 2},
        {.name = "events", .contexts = Main, .block = true},
        {.name = "http", .contexts = Main, .block = true},
        {.name = "worker_connections", .contexts = Events, .minArgs = 1, .maxArgs = 1},
        // http blocks (compileHttp, compileServer, compileLocation)
        {.name = "map", .contexts = Http, .minArgs = 2, .maxArgs = 2, .block = true},
        {.name = "upstream", .contexts = Http, .minArgs = 1, .maxArgs = 1, .block = true},
        {.name = "server", .contexts = Http, .block = true},
        {.name = "location", .contexts = Levels, .minArgs = -1, .maxArgs = 2, .block = true},
        {.name = "listen", .contexts = Server, .minArgs = 1, .maxArgs = 16},
        {.name = "server_name", .contexts = Server, .minArgs = 1, .maxArgs = 256},
        {.name = "ssl", .contexts = Server, .minArgs = 1, .maxArgs = 1, .elsewhereIgnored = true},
        {.name = "proxy_pass", .contexts = Location | LocationIf, .minArgs = 1, .maxArgs = 1},
        // the rewrite module (compilerrewrite.cpp): a level's statements, in order
        {.name = "return", .contexts = Server | ServerIf | Location | LocationIf, .minArgs = 1, .maxArgs = 2},
        {.name = "rewrite", .contexts = Server | ServerIf | Location | LocationIf, .minArgs = 2, .maxArgs = 3},
        {.name = "set", .contexts = Server | ServerIf | Location | LocationIf, .minArgs = 2, .maxArgs = 2},
        {.name = "break", .contexts = Server | ServerIf | Location | LocationIf},
        {.name = "if", .contexts = Server | Location, .minArgs = 1, .maxArgs = 16, .block = true},
        {.name = "rewrite_log", .contexts = Levels | ServerIf | LocationIf, .minArgs = 1, .maxArgs = 1,
         .inherited = true, .flag = &S::rewriteLog},
        {.name = "uninitialized_variable_warn", .contexts = Levels | ServerIf | LocationIf, .minArgs = 1,
         .maxArgs = 1, .inherited = true, .flag = &S::uninitializedVariableWarn},
        // merged down from http to server to location
        {.name = "proxy_set_header", .contexts = Levels, .minArgs = 2, .maxArgs = 2, .inherited = true,
         .handler = &C::handleProxySetHeader},
        {.name = "proxy_http_version", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxyHttpVersion},
        {.name = "proxy_connect_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::connectTimeoutMs},
        {.name = "proxy_read_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::readTimeoutMs, .at = &S::readTimeoutAt},
        {.name = "proxy_send_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::sendTimeoutMs},
        // ngx_http_core_module send_timeout: between two successive writes to the
        // client, also in an upgraded tunnel (ngx_http_upstream_process_upgraded
        // arms it on the downstream write event; proxy_send_timeout on upstream's).
        {.name = "send_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::clientSendTimeoutMs},
        {.name = "proxy_redirect", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handleProxyRedirect},
        {.name = "proxy_next_upstream", .contexts = Levels, .minArgs = 1, .maxArgs = 12, .inherited = true,
         .handler = &C::handleNextUpstream},
        {.name = "proxy_next_upstream_tries", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .number = &S::nextUpstreamTries},
        {.name = "proxy_next_upstream_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::nextUpstreamTimeoutMs},
        {.name = "root", .contexts = Levels | LocationIf, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleRoot},
        {.name = "alias", .contexts = Location, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleAlias},
        {.name = "index", .contexts = Levels, .minArgs = 1, .maxArgs = 64, .inherited = true,
         .handler = &C::handleIndex},
        {.name = "access_log", .contexts = Levels | LocationIf, .minArgs = 1, .maxArgs = 8, .inherited = true,
         .handler = &C::handleAccessLog},
        {.name = "log_format", .contexts = Http, .minArgs = 2, .maxArgs = 64, .handler = &C::handleLogFormat},
        {.name = "error_log", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handleLog},
        {.name = "proxy_pass_request_headers", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::passRequestHeaders},
        {.name = "proxy_pass_request_body", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::passRequestBody},
        {.name = "proxy_set_body", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleSetBody},
        {.name = "proxy_method", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleSetBody},
        {.name = "proxy_ignore_client_abort", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::ignoreClientAbort},
        {.name = "log_not_found", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::logNotFound},
        {.name = "proxy_ssl_verify", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_trusted_certificate", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_verify_depth", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_server_name", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_name", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_protocols", .contexts = Levels, .minArgs = 1, .maxArgs = 6, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_ciphers", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_certificate", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_certificate_key", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_password_file", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_session_reuse", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        // DNS for a proxy_pass with variables (compilerupstream.cpp)
        {.name = "resolver", .contexts = Levels, .minArgs = 1, .maxArgs = 16, .inherited = true,
         .handler = &C::handleResolver},
        {.name = "resolver_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::resolverTimeoutMs},
    };
}

// TLS termination, the http-wide timeouts, wsscope's own ws_* directives and
// the upstream block's.
std::vector<Command> tlsAndUpstreamCommands()
{
    using C = Compiler;
    using S = LocationSettings;
    return {
        // TLS termination (ngx_http_ssl_module), kept per name for the
        // server's TLS settings (serverTlsSettings): a server's own replaces
        // the http level's
        {.name = "ssl_certificate", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_certificate_key", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_password_file", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_protocols", .contexts = Http | Server, .minArgs = 1, .maxArgs = 6,
         .handler = &C::handleServerSsl},
        {.name = "ssl_ciphers", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1, .handler = &C::handleServerSsl},
        {.name = "ssl_prefer_server_ciphers", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_session_tickets", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_ecdh_curve", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_session_timeout", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        // client certificates ($ssl_client_verify, 495/496 when refused)
        {.name = "ssl_verify_client", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_client_certificate", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_trusted_certificate", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_verify_depth", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        // accepted for what OpenSSL's defaults already do (see serverTlsSettings)
        {.name = "ssl_session_cache", .contexts = Http | Server, .minArgs = 1, .maxArgs = 2,
         .handler = &C::handleServerSsl},
        {.name = "ssl_buffer_size", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        {.name = "ssl_dhparam", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1, .handler = &C::handleServerSsl},
        {.name = "ssl_early_data", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleServerSsl},
        // http-wide, warned about below it
        {.name = "client_header_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleHttpTimeout},
        // wsscope's own (not nginx's)
        {.name = "wsscope_ignore", .contexts = Main | Levels, .minArgs = 1, .maxArgs = 1024,
         .handler = &C::handleWsscopeIgnore},
        {.name = "ws_inspect", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true, .flag = &S::inspect},
        {.name = "ws_preview_size", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handlePreviewSize},
        {.name = "ws_ping_interval", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handlePingInterval},
        {.name = "ws_ping_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::pingTimeoutMs},
        // upstream blocks (compileUpstream)
        {.name = "server", .contexts = Upstream, .minArgs = 1, .maxArgs = 16},
        {.name = "ip_hash", .contexts = Upstream},
        {.name = "least_conn", .contexts = Upstream},
        {.name = "random", .contexts = Upstream, .minArgs = 0, .maxArgs = 2},
        {.name = "hash", .contexts = Upstream, .minArgs = 1, .maxArgs = 2},
        {.name = "keepalive", .contexts = Upstream, .minArgs = 1, .maxArgs = 1},
        {.name = "keepalive_requests", .contexts = Upstream, .minArgs = 1, .maxArgs = 1},
        {.name = "keepalive_timeout", .contexts = Upstream, .minArgs = 1, .maxArgs = 1},
        {.name = "keepalive_time", .contexts = Upstream, .minArgs = 1, .maxArgs = 1},
        {.name = "zone", .contexts = Upstream, .minArgs = 1, .maxArgs = 2,
         .note = "accepted: wsscope's worker threads share every upstream's state already"},
        {.name = "health_check", .contexts = Upstream, .minArgs = 0, .maxArgs = 7, .elsewhereIgnored = true},
    };
}

// The whole table, in listing order.
const std::vector<Command> &commands()
{
    static const std::vector<Command> table = [] {
        std::vector<Command> all = proxyCommands();
        const std::vector<Command> rest = tlsAndUpstreamCommands();
        all.insert(all.end(), rest.begin(), rest.end());
        const std::vector<Command> response = responseCommands();
        all.insert(all.end(), response.begin(), response.end());
        const std::vector<Command> inspect = inspectCommands();
        all.insert(all.end(), inspect.begin(), inspect.end());
        const std::vector<Command> fallback = errorPageCommands();
        all.insert(all.end(), fallback.begin(), fallback.end());
        const std::vector<Command> access = accessCommands();
        all.insert(all.end(), access.begin(), access.end());
        const std::vector<Command> cookies = cookieCommands();
        all.insert(all.end(), cookies.begin(), cookies.end());
        const std::vector<Command> client = clientCommands();
        all.insert(all.end(), client.begin(), client.end());
        return all;
    }();
    return table;
}


} // namespace ConfigCompilerImpl

using namespace ConfigCompilerImpl;

QList<DirectiveInfo> ConfigCompiler::directives()
{
    QList<DirectiveInfo> out;
    for (const Command &c : commands())
        out.append(DirectiveInfo{c.name.toByteArray(), c.contexts, c.minArgs, c.maxArgs, c.block, c.inherited,
                                 c.elsewhereIgnored});
    return out;
}

QString ConfigCompiler::directiveListing()
{
    static const struct { quint8 bit; const char *name; } contexts[] = {
        {ConfContext::Main, "main"}, {ConfContext::Events, "events"}, {ConfContext::Http, "http"},
        {ConfContext::Server, "server"}, {ConfContext::Location, "location"}, {ConfContext::Upstream, "upstream"},
        {ConfContext::ServerIf, "if-in-server"}, {ConfContext::LocationIf, "if-in-location"},
    };
    QString out;
    const QList<DirectiveInfo> all = directives();
    for (qsizetype i = 0; i < all.size(); ++i) {
        const DirectiveInfo &d = all.at(i);
        const char *note = commands().at(size_t(i)).note; // directives() keeps the table's order
        QStringList where;
        for (const auto &c : contexts) {
            if (d.contexts & c.bit)
                where << QLatin1String(c.name);
        }
        const QString args = d.minArgs < 0 ? u"1..%1"_s.arg(d.maxArgs)
            : d.minArgs == d.maxArgs       ? QString::number(d.minArgs)
                                           : u"%1..%2"_s.arg(d.minArgs).arg(d.maxArgs);
        out += u"%1 (%2) args %3%4%5"_s.arg(text(d.name), where.join(u' '), args,
                                          d.block ? u" {block}"_s : QString(),
                                          d.inherited ? u" inherited"_s : QString());
        if (note)
            out += u" -- "_s + QLatin1String(note);
        out += u'\n';
    }
    return out;
}
