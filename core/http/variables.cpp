#include "variables.h"

#include <QUrl>

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
    {"server_protocol", ValueTemplate::Variable::ServerProtocol},
    {"connection_upgrade", ValueTemplate::Variable::ConnectionUpgrade},
};

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

QByteArrayView pathOf(QByteArrayView target)
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? target : target.first(q);
}

QByteArray sanitized(QByteArray value)
{
    // A value that would end the header line is cut there (never injected).
    if (value.contains('\r') || value.contains('\n') || value.contains('\0')) {
        value.replace('\r', ' ');
        value.replace('\n', ' ');
        value.replace('\0', ' ');
    }
    return value;
}

} // namespace

std::optional<ValueTemplate::Variable> ValueTemplate::lookupVariable(QByteArrayView name)
{
    for (const NamedVariable &v : kVariables) {
        if (name == QByteArrayView(v.name))
            return v.variable;
    }
    if (name.startsWith("http_") && name.size() > 5)
        return Variable::HttpHeader;
    return std::nullopt;
}

std::optional<ValueTemplate> ValueTemplate::compile(QByteArrayView text, QString *error)
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
        const std::optional<Variable> v = lookupVariable(name);
        if (!v) {
            if (error)
                *error = QStringLiteral("unknown \"%1\" variable").arg(QString::fromUtf8(name));
            return std::nullopt;
        }
        if (!literalText.isEmpty()) {
            t.m_segments.append(Segment{literalText, std::nullopt});
            literalText.clear();
        }
        QByteArray headerName;
        if (*v == Variable::HttpHeader) {
            // nginx: $http_x_real_ip names the header X-Real-IP
            headerName = name.sliced(5).toByteArray();
            headerName.replace('_', '-');
        }
        t.m_segments.append(Segment{headerName, v});
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
    if (m_segments.size() == 1 && !m_segments.front().variable)
        return m_segments.front().text;
    QByteArray out;
    for (const Segment &s : m_segments)
        out += s.variable ? evaluateVariable(*s.variable, s.text, context) : s.text;
    return sanitized(std::move(out));
}

QByteArray evaluateVariable(ValueTemplate::Variable variable, QByteArrayView headerName,
                            const RequestContext &context)
{
    using V = ValueTemplate::Variable;
    const HttpRequestHead *req = context.request;
    switch (variable) {
    case V::HttpHeader:
        // nginx joins repeated X-Forwarded-For and Cookie; others: first value.
        return req ? req->headers.combinedValue(headerName) : QByteArray();
    case V::HttpHost:
        return req ? req->headers.value("Host") : QByteArray();
    case V::Host: {
        // nginx: Host without port, lower-cased; else the server name.
        QByteArray host = req ? req->headers.value("Host") : QByteArray();
        if (host.isEmpty())
            return context.serverName;
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
        return host.toLower();
    }
    case V::ProxyHost:
        return context.proxyHost;
    case V::RemoteAddr:
        return context.remoteAddress.toString().toLatin1();
    case V::RemotePort:
        return QByteArray::number(context.remotePort);
    case V::ProxyAddXForwardedFor: {
        const QByteArray addr = context.remoteAddress.toString().toLatin1();
        const QByteArray existing = req ? req->headers.combinedValue("X-Forwarded-For") : QByteArray();
        return existing.isEmpty() ? addr : existing + ", " + addr;
    }
    case V::Scheme:
        return context.scheme;
    case V::RequestUri:
        return req ? req->target : QByteArray();
    case V::Uri:
        return req ? QUrl::fromPercentEncoding(pathOf(req->target).toByteArray()).toUtf8() : QByteArray();
    case V::Args: {
        if (!req)
            return {};
        const qsizetype q = req->target.indexOf('?');
        return q < 0 ? QByteArray() : req->target.mid(q + 1);
    }
    case V::IsArgs:
        return req && req->target.contains('?') ? QByteArray("?") : QByteArray();
    case V::RequestMethod:
        return req ? req->method : QByteArray();
    case V::ServerName:
        return context.serverName;
    case V::ServerPort:
        return QByteArray::number(context.serverPort);
    case V::ServerProtocol:
        return req && req->isHttp11() ? QByteArray("HTTP/1.1") : QByteArray("HTTP/1.0");
    case V::ConnectionUpgrade:
        // map $http_upgrade $connection_upgrade { default upgrade; '' close; }
        return req && !req->headers.value("Upgrade").isEmpty() ? QByteArray("upgrade") : QByteArray("close");
    }
    return {};
}
