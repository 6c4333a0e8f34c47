// CommandLine::parse: argv into an Options value, from one option table.

#include "commandline.h"
#include "exitcode.h"

#include <QDir>
#include <QTest>

using namespace Qt::StringLiterals;
using CommandLine::OptionSpec;

namespace {

CommandLine::ParseResult parse(const QStringList &args)
{
    return CommandLine::parse(QStringList{u"wsscope"_s} + args);
}

// One field of Options as text, so one _data() table covers every option.
QString field(const Options &o, const QString &name)
{
    const QuickModeOptions &q = o.quick;
    const auto flag = [](bool b) { return b ? u"true"_s : u"false"_s; };
    const QHash<QString, QString> fields{
        {u"action"_s, QString::number(int(o.action))},
        {u"noGui"_s, flag(o.noGui)},
        {u"configFile"_s, o.configFile},
        {u"prefix"_s, o.prefix},
        {u"errorLog"_s, o.errorLog},
        {u"globals"_s, o.globals},
        {u"dump"_s, flag(o.dump)},
        {u"quiet"_s, flag(o.quiet)},
        {u"signal"_s, o.signal},
        {u"listen"_s, q.listen.join(u' ')},
        {u"upstreams"_s, q.upstreams.join(u' ')},
        {u"workers"_s, QString::number(q.workers)},
        {u"connectTimeoutMs"_s, QString::number(q.connectTimeoutMs)},
        {u"readTimeoutMs"_s, QString::number(q.readTimeoutMs)},
        {u"sendTimeoutMs"_s, QString::number(q.sendTimeoutMs)},
        {u"drainTimeoutMs"_s, QString::number(q.drainTimeoutMs)},
        {u"pingIntervalMs"_s, QString::number(q.pingIntervalMs)},
        {u"pingTimeoutMs"_s, QString::number(q.pingTimeoutMs)},
        {u"inspect"_s, flag(q.inspect)},
        {u"demo"_s, flag(o.demo)},
        {u"capture"_s, o.capture},
        {u"verbosity"_s, QString::number(o.verbosity)},
        {u"lang"_s, o.lang},
        {u"localTls"_s, flag(o.localTls)},
        {u"tlsCertificate"_s, q.tlsCertificate},
        {u"tlsKey"_s, q.tlsKey},
        {u"upstreamCa"_s, q.upstreamCa},
    };
    Q_ASSERT(fields.contains(name));
    return fields.value(name);
}

QString action(Options::Action a)
{
    return QString::number(int(a));
}

// A valid value for an option's VALUE placeholder.
QString sampleValue(const OptionSpec &spec)
{
    const QHash<QString, QString> samples{{u"ADDR"_s, u"127.0.0.1:0"_s}, {u"URL"_s, u"ws://127.0.0.1:1"_s},
                                          {u"N"_s, u"2"_s},          {u"TIME"_s, u"1s"_s},
                                          {u"FILE"_s, u"f"_s},          {u"LOCALE"_s, u"ja"_s},
                                          {u"PREFIX"_s, u"/tmp/"_s},    {u"DIRECTIVES"_s, u"daemon off;"_s},
                                          {u"SIGNAL"_s, u"reload"_s}};
    Q_ASSERT(spec.valueName.isEmpty() || samples.contains(spec.valueName));
    return samples.value(spec.valueName);
}

} // namespace

class tst_CommandLine final : public QObject
{
    Q_OBJECT

private slots:
    void parsesEachOption_data();
    void parsesEachOption();
    void defaults();
    void durations_data();
    void durations();
    void refusesBadDurations_data();
    void refusesBadDurations();
    void refusesBadCommandLines_data();
    void refusesBadCommandLines();
    void helpAndVersionReturnAtOnce_data();
    void helpAndVersionReturnAtOnce();
    void quickModeFlagsFromTheTable_data();
    void quickModeFlagsFromTheTable();
    void quickModeGroup();
    void wantsWindow_data();
    void wantsWindow();
    void helpListsEveryOption();
    void nginxLettersAreNginxs();
    void exitCodes();
};

