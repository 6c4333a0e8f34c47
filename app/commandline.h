#pragma once

#include "exitcode.h"
#include "quickmode.h"

#include <QList>
#include <QString>
#include <QStringList>

// What the command line asks for, parsed once into a value (qBittorrent's
// cmdoptions): main() and the Controller read this, never the parser.
struct Options
{
    // NginxVersion, NginxBuild: nginx's -v and -V; Signal: nginx's -s.
    enum class Action { Run, TestConfig, Help, Version, NginxVersion, NginxBuild, Signal };

    Action action = Action::Run;
    bool noGui = false;          // --no-gui
    QString configFile;          // -c FILE (relative to -p when given)
    QString prefix;              // -p PREFIX (absolute, with a trailing slash; empty: none)
    QString errorLog;            // -e FILE|stderr (a file absolute; empty: none)
    QString globals;             // -g 'directives;': appended at the main level
    bool dump = false;           // -T: -t, then the files on stdout
    bool quiet = false;          // -q: -t prints errors and warnings only
    QString signal;              // -s reload|reopen|quit|stop
    QStringList quickFlags;      // the quick-mode flags given ("--listen", ...), in table order
    QuickModeOptions quick;      // their values
    bool demo = false;           // --demo
    bool localTls = false;       // --tls
    QString capture;             // --capture FILE (empty: none)
    QString inspectListen;       // --inspect-listen HOST:PORT: the inspection channel (empty: none)
    QString inspectTokenFile;    // --inspect-token-file FILE (absolute; empty: no token asked)
    QString inspectName;         // --inspect-name NAME (empty: the host name)
    bool inspectReadOnly = false; // --inspect-readonly
    bool inspectSsl = false;     // --inspect-ssl: the channel serves wss://
    QString lang;                // --lang LOCALE (empty: the system locale)
    int verbosity = 0;           // --verbose count

    bool quickMode() const { return !quickFlags.isEmpty(); }
};

namespace CommandLine {

// One row per option: the parser, the help text, "is this a quick-mode
// flag" and "does this rule out a window" all derive from it.
enum class OptionId {
    Help, Version, NginxVersion, NginxBuild, NoGui, Config, Prefix, ErrorLog, Globals, TestConfig, TestDump, Quiet,
    Signal, Listen, Upstream, Workers, ConnectTimeout, ReadTimeout, SendTimeout,
    DrainTimeout, Demo, PingInterval, PingTimeout, NoInspect, Capture, Verbose, Lang, Tls, TlsCert, TlsKey,
    UpstreamCa, InspectListen, InspectTokenFile, InspectName, InspectReadOnly, InspectSsl,
};

enum OptionFlag {
    QuickMode = 0x1, // generates the quick-mode configuration; excludes -c
    NoWindow = 0x2,  // the run never shows a window (decided before any application object exists)
};

struct OptionSpec
{
    OptionId id;
    QStringList names;   // without dashes; the first is the one messages use
    QString valueName;   // empty: a switch
    QString description;
    int flags = 0;

    // "--listen", "-c": how a user spells the first name.
    QString spelling() const;
};

const QList<OptionSpec> &options();

struct ParseResult
{
    Options options;
    QString error; // one line, names the option; empty when parsing succeeded

    bool ok() const { return error.isEmpty(); }
};

// arguments[0] is the program, as in QCoreApplication::arguments(). Help and
// version requests return at once (the rest is not checked, as before).
ParseResult parse(const QStringList &arguments);

// "wsscope: MESSAGE" and the --help hint on stderr; returns ExitUsage.
int reportUsageError(const QString &message);

// The --help text (QCommandLineParser's, for this table).
QString helpText();

// Read from argv before any application object exists: false when an option
// of the NoWindow group (--no-gui, -t, --help, --version and nginx's own
// flags but -c: an nginx-style start never opens a window) is present.
bool wantsWindow(const QStringList &arguments);

} // namespace CommandLine
