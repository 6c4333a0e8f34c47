#include "httpheadparser.h"

#include <cstring>

namespace {

QByteArrayView stripCR(QByteArrayView line)
{
    if (!line.isEmpty() && line.back() == '\r')
        line.chop(1);
    return line;
}

} // namespace

HttpHeadParser::HttpHeadParser(Kind kind)
    : m_kind(kind)
{
}

HttpHeadParser::HttpHeadParser(Kind kind, Limits limits)
    : m_kind(kind)
    , m_limits(limits)
    , m_baseLimits(limits)
{
}

void HttpHeadParser::reset()
{
    m_state = State::NeedMore;
    m_buffer.clear();
    m_firstLineEnd = -1;
    m_lineStart = 0;
    m_bufferUsed = 0;
    m_bufferSize = -1;
    m_largeBuffersUsed = 0;
    m_limits = m_baseLimits;
    m_request = {};
    m_response = {};
    m_errorStatus = 0;
    m_errorMessage.clear();
    m_requestLineParsed = false;
    m_droppedHeaders.clear();
}

bool HttpHeadParser::placeLine(qsizetype length, bool requestLine)
{
    if (m_bufferSize < 0)
        m_bufferSize = m_limits.firstBuffer;
    if (m_bufferUsed + length <= m_bufferSize) {
        m_bufferUsed += length;
        return true;
    }
    // The line moves to a new large buffer, whole.
    if (length > m_limits.largeBufferSize || m_largeBuffersUsed >= m_limits.largeBuffers)
        return requestLine ? fail(414, "client sent too long URI") : fail(494, "client sent too long header line");
    ++m_largeBuffersUsed;
    m_bufferSize = m_limits.largeBufferSize;
    m_bufferUsed = length;
    return true;
}

void HttpHeadParser::noteHostLine(qsizetype start, qsizetype end, const char *begin)
{
    const qsizetype oldSize = m_buffer.size();
    QByteArray line;
    line.reserve(end - start);
    for (qsizetype p = start; p < end; ++p)
        line += p < oldSize ? m_buffer.at(p) : begin[p - oldSize];
    const QByteArrayView value = QByteArrayView(line).sliced(5).trimmed(); // after "Host:"
    Limits limits = m_limits;
    if (m_hostLimits(value, &limits)) {
        m_limits.largeBuffers = limits.largeBuffers;
        m_limits.largeBufferSize = limits.largeBufferSize;
    }
}

bool HttpHeadParser::partialLineFits(qsizetype length, bool requestLine)
{
    const qsizetype room = m_bufferSize < 0 ? m_limits.firstBuffer : m_bufferSize;
    if (m_bufferUsed + length <= room)
        return true;
    if (length <= m_limits.largeBufferSize && m_largeBuffersUsed < m_limits.largeBuffers)
        return true;
    return requestLine ? fail(414, "client sent too long URI") : fail(494, "client sent too long header line");
}

bool HttpHeadParser::fail(int status, const char *message)
{
    m_state = State::Error;
    m_errorStatus = status;
    m_errorMessage = message;
    return false;
}

