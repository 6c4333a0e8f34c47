#pragma once

#include "http/specialresponse.h"
#include "http/variables.h"

#include <QByteArray>

// The statuses whose `return` text is a Location URL (ngx_http_send_response).
constexpr bool isRedirectStatus(int code)
{
    return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

struct HttpResponseHead;

// The head of nginx's `return code text` (Location for a redirect status,
// with nginx's HTML page for it as the body; else `text` as the body, which
// *body receives; Connection: close). `tokens`: the page's footer.
HttpResponseHead returnResponseHead(int code, const QByteArray &text, ServerTokens tokens, QByteArray *body);

// The whole HTTP response of nginx's `return code [text|URL]` (status line,
// headers and body; Connection: close). Empty for 444: close without one.
QByteArray returnResponse(int code, const ValueTemplate &text, const RequestContext &context);