void tst_CommandLine::parsesEachOption_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");

    const QString cwd = QDir::currentPath();
    QTest::newRow("--no-gui") << QStringList{u"--no-gui"_s} << u"noGui"_s << u"true"_s;
    QTest::newRow("-c") << QStringList{u"-c"_s, u"a.conf"_s} << u"configFile"_s << u"a.conf"_s;
    QTest::newRow("--config") << QStringList{u"--config"_s, u"/etc/b.conf"_s} << u"configFile"_s << u"/etc/b.conf"_s;
    QTest::newRow("-t") << QStringList{u"-t"_s} << u"action"_s << action(Options::Action::TestConfig);
    QTest::newRow("--test-config") << QStringList{u"--test-config"_s} << u"action"_s
                                   << action(Options::Action::TestConfig);
    QTest::newRow("no action: run") << QStringList{u"--no-gui"_s} << u"action"_s << action(Options::Action::Run);
    QTest::newRow("--listen repeated") << QStringList{u"--listen"_s, u"127.0.0.1:1"_s, u"--listen"_s, u"[::1]:2"_s}
                                       << u"listen"_s << u"127.0.0.1:1 [::1]:2"_s;
    QTest::newRow("--upstream repeated") << QStringList{u"--upstream"_s, u"ws://a:1"_s, u"--upstream=ws://b:2/x"_s}
                                         << u"upstreams"_s << u"ws://a:1 ws://b:2/x"_s;
    QTest::newRow("--workers") << QStringList{u"--workers"_s, u"4"_s} << u"workers"_s << u"4"_s;
    QTest::newRow("--workers at the cap") << QStringList{u"--workers"_s, u"64"_s} << u"workers"_s << u"64"_s;
    QTest::newRow("--connect-timeout") << QStringList{u"--connect-timeout"_s, u"5s"_s} << u"connectTimeoutMs"_s
                                       << u"5000"_s;
    QTest::newRow("--read-timeout") << QStringList{u"--read-timeout"_s, u"1m30s"_s} << u"readTimeoutMs"_s
                                    << u"90000"_s;
    QTest::newRow("--send-timeout") << QStringList{u"--send-timeout"_s, u"250ms"_s} << u"sendTimeoutMs"_s << u"250"_s;
    QTest::newRow("--drain-timeout") << QStringList{u"--drain-timeout"_s, u"2m"_s} << u"drainTimeoutMs"_s
                                     << u"120000"_s;
    QTest::newRow("--ping-interval") << QStringList{u"--ping-interval"_s, u"20s"_s} << u"pingIntervalMs"_s
                                     << u"20000"_s;
    QTest::newRow("--ping-timeout") << QStringList{u"--ping-timeout"_s, u"5s"_s} << u"pingTimeoutMs"_s << u"5000"_s;
    QTest::newRow("--no-inspect") << QStringList{u"--no-inspect"_s} << u"inspect"_s << u"false"_s;
    QTest::newRow("--demo") << QStringList{u"--demo"_s} << u"demo"_s << u"true"_s;
    QTest::newRow("--demo listens on 8080") << QStringList{u"--demo"_s} << u"listen"_s << u"127.0.0.1:8080"_s;
    QTest::newRow("--demo with --listen") << QStringList{u"--demo"_s, u"--listen"_s, u"127.0.0.1:0"_s} << u"listen"_s
                                          << u"127.0.0.1:0"_s;
    QTest::newRow("--capture") << QStringList{u"--capture"_s, u"/tmp/cap"_s} << u"capture"_s << u"/tmp/cap"_s;
    QTest::newRow("--verbose") << QStringList{u"--verbose"_s} << u"verbosity"_s << u"1"_s;
    QTest::newRow("--verbose twice") << QStringList{u"--verbose"_s, u"--verbose"_s} << u"verbosity"_s << u"2"_s;
    QTest::newRow("no --verbose") << QStringList{} << u"verbosity"_s << u"0"_s;
    // nginx's command line (nginx -h)
    QTest::newRow("-p gets a slash") << QStringList{u"-p"_s, u"/srv/w"_s} << u"prefix"_s << u"/srv/w/"_s;
    QTest::newRow("-p kept") << QStringList{u"-p"_s, u"/srv/w/"_s} << u"prefix"_s << u"/srv/w/"_s;
    QTest::newRow("-p made absolute") << QStringList{u"-p"_s, u"w"_s} << u"prefix"_s << cwd + u"/w/"_s;
    QTest::newRow("-c under -p") << QStringList{u"-p"_s, u"/srv/w/"_s, u"-c"_s, u"nginx.conf"_s} << u"configFile"_s
                                 << u"/srv/w/nginx.conf"_s;
    QTest::newRow("-c absolute with -p") << QStringList{u"-c"_s, u"/etc/n.conf"_s, u"-p"_s, u"/srv/w"_s}
                                         << u"configFile"_s << u"/etc/n.conf"_s;
    QTest::newRow("-e under -p") << QStringList{u"-p"_s, u"/srv/w/"_s, u"-e"_s, u"error.log"_s} << u"errorLog"_s
                                 << u"/srv/w/error.log"_s;
    QTest::newRow("-e without -p") << QStringList{u"-e"_s, u"e.log"_s} << u"errorLog"_s << cwd + u"/e.log"_s;
    QTest::newRow("-e stderr") << QStringList{u"-p"_s, u"/srv/"_s, u"-e"_s, u"stderr"_s} << u"errorLog"_s
                               << u"stderr"_s;
    QTest::newRow("-g") << QStringList{u"-g"_s, u"daemon off; pid /run/w.pid;"_s} << u"globals"_s
                        << u"daemon off; pid /run/w.pid;"_s;
    QTest::newRow("-T is -t") << QStringList{u"-T"_s} << u"action"_s << action(Options::Action::TestConfig);
    QTest::newRow("-T dumps") << QStringList{u"-T"_s} << u"dump"_s << u"true"_s;
    QTest::newRow("-t does not dump") << QStringList{u"-t"_s} << u"dump"_s << u"false"_s;
    QTest::newRow("-q") << QStringList{u"-t"_s, u"-q"_s} << u"quiet"_s << u"true"_s;
    QTest::newRow("-tq compacted") << QStringList{u"-tq"_s} << u"quiet"_s << u"true"_s;
    QTest::newRow("-s reload") << QStringList{u"-s"_s, u"reload"_s} << u"signal"_s << u"reload"_s;
    QTest::newRow("-s is an action") << QStringList{u"-s"_s, u"quit"_s} << u"action"_s
                                     << action(Options::Action::Signal);
    QTest::newRow("--lang") << QStringList{u"--lang"_s, u"zh_CN"_s} << u"lang"_s << u"zh_CN"_s;
    QTest::newRow("--tls") << QStringList{u"--tls"_s} << u"localTls"_s << u"true"_s;
    QTest::newRow("--tls-cert made absolute") << QStringList{u"--tls-cert"_s, u"c.pem"_s} << u"tlsCertificate"_s
                                              << cwd + u"/c.pem"_s;
    QTest::newRow("--tls-key made absolute") << QStringList{u"--tls-key"_s, u"k.pem"_s} << u"tlsKey"_s
                                             << cwd + u"/k.pem"_s;
    QTest::newRow("--upstream-ca absolute kept") << QStringList{u"--upstream-ca"_s, u"/ca.pem"_s} << u"upstreamCa"_s
                                                 << u"/ca.pem"_s;
}