qsizetype HttpHeadParser::feed(const char *data, qsizetype size)
{
    if (m_state != State::NeedMore)
        return 0;
    qsizetype consumed = 0;
    while (consumed < size) {
        // RFC 9112 2.2: ignore empty lines received before the request line.
        if (m_buffer.isEmpty() && (data[consumed] == '\r' || data[consumed] == '\n')) {
            ++consumed;
            continue;
        }
        const char *begin = data + consumed;
        const qsizetype avail = size - consumed;
        // Look for the blank line ending the head: "\n\n" or "\n\r\n".
        const qsizetype oldSize = m_buffer.size();
        qsizetype take = avail;
        qsizetype headEnd = -1;
        for (const char *scan = begin, *const stop = begin + avail; scan < stop;) {
            const char *nl = static_cast<const char *>(std::memchr(scan, '\n', size_t(stop - scan)));
            if (!nl)
                break;
            scan = nl + 1;
            const qsizetype i = nl - begin;
            const qsizetype pos = oldSize + i; // position of this LF in buffer terms
            const bool requestLine = m_firstLineEnd < 0;
            if (requestLine)
                m_firstLineEnd = pos;
            if (m_kind == Kind::Request && !placeLine(pos + 1 - m_lineStart, requestLine))
                return consumed + i + 1;
            // previous char(s) in buffer+chunk
            auto at = [&](qsizetype p) -> char {
                return p < oldSize ? m_buffer.at(p) : begin[p - oldSize];
            };
            if (m_hostLimits && !requestLine && pos - m_lineStart >= 5 && (at(m_lineStart) | 0x20) == 'h'
                && (at(m_lineStart + 1) | 0x20) == 'o' && (at(m_lineStart + 2) | 0x20) == 's'
                && (at(m_lineStart + 3) | 0x20) == 't' && at(m_lineStart + 4) == ':')
                noteHostLine(m_lineStart, pos, begin);
            m_lineStart = pos + 1;
            if (pos >= 1 && at(pos - 1) == '\n') {
                headEnd = pos + 1;
            } else if (pos >= 2 && at(pos - 1) == '\r' && at(pos - 2) == '\n') {
                headEnd = pos + 1;
            }
            if (headEnd >= 0) {
                take = i + 1;
                break;
            }
        }
        if (m_kind == Kind::Request) {
            // nginx: a line *with* its CRLF or LF must fit in a buffer, so with
            // 8k buffers 8190 + CRLF is the longest request line, and 8191 + LF.
            if (headEnd < 0 && !partialLineFits(oldSize + take - m_lineStart, m_firstLineEnd < 0))
                return consumed + take;
        } else if (oldSize + take > m_limits.maxHead) {
            fail(502, "upstream sent too big header");
            return consumed + take;
        }
        consumed += take;
        if (headEnd >= 0 && oldSize == 0) {
            // The whole head in this chunk: parse it in place, no copy.
            parseHead(QByteArrayView(begin, take));
            return consumed;
        }
        m_buffer.append(begin, take);
        if (headEnd >= 0) {
            parseHead(m_buffer);
            return consumed;
        }
    }
    return consumed;
}

bool HttpHeadParser::parseHead(QByteArrayView all)
{
    const qsizetype lf = all.indexOf('\n');
    const QByteArrayView firstLine = stripCR(all.first(lf));
    const QByteArrayView rest = all.sliced(lf + 1);
    if (m_kind == Kind::Request) {
        if (!parseRequestLine(firstLine))
            return false;
        m_requestLineParsed = true;
        if (!parseFields(rest, m_request.headers) || !checkRequestSemantics())
            return false;
    } else {
        if (!parseStatusLine(firstLine) || !parseFields(rest, m_response.headers))
            return false;
    }
    m_buffer.clear();
    m_buffer.squeeze();
    m_state = State::Complete;
    return true;
}

namespace {

bool isAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The characters ngx_http_parse_request_line takes inside "[...]" of an
// absolute-form host (RFC 3986 3.2.2: IPv6address and IPvFuture).
bool isIpLiteralChar(char c)
{
    return isAlpha(c) || isDigit(c) || QByteArrayView(":.-_~!$&'()*+,;=").contains(c);
}

} // namespace

