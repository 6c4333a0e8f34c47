#pragma once

#include "config/confdiagnostic.h"
#include "config/rewritescript.h"
#include "http/variables.h"

#include <QList>

// proxy_cookie_domain / proxy_cookie_path FROM TO (ngx_http_proxy_rewrite_t):
// one rule for the Domain or Path attribute of an upstream's Set-Cookie.
struct CookieRewrite
{
    enum class Kind : quint8 {
        Domain, // FROM equals the domain (caseless, leading dots ignored on both sides)
        Prefix, // proxy_cookie_path: FROM is a prefix of the path, replaced by TO
        Regex,  // "~RE" (and "~*RE" for paths): a match replaces the whole value
    };

    Kind kind = Kind::Prefix;
    ValueTemplate pattern; // Domain and Prefix (variables allowed)
    CaptureRegex regex;    // Regex: its captures are $1... in the replacement
    ValueTemplate replacement;
    ConfLocation at;

    bool operator==(const CookieRewrite &o) const
    {
        return kind == o.kind && pattern == o.pattern && regex.regex == o.regex.regex && replacement == o.replacement;
    }
};

// A location's cookie rules: each list empty (none, or `off`) or its rules
// in order, the first that matches rewriting the attribute. A level that
// sets any rule (or `off`) inherits none of that list.
struct CookieRewrites
{
    QList<CookieRewrite> domains;
    QList<CookieRewrite> paths;

    bool isEmpty() const { return domains.isEmpty() && paths.isEmpty(); }
    bool operator==(const CookieRewrites &o) const = default;
};
