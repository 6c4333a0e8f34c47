#include "requestrouter.h"

#include "http/staticfile.h"
#include "realip.h"
#include "staticresponder.h"

#include <QDir>
#include <QFileInfo>

namespace {

Route failed(Route route, int status, QByteArray message)
{
    route.kind = Route::Kind::Error;
    route.errorStatus = status;
    route.errorMessage = std::move(message);
    return route;
}

// nginx's error for the eleventh URI change (ngx_http_core_post_rewrite_phase,
// ngx_http_internal_redirect, ngx_http_named_location).
Route cycle(Route route, const QByteArray &what)
{
    const QByteArray message = "rewrite or internal redirection cycle " + what;
    route.notes.append(RouteNote{RouteNote::Level::Error, message});
    return failed(std::move(route), 500, message);
}

enum class Start : quint8 { ServerRewrite, FindLocation, LocationRewrite };

// A script's `return` or redirect ends the phases.
Route scriptAnswer(Route route, const ScriptOutcome &o)
{
    if (o.kind == ScriptOutcome::Kind::Error) {
        route.notes.append(RouteNote{RouteNote::Level::Error, o.message});
        return failed(std::move(route), 500, o.message);
    }
    route.kind = Route::Kind::Return;
    if (o.kind == ScriptOutcome::Kind::Redirect) {
        route.returnCode = o.status;
        route.redirectLocation = o.location;
        return route;
    }
    const ReturnAction &ret = *o.ret;
    route.returnAction = &ret;
    route.returnCode = ret.code;
    if (ret.isRedirect())
        route.redirectLocation = ret.text.expand(route.context);
    else if (!ret.text.source().isEmpty())
        route.returnText = ret.text.expandBody(route.context) + QByteArray(""); // non-null: a text was given
    return route;
}

// The request-target toward the upstream (ngx_http_proxy_create_request):
// the client's own while the URI is the request line's; else $uri (the
// location's name replaced by proxy_pass's URI part unless a `break` made
// the location invalid), escaped, and the current arguments.
QByteArray upstreamTarget(const Route &route, const LocationConfig &loc)
{
    const RequestContext &ctx = route.context;
    const HttpRequestHead &head = *ctx.request;
    const ProxyPass &pp = loc.proxyPass;
    if (!route.internal && (!pp.hasUri || !ctx.argsChanged))
        return upstreamTargetFor(loc, head.target);
    const bool cutLocation = route.validLocation && pp.hasUri;
    const qsizetype name = loc.isRegex() || loc.isNamed() ? 0 : loc.prefix.size();
    const qsizetype cut = cutLocation ? std::min(name, ctx.uri.size()) : 0;
    QByteArray target = cutLocation ? pp.uri : QByteArray();
    const QByteArrayView rest = QByteArrayView(ctx.uri).sliced(cut);
    target += route.quotedUri || route.internal ? escapeUri(rest) : rest.toByteArray();
    const QByteArray args = currentArgs(ctx);
    if (!args.isEmpty())
        target += '?' + args;
    return target;
}

// "host[:port]" of an evaluated URL ("[v6]:port" too); false when malformed.
bool splitAuthority(QByteArrayView s, QByteArray *host, int *port)
{
    *port = -1;
    qsizetype colon = -1;
    if (s.startsWith('[')) {
        const qsizetype close = s.indexOf(']');
        if (close < 0 || (close + 1 < s.size() && s.at(close + 1) != ':'))
            return false;
        colon = close + 1 < s.size() ? close + 1 : -1;
    } else {
        colon = s.indexOf(':');
        if (colon >= 0 && s.lastIndexOf(':') != colon)
            return false;
    }
    *host = (colon < 0 ? s : s.first(colon)).toByteArray();
    if (colon >= 0) {
        bool ok = false;
        *port = s.sliced(colon + 1).toInt(&ok);
        if (!ok || *port < 1 || *port > 65535)
            return false;
    }
    return !host->isEmpty();
}

// A request-target built from variables: bytes that cannot stand in a
// request line are percent-encoded ($uri is decoded).
QByteArray targetFromUri(const QByteArray &uri)
{
    QByteArray out;
    out.reserve(uri.size());
    if (uri.startsWith('?'))
        out += '/'; // nginx: "http://host?a" asks for "/?a"
    for (const char c : uri) {
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f)
            out += '%' + QByteArray::number(uchar(c), 16).rightJustified(2, '0').toUpper();
        else
            out += c;
    }
    return out;
}