void tst_CommandLine::parsesEachOption()
{
    QFETCH(QStringList, args);
    QFETCH(QString, field);
    QFETCH(QString, expected);
    const CommandLine::ParseResult r = parse(args);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(::field(r.options, field), expected);
}

// Without options: the quick-mode defaults are nginx's (60s timeouts).
void tst_CommandLine::defaults()
{
    const CommandLine::ParseResult r = parse({});
    QVERIFY(r.ok());
    QCOMPARE(r.options.action, Options::Action::Run);
    QVERIFY(!r.options.quickMode());
    QVERIFY(r.options.configFile.isEmpty());
    QCOMPARE(r.options.quick.connectTimeoutMs, 60'000);
    QCOMPARE(r.options.quick.readTimeoutMs, 60'000);
    QCOMPARE(r.options.quick.sendTimeoutMs, 60'000);
    QCOMPARE(r.options.quick.drainTimeoutMs, 10'000);
    QCOMPARE(r.options.quick.workers, 0);
    QVERIFY(r.options.quick.inspect);
}

// The configuration's own time parser (ConfUnits::parseMsec, nginx's
// ngx_parse_time): the flags take what proxy_read_timeout takes.
void tst_CommandLine::durations_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ms");
    QTest::newRow("1m30s") << u"1m30s"_s << qint64(90'000);
    QTest::newRow("500ms") << u"500ms"_s << qint64(500);
    QTest::newRow("2h") << u"2h"_s << qint64(7'200'000);
    QTest::newRow("1h30m") << u"1h30m"_s << qint64(5'400'000);
    QTest::newRow("bare number is seconds") << u"60"_s << qint64(60'000);
    QTest::newRow("1m30 (seconds at the end)") << u"1m30"_s << qint64(90'000);
    QTest::newRow("1d") << u"1d"_s << qint64(86'400'000);
    QTest::newRow("1w") << u"1w"_s << qint64(604'800'000);
    QTest::newRow("1s 500ms") << u"1s 500ms"_s << qint64(1'500);
    QTest::newRow("zero") << u"0"_s << qint64(0);
}

void tst_CommandLine::durations()
{
    QFETCH(QString, text);
    QFETCH(qint64, ms);
    const CommandLine::ParseResult r = parse({u"--read-timeout"_s, text});
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.options.quick.readTimeoutMs, ms);
}

void tst_CommandLine::refusesBadDurations_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("text");
    const QString garbage[] = {u"soon"_s, u""_s, u"-5s"_s, u"5x"_s, u"1s1h"_s, u"1M"_s, u"s"_s, u"1.5s"_s};
    for (const OptionSpec &spec : CommandLine::options()) {
        if (spec.valueName != u"TIME"_s)
            continue;
        for (const QString &g : garbage)
            QTest::addRow("%s \"%s\"", qPrintable(spec.spelling()), qPrintable(g)) << spec.spelling() << g;
    }
}

void tst_CommandLine::refusesBadDurations()
{
    QFETCH(QString, option);
    QFETCH(QString, text);
    const CommandLine::ParseResult r = parse({option, text});
    QVERIFY(!r.ok());
    QCOMPARE(r.error, u"%1: invalid duration \"%2\" (e.g. 60s, 500ms, 1m30s, 2h)"_s.arg(option, text));
}

void tst_CommandLine::refusesBadCommandLines_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown option") << QStringList{u"--bogus"_s} << u"Unknown option 'bogus'."_s;
    QTest::newRow("unknown short option") << QStringList{u"-x"_s} << u"Unknown option 'x'."_s;
    QTest::newRow("missing value") << QStringList{u"--listen"_s} << u"Missing value after '--listen'."_s;
    QTest::newRow("missing file") << QStringList{u"-c"_s} << u"Missing value after '-c'."_s;
    QTest::newRow("-s with an unknown signal") << QStringList{u"-s"_s, u"restart"_s}
                                               << u"-s: invalid option \"restart\" (reload, reopen, quit or stop)"_s;
    QTest::newRow("value for a switch") << QStringList{u"--demo=yes"_s}
                                        << u"Unexpected value after '--demo'."_s;
    QTest::newRow("positional") << QStringList{u"serve"_s} << u"unexpected argument \"serve\""_s;
    QTest::newRow("workers 0") << QStringList{u"--workers"_s, u"0"_s} << u"--workers takes a number from 1 to 64"_s;
    QTest::newRow("workers 65") << QStringList{u"--workers"_s, u"65"_s} << u"--workers takes a number from 1 to 64"_s;
    QTest::newRow("workers text") << QStringList{u"--workers"_s, u"four"_s}
                                  << u"--workers takes a number from 1 to 64"_s;
    QTest::newRow("--tls and --tls-cert") << QStringList{u"--tls"_s, u"--tls-cert"_s, u"c.pem"_s}
                                          << u"--tls issues a local certificate; --tls-cert uses yours: pick one"_s;
    QTest::newRow("-c with quick flags")
        << QStringList{u"-c"_s, u"a.conf"_s, u"--upstream"_s, u"ws://a:1"_s, u"--listen"_s, u"127.0.0.1:0"_s}
        << u"-c cannot be combined with quick-mode flags (here --listen, --upstream); set those in the file"_s;
    QTest::newRow("-c with --demo") << QStringList{u"-c"_s, u"a.conf"_s, u"--demo"_s}
                                    << u"-c cannot be combined with quick-mode flags (here --demo); set those in the file"_s;
}

void tst_CommandLine::refusesBadCommandLines()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const CommandLine::ParseResult r = parse(args);
    QVERIFY(!r.ok());
    QCOMPARE(r.error, message);
}

// As before the table: --help and --version win over everything after a
// successful parse, and the values are not checked.
void tst_CommandLine::helpAndVersionReturnAtOnce_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("action");
    QTest::newRow("-h") << QStringList{u"-h"_s} << int(Options::Action::Help);
    QTest::newRow("--help with a bad value") << QStringList{u"--help"_s, u"--workers"_s, u"0"_s}
                                             << int(Options::Action::Help);
    QTest::newRow("--version") << QStringList{u"--version"_s} << int(Options::Action::Version);
    QTest::newRow("--version with -t") << QStringList{u"-t"_s, u"--version"_s} << int(Options::Action::Version);
    QTest::newRow("-v is nginx's") << QStringList{u"-v"_s} << int(Options::Action::NginxVersion);
    QTest::newRow("-V") << QStringList{u"-V"_s} << int(Options::Action::NginxBuild);
    QTest::newRow("-V with -t") << QStringList{u"-t"_s, u"-V"_s} << int(Options::Action::NginxBuild);
}

void tst_CommandLine::helpAndVersionReturnAtOnce()
{
    QFETCH(QStringList, args);
    QFETCH(int, action);
    const CommandLine::ParseResult r = parse(args);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(int(r.options.action), action);
}

// Every option of the table on its own: quick mode exactly when its row
// says so, and the option is what quickFlags names.
void tst_CommandLine::quickModeFlagsFromTheTable_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("quick");
    for (const OptionSpec &spec : CommandLine::options()) {
        using enum CommandLine::OptionId;
        if (spec.id == Help || spec.id == Version || spec.id == NginxVersion || spec.id == NginxBuild)
            continue; // they end parsing
        QStringList args{spec.spelling()};
        if (!spec.valueName.isEmpty())
            args << sampleValue(spec);
        QTest::newRow(qPrintable(spec.spelling())) << args << bool(spec.flags & CommandLine::QuickMode);
    }
}

void tst_CommandLine::quickModeFlagsFromTheTable()
{
    QFETCH(QStringList, args);
    QFETCH(bool, quick);
    const CommandLine::ParseResult r = parse(args);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.options.quickMode(), quick);
    QCOMPARE(r.options.quickFlags, quick ? QStringList{args.constFirst()} : QStringList{});
}

