#include "variables.h"

#include "mapvariable.h"
#include "proxyprotocol.h"
#include "tls/tlsvariables.h"
#include "urirewrite.h"

#include <QDateTime>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

struct NamedVariable
{
    const char *name;
    ValueTemplate::Variable variable;
};

constexpr NamedVariable kVariables[] = {
    {"host", ValueTemplate::Variable::Host},
    {"http_host", ValueTemplate::Variable::HttpHost},
    {"proxy_host", ValueTemplate::Variable::ProxyHost},
    {"remote_addr", ValueTemplate::Variable::RemoteAddr},
    {"remote_port", ValueTemplate::Variable::RemotePort},
    {"realip_remote_addr", ValueTemplate::Variable::RealIpRemoteAddr},
    {"realip_remote_port", ValueTemplate::Variable::RealIpRemotePort},
    {"proxy_add_x_forwarded_for", ValueTemplate::Variable::ProxyAddXForwardedFor},
    {"scheme", ValueTemplate::Variable::Scheme},
    {"request_uri", ValueTemplate::Variable::RequestUri},
    {"uri", ValueTemplate::Variable::Uri},
    {"document_uri", ValueTemplate::Variable::Uri},
    {"args", ValueTemplate::Variable::Args},
    {"query_string", ValueTemplate::Variable::Args},
    {"is_args", ValueTemplate::Variable::IsArgs},
    {"request_method", ValueTemplate::Variable::RequestMethod},
    {"server_name", ValueTemplate::Variable::ServerName},
    {"server_port", ValueTemplate::Variable::ServerPort},
    {"server_addr", ValueTemplate::Variable::ServerAddr},
    {"server_protocol", ValueTemplate::Variable::ServerProtocol},
    {"connection_upgrade", ValueTemplate::Variable::ConnectionUpgrade},
    {"https", ValueTemplate::Variable::Https},
    {"upstream_addr", ValueTemplate::Variable::UpstreamAddr},
    {"upstream_status", ValueTemplate::Variable::UpstreamStatus},
    {"upstream_connect_time", ValueTemplate::Variable::UpstreamConnectTime},
    {"upstream_header_time", ValueTemplate::Variable::UpstreamHeaderTime},
    {"upstream_response_time", ValueTemplate::Variable::UpstreamResponseTime},
    {"upstream_response_length", ValueTemplate::Variable::UpstreamResponseLength},
    {"upstream_bytes_received", ValueTemplate::Variable::UpstreamBytesReceived},
    {"upstream_bytes_sent", ValueTemplate::Variable::UpstreamBytesSent},
    {"proxy_port", ValueTemplate::Variable::ProxyPort},
    {"status", ValueTemplate::Variable::Status},
    {"body_bytes_sent", ValueTemplate::Variable::BodyBytesSent},
    {"bytes_sent", ValueTemplate::Variable::BytesSent},
    {"request_length", ValueTemplate::Variable::RequestLength},
    {"request_time", ValueTemplate::Variable::RequestTime},
    {"msec", ValueTemplate::Variable::Msec},
    {"time_local", ValueTemplate::Variable::TimeLocal},
    {"time_iso8601", ValueTemplate::Variable::TimeIso8601},
    {"request", ValueTemplate::Variable::Request},
    {"connection", ValueTemplate::Variable::Connection},
    {"connection_requests", ValueTemplate::Variable::ConnectionRequests},
    {"connection_time", ValueTemplate::Variable::ConnectionTime},
    {"pipe", ValueTemplate::Variable::Pipe},
    {"limit_rate", ValueTemplate::Variable::LimitRate},
    {"proxy_protocol_addr", ValueTemplate::Variable::ProxyProtocolAddr},
    {"proxy_protocol_port", ValueTemplate::Variable::ProxyProtocolAddr},
    {"proxy_protocol_server_addr", ValueTemplate::Variable::ProxyProtocolAddr},
    {"proxy_protocol_server_port", ValueTemplate::Variable::ProxyProtocolAddr},
    {"request_body", ValueTemplate::Variable::RequestBody},
    {"request_body_file", ValueTemplate::Variable::RequestBodyFile},
    {"remote_user", ValueTemplate::Variable::RemoteUser},
    {"content_length", ValueTemplate::Variable::ContentLength},
    {"content_type", ValueTemplate::Variable::ContentType},
};

