#include "config/compiler.h"

// The directives that shape what a location answers itself and how the
// client side behaves (ngx_http_headers_module, the response parts of
// ngx_http_core_module): their table entries and handlers.

namespace ConfigCompilerImpl {

// add_header NAME VALUE [always]: a level that sets any inherits none
// (ngx_http_headers_merge_conf keeps the parent's list only when the
// child has none).
void Compiler::handleAddHeader(const ConfDirective &d, Ctx, Scope &scope)
{
    QList<AddHeader> &list = scope.values.headersFilter.headers;
    if (!scope.addHeadersSetHere) {
        scope.addHeadersSetHere = true;
        list.clear();
    }
    const QByteArray name = d.argText(0);
    const QByteArray value = d.argText(1);
    if (!isToken(name)) {
        error(d.args.at(0).location, u"invalid header name \"%1\" in \"add_header\" directive"_s.arg(text(name)));
        return;
    }
    if (value.contains('\0')) {
        error(d.args.at(1).location, u"a header value may not contain NUL (in \"add_header\" directive)"_s);
        return;
    }
    // A line break written into the value ("\n" in quotes) goes out as
    // written, as nginx sends it: the header line ends there. Variables'
    // values never break a line (their CR and LF become spaces).
    if (hasLineBreakOrNul(value))
        warning(d.args.at(1).location,
                u"the value of \"add_header %1\" contains a line break: it is sent as written, as nginx does"_s.arg(
                    text(name)));
    bool always = false;
    if (d.argCount() == 3) {
        if (d.argText(2) != "always") {
            error(d.args.at(2).location, u"invalid parameter \"%1\""_s.arg(text(d.argText(2))));
            return;
        }
        always = true;
    }
    if (auto t = compileTemplate(value, d.args.at(1).location))
        list.append(AddHeader{name, std::move(*t), always});
}

// expires [modified] TIME|epoch|max|off, or a variable read per request
// (ngx_http_headers_expires).
void Compiler::handleExpires(const ConfDirective &d, Ctx, Scope &scope)
{
    ExpiresSetting::Kind kind = ExpiresSetting::Kind::Access;
    int n = 0;
    if (d.argCount() == 2) {
        if (d.argText(0) != "modified") {
            error(d.args.at(0).location, u"invalid value \"%1\" in \"expires\" directive"_s.arg(text(d.argText(0))));
            return;
        }
        kind = ExpiresSetting::Kind::Modified;
        n = 1;
    }
    const ConfArg &arg = d.args.at(n);
    ExpiresSetting &out = scope.values.headersFilter.expires;
    if (arg.text.contains('$')) {
        const std::optional<ValueTemplate> t = compileTemplate(arg.text, arg.location);
        if (!t)
            return;
        out = ExpiresSetting{kind, 0, *t};
        return;
    }
    const char *why = nullptr;
    const std::optional<ExpiresSetting> e = parseExpires(arg.text, kind, &why);
    if (!e) {
        error(arg.location, u"%1 in \"expires\" directive"_s.arg(QLatin1String(why)));
        return;
    }
    out = *e;
}

// server_tokens on|off|build (ngx_http_core_server_tokens).
void Compiler::handleServerTokens(const ConfDirective &d, Ctx, Scope &scope)
{
    const QByteArray word = d.argText(0).toLower();
    if (word == "on")
        scope.values.serverTokens = ServerTokens::On;
    else if (word == "off")
        scope.values.serverTokens = ServerTokens::Off;
    else if (word == "build")
        scope.values.serverTokens = ServerTokens::Build;
    else
        error(d.args.at(0).location,
              u"invalid value \"%1\" in \"server_tokens\" directive, it must be \"on\", \"off\" or \"build\""_s.arg(
                  text(d.argText(0))));
}

// client_max_body_size SIZE (ngx_conf_set_off_slot: k, m, g; 0 disables).
void Compiler::handleClientMaxBodySize(const ConfDirective &d, Ctx, Scope &scope)
{
    if (const std::optional<qint64> size = ConfUnits::parseOffset(d.argText(0)))
        scope.values.clientMaxBodySize = *size;
    else
        error(d.args.at(0).location,
              u"invalid value \"%1\" in \"client_max_body_size\" directive"_s.arg(text(d.argText(0))));
}

// proxy_hide_header NAME, proxy_pass_header NAME (ngx_conf_set_str_array_slot:
// a level with any replaces the inherited list) and proxy_ignore_headers
// NAME... (ngx_conf_set_bitmask_slot over ngx_http_upstream_ignore_headers_masks).
void Compiler::handleUpstreamHeaders(const ConfDirective &d, Ctx, Scope &scope)
{
    LocationSettings &out = scope.values;
    if (d.name == "proxy_ignore_headers") {
        static const std::pair<const char *, quint16> masks[] = {
            {"X-Accel-Redirect", LocationSettings::IgnoreXAccelRedirect},
            {"X-Accel-Expires", LocationSettings::IgnoreXAccelExpires},
            {"X-Accel-Limit-Rate", LocationSettings::IgnoreXAccelLimitRate},
            {"X-Accel-Buffering", LocationSettings::IgnoreXAccelBuffering},
            {"X-Accel-Charset", LocationSettings::IgnoreXAccelCharset},
            {"Expires", LocationSettings::IgnoreExpires},
            {"Cache-Control", LocationSettings::IgnoreCacheControl},
            {"Set-Cookie", LocationSettings::IgnoreSetCookie},
            {"Vary", LocationSettings::IgnoreVary},
        };
        quint16 mask = 0;
        for (const ConfArg &a : d.args) {
            const auto *found = std::find_if(std::begin(masks), std::end(masks), [&a](const auto &m) {
                return a.text.compare(m.first, Qt::CaseInsensitive) == 0;
            });
            if (found == std::end(masks)) {
                error(a.location, u"invalid value \"%1\""_s.arg(text(a.text)));
                return;
            }
            mask |= found->second;
        }
        // Several at one level add up; a level's own replace the inherited.
        out.ignoreHeaders = scope.ignoreHeadersSetHere ? quint16(out.ignoreHeaders | mask) : mask;
        scope.ignoreHeadersSetHere = true;
        return;
    }
    const bool hide = d.name == "proxy_hide_header";
    bool &setHere = hide ? scope.hideHeadersSetHere : scope.passHeadersSetHere;
    QList<QByteArray> &list = hide ? out.hideHeaders : out.passHeaders;
    if (!setHere) {
        setHere = true;
        list.clear();
    }
    list.append(d.argText(0));
}

// types { TYPE EXT...; } (ngx_http_core_types: a second block at one level
// adds to the first, a later extension replaces an earlier one with a
// warning) and default_type TYPE.
void Compiler::handleTypes(const ConfDirective &d, Ctx, Scope &scope)
{
    if (d.name == "default_type") {
        scope.values.defaultType = d.argText(0);
        return;
    }
    auto types = std::make_shared<QHash<QByteArray, QByteArray>>();
    if (scope.typesSetHere && scope.values.types.map)
        *types = *scope.values.types.map;
    scope.typesSetHere = true;
    for (const ConfDirective &t : d.children) {
        if (t.hasBlock) {
            error(t.location, u"unexpected \"{\""_s);
            return;
        }
        for (const ConfArg &a : t.args) {
            const QByteArray exten = a.text.toLower();
            const auto previous = types->constFind(exten);
            if (previous != types->cend() && *previous != t.name)
                warning(a.location, u"duplicate extension \"%1\", content type: \"%2\", previous content type: \"%3\""_s
                                        .arg(text(a.text), text(t.name), text(*previous)));
            types->insert(exten, t.name);
        }
    }
    scope.values.types.map = std::move(types);
}

// proxy_set_body VALUE and proxy_method METHOD (variables allowed).
void Compiler::handleSetBody(const ConfDirective &d, Ctx, Scope &scope)
{
    if (std::optional<ValueTemplate> value = compileTemplate(d.argText(0), d.args.at(0).location))
        (d.name == "proxy_method" ? scope.values.proxyMethod : scope.values.setBody) = std::move(*value);
}

// The response and client-side directives, in listing order.
std::vector<Command> responseCommands()
{
    using C = Compiler;
    constexpr quint8 Levels = contextBit(Ctx::Http) | contextBit(Ctx::Server) | contextBit(Ctx::Location);
    return {
        {.name = "add_header", .contexts = Levels, .minArgs = 2, .maxArgs = 3, .inherited = true,
         .handler = &C::handleAddHeader},
        {.name = "expires", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handleExpires},
        {.name = "server_tokens", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleServerTokens},
        {.name = "absolute_redirect", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::absoluteRedirect},
        {.name = "server_name_in_redirect", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::serverNameInRedirect},
        {.name = "port_in_redirect", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &LocationSettings::portInRedirect},
        {.name = "client_max_body_size", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleClientMaxBodySize},
        // the Content-Type of what a location answers itself
        {.name = "types", .contexts = Levels, .block = true, .inherited = true, .handler = &C::handleTypes},
        {.name = "default_type", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleTypes},
        // the upstream's response headers (ngx_http_upstream_hide_headers_hash)
        {.name = "proxy_hide_header", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleUpstreamHeaders},
        {.name = "proxy_pass_header", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleUpstreamHeaders},
        {.name = "proxy_ignore_headers", .contexts = Levels, .minArgs = 1, .maxArgs = 64, .inherited = true,
         .handler = &C::handleUpstreamHeaders},
    };
}

} // namespace ConfigCompilerImpl
