#include "config/compiler.h"

// What a request falls back on: error_page, recursive_error_pages,
// proxy_intercept_errors, try_files and internal (ngx_http_core_module,
// ngx_http_try_files_module, ngx_http_upstream's intercept_errors): their
// table entries and handlers. Session::respondError and the router act on them.

namespace ConfigCompilerImpl {

namespace {

// ngx_atoi: digits only, no sign.
int statusNumber(QByteArrayView word)
{
    if (word.isEmpty() || word.size() > 9)
        return -1;
    int n = 0;
    for (const char c : word) {
        if (c < '0' || c > '9')
            return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}

} // namespace

// error_page CODE... [=[RESPONSE]] URI (ngx_http_core_error_page): a level
// that sets any inherits none of the enclosing level's.
void Compiler::handleErrorPage(const ConfDirective &d, Ctx, Scope &scope)
{
    QList<ErrorPage> &list = scope.values.errorPages;
    if (!scope.errorPagesSetHere) {
        scope.errorPagesSetHere = true;
        list.clear();
    }
    const qsizetype last = d.argCount() - 1;
    int overwrite = -1;
    qsizetype codes = last; // the codes are the arguments before this index
    const ConfArg &response = d.args.at(last - 1);
    if (response.text.startsWith('=')) {
        if (last - 1 == 0) {
            error(response.location, u"invalid value \"%1\""_s.arg(text(response.text)));
            return;
        }
        overwrite = response.text.size() > 1 ? statusNumber(QByteArrayView(response.text).sliced(1)) : 0;
        if (overwrite < 0) {
            error(response.location, u"invalid value \"%1\""_s.arg(text(response.text)));
            return;
        }
        codes = last - 1;
    }
    const ConfArg &uriArg = d.args.at(last);
    std::optional<ValueTemplate> uri = compileTemplate(uriArg.text, uriArg.location);
    if (!uri)
        return;
    QByteArray args;
    if (uri->isConstant() && uriArg.text.startsWith('/') && uriArg.text.contains('?')) {
        const qsizetype q = uriArg.text.indexOf('?');
        args = uriArg.text.mid(q + 1);
        uri = ValueTemplate::literal(uriArg.text.left(q));
    }
    for (qsizetype i = 0; i < codes; ++i) {
        const ConfArg &a = d.args.at(i);
        const int status = statusNumber(a.text);
        if (status < 0 || status == 499) {
            error(a.location, u"invalid value \"%1\""_s.arg(text(a.text)));
            return;
        }
        if (status < 300 || status > 599) {
            error(a.location, u"value \"%1\" must be between 300 and 599"_s.arg(text(a.text)));
            return;
        }
        ErrorPage page{status, overwrite, *uri, args, d.location};
        // nginx's own codes 494-497 are answered as 400 unless "=" says otherwise.
        if (overwrite == -1 && status >= 494 && status <= 497)
            page.overwrite = 400;
        list.append(std::move(page));
    }
}

// try_files FILE... URI|=CODE|@NAME (ngx_http_try_files) and internal
// (ngx_http_core_internal): a location's own, never inherited. A server's
// try_files is its null location's (requests no location matches).
bool Compiler::compileFallback(const ConfDirective &c, LocationConfig &loc, Ctx ctx)
{
    if (c.name == "internal" && ctx == Ctx::Location) {
        if (!checkArgs(c, Ctx::Location))
            return true;
        if (loc.internal)
            error(c.location, u"\"internal\" directive is duplicate"_s);
        loc.internal = true;
        return true;
    }
    if (c.name != "try_files" || !findCommand("try_files"))
        return false;
    if (!checkArgs(c, ctx))
        return true;
    if (loc.tryFiles.isSet()) {
        error(c.location, u"\"try_files\" directive is duplicate"_s);
        return true;
    }
    TryFiles tf;
    tf.at = c.location;
    const qsizetype last = c.argCount() - 1;
    for (qsizetype i = 0; i < last; ++i) {
        std::optional<ValueTemplate> t = compileTemplate(c.argText(i), c.args.at(i).location);
        if (!t)
            return true;
        tf.files.append(std::move(*t));
    }
    const ConfArg &fallback = c.args.at(last);
    if (fallback.text.startsWith('=')) {
        const int code = statusNumber(QByteArrayView(fallback.text).sliced(1));
        if (code < 0 || code > 999) {
            error(fallback.location, u"invalid code \"%1\""_s.arg(text(fallback.text)));
            return true;
        }
        tf.code = code;
    } else if (std::optional<ValueTemplate> t = compileTemplate(fallback.text, fallback.location)) {
        tf.fallback = std::move(*t);
    } else {
        return true;
    }
    loc.tryFiles = std::move(tf);
    return true;
}

// The fallback directives, in listing order.
std::vector<Command> errorPageCommands()
{
    using C = Compiler;
    using S = LocationSettings;
    constexpr quint8 Location = contextBit(Ctx::Location);
    constexpr quint8 Levels = contextBit(Ctx::Http) | contextBit(Ctx::Server) | Location;
    return {
        {.name = "error_page", .contexts = Levels | contextBit(Ctx::LocationIf), .minArgs = 2, .maxArgs = 64,
         .inherited = true, .handler = &C::handleErrorPage},
        {.name = "recursive_error_pages", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &S::recursiveErrorPages},
        {.name = "proxy_intercept_errors", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &S::interceptErrors},
        // a location's own (compileFallback)
        {.name = "internal", .contexts = Location},
        {.name = "try_files", .contexts = Location | contextBit(Ctx::Server), .minArgs = 2, .maxArgs = 64},
    };
}

} // namespace ConfigCompilerImpl