// nginx's prefixed variables, longest first where one prefix ends another.
struct PrefixVariable
{
    const char *prefix;
    ValueTemplate::Variable variable;
    bool headerName; // NAME spells a header: "_" stands for "-"
};

constexpr PrefixVariable kPrefixes[] = {
    {"cookie_", ValueTemplate::Variable::Cookie, false},
    {"arg_", ValueTemplate::Variable::Arg, false},
    {"http_", ValueTemplate::Variable::HttpHeader, true},
    {"sent_http_", ValueTemplate::Variable::SentHttp, true},
    {"upstream_http_", ValueTemplate::Variable::UpstreamHttp, true},
    {"upstream_cookie_", ValueTemplate::Variable::UpstreamCookie, false},
};

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

QByteArrayView pathOf(QByteArrayView target)
{
    return splitTarget(target).path;
}

QByteArray sanitized(QByteArray value)
{
    // A CR, LF or NUL that would end the header line becomes a space, so a
    // value can never inject a header line.
    if (value.contains('\r') || value.contains('\n') || value.contains('\0')) {
        value.replace('\r', ' ');
        value.replace('\n', ' ');
        value.replace('\0', ' ');
    }
    return value;
}

// The name part of a prefixed variable: $http_x_real_ip names the header
// X-Real-IP, $cookie_NAME the cookie as written, $arg_NAME the argument.
QByteArray builtinArgument(ValueTemplate::Variable v, QByteArrayView name)
{
    if (v == ValueTemplate::Variable::Tls || v == ValueTemplate::Variable::ProxyProtocolAddr)
        return name.toByteArray(); // answered by name
    for (const PrefixVariable &p : kPrefixes) {
        if (p.variable != v)
            continue;
        QByteArray out = name.sliced(qstrlen(p.prefix)).toByteArray();
        if (p.headerName)
            out.replace('_', '-');
        return out;
    }
    return {};
}

} // namespace

std::optional<ValueTemplate::Variable> ValueTemplate::lookupVariable(QByteArrayView name)
{
    for (const NamedVariable &v : kVariables) {
        if (name == QByteArrayView(v.name))
            return v.variable;
    }
    if (TlsVariables::isKnown(name))
        return Variable::Tls;
    // nginx's prefix variables: an empty NAME is valid too ($arg_ is the argument
    // with an empty name, usually none).
    for (const PrefixVariable &p : kPrefixes) {
        if (name.startsWith(p.prefix))
            return p.variable;
    }
    return std::nullopt;
}

std::optional<ValueTemplate> ValueTemplate::compile(QByteArrayView text, QString *error)
{
    return compile(text, error, MapLookup());
}

std::optional<ValueTemplate> ValueTemplate::compile(QByteArrayView text, QString *error, const MapLookup &maps)
{
    return compile(text, error, maps, UserLookup());
}

std::optional<ValueTemplate> ValueTemplate::compile(QByteArrayView text, QString *error, const MapLookup &maps,
                                                    const UserLookup &users)
{
    ValueTemplate t;
    t.m_source = text.toByteArray();
    QByteArray literalText;
    qsizetype i = 0;
    while (i < text.size()) {
        if (text[i] != '$') {
            literalText += text[i++];
            continue;
        }
        qsizetype start = i + 1;
        qsizetype end;
        qsizetype next;
        if (start < text.size() && text[start] >= '1' && text[start] <= '9') {
            // ngx_http_script_compile: "$1".."$9" is one digit, a capture.
            if (!literalText.isEmpty()) {
                t.m_segments.append(Segment{literalText, std::nullopt});
                literalText.clear();
            }
            t.m_segments.append(Segment{QByteArray(), Variable::Capture, nullptr, text[start] - '0'});
            i = start + 1;
            continue;
        }
        if (start < text.size() && text[start] == '{') {
            end = text.indexOf('}', start);
            if (end < 0) {
                if (error)
                    *error = QStringLiteral("missing closing \"}\" in \"%1\"").arg(QString::fromUtf8(text));
                return std::nullopt;
            }
            ++start;
            next = end + 1;
        } else {
            end = start;
            while (end < text.size() && isNameChar(text[end]))
                ++end;
            next = end;
        }
        const QByteArrayView name = text.sliced(start, end - start);
        if (name.isEmpty()) {
            if (error)
                *error = QStringLiteral("invalid variable name in \"%1\"").arg(QString::fromUtf8(text));
            return std::nullopt;
        }
        std::shared_ptr<const MapVariable> map = maps ? maps(name) : nullptr;
        const int user = map || !users ? -1 : users(name);
        std::optional<Variable> v = map ? std::optional<Variable>(Variable::Map) : lookupVariable(name);
        if (user >= 0) {
            // The built-in of that name answers until the request sets it.
            const std::optional<Variable> fallback = v;
            v = Variable::User;
            if (!literalText.isEmpty()) {
                t.m_segments.append(Segment{literalText, std::nullopt});
                literalText.clear();
            }
            t.m_segments.append(Segment{builtinArgument(fallback ? *fallback : Variable::User, name),
                                        v, nullptr, user, fallback});
            i = next;
            continue;
        }
        if (!v) {
            if (error)
                *error = QStringLiteral("unknown \"%1\" variable").arg(QString::fromUtf8(name));
            return std::nullopt;
        }
        if (!literalText.isEmpty()) {
            t.m_segments.append(Segment{literalText, std::nullopt});
            literalText.clear();
        }
        t.m_segments.append(Segment{builtinArgument(*v, name), v, std::move(map)});
        i = next;
    }
    if (!literalText.isEmpty())
        t.m_segments.append(Segment{literalText, std::nullopt});
    return t;
}

