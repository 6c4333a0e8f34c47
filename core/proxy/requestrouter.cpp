#include "requestrouter.h"

namespace {

Route failed(Route route, int status, QByteArray message)
{
    route.kind = Route::Kind::Error;
    route.errorStatus = status;
    route.errorMessage = std::move(message);
    return route;
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
    const qsizetype q = head.target.indexOf('?');
    const QByteArray rawPath = q < 0 ? head.target : head.target.left(q);
    // nginx: the server block by Host among those on this address, then the
    // location by the normalized URI.
    route.server = config.selectServer(listenGroup, requestHostForRouting(head));
    QByteArray path;
    if (!route.server || !normalizeUriPath(rawPath, &path)) {
        route.context = std::move(request);
        return failed(std::move(route), 400, "invalid request target");
    }
    const ServerConfig &server = *route.server;
    request.serverName = server.serverName;
    request.uri = path;
    route.context = std::move(request);
    // A server-level `return` runs before any location is looked up
    // (nginx's rewrite phase of the server block).
    if (server.returnAction.isSet()) {
        route.kind = Route::Kind::Return;
        route.returnAction = &server.returnAction;
        return route;
    }
    route.location = server.matchLocation(path);
    const LocationConfig *loc = route.location;
    if (!loc)
        return failed(std::move(route), 404, "no location matches " + path);
    if (loc->returnAction.isSet()) {
        route.kind = Route::Kind::Return;
        route.returnAction = &loc->returnAction;
        return route;
    }
    if (!loc->proxyPass.isSet()) {
        route.kind = Route::Kind::Static; // root/alias/index serve files, as nginx does
        return route;
    }
    // proxy_http_version (nginx's default is 1.0: no upgrade, no chunked body).
    if (loc->proxyHttpVersionMinor == 0 && head.headers.hasToken("Transfer-Encoding", "chunked"))
        return failed(std::move(route), 411,
                      "a chunked request body needs \"proxy_http_version 1.1\" in location " + loc->prefix);
    route.kind = Route::Kind::Proxy;
    route.context.proxyHost = loc->proxyPass.proxyHost;
    route.upstreamTarget = upstreamTargetFor(*loc, head.target);
    route.upstreamTls = loc->proxyPass.scheme == "https";
    if (route.upstreamTls) {
        // proxy_ssl_name: by default the host of $proxy_host.
        route.tlsName = loc->proxySslName ? loc->proxySslName->expand(route.context)
                                          : tlsNameFromProxyHost(route.context.proxyHost);
    }
    return route;
}
