#include "config/compiler.h"

// nginx's rewrite module (ngx_http_rewrite_module.c) as statements: each
// level keeps its own in order; the router runs them (rewriteengine).

namespace ConfigCompilerImpl {

// ---------------------------------------------------------------- user variables

// nginx's variables are global and may be used before the `set` that
// makes them (ngx_http_variables_init_vars runs after the whole file):
// every `set $name` and every named capture of a rewrite, `if` or
// location regex is known before any value is compiled.
void Compiler::declareUserVariables(const QList<const ConfDirective *> &body)
{
    for (const ConfDirective *d : body)
        declareUserVariablesIn(*d);
}

void Compiler::declareUserVariablesIn(const ConfDirective &d)
{
    auto declare = [this](const QByteArray &name) {
        if (!name.isEmpty() && !m_userVariables.contains(name)) {
            m_userVariables.insert(name, int(m_config->userVariables.size()));
            m_config->userVariables.append(name);
        }
    };
    if (d.name == "set" && d.argCount() == 2 && d.argText(0).startsWith('$')) {
        const QByteArray name = d.argText(0).mid(1);
        // $args and $limit_rate are the request's own; a map's or a built-in's is refused by compileSet.
        if (name != "args" && name != "limit_rate")
            declare(name);
    } else if (d.name == "rewrite" && d.argCount() >= 2) {
        declareNamedCaptures(d.argText(0));
    } else if (d.name == "if" && d.argCount() >= 3) {
        QByteArray pattern = d.argText(d.argCount() - 1);
        if (pattern == ")" && d.argCount() >= 4)
            pattern = d.argText(d.argCount() - 2);
        else if (pattern.endsWith(')'))
            pattern.chop(1);
        declareNamedCaptures(pattern);
    } else if (d.name == "location" && d.argCount() >= 1) {
        declareNamedCaptures(d.argText(d.argCount() - 1));
    } else if (d.name == "server_name") {
        for (const ConfArg &a : d.args) {
            if (a.text.startsWith('~'))
                declareNamedCaptures(a.text.mid(1));
        }
    }
    for (const ConfDirective &c : d.children)
        declareUserVariablesIn(c);
}

void Compiler::declareNamedCaptures(const QByteArray &pattern)
{
    if (!pattern.contains("(?"))
        return;
    const QRegularExpression re(QString::fromUtf8(pattern));
    for (const QString &name : re.namedCaptureGroups()) {
        const QByteArray n = name.toUtf8();
        if (!n.isEmpty() && !m_userVariables.contains(n)) {
            m_userVariables.insert(n, int(m_config->userVariables.size()));
            m_config->userVariables.append(n);
        }
    }
}

QList<QPair<int, int>> Compiler::namedCaptures(const QRegularExpression &re) const
{
    QList<QPair<int, int>> out;
    const QStringList names = re.namedCaptureGroups();
    for (int group = 1; group < names.size(); ++group) {
        const int index = names.at(group).isEmpty() ? -1 : userVariable(names.at(group).toUtf8());
        if (index >= 0)
            out.append({group, index});
    }
    return out;
}

// ---------------------------------------------------------------- statements

bool Compiler::isRewriteStatement(QByteArrayView name)
{
    return name == "return" || name == "rewrite" || name == "set" || name == "break" || name == "if";
}

void Compiler::rewriteStatement(const ConfDirective &c, Ctx ctx, RewriteScript &script)
{
    if (!findCommand(c.name, ctx)) {
        unhandled(c);
        return;
    }
    if (c.name == "return") {
        RewriteOp op;
        op.kind = RewriteOp::Kind::Return;
        op.at = c.location;
        compileReturn(c, &op.ret);
        if (op.ret.isSet())
            script.push_back(std::move(op));
    } else if (c.name == "rewrite") {
        if (checkArgs(c, ctx))
            compileRewrite(c, script);
    } else if (c.name == "set") {
        if (checkArgs(c, ctx))
            compileSet(c, script);
    } else if (c.name == "break") {
        if (checkArgs(c, ctx)) {
            RewriteOp op;
            op.kind = RewriteOp::Kind::Break;
            op.at = c.location;
            script.push_back(std::move(op));
        }
    } else if (checkArgs(c, ctx)) { // if
        RewriteOp op;
        op.kind = RewriteOp::Kind::If;
        op.at = c.location;
        if (!compileCondition(c, &op.condition))
            return;
        if (ctx == Ctx::Server)
            compileServerIf(c, op);
        script.push_back(std::move(op)); // a location's block: compileIfBlocks
    }
}

bool Compiler::compileRegex(const QByteArray &pattern, bool caseless, const ConfLocation &at, CaptureRegex *out)
{
    out->regex = QRegularExpression(QString::fromUtf8(pattern), caseless ? QRegularExpression::CaseInsensitiveOption
                                                                         : QRegularExpression::NoPatternOption);
    if (!out->regex.isValid()) {
        error(at, u"invalid regex \"%1\": %2 at offset %3"_s.arg(text(pattern), out->regex.errorString())
                      .arg(out->regex.patternErrorOffset()));
        return false;
    }
    out->regex.optimize();
    out->named = namedCaptures(out->regex);
    return true;
}

// rewrite REGEX REPLACEMENT [last|break|redirect|permanent]
// (ngx_http_rewrite): a replacement starting with http://, https:// or
// $scheme redirects; a last "?" drops the request's arguments.
void Compiler::compileRewrite(const ConfDirective &c, RewriteScript &script)
{
    RewriteOp op;
    op.kind = RewriteOp::Kind::Rewrite;
    op.at = c.location;
    op.pattern = c.argText(0);
    QByteArray replacement = c.argText(1);
    if (replacement.isEmpty()) {
        error(c.args.at(1).location, u"empty replacement"_s);
        return;
    }
    if (!compileRegex(op.pattern, false, c.args.at(0).location, &op.regex))
        return;
    if (replacement.endsWith('?')) {
        replacement.chop(1);
        op.addArgs = false;
    }
    op.redirect = replacement.startsWith("http://") || replacement.startsWith("https://")
        || replacement.startsWith("$scheme");
    if (c.argCount() == 3) {
        static const QHash<QByteArray, RewriteOp::Flag> flags = {
            {"last", RewriteOp::Flag::Last}, {"break", RewriteOp::Flag::Break},
            {"redirect", RewriteOp::Flag::Redirect}, {"permanent", RewriteOp::Flag::Permanent}};
        const auto it = flags.constFind(c.argText(2));
        if (it == flags.constEnd()) {
            error(c.args.at(2).location, u"invalid parameter \"%1\""_s.arg(text(c.argText(2))));
            return;
        }
        op.flag = *it;
        op.redirect = op.redirect || op.flag == RewriteOp::Flag::Redirect || op.flag == RewriteOp::Flag::Permanent;
    }
    if (op.redirect && hasLineBreakOrNul(replacement)) {
        error(c.args.at(1).location, u"a redirect URL may not contain CR, LF or NUL"_s);
        return;
    }
    // A URI's arguments start at the first "?" (nginx's compile_args; a
    // redirect keeps its URL whole).
    const qsizetype q = op.redirect ? -1 : replacement.indexOf('?');
    std::optional<ValueTemplate> uri = compileTemplate(q < 0 ? replacement : replacement.left(q), c.args.at(1).location);
    if (!uri)
        return;
    op.replacement = std::move(*uri);
    if (q >= 0) {
        std::optional<ValueTemplate> args = compileTemplate(replacement.mid(q + 1), c.args.at(1).location);
        if (!args)
            return;
        op.newArgs = std::move(*args);
        op.hasArgs = true;
    }
    script.push_back(std::move(op));
}

// set $name value (ngx_http_rewrite_set): a variable of its own, or $args;
// a built-in one that is not prefixed ($http_*, $arg_*, $cookie_*) is
// nginx's "duplicate" error.
void Compiler::compileSet(const ConfDirective &c, RewriteScript &script)
{
    const QByteArray var = c.argText(0);
    if (!var.startsWith('$') || var.size() < 2) {
        error(c.args.at(0).location, u"invalid variable name \"%1\""_s.arg(text(var)));
        return;
    }
    const QByteArray name = var.mid(1);
    RewriteOp op;
    op.kind = RewriteOp::Kind::Set;
    op.at = c.location;
    if (name == "args") {
        op.variable = RewriteOp::SetArgs;
    } else if (name == "limit_rate") {
        op.variable = RewriteOp::SetLimitRate;
    } else {
        using V = ValueTemplate::Variable;
        const auto builtin = ValueTemplate::lookupVariable(name);
        const bool prefixed = builtin && (*builtin == V::HttpHeader || *builtin == V::Arg || *builtin == V::Cookie);
        if ((builtin && !prefixed) || m_maps.contains(name)) {
            error(c.args.at(0).location, u"the duplicate \"%1\" variable"_s.arg(text(name)));
            return;
        }
        op.variable = userVariable(name);
        Q_ASSERT(op.variable >= 0); // declared by declareUserVariables
    }
    std::optional<ValueTemplate> value = compileTemplate(c.argText(1), c.args.at(1).location);
    if (!value)
        return;
    op.replacement = std::move(*value);
    script.push_back(std::move(op));
}

// ngx_http_rewrite_if_condition: "(" and ")" may stand alone or stick to
// the first and last words; then `$var`, `$var OP value` or `-f path`.
bool Compiler::compileCondition(const ConfDirective &c, RewriteCondition *out)
{
    QList<QByteArray> words;
    for (const ConfArg &a : c.args)
        words.append(a.text);
    const ConfLocation &at = c.args.at(0).location;
    if (!words.constFirst().startsWith('(') || !words.constLast().endsWith(')')) {
        error(at, u"invalid condition \"%1\""_s.arg(text(words.constFirst().startsWith('(') ? words.constLast()
                                                                                        : words.constFirst())));
        return false;
    }
    words.first().remove(0, 1);
    words.last().chop(1);
    if (words.constFirst().isEmpty())
        words.removeFirst();
    if (!words.isEmpty() && words.constLast().isEmpty() && c.args.constLast().text == ")")
        words.removeLast();
    if (words.isEmpty()) {
        error(at, u"invalid condition \"%1\""_s.arg(text(c.argText(0))));
        return false;
    }
    const QByteArray &first = words.constFirst();
    using K = RewriteCondition::Kind;
    if (first.size() > 1 && first.startsWith('$')) {
        if (words.size() != 1 && words.size() != 3) {
            error(at, u"invalid condition \"%1\""_s.arg(text(first)));
            return false;
        }
        std::optional<ValueTemplate> subject = compileTemplate(first, at);
        if (!subject)
            return false;
        out->subject = std::move(*subject);
        if (words.size() == 1) {
            out->kind = K::Value;
            return true;
        }
        const QByteArray &op = words.at(1);
        if (op == "=" || op == "!=") {
            out->kind = op == "=" ? K::Equal : K::NotEqual;
            std::optional<ValueTemplate> operand = compileTemplate(words.at(2), c.args.constLast().location);
            if (!operand)
                return false;
            out->operand = std::move(*operand);
            return true;
        }
        if (op == "~" || op == "~*" || op == "!~" || op == "!~*") {
            out->kind = op.startsWith('!') ? K::NoMatch : K::Match;
            return compileRegex(words.at(2), op.endsWith('*'), c.args.constLast().location, &out->regex);
        }
        error(at, u"unexpected \"%1\" in condition"_s.arg(text(op)));
        return false;
    }
    static const QHash<QByteArray, RewriteCondition::FileTest> tests = {
        {"f", RewriteCondition::FileTest::Plain}, {"d", RewriteCondition::FileTest::Directory},
        {"e", RewriteCondition::FileTest::Exists}, {"x", RewriteCondition::FileTest::Executable}};
    const bool negated = first.startsWith("!-");
    const QByteArray letter = first.mid(negated ? 2 : 1);
    if ((first.startsWith('-') || negated) && tests.contains(letter)) {
        if (words.size() != 2) {
            error(at, u"invalid condition \"%1\""_s.arg(text(first)));
            return false;
        }
        std::optional<ValueTemplate> path = compileTemplate(words.at(1), c.args.constLast().location);
        if (!path)
            return false;
        out->kind = K::File;
        out->fileTest = tests.value(letter);
        out->negated = negated;
        out->subject = std::move(*path);
        return true;
    }
    error(at, u"invalid condition \"%1\""_s.arg(text(first)));
    return false;
}

// An `if` at server level has no location of its own (nginx's SIF: its
// if_code->loc_conf is NULL): only rewrite statements count in it.
void Compiler::compileServerIf(const ConfDirective &c, RewriteOp &op)
{
    Scope ignoredScope;
    for (const ConfDirective &s : c.children) {
        if (isRewriteStatement(s.name))
            rewriteStatement(s, Ctx::ServerIf, op.body);
        else if (!applyCommon(s, Ctx::ServerIf, ignoredScope))
            unhandled(s);
    }
}

void Compiler::compileIfBlocks(const ConfDirective &d, const Scope &scope, LocationConfig &loc)
{
    size_t next = 0;
    for (const ConfDirective &c : d.children) {
        if (c.name != "if" || !c.hasBlock)
            continue;
        // The statements of the location were compiled in order; the n-th
        // compiled `if` is the n-th If statement.
        while (next < loc.rewrite.size() && loc.rewrite[next].kind != RewriteOp::Kind::If)
            ++next;
        if (next >= loc.rewrite.size() || loc.rewrite[next].at != c.location)
            continue; // its condition was refused
        compileIfBlock(c, scope, loc, loc.rewrite[next]);
        ++next;
    }
}

LocationConfig Compiler::nonameBlock(const LocationConfig &loc, const ConfLocation &at)
{
    LocationConfig block;
    block.prefix = loc.prefix;
    block.match = loc.match;
    block.regex = loc.regex;
    block.aliasLength = loc.aliasLength;
    block.at = at;
    return block;
}

void Compiler::mergeNonameBlock(LocationConfig &block, const Scope &inner, const LocationConfig &loc)
{
    if (!block.proxyPass.isSet())
        block.proxyPass = loc.proxyPass;
    static_cast<LocationSettings &>(block) = inner.values;
    block.headers = withProxyDefaults(inner.userHeaders);
    block.headerShadows = inner.shadows;
}

// nginx's noname location of an `if` (ngx_http_rewrite_if): the
// location's settings merged into it, its proxy_pass inherited (with the
// location's name, which proxy_pass's URI part replaces).
void Compiler::compileIfBlock(const ConfDirective &c, const Scope &scope, LocationConfig &loc, RewriteOp &op)
{
    Scope inner = scope.inner();
    LocationConfig block = nonameBlock(loc, c.location);
    block.isIfBlock = true;
    for (const ConfDirective &s : c.children) {
        if (isRewriteStatement(s.name)) {
            rewriteStatement(s, Ctx::LocationIf, op.body);
        } else if (s.name == "proxy_pass") {
            if (checkArgs(s, Ctx::LocationIf)) {
                if (block.proxyPass.at.isValid())
                    error(s.location, u"\"proxy_pass\" directive is duplicate"_s);
                else
                    proxyPass(s, &block);
            }
        } else if (!applyCommon(s, Ctx::LocationIf, inner)) {
            unhandled(s);
        }
    }
    block.proxyHandler = block.proxyPass.isSet();
    mergeNonameBlock(block, inner, loc);
    op.block = int(loc.ifBlocks.size());
    loc.ifBlocks.push_back(std::move(block));
}

} // namespace ConfigCompilerImpl
