#include "proxy/cookierewriter.h"

#include <QList>

namespace {

// One "key=value" of a Set-Cookie (ngx_http_proxy_parse_cookie); hasValue
// false for an attribute without "=" ("Secure").
struct CookieAttribute
{
    QByteArray key;
    QByteArray value;
    bool hasValue = false;
};

QList<CookieAttribute> parseCookie(QByteArrayView header)
{
    QList<CookieAttribute> out;
    qsizetype start = 0;
    for (;;) {
        qsizetype last = header.indexOf(';', start);
        if (last < 0)
            last = header.size();
        const QByteArrayView part = header.sliced(start, last - start);
        CookieAttribute a;
        const qsizetype eq = part.indexOf('=');
        a.key = (eq < 0 ? part : part.first(eq)).trimmed().toByteArray();
        if (eq >= 0) {
            a.value = part.sliced(eq + 1).trimmed().toByteArray();
            a.hasValue = true;
        }
        out.append(std::move(a));
        if (last == header.size())
            break;
        start = last + 1;
    }
    return out;
}

// ngx_http_proxy_rewrite_{domain,complex,regex}_handler and
// ngx_http_proxy_rewrite: true when `value` was rewritten.
bool applyRule(const CookieRewrite &rule, QByteArray &value, RequestContext &context)
{
    switch (rule.kind) {
    case CookieRewrite::Kind::Domain: {
        const QByteArray pattern = rule.pattern.expand(context);
        const qsizetype skip = value.startsWith('.') ? 1 : 0; // ".example.com" as "example.com"
        if (QByteArrayView(value).sliced(skip).compare(pattern, Qt::CaseInsensitive) != 0)
            return false;
        value = value.left(skip) + rule.replacement.expand(context);
        return true;
    }
    case CookieRewrite::Kind::Prefix: {
        const QByteArray pattern = rule.pattern.expand(context);
        if (!value.startsWith(pattern))
            return false;
        value = rule.replacement.expand(context) + value.mid(pattern.size());
        return true;
    }
    case CookieRewrite::Kind::Regex:
        if (!rule.regex.matchInto(value, context))
            return false;
        value = rule.replacement.expand(context); // the whole value, not the match
        return true;
    }
    return false;
}

bool rewriteValue(const QList<CookieRewrite> &rules, QByteArray &value, RequestContext &context)
{
    for (const CookieRewrite &rule : rules) {
        if (applyRule(rule, value, context))
            return true;
    }
    return false;
}

// One Set-Cookie value; false when nothing changed (then it stays as sent).
bool rewriteCookie(const CookieRewrites &rules, QByteArray &header, RequestContext &context)
{
    QList<CookieAttribute> attrs = parseCookie(header);
    if (!attrs.constFirst().hasValue)
        return false; // not "name=value": left alone
    bool changed = false;
    for (qsizetype i = 1; i < attrs.size(); ++i) {
        CookieAttribute &a = attrs[i];
        if (!a.hasValue)
            continue;
        if (a.key.compare("domain", Qt::CaseInsensitive) == 0)
            changed |= rewriteValue(rules.domains, a.value, context);
        else if (a.key.compare("path", Qt::CaseInsensitive) == 0)
            changed |= rewriteValue(rules.paths, a.value, context);
    }
    if (!changed)
        return false;
    QByteArray out;
    for (qsizetype i = 0; i < attrs.size(); ++i) {
        const CookieAttribute &a = attrs.at(i);
        if (i > 0)
            out += "; ";
        out += a.key;
        if (a.hasValue)
            out += '=' + a.value;
    }
    header = out;
    return true;
}

} // namespace

void rewriteSetCookies(const CookieRewrites &rules, HttpHeaders &headers, RequestContext &context)
{
    if (rules.isEmpty() || !headers.contains("Set-Cookie"))
        return;
    QList<HttpHeader> fields = headers.fields();
    bool changed = false;
    for (HttpHeader &h : fields) {
        if (headerNameEquals(h.name, "Set-Cookie"))
            changed |= rewriteCookie(rules, h.value, context);
    }
    if (!changed)
        return;
    HttpHeaders rewritten;
    rewritten.reserve(fields.size());
    for (HttpHeader &h : fields)
        rewritten.append(std::move(h.name), std::move(h.value));
    headers = std::move(rewritten);
}
