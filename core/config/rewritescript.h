#pragma once

#include "config/confdiagnostic.h"
#include "http/returnresponse.h"
#include "http/variables.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QRegularExpression>

#include <vector>

// The rewrite module's directives as the compiler leaves them: per server
// and per location, the statements in file order (nginx compiles them into
// one code array per level, ngx_http_rewrite_module.c; here each statement
// is one RewriteOp and an `if` keeps its body). The router runs them
// (core/proxy/rewriteengine.h).

// `return code [text]` / `return code URL` / `return URL`.
struct ReturnAction
{
    int code = 0; // 0: no return configured
    ValueTemplate text; // body text, or the Location URL for 301/302/303/307/308
    ConfLocation at;

    bool isSet() const { return code != 0; }
    bool isRedirect() const { return isRedirectStatus(code); }
};

// A regex of `rewrite`, `if (… ~ …)` or a regex location, with the
// variables its named captures set (ngx_http_regex_compile: every
// "(?<name>…)" is a variable).
struct CaptureRegex
{
    QRegularExpression regex;
    QList<QPair<int, int>> named; // capture group -> user variable index (ValueTemplate::Variable::User)

    bool isSet() const { return !regex.pattern().isEmpty(); }
    // Matches `subject`; on success $1..$9 and the named captures of
    // `context` are the match's (ngx_http_regex_exec).
    bool matchInto(QByteArrayView subject, RequestContext &context) const;
};

// The condition of an `if` (ngx_http_rewrite_if_condition).
struct RewriteCondition
{
    enum class Kind : quint8 {
        Value,    // ($var): true unless empty or "0"
        Equal,    // ($var = text)
        NotEqual, // ($var != text)
        Match,    // ($var ~ re), ~* (caseless)
        NoMatch,  // ($var !~ re), !~*
        File,     // (-f path), -d, -e, -x and their "!" forms
    };
    enum class FileTest : quint8 { Plain, Directory, Exists, Executable };

    Kind kind = Kind::Value;
    ValueTemplate subject; // the variable, or the file name
    ValueTemplate operand; // the text compared with = / !=
    CaptureRegex regex;
    FileTest fileTest = FileTest::Plain;
    bool negated = false; // !-f and friends
};

struct RewriteOp
{
    enum class Kind : quint8 { Return, Rewrite, Set, Break, If };
    // rewrite's flag (none: the script goes on with the new URI).
    enum class Flag : quint8 { None, Last, Break, Redirect, Permanent };

    Kind kind = Kind::Return;
    ConfLocation at;

    ReturnAction ret; // Return

    // Rewrite: the regex runs on $uri; the replacement is split at its
    // first literal "?" (nginx's compile_args) into the new URI and the
    // new arguments.
    CaptureRegex regex;
    QByteArray pattern;        // as written, for rewrite_log
    ValueTemplate replacement; // the URI part (the whole URL for a redirect)
    ValueTemplate newArgs;     // after "?" (hasArgs)
    bool hasArgs = false;
    bool addArgs = true;       // false when the replacement ends in "?"
    bool redirect = false;     // redirect/permanent, or a replacement starting http://, https://, $scheme
    Flag flag = Flag::None;

    // Set: `set $name value`; the value is `replacement`.
    int variable = -1; // user variable index; SetArgs for `set $args`
    static constexpr int SetArgs = -2;
    static constexpr int SetLimitRate = -3; // `set $limit_rate`: a size, ignored (logged) when invalid

    // If: the condition and its body; in a location the body's settings
    // are an implicit location (LocationConfig::ifBlocks[block]).
    RewriteCondition condition;
    int block = -1;
    std::vector<RewriteOp> body;

    // True when the statement ends the script when it applies (last,
    // break, redirect, permanent).
    bool stops() const { return flag != Flag::None || redirect; }
};

using RewriteScript = std::vector<RewriteOp>;