// "scheme://host[:port][/path]" as ngx_http_parse_request_line reads it:
// the scheme is letters, a host is letters, digits, '.' and '-' or an IP
// literal in brackets, a port is digits; the path defaults to "/"
// ("http://h?a" is "/?a").
bool HttpHeadParser::splitAbsoluteTarget(QByteArrayView target, QByteArrayView *host, QByteArray *path)
{
    qsizetype i = 0;
    while (i < target.size() && isAlpha(target[i]))
        ++i;
    if (i == 0 || !target.sliced(i).startsWith("://"))
        return false;
    const qsizetype hostStart = i + 3;
    i = hostStart;
    if (i < target.size() && target[i] == '[') {
        while (++i < target.size() && target[i] != ']') {
            if (!isIpLiteralChar(target[i]))
                return false;
        }
        if (i == target.size())
            return false;
        ++i;
    } else {
        while (i < target.size() && (isAlpha(target[i]) || isDigit(target[i]) || target[i] == '.' || target[i] == '-'))
            ++i;
    }
    if (i == hostStart)
        return false;
    *host = target.sliced(hostStart, i - hostStart);
    if (i < target.size() && target[i] == ':') {
        while (++i < target.size() && isDigit(target[i])) {
        }
    }
    if (i == target.size() || target[i] == '?') {
        *path = '/' + target.sliced(i).toByteArray();
        return true;
    }
    if (target[i] != '/')
        return false;
    *path = target.sliced(i).toByteArray();
    return true;
}

bool HttpHeadParser::parseRequestLine(QByteArrayView line)
{
    // RFC 9112 3: method SP request-target SP HTTP-version
    const qsizetype sp1 = line.indexOf(' ');
    if (sp1 <= 0)
        return fail(400, "malformed request line");
    const qsizetype sp2 = line.lastIndexOf(' ');
    if (sp2 == sp1)
        return fail(400, "malformed request line (HTTP/0.9 is not supported)");
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!isHttpToken(method))
        return fail(400, "invalid method");
    if (target.isEmpty())
        return fail(400, "empty request target");
    for (char c : target) {
        if (uchar(c) <= 0x20 || uchar(c) == 0x7f)
            return fail(400, "invalid character in request target");
    }
    QByteArray originTarget;
    QByteArrayView absoluteHost;
    if (target.front() != '/' && target != "*" && method != "CONNECT") {
        if (!splitAbsoluteTarget(target, &absoluteHost, &originTarget))
            return fail(400, "invalid request target");
    } else {
        originTarget = target.toByteArray();
    }
    if (version.size() != 8 || !version.startsWith("HTTP/") || version[6] != '.'
        || version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return fail(400, "invalid HTTP version");
    if (version[5] != '1')
        return fail(505, "unsupported HTTP version");
    m_request.method = method.toByteArray();
    m_request.target = std::move(originTarget);
    // ngx_http_process_request_line: the host of an absolute-form target
    // is validated like Host and takes its place (RFC 9112 3.2.2).
    if (!absoluteHost.isEmpty() && !validateHostName(absoluteHost, &m_request.absoluteHost))
        return fail(400, "client sent invalid host in request line");
    m_request.versionMinor = version[7] - '0';
    return true;
}

bool HttpHeadParser::parseStatusLine(QByteArrayView line)
{
    // RFC 9112 4: HTTP-version SP status-code SP [reason-phrase]
    if (line.size() < 12 || !line.startsWith("HTTP/1.") || line[8] != ' ')
        return fail(502, "upstream sent an invalid status line");
    if (line[7] < '0' || line[7] > '9')
        return fail(502, "upstream sent an invalid status line");
    int status = 0;
    for (int i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9')
            return fail(502, "upstream sent an invalid status code");
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || (line.size() > 12 && line[12] != ' '))
        return fail(502, "upstream sent an invalid status code");
    m_response.versionMinor = line[7] - '0';
    m_response.status = status;
    m_response.reason = line.size() > 13 ? line.sliced(13).toByteArray() : QByteArray();
    return true;
}

