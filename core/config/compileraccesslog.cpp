#include "config/compiler.h"
#include "config/confunits.h"

// ngx_http_log_module: log_format and access_log. The files are opened by
// the runtime (ProxyRuntime), once per configuration.

namespace ConfigCompilerImpl {

namespace {

constexpr QByteArrayView CombinedFormat = "$remote_addr - $remote_user [$time_local] \"$request\" $status "
                                          "$body_bytes_sent \"$http_referer\" \"$http_user_agent\"";

} // namespace

std::shared_ptr<const LogFormat> Compiler::logFormat(const QByteArray &name)
{
    if (const auto found = m_logFormats.find(name); found != m_logFormats.end())
        return found.value();
    if (name != "combined")
        return nullptr;
    auto combined = std::make_shared<LogFormat>();
    combined->name = name;
    combined->line = *ValueTemplate::compile(CombinedFormat, nullptr);
    m_logFormats.insert(name, combined);
    return combined;
}

// log_format NAME [escape=default|json|none] STRING...: the strings are one
// line (ngx_http_log_set_format); a name is defined once, "combined" included.
void Compiler::handleLogFormat(const ConfDirective &d, Ctx, Scope &)
{
    const QByteArray name = d.argText(0);
    if (m_logFormats.contains(name) || name == "combined") {
        error(d.args.at(0).location, u"duplicate \"log_format\" name \"%1\""_s.arg(text(name)));
        return;
    }
    auto format = std::make_shared<LogFormat>();
    format->name = name;
    qsizetype first = 1;
    const QByteArray second = d.argText(1);
    if (second.startsWith("escape=")) {
        const QByteArray mode = second.mid(7);
        if (mode == "json")
            format->escape = LogEscape::Json;
        else if (mode == "none")
            format->escape = LogEscape::None;
        else if (mode != "default") {
            error(d.args.at(1).location, u"unknown log format escaping \"%1\""_s.arg(text(mode)));
            return;
        }
        first = 2;
    }
    if (first >= d.argCount()) {
        error(d.location, u"invalid number of arguments in \"log_format\" directive"_s);
        return;
    }
    QByteArray line;
    for (qsizetype i = first; i < d.argCount(); ++i)
        line += d.argText(i);
    std::optional<ValueTemplate> compiled = compileTemplate(line, d.args.at(first).location);
    if (!compiled)
        return;
    format->line = std::move(*compiled);
    m_logFormats.insert(name, format);
}

// access_log off | PATH [FORMAT [buffer=SIZE] [gzip[=LEVEL]] [flush=TIME] [if=CONDITION]]
// (ngx_http_log_set_log). A level that has any inherits none.
void Compiler::handleAccessLog(const ConfDirective &d, Ctx, Scope &scope)
{
    if (!scope.accessLogsSetHere) {
        scope.accessLogsSetHere = true;
        scope.values.accessLogs.clear();
    }
    const QByteArray path = d.argText(0);
    if (path == "off") {
        if (d.argCount() > 1)
            error(d.args.at(1).location, u"invalid parameter \"%1\""_s.arg(text(d.argText(1))));
        scope.values.accessLogs.clear();
        return;
    }
    if (path.startsWith("syslog:")) {
        error(d.args.at(0).location, u"wsscope writes access logs to files only, not to syslog"_s);
        return;
    }
    if (path.contains('$')) {
        error(d.args.at(0).location, u"variables in the access_log path are not supported by wsscope"_s);
        return;
    }
    AccessLogTarget target;
    qsizetype i = 1;
    const QByteArray formatName = d.argCount() > 1 && !d.argText(1).contains('=') ? d.argText(1) : "combined";
    if (d.argCount() > 1 && !d.argText(1).contains('='))
        ++i;
    target.format = logFormat(formatName);
    if (!target.format) {
        error(d.args.at(1).location, u"unknown log format \"%1\""_s.arg(text(formatName)));
        return;
    }
    bool buffered = false;
    const ConfLocation *flushAt = nullptr;
    for (; i < d.argCount(); ++i) {
        const QByteArray arg = d.argText(i);
        const ConfLocation &at = d.args.at(i).location;
        if (arg.startsWith("buffer=")) {
            if (!ConfUnits::parseSize(arg.mid(7))) {
                error(at, u"invalid buffer size \"%1\""_s.arg(text(arg.mid(7))));
                return;
            }
            buffered = true;
        } else if (arg.startsWith("flush=")) {
            if (!ConfUnits::parseMsec(arg.mid(6))) {
                error(at, u"invalid flush time \"%1\""_s.arg(text(arg.mid(6))));
                return;
            }
            flushAt = &at;
        } else if (arg == "gzip" || arg.startsWith("gzip=")) {
            error(at, u"wsscope does not compress access logs (\"gzip\")"_s);
            return;
        } else if (arg.startsWith("if=")) {
            target.condition = compileTemplate(arg.mid(3), at);
            if (!target.condition)
                return;
        } else {
            error(at, u"invalid parameter \"%1\""_s.arg(text(arg)));
            return;
        }
    }
    if (flushAt && !buffered) {
        error(*flushAt, u"no buffer is defined for access_log \"%1\""_s.arg(text(path)));
        return;
    }
    const QString file = resolvePath(path);
    QList<AccessLogFileSpec> &files = m_config->accessLogFiles;
    const auto known = std::find_if(files.cbegin(), files.cend(), [&](const AccessLogFileSpec &f) { return f.path == file; });
    target.file = int(known - files.cbegin());
    target.path = file;
    if (known == files.cend())
        files.append(AccessLogFileSpec{file, d.location});
    scope.values.accessLogs.append(std::move(target));
}

} // namespace ConfigCompilerImpl
