#pragma once

#include "httpheaders.h"
#include "variables.h"

#include <QList>

// One proxy_set_header rule. An empty expansion means "do not send the
// header", exactly as in nginx.
struct HeaderRule
{
    QByteArray name;
    ValueTemplate value;
};

// RFC 9110 7.6.1: true for Connection, Keep-Alive, Proxy-Connection, TE,
// Trailer, Transfer-Encoding, Upgrade.
bool isHopByHopHeader(QByteArrayView name);

// Removes the hop-by-hop fields and every field the Connection header names
// (except Content-Length and Host, which the forwarded message still needs).
void stripHopByHop(HttpHeaders &headers);

// The head sent upstream: the rules' headers first (as nginx does), then the
// client's headers that are neither hop-by-hop nor overridden by a rule.
// `chunkedBody` re-adds Transfer-Encoding for a body forwarded chunked.
// `passClientHeaders` false (proxy_pass_request_headers off): of the
// client's only Content-Length (nginx's $proxy_internal_body_length).
HttpRequestHead rewriteRequestForUpstream(const HttpRequestHead &client, const RequestContext &context,
                                          const QList<HeaderRule> &rules, const QByteArray &upstreamTarget,
                                          bool chunkedBody, bool passClientHeaders = true);

// The response head relayed to the client: hop-by-hop fields dropped, and
// Connection set by the proxy (upgrade for 101, keep-alive or close).
HttpResponseHead rewriteResponseForClient(const HttpResponseHead &upstream, bool keepAlive, bool chunkedBody);
