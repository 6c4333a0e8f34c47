#pragma once

#include "http/httpheaders.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <functional>
#include <optional>

// Request-target and redirect rewriting of a reverse proxy (nginx's
// ngx_http_parse_complex_uri, ngx_http_proxy_create_request and
// ngx_http_proxy_rewrite_redirect), with no configuration in sight: the
// config layer decides the parameters, these apply them.

// A request-target's path and arguments as nginx's parser delimits them
// (ngx_http_parse_request_line, ngx_http_parse_complex_uri): the path ends
// at the first "?" or "#"; the arguments follow a "?" met before any "#"
// and end at the next "#" (a fragment is no part of either).
struct TargetParts
{
    QByteArrayView path;
    QByteArrayView args; // null when the target has no "?" before a "#"
};
TargetParts splitTarget(QByteArrayView target);

// nginx's URI normalization for location matching ($uri): percent-decoding,
// merging of "//", and resolution of "." and ".." segments. False for a
// path nginx answers with 400 (bad escape, ".." above the root, NUL).
// `quoted` is set when the raw path held a "%" escape.
// `mergeSlashes` off (merge_slashes off): "//" stays as written.
bool normalizeUriPath(QByteArrayView rawPath, QByteArray *out, bool *quoted = nullptr, bool mergeSlashes = true);

// ngx_escape_uri(NGX_ESCAPE_URI): what a rewritten $uri needs to be sent
// as a request-target: controls, space, non-ASCII and " # % < > ? \ ^ ` { | }
// (nginx 1.21.1's table).
QByteArray escapeUri(QByteArrayView in);
// ngx_escape_uri(NGX_ESCAPE_ARGS): for text placed in the arguments.
QByteArray escapeArgs(QByteArrayView in);

// The lower-cased host of a request for server selection: the Host header
// without port and trailing dot (empty when absent).
QByteArray requestHostForRouting(const HttpRequestHead &request);

// proxy_pass with a URI part (ngx_http_proxy_create_request): the first
// `cut` bytes of the normalized client URI (the location's name) are
// replaced by `uri`, the rest re-escaped when the client had used escapes,
// then "?" and the arguments.
QByteArray rewriteProxyTarget(const QByteArray &clientTarget, qsizetype cut, const QByteArray &uri,
                              bool mergeSlashes = true);

// proxy_redirect on a response from upstream: each Location value, and the
// URL part of each Refresh ("5; url=..."), is given to `rewrite`, which
// returns its new text (nullopt: unchanged). True when a Location was
// rewritten (nginx then treats it as its own: a relative result is made
// absolute like a `return`'s).
bool rewriteRedirectHeaders(HttpHeaders &headers,
                            const std::function<std::optional<QByteArray>(QByteArrayView url)> &rewrite);