ValueTemplate ValueTemplate::literal(QByteArray text)
{
    ValueTemplate t;
    t.m_source = text;
    if (!text.isEmpty())
        t.m_segments.append(Segment{std::move(text), std::nullopt});
    return t;
}

bool ValueTemplate::usesVariable(Variable variable) const
{
    for (const Segment &s : m_segments) {
        if (s.variable == variable)
            return true;
    }
    return false;
}

bool ValueTemplate::isConstant() const
{
    for (const Segment &s : m_segments) {
        if (s.variable)
            return false;
    }
    return true;
}

QByteArray ValueTemplate::expand(const RequestContext &context) const
{
    // A literal can hold CR/LF too (ValueTemplate::literal, "\r\n" escapes in
    // a quoted config string): it is sanitized like any other expansion.
    if (m_segments.size() == 1 && !m_segments.front().variable)
        return sanitized(m_segments.front().text);
    return sanitized(expandBody(context));
}

QByteArray ValueTemplate::expandWrittenBreaks(const RequestContext &context) const
{
    QByteArray out;
    for (const Segment &s : m_segments)
        out += !s.variable && !s.map ? s.text : sanitized(segmentValue(s, context, false));
    return out;
}

QByteArray ValueTemplate::expandBody(const RequestContext &context) const
{
    return expandRewrite(context, false);
}

namespace {
void appendLogEscaped(QByteArray &out, QByteArrayView value, LogEscape escape);
} // namespace

QByteArray ValueTemplate::segmentValue(const Segment &s, const RequestContext &context, bool escapeCaptures) const
{
    if (s.map)
        return s.map->evaluate(context);
    if (!s.variable)
        return s.text;
    if (*s.variable == Variable::Capture) {
        const QByteArray value = context.captures.value(s.index);
        return escapeCaptures ? escapeArgs(value) : value;
    }
    if (*s.variable == Variable::User) {
        const QByteArray value = context.userValues.value(s.index);
        if (!value.isNull() || !s.fallback)
            return value;
        return evaluateVariable(*s.fallback, s.text, context);
    }
    return evaluateVariable(*s.variable, s.text, context);
}

QByteArray ValueTemplate::expandRewrite(const RequestContext &context, bool escapeCaptures) const
{
    QByteArray out;
    for (const Segment &s : m_segments)
        out += segmentValue(s, context, escapeCaptures);
    return out;
}

// ngx_http_log_variable writes "-" for a variable that is not found, and
// nothing for one found empty. Empty here means not found for these: a
// header, cookie or argument that is not there, no query, no upstream, no
// TLS, a `set` variable or capture not set; the others ($uri of a refused
// request, $is_args, $https, a map's empty value...) are found empty.
bool ValueTemplate::emptyIsNotFound(const Segment &s, const QByteArray &value)
{
    if (s.map)
        return false;
    switch (*s.variable) {
    case Variable::User:
    case Variable::Capture:
    // present, with an empty value: found (their lookups return null only when absent)
    case Variable::HttpHeader:
    case Variable::HttpHost:
    case Variable::Cookie:
    case Variable::Arg:
    case Variable::SentHttp:
    case Variable::UpstreamHttp:
    case Variable::UpstreamCookie:
        return value.isNull();
    case Variable::Uri:
    case Variable::IsArgs:
    case Variable::Https:
    case Variable::Request:
    case Variable::RequestMethod:
    case Variable::ServerName:
    case Variable::Host:
    case Variable::ConnectionUpgrade:
        return false;
    default:
        return true;
    }
}