// The group itself, as the README and -c's message describe it.
void tst_CommandLine::quickModeGroup()
{
    QStringList quick;
    for (const OptionSpec &spec : CommandLine::options()) {
        if (spec.flags & CommandLine::QuickMode)
            quick << spec.spelling();
    }
    const QStringList expected{u"--listen"_s,        u"--upstream"_s,      u"--workers"_s,       u"--connect-timeout"_s,
                               u"--read-timeout"_s,  u"--send-timeout"_s,  u"--drain-timeout"_s, u"--demo"_s,
                               u"--ping-interval"_s, u"--ping-timeout"_s,  u"--no-inspect"_s,    u"--tls"_s,
                               u"--tls-cert"_s,      u"--tls-key"_s,       u"--upstream-ca"_s};
    QCOMPARE(quick, expected);
}

void tst_CommandLine::wantsWindow_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("window");
    QTest::newRow("nothing") << QStringList{} << true;
    QTest::newRow("--demo") << QStringList{u"--demo"_s} << true;
    QTest::newRow("-c FILE") << QStringList{u"-c"_s, u"a.conf"_s} << true;
    QTest::newRow("--no-gui") << QStringList{u"--no-gui"_s} << false;
    QTest::newRow("--no-gui later") << QStringList{u"--listen"_s, u"127.0.0.1:0"_s, u"--no-gui"_s} << false;
    QTest::newRow("-t") << QStringList{u"-t"_s, u"-c"_s, u"a.conf"_s} << false;
    QTest::newRow("--test-config") << QStringList{u"--test-config"_s} << false;
    QTest::newRow("-h") << QStringList{u"-h"_s} << false;
    QTest::newRow("--help") << QStringList{u"--help"_s} << false;
    QTest::newRow("--version") << QStringList{u"--version"_s} << false;
    // An nginx-style start (nginx-tests, a service unit) never opens a window.
    QTest::newRow("-p") << QStringList{u"-p"_s, u"/srv/"_s, u"-c"_s, u"a.conf"_s} << false;
    QTest::newRow("-pDIR") << QStringList{u"-p/srv/"_s, u"-c"_s, u"a.conf"_s} << false;
    QTest::newRow("-e") << QStringList{u"-c"_s, u"a.conf"_s, u"-e"_s, u"stderr"_s} << false;
    QTest::newRow("-g") << QStringList{u"-c"_s, u"a.conf"_s, u"-g"_s, u"daemon on;"_s} << false;
    QTest::newRow("-s") << QStringList{u"-s"_s, u"reload"_s} << false;
    QTest::newRow("-T") << QStringList{u"-T"_s} << false;
    QTest::newRow("-q") << QStringList{u"-q"_s} << false;
    QTest::newRow("-v") << QStringList{u"-v"_s} << false;
    QTest::newRow("-V") << QStringList{u"-V"_s} << false;
}