bool HttpHeadParser::parseFields(QByteArrayView block, HttpHeaders &headers)
{
    const int badStatus = m_kind == Kind::Request ? 400 : 502;
    headers.reserve(headers.size() + block.count('\n'));
    while (!block.isEmpty()) {
        qsizetype lf = block.indexOf('\n');
        if (lf < 0)
            lf = block.size();
        const QByteArrayView line = stripCR(block.first(lf));
        block = lf < block.size() ? block.sliced(lf + 1) : QByteArrayView();
        if (line.isEmpty())
            break;
        // RFC 9112 5.2: obsolete line folding is rejected.
        if (line.front() == ' ' || line.front() == '\t')
            return fail(badStatus, "obsolete header line folding");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return fail(badStatus, "header line without a colon");
        const QByteArrayView name = line.first(colon);
        bool dropped = false;
        if (m_kind == Kind::Request) {
            // nginx 1.22: whitespace or a control byte fails; other bytes make the name invalid.
            bool valid = true;
            for (char c : name) {
                const uchar u = uchar(c);
                if (u <= 0x20 || u == 0x7f)
                    return fail(badStatus, "invalid header name");
                if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-'
                      || (u == '_' && m_underscores)))
                    valid = false;
            }
            dropped = !valid && m_ignoreInvalid;
        } else if (!isHttpToken(name)) {
            // RFC 9112 5.1: no whitespace between field name and colon.
            return fail(badStatus, "invalid header name");
        }
        QByteArrayView value = line.sliced(colon + 1);
        while (!value.isEmpty() && (value.front() == ' ' || value.front() == '\t'))
            value = value.sliced(1);
        while (!value.isEmpty() && (value.back() == ' ' || value.back() == '\t'))
            value.chop(1);
        for (char c : value) {
            const uchar u = uchar(c);
            if ((u < 0x20 && u != '\t') || u == 0x7f)
                return fail(badStatus, "invalid character in header value");
        }
        if (dropped)
            m_droppedHeaders.append(line.toByteArray());
        else
            headers.append(name.toByteArray(), value.toByteArray());
    }
    return true;
}

bool HttpHeadParser::checkRequestSemantics()
{
    const HttpHeaders &h = m_request.headers;
    const qsizetype hosts = h.count("Host");
    if (hosts > 1)
        return fail(400, "client sent duplicate Host header");
    if (hosts == 0 && m_request.isHttp11())
        return fail(400, "client sent HTTP/1.1 request without Host header");
    if (hosts == 1) {
        QByteArray host;
        if (!validateHostName(h.value("Host"), &host))
            return fail(400, "client sent invalid host header");
    }
    // ngx_http_process_unique_header_line: these may come once. One pass;
    // the length sorts out most names before any comparison.
    static constexpr QByteArrayView Unique[] = {"If-Modified-Since", "If-Unmodified-Since", "If-Match", "If-None-Match",
                                                "Content-Length",    "Content-Range",       "If-Range", "Transfer-Encoding"};
    quint8 seen = 0;
    for (const HttpHeader &f : h) {
        const qsizetype n = f.name.size();
        if (n != 8 && n != 13 && n != 14 && n != 17 && n != 19)
            continue;
        for (quint8 i = 0; i < std::size(Unique); ++i) {
            if (Unique[i].size() != n || !headerNameEquals(f.name, Unique[i]))
                continue;
            if (seen & (1u << i))
                return fail(400, "client sent duplicate header line");
            seen |= quint8(1u << i);
        }
    }
    // ngx_http_process_request_header: TRACE and (since nginx 1.21.1)
    // CONNECT are refused with 405 and the connection is closed.
    if (m_request.method == "TRACE")
        return fail(405, "client sent TRACE method");
    if (m_request.method == "CONNECT")
        return fail(405, "client sent CONNECT method");
    const bool hasLength = h.contains("Content-Length");
    const bool hasTE = h.contains("Transfer-Encoding");
    if (hasLength && hasTE)
        return fail(400, "client sent Content-Length and Transfer-Encoding together");
    if (hasLength) {
        const QByteArray value = h.value("Content-Length");
        if (value.isEmpty() || value.size() > 18)
            return fail(400, "client sent invalid \"Content-Length\" header");
        for (char c : value) {
            if (c < '0' || c > '9')
                return fail(400, "client sent invalid \"Content-Length\" header");
        }
    }
    if (hasTE) {
        if (!m_request.isHttp11())
            return fail(400, "client sent Transfer-Encoding in an HTTP/1.0 request");
        if (!headerNameEquals(QByteArrayView(h.value("Transfer-Encoding")).trimmed(), "chunked"))
            return fail(501, "client sent unknown Transfer-Encoding");
    }
    return true;
}