QByteArray ValueTemplate::expandLog(const RequestContext &context, LogEscape escape) const
{
    QByteArray out;
    for (const Segment &s : m_segments) {
        if (!s.variable && !s.map) {
            out += s.text;
            continue;
        }
        const QByteArray value = segmentValue(s, context, false);
        if (value.isEmpty()) {
            if (escape != LogEscape::Json && emptyIsNotFound(s, value))
                out += '-';
            continue;
        }
        appendLogEscaped(out, value, escape);
    }
    return out;
}

QList<int> ValueTemplate::userVariables() const
{
    QList<int> out;
    for (const Segment &s : m_segments) {
        if (s.variable == Variable::User)
            out.append(s.index);
    }
    return out;
}

QByteArray currentArgs(const RequestContext &context)
{
    if (context.argsChanged)
        return context.args;
    const HttpRequestHead *req = context.request;
    if (!req || context.uriInvalid)
        return {};
    return splitTarget(req->target).args.toByteArray();
}

namespace {

// $cookie_NAME: the first cookie of that name (case-sensitive) in any Cookie field, as nginx.
QByteArray cookieValue(const HttpRequestHead *req, QByteArrayView name)
{
    if (!req)
        return {};
    for (const HttpHeader &h : req->headers) {
        if (!headerNameEquals(h.name, "Cookie"))
            continue;
        for (const QByteArray &piece : h.value.split(';')) {
            const QByteArrayView part = QByteArrayView(piece).trimmed();
            const qsizetype eq = part.indexOf('=');
            if (eq > 0 && part.first(eq).trimmed() == name)
                return part.sliced(eq + 1).trimmed().toByteArray();
        }
    }
    return {};
}

// $arg_NAME: the first argument of that name (case-insensitive), not decoded, as nginx.
QByteArray argValue(const RequestContext &context, QByteArrayView name)
{
    const QByteArray args = currentArgs(context);
    if (args.isEmpty())
        return {};
    for (const QByteArray &piece : args.split('&')) {
        const QByteArrayView part(piece);
        const qsizetype eq = part.indexOf('=');
        const QByteArrayView key = eq < 0 ? part : part.first(eq);
        if (headerNameEquals(key, name))
            return eq < 0 ? QByteArray("") : part.sliced(eq + 1).toByteArray();
    }
    return {};
}

// $http_NAME. nginx 1.22: $http_x_forwarded_for joins repeated fields with
// ", ", $http_cookie with "; " (RFC 6265 5.4); any other $http_NAME is the
// first field's value.
QByteArray httpHeaderValue(const HttpRequestHead *req, QByteArrayView name)
{
    if (!req)
        return {};
    if (headerNameEquals(name, "Cookie")) {
        QByteArray out;
        for (const HttpHeader &h : req->headers) {
            if (!headerNameEquals(h.name, "Cookie"))
                continue;
            if (!out.isEmpty())
                out += "; ";
            out += h.value;
        }
        return out;
    }
    if (headerNameEquals(name, "X-Forwarded-For"))
        return req->headers.combinedValue(name);
    if (const QByteArray value = req->headers.value(name); !value.isNull())
        return value;
    // ngx_http_variable_unknown_header: "-" and "_" both match the name's
    // "_" (a header read with underscores_in_headers on).
    for (const HttpHeader &h : req->headers) {
        if (h.name.size() != name.size() || !h.name.contains('_'))
            continue;
        auto folded = [](char c) { return c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? char(c | 0x20) : c; };
        bool same = true;
        for (qsizetype i = 0; same && i < name.size(); ++i)
            same = folded(h.name[i]) == folded(name[i]);
        if (same)
            return h.value;
    }
    return {};
}

// ngx_http_variable_proxy_protocol_addr/_port (and the server's): empty
// without a header's addresses.
QByteArray proxyProtocolValue(const ProxyProtocolHeader *pp, QByteArrayView name)
{
    if (!pp || !pp->hasAddresses)
        return {};
    if (name == "proxy_protocol_addr")
        return pp->source.toString().toLatin1();
    if (name == "proxy_protocol_port")
        return QByteArray::number(pp->sourcePort);
    if (name == "proxy_protocol_server_addr")
        return pp->destination.toString().toLatin1();
    return QByteArray::number(pp->destinationPort);
}

// $host: Host without port, lower-cased; else the server name (nginx).
QByteArray hostValue(const RequestContext &context)
{
    const HttpRequestHead *req = context.request;
    // RFC 9112 3.2.2: with an absolute-form target, its host replaces
    // Host (nginx takes $host from the request line first).
    if (req && !req->absoluteHost.isEmpty())
        return req->absoluteHost;
    const QByteArray host = req ? req->headers.value("Host") : QByteArray();
    if (host.isEmpty())
        return context.serverName;
    return normalizedHostName(host);
}

// "%T.%03M": seconds with milliseconds.
QByteArray secondsWithMillis(qint64 ms)
{
    return QByteArray::number(ms / 1000) + '.' + QByteArray::number(ms % 1000).rightJustified(3, '0');
}

// nginx's upstream state variables: one value per server tried, ", "
// between them (ngx_http_upstream_addr_variable and friends).
QByteArray joinStates(const QList<UpstreamState> &states, ValueTemplate::Variable v)
{
    using V = ValueTemplate::Variable;
    QByteArray out;
    for (const UpstreamState &s : states) {
        if (!out.isEmpty())
            out += ", ";
        if (v == V::UpstreamAddr) {
            out += s.address;
            continue;
        }
        if (v == V::UpstreamStatus) {
            out += s.status ? QByteArray::number(s.status) : QByteArray("-");
            continue;
        }
        if (v == V::UpstreamResponseLength || v == V::UpstreamBytesReceived || v == V::UpstreamBytesSent) {
            out += QByteArray::number(v == V::UpstreamResponseLength ? s.responseLength
                                      : v == V::UpstreamBytesReceived ? s.bytesReceived
                                                                      : s.bytesSent);
            continue;
        }
        const qint64 ms = v == V::UpstreamConnectTime ? s.connectMs
            : v == V::UpstreamHeaderTime             ? s.headerMs
                                                     : s.responseMs;
        if (ms < 0) {
            out += '-';
            continue;
        }
        out += secondsWithMillis(ms);
    }
    return out;
}

// $sent_http_NAME: nginx 1.22 joins repeated Cache-Control and Link fields
// with ", " (ngx_http_variable_headers); any other is the first field.
QByteArray sentHeaderValue(const HttpResponseHead *head, QByteArrayView name)
{
    if (!head)
        return {};
    if (headerNameEquals(name, "Cache-Control") || headerNameEquals(name, "Link"))
        return head->headers.combinedValue(name);
    return head->headers.value(name);
}

// $upstream_cookie_NAME: the value of the first Set-Cookie line that sets
// NAME (ngx_http_parse_set_cookie_lines), up to its attributes.
QByteArray upstreamCookieValue(const HttpResponseHead *head, QByteArrayView name)
{
    if (!head)
        return {};
    for (const HttpHeader &h : head->headers) {
        if (!headerNameEquals(h.name, "Set-Cookie"))
            continue;
        const QByteArrayView line(h.value);
        const qsizetype eq = line.indexOf('=');
        if (eq < 0 || line.first(eq).trimmed() != name)
            continue;
        QByteArrayView value = line.sliced(eq + 1);
        const qsizetype semi = value.indexOf(';');
        return (semi < 0 ? value : value.first(semi)).trimmed().toByteArray();
    }
    return {};
}

// ngx_http_log_escape: '"', '\\' and bytes outside printable ASCII as \xXX;
// ngx_escape_json: JSON's string escapes.
void appendLogEscaped(QByteArray &out, QByteArrayView value, LogEscape escape)
{
    static const char Hex[] = "0123456789ABCDEF";
    for (const char ch : value) {
        const auto c = uchar(ch);
        if (escape == LogEscape::None) {
            out += ch;
        } else if (escape == LogEscape::Default) {
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f)
                out += QByteArray("\\x") + Hex[c >> 4] + Hex[c & 0xf];
            else
                out += ch;
        } else if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default: out += QByteArray("\\u00") + Hex[c >> 4] + Hex[c & 0xf];
            }
        } else {
            out += ch;
        }
    }
}