// ngx_http_proxy_eval: proxy_pass with variables, evaluated and parsed:
// scheme, host[:port] and the URI (which, when present, is the whole
// request-target sent; without one the client's target goes unchanged).
Route evaluateProxyUrl(Route route, const LocationConfig &loc)
{
    const QByteArray url = loc.proxyPass.urlTemplate->expand(route.context);
    qsizetype skip = 0;
    if (url.size() > 7 && url.first(7).compare("http://", Qt::CaseInsensitive) == 0)
        skip = 7;
    else if (url.size() > 8 && url.first(8).compare("https://", Qt::CaseInsensitive) == 0)
        skip = 8;
    if (skip == 0)
        return failed(std::move(route), 500, "invalid URL prefix in \"" + url + '"');
    const QByteArray rest = url.mid(skip);
    qsizetype end = 0;
    while (end < rest.size() && rest.at(end) != '/' && rest.at(end) != '?')
        ++end;
    QByteArray host;
    int port = -1;
    if (!splitAuthority(QByteArrayView(rest).first(end), &host, &port))
        return failed(std::move(route), 500, "invalid host in upstream \"" + rest + '"');
    route.kind = Route::Kind::Proxy;
    route.upstreamTls = skip == 8;
    const int defaultPort = route.upstreamTls ? 443 : 80;
    route.dynamicHost = host;
    route.dynamicPort = port;
    route.context.proxyHost = port < 0 || port == defaultPort ? host : host + ':' + QByteArray::number(port);
    route.context.proxyPort = QByteArray::number(port < 0 ? defaultPort : port);
    if (end < rest.size())
        route.upstreamTarget = targetFromUri(rest.mid(end));
    else
        route.upstreamTarget = upstreamTarget(route, loc); // no URI part: as without variables
    return route;
}

// $proxy_port: the port written after the host (not inside an IPv6
// address's brackets), else the scheme's.
QByteArray proxyPortOf(const QByteArray &proxyHost, bool tls)
{
    const qsizetype colon = proxyHost.lastIndexOf(':');
    if (colon < 0 || colon < proxyHost.lastIndexOf(']'))
        return tls ? "443" : "80";
    return proxyHost.mid(colon + 1);
}

QString configDir(const ProxyConfig &config)
{
    return config.sourceFile.isEmpty() ? QDir::currentPath() : QFileInfo(config.sourceFile).absolutePath();
}

// ngx_http_index_handler, for a URI ending in "/" (GET, HEAD, POST): each
// index name in order, evaluated; one starting with "/" is an internal
// redirect at once, another one that exists in the directory is an
// internal redirect to $uri plus the name (the arguments kept). A missing
// directory is 404 once a name was looked for; no index found leaves the
// static module, whose answer for a directory is 403.
Route indexOrStatic(const ProxyConfig &config, Route route)
{
    route.kind = Route::Kind::Static;
    const QByteArray uri = route.context.uri;
    const QByteArray &method = route.context.request->method;
    if (!uri.endsWith('/') || (method != "GET" && method != "HEAD" && method != "POST"))
        return route;
    const LocationConfig &loc = *route.location;
    const QString dir = staticFilePath(StaticResponder::rootFor(loc, uri, route.addUriToAlias), configDir(config), uri);
    const QByteArray args = currentArgs(route.context);
    const auto redirect = [&](const QByteArray &target) {
        return redirectRoute(config, std::move(route), args.isEmpty() ? target : target + '?' + args);
    };
    bool dirTested = false;
    for (const ValueTemplate &index : loc.index) {
        const QByteArray name = index.expand(route.context);
        if (name.startsWith('/'))
            return redirect(name);
        if (QFileInfo::exists(dir + QString::fromUtf8(name)))
            return redirect(uri + name);
        if (!dirTested && !QFileInfo(dir).isDir()) {
            // ngx_http_index_error: logged at error unless log_not_found off.
            const QByteArray why = '"' + dir.toUtf8() + "\" is not found (2: No such file or directory)";
            if (loc.logNotFound)
                route.notes.append(RouteNote{RouteNote::Level::Error, why});
            return failed(std::move(route), 404, why);
        }
        dirTested = true;
    }
    return route;
}

