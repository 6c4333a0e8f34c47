#pragma once

#include "httpheaders.h"

#include <QByteArray>

#include <functional>

// Incremental HTTP/1.x head parser for requests (from clients) and responses
// (from upstreams). Bytes may arrive split at any point; feed() consumes only
// up to the end of the head, leaving body bytes (and pipelined requests) to
// the caller. A request head is held as nginx holds it
// (ngx_http_alloc_large_header_buffer): in a first buffer, then in at most
// `largeBuffers` of `largeBufferSize` bytes, a line never split across two;
// a request line that does not fit is 414, a header line or a head that
// does not is 494 (sent as 400 "Request Header Or Cookie Too Large");
// anything malformed 400. A response head may reach `maxHead` (else 502).
class HttpHeadParser
{
public:
    enum class Kind { Request, Response };
    enum class State { NeedMore, Complete, Error };

    struct Limits
    {
        // client_header_buffer_size, large_client_header_buffers (nginx's 1k, 4 8k)
        qsizetype firstBuffer = 1024;
        int largeBuffers = 4;
        qsizetype largeBufferSize = 8 * 1024;
        qsizetype maxHead = 64 * 1024; // responses
    };

    explicit HttpHeadParser(Kind kind);
    HttpHeadParser(Kind kind, Limits limits);
    void setLimits(const Limits &limits) { m_limits = m_baseLimits = limits; }
    // nginx switches to the virtual server once Host is read
    // (ngx_http_set_virtual_server): the large buffers taken after a Host
    // line are that server's. Called with the Host line's value; true when
    // *limits (largeBuffers, largeBufferSize) were set. Each request starts
    // from setLimits()'s again.
    using HostLimits = std::function<bool(QByteArrayView host, Limits *limits)>;
    void setHostLimits(HostLimits hostLimits) { m_hostLimits = std::move(hostLimits); }
    // A request's header names (ngx_http_parse_header_line): letters, digits
    // and "-" are valid, "_" too with underscores_in_headers; a line with
    // any other name is dropped (ignore_invalid_headers, the default) or
    // kept. Whitespace or a control byte in a name is a 400 either way.
    void setHeaderNames(bool underscores, bool ignoreInvalid)
    {
        m_underscores = underscores;
        m_ignoreInvalid = ignoreInvalid;
    }
    // The request lines dropped for their names (for the info log), this request.
    const QByteArrayList &droppedHeaders() const { return m_droppedHeaders; }

    // Feeds bytes; returns how many were consumed (all of them unless the
    // head completed or an error occurred inside this chunk).
    qsizetype feed(const char *data, qsizetype size);
    State state() const { return m_state; }
    void reset();

    const HttpRequestHead &request() const { return m_request; }
    const HttpResponseHead &response() const { return m_response; }
    HttpRequestHead takeRequest() { return std::move(m_request); }
    HttpResponseHead takeResponse() { return std::move(m_response); }

    // On Error: the status to answer with (400, 414, 494, 501, 505; a response 502) and why.
    int errorStatus() const { return m_errorStatus; }
    const QByteArray &errorMessage() const { return m_errorMessage; }
    // On Error: whether the request line was parsed (the failure lay in a
    // header field or the head's semantics, such as an invalid Host):
    // request() then has its method and target, and nginx answers through
    // the default server's error_page.
    bool requestLineParsed() const { return m_requestLineParsed; }
    // Bytes of head buffered so far (for diagnostics and limits).
    qsizetype bufferedSize() const { return m_buffer.size(); }

private:
    // The complete head: m_buffer, or the caller's bytes when nothing was buffered.
    bool parseHead(QByteArrayView all);
    // A request head's line of `length` bytes (terminator included) placed
    // as nginx places it; false (failed) when it does not fit.
    bool placeLine(qsizetype length, bool requestLine);
    // A Host line (its bytes split between m_buffer and the chunk at
    // `begin`, from `start` to the LF at `end`, in buffer terms): the virtual
    // server's large buffers from here on.
    void noteHostLine(qsizetype start, qsizetype end, const char *begin);
    // The line being received, `length` bytes so far: false (failed) once it cannot fit.
    bool partialLineFits(qsizetype length, bool requestLine);
    bool parseRequestLine(QByteArrayView line);
    bool parseStatusLine(QByteArrayView line);
    bool parseFields(QByteArrayView block, HttpHeaders &headers);
    bool checkRequestSemantics();
    bool fail(int status, const char *message);
    static bool splitAbsoluteTarget(QByteArrayView target, QByteArrayView *host, QByteArray *path);

    Kind m_kind;
    Limits m_limits;
    Limits m_baseLimits;
    HostLimits m_hostLimits;
    bool m_underscores = false;
    bool m_ignoreInvalid = true;
    QByteArrayList m_droppedHeaders;
    State m_state = State::NeedMore;
    QByteArray m_buffer;
    qsizetype m_firstLineEnd = -1; // offset of the request line's LF, once seen
    qsizetype m_lineStart = 0;     // offset of the line being received
    qsizetype m_bufferUsed = 0;    // of the request head's current buffer
    qsizetype m_bufferSize = -1;   // its size (-1: the first buffer not yet sized)
    int m_largeBuffersUsed = 0;
    HttpRequestHead m_request;
    HttpResponseHead m_response;
    int m_errorStatus = 0;
    QByteArray m_errorMessage;
    bool m_requestLineParsed = false;
};
