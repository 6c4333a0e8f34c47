#include "proxyconfig.h"

QString ListenAddress::toString() const
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return QStringLiteral("[%1]:%2").arg(address.toString()).arg(port);
    return QStringLiteral("%1:%2").arg(address.toString()).arg(port);
}

// ---------------------------------------------------------------- locations

namespace {

enum class FindResult { Ok, Again, Declined };

bool regexMatches(const LocationConfig &loc, QByteArrayView path)
{
    // Location regexes run on the decoded URI; QRegularExpression wants text.
    return loc.regex.match(QString::fromUtf8(path)).hasMatch();
}

// ngx_http_core_find_location() over one level (the server's locations or
// a location's nested ones). `found` is updated as nginx updates
// r->loc_conf.
template<typename Container>
FindResult findLocation(const Container &level, QByteArrayView path, const LocationConfig **found)
{
    // The static part (ngx_http_core_find_static_location): an exact match
    // ends the search; otherwise remember the longest prefix.
    const LocationConfig *best = nullptr;
    for (const LocationConfig &loc : level) {
        switch (loc.match) {
        case LocationConfig::Match::Exact:
            if (path == QByteArrayView(loc.prefix)) {
                *found = &loc;
                return FindResult::Ok;
            }
            break;
        case LocationConfig::Match::Prefix:
        case LocationConfig::Match::PreferPrefix:
            if (path.startsWith(loc.prefix) && (!best || loc.prefix.size() > best->prefix.size()))
                best = &loc;
            break;
        default:
            break;
        }
    }
    FindResult rc = FindResult::Declined;
    bool noRegex = false;
    if (best) {
        *found = best;
        noRegex = best->match == LocationConfig::Match::PreferPrefix;
        rc = FindResult::Again;
        // Nested locations of the chosen prefix: an exact or regex match in
        // there is final; a nested prefix refines `found` and the regexes of
        // this level are still tried (unless this level's prefix was ^~).
        if (!best->nested.empty() && findLocation(best->nested, path, found) == FindResult::Ok)
            return FindResult::Ok;
    }
    if (noRegex)
        return rc;
    for (const LocationConfig &loc : level) {
        if (!loc.isRegex() || !regexMatches(loc, path))
            continue;
        *found = &loc;
        if (!loc.nested.empty())
            findLocation(loc.nested, path, found);
        return FindResult::Ok;
    }
    return rc;
}

} // namespace

const LocationConfig *ServerConfig::matchLocation(QByteArrayView path) const
{
    const LocationConfig *found = nullptr;
    findLocation(locations, path, &found);
    return found;
}

// ---------------------------------------------------------------- server names

int ListenGroup::selectServer(const QList<ServerConfig> &all, QByteArrayView host) const
{
    if (servers.isEmpty())
        return -1;
    {
        // Exact names first (an empty name matches a request without Host).
        for (int si : servers) {
            for (const ServerName &n : all.at(si).names) {
                if (n.kind == ServerName::Kind::Exact && host == QByteArrayView(n.text))
                    return si;
            }
        }
        if (!host.isEmpty()) {
            // "*.example.com": the longest matching suffix wins.
            int best = -1;
            qsizetype bestLen = -1;
            for (int si : servers) {
                for (const ServerName &n : all.at(si).names) {
                    if (n.kind == ServerName::Kind::LeadingWildcard && host.size() > n.text.size()
                        && host.endsWith(n.text) && n.text.size() > bestLen) {
                        best = si;
                        bestLen = n.text.size();
                    }
                }
            }
            if (best >= 0)
                return best;
            // "www.example.*": the longest matching prefix wins.
            bestLen = -1;
            for (int si : servers) {
                for (const ServerName &n : all.at(si).names) {
                    if (n.kind == ServerName::Kind::TrailingWildcard && host.size() > n.text.size()
                        && host.startsWith(n.text) && n.text.size() > bestLen) {
                        best = si;
                        bestLen = n.text.size();
                    }
                }
            }
            if (best >= 0)
                return best;
        }
        // Regexes in the order they appear in the configuration.
        const QString hostText = QString::fromLatin1(host);
        for (int si : servers) {
            for (const ServerName &n : all.at(si).names) {
                if (n.kind == ServerName::Kind::Regex && n.regex.match(hostText).hasMatch())
                    return si;
            }
        }
    }
    return defaultServer >= 0 ? defaultServer : servers.constFirst();
}

const ServerConfig *ProxyConfig::selectServer(int group, QByteArrayView host) const
{
    if (group < 0 || group >= listenGroups.size())
        return servers.isEmpty() ? nullptr : &servers.constFirst();
    const int si = listenGroups.at(group).selectServer(servers, host);
    return si >= 0 ? &servers.at(si) : nullptr;
}

const ServerConfig *ProxyConfig::defaultServer(int group) const
{
    if (group < 0 || group >= listenGroups.size())
        return servers.isEmpty() ? nullptr : &servers.constFirst();
    const ListenGroup &g = listenGroups.at(group);
    const int si = g.defaultServer >= 0 ? g.defaultServer : (g.servers.isEmpty() ? -1 : g.servers.constFirst());
    return si >= 0 ? &servers.at(si) : nullptr;
}