// The content phase: proxy_pass when a level on the way set it (nginx's
// r->content_handler), else the index and static modules.
Route content(const ProxyConfig &config, Route route, bool proxyHandler)
{
    const LocationConfig *loc = route.location;
    if (!proxyHandler)
        return indexOrStatic(config, std::move(route));
    if (!loc->proxyPass.isSet()) {
        // An `if` without proxy_pass after one with it (ngx_http_upstream_init_request).
        route.notes.append(RouteNote{RouteNote::Level::Error, "no upstream configuration"});
        return failed(std::move(route), 500, "no upstream configuration");
    }
    if (loc->proxyPass.urlTemplate) {
        route = evaluateProxyUrl(std::move(route), *loc);
        if (route.kind != Route::Kind::Proxy)
            return route;
    } else {
        route.kind = Route::Kind::Proxy;
        route.context.proxyHost = loc->proxyPass.proxyHost;
        route.upstreamTarget = upstreamTarget(route, *loc);
        route.upstreamTls = loc->proxyPass.scheme == "https";
        route.context.proxyPort =
            loc->proxyPass.unixSocket ? QByteArray() : proxyPortOf(loc->proxyPass.proxyHost, route.upstreamTls);
    }
    if (route.upstreamTls) {
        // proxy_ssl_name: by default the host of $proxy_host; a port in
        // either is cut (ngx_http_upstream_ssl_name).
        route.tlsName = tlsNameFromProxyHost(loc->proxySslName ? loc->proxySslName->expand(route.context)
                                                               : route.context.proxyHost);
    }
    return route;
}

// try_files (ngx_http_try_files_handler; nginx 1.22's try-files phase,
// after access): each name under root or alias, the first that exists as
// the kind asked for (a trailing '/' wants a directory) becomes $uri and the
// content handler serves it; otherwise the last argument answers: =CODE
// (finalized with it, so error_page applies), @name (URI and arguments
// kept), or an internal redirect whose arguments are only those the
// evaluated URI brings (ngx_http_split_args: none without a '?', hence
// nginx's "/index.php?$args").
Route tryFiles(const ProxyConfig &config, Route route, bool proxyHandler)
{
    const LocationConfig &loc = *route.location;
    const bool aliased = !loc.alias.isEmpty();
    const QString dir = QString::fromUtf8(aliased ? loc.alias : loc.root);
    const QString base = QDir::isAbsolutePath(dir) ? dir : QDir(configDir(config)).filePath(dir);
    // The part of $uri the alias replaces (none for a regex location's alias).
    const QByteArray aliasPart = aliased && loc.aliasLength > 0 ? route.context.uri.left(loc.aliasLength) : QByteArray();
    for (const ValueTemplate &file : loc.tryFiles.files) {
        const bool wantsDir = file.source().endsWith('/');
        QByteArray name = file.expand(route.context);
        if (wantsDir)
            name.chop(1);
        // nginx cuts the location's name only off an evaluated one.
        if (!aliasPart.isEmpty() && !file.isConstant() && name.startsWith(aliasPart))
            name.remove(0, aliasPart.size());
        const QFileInfo info(base + QString::fromUtf8(name));
        if (!info.exists() || info.isDir() != wantsDir)
            continue;
        if (!aliased) {
            route.context.uri = name;
        } else if (loc.aliasLength < 0) {
            if (!wantsDir) {
                route.context.uri = name;
                route.addUriToAlias = true;
            }
        } else {
            route.context.uri = aliasPart + name;
        }
        return content(config, std::move(route), proxyHandler);
    }
    if (loc.tryFiles.code > 0)
        return failed(std::move(route), loc.tryFiles.code, "try_files found none of its files");
    const QByteArray target = loc.tryFiles.fallback.expand(route.context);
    return redirectRoute(config, std::move(route), target);
}