// "%+03d:%02d" offsets as nginx writes them: "2026-12-03T06:47:01+00:00", never "Z".
QByteArray utcOffset(int seconds, bool colon)
{
    const int minutes = seconds / 60;
    const int abs = minutes < 0 ? -minutes : minutes;
    return (minutes < 0 ? "-" : "+") + QByteArray::number(abs / 60).rightJustified(2, '0') + (colon ? ":" : "")
        + QByteArray::number(abs % 60).rightJustified(2, '0');
}

// $time_local as nginx writes it: "03/Dec/2026:06:47:01 +0000", English
// month names whatever the locale.
QByteArray timeLocal(const QDateTime &now)
{
    static const char *const Months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QDate d = now.date();
    return QByteArray::number(d.day()).rightJustified(2, '0') + '/' + Months[d.month() - 1] + '/'
        + QByteArray::number(d.year()) + ':' + now.time().toString(u"HH:mm:ss"_s).toLatin1() + ' '
        + utcOffset(now.offsetFromUtc(), false);
}

QByteArray timeIso8601(const QDateTime &now)
{
    return now.toString(u"yyyy-MM-ddTHH:mm:ss"_s).toLatin1() + utcOffset(now.offsetFromUtc(), true);
}

// $remote_user: the user of "Authorization: Basic base64(user:password)".
QByteArray remoteUser(const HttpRequestHead *req)
{
    if (!req)
        return {};
    const QByteArray auth = req->headers.value("Authorization");
    if (auth.size() < 6 || qstrnicmp(auth.constData(), "Basic ", 6) != 0)
        return {};
    const auto decoded = QByteArray::fromBase64Encoding(auth.mid(6).trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return {};
    const qsizetype colon = decoded.decoded.indexOf(':');
    return colon < 0 ? QByteArray() : decoded.decoded.left(colon);
}

QByteArray logVariable(ValueTemplate::Variable variable, const RequestContext &context)
{
    using V = ValueTemplate::Variable;
    const HttpRequestHead *req = context.request;
    switch (variable) {
    case V::Status:
        return context.status ? QByteArray::number(context.status).rightJustified(3, '0') : QByteArray("000");
    case V::BodyBytesSent:
        return QByteArray::number(context.bodyBytesSent);
    case V::BytesSent:
        return QByteArray::number(context.bytesSent);
    case V::RequestLength:
        return QByteArray::number(context.requestLength);
    case V::RequestTime:
        return secondsWithMillis(qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() - context.startMs));
    case V::Msec:
        return secondsWithMillis(QDateTime::currentMSecsSinceEpoch());
    case V::TimeLocal:
        return timeLocal(QDateTime::currentDateTime());
    case V::TimeIso8601:
        return timeIso8601(QDateTime::currentDateTime());
    case V::Request:
        if (!req || req->method.isEmpty())
            return {};
        return req->method + ' ' + req->target + (req->isHttp11() ? " HTTP/1.1" : " HTTP/1.0");
    case V::Connection:
        return QByteArray::number(context.connection);
    case V::ConnectionRequests:
        return QByteArray::number(context.connectionRequests);
    case V::ConnectionTime: // ngx_http_variable_connection_time: "%T.%03M"
        return secondsWithMillis(qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() - context.connectionStartMs));
    case V::RequestBody:
        return context.requestBody ? *context.requestBody : QByteArray();
    case V::RequestBodyFile:
        return context.requestBodyFile;
    case V::Pipe:
        return context.pipelined ? "p" : ".";
    case V::LimitRate:
        return QByteArray::number(context.limitRate);
    case V::RemoteUser:
        return remoteUser(req);
    case V::ContentLength:
        return req ? req->headers.value("Content-Length") : QByteArray();
    case V::ContentType:
        return req ? req->headers.value("Content-Type") : QByteArray();
    default:
        return {};
    }
}

} // namespace

