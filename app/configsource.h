#pragma once

#include "config/configcompiler.h"
#include "config/proxyconfig.h"
#include "proxy/proxyruntime.h"

#include <QByteArray>
#include <QString>

#include <optional>

struct Options;
struct QuickModeOptions;

// Where the configuration comes from: a file (-c, the one SIGHUP re-reads),
// the quick-mode flags (a generated text) or the built-in default. All three
// go through the same compiler.
struct ConfigSource
{
    enum class Kind { File, QuickMode, BuiltIn };

    Kind kind = Kind::BuiltIn;
    QString path;    // Kind::File
    QByteArray text; // Kind::QuickMode, Kind::BuiltIn
    QString name;    // for messages: the path, "<quick mode>", "<built-in wsscope.conf>"
    QString prefix;  // -p: relative paths of the configuration are relative to it
    QByteArray globals; // -g: main-level directives appended, named "command line" in messages

    // The source the options ask for, with `quick` as the quick-mode values
    // (the Controller adds the demo's upstreams and the local certificate).
    // nullopt after printing why; *exitCode then says how to exit.
    static std::optional<ConfigSource> fromOptions(const Options &options, const QuickModeOptions &quick, int *exitCode);

    bool reloadable() const { return kind == Kind::File; }
    ConfigCompileResult compile() const;
    // -p and -g: what any text compiled for this source is compiled with
    // (the window's Apply too), so it means what the file means.
    ConfigCompileOptions compileOptions() const;
    // What the configuration editor starts with: the file's text or ours.
    QString editorText() const;
};

namespace ConfigCheck {

// The config doctor's findings as compiler-style diagnostics.
QList<ConfDiagnostic> doctorDiagnostics(const ProxyConfig &config);

// `wsscope -t` (nginx -t): diagnostics, the doctor's findings and the
// verdict on stderr; ExitOk or ExitUsage.
int test(const Options &options);

// Compiles a source and builds its runtime (keys loaded, groups built), and
// prints what the user should see: a file's
// warnings and the doctor's findings, or the errors (a quick-mode error as a
// usage message, since the generated text is ours). nullptr with *exitCode
// on errors.
RuntimeSnapshot compileToRun(const ConfigSource &source, int *exitCode);

} // namespace ConfigCheck