// ngx_http_core_find_config_phase: the location for $uri, and the
// captures of a regex location that has some.
const LocationConfig *findLocation(const ServerConfig &server, RequestContext &ctx, bool *autoRedirect)
{
    const LocationConfig *loc = server.matchLocation(ctx.uri, autoRedirect);
    if (!loc)
        return &server.serverLevel; // ngx_http_core_find_location declined: the server's own configuration
    if (*autoRedirect)
        return loc;
    if (loc && loc->isRegex() && loc->regex.captureCount() > 0)
        CaptureRegex{loc->regex, loc->regexNames}.matchInto(ctx.uri, ctx);
    return loc;
}

// ngx_http_core_find_config_phase's NGX_DONE: the location's escaped
// name, with the arguments, as a 301 (error_page applies to it).
Route autoRedirectAnswer(Route route)
{
    route.kind = Route::Kind::Return;
    route.returnCode = 301;
    route.redirectLocation = escapeUri(route.location->prefix);
    const QByteArray args = currentArgs(route.context);
    if (!args.isEmpty())
        route.redirectLocation += '?' + args;
    return route;
}

// The phase loop from `start` to the content handler.
Route runPhases(const ProxyConfig &config, Route route, Start start)
{
    const ServerConfig &server = *route.server;
    RewriteState st;
    st.context = &route.context;
    st.internal = route.internal;
    st.quotedUri = route.quotedUri;
    st.variableNames = &config.userVariables;
    st.notes = &route.notes;
    if (start == Start::ServerRewrite && !server.rewrite.empty()) {
        st.log = server.rewriteLog;
        st.warnUninitialized = server.uninitializedVariableWarn;
        const ScriptOutcome o = runRewriteScript(server.rewrite, nullptr, st);
        route.internal = st.internal;
        if (o.kind != ScriptOutcome::Kind::Declined)
            return scriptAnswer(std::move(route), o);
    }
    for (;;) {
        if (start != Start::LocationRewrite) {
            st.uriChanged = false;
            bool autoRedirect = false;
            route.location = findLocation(server, route.context, &autoRedirect);
            // ngx_http_core_find_config_phase: an `internal` location answers 404 to a client's own URI.
            if (route.location->internal && !route.internal)
                return failed(std::move(route), 404, "internal location " + route.location->prefix);
            if (autoRedirect)
                return autoRedirectAnswer(std::move(route));
            // ngx_http_update_location_config: a method limit_except does not
            // name gets the block's configuration.
            const LocationConfig *loc = route.location;
            if (!loc->limitExcept.empty() && (HttpMethods::bit(route.context.request->method) & loc->limitExceptMethods))
                route.location = &loc->limitExcept.front();
        }
        start = Start::FindLocation;
        const LocationConfig *loc = route.location;
        st.conf = loc;
        st.proxyHandler = loc->proxyHandler;
        if (!loc->rewrite.empty()) {
            st.log = loc->rewriteLog;
            st.warnUninitialized = loc->uninitializedVariableWarn;
            const ScriptOutcome o = runRewriteScript(loc->rewrite, loc, st);
            route.location = st.conf;
            route.internal = st.internal;
            route.validLocation = st.validLocation;
            if (o.kind != ScriptOutcome::Kind::Declined)
                return scriptAnswer(std::move(route), o);
        }
        if (!st.uriChanged)
            break;
        // ngx_http_core_post_rewrite_phase: the location is looked up again.
        if (--route.uriChanges == 0)
            return cycle(std::move(route), "while processing \"" + route.context.uri + '"');
    }
    // ngx_http_realip_module's PREACCESS handler: the location's settings,
    // unless the server's already changed the address.
    RealIp::apply(*route.location, route.context);
    // ngx_http_core_access_phase: allow/deny of the location found, after
    // the rewrite phases (a `return` answers before them).
    if (!AccessRules::allows(route.location->accessRules, route.context.remoteAddress, route.context.unixClient)) {
        route.notes.append({RouteNote::Level::Error, "access forbidden by rule"});
        return failed(std::move(route), 403, "access forbidden by rule");
    }
    if (route.location->tryFiles.isSet())
        return tryFiles(config, std::move(route), st.proxyHandler);
    return content(config, std::move(route), st.proxyHandler);
}

} // namespace

