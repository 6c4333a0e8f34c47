#include "urirewrite.h"

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

namespace {

// ngx_escape_uri(): controls, space, non-ASCII and the characters in `also`.
QByteArray escapeWith(QByteArrayView in, QByteArrayView also)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(in.size());
    for (char ch : in) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f || also.contains(ch)) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += ch;
        }
    }
    return out;
}

} // namespace

// NGX_ESCAPE_URI as of nginx 1.21.1 (RFC 3986's disallowed characters):
// controls, space, non-ASCII and " # % < > ? \ ^ ` { | }.
QByteArray escapeUri(QByteArrayView in)
{
    return escapeWith(in, "\"#%<>?\\^`{|}");
}

// NGX_ESCAPE_ARGS: the same and & + ;.
QByteArray escapeArgs(QByteArrayView in)
{
    return escapeWith(in, "\"#%&+;<>?\\^`{|}");
}

bool normalizeUriPath(QByteArrayView rawPath, QByteArray *out, bool *quoted, bool mergeSlashes)
{
    if (quoted)
        *quoted = false;
    QByteArray decoded;
    decoded.reserve(rawPath.size());
    for (qsizetype i = 0; i < rawPath.size(); ++i) {
        const char c = rawPath[i];
        if (c != '%') {
            decoded += c;
            continue;
        }
        if (quoted)
            *quoted = true;
        if (i + 2 >= rawPath.size())
            return false;
        const int hi = hexValue(rawPath[i + 1]);
        const int lo = hexValue(rawPath[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        decoded += char(hi * 16 + lo);
        i += 2;
    }
    if (decoded.contains('\0'))
        return false;
    if (!decoded.startsWith('/')) {
        // "*" (OPTIONS) or an absolute-form target: nothing to normalize.
        *out = decoded;
        return true;
    }
    // Segments: merge "//", drop ".", pop on "..".
    QList<QByteArrayView> segments;
    const QByteArrayView d(decoded);
    qsizetype start = 1;
    bool trailingSlash = false;
    while (start <= d.size()) {
        qsizetype end = d.indexOf('/', start);
        if (end < 0)
            end = d.size();
        const QByteArrayView seg = d.sliced(start, end - start);
        const bool last = end == d.size();
        if (seg.isEmpty() && !last && !mergeSlashes) {
            segments.append(seg); // kept: "/a//b" stays
        } else if (seg.isEmpty() || seg == ".") {
            trailingSlash = last;
        } else if (seg == "..") {
            if (segments.isEmpty())
                return false;
            segments.removeLast();
            trailingSlash = last;
        } else {
            segments.append(seg);
            trailingSlash = false;
        }
        if (!last)
            trailingSlash = true;
        start = end + 1;
    }
    QByteArray result = "/";
    for (qsizetype i = 0; i < segments.size(); ++i) {
        if (i > 0)
            result += '/';
        result += segments.at(i);
    }
    if (trailingSlash && !segments.isEmpty())
        result += '/';
    *out = result;
    return true;
}

QByteArray requestHostForRouting(const HttpRequestHead &request)
{
    if (!request.absoluteHost.isEmpty())
        return request.absoluteHost;
    return normalizedHostName(request.headers.value("Host"));
}

TargetParts splitTarget(QByteArrayView target)
{
    TargetParts parts;
    qsizetype end = 0;
    while (end < target.size() && target[end] != '?' && target[end] != '#')
        ++end;
    parts.path = target.first(end);
    if (end < target.size() && target[end] == '?') {
        const QByteArrayView rest = target.sliced(end + 1);
        const qsizetype hash = rest.indexOf('#');
        parts.args = hash < 0 ? rest : rest.first(hash);
        if (parts.args.isNull())
            parts.args = QByteArrayView("", 0);
    }
    return parts;
}

QByteArray rewriteProxyTarget(const QByteArray &clientTarget, qsizetype cut, const QByteArray &uri, bool mergeSlashes)
{
    const TargetParts parts = splitTarget(clientTarget);
    const QByteArrayView rawPath = parts.path;
    QByteArray normalized;
    bool quoted = false;
    if (!normalizeUriPath(rawPath, &normalized, &quoted, mergeSlashes))
        return clientTarget; // the session answers such a target with 400 before this
    const QByteArrayView rest = QByteArrayView(normalized).sliced(qMin(cut, normalized.size()));
    QByteArray target = uri;
    target += quoted ? escapeUri(rest) : rest.toByteArray();
    if (!parts.args.isEmpty()) {
        target += '?';
        target += parts.args;
    }
    return target;
}

bool rewriteRedirectHeaders(HttpHeaders &headers,
                            const std::function<std::optional<QByteArray>(QByteArrayView url)> &rewrite)
{
    QList<HttpHeader> fields = headers.fields();
    bool changed = false;
    bool location = false;
    for (HttpHeader &h : fields) {
        const bool refresh = headerNameEquals(h.name, "Refresh");
        if (!refresh && !headerNameEquals(h.name, "Location"))
            continue;
        // Refresh: "5; url=http://..." — only the URL part is rewritten.
        qsizetype start = 0;
        if (refresh) {
            const qsizetype u = h.value.toLower().indexOf("url=");
            if (u < 0)
                continue;
            start = u + 4;
        }
        if (std::optional<QByteArray> url = rewrite(QByteArrayView(h.value).sliced(start))) {
            h.value = h.value.left(start) + *url;
            changed = true;
            location = location || !refresh;
        }
    }
    if (changed) {
        HttpHeaders rewritten;
        for (const HttpHeader &h : std::as_const(fields))
            rewritten.append(h.name, h.value);
        headers = std::move(rewritten);
    }
    return location;
}
