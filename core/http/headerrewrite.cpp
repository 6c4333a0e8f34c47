#include "headerrewrite.h"

#include <QVarLengthArray>

bool isHopByHopHeader(QByteArrayView name)
{
    static constexpr const char *kHopByHop[] = {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };
    for (const char *h : kHopByHop) {
        if (headerNameEquals(name, QByteArrayView(h)))
            return true;
    }
    return false;
}

void stripHopByHop(HttpHeaders &headers)
{
    // Names the Connection fields list (views into those fields' values,
    // which stay untouched until the list is rebuilt below).
    QVarLengthArray<QByteArrayView, 8> listed;
    for (const HttpHeader &h : headers) {
        if (headerNameEquals(h.name, "Connection")) {
            for (QByteArrayView token : splitHeaderList(h.value)) {
                // "Connection: Content-Length" must not drop the framing the proxy
                // still forwards the body with: the peer would read that body as a
                // new message (request smuggling). Host is required in the HTTP/1.1
                // request sent upstream (RFC 9112 3.2). RFC 9110 7.6.1 forbids
                // senders to list such end-to-end fields anyway.
                if (!headerNameEquals(token, "Content-Length") && !headerNameEquals(token, "Host"))
                    listed.append(token);
            }
        }
    }
    const qsizetype n = headers.size();
    QVarLengthArray<bool, 32> drop(n);
    qsizetype dropped = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const QByteArray &name = headers.fields().at(i).name;
        bool d = isHopByHopHeader(name);
        for (qsizetype j = 0; !d && j < listed.size(); ++j)
            d = headerNameEquals(name, listed.at(j));
        drop[i] = d;
        dropped += d;
    }
    if (dropped == 0)
        return;
    HttpHeaders kept;
    kept.reserve(n - dropped);
    for (qsizetype i = 0; i < n; ++i) {
        if (!drop[i])
            kept.append(headers.fields().at(i).name, headers.fields().at(i).value);
    }
    headers = std::move(kept);
}

HttpRequestHead rewriteRequestForUpstream(const HttpRequestHead &client, const RequestContext &context,
                                          const QList<HeaderRule> &rules, const QByteArray &upstreamTarget,
                                          bool chunkedBody, bool passClientHeaders)
{
    HttpRequestHead out;
    out.method = client.method;
    out.target = upstreamTarget;
    out.versionMinor = 1;
    out.headers.reserve(client.headers.size() + rules.size() + 1);

    HttpHeaders rest;
    if (passClientHeaders) {
        rest = client.headers;
        stripHopByHop(rest);
    } else if (client.headers.contains("Content-Length")) {
        rest.append("Content-Length", client.headers.value("Content-Length"));
    }
    // The proxy answers "Expect: 100-continue" itself (as nginx does).
    rest.remove("Expect");

    for (const HeaderRule &rule : rules) {
        rest.remove(rule.name);
        const QByteArray value = rule.value.expand(context);
        if (!value.isEmpty())
            out.headers.set(rule.name, value);
    }
    for (const HttpHeader &h : rest)
        out.headers.append(h.name, h.value);
    if (chunkedBody)
        out.headers.set("Transfer-Encoding", "chunked");
    return out;
}

HttpResponseHead rewriteResponseForClient(const HttpResponseHead &upstream, bool keepAlive, bool chunkedBody)
{
    HttpResponseHead out;
    out.versionMinor = 1;
    out.status = upstream.status;
    out.reason = upstream.reason;
    out.headers = upstream.headers;
    const QByteArray upgrade = upstream.headers.value("Upgrade");
    stripHopByHop(out.headers);
    if (upstream.status == 101) {
        if (!upgrade.isEmpty())
            out.headers.append("Upgrade", upgrade);
        out.headers.append("Connection", "upgrade");
        return out;
    }
    if (chunkedBody)
        out.headers.append("Transfer-Encoding", "chunked");
    out.headers.append("Connection", keepAlive ? QByteArray("keep-alive") : QByteArray("close"));
    return out;
}
