#include "httpheaders.h"

#include <algorithm>
#include <array>

namespace {
inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}
} // namespace

bool headerNameEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

namespace {
// RFC 9110 5.6.2 tchar, as a table (the parser checks every header name).
constexpr std::array<bool, 256> kTokenChars = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] = t[c - 32] = true;
    for (char c : {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'})
        t[uchar(c)] = true;
    return t;
}();
} // namespace

bool isHttpTokenChar(char ch)
{
    return kTokenChars[uchar(ch)];
}

bool isHttpToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!kTokenChars[uchar(c)])
            return false;
    }
    return true;
}

QByteArray normalizedHostName(QByteArrayView host)
{
    host = host.trimmed();
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close > 0)
            host.truncate(close + 1);
    } else {
        const qsizetype colon = host.indexOf(':');
        if (colon >= 0)
            host.truncate(colon);
    }
    if (host.endsWith('.'))
        host.chop(1);
    return host.toByteArray().toLower();
}

// ngx_http_validate_host's rules: see the declaration.
bool validateHostName(QByteArrayView host, QByteArray *out)
{
    enum class State { Usual, Literal, Rest } state = State::Usual;
    qsizetype dot = -2;
    qsizetype length = host.size();
    for (qsizetype i = 0; i < host.size(); ++i) {
        const char c = host[i];
        switch (c) {
        case '.':
            if (dot == i - 1)
                return false;
            dot = i;
            break;
        case ':':
            if (state == State::Usual) {
                length = i;
                state = State::Rest;
            }
            break;
        case '[':
            if (i == 0)
                state = State::Literal;
            break;
        case ']':
            if (state == State::Literal) {
                length = i + 1;
                state = State::Rest;
            }
            break;
        default:
            if (c == '/' || uchar(c) <= 0x20 || uchar(c) == 0x7f)
                return false;
            break;
        }
    }
    if (dot == length - 1)
        --length;
    if (length <= 0)
        return false;
    *out = host.first(length).toByteArray().toLower();
    return true;
}

QList<QByteArrayView> splitHeaderList(QByteArrayView value)
{
    QList<QByteArrayView> parts;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= value.size(); ++i) {
        if (i == value.size() || value[i] == ',') {
            const QByteArrayView part = trimmed(value.sliced(start, i - start));
            if (!part.isEmpty())
                parts.append(part);
            start = i + 1;
        }
    }
    return parts;
}

bool HttpHeaders::contains(QByteArrayView name) const
{
    return std::any_of(m_fields.cbegin(), m_fields.cend(),
                       [name](const HttpHeader &h) { return headerNameEquals(h.name, name); });
}

qsizetype HttpHeaders::count(QByteArrayView name) const
{
    return std::count_if(m_fields.cbegin(), m_fields.cend(),
                         [name](const HttpHeader &h) { return headerNameEquals(h.name, name); });
}

QByteArray HttpHeaders::value(QByteArrayView name) const
{
    for (const HttpHeader &h : m_fields) {
        if (headerNameEquals(h.name, name))
            return h.value.isNull() ? QByteArray("") : h.value;
    }
    return {};
}

QByteArray HttpHeaders::combinedValue(QByteArrayView name) const
{
    QByteArray out;
    bool found = false;
    for (const HttpHeader &h : m_fields) {
        if (!headerNameEquals(h.name, name))
            continue;
        if (found)
            out += ", ";
        else if (out.isNull())
            out = QByteArray("");
        out += h.value;
        found = true;
    }
    return out;
}

void HttpHeaders::append(QByteArray name, QByteArray value)
{
    m_fields.append(HttpHeader{std::move(name), std::move(value)});
}

void HttpHeaders::set(QByteArray name, QByteArray value)
{
    for (qsizetype i = 0; i < m_fields.size(); ++i) {
        if (headerNameEquals(m_fields[i].name, name)) {
            m_fields[i] = HttpHeader{std::move(name), std::move(value)};
            for (qsizetype j = m_fields.size() - 1; j > i; --j) {
                if (headerNameEquals(m_fields[j].name, m_fields[i].name))
                    m_fields.removeAt(j);
            }
            return;
        }
    }
    append(std::move(name), std::move(value));
}

qsizetype HttpHeaders::remove(QByteArrayView name)
{
    return m_fields.removeIf([name](const HttpHeader &h) { return headerNameEquals(h.name, name); });
}

bool HttpHeaders::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (const HttpHeader &h : m_fields) {
        if (!headerNameEquals(h.name, name))
            continue;
        for (QByteArrayView part : splitHeaderList(h.value)) {
            if (headerNameEquals(part, token))
                return true;
        }
    }
    return false;
}

void HttpHeaders::serialize(QByteArray &out) const
{
    for (const HttpHeader &h : m_fields) {
        out += h.name;
        out += ": ";
        out += h.value;
        out += "\r\n";
    }
}

bool operator==(const HttpHeaders &a, const HttpHeaders &b)
{
    if (a.m_fields.size() != b.m_fields.size())
        return false;
    for (qsizetype i = 0; i < a.m_fields.size(); ++i) {
        if (a.m_fields[i].name != b.m_fields[i].name || a.m_fields[i].value != b.m_fields[i].value)
            return false;
    }
    return true;
}

QByteArray HttpRequestHead::serialize() const
{
    QByteArray out;
    out.reserve(256);
    out += method;
    out += ' ';
    out += target;
    out += versionMinor >= 1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n";
    headers.serialize(out);
    out += "\r\n";
    return out;
}

QByteArray HttpResponseHead::serialize() const
{
    QByteArray out;
    out.reserve(256);
    out += versionMinor >= 1 ? "HTTP/1.1 " : "HTTP/1.0 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reason.isEmpty() ? httpReasonPhrase(status) : reason;
    out += "\r\n";
    headers.serialize(out);
    out += "\r\n";
    return out;
}

QByteArray httpReasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Not Allowed"; // nginx's wording (ngx_http_status_lines)
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}
