#include "rewriteengine.h"

#include "config/confunits.h"

#include <sys/stat.h>

namespace {

void note(RewriteState &state, RouteNote::Level level, QByteArray text)
{
    if (state.notes)
        state.notes->append(RouteNote{level, std::move(text)});
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = char(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// ngx_unescape_uri(NGX_UNESCAPE_REDIRECT) over a redirect's URL: escapes
// of printable characters above "%" are decoded, the others kept, and
// nothing after the first "?" is touched.
QByteArray unescapeRedirect(const QByteArray &in)
{
    QByteArray out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] == '?') {
            out += in.mid(i);
            break;
        }
        if (in[i] == '%' && i + 2 < in.size() && hexDigit(in[i + 1]) >= 0 && hexDigit(in[i + 2]) >= 0) {
            const char ch = char(hexDigit(in[i + 1]) * 16 + hexDigit(in[i + 2]));
            if (ch == '?') {
                out += ch;
                out += in.mid(i + 3);
                break;
            }
            if (ch > '%' && ch < 0x7f) {
                out += ch;
                i += 2;
                continue;
            }
        }
        out += in[i];
    }
    return out;
}

bool fileTest(const QByteArray &path, RewriteCondition::FileTest test)
{
    // ngx_http_script_file_code: stat() follows links; -x is the owner's
    // execute bit (a directory has it).
    struct stat st;
    if (path.isEmpty() || ::stat(path.constData(), &st) != 0)
        return false;
    switch (test) {
    case RewriteCondition::FileTest::Plain:
        return S_ISREG(st.st_mode);
    case RewriteCondition::FileTest::Directory:
        return S_ISDIR(st.st_mode);
    case RewriteCondition::FileTest::Exists:
        return true;
    case RewriteCondition::FileTest::Executable:
        return (st.st_mode & S_IXUSR) != 0;
    }
    return false;
}

void warnUninitialized(const ValueTemplate &t, RewriteState &state)
{
    if (!state.warnUninitialized || !state.variableNames)
        return;
    for (int index : t.userVariables()) {
        if (state.context->userValues.value(index).isNull()
            && !ValueTemplate::lookupVariable(state.variableNames->value(index)))
            note(state, RouteNote::Level::Warning,
                 "using uninitialized \"" + state.variableNames->value(index) + "\" variable");
    }
}

QByteArray expand(const ValueTemplate &t, RewriteState &state, bool escapeCaptures = false)
{
    warnUninitialized(t, state);
    QByteArray out = t.expandRewrite(*state.context, escapeCaptures);
    if (out.isNull())
        out = QByteArray(""); // set, and empty
    return out;
}

// rewrite REGEX REPLACEMENT [flag] (ngx_http_script_regex_start_code and
// _end_code). True when the regex matched.
bool runRewrite(const RewriteOp &op, RewriteState &state, ScriptOutcome *outcome)
{
    RequestContext &ctx = *state.context;
    const QByteArray uri = ctx.uri;
    if (!op.regex.matchInto(uri, ctx)) {
        ctx.captures.clear();
        if (state.log)
            note(state, RouteNote::Level::Notice, '"' + op.pattern + "\" does not match \"" + uri + '"');
        return false;
    }
    if (state.log)
        note(state, RouteNote::Level::Notice, '"' + op.pattern + "\" matches \"" + uri + '"');
    const QByteArray args = currentArgs(ctx);
    if (op.redirect) {
        // Captures are escaped as arguments when the request was (e->quote).
        QByteArray url = unescapeRedirect(expand(op.replacement, state, state.quotedUri));
        if (op.addArgs && !args.isEmpty())
            url += (op.replacement.source().contains('?') ? '&' : '?') + args;
        if (state.log)
            note(state, RouteNote::Level::Notice, "rewritten redirect: \"" + url + '"');
        outcome->kind = ScriptOutcome::Kind::Redirect;
        outcome->status = op.flag == RewriteOp::Flag::Permanent ? 301 : 302;
        outcome->location = url;
        return true;
    }
    state.internal = true;
    if (op.flag == RewriteOp::Flag::Break) {
        state.validLocation = false;
        state.uriChanged = false;
    } else {
        state.uriChanged = true;
    }
    const QByteArray newUri = expand(op.replacement, state);
    if (op.hasArgs) {
        QByteArray newArgs = expand(op.newArgs, state, state.quotedUri);
        if (op.addArgs && !args.isEmpty())
            newArgs += '&' + args;
        ctx.args = newArgs;
        ctx.argsChanged = true;
    } else if (!op.addArgs) {
        ctx.args = QByteArray("");
        ctx.argsChanged = true;
    }
    if (state.log)
        note(state, RouteNote::Level::Notice,
             "rewritten data: \"" + newUri + "\", args: \"" + currentArgs(ctx) + '"');
    if (newUri.isEmpty()) {
        outcome->kind = ScriptOutcome::Kind::Error;
        outcome->message = "the rewritten URI has a zero length";
        return true;
    }
    ctx.uri = newUri;
    return true;
}

