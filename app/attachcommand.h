#pragma once

#include <QString>
#include <QStringList>

// `wsscope attach URL [--token-file F] [--json] [--filter EXPR]... [--har FILE] [--history]`
// and `wsscope attach URL [--token-file F] --pause|--resume` (switch the
// daemon's recording and exit 0, or 1 when refused or not linked):
// the terminal's client of a daemon's inspection channel. Headless (the
// subcommands' QCoreApplication), no reconnect: it prints the live events
// (one --capture JSONL line each with --json, a compact human line
// otherwise) until SIGINT/SIGTERM (exit 0) or until the link is refused or
// lost (exit 1, the reason on stderr); a bad command line exits 2. With
// --har it writes what it saw as HAR on the way out.
namespace AttachCommand {

// `args` starts with the command's name ("wsscope attach").
int run(const QStringList &args);

} // namespace AttachCommand
