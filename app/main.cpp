// wsscope: upgrade-aware WebSocket reverse proxy with a live inspector.
// The application object is chosen from argv before it exists: a
// QCoreApplication for --no-gui, -t and the subcommands (no display, no X
// libraries touched), a QApplication otherwise.

#include "application.h"
#include "commandline.h"
#include "configsource.h"
#include "exitcode.h"
#include "ops/logging.h"
#include "subcommands.h"

#include <cstdio>

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
    case Options::Action::TestConfig:
        Logging::install(options.verbosity);
        return ConfigCheck::test(options);
    case Options::Action::Run:
        break;
    }
    Logging::install(options.verbosity);
    return Application::run(options, gui);
}
