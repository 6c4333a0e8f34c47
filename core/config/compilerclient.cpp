#include "config/compiler.h"

// The client connection's directives of ngx_http_core_module: keep-alive
// (keepalive_timeout, keepalive_requests, keepalive_time, keepalive_disable)
// and the request head's buffers (client_header_buffer_size,
// large_client_header_buffers): their table entries and handlers.

namespace ConfigCompilerImpl {

// keepalive_timeout TIMEOUT [HEADER_TIMEOUT] (ngx_http_core_keepalive): the
// first is read as milliseconds, the second as seconds (ngx_parse_time's
// `is_sec`), for the "Keep-Alive: timeout=N" header. The two merge apart: a
// level that gives only the first keeps the header of the level above.
void Compiler::handleKeepaliveTimeout(const ConfDirective &d, Ctx, Scope &scope)
{
    const std::optional<qint64> ms = timeArg(d);
    if (!ms)
        return;
    if (d.argCount() == 2) {
        const std::optional<qint64> sec = ConfUnits::parseSec(d.argText(1));
        if (!sec) {
            error(d.args.at(1).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
            return;
        }
        scope.values.keepaliveHeaderSec = *sec;
    }
    scope.values.keepaliveTimeoutMs = *ms;
}

// keepalive_disable none|msie6|safari... (ngx_conf_set_bitmask_slot over
// ngx_http_core_keepalive_disable): "none" sets no browser.
void Compiler::handleKeepaliveDisable(const ConfDirective &d, Ctx, Scope &scope)
{
    quint8 mask = 0;
    for (const ConfArg &a : d.args) {
        if (a.text == "msie6") {
            mask |= LocationSettings::KeepaliveDisableMsie6;
        } else if (a.text == "safari") {
            mask |= LocationSettings::KeepaliveDisableSafari;
        } else if (a.text != "none") {
            error(a.location, u"invalid value \"%1\""_s.arg(text(a.text)));
            return;
        }
    }
    scope.values.keepaliveDisable = mask;
}

// client_header_buffer_size SIZE (ngx_conf_set_size_slot) and
// large_client_header_buffers NUMBER SIZE (ngx_conf_set_bufs_slot: neither
// may be 0).
void Compiler::handleHeaderBuffers(const ConfDirective &d, Ctx, Scope &scope)
{
    HeaderBufferSizes &out = scope.values.headerBuffers;
    if (d.name == "connection_pool_size") {
        // ngx_http_core_pool_size: at least NGX_MIN_POOL_SIZE, a multiple of NGX_POOL_ALIGNMENT.
        const std::optional<qint64> size = ConfUnits::parseSize(d.argText(0));
        if (!size)
            error(d.args.at(0).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
        else if (*size < 112)
            error(d.args.at(0).location, u"the pool size must be no less than 112"_s);
        else if (*size % 16)
            error(d.args.at(0).location, u"the pool size must be a multiple of 16"_s);
        else
            out.connectionPool = *size;
        return;
    }
    if (d.name == "client_header_buffer_size") {
        if (const std::optional<qint64> size = ConfUnits::parseSize(d.argText(0)))
            out.first = *size;
        else
            error(d.args.at(0).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
        return;
    }
    bool ok = false;
    const int number = d.argText(0).toInt(&ok);
    const std::optional<qint64> size = ConfUnits::parseSize(d.argText(1));
    if (!ok || number <= 0 || !size || *size <= 0) {
        error((!ok || number <= 0 ? d.args.at(0) : d.args.at(1)).location,
              u"\"%1\" directive invalid value"_s.arg(text(d.name)));
        return;
    }
    out.number = number;
    out.size = *size;
}

// client_body_buffer_size SIZE (ngx_conf_set_size_slot),
// client_body_in_file_only on|clean|off (ngx_conf_set_enum_slot) and
// client_body_temp_path PATH [L1 [L2 [L3]]] (ngx_conf_set_path_slot: each
// level is 1 or 2 digits of the file's name).
void Compiler::handleClientBody(const ConfDirective &d, Ctx, Scope &scope)
{
    LocationSettings &out = scope.values;
    if (d.name == "client_body_buffer_size") {
        if (const std::optional<qint64> size = ConfUnits::parseSize(d.argText(0)))
            out.clientBodyBufferSize = *size;
        else
            error(d.args.at(0).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
        return;
    }
    if (d.name == "client_body_in_file_only") {
        using F = LocationSettings::BodyInFile;
        const QByteArray &word = d.args.at(0).text;
        if (word == "on")
            out.clientBodyInFileOnly = F::On;
        else if (word == "clean")
            out.clientBodyInFileOnly = F::Clean;
        else if (word == "off")
            out.clientBodyInFileOnly = F::Off;
        else
            error(d.args.at(0).location, u"invalid value \"%1\""_s.arg(text(word)));
        return;
    }
    QList<int> levels;
    for (qsizetype i = 1; i < d.argCount(); ++i) {
        bool ok = false;
        const int level = d.argText(i).toInt(&ok);
        if (!ok || level < 1 || level > 2) {
            error(d.args.at(i).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
            return;
        }
        levels.append(level);
    }
    out.clientBodyTempPath = resolvePath(d.args.at(0).text);
    out.clientBodyTempLevels = levels;
}

// limit_rate SIZE and limit_rate_after SIZE (ngx_http_set_complex_value_size_slot:
// a size now when it has no variables, else one the request's values make).
void Compiler::handleLimitRate(const ConfDirective &d, Ctx, Scope &scope)
{
    std::optional<ValueTemplate> value = compileTemplate(d.argText(0), d.args.at(0).location);
    if (!value)
        return;
    if (value->isConstant() && !ConfUnits::parseSize(d.argText(0))) {
        error(d.args.at(0).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
        return;
    }
    (d.name == "limit_rate" ? scope.values.limitRate : scope.values.limitRateAfter) = std::move(*value);
}

// The client connection's entries, in listing order.
std::vector<Command> clientCommands()
{
    using C = Compiler;
    using S = LocationSettings;
    constexpr quint8 Http = contextBit(Ctx::Http), Server = contextBit(Ctx::Server);
    constexpr quint8 Levels = Http | Server | contextBit(Ctx::Location);
    return {
        {.name = "keepalive_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handleKeepaliveTimeout},
        {.name = "keepalive_requests", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .number = &S::keepaliveRequests},
        {.name = "keepalive_time", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::keepaliveTimeMs},
        {.name = "keepalive_disable", .contexts = Levels, .minArgs = 1, .maxArgs = 3, .inherited = true,
         .handler = &C::handleKeepaliveDisable},
        // ngx_http_core_srv_conf_t: the address's default server's sizes hold the head
        {.name = "client_header_buffer_size", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .inherited = true, .handler = &C::handleHeaderBuffers},
        {.name = "large_client_header_buffers", .contexts = Http | Server, .minArgs = 2, .maxArgs = 2,
         .inherited = true, .handler = &C::handleHeaderBuffers},
        {.name = "connection_pool_size", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleHeaderBuffers},
        // the request line and head (ngx_http_process_request_uri, _headers)
        {.name = "merge_slashes", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &S::mergeSlashes},
        {.name = "underscores_in_headers", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .inherited = true, .flag = &S::underscoresInHeaders},
        {.name = "ignore_invalid_headers", .contexts = Http | Server, .minArgs = 1, .maxArgs = 1,
         .inherited = true, .flag = &S::ignoreInvalidHeaders},
        // the request body (ngx_http_read_client_request_body)
        {.name = "proxy_request_buffering", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &S::requestBuffering},
        {.name = "client_body_buffer_size", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleClientBody},
        {.name = "client_body_in_file_only", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleClientBody},
        {.name = "client_body_in_single_buffer", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &S::clientBodyInSingleBuffer},
        {.name = "client_body_temp_path", .contexts = Levels, .minArgs = 1, .maxArgs = 4, .inherited = true,
         .handler = &C::handleClientBody},
        {.name = "client_body_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::clientBodyTimeoutMs},
        // the response's pace (ngx_http_write_filter)
        {.name = "limit_rate", .contexts = Levels | contextBit(Ctx::LocationIf), .minArgs = 1, .maxArgs = 1,
         .inherited = true, .handler = &C::handleLimitRate},
        {.name = "limit_rate_after", .contexts = Levels | contextBit(Ctx::LocationIf), .minArgs = 1, .maxArgs = 1,
         .inherited = true, .handler = &C::handleLimitRate},
        {.name = "proxy_buffering", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .flag = &S::proxyBuffering},
    };
}

} // namespace ConfigCompilerImpl
