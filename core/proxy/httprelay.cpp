#include "httprelay.h"

#include "http/httpheaders.h"
#include "net/tcpstream.h"

void HttpRelay::beginRequest(const HttpRequestHead &request)
{
    using Mode = HttpBodyFramer::Mode;
    if (request.headers.hasToken("Transfer-Encoding", "chunked"))
        m_requestBody.reset(Mode::Chunked);
    else if (request.headers.contains("Content-Length"))
        m_requestBody.reset(Mode::Length, request.headers.value("Content-Length").toLongLong());
    else
        m_requestBody.reset(Mode::None);
    // ngx_http_test_expect: an HTTP/1.1 request whose Expect is exactly
    // "100-continue" (any case) gets the interim answer, whatever its body's
    // length; other expectations are let through, as nginx does.
    m_expectContinue = request.isHttp11() && request.headers.count("Expect") == 1
        && headerNameEquals(QByteArrayView(request.headers.value("Expect")).trimmed(), "100-continue");
}

bool HttpRelay::forwardRequestBody(QByteArray &in, TcpStream &upstream, bool pass, QByteArrayView head)
{
    const qsizetype n = in.isEmpty() || m_requestBody.isDone() ? 0 : m_requestBody.consume(in.constData(), in.size());
    if (m_requestBody.hasError())
        return false;
    const qsizetype sent = pass ? n : 0; // proxy_pass_request_body off: read, and dropped
    if (head.isEmpty()) {
        upstream.write(in.constData(), sent);
    } else if (sent == 0) {
        upstream.write(head.data(), head.size());
    } else {
        QByteArray both;
        both.reserve(head.size() + sent);
        both.append(head).append(in.constData(), sent);
        upstream.write(both);
    }
    in.remove(0, n);
    return true;
}

bool HttpRelay::beginResponse(const HttpRequestHead &request, const HttpResponseHead &response)
{
    using Mode = HttpBodyFramer::Mode;
    const int status = response.status;
    m_chunked = false;
    m_extraData = false;
    m_holdBuffer = 0;
    m_held.clear();
    if (request.method == "HEAD" || status == 204 || status == 304) {
        m_responseBody.reset(Mode::None);
    } else if (response.headers.hasToken("Transfer-Encoding", "chunked")) {
        m_responseBody.reset(Mode::Chunked);
        m_chunked = true;
    } else if (response.headers.contains("Content-Length")) {
        bool ok = false;
        const qint64 len = response.headers.value("Content-Length").trimmed().toLongLong(&ok);
        if (!ok || len < 0)
            return false;
        m_responseBody.reset(Mode::Length, len);
    } else {
        m_responseBody.reset(Mode::UntilClose);
    }
    // An HTTP/1.0 client cannot read chunked: decode it and close at the end.
    m_decodeChunked = m_chunked && !request.isHttp11();
    return true;
}

bool HttpRelay::endsConnection() const
{
    return m_responseBody.mode() == HttpBodyFramer::Mode::UntilClose || m_decodeChunked || !m_requestBody.isDone();
}

bool HttpRelay::relayResponseBody(QByteArray &in, TcpStream &client)
{
    if (m_holdBuffer > 0) {
        const qsizetype n = m_decodeChunked ? m_responseBody.consume(in.constData(), in.size(), &m_held)
                                            : m_responseBody.consume(in.constData(), in.size());
        if (!m_decodeChunked)
            m_held.append(in.constData(), n);
        const qsizetype whole = m_held.size() - m_held.size() % m_holdBuffer;
        if (whole > 0) {
            client.write(m_held.constData(), whole);
            m_held.remove(0, whole);
        }
        in.remove(0, n);
    } else if (m_decodeChunked) {
        QByteArray decoded;
        const qsizetype n = m_responseBody.consume(in.constData(), in.size(), &decoded);
        client.write(decoded);
        in.remove(0, n);
    } else {
        const qsizetype n = m_responseBody.consume(in.constData(), in.size());
        client.write(in.constData(), n);
        in.remove(0, n);
    }
    if (m_responseBody.hasError())
        return false;
    m_extraData = m_extraData || !in.isEmpty();
    in.clear();
    return true;
}

void HttpRelay::releaseHeldBody(TcpStream &client)
{
    if (!m_held.isEmpty())
        client.write(m_held);
    m_held.clear();
}

bool HttpRelay::upstreamKeepsAlive(const HttpResponseHead &response) const
{
    return response.versionMinor >= 1 && !response.headers.hasToken("Connection", "close")
        && m_responseBody.mode() != HttpBodyFramer::Mode::UntilClose && m_responseBody.isDone()
        && m_requestBody.isDone() && !m_extraData;
}
