#pragma once

// Command-line tools that run to completion instead of proxying:
//   wsscope cert init|issue|show   local development CA and certificates
//   wsscope tls-check HOST:PORT    what a WeChat/iOS client would say about a TLS server
//   wsscope directives             the configuration directives wsscope acts on (the directive table)
//   wsscope attach URL             a daemon's live events in the terminal (attachcommand.h)
// main() dispatches here before any application object exists.

namespace Subcommands {

// True if argv[1] names a subcommand.
bool isSubcommand(int argc, char **argv);
// Creates a QCoreApplication, runs the subcommand, returns the exit code
// (0 ok, 1 runtime error or problems found, 2 usage).
int run(int argc, char **argv);

} // namespace Subcommands
