#include "config/compiler.h"

// proxy_cookie_domain and proxy_cookie_path (ngx_http_proxy_module): their
// table entries and handler. The session applies them to the upstream's
// Set-Cookie headers (core/proxy/cookierewriter.cpp).

namespace ConfigCompilerImpl {

namespace {

QByteArray withoutLeadingDot(QByteArray text)
{
    if (text.startsWith('.'))
        text.remove(0, 1);
    return text;
}

} // namespace

// proxy_cookie_domain off | FROM TO, proxy_cookie_path off | FROM TO
// (ngx_http_proxy_cookie_domain, ngx_http_proxy_cookie_path). nginx merges
// each list as a pointer: a level that sets a rule or `off` inherits
// nothing of that list, and `off` next to a rule is a duplicate.
void Compiler::handleProxyCookie(const ConfDirective &d, Ctx, Scope &scope)
{
    const bool domain = d.name == "proxy_cookie_domain";
    QList<CookieRewrite> &rules = domain ? scope.values.cookieRewrites.domains : scope.values.cookieRewrites.paths;
    quint8 &state = domain ? scope.cookieDomainsHere : scope.cookiePathsHere;
    enum : quint8 { Unset, Rules, Off };
    if (state == Off || (state == Rules && d.argCount() == 1)) {
        error(d.location, u"\"%1\" directive is duplicate"_s.arg(text(d.name)));
        return;
    }
    if (state == Unset)
        rules.clear();
    if (d.argCount() == 1) {
        if (d.argText(0) != "off") {
            error(d.args.at(0).location, u"invalid parameter \"%1\""_s.arg(text(d.argText(0))));
            return;
        }
        state = Off;
        return;
    }
    state = Rules;
    CookieRewrite rule;
    rule.at = d.location;
    QByteArray from = d.argText(0);
    QByteArray to = d.argText(1);
    const ConfLocation &fromAt = d.args.at(0).location;
    if (from.startsWith('~')) {
        from.remove(0, 1);
        // A domain regex is always caseless; a path's is with "~*".
        bool caseless = domain;
        if (!domain && from.startsWith('*')) {
            from.remove(0, 1);
            caseless = true;
        }
        rule.kind = CookieRewrite::Kind::Regex;
        if (!compileRegex(from, caseless, fromAt, &rule.regex))
            return;
    } else {
        rule.kind = domain ? CookieRewrite::Kind::Domain : CookieRewrite::Kind::Prefix;
        if (domain) {
            from = withoutLeadingDot(from);
            to = withoutLeadingDot(to);
        }
        std::optional<ValueTemplate> pattern = compileTemplate(from, fromAt);
        if (!pattern)
            return;
        rule.pattern = std::move(*pattern);
    }
    std::optional<ValueTemplate> replacement = compileTemplate(to, d.args.at(1).location);
    if (!replacement)
        return;
    rule.replacement = std::move(*replacement);
    rules.append(std::move(rule));
}

// The cookie directives, in listing order.
std::vector<Command> cookieCommands()
{
    using C = Compiler;
    constexpr quint8 Levels = contextBit(Ctx::Http) | contextBit(Ctx::Server) | contextBit(Ctx::Location);
    return {
        {.name = "proxy_cookie_domain", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handleProxyCookie},
        {.name = "proxy_cookie_path", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handleProxyCookie},
    };
}

} // namespace ConfigCompilerImpl