QByteArray tlsNameFromProxyHost(const QByteArray &proxyHost)
{
    QByteArray name = proxyHost;
    const qsizetype colon = name.lastIndexOf(':');
    if (colon > 0 && !name.endsWith(']'))
        name.truncate(colon);
    if (name.startsWith('[') && name.endsWith(']'))
        name = name.mid(1, name.size() - 2);
    return name;
}

Route routeRequest(const ProxyConfig &config, int listenGroup, RequestContext request)
{
    Route route;
    const HttpRequestHead &head = *request.request;
    const QByteArray rawPath = splitTarget(head.target).path.toByteArray();
    // nginx: the server block by Host among those on this address, then the
    // location by the normalized URI.
    route.server = config.selectServer(listenGroup, requestHostForRouting(head));
    QByteArray path;
    bool quoted = false;
    // merge_slashes: the address's default server's (the URI is made before Host is read).
    const ServerConfig *first = config.defaultServer(listenGroup);
    if (!route.server || !normalizeUriPath(rawPath, &path, &quoted, first ? first->settings.mergeSlashes : true)) {
        // nginx's $uri of a target it refused is empty; $request_uri and $args are not found.
        request.uri = QByteArray("");
        request.uriInvalid = route.server != nullptr;
        route.context = std::move(request);
        return failed(std::move(route), 400, "invalid request target");
    }
    request.serverName = route.server->serverName;
    request.uri = path;
    route.context = std::move(request);
    route.quotedUri = quoted || rawPath.contains('+');
    if (route.server->hasRegexCaptures) {
        const QByteArray host = requestHostForRouting(head);
        if (const ServerName *n = route.server->regexNameFor(host))
            CaptureRegex{n->regex, n->named}.matchInto(host, route.context);
    }
    // ngx_http_realip_module's POST_READ handler: the server's settings.
    RealIp::apply(route.server->serverLevel, route.context);
    return runPhases(config, std::move(route), Start::ServerRewrite);
}

Route redirectRoute(const ProxyConfig &config, Route from, QByteArrayView target)
{
    Route route;
    route.server = from.server;
    route.context = std::move(from.context);
    route.quotedUri = from.quotedUri;
    route.uriChanges = from.uriChanges - 1;
    route.notes = std::move(from.notes);
    route.internal = true;
    if (!route.server)
        return failed(std::move(route), 500, "no server for an internal redirect");
    if (target.startsWith('@')) {
        if (route.uriChanges <= 0)
            return cycle(std::move(route), "while redirect to named location \"" + target.toByteArray() + '"');
        route.location = route.server->namedLocation(target);
        if (!route.location) {
            const QByteArray message = "could not find named location \"" + target.toByteArray() + '"';
            route.notes.append(RouteNote{RouteNote::Level::Error, message});
            return failed(std::move(route), 500, message);
        }
        return runPhases(config, std::move(route), Start::LocationRewrite);
    }
    const qsizetype q = target.indexOf('?');
    const QByteArray uri = (q < 0 ? target : target.first(q)).toByteArray();
    if (route.uriChanges <= 0)
        return cycle(std::move(route), "while internally redirecting to \"" + uri + '"');
    route.context.uri = uri;
    route.context.args = q < 0 ? QByteArray("") : target.sliced(q + 1).toByteArray();
    route.context.argsChanged = true;
    return runPhases(config, std::move(route), Start::ServerRewrite);
}
