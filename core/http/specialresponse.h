#pragma once

#include "http/httpheaders.h"

#include <QByteArray>

#include <optional>

// The answers a server makes itself, as nginx makes them
// (ngx_http_special_response.c): its status lines, its HTML error pages
// with the server_tokens footer, and the Server header.

// The nginx release whose behaviour wsscope follows; what `server_tokens`
// shows in the Server header and the error pages' footer.
inline constexpr char NginxCompatibleVersion[] = "1.22.1";

// server_tokens on|off|build. nginx has no version to hide behind "off" but
// its name; wsscope says the same ("nginx"), so that a client or scanner
// sees no more than nginx would show. "on" (the default) says
// "nginx/1.22.1 (wsscope X.Y.Z)": the nginx release it behaves like, then
// what it is. "build" is "on" (wsscope has no build name).
enum class ServerTokens : quint8 { On, Off, Build };

// The Server header's value (also the error page's footer).
QByteArray serverSoftware(ServerTokens tokens);

// nginx's reason phrase for a status it answers itself ("413 Request Entity
// Too Large", "405 Not Allowed"); the RFC phrase for the others.
QByteArray nginxReasonPhrase(int status);

// nginx's internal statuses 494 (request header too large), 495, 496, 497
// (TLS) go out as 400 with their own page; every other status as itself.
int statusOnTheWire(int status);

// Whether nginx has an error page for `status` (3xx redirects, 4xx, 5xx).
bool hasSpecialPage(int status);

// The HTML page nginx sends for `status` (ngx_http_error_pages, with the
// tail ngx_http_error_tail / _full_tail / _build_tail); empty when there is
// none. `detail`, when not empty, is wsscope's one line of why, kept as an
// HTML comment before the tail.
QByteArray specialPageBody(int status, ServerTokens tokens, QByteArrayView detail = {});

// RFC 9110 5.6.7 IMF-fixdate of a Unix time ("Sun, 06 Nov 1994 08:49:37 GMT").
QByteArray httpDate(qint64 unixSeconds);
// The Unix time of an IMF-fixdate (also RFC 850 and asctime forms, as
// ngx_parse_http_time); nullopt when it is none of them.
std::optional<qint64> parseHttpDate(QByteArrayView text);
