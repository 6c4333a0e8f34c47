#pragma once

#include "config/cookierewrite.h"
#include "http/httpheaders.h"
#include "http/variables.h"

// proxy_cookie_domain / proxy_cookie_path on an upstream's response
// (ngx_http_proxy_rewrite_cookie): the Domain and Path attributes of each
// Set-Cookie, the first matching rule of each list rewriting it. A header
// that changes is written again as nginx writes it ("name=value; Attr=x").
// `context` gives the rules' variables, and a regex rule's captures land
// in it (as in nginx, they are the request's $1... from then on).
void rewriteSetCookies(const CookieRewrites &rules, HttpHeaders &headers, RequestContext &context);