const TlsServerContext *ProxyConfig::tlsContext(int group) const
{
    if (group < 0 || group >= listenGroups.size() || !listenGroups.at(group).address.ssl)
        return nullptr;
    if (const ServerConfig *s = defaultServer(group); s && s->tls)
        return s->tls.get();
    // The compiler refuses a TLS socket whose default server has no
    // certificate; any server's will do otherwise.
    for (int si : listenGroups.at(group).servers) {
        if (servers.at(si).tls)
            return servers.at(si).tls.get();
    }
    return nullptr;
}

// ---------------------------------------------------------------- URIs

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

// ngx_escape_uri(NGX_ESCAPE_URI): " ", "#", "%", "?", controls and non-ASCII.
QByteArray escapeUri(QByteArrayView in)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(in.size());
    for (char ch : in) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f || c == '#' || c == '%' || c == '?') {
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

bool normalizeUriPath(QByteArrayView rawPath, QByteArray *out, bool *quoted)
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
        if (seg.isEmpty() || seg == ".") {
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
    return normalizedHostName(request.headers.value("Host"));
}

QByteArray upstreamTargetFor(const LocationConfig &location, const QByteArray &clientTarget)
{
    if (!location.proxyPass.hasUri)
        return clientTarget;
    const qsizetype q = clientTarget.indexOf('?');
    const QByteArrayView rawPath = q < 0 ? QByteArrayView(clientTarget) : QByteArrayView(clientTarget).first(q);
    QByteArray uri;
    bool quoted = false;
    if (!normalizeUriPath(rawPath, &uri, &quoted))
        return clientTarget; // the session answers such a target with 400 before this
    // The location's name is cut by its length, whatever the URI holds
    // there (an exact location's name is the whole URI).
    const qsizetype cut = location.isRegex() || location.match == LocationConfig::Match::Named
        ? 0
        : qMin(location.prefix.size(), uri.size());
    const QByteArrayView rest = QByteArrayView(uri).sliced(cut);
    QByteArray target = location.proxyPass.uri;
    target += quoted ? escapeUri(rest) : rest.toByteArray();
    if (q >= 0 && q + 1 < clientTarget.size()) {
        target += '?';
        target += QByteArrayView(clientTarget).sliced(q + 1);
    }
    return target;
}

QByteArray returnResponse(const ReturnAction &action, const RequestContext &context)
{
    // nginx's 444 closes without a response.
    if (action.code == 444)
        return QByteArray();
    HttpResponseHead head;
    head.status = action.code;
    head.headers.append("Server", "wsscope");
    QByteArray body;
    if (action.isRedirect()) {
        const QByteArray location = action.text.expand(context);
        if (!location.isEmpty())
            head.headers.append("Location", location);
        body = QByteArray::number(action.code) + ' ' + httpReasonPhrase(action.code) + '\n';
        head.headers.append("Content-Type", "text/plain");
    } else {
        body = action.text.expandBody(context);
        head.headers.append("Content-Type", "text/plain");
    }
    head.headers.append("Content-Length", QByteArray::number(body.size()));
    head.headers.append("Connection", "close");
    const bool isHead = context.request && context.request->method == "HEAD";
    return head.serialize() + (isHead ? QByteArray() : body);
}

QList<HeaderRule> defaultProxyHeaders()
{
    auto rule = [](const char *name, const char *value) {
        return HeaderRule{QByteArray(name), *ValueTemplate::compile(value, nullptr)};
    };
    return {
        rule("Host", "$http_host"),
        rule("Upgrade", "$http_upgrade"),
        rule("Connection", "$connection_upgrade"),
        rule("X-Real-IP", "$remote_addr"),
        rule("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
        rule("X-Forwarded-Proto", "$scheme"),
    };
}

void applyProxyRedirect(const LocationConfig &location, HttpHeaders &headers)
{
    QList<QPair<QByteArray, QByteArray>> rules;
    switch (location.redirect) {
    case LocationConfig::Redirect::Off:
        return;
    case LocationConfig::Redirect::Explicit:
        rules = location.redirectRules;
        break;
    case LocationConfig::Redirect::Default: {
        if (!location.proxyPass.isSet() || location.isRegex() || location.match == LocationConfig::Match::Named)
            return;
        const QByteArray url = location.proxyPass.scheme + "://" + location.proxyPass.proxyHost;
        if (location.proxyPass.hasUri)
            rules.append({url + location.proxyPass.uri, location.prefix});
        else
            rules.append({url + '/', QByteArray("/")});
        break;
    }
    }
    QList<HttpHeader> fields = headers.fields();
    bool changed = false;
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
        for (const auto &rule : std::as_const(rules)) {
            if (!rule.first.isEmpty() && QByteArrayView(h.value).sliced(start).startsWith(rule.first)) {
                h.value = h.value.left(start) + rule.second + h.value.mid(start + rule.first.size());
                changed = true;
                break; // the first matching rule wins
            }
        }
    }
    if (changed) {
        HttpHeaders rewritten;
        for (const HttpHeader &h : std::as_const(fields))
            rewritten.append(h.name, h.value);
        headers = std::move(rewritten);
    }
}
