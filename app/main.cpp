// wsscope: upgrade-aware WebSocket reverse proxy with a live inspector.
// The application object is chosen from argv before it exists: a
// QCoreApplication for --no-gui, -t and the subcommands (no display, no X
// libraries touched), a QApplication otherwise.

#include "application.h"
#include "commandline.h"
#include "configsource.h"
#include "exitcode.h"
#include "config/nginxmodules.h"
#include "ops/logging.h"
#include "processcontrol.h"
#include "subcommands.h"

#include <openssl/crypto.h>

#include <cstdio>

namespace {

// nginx -v / -V (ngx_show_version_info), on stderr as nginx writes them.
void printNginxVersion(bool build)
{
    std::fprintf(stderr, "nginx version: nginx/1.22.1 (wsscope %s)\n", WSSCOPE_VERSION);
    if (!build)
        return;
    std::fprintf(stderr, "built with %s\n", OpenSSL_version(OPENSSL_VERSION));
    std::fprintf(stderr, "TLS SNI support enabled\n");
    std::fprintf(stderr, "configure arguments: %s\n", NginxModules::configureArguments().constData());
}

// nginx -e: the startup log, before the configuration names its own.
bool installStartupLog(const Options &options)
{
    if (options.errorLog.isEmpty() || options.errorLog == QLatin1String("stderr"))
        return true;
    QString error;
    if (Logging::setSinks({Logging::Sink{options.errorLog, Logging::Level::Error}}, &error))
        return true;
    std::fprintf(stderr, "wsscope: -e: %s\n", qPrintable(error));
    return false;
}

} // namespace

int main(int argc, char *argv[])
{
    // `wsscope cert ...` / `wsscope tls-check ...` run to completion with a
    // QCoreApplication of their own.
    if (Subcommands::isSubcommand(argc, argv))
        return Subcommands::run(argc, argv);

    const bool gui = Application::wantsGui(argc, argv);
    const std::unique_ptr<QCoreApplication> app = Application::create(argc, argv, gui);

    const CommandLine::ParseResult parsed = CommandLine::parse(QCoreApplication::arguments());
    if (!parsed.ok())
        return CommandLine::reportUsageError(parsed.error);
    const Options &options = parsed.options;
    switch (options.action) {
    case Options::Action::Help:
        std::fputs(qPrintable(CommandLine::helpText()), stdout);
        return ExitOk;
    case Options::Action::Version:
        std::printf("wsscope %s (Qt %s)\n", WSSCOPE_VERSION, qVersion());
        return ExitOk;
    case Options::Action::NginxVersion:
    case Options::Action::NginxBuild:
        printNginxVersion(options.action == Options::Action::NginxBuild);
        return ExitOk;
    case Options::Action::Signal:
        return ProcessControl::signalRunning(options);
    case Options::Action::TestConfig:
        Logging::install(options.verbosity);
        return ConfigCheck::test(options);
    case Options::Action::Run:
        break;
    }
    Logging::install(options.verbosity);
    if (!installStartupLog(options))
        return ExitRuntimeError;
    return Application::run(options, gui);
}
