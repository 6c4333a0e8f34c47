#pragma once

#include "config/proxyconfig.h"
#include "http/variables.h"

#include <QByteArray>

// What a request head asks of the proxy, decided from the configuration
// alone: nginx's find-config phase (server by Host, location by $uri) and
// the part of its proxy module that builds the upstream request line
// (ngx_http_proxy_create_request) and the TLS name (proxy_ssl_name). A pure
// function: no sockets, no clocks, no files; the session acts on the answer.
struct Route
{
    enum class Kind : quint8 {
        Error,  // answer `errorStatus` with `errorMessage` (400 bad target, 404, 411)
        Return, // `return` at server or location level (`returnAction`)
        Static, // no proxy_pass: root/alias/index under `location`
        Proxy,  // proxy_pass: `upstreamTarget` to the location's upstream group
    };

    Kind kind = Kind::Error;
    int errorStatus = 400;
    QByteArray errorMessage;
    const ServerConfig *server = nullptr;      // chosen by Host (null only when no server exists)
    const LocationConfig *location = nullptr;  // null for a server-level `return` and for 400/404
    const ReturnAction *returnAction = nullptr;
    // The request's variables as routing completed them ($server_name, $uri,
    // $proxy_host): what header rewriting, `return` and the hash key expand.
    RequestContext context;
    QByteArray upstreamTarget; // Proxy: the request-target sent upstream
    bool upstreamTls = false;  // Proxy: proxy_pass https://
    QByteArray tlsName;        // Proxy over TLS: proxy_ssl_name, evaluated
};

// Routes `request` (its `request` member points at the parsed head; the
// connection's facts are filled in: address, port, scheme, TLS) accepted on
// listen group `listenGroup` of `config`.
Route routeRequest(const ProxyConfig &config, int listenGroup, RequestContext request);

// proxy_ssl_name's default: the host of $proxy_host, without port and
// without the brackets of an IPv6 literal ("[::1]:8443" -> "::1").
QByteArray tlsNameFromProxyHost(const QByteArray &proxyHost);
