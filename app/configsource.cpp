#include "configsource.h"

#include "commandline.h"
#include "config/configdoctor.h"
#include "config/confparser.h"
#include "exitcode.h"
#include "quickmode.h"

#include <QFile>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

// Compiler-style lines on stderr: "file:line:col: error: message".
void printDiagnostics(const QList<ConfDiagnostic> &diagnostics)
{
    for (const ConfDiagnostic &d : diagnostics)
        std::fprintf(stderr, "%s\n", qPrintable(d.toString()));
}

// nginx -T (ngx_conf_dump): each file read, after a header line.
int dumpFiles(const Options &options, const ConfigCompileResult &compiled)
{
    if (!options.dump)
        return ExitOk;
    for (const QString &path : compiled.files) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        std::fprintf(stdout, "# configuration file %s:\n", qPrintable(path));
        const QByteArray content = file.readAll();
        std::fwrite(content.constData(), 1, size_t(content.size()), stdout);
        std::fputs("\n", stdout);
    }
    std::fflush(stdout);
    return ExitOk;
}

void printTestFailed(const ConfigSource &source)
{
    std::fprintf(stderr, "wsscope: configuration file %s test failed\n", qPrintable(source.name));
}

} // namespace

std::optional<ConfigSource> ConfigSource::fromOptions(const Options &options, const QuickModeOptions &quick,
                                                      int *exitCode)
{
    ConfigSource source;
    if (!options.configFile.isEmpty()) {
        source.kind = Kind::File;
        source.path = options.configFile;
        source.name = source.path;
    } else if (options.quickMode()) {
        QString error;
        source.kind = Kind::QuickMode;
        source.text = buildQuickConfigText(quick, &error);
        source.name = u"<quick mode>"_s;
        if (source.text.isEmpty()) {
            *exitCode = CommandLine::reportUsageError(error);
            return std::nullopt;
        }
    } else {
        QFile builtIn(u":/wsscope/wsscope.conf"_s);
        if (!builtIn.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "wsscope: the built-in configuration is missing\n");
            *exitCode = ExitRuntimeError;
            return std::nullopt;
        }
        source.kind = Kind::BuiltIn;
        source.text = builtIn.readAll();
        source.name = u"<built-in wsscope.conf>"_s;
    }
    source.prefix = options.prefix;
    source.globals = options.globals.toUtf8();
    return source;
}

ConfigCompileResult ConfigSource::compile() const
{
    return kind == Kind::File ? ConfigCompiler::compileFile(path, compileOptions())
                              : ConfigCompiler::compileText(text, name, compileOptions());
}

ConfigCompileOptions ConfigSource::compileOptions() const
{
    ConfigCompileOptions options;
    options.prefix = prefix;
    options.globals = globals;
    return options;
}

QString ConfigSource::editorText() const
{
    if (kind == Kind::File) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly))
            return QString::fromUtf8(file.readAll());
    }
    return QString::fromUtf8(text);
}

QList<ConfDiagnostic> ConfigCheck::doctorDiagnostics(const ProxyConfig &config)
{
    QList<ConfDiagnostic> out;
    for (const DoctorFinding &f : ConfigDoctor::check(config))
        out += f.toDiagnostics();
    return out;
}

int ConfigCheck::test(const Options &options)
{
    int exitCode = ExitOk;
    const std::optional<ConfigSource> source = ConfigSource::fromOptions(options, options.quick, &exitCode);
    if (!source)
        return exitCode;
    // nginx -t: diagnostics, then the verdict; like nginx -t, it builds what
    // would run (keys loaded, groups built), where the editor only compiles.
    ConfigCompileResult compiled = source->compile();
    ProxyRuntime::build(&compiled);
    printDiagnostics(compiled.diagnostics);
    if (!compiled.ok()) {
        printTestFailed(*source);
        return ExitUsage;
    }
    if (options.quiet) // nginx -q: errors and warnings only
        return dumpFiles(options, compiled);
    printDiagnostics(doctorDiagnostics(*compiled.config));
    std::fprintf(stderr, "wsscope: the configuration file %s syntax is ok\n", qPrintable(source->name));
    std::fprintf(stderr, "wsscope: configuration file %s test is successful\n", qPrintable(source->name));
    return dumpFiles(options, compiled);
}

RuntimeSnapshot ConfigCheck::compileToRun(const ConfigSource &source, int *exitCode)
{
    ConfigCompileResult compiled = source.compile();
    RuntimeSnapshot runtime = ProxyRuntime::build(&compiled);
    if (!compiled.ok()) {
        printDiagnostics(compiled.diagnostics);
        if (source.kind == ConfigSource::Kind::QuickMode) {
            for (const ConfDiagnostic &d : std::as_const(compiled.diagnostics)) {
                if (d.isError()) {
                    *exitCode = CommandLine::reportUsageError(d.message);
                    return nullptr;
                }
            }
        }
        printTestFailed(source);
        *exitCode = ExitUsage;
        return nullptr;
    }
    if (source.kind != ConfigSource::Kind::QuickMode) {
        // A file (or the built-in one): its warnings and the doctor's findings.
        printDiagnostics(compiled.diagnostics);
        printDiagnostics(doctorDiagnostics(*compiled.config));
    }
    return runtime;
}
