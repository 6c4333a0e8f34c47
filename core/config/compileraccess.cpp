#include "config/compiler.h"

// allow and deny (ngx_http_access_module) and limit_except
// (ngx_http_core_module): their table entries and handlers. The router
// checks the rules after the rewrite phases (AccessRules::allows) and
// picks a limit_except block when the location is found.

namespace ConfigCompilerImpl {

namespace {

// ngx_ptocidr: ADDRESS or ADDRESS/BITS, IPv4 in its four-part form only.
// nullopt: not an address; *lowBits: bits past the mask were set (nginx
// warns and clears them).
std::optional<AccessRule> parseCidr(QByteArrayView text, bool *lowBits)
{
    const qsizetype slash = text.indexOf('/');
    const QByteArrayView addressText = slash < 0 ? text : text.first(slash);
    const QHostAddress address(QString::fromLatin1(addressText));
    if (address.isNull() || !address.scopeId().isEmpty())
        return std::nullopt;
    const bool v4 = address.protocol() == QAbstractSocket::IPv4Protocol;
    if (v4 && addressText.count('.') != 3)
        return std::nullopt; // QHostAddress would take "127.1"; nginx does not
    const int maxBits = v4 ? 32 : 128;
    int bits = maxBits;
    if (slash >= 0) {
        const QByteArrayView digits = text.sliced(slash + 1);
        if (digits.isEmpty() || digits.size() > 3)
            return std::nullopt;
        bits = 0;
        for (const char c : digits) {
            if (c < '0' || c > '9')
                return std::nullopt;
            bits = bits * 10 + (c - '0');
        }
        if (bits > maxBits)
            return std::nullopt;
    }
    AccessRule rule;
    rule.prefixLength = bits;
    rule.network = QHostAddress::parseSubnet(address.toString() + u'/' + QString::number(bits)).first;
    *lowBits = rule.network != address;
    return rule;
}

// The rules of a level that replaces the enclosing level's at its first one.
QList<AccessRule> &levelOwn(QList<AccessRule> &rules, bool &setHere)
{
    if (!setHere) {
        setHere = true;
        rules.clear();
    }
    return rules;
}

} // namespace

// allow|deny ADDRESS|CIDR|unix:|all (ngx_http_access_rule): a level that
// has any rule inherits none of the enclosing level's
// (ngx_http_access_merge_loc_conf).
void Compiler::handleAccess(const ConfDirective &d, Ctx, Scope &scope)
{
    QList<AccessRule> &rules = levelOwn(scope.values.accessRules, scope.accessRulesSetHere);
    const ConfArg &arg = d.args.at(0);
    AccessRule rule;
    if (arg.text == "all") {
        rule.family = AccessRule::Family::All;
    } else if (std::optional<AccessRule> r = addressRule(arg)) {
        rule = std::move(*r);
    } else {
        error(arg.location, u"invalid parameter \"%1\""_s.arg(text(arg.text)));
        return;
    }
    rule.deny = d.name == "deny";
    rule.at = d.location;
    rules.append(std::move(rule));
}

// unix: or ADDRESS[/BITS] (ngx_ptocidr, which warns of bits past the mask).
std::optional<AccessRule> Compiler::addressRule(const ConfArg &arg)
{
    if (arg.text == "unix:") {
        AccessRule rule;
        rule.family = AccessRule::Family::Unix;
        return rule;
    }
    bool lowBits = false;
    std::optional<AccessRule> cidr = parseCidr(arg.text, &lowBits);
    if (cidr && lowBits)
        warning(arg.location, u"low address bits of %1 are meaningless"_s.arg(text(arg.text)));
    return cidr;
}

// set_real_ip_from ADDRESS|CIDR|unix:|HOST (ngx_http_realip_from): a name
// stands for each address it resolves to now.
void Compiler::handleSetRealIpFrom(const ConfDirective &d, Ctx, Scope &scope)
{
    QList<AccessRule> &from = levelOwn(scope.values.realIpFrom, scope.realIpFromSetHere);
    const ConfArg &arg = d.args.at(0);
    AccessRule rule;
    rule.at = d.location;
    if (std::optional<AccessRule> r = addressRule(arg)) {
        r->at = d.location;
        from.append(std::move(*r));
        return;
    }
    for (const QHostAddress &a : resolveHost(arg.text, arg.location, u"set_real_ip_from"_s)) {
        rule.network = a;
        rule.prefixLength = a.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
        from.append(rule);
    }
}

// real_ip_header X-Real-IP|X-Forwarded-For|proxy_protocol|FIELD
// (ngx_http_realip): once per level.
void Compiler::handleRealIpHeader(const ConfDirective &d, Ctx, Scope &scope)
{
    if (scope.realIpHeaderSetHere) {
        error(d.location, u"\"real_ip_header\" directive is duplicate"_s);
        return;
    }
    scope.realIpHeaderSetHere = true;
    using Source = LocationSettings::RealIpSource;
    const QByteArray &name = d.args.at(0).text;
    LocationSettings &v = scope.values;
    v.realIpHeader.clear();
    // nginx compares the three special names case-sensitively.
    if (name == "X-Real-IP") {
        v.realIpSource = Source::XRealIp;
    } else if (name == "X-Forwarded-For") {
        v.realIpSource = Source::XForwardedFor;
    } else if (name == "proxy_protocol") {
        // The address of the connection's PROXY protocol header (none without
        // `listen ... proxy_protocol`: then, as in nginx, it never changes).
        v.realIpSource = Source::ProxyProtocol;
    } else {
        v.realIpSource = Source::Header;
        v.realIpHeader = name;
    }
}

void Compiler::compileLimitExcept(const ConfDirective &d, const Scope &scope, LocationConfig &loc)
{
    for (const ConfDirective &c : d.children) {
        if (c.name != "limit_except")
            continue;
        if (!checkBlock(c) || !checkArgs(c, Ctx::Location))
            continue;
        if (!loc.limitExcept.empty()) {
            error(c.location, u"\"limit_except\" directive is duplicate"_s);
            continue;
        }
        compileLimitExceptBlock(c, scope, loc);
    }
}

// nginx's noname location of limit_except: the methods named (GET brings
// HEAD) are served by the location; any other by the block, which has the
// location's settings with its own on top (ngx_http_core_limit_except,
// NGX_HTTP_LMT_CONF directives), the location's proxy_pass unless it names
// one, and no rewrite statements (ngx_http_rewrite_merge_loc_conf).
void Compiler::compileLimitExceptBlock(const ConfDirective &c, const Scope &scope, LocationConfig &loc)
{
    quint32 restricted = 0xffffffff;
    for (const ConfArg &a : c.args) {
        const quint32 bit = HttpMethods::limitExceptBit(a.text);
        if (!bit) {
            error(a.location, u"invalid method \"%1\""_s.arg(text(a.text)));
            return;
        }
        restricted &= ~bit;
    }
    if (!(restricted & HttpMethods::Get))
        restricted &= ~HttpMethods::Head;
    Scope inner = scope.inner();
    LocationConfig block = nonameBlock(loc, c.location);
    block.isLimitExcept = true;
    for (const ConfDirective &s : c.children) {
        if (s.name == "proxy_pass") {
            if (!checkArgs(s, Ctx::Location))
                continue;
            if (block.proxyPass.at.isValid())
                error(s.location, u"\"proxy_pass\" directive is duplicate"_s);
            else
                proxyPass(s, &block);
        } else if (s.name == "allow" || s.name == "deny" || s.name == "access_log") {
            applyCommon(s, Ctx::Location, inner);
        } else {
            unhandled(s); // "not allowed here" for the table's others
        }
    }
    mergeNonameBlock(block, inner, loc);
    // ngx_http_proxy_merge_loc_conf: a limit_except block with a proxy_pass
    // (its own or the location's) proxies.
    block.proxyHandler = block.proxyPass.isSet();
    block.internal = loc.internal;
    block.tryFiles = loc.tryFiles;
    block.aliasLength = loc.aliasLength;
    loc.limitExceptMethods = restricted;
    loc.limitExcept.push_back(std::move(block));
}

// The access and realip modules' directives, in listing order.
std::vector<Command> accessCommands()
{
    using C = Compiler;
    constexpr quint8 Levels = contextBit(Ctx::Http) | contextBit(Ctx::Server) | contextBit(Ctx::Location);
    return {
        {.name = "allow", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true, .handler = &C::handleAccess},
        {.name = "deny", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true, .handler = &C::handleAccess},
        // compiled with its location (compileLimitExcept)
        {.name = "limit_except", .contexts = contextBit(Ctx::Location), .minArgs = 1, .maxArgs = 14, .block = true},
        {.name = "set_real_ip_from", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleSetRealIpFrom},
        {.name = "real_ip_header", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleRealIpHeader},
        {.name = "real_ip_recursive", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::realIpRecursive},
    };
}

} // namespace ConfigCompilerImpl
