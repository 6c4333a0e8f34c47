#pragma once

#include "httpheaders.h"

#include <QByteArray>

// Incremental HTTP/1.x head parser for requests (from clients) and responses
// (from upstreams). Bytes may arrive split at any point; feed() consumes only
// up to the end of the head, leaving body bytes (and pipelined requests) to
// the caller. Limits follow nginx's behaviour: an overlong request line is
// 414, an overlong head 431, anything malformed 400.
class HttpHeadParser
{
public:
    enum class Kind { Request, Response };
    enum class State { NeedMore, Complete, Error };

    struct Limits
    {
        qsizetype maxRequestLine = 8 * 1024;
        qsizetype maxHead = 64 * 1024;
    };

    explicit HttpHeadParser(Kind kind);
    HttpHeadParser(Kind kind, Limits limits);

    // Feeds bytes; returns how many were consumed (all of them unless the
    // head completed or an error occurred inside this chunk).
    qsizetype feed(const char *data, qsizetype size);
    State state() const { return m_state; }
    void reset();

    const HttpRequestHead &request() const { return m_request; }
    const HttpResponseHead &response() const { return m_response; }
    HttpRequestHead takeRequest() { return std::move(m_request); }
    HttpResponseHead takeResponse() { return std::move(m_response); }

    // On Error: the status to answer with (400, 414, 431, 501, 505) and why.
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
    bool parseRequestLine(QByteArrayView line);
    bool parseStatusLine(QByteArrayView line);
    bool parseFields(QByteArrayView block, HttpHeaders &headers);
    bool checkRequestSemantics();
    bool fail(int status, const char *message);
    static bool splitAbsoluteTarget(QByteArrayView target, QByteArrayView *host, QByteArray *path);

    Kind m_kind;
    Limits m_limits;
    State m_state = State::NeedMore;
    QByteArray m_buffer;
    qsizetype m_firstLineEnd = -1; // offset of the request line's LF, once seen
    HttpRequestHead m_request;
    HttpResponseHead m_response;
    int m_errorStatus = 0;
    QByteArray m_errorMessage;
    bool m_requestLineParsed = false;
};
