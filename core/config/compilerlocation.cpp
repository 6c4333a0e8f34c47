#include "config/compiler.h"

namespace ConfigCompilerImpl {

void Compiler::handleProxySetHeader(const ConfDirective &d, Ctx, Scope &scope)
{
    LocationSettings &v = scope.values;
    if (!scope.headersSetHere) {
        scope.headersSetHere = true;
        scope.userHeaders.clear();
        v.headerOrigins.clear();
        scope.headersAt = d.location;
    }
    const QByteArray name = d.argText(0);
    const QByteArray value = d.argText(1);
    if (!isToken(name)) {
        error(d.args.at(0).location, u"invalid header name \"%1\" in \"proxy_set_header\" directive"_s.arg(text(name)));
        return;
    }
    if (hasLineBreakOrNul(value)) {
        error(d.args.at(1).location,
              u"a header value may not contain CR, LF or NUL (in \"proxy_set_header\" directive)"_s);
        return;
    }
    if (auto t = compileTemplate(value, d.args.at(1).location)) {
        scope.userHeaders.append(HeaderRule{name, std::move(*t)});
        v.headerOrigins.append(HeaderOrigin{name, value, d.location});
    }
}

void Compiler::handleProxyHttpVersion(const ConfDirective &d, Ctx, Scope &scope)
{
    LocationSettings &v = scope.values;
    if (d.argText(0) == "1.0")
        v.proxyHttpVersionMinor = 0;
    else if (d.argText(0) == "1.1")
        v.proxyHttpVersionMinor = 1;
    else {
        error(d.args.at(0).location, u"invalid value \"%1\" in \"proxy_http_version\" directive, it must be \"1.0\" or \"1.1\""_s.arg(
                                         text(d.argText(0))));
        return;
    }
    v.proxyHttpVersionAt = d.location;
}

void Compiler::handleNextUpstream(const ConfDirective &d, Ctx, Scope &scope)
{
    static const QHash<QByteArray, quint32> flags = {
        {"error", NextUpstream::Error},          {"timeout", NextUpstream::Timeout},
        {"invalid_header", NextUpstream::InvalidHeader}, {"http_500", NextUpstream::Http500},
        {"http_502", NextUpstream::Http502},     {"http_503", NextUpstream::Http503},
        {"http_504", NextUpstream::Http504},     {"http_403", NextUpstream::Http403},
        {"http_404", NextUpstream::Http404},     {"http_429", NextUpstream::Http429},
        {"non_idempotent", NextUpstream::NonIdempotent}, {"off", NextUpstream::Off},
    };
    quint32 mask = 0;
    for (const ConfArg &a : d.args) {
        const auto it = flags.constFind(a.text);
        if (it == flags.constEnd()) {
            error(a.location, u"invalid value \"%1\" in \"proxy_next_upstream\" directive"_s.arg(text(a.text)));
            return;
        }
        mask |= *it;
    }
    if ((mask & NextUpstream::Off) && mask != NextUpstream::Off) {
        error(d.location, u"\"off\" cannot be combined with other values in \"proxy_next_upstream\""_s);
        return;
    }
    scope.values.nextUpstream = mask;
}

void Compiler::handleProxyRedirect(const ConfDirective &d, Ctx, Scope &scope)
{
    LocationSettings &v = scope.values;
    if (d.argCount() == 2) {
        // ngx_http_proxy_redirect: "~" and "~*" start a regex (case-insensitive
        // with "*"), else a prefix; both sides may hold variables.
        RedirectRule rule;
        const QByteArray &from = d.argText(0);
        if (from.startsWith('~')) {
            const bool caseless = from.startsWith("~*");
            if (!compileRegex(from.mid(caseless ? 2 : 1), caseless, d.args.at(0).location, &rule.regex))
                return;
        } else if (std::optional<ValueTemplate> t = compileTemplate(from, d.args.at(0).location)) {
            rule.pattern = std::move(*t);
        } else {
            return;
        }
        std::optional<ValueTemplate> to = compileTemplate(d.argText(1), d.args.at(1).location);
        if (!to)
            return;
        rule.replacement = std::move(*to);
        // nginx (ngx_http_proxy_merge_loc_conf): a level's own rules
        // replace the inherited ones; they add up within the level.
        if (!scope.redirectsSetHere)
            v.redirectRules.clear();
        scope.redirectsSetHere = true;
        v.redirect = LocationSettings::Redirect::Explicit;
        v.redirectRules.append(std::move(rule));
    } else if (d.argText(0) == "default") {
        v.redirect = LocationSettings::Redirect::Default;
    } else if (d.argText(0) == "off") {
        v.redirect = LocationSettings::Redirect::Off;
        v.redirectRules.clear();
    } else {
        error(d.args.at(0).location, u"invalid parameter \"%1\" in \"proxy_redirect\" directive"_s.arg(
                                         text(d.argText(0))));
    }
}

void Compiler::handleRoot(const ConfDirective &d, Ctx, Scope &scope)
{
    scope.values.root = d.argText(0);
    scope.values.alias.clear();
}

void Compiler::handleIndex(const ConfDirective &d, Ctx, Scope &scope)
{
    // ngx_http_index_set_index: names may hold variables; an empty one is an error.
    scope.values.index.clear();
    for (const ConfArg &a : d.args) {
        if (a.text.isEmpty()) {
            error(a.location, u"index \"%1\" in \"index\" directive is invalid"_s.arg(text(a.text)));
            return;
        }
        if (std::optional<ValueTemplate> t = compileTemplate(a.text, a.location))
            scope.values.index.append(std::move(*t));
    }
}

// error_log below the main level (ngx_http_core_error_log).
void Compiler::handleLog(const ConfDirective &d, Ctx, Scope &scope)
{
    if (!scope.logsSetHere) {
        // nginx: a level that sets a log replaces the inherited ones.
        scope.logsSetHere = true;
        scope.values.errorLog.clear();
    }
    if (const std::optional<Logging::Sink> sink = parseErrorLog(d))
        scope.values.errorLog.append(*sink);
}

void Compiler::handleHttpTimeout(const ConfDirective &d, Ctx ctx, Scope &)
{
    const auto ms = timeArg(d);
    if (!ms)
        return;
    if (ctx != Ctx::Http) {
        warning(d.location, u"\"%1\" is applied from the http level only; this one is ignored"_s.arg(text(d.name)));
        return;
    }
    m_config->clientHeaderTimeoutMs = *ms; // client_header_timeout
}

// The pattern of a `location` (ngx_http_core_location): its modifier, the
// regex compiled, and where it may be nested.
bool Compiler::locationPattern(const ConfDirective &d, const LocationConfig *parent, LocationConfig *loc)
{
    QByteArray modifier;
    QByteArray name;
    if (d.argCount() == 2) {
        modifier = d.argText(0);
        name = d.argText(1);
    } else {
        name = d.argText(0);
        if (d.args.at(0).quote == ConfQuote::None) {
            // nginx also reads "=/path", "~re" and "~*re" as one word.
            for (const char *m : {"~*", "=", "~"}) {
                if (name.startsWith(m) && name.size() > qsizetype(qstrlen(m))) {
                    modifier = m;
                    name = name.mid(qstrlen(m));
                    break;
                }
            }
        }
    }
    using M = LocationConfig::Match;
    if (modifier.isEmpty())
        loc->match = name.startsWith('@') ? M::Named : M::Prefix;
    else if (modifier == "=")
        loc->match = M::Exact;
    else if (modifier == "~")
        loc->match = M::Regex;
    else if (modifier == "~*")
        loc->match = M::RegexCaseless;
    else if (modifier == "^~")
        loc->match = M::PreferPrefix;
    else {
        error(d.args.at(0).location, u"invalid location modifier \"%1\""_s.arg(text(modifier)));
        return false;
    }
    loc->prefix = name;
    loc->at = d.location;
    if (loc->isRegex()) {
        loc->regex = QRegularExpression(QString::fromUtf8(name), loc->match == M::RegexCaseless
                                                                     ? QRegularExpression::CaseInsensitiveOption
                                                                     : QRegularExpression::NoPatternOption);
        if (!loc->regex.isValid()) {
            error(d.args.constLast().location, u"invalid regex \"%1\": %2 at offset %3"_s.arg(
                                                   text(name), loc->regex.errorString())
                                                   .arg(loc->regex.patternErrorOffset()));
            return false;
        }
        loc->regex.optimize();
        loc->regexNames = namedCaptures(loc->regex);
    }
    if (parent) {
        if (parent->match == M::Exact) {
            error(d.location, u"location \"%1\" cannot be inside the exact location \"%2\""_s.arg(
                                  text(name), text(parent->prefix)));
            return false;
        }
        if (parent->match == M::Named) {
            error(d.location, u"location \"%1\" cannot be inside the named location \"%2\""_s.arg(
                                  text(name), text(parent->prefix)));
            return false;
        }
        if (loc->match == M::Named) {
            error(d.location, u"named location \"%1\" can be on the server level only"_s.arg(text(name)));
            return false;
        }
        if (!loc->isRegex() && !name.startsWith(parent->prefix)) {
            error(d.location, u"location \"%1\" is outside location \"%2\""_s.arg(text(name), text(parent->prefix)));
            return false;
        }
    }
    return true;
}

template<typename Container>
void Compiler::compileLocation(const ConfDirective &d, const Scope &parentScope, ServerConfig &server,
                     const LocationConfig *parent, Container *out)
{
    if (!checkBlock(d))
        return;
    if (d.argCount() < 1 || d.argCount() > 2) {
        error(d.location, u"invalid number of arguments in \"location\" directive"_s);
        return;
    }
    LocationConfig loc;
    if (!locationPattern(d, parent, &loc))
        return;
    using M = LocationConfig::Match;
    const QByteArray &name = loc.prefix;
    for (const LocationConfig &sibling : *out) {
        const bool bothPrefixy = (sibling.match == M::Prefix || sibling.match == M::PreferPrefix)
            && (loc.match == M::Prefix || loc.match == M::PreferPrefix);
        if (sibling.prefix == name && (bothPrefixy || (sibling.match == loc.match && !loc.isRegex()))) {
            error(d.location, u"duplicate location \"%1\""_s.arg(text(name)));
            return;
        }
    }

    Scope scope = parentScope.inner();
    const QList<HeaderOrigin> inherited = scope.values.headerOrigins;
    for (const ConfDirective &c : d.children) {
        if (c.name == "location" || c.name == "limit_except")
            continue; // after the location's own settings
        if (c.name == "proxy_pass") {
            if (checkArgs(c, Ctx::Location)) {
                if (loc.proxyPass.at.isValid())
                    error(c.location, u"\"proxy_pass\" directive is duplicate"_s);
                else
                    proxyPass(c, &loc);
            }
        } else if (isRewriteStatement(c.name)) {
            rewriteStatement(c, Ctx::Location, loc.rewrite);
        } else if (compileFallback(c, loc)) {
        } else if (applyCommon(c, Ctx::Location, scope)) {
        } else {
            unhandled(c);
        }
    }
    recordShadow(scope, inherited);
    // nginx's merge: the inherited values, overwritten by this level's
    // own, are the location's settings (one assignment: every setting).
    static_cast<LocationSettings &>(loc) = scope.values;
    loc.headers = withProxyDefaults(scope.userHeaders);
    loc.headerShadows = scope.shadows;
    loc.proxyHandler = loc.proxyPass.isSet();
    loc.autoRedirect = loc.proxyHandler && !loc.isRegex() && !loc.isNamed() && loc.prefix.endsWith('/');
    if (std::any_of(d.children.cbegin(), d.children.cend(), [](const ConfDirective &c) { return c.name == "alias"; }))
        loc.aliasLength = loc.isRegex() ? -1 : loc.prefix.size();
    else if (parent && !loc.alias.isEmpty())
        loc.aliasLength = parent->aliasLength;
    compileIfBlocks(d, scope, loc);
    compileLimitExcept(d, scope, loc);

    for (const ConfDirective &c : d.children) {
        if (c.name == "location")
            compileLocation(c, scope, server, &loc, &loc.nested);
    }
    out->push_back(std::move(loc));
}

// nginx: a level with any proxy_set_header inherits none from above.
void Compiler::recordShadow(Scope &scope, const QList<HeaderOrigin> &inherited)
{
    if (!scope.headersSetHere || inherited.isEmpty())
        return;
    HeaderShadow shadow;
    shadow.at = scope.headersAt;
    for (const HeaderOrigin &h : inherited) {
        const bool reset = std::any_of(scope.values.headerOrigins.cbegin(), scope.values.headerOrigins.cend(),
                                       [&](const HeaderOrigin &o) {
                                           return o.name.compare(h.name, Qt::CaseInsensitive) == 0;
                                       });
        if (!reset)
            shadow.dropped.append(h);
    }
    if (!shadow.dropped.isEmpty())
        scope.shadows.append(shadow);
}

// ngx_http_proxy_merge_headers(): the configured list, then nginx's
// defaults for the names it does not set.
QList<HeaderRule> Compiler::withProxyDefaults(const QList<HeaderRule> &user)
{
    static const struct { const char *name; const char *value; } defaults[] = {
        {"Host", "$proxy_host"}, {"Connection", "close"}, {"TE", ""},
        {"Keep-Alive", ""},      {"Expect", ""},          {"Upgrade", ""},
    };
    QList<HeaderRule> rules = user;
    for (const auto &def : defaults) {
        const bool overridden = std::any_of(user.cbegin(), user.cend(), [&](const HeaderRule &r) {
            return r.name.compare(def.name, Qt::CaseInsensitive) == 0;
        });
        if (!overridden)
            rules.append(HeaderRule{QByteArray(def.name), *ValueTemplate::compile(def.value, nullptr)});
    }
    return rules;
}

void Compiler::proxyPass(const ConfDirective &c, LocationConfig *loc)
{
    const ConfArg &arg = c.args.at(0);
    const QByteArray url = arg.text;
    if (url.contains('$')) {
        // ngx_http_proxy_pass: a URL with variables is evaluated per request
        // (scheme, host, port and URI alike); routeRequest() parses it.
        auto evaluated = compileTemplate(url, arg.location);
        if (!evaluated)
            return;
        ProxyPass pp;
        pp.at = c.location;
        pp.scheme = url.startsWith("https://") ? "https" : "http"; // a literal prefix; else known per request
        const QByteArray rest = url.mid(url.indexOf("://") < 0 ? 0 : url.indexOf("://") + 3);
        pp.proxyHost = rest.left(rest.indexOf('/') < 0 ? rest.size() : rest.indexOf('/'));
        pp.urlTemplate = std::move(evaluated);
        loc->proxyPass = pp;
        return;
    }
    QByteArray rest;
    QByteArray scheme;
    if (url.startsWith("http://")) {
        scheme = "http";
        rest = url.mid(7);
    } else if (url.startsWith("https://")) {
        scheme = "https";
        rest = url.mid(8);
    } else if (url.startsWith("ws://") || url.startsWith("wss://")) {
        error(arg.location, u"invalid URL prefix in \"%1\": nginx's proxy_pass takes http:// (WebSocket "
                            u"upgrades travel over it); write \"http://%2\""_s.arg(
                                text(url), text(url.mid(url.indexOf("//") + 2))));
        return;
    } else {
        error(arg.location, u"invalid URL prefix in \"%1\""_s.arg(text(url)));
        return;
    }
    if (rest.startsWith("unix:")) {
        proxyPassUnix(c, scheme, rest, loc);
        return;
    }
    const qsizetype slash = rest.indexOf('/');
    const QByteArray authority = slash < 0 ? rest : rest.left(slash);
    QByteArray host;
    int port = -1;
    if (!splitHostPort(authority, &host, &port)) {
        error(arg.location, u"invalid host in upstream \"%1\""_s.arg(text(rest)));
        return;
    }
    ProxyPass pp;
    pp.scheme = scheme;
    pp.at = c.location;
    if (slash >= 0 && !setProxyPassUri(arg, rest.mid(slash), *loc, &pp))
        return;
    if (const auto upstream = m_upstreams.value(host.toLower())) {
        if (port >= 0) {
            error(arg.location, u"upstream \"%1\" may not have port %2"_s.arg(text(host)).arg(port));
            return;
        }
        pp.upstream = upstream;
        pp.proxyHost = host;
    } else {
        const QList<QHostAddress> addresses = resolveHost(host, arg.location, u"upstream"_s);
        if (addresses.isEmpty())
            return;
        const quint16 defaultPort = scheme == "https" ? 443 : 80;
        const quint16 p = quint16(port >= 0 ? port : defaultPort);
        pp.proxyHost = (port < 0 || port == defaultPort) ? host : host + ':' + QByteArray::number(port);
        QList<UpstreamServer> servers;
        for (const QHostAddress &a : addresses) {
            UpstreamServer s;
            s.name = host + ':' + QByteArray::number(p);
            s.address = a;
            s.port = p;
            servers.append(s);
        }
        pp.upstream = implicitUpstream(host.toLower() + ':' + QByteArray::number(p), pp.proxyHost, servers, c.location);
    }
    loc->proxyPass = pp;
}

bool Compiler::setProxyPassUri(const ConfArg &arg, const QByteArray &uri, const LocationConfig &loc, ProxyPass *pp)
{
    if (loc.isRegex() || loc.isNamed() || loc.isIfBlock || loc.isLimitExcept) {
        error(arg.location, u"\"proxy_pass\" cannot have URI part in location given by regular expression, "
                            u"or inside named location, or inside \"if\" statement, or inside "
                            u"\"limit_except\" block"_s);
        return false;
    }
    pp->hasUri = true;
    pp->uri = uri;
    return true;
}

std::shared_ptr<const UpstreamConfig> Compiler::implicitUpstream(const QByteArray &key, const QByteArray &name,
                                                                 const QList<UpstreamServer> &servers,
                                                                 const ConfLocation &at)
{
    // nginx shares one implicit upstream per host:port (ngx_http_upstream_add),
    // so its failure marks and figures are shared too.
    if (const auto known = m_implicitUpstreams.value(key))
        return known;
    auto upstream = std::make_shared<UpstreamConfig>();
    upstream->name = name;
    upstream->servers = servers;
    upstream->id = nextUpstreamId();
    upstream->at = at;
    m_implicitUpstreams.insert(key, upstream);
    m_config->implicitUpstreams.append(upstream);
    return upstream;
}

// proxy_pass http://unix:PATH[:URI] (ngx_parse_unix_domain_url): the Host
// and $proxy_host are "localhost", $proxy_port is empty, $upstream_addr "unix:PATH".
void Compiler::proxyPassUnix(const ConfDirective &c, const QByteArray &scheme, const QByteArray &rest,
                             LocationConfig *loc)
{
    const ConfArg &arg = c.args.at(0);
    const qsizetype colon = rest.indexOf(':', 5);
    const QByteArray socket = colon < 0 ? rest : rest.left(colon);
    ProxyPass pp;
    pp.scheme = scheme;
    pp.at = c.location;
    if (colon >= 0 && !setProxyPassUri(arg, rest.mid(colon + 1), *loc, &pp))
        return;
    UpstreamServer server;
    if (!unixSocketPath(socket, arg.location, &server.unixPath))
        return;
    server.name = "unix:" + server.unixPath;
    pp.proxyHost = "localhost";
    pp.unixSocket = true;
    pp.upstream = implicitUpstream(server.name, server.name, {server}, c.location);
    loc->proxyPass = pp;
}

// The two levels locations sit in: a server's list and a location's nested ones.
template void Compiler::compileLocation(const ConfDirective &, const Scope &, ServerConfig &, const LocationConfig *,
                                        QList<LocationConfig> *);
template void Compiler::compileLocation(const ConfDirective &, const Scope &, ServerConfig &, const LocationConfig *,
                                        std::vector<LocationConfig> *);

} // namespace ConfigCompilerImpl