void tst_CommandLine::wantsWindow()
{
    QFETCH(QStringList, args);
    QFETCH(bool, window);
    QCOMPARE(CommandLine::wantsWindow(QStringList{u"wsscope"_s} + args), window);
    QVERIFY(CommandLine::wantsWindow({u"--no-gui"_s})); // argv[0] is the program, not an option
}

void tst_CommandLine::helpListsEveryOption()
{
    const QString help = CommandLine::helpText();
    for (const OptionSpec &spec : CommandLine::options()) {
        QVERIFY2(help.contains(spec.spelling()), qPrintable(spec.spelling()));
        QVERIFY2(help.contains(spec.description.left(20)), qPrintable(spec.spelling()));
    }
    QVERIFY(help.contains(u"-c, --config <FILE>"_s));
    QVERIFY(help.contains(u"Quick mode:"_s));
}

// nginx -h's letters mean what they mean in nginx, and no name is taken twice.
void tst_CommandLine::nginxLettersAreNginxs()
{
    using enum CommandLine::OptionId;
    const QHash<QString, CommandLine::OptionId> nginx{
        {u"h"_s, Help},     {u"v"_s, NginxVersion}, {u"V"_s, NginxBuild}, {u"t"_s, TestConfig}, {u"T"_s, TestDump},
        {u"q"_s, Quiet},    {u"s"_s, Signal},       {u"p"_s, Prefix},     {u"e"_s, ErrorLog},    {u"c"_s, Config},
        {u"g"_s, Globals}};
    QSet<QString> seen;
    for (const OptionSpec &spec : CommandLine::options()) {
        for (const QString &name : spec.names) {
            QVERIFY2(!seen.contains(name), qPrintable(name));
            seen.insert(name);
            if (name.size() == 1) {
                QVERIFY2(nginx.contains(name), qPrintable(u"-%1 is not an nginx flag"_s.arg(name)));
                QCOMPARE(int(spec.id), int(nginx.value(name)));
            }
        }
    }
    for (auto it = nginx.cbegin(); it != nginx.cend(); ++it)
        QVERIFY2(seen.contains(it.key()), qPrintable(it.key()));
}

// README "Exit codes": 0 ok, 1 runtime error, 2 usage error.
void tst_CommandLine::exitCodes()
{
    QCOMPARE(int(ExitOk), 0);
    QCOMPARE(int(ExitRuntimeError), 1);
    QCOMPARE(int(ExitUsage), 2);
    QCOMPARE(CommandLine::reportUsageError(u"test message"_s), int(ExitUsage));
}

QTEST_GUILESS_MAIN(tst_CommandLine)
#include "tst_commandline.moc"