QByteArray evaluateVariable(ValueTemplate::Variable variable, QByteArrayView headerName,
                            const RequestContext &context)
{
    using V = ValueTemplate::Variable;
    const HttpRequestHead *req = context.request;
    switch (variable) {
    case V::Tls:
        return TlsVariables::value(context.ssl, headerName);
    case V::ProxyProtocolAddr:
        return proxyProtocolValue(context.proxyProtocol, headerName);
    case V::Cookie:
        return cookieValue(req, headerName);
    case V::Arg:
        return argValue(context, headerName);
    case V::HttpHeader:
        return httpHeaderValue(req, headerName);
    case V::HttpHost:
        return req ? req->headers.value("Host") : QByteArray();
    case V::Host:
        return hostValue(context);
    case V::ProxyHost:
        return context.proxyHost;
    case V::RemoteAddr:
        return context.remoteAddressOrText();
    case V::RemotePort:
        return context.remotePort ? QByteArray::number(context.remotePort) : QByteArray(); // ngx_http_variable_remote_port
    case V::RealIpRemoteAddr:
        return context.realIpSet ? context.peerAddressText : context.remoteAddressOrText();
    case V::RealIpRemotePort: {
        const quint16 port = context.realIpSet ? context.peerPort : context.remotePort;
        return port ? QByteArray::number(port) : QByteArray();
    }
    case V::ProxyAddXForwardedFor: {
        const QByteArray addr = context.remoteAddressOrText();
        const QByteArray existing = req ? req->headers.combinedValue("X-Forwarded-For") : QByteArray();
        return existing.isEmpty() ? addr : existing + ", " + addr;
    }
    case V::Scheme:
        return context.scheme;
    case V::RequestUri:
        return req && !context.uriInvalid ? req->target : QByteArray();
    case V::Uri:
        // nginx: $uri is the normalized path (decoded, "." and ".." resolved).
        if (!context.uri.isNull())
            return context.uri;
        return req ? QUrl::fromPercentEncoding(pathOf(req->target).toByteArray()).toUtf8() : QByteArray();
    case V::Args:
        return currentArgs(context);
    case V::IsArgs:
        // nginx: "?" when r->args is not empty ("/x?" has none).
        return currentArgs(context).isEmpty() ? QByteArray() : QByteArray("?");
    case V::RequestMethod:
        return req ? req->method : QByteArray();
    case V::ServerName:
        return context.serverName;
    case V::ServerPort:
        return QByteArray::number(context.serverPort);
    case V::ServerAddr:
        return context.serverAddress.isNull() ? QByteArray() : context.serverAddress.toString().toLatin1();
    case V::ServerProtocol:
        return req && req->isHttp11() ? QByteArray("HTTP/1.1") : QByteArray("HTTP/1.0");
    case V::Https:
        return context.scheme == "https" ? QByteArray("on") : QByteArray();
    case V::UpstreamAddr:
    case V::UpstreamStatus:
    case V::UpstreamConnectTime:
    case V::UpstreamHeaderTime:
    case V::UpstreamResponseTime:
    case V::UpstreamResponseLength:
    case V::UpstreamBytesReceived:
    case V::UpstreamBytesSent:
        return joinStates(context.upstreamStates, variable);
    case V::ProxyPort:
        return context.proxyPort;
    case V::SentHttp:
        return sentHeaderValue(context.response, headerName);
    case V::UpstreamHttp:
        return context.upstreamResponse ? context.upstreamResponse->headers.value(headerName) : QByteArray();
    case V::UpstreamCookie:
        return upstreamCookieValue(context.upstreamResponse, headerName);
    case V::Status:
    case V::BodyBytesSent:
    case V::BytesSent:
    case V::RequestLength:
    case V::RequestTime:
    case V::Msec:
    case V::TimeLocal:
    case V::TimeIso8601:
    case V::Request:
    case V::Connection:
    case V::ConnectionRequests:
    case V::ConnectionTime:
    case V::RequestBody:
    case V::RequestBodyFile:
    case V::Pipe:
    case V::LimitRate:
    case V::RemoteUser:
    case V::ContentLength:
    case V::ContentType:
        return logVariable(variable, context);
    case V::ConnectionUpgrade:
        // map $http_upgrade $connection_upgrade { default upgrade; '' close; }
        return req && !req->headers.value("Upgrade").isEmpty() ? QByteArray("upgrade") : QByteArray("close");
    case V::Map:
        return {}; // evaluated through its MapVariable (ValueTemplate::expand)
    case V::Capture:
    case V::User:
        return {}; // evaluated by ValueTemplate::expandRewrite (they need the segment's index)
    }
    return {};
}
