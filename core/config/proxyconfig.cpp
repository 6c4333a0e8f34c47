#include "proxyconfig.h"

QString ListenAddress::toString() const
{
    if (!unixPath.isEmpty())
        return QStringLiteral("unix:") + QString::fromUtf8(unixPath);
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return QStringLiteral("[%1]:%2").arg(address.toString()).arg(port);
    return QStringLiteral("%1:%2").arg(address.toString()).arg(port);
}

// ---------------------------------------------------------------- error logs

namespace {

void collectErrorLogs(const LocationSettings &s, QList<QList<Logging::Sink>> *out)
{
    if (!s.errorLog.isEmpty() && !out->contains(s.errorLog))
        out->append(s.errorLog);
}

template<typename Locations> // a server's QList, a location's std::vectors
void collectLocationLogs(const Locations &locations, QList<QList<Logging::Sink>> *out)
{
    for (const LocationConfig &l : locations) {
        collectErrorLogs(l, out);
        collectLocationLogs(l.nested, out);
        collectLocationLogs(l.ifBlocks, out);
        collectLocationLogs(l.limitExcept, out);
    }
}

} // namespace

QList<QList<Logging::Sink>> ProxyConfig::scopedErrorLogs() const
{
    QList<QList<Logging::Sink>> out;
    for (const ServerConfig &s : servers) {
        collectErrorLogs(s.settings, &out);
        collectErrorLogs(s.serverLevel, &out);
        collectLocationLogs(s.locations, &out);
    }
    return out;
}

// ---------------------------------------------------------------- locations

