#pragma once

#include "config/confdiagnostic.h"
#include "http/variables.h"

#include <QByteArray>
#include <QString>

#include <memory>
#include <optional>

// `log_format NAME [escape=default|json|none] STRING...;` (ngx_http_log_module):
// the line an access log writes per request. "combined" is predefined.
struct LogFormat
{
    QByteArray name;
    ValueTemplate line;
    LogEscape escape = LogEscape::Default;
};

// A file some access_log writes to: opened once per configuration (so -t
// and a reload fail on one that cannot be opened, as nginx's do).
struct AccessLogFileSpec
{
    QString path; // absolute
    ConfLocation at; // the first access_log that names it
    bool operator==(const AccessLogFileSpec &o) const = default;
};

// One `access_log PATH [FORMAT [buffer=SIZE] [flush=TIME] [if=CONDITION]];`
// of a level. wsscope writes each line when the request ends, in one
// write(2) to a file opened with O_APPEND (so workers never interleave
// within a line); buffer= and flush= are accepted and mean no delay.
struct AccessLogTarget
{
    int file = -1; // index into ProxyConfig::accessLogFiles
    QString path;  // that file's (what a comparison looks at: indexes differ between configurations)
    std::shared_ptr<const LogFormat> format;
    std::optional<ValueTemplate> condition; // if=: no line when it is "" or "0"
    // The same file, format text and condition (configurations compiled
    // apart compare equal, as for every other setting).
    bool operator==(const AccessLogTarget &o) const
    {
        const bool sameFormat = format == o.format
            || (format && o.format && format->name == o.format->name && format->escape == o.format->escape
                && format->line == o.format->line);
        return path == o.path && sameFormat && condition == o.condition;
    }
};
