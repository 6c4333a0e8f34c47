#pragma once

#include "config/proxyconfig.h"
#include "http/variables.h"
#include "rewriteengine.h"

#include <QByteArray>

// What a request head asks of the proxy, decided from the configuration
// alone: nginx's phases up to the content handler (ngx_http_core_module:
// the server's rewrite phase, find-config by $uri, the location's rewrite
// phase, post-rewrite, which finds the location again after a new URI, at
// most 10 times) and the part of its proxy module that builds the upstream
// request line (ngx_http_proxy_create_request) and the TLS name
// (proxy_ssl_name). A pure function: no sockets, no clocks (an `if (-f …)`
// condition looks at the file system); the session acts on the answer.
struct Route
{
    enum class Kind : quint8 {
        Error,  // answer `errorStatus` with `errorMessage` (400 bad target, 404, 411, 500)
        Return, // `return` or a rewrite's redirect: `returnCode`, `returnText`, `redirectLocation`
        Static, // no proxy_pass: root/alias/index under `location`
        Proxy,  // proxy_pass: `upstreamTarget` to the location's upstream group
    };

    Kind kind = Kind::Error;
    int errorStatus = 400;
    QByteArray errorMessage;
    const ServerConfig *server = nullptr;      // chosen by Host (null only when no server exists)
    // The location whose settings apply (an `if` block's when one matched,
    // the server's serverLevel when none matched); null for a server-level
    // `return` and for a 400.
    const LocationConfig *location = nullptr;
    const ReturnAction *returnAction = nullptr; // the `return` statement (null for a rewrite's redirect)
    int returnCode = 0;
    QByteArray returnText;       // the body of a `return` that is not a redirect, evaluated
    QByteArray redirectLocation; // the Location of a redirect status (may be relative: "/x")
    // The request's variables as routing completed them ($server_name, $uri,
    // $args, $proxy_host, captures, `set` variables): what header rewriting,
    // `return` and the hash key expand.
    RequestContext context;
    QByteArray upstreamTarget; // Proxy: the request-target sent upstream
    bool upstreamTls = false;  // Proxy: proxy_pass https://
    QByteArray tlsName;        // Proxy over TLS: proxy_ssl_name, evaluated

    // nginx's request flags, carried into an internal redirect.
    bool internal = false;      // r->internal: rewritten or redirected (`internal` locations accept it)
    bool validLocation = true;  // r->valid_location: false after `rewrite … break` (proxy_pass's URI part unused)
    bool quotedUri = false;     // the request line's path had "%" escapes or "+"
    bool addUriToAlias = false; // r->add_uri_to_alias: try_files found $uri under a regex location's alias
    int uriChanges = 11;        // r->uri_changes: NGX_HTTP_MAX_URI_CHANGES + 1; 0 ends in 500
    QList<RouteNote> notes;     // for the error log (rewrite_log, cycles, uninitialized variables)

    // nginx finalizes the request with the status rather than sending a body
    // (ngx_http_rewrite_return: a redirect, or 400+ without text): the
    // error page for that status answers (error_page applies).
    bool isSpecialResponse() const
    {
        return kind == Kind::Return && (isRedirectStatus(returnCode) || (returnCode >= 400 && returnText.isNull()));
    }
    // Proxy with variables in proxy_pass: the evaluated host (an upstream
    // block's name, an address, or a name to resolve) and port (-1: none).
    QByteArray dynamicHost;
    int dynamicPort = -1;
};

// Routes `request` (its `request` member points at the parsed head; the
// connection's facts are filled in: address, port, scheme, TLS) accepted on
// listen group `listenGroup` of `config`.
Route routeRequest(const ProxyConfig &config, int listenGroup, RequestContext request);

// An internal redirect of a routed request (error_page, try_files): to
// "/uri[?args]" (ngx_http_internal_redirect: the server's rewrite phase
// and the location search again, with the new URI and arguments) or to
// "@name" (ngx_http_named_location: that location's rewrite phase, the
// URI kept). Each costs one of the route's `uriChanges`; the last one
// answers 500 with nginx's "rewrite or internal redirection cycle" error.
// `from` must come from routeRequest() or redirectRoute() on `config`.
Route redirectRoute(const ProxyConfig &config, Route from, QByteArrayView target);

// proxy_ssl_name's default: the host of $proxy_host, without port and
// without the brackets of an IPv6 literal ("[::1]:8443" -> "::1").
QByteArray tlsNameFromProxyHost(const QByteArray &proxyHost);