void runSet(const RewriteOp &op, RewriteState &state)
{
    RequestContext &ctx = *state.context;
    QByteArray value = expand(op.replacement, state);
    if (op.variable == RewriteOp::SetArgs) {
        ctx.args = std::move(value);
        ctx.argsChanged = true;
        return;
    }
    if (op.variable == RewriteOp::SetLimitRate) {
        // ngx_http_variable_set_limit_rate: a size, else an error logged and the rate kept.
        if (const std::optional<qint64> rate = ConfUnits::parseSize(value)) {
            ctx.limitRate = *rate;
            ctx.limitRateSet = true;
        } else {
            note(state, RouteNote::Level::Error, "invalid $limit_rate \"" + value + '"');
        }
        return;
    }
    if (ctx.userValues.size() <= op.variable)
        ctx.userValues.resize(op.variable + 1);
    // Set, even to nothing: not null (null is "not set in this request").
    ctx.userValues[op.variable] = value.isNull() ? QByteArray("") : std::move(value);
}

} // namespace

bool evaluateCondition(const RewriteCondition &c, RewriteState &state)
{
    using K = RewriteCondition::Kind;
    const QByteArray subject = expand(c.subject, state);
    switch (c.kind) {
    case K::Value:
        return !subject.isEmpty() && subject != "0";
    case K::Equal:
        return subject == expand(c.operand, state);
    case K::NotEqual:
        return subject != expand(c.operand, state);
    case K::Match:
    case K::NoMatch: {
        const bool matched = c.regex.matchInto(subject, *state.context);
        if (!matched)
            state.context->captures.clear();
        return matched == (c.kind == K::Match);
    }
    case K::File:
        return fileTest(subject, c.fileTest) != c.negated;
    }
    return false;
}

ScriptOutcome runRewriteScript(const RewriteScript &script, const LocationConfig *owner, RewriteState &state)
{
    ScriptOutcome outcome;
    for (const RewriteOp &op : script) {
        switch (op.kind) {
        case RewriteOp::Kind::Return:
            warnUninitialized(op.ret.text, state); // the router expands the text
            outcome.kind = ScriptOutcome::Kind::Return;
            outcome.ret = &op.ret;
            outcome.stopped = true;
            return outcome;
        case RewriteOp::Kind::Rewrite:
            if (runRewrite(op, state, &outcome) && (op.stops() || outcome.kind != ScriptOutcome::Kind::Declined)) {
                outcome.stopped = true;
                return outcome;
            }
            break;
        case RewriteOp::Kind::Set:
            runSet(op, state);
            break;
        case RewriteOp::Kind::Break:
            // ngx_http_script_break_code
            if (state.uriChanged) {
                state.validLocation = false;
                state.uriChanged = false;
            }
            outcome.stopped = true;
            return outcome;
        case RewriteOp::Kind::If: {
            if (!evaluateCondition(op.condition, state))
                break;
            if (owner && op.block >= 0) {
                // ngx_http_update_location_config: the block's settings from
                // now on; its own proxy_pass makes proxying the content.
                state.conf = &owner->ifBlocks[size_t(op.block)];
                state.proxyHandler = state.proxyHandler || state.conf->proxyHandler;
            }
            // The body runs, then the statements after the `if` (nginx
            // compiles both into one code array).
            ScriptOutcome inner = runRewriteScript(op.body, nullptr, state);
            if (inner.stopped || inner.kind != ScriptOutcome::Kind::Declined)
                return inner;
            break;
        }
        }
    }
    return outcome;
}