namespace {

enum class FindResult { Ok, Again, Declined, AutoRedirect };

bool regexMatches(const LocationConfig &loc, QByteArrayView path)
{
    // Location regexes run on the decoded URI; QRegularExpression wants text.
    return loc.regex.match(QString::fromUtf8(path)).hasMatch();
}

// Whether `loc` is named `path` plus "/" and redirects there (nginx's
// auto_redirect node: len + 1 == node->len).
bool autoRedirects(const LocationConfig &loc, QByteArrayView path)
{
    return loc.autoRedirect && loc.prefix.size() == path.size() + 1 && loc.prefix.startsWith(path);
}

// ngx_http_core_find_location() over one level (the server's locations or
// a location's nested ones). `found` is updated as nginx updates
// r->loc_conf.
template<typename Container>
FindResult findLocation(const Container &level, QByteArrayView path, const LocationConfig **found)
{
    // The static part (ngx_http_core_find_static_location): an exact match
    // ends the search; otherwise remember the longest prefix. A location
    // named `path` + "/" that auto-redirects wins over a shorter prefix
    // (its tree node lies deeper), not over a prefix equal to `path`.
    const LocationConfig *best = nullptr;
    const LocationConfig *redirect = nullptr;
    for (const LocationConfig &loc : level) {
        switch (loc.match) {
        case LocationConfig::Match::Exact:
            if (path == QByteArrayView(loc.prefix)) {
                *found = &loc;
                return FindResult::Ok;
            }
            if (autoRedirects(loc, path))
                redirect = &loc;
            break;
        case LocationConfig::Match::Prefix:
        case LocationConfig::Match::PreferPrefix:
            if (path.startsWith(loc.prefix) && (!best || loc.prefix.size() > best->prefix.size()))
                best = &loc;
            else if (autoRedirects(loc, path) && !redirect)
                redirect = &loc;
            break;
        default:
            break;
        }
    }
    if (redirect && (!best || best->prefix.size() < path.size())) {
        *found = redirect;
        return FindResult::AutoRedirect;
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
        if (!best->nested.empty()) {
            const FindResult inner = findLocation(best->nested, path, found);
            if (inner == FindResult::Ok || inner == FindResult::AutoRedirect)
                return inner;
        }
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

const LocationConfig *ServerConfig::matchLocation(QByteArrayView path, bool *autoRedirect) const
{
    const LocationConfig *found = nullptr;
    const FindResult rc = findLocation(locations, path, &found);
    if (autoRedirect)
        *autoRedirect = rc == FindResult::AutoRedirect;
    return found;
}

const LocationConfig *ServerConfig::namedLocation(QByteArrayView name) const
{
    for (const LocationConfig &loc : locations) {
        if (loc.isNamed() && loc.prefix == name)
            return &loc;
    }
    return nullptr;
}

const ServerName *ServerConfig::regexNameFor(QByteArrayView host) const
{
    const ServerName *regex = nullptr;
    for (const ServerName &n : names) {
        switch (n.kind) {
        case ServerName::Kind::Exact:
            if (host == QByteArrayView(n.text))
                return nullptr;
            break;
        case ServerName::Kind::LeadingWildcard:
            if (host.size() > n.text.size() && host.endsWith(n.text))
                return nullptr;
            break;
        case ServerName::Kind::TrailingWildcard:
            if (host.size() > n.text.size() && host.startsWith(n.text))
                return nullptr;
            break;
        case ServerName::Kind::Regex:
            if (!regex && n.regex.captureCount() > 0 && n.regex.match(QString::fromLatin1(host)).hasMatch())
                regex = &n;
            break;
        }
    }
    return regex;
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

int ProxyConfig::tlsServer(int group) const
{
    if (group < 0 || group >= listenGroups.size() || !listenGroups.at(group).address.ssl)
        return -1;
    if (const ServerConfig *s = defaultServer(group); s && s->tls.enabled)
        return int(s - servers.constData());
    // The compiler refuses a TLS socket whose default server has no
    // certificate; any server's will do otherwise.
    for (int si : listenGroups.at(group).servers) {
        if (servers.at(si).tls.enabled)
            return si;
    }
    return -1;
}

// ---------------------------------------------------------------- proxying

QByteArray upstreamTargetFor(const LocationConfig &location, const QByteArray &clientTarget)
{
    if (!location.proxyPass.hasUri)
        return clientTarget;
    // The location's name is cut by its length, whatever the URI holds
    // there (an exact location's name is the whole URI).
    const qsizetype cut = location.isRegex() || location.match == LocationConfig::Match::Named ? 0
                                                                                                : location.prefix.size();
    return rewriteProxyTarget(clientTarget, cut, location.proxyPass.uri, location.mergeSlashes);
}

QList<RedirectRule> proxyRedirectRules(const LocationConfig &location)
{
    switch (location.redirect) {
    case LocationConfig::Redirect::Off:
        return {};
    case LocationConfig::Redirect::Explicit:
        return location.redirectRules;
    case LocationConfig::Redirect::Default:
        break;
    }
    // nginx has no default rule for a proxy_pass with variables.
    if (!location.proxyPass.isSet() || location.proxyPass.urlTemplate || location.isRegex()
        || location.match == LocationConfig::Match::Named)
        return {};
    const QByteArray url = location.proxyPass.scheme + "://" + location.proxyPass.proxyHost;
    RedirectRule rule;
    rule.pattern = ValueTemplate::literal(url + (location.proxyPass.hasUri ? location.proxyPass.uri : QByteArray("/")));
    rule.replacement = ValueTemplate::literal(location.proxyPass.hasUri ? location.prefix : QByteArray("/"));
    return {rule};
}

bool applyProxyRedirect(const LocationConfig &location, HttpHeaders &headers, const RequestContext &context)
{
    if (location.redirect == LocationConfig::Redirect::Off)
        return false;
    const QList<RedirectRule> rules = proxyRedirectRules(location);
    if (rules.isEmpty())
        return false;
    return rewriteRedirectHeaders(headers, [&](QByteArrayView url) -> std::optional<QByteArray> {
        for (const RedirectRule &r : rules) { // the first that matches
            if (r.regex.isSet()) {
                RequestContext withCaptures = context;
                if (r.regex.matchInto(url, withCaptures))
                    return r.replacement.expand(withCaptures);
                continue;
            }
            const QByteArray prefix = r.pattern.expand(context);
            if (!prefix.isEmpty() && url.startsWith(prefix))
                return r.replacement.expand(context) + url.sliced(prefix.size()).toByteArray();
        }
        return std::nullopt;
    });
}

bool LocationSettings::passesUpstreamHeader(QByteArrayView name) const
{
    // ngx_http_proxy_hide_headers, then the level's proxy_hide_header; a
    // proxy_pass_header takes a name off.
    auto same = [name](QByteArrayView other) { return name.compare(other, Qt::CaseInsensitive) == 0; };
    bool hidden = false;
    switch (name.size()) { // by length first: this runs for every header of every proxied response
    case 4:
        hidden = same("Date");
        break;
    case 5:
        hidden = same("X-Pad");
        break;
    case 6:
        hidden = same("Server");
        break;
    case 15:
        hidden = same("X-Accel-Expires") || same("X-Accel-Charset");
        break;
    case 16:
        hidden = same("X-Accel-Redirect");
        break;
    case 17:
        hidden = same("X-Accel-Buffering");
        break;
    case 18:
        hidden = same("X-Accel-Limit-Rate");
        break;
    default:
        break;
    }
    hidden = hidden || std::any_of(hideHeaders.cbegin(), hideHeaders.cend(), same);
    return !hidden || std::any_of(passHeaders.cbegin(), passHeaders.cend(), same);
}

QByteArray LocationSettings::contentTypeFor(QByteArrayView uri) const
{
    QByteArrayView exten;
    for (qsizetype i = uri.size() - 1; i >= 0 && uri[i] != '/'; --i) {
        if (uri[i] == '.') {
            exten = uri.sliced(i + 1);
            break;
        }
    }
    if (exten.isEmpty())
        return defaultType;
    const QByteArray key = exten.toByteArray().toLower();
    if (!types.map) {
        // ngx_http_core_default_types
        if (key == "html")
            return "text/html";
        if (key == "gif")
            return "image/gif";
        if (key == "jpg")
            return "image/jpeg";
        return defaultType;
    }
    return types.map->value(key, defaultType);
}
