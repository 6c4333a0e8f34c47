#pragma once

#include "http/bodyframer.h"

#include <QByteArray>

struct HttpRequestHead;
struct HttpResponseHead;
class TcpStream;

// The two bodies of a proxied HTTP exchange (nginx's request body reader
// and its proxy input filters): the request body from the client to the
// upstream and the response body back, each framed as its head says
// (RFC 9112 6: Content-Length, chunked, or until close). Streamed, never
// buffered whole: what a framer has not taken stays in the caller's buffer.
class HttpRelay final
{
public:
    // The request body's framing, from the request head.
    void beginRequest(const HttpRequestHead &request);
    bool requestChunked() const { return m_requestBody.mode() == HttpBodyFramer::Mode::Chunked; }
    // The client waits for "100 Continue" before it sends its body.
    bool expectsContinue() const { return m_expectContinue; }
    void continueSent() { m_expectContinue = false; }
    // Moves what of `in` belongs to the request body to `upstream`. False:
    // the chunked body is invalid.
    // `head`, when given, goes in the same write as the body bytes at hand
    // (as nginx sends a buffered body with its head: one read gets both).
    bool forwardRequestBody(QByteArray &in, TcpStream &upstream, bool pass = true, QByteArrayView head = {});

    // The response body's framing (RFC 9112 6.3) for `request`. False: an
    // invalid Content-Length.
    bool beginResponse(const HttpRequestHead &request, const HttpResponseHead &response);
    // Chunked from the upstream and passed on as chunked.
    bool relaysChunked() const { return m_chunked && !m_decodeChunked; }
    // Chunked from the upstream, decoded for an HTTP/1.0 client (which then
    // learns the end from the close).
    bool decodesChunked() const { return m_decodeChunked; }
    // The connection cannot stay open after this response: it ends with the
    // close, is decoded, or the request body was not all read.
    bool endsConnection() const;
    // Moves the response body from `in` to `client`; bytes after a complete
    // response are dropped (not ours to relay). False: invalid chunked body.
    // With a held body, only whole buffers go out as they fill, the rest
    // when the response ends (releaseHeldBody).
    bool relayResponseBody(QByteArray &in, TcpStream &client);
    // ngx_event_pipe (proxy_buffering on) passes a buffer downstream once it
    // is full or the upstream is done, never a partial one before. wsscope
    // streams every body at once, except the body of a 101 the client did
    // not ask for (an ordinary response to nginx): held as nginx holds it,
    // in buffers of `bufferSize`.
    void holdResponseBody(qsizetype bufferSize) { m_holdBuffer = bufferSize; }
    void releaseHeldBody(TcpStream &client);
    // ngx_http_proxy's u->keepalive: the upstream connection may carry
    // another request: an HTTP/1.1 response without "Connection: close",
    // its body complete by its own framing (not by the close) with nothing
    // after it, and the request body all sent.
    bool upstreamKeepsAlive(const HttpResponseHead &response) const;
    bool responseDone(bool upstreamEof) const
    {
        return m_responseBody.isDone() || (upstreamEof && m_responseBody.mode() == HttpBodyFramer::Mode::UntilClose);
    }

    const HttpBodyFramer &requestBody() const { return m_requestBody; }
    HttpBodyFramer &requestFramer() { return m_requestBody; } // a body read whole (RequestBody) or discarded
    // The static responder frames its file with it too.
    HttpBodyFramer &responseBody() { return m_responseBody; }

private:
    HttpBodyFramer m_requestBody;
    HttpBodyFramer m_responseBody;
    bool m_expectContinue = false;
    bool m_chunked = false;
    bool m_decodeChunked = false;
    bool m_extraData = false; // the upstream sent bytes after the response
    qsizetype m_holdBuffer = 0;
    QByteArray m_held;
};
