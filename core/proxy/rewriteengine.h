#pragma once

#include "config/proxyconfig.h"
#include "http/variables.h"

#include <QByteArray>
#include <QList>

// A line the routing wants in the error log (rewrite_log notices, the
// rewrite cycle error, uninitialized variables), kept with the route
// so that routing stays a pure function; the session logs them.
struct RouteNote
{
    enum class Level : quint8 { Notice, Warning, Error };
    Level level = Level::Notice;
    QByteArray text;
};

// What the rewrite statements change of a request (nginx's r->uri,
// r->args, r->loc_conf and their flags).
struct RewriteState
{
    RequestContext *context = nullptr;       // $uri, $args, captures, `set` variables
    const LocationConfig *conf = nullptr;    // r->loc_conf: the location, or one of its `if` blocks
    bool uriChanged = false;     // r->uri_changed: find the location again after this phase
    bool validLocation = true;   // r->valid_location: false after `break` with a new URI
    bool internal = false;       // r->internal: the URI is no longer the request line's
    bool proxyHandler = false;   // r->content_handler is proxy_pass (sticky across `if` blocks)
    bool quotedUri = false;      // the request line's path had a "%" escape or "+" (r->quoted_uri, plus_in_uri)
    bool log = false;            // rewrite_log of the level running
    bool warnUninitialized = true;
    const QList<QByteArray> *variableNames = nullptr;
    QList<RouteNote> *notes = nullptr;
};

// How a script ended (ngx_http_rewrite_handler's e->status).
struct ScriptOutcome
{
    enum class Kind : quint8 {
        Declined, // ran to its end, or `break` / `last`: the phases go on
        Return,   // `return` (`ret`)
        Redirect, // rewrite … redirect|permanent, or to http://…: `status` with `location`
        Error,    // 500 (`message`): a zero-length rewritten URI
    };
    Kind kind = Kind::Declined;
    bool stopped = false; // no statement after this one runs (return, break, last, …)
    const ReturnAction *ret = nullptr;
    int status = 0;
    QByteArray location;
    QByteArray message;
};

// Runs `script` (a server's or a location's; `owner` is the location whose
// `if` blocks the statements name, nullptr at server level).
ScriptOutcome runRewriteScript(const RewriteScript &script, const LocationConfig *owner, RewriteState &state);

// The truth of an `if` condition now (ngx_http_script_if_code); a regex
// that matches sets the captures.
bool evaluateCondition(const RewriteCondition &condition, RewriteState &state);
