#include "commandline.h"

#include "config/confunits.h"
#include "proxy/workercount.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>

#include <cstdio>
#include <optional>

using namespace Qt::StringLiterals;

namespace CommandLine {

namespace {

const QString Time = u"TIME"_s;
const QString File = u"FILE"_s;

QList<OptionSpec> buildTable()
{
    using enum OptionId;
    return {
        // -h/--help is QCommandLineParser's own (addHelpOption); listed for NoWindow.
        {Help, {u"h"_s, u"help"_s}, {}, {}, NoWindow},
        // Not addVersionOption(): it would take -v, which is nginx's here.
        {Version, {u"version"_s}, {}, u"Print the version and exit."_s, NoWindow},
        // nginx's command line (nginx -h); none of its letters means anything else here
        {NginxVersion, {u"v"_s}, {}, u"nginx -v: print the nginx version wsscope stands in for and exit."_s,
         NoWindow},
        {NginxBuild, {u"V"_s}, {}, u"nginx -V: as -v, plus OpenSSL and the configure arguments of the nginx modules "
                                   u"wsscope implements (the others are --without-...)."_s,
         NoWindow},
        {NoGui, {u"no-gui"_s}, {}, u"Run headless (no window; no display needed)."_s, NoWindow},
        {Config, {u"c"_s, u"config"_s}, File,
         u"Use the configuration FILE (nginx syntax). Without it and without quick-mode flags, the built-in "
         u"configuration is used. Relative to -p when given."_s},
        {Prefix, {u"p"_s}, u"PREFIX"_s,
         u"nginx -p: the prefix; -c, -e and relative paths in the configuration are relative to it."_s, NoWindow},
        {ErrorLog, {u"e"_s}, u"FILE"_s,
         u"nginx -e: the error log (FILE or stderr) until the configuration's main-level error_log takes over, and "
         u"when it has none."_s,
         NoWindow},
        {Globals, {u"g"_s}, u"DIRECTIVES"_s,
         u"nginx -g: main-level directives appended to the configuration (e.g. 'daemon off; pid /run/w.pid;')."_s,
         NoWindow},
        {TestConfig, {u"t"_s, u"test-config"_s}, {},
         u"Check the configuration (like nginx -t), print its diagnostics and the config doctor's findings, and exit "
         u"(0 ok, 2 errors)."_s,
         NoWindow},
        {TestDump, {u"T"_s}, {}, u"nginx -T: as -t, then every configuration file read on stdout."_s, NoWindow},
        {Quiet, {u"q"_s}, {}, u"nginx -q: -t prints only errors and warnings."_s, NoWindow},
        {Signal, {u"s"_s}, u"SIGNAL"_s,
         u"nginx -s: send reload (SIGHUP), reopen (SIGUSR1), quit (SIGQUIT) or stop (SIGTERM) to the wsscope whose "
         u"pid file the configuration's pid directive names."_s,
         NoWindow},
        {Listen, {u"listen"_s}, u"ADDR"_s, u"Listen on ADDR (HOST:PORT, [IPv6]:PORT). Port 0 picks a free port."_s,
         QuickMode},
        {Upstream, {u"upstream"_s}, u"URL"_s,
         u"Proxy to URL (ws://HOST:PORT[/path]). Repeat for a round-robin group."_s, QuickMode},
        {Workers, {u"workers"_s}, u"N"_s, u"Worker threads (default: one per core)."_s, QuickMode},
        {ConnectTimeout, {u"connect-timeout"_s}, Time, u"proxy_connect_timeout (default 60s)."_s, QuickMode},
        {ReadTimeout, {u"read-timeout"_s}, Time, u"proxy_read_timeout: idle tunnel limit (default 60s)."_s, QuickMode},
        {SendTimeout, {u"send-timeout"_s}, Time, u"proxy_send_timeout (default 60s)."_s, QuickMode},
        {DrainTimeout, {u"drain-timeout"_s}, Time,
         u"On SIGTERM/SIGINT, how long open tunnels may finish (default 10s)."_s, QuickMode},
        {Demo, {u"demo"_s}, {},
         u"Start two echo upstreams and a synthetic client (listens on 127.0.0.1:8080 unless --listen)."_s, QuickMode},
        {PingInterval, {u"ping-interval"_s}, Time,
         u"ws_ping_interval: the proxy pings both peers this often, swallows their pongs, measures RTT and closes a "
         u"dead peer (default off)."_s,
         QuickMode},
        {PingTimeout, {u"ping-timeout"_s}, Time, u"ws_ping_timeout: how long a pong may take (default: the interval)."_s,
         QuickMode},
        {NoInspect, {u"no-inspect"_s}, {}, u"ws_inspect off: tunnel bytes without watching frames."_s, QuickMode},
        {Capture, {u"capture"_s}, File,
         u"Record traffic: FILE.jsonl live (one event per line) and FILE.har (HAR 1.2 with WebSocket messages, "
         u"Chrome-compatible) at exit or on SIGUSR1."_s},
        {Verbose, {u"verbose"_s}, {},
         u"More log output (once: wsscope's debug lines; twice: Qt's own too). -v is nginx's version flag."_s},
        {Lang, {u"lang"_s}, u"LOCALE"_s, u"Window language (zh_CN, ja, en, ...; default: the system locale)."_s},
        {Tls, {u"tls"_s}, {},
         u"Serve wss:// with a certificate from the local development CA (created on first use; see wsscope cert)."_s,
         QuickMode},
        {TlsCert, {u"tls-cert"_s}, File, u"Serve wss:// with this certificate chain (PEM, leaf first)."_s, QuickMode},
        {TlsKey, {u"tls-key"_s}, File, u"The key of --tls-cert (PEM)."_s, QuickMode},
        {UpstreamCa, {u"upstream-ca"_s}, File,
         u"Verify wss:// upstreams against this CA (PEM); default: no verification, as nginx."_s, QuickMode},
        {InspectListen, {u"inspect-listen"_s}, u"HOST:PORT"_s,
         u"Open the inspection channel there (a WebSocket): File → Attach to server… watches and drives this "
         u"instance, wsscope attach URL prints its events in a terminal. Keep it on loopback and reach it "
         u"through ssh -L. Each --inspect-* flag overrides its inspect_* directive of the configuration (this one "
         u"inspect_listen whole, ssl included)."_s},
        {InspectTokenFile, {u"inspect-token-file"_s}, File,
         u"The channel refuses a client whose Authorization: Bearer token is not this file's content."_s},
        {InspectName, {u"inspect-name"_s}, u"NAME"_s, u"The instance name attached windows show (default: the host name)."_s},
        {InspectReadOnly, {u"inspect-readonly"_s}, {}, u"The channel refuses injection, reloads, pause and resume."_s},
        {InspectSsl, {u"inspect-ssl"_s}, {},
         u"The channel serves wss://: with the http-level ssl_certificate of a configuration that has "
         u"inspect_listen, else with a certificate from the local development CA (attached windows on this "
         u"machine trust it)."_s},
    };
}

void addTable(QCommandLineParser *parser)
{
    parser->setApplicationDescription(
        u"Upgrade-aware WebSocket reverse proxy with a live traffic inspector.\n\n"
        u"Config file: wsscope --no-gui -c wsscope.conf   (nginx syntax; SIGHUP reloads it)\n"
        u"Check it:    wsscope -t -c wsscope.conf\n"
        u"Quick mode:  wsscope --no-gui --listen 127.0.0.1:8080 --upstream ws://127.0.0.1:9000\n"
        u"Demo:        wsscope --demo   (built-in echo upstreams and a synthetic client)\n"
        u"Attach:      wsscope attach ws://127.0.0.1:9901 --token-file F   (a daemon's live events; --help)"_s);
    for (const OptionSpec &spec : options()) {
        if (spec.id == OptionId::Help)
            parser->addHelpOption();
        else
            parser->addOption(QCommandLineOption(spec.names, spec.description, spec.valueName));
    }
}

// nginx time units through the configuration's own parser, so
// `--read-timeout 1m30s` means what `proxy_read_timeout 1m30s;` means.
std::optional<qint64> duration(const OptionSpec &spec, const QString &value, QString *error)
{
    const std::optional<qint64> ms = ConfUnits::parseMsec(value.toUtf8());
    if (!ms)
        *error = u"%1: invalid duration \"%2\" (e.g. 60s, 500ms, 1m30s, 2h)"_s.arg(spec.spelling(), value);
    return ms;
}

bool setDuration(const OptionSpec &spec, const QString &value, qint64 *out, QString *error)
{
    const std::optional<qint64> ms = duration(spec, value, error);
    if (ms)
        *out = *ms;
    return ms.has_value();
}

// How a user spells an option name: "-c", "--listen".
QString dashed(const QString &name)
{
    return (name.size() == 1 ? u"-"_s : u"--"_s) + name;
}

QString absolutePath(const QString &path)
{
    return QFileInfo(path).absoluteFilePath();
}

// nginx resolves -c and -e against the prefix (ngx_process_options).
QString underPrefix(const QString &prefix, const QString &path)
{
    if (prefix.isEmpty() || QFileInfo(path).isAbsolute())
        return path;
    return prefix + path;
}

bool setSignal(const OptionSpec &spec, const QString &value, Options *o, QString *error)
{
    static const QStringList signalNames = {u"reload"_s, u"reopen"_s, u"quit"_s, u"stop"_s};
    if (!signalNames.contains(value)) {
        *error = u"%1: invalid option \"%2\" (reload, reopen, quit or stop)"_s.arg(spec.spelling(), value);
        return false;
    }
    o->signal = value;
    o->action = Options::Action::Signal;
    return true;
}

// One given option into *o; false with *error when its value is unusable.
bool apply(const OptionSpec &spec, const QCommandLineParser &parser, Options *o, QString *error)
{
    const QString value = parser.value(spec.names.constFirst());
    QuickModeOptions &q = o->quick;
    switch (spec.id) {
    case OptionId::Help:
    case OptionId::Version:
    case OptionId::NginxVersion:
    case OptionId::NginxBuild:
        return true; // handled before the others
    case OptionId::NoGui: o->noGui = true; return true;
    case OptionId::Config: o->configFile = value; return true;
    case OptionId::Prefix: {
        QString prefix = absolutePath(value);
        o->prefix = prefix.endsWith(u'/') ? prefix : prefix + u'/';
        return true;
    }
    case OptionId::ErrorLog: o->errorLog = value; return true;
    case OptionId::Globals: o->globals = value; return true;
    case OptionId::TestConfig: o->action = Options::Action::TestConfig; return true;
    case OptionId::TestDump:
        o->action = Options::Action::TestConfig;
        o->dump = true;
        return true;
    case OptionId::Quiet: o->quiet = true; return true;
    case OptionId::Signal: return setSignal(spec, value, o, error);
    case OptionId::Listen: q.listen = parser.values(spec.names.constFirst()); return true;
    case OptionId::Upstream: q.upstreams = parser.values(spec.names.constFirst()); return true;
    case OptionId::Workers: {
        bool ok = false;
        q.workers = value.toInt(&ok);
        if (ok && q.workers >= 1 && q.workers <= WorkerCount::MaxWorkerThreads)
            return true;
        *error = u"%1 takes a number from 1 to %2"_s.arg(spec.spelling()).arg(WorkerCount::MaxWorkerThreads);
        return false;
    }
    case OptionId::ConnectTimeout: return setDuration(spec, value, &q.connectTimeoutMs, error);
    case OptionId::ReadTimeout: return setDuration(spec, value, &q.readTimeoutMs, error);
    case OptionId::SendTimeout: return setDuration(spec, value, &q.sendTimeoutMs, error);
    case OptionId::DrainTimeout: return setDuration(spec, value, &q.drainTimeoutMs, error);
    case OptionId::PingInterval: return setDuration(spec, value, &q.pingIntervalMs, error);
    case OptionId::PingTimeout: return setDuration(spec, value, &q.pingTimeoutMs, error);
    case OptionId::Demo: o->demo = true; return true;
    case OptionId::NoInspect: q.inspect = false; return true;
    case OptionId::Capture: o->capture = value; return true;
    case OptionId::Verbose: {
        const QStringList given = parser.optionNames();
        for (const QString &name : spec.names)
            o->verbosity += int(given.count(name));
        return true;
    }
    case OptionId::Lang: o->lang = value; return true;
    case OptionId::Tls: o->localTls = true; return true;
    case OptionId::TlsCert: q.tlsCertificate = absolutePath(value); return true;
    case OptionId::TlsKey: q.tlsKey = absolutePath(value); return true;
    case OptionId::UpstreamCa: q.upstreamCa = absolutePath(value); return true;
    case OptionId::InspectListen: o->inspectListen = value; return true;
    case OptionId::InspectTokenFile: o->inspectTokenFile = absolutePath(value); return true;
    case OptionId::InspectName: o->inspectName = value; return true;
    case OptionId::InspectReadOnly: o->inspectReadOnly = true; return true;
    case OptionId::InspectSsl: o->inspectSsl = true; return true;
    }
    return true;
}

// Combinations the options refuse together.
QString conflicts(const Options &o)
{
    if (o.localTls && !o.quick.tlsCertificate.isEmpty())
        return u"--tls issues a local certificate; --tls-cert uses yours: pick one"_s;
    if (!o.configFile.isEmpty() && o.quickMode())
        return u"-c cannot be combined with quick-mode flags (here %1); set those in the file"_s.arg(
            o.quickFlags.join(u", "_s));
    return {};
}

} // namespace

QString OptionSpec::spelling() const
{
    return dashed(names.constFirst());
}

const QList<OptionSpec> &options()
{
    static const QList<OptionSpec> table = buildTable();
    return table;
}

ParseResult parse(const QStringList &arguments)
{
    ParseResult result;
    QCommandLineParser parser;
    addTable(&parser);
    if (!parser.parse(arguments)) {
        result.error = parser.errorText();
        return result;
    }
    Options &o = result.options;
    if (parser.isSet(u"help"_s) || parser.isSet(u"version"_s)) {
        o.action = parser.isSet(u"help"_s) ? Options::Action::Help : Options::Action::Version;
        return result;
    }
    if (parser.isSet(u"v"_s) || parser.isSet(u"V"_s)) {
        o.action = parser.isSet(u"V"_s) ? Options::Action::NginxBuild : Options::Action::NginxVersion;
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        result.error = u"unexpected argument \"%1\""_s.arg(parser.positionalArguments().constFirst());
        return result;
    }
    for (const OptionSpec &spec : options()) {
        if (!parser.isSet(spec.names.constFirst()))
            continue;
        if (!apply(spec, parser, &o, &result.error))
            return result;
        if (spec.flags & QuickMode)
            o.quickFlags << spec.spelling();
    }
    if (!o.configFile.isEmpty())
        o.configFile = underPrefix(o.prefix, o.configFile);
    if (!o.errorLog.isEmpty() && o.errorLog != u"stderr"_s)
        o.errorLog = absolutePath(underPrefix(o.prefix, o.errorLog));
    // --demo "listens on 127.0.0.1:8080 unless --listen".
    if (o.demo && o.quick.listen.isEmpty())
        o.quick.listen << u"127.0.0.1:8080"_s;
    result.error = conflicts(o);
    return result;
}

int reportUsageError(const QString &message)
{
    std::fprintf(stderr, "wsscope: %s\n", qPrintable(message));
    std::fprintf(stderr, "Try 'wsscope --help' for more information.\n");
    return ExitUsage;
}

QString helpText()
{
    QCommandLineParser parser;
    addTable(&parser);
    return parser.helpText();
}

bool wantsWindow(const QStringList &arguments)
{
    for (const OptionSpec &spec : options()) {
        if (!(spec.flags & NoWindow))
            continue;
        for (const QString &name : spec.names) {
            for (const QString &argument : arguments.mid(1)) {
                // -pDIR, -tq: a single letter may carry its value or more letters.
                if (argument == dashed(name) || (name.size() == 1 && argument.startsWith(dashed(name))))
                    return false;
            }
        }
    }
    return true;
}

} // namespace CommandLine
