// wsscope: upgrade-aware WebSocket reverse proxy with a live inspector.
// The application object is chosen from argv before it exists: a
// QCoreApplication for --no-gui (no display, no X libraries touched), a
// QApplication otherwise.

#include "config/configcompiler.h"
#include "config/configdoctor.h"
#include "demo.h"
#include "connectionsmodel.h"
#include "inspect/capturewriter.h"
#include "localinspectorsource.h"
#include "mainwindow.h"
#include "ops/logging.h"
#include "ops/signalwatcher.h"
#include "proxy/proxyserver.h"
#include "quickmode.h"
#include "subcommands.h"
#include "tls/localcertificate.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTranslator>

#include <csignal>
#include <cstdio>
#include <memory>

namespace {

enum ExitCode { ExitOk = 0, ExitRuntimeError = 1, ExitUsage = 2 };

bool hasArg(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], name) == 0)
            return true;
    }
    return false;
}

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
        || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

// Compiler-style lines on stderr: "file:line:col: error: message".
void printDiagnostics(const QList<ConfDiagnostic> &diagnostics)
{
    for (const ConfDiagnostic &d : diagnostics)
        std::fprintf(stderr, "%s\n", qPrintable(d.toString()));
}

QList<ConfDiagnostic> doctorDiagnostics(const ProxyConfig &config)
{
    QList<ConfDiagnostic> out;
    for (const DoctorFinding &f : ConfigDoctor::check(config))
        out += f.toDiagnostics();
    return out;
}

// Where the configuration comes from: a file (-c), the quick-mode flags, or
// the built-in default; all three go through the same compiler.
struct ConfigSource
{
    QString path;    // -c FILE: reloadable
    QByteArray text; // generated or built in
    QString name;    // for messages

    ConfigCompileResult compile() const
    {
        return path.isEmpty() ? ConfigCompiler::compileText(text, name) : ConfigCompiler::compileFile(path);
    }
};

[[noreturn]] void usageError(const QString &message)
{
    std::fprintf(stderr, "wsscope: %s\n", qPrintable(message));
    std::fprintf(stderr, "Try 'wsscope --help' for more information.\n");
    std::exit(ExitUsage);
}

// --tls: a leaf from the local CA for the names a laptop client uses, plus
// the listen addresses that are not wildcards.
void useLocalCertificate(QuickModeOptions *quick)
{
    QStringList hosts{QStringLiteral("localhost"), QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
    for (const QString &l : std::as_const(quick->listen)) {
        ListenAddress a;
        QString ignored;
        if (parseListenAddress(l, &a, &ignored) && !a.address.isNull() && a.address != QHostAddress::AnyIPv4
            && a.address != QHostAddress::AnyIPv6 && !hosts.contains(a.address.toString()))
            hosts << a.address.toString();
    }
    LocalCertificate cert;
    QString error;
    if (!LocalCertificate::ensure(hosts, QString(), &cert, &error)) {
        std::fprintf(stderr, "wsscope: --tls: %s\n", qPrintable(error));
        std::exit(ExitRuntimeError);
    }
    if (cert.createdCa)
        std::fprintf(stderr, "wsscope: created the local development CA %s; clients must trust it once "
                             "(wsscope cert show; `wsscope cert init` prints how per system)\n",
                     qPrintable(QDir::toNativeSeparators(cert.caFile)));
    if (cert.issued)
        std::fprintf(stderr, "wsscope: issued %s for %s\n", qPrintable(QDir::toNativeSeparators(cert.chainFile)),
                     qPrintable(hosts.join(QStringLiteral(", "))));
    quick->tlsCertificate = cert.chainFile;
    quick->tlsKey = cert.keyFile;
}

} // namespace

int main(int argc, char *argv[])
{
    // `wsscope cert ...` / `wsscope tls-check ...` run to completion with a
    // QCoreApplication of their own.
    if (Subcommands::isSubcommand(argc, argv))
        return Subcommands::run(argc, argv);

    const bool infoOnly = hasArg(argc, argv, "--help") || hasArg(argc, argv, "-h") || hasArg(argc, argv, "--version")
        || hasArg(argc, argv, "-t") || hasArg(argc, argv, "--test-config");
    bool gui = !hasArg(argc, argv, "--no-gui") && !infoOnly;
    if (gui && !hasDisplay()) {
        std::fprintf(stderr, "wsscope: no display found; running headless (pass --no-gui to silence this)\n");
        gui = false;
    }

    std::unique_ptr<QCoreApplication> app(gui ? new QApplication(argc, argv) : new QCoreApplication(argc, argv));
    QCoreApplication::setApplicationName(QStringLiteral("wsscope"));
    QCoreApplication::setOrganizationName(QStringLiteral("wsscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WSSCOPE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Upgrade-aware WebSocket reverse proxy with a live traffic inspector.\n\n"
        "Config file: wsscope --no-gui -c wsscope.conf   (nginx syntax; SIGHUP reloads it)\n"
        "Check it:    wsscope -t -c wsscope.conf\n"
        "Quick mode:  wsscope --no-gui --listen 127.0.0.1:8080 --upstream ws://127.0.0.1:9000\n"
        "Demo:        wsscope --demo   (built-in echo upstreams and a synthetic client)"));
    parser.addHelpOption();
    // Not addVersionOption(): it would take -v, which is verbosity here.
    const QCommandLineOption version(QStringLiteral("version"), QStringLiteral("Print the version and exit."));
    const QCommandLineOption noGui(QStringLiteral("no-gui"), QStringLiteral("Run headless (no window; no display needed)."));
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Listen on ADDR (HOST:PORT, [IPv6]:PORT). Port 0 picks a free port."),
                                    QStringLiteral("ADDR"));
    const QCommandLineOption upstream(QStringLiteral("upstream"),
                                      QStringLiteral("Proxy to URL (ws://HOST:PORT[/path]). Repeat for a round-robin group."),
                                      QStringLiteral("URL"));
    const QCommandLineOption workers(QStringLiteral("workers"),
                                     QStringLiteral("Worker threads (default: one per core)."), QStringLiteral("N"));
    const QCommandLineOption connectTimeout(QStringLiteral("connect-timeout"),
                                            QStringLiteral("proxy_connect_timeout (default 60s)."), QStringLiteral("TIME"));
    const QCommandLineOption readTimeout(QStringLiteral("read-timeout"),
                                         QStringLiteral("proxy_read_timeout: idle tunnel limit (default 60s)."),
                                         QStringLiteral("TIME"));
    const QCommandLineOption sendTimeout(QStringLiteral("send-timeout"),
                                         QStringLiteral("proxy_send_timeout (default 60s)."), QStringLiteral("TIME"));
    const QCommandLineOption drainTimeout(QStringLiteral("drain-timeout"),
                                          QStringLiteral("On SIGTERM/SIGINT, how long open tunnels may finish (default 10s)."),
                                          QStringLiteral("TIME"));
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  QStringLiteral("Start two echo upstreams and a synthetic client (listens on 127.0.0.1:8080 unless --listen)."));
    const QCommandLineOption configFile(QStringList{QStringLiteral("c"), QStringLiteral("config")},
                                        QStringLiteral("Use the configuration FILE (nginx syntax). Without it and without "
                                                       "quick-mode flags, the built-in configuration is used."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption testConfig(QStringList{QStringLiteral("t"), QStringLiteral("test-config")},
                                        QStringLiteral("Check the configuration (like nginx -t), print its diagnostics and "
                                                       "the config doctor's findings, and exit (0 ok, 2 errors)."));
    const QCommandLineOption pingInterval(QStringLiteral("ping-interval"),
                                          QStringLiteral("ws_ping_interval: the proxy pings both peers this often, swallows "
                                                         "their pongs, measures RTT and closes a dead peer (default off)."),
                                          QStringLiteral("TIME"));
    const QCommandLineOption pingTimeout(QStringLiteral("ping-timeout"),
                                         QStringLiteral("ws_ping_timeout: how long a pong may take (default: the interval)."),
                                         QStringLiteral("TIME"));
    const QCommandLineOption noInspect(QStringLiteral("no-inspect"),
                                       QStringLiteral("ws_inspect off: tunnel bytes without watching frames."));
    const QCommandLineOption capture(QStringLiteral("capture"),
                                     QStringLiteral("Record traffic: FILE.jsonl live (one event per line) and FILE.har "
                                                    "(HAR 1.2 with WebSocket messages, Chrome-compatible) at exit or on SIGUSR1."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption verbose(QStringList{QStringLiteral("v"), QStringLiteral("verbose")},
                                     QStringLiteral("More log output on stderr (-v debug, -vv with Qt's own)."));
    const QCommandLineOption tlsLocal(QStringLiteral("tls"),
                                      QStringLiteral("Serve wss:// with a certificate from the local development CA "
                                                     "(created on first use; see wsscope cert)."));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"),
                                     QStringLiteral("Serve wss:// with this certificate chain (PEM, leaf first)."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"), QStringLiteral("The key of --tls-cert (PEM)."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption upstreamCa(QStringLiteral("upstream-ca"),
                                        QStringLiteral("Verify wss:// upstreams against this CA (PEM); default: no "
                                                       "verification, as nginx."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption lang(QStringLiteral("lang"),
                                  QStringLiteral("Window language (zh_CN, ja, en, ...; default: the system locale)."),
                                  QStringLiteral("LOCALE"));
    parser.addOptions({version, noGui, configFile, testConfig, listen, upstream, workers, connectTimeout, readTimeout,
                       sendTimeout, drainTimeout, demo, pingInterval, pingTimeout, noInspect, capture, verbose, lang,
                       tlsLocal, tlsCert, tlsKey, upstreamCa});

    if (!parser.parse(QCoreApplication::arguments()))
        usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return ExitOk;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        std::printf("wsscope %s (Qt %s)\n", WSSCOPE_VERSION, qVersion());
        return ExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        usageError(QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst()));

    Logging::install(int(parser.optionNames().count(QStringLiteral("v"))
                         + parser.optionNames().count(QStringLiteral("verbose"))));

    QuickModeOptions quick;
    quick.listen = parser.values(listen);
    quick.upstreams = parser.values(upstream);
    if (parser.isSet(workers)) {
        bool ok = false;
        quick.workers = parser.value(workers).toInt(&ok);
        if (!ok || quick.workers < 1 || quick.workers > 64)
            usageError(QStringLiteral("--workers takes a number from 1 to 64"));
    }
    auto duration = [&](const QCommandLineOption &opt, qint64 *out) {
        if (!parser.isSet(opt))
            return;
        const qint64 ms = parseDurationMs(parser.value(opt));
        if (ms < 0)
            usageError(QStringLiteral("--%1: invalid duration \"%2\" (e.g. 60s, 500ms, 2m)")
                           .arg(opt.names().constFirst(), parser.value(opt)));
        *out = ms;
    };
    duration(connectTimeout, &quick.connectTimeoutMs);
    duration(readTimeout, &quick.readTimeoutMs);
    duration(sendTimeout, &quick.sendTimeoutMs);
    duration(drainTimeout, &quick.drainTimeoutMs);
    duration(pingInterval, &quick.pingIntervalMs);
    duration(pingTimeout, &quick.pingTimeoutMs);
    quick.inspect = !parser.isSet(noInspect);
    quick.tlsCertificate = parser.isSet(tlsCert) ? QFileInfo(parser.value(tlsCert)).absoluteFilePath() : QString();
    quick.tlsKey = parser.isSet(tlsKey) ? QFileInfo(parser.value(tlsKey)).absoluteFilePath() : QString();
    quick.upstreamCa = parser.isSet(upstreamCa) ? QFileInfo(parser.value(upstreamCa)).absoluteFilePath() : QString();
    if (parser.isSet(tlsLocal) && parser.isSet(tlsCert))
        usageError(QStringLiteral("--tls issues a local certificate; --tls-cert uses yours: pick one"));

    const bool quickFlags = parser.isSet(listen) || parser.isSet(upstream) || parser.isSet(demo) || parser.isSet(workers)
        || parser.isSet(connectTimeout) || parser.isSet(readTimeout) || parser.isSet(sendTimeout)
        || parser.isSet(drainTimeout) || parser.isSet(pingInterval) || parser.isSet(pingTimeout)
        || parser.isSet(noInspect) || parser.isSet(tlsLocal) || parser.isSet(tlsCert) || parser.isSet(tlsKey)
        || parser.isSet(upstreamCa);
    if (parser.isSet(configFile) && quickFlags)
        usageError(QStringLiteral("-c cannot be combined with quick-mode flags (--listen, --upstream, --demo, "
                                  "--workers, --*-timeout); set those in the file"));

    std::unique_ptr<Demo> demoEnv;
    ConfigSource source;
    if (parser.isSet(configFile)) {
        source.path = parser.value(configFile);
        source.name = source.path;
    } else if (quickFlags) {
        if (parser.isSet(demo) && !parser.isSet(testConfig)) {
            demoEnv = std::make_unique<Demo>();
            QString error;
            const QStringList urls = demoEnv->startUpstreams(&error);
            if (urls.isEmpty()) {
                std::fprintf(stderr, "wsscope: %s\n", qPrintable(error));
                return ExitRuntimeError;
            }
            quick.upstreams += urls;
        }
        if (parser.isSet(demo) && quick.listen.isEmpty())
            quick.listen << QStringLiteral("127.0.0.1:8080");
        if (parser.isSet(tlsLocal) && !parser.isSet(testConfig))
            useLocalCertificate(&quick);
        QString error;
        source.text = buildQuickConfigText(quick, &error);
        if (source.text.isEmpty())
            usageError(error);
        source.name = QStringLiteral("<quick mode>");
    } else {
        QFile builtIn(QStringLiteral(":/wsscope/wsscope.conf"));
        if (!builtIn.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "wsscope: the built-in configuration is missing\n");
            return ExitRuntimeError;
        }
        source.text = builtIn.readAll();
        source.name = QStringLiteral("<built-in wsscope.conf>");
    }

    ConfigCompileResult compiled = source.compile();
    if (parser.isSet(testConfig)) {
        // nginx -t: diagnostics, then the verdict; exit 0 or 2.
        printDiagnostics(compiled.diagnostics);
        if (!compiled.ok()) {
            std::fprintf(stderr, "wsscope: configuration file %s test failed\n", qPrintable(source.name));
            return ExitUsage;
        }
        printDiagnostics(doctorDiagnostics(*compiled.config));
        std::fprintf(stderr, "wsscope: the configuration file %s syntax is ok\n", qPrintable(source.name));
        std::fprintf(stderr, "wsscope: configuration file %s test is successful\n", qPrintable(source.name));
        return ExitOk;
    }
    if (!compiled.ok()) {
        printDiagnostics(compiled.diagnostics);
        if (source.path.isEmpty() && source.name == QStringLiteral("<quick mode>")) {
            for (const ConfDiagnostic &d : std::as_const(compiled.diagnostics)) {
                if (d.isError())
                    usageError(d.message);
            }
        }
        std::fprintf(stderr, "wsscope: configuration file %s test failed\n", qPrintable(source.name));
        return ExitUsage;
    }
    if (!quickFlags) {
        // A file (or the built-in one): its warnings and the doctor's findings.
        printDiagnostics(compiled.diagnostics);
        printDiagnostics(doctorDiagnostics(*compiled.config));
    }
    std::shared_ptr<ProxyConfig> config = compiled.config;

    QString error;
    ProxyServer server;
    // The window's view of the proxy: subscribed before start() so it sees
    // the first connection (the batches wait in the bus until exec()).
    std::unique_ptr<LocalInspectorSource> inspector;
    if (gui) {
        QByteArray text = source.text;
        if (!source.path.isEmpty()) {
            QFile file(source.path);
            if (file.open(QIODevice::ReadOnly))
                text = file.readAll();
        }
        inspector = std::make_unique<LocalInspectorSource>(&server, QString::fromUtf8(text), source.name);
    }
    // --capture: subscribe before start() so the first connection is seen.
    std::unique_ptr<CaptureWriter> captureWriter;
    if (parser.isSet(capture)) {
        captureWriter = std::make_unique<CaptureWriter>(parser.value(capture));
        QString captureError;
        if (!captureWriter->openJsonl(&captureError)) {
            std::fprintf(stderr, "wsscope: --capture: %s\n", qPrintable(captureError));
            return ExitRuntimeError;
        }
        CaptureWriter *writer = captureWriter.get();
        server.events().subscribe(app.get(), [writer](const QList<InspectEvent> &batch) { writer->consume(batch); });
        qCInfo(lcProxy).noquote() << "capturing to" << writer->jsonlPath() << "and" << writer->harPath();
    }
    if (!server.start(config, &error)) {
        if (demoEnv && !parser.isSet(listen)) {
            // The demo's default port is taken: any free port will do.
            quick.listen = {QStringLiteral("127.0.0.1:0")};
            source.text = buildQuickConfigText(quick, &error);
            config = buildQuickConfig(quick, &error);
            if (inspector)
                inspector->setConfigText(QString::fromUtf8(source.text), source.name);
            if (!config || !server.start(config, &error)) {
                std::fprintf(stderr, "wsscope: %s\n", qPrintable(error));
                return ExitRuntimeError;
            }
        } else {
            std::fprintf(stderr, "wsscope: %s\n", qPrintable(error));
            return ExitRuntimeError;
        }
    }

    const QList<ListenAddress> bound = server.boundAddresses();
    if (demoEnv) {
        const ListenAddress &a = bound.constFirst();
        demoEnv->startClient(QUrl(QStringLiteral("ws://%1/demo").arg(a.toString())));
    }

    SignalWatcher signalWatcher({SIGTERM, SIGINT, SIGHUP, SIGUSR1});
    QObject::connect(&signalWatcher, &SignalWatcher::signalReceived, &server, [&server, &source, &captureWriter](int sig) {
        if (sig == SIGHUP) {
            if (source.path.isEmpty()) {
                qCInfo(lcProxy).noquote() << "SIGHUP:" << source.name << "has no configuration file to reload";
                return;
            }
            // Validate first: on any error the running configuration stays.
            qCInfo(lcProxy).noquote() << "SIGHUP: reloading" << source.path;
            const ConfigCompileResult next = source.compile();
            for (const ConfDiagnostic &d : next.diagnostics) {
                if (d.isError())
                    qCWarning(lcProxy).noquote() << d.toString();
                else
                    qCInfo(lcProxy).noquote() << d.toString();
            }
            if (!next.ok()) {
                qCWarning(lcProxy).noquote() << "reload failed:" << next.errorCount()
                                             << "error(s); keeping the running configuration";
                return;
            }
            for (const ConfDiagnostic &d : doctorDiagnostics(*next.config))
                qCInfo(lcProxy).noquote() << d.toString();
            QString reloadError;
            if (!server.reload(next.config, &reloadError))
                qCWarning(lcProxy).noquote() << "reload failed:" << reloadError << "- keeping the running configuration";
            return;
        }
        if (sig == SIGUSR1) {
            if (!captureWriter) {
                qCInfo(lcProxy) << "SIGUSR1: no --capture in effect";
                return;
            }
            QString harError;
            if (captureWriter->writeHar(&harError))
                qCInfo(lcProxy).noquote() << "SIGUSR1: wrote" << captureWriter->harPath();
            else
                qCWarning(lcProxy).noquote() << "SIGUSR1: cannot write" << captureWriter->harPath() << ':' << harError;
            return;
        }
        if (server.isStopping()) {
            qCInfo(lcProxy) << "second signal: exiting now";
            QCoreApplication::exit(ExitOk);
            return;
        }
        qCInfo(lcProxy).noquote() << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << "received: graceful shutdown";
        server.shutdown(server.config()->drainTimeoutMs);
    });
    QObject::connect(&server, &ProxyServer::stopped, app.get(), [] { QCoreApplication::exit(ExitOk); });

    std::unique_ptr<MainWindow> window;
    if (gui) {
        // Translations: the system locale or --lang, Qt's own strings too.
        const QLocale locale = parser.isSet(lang) ? QLocale(parser.value(lang)) : QLocale::system();
        QLocale::setDefault(locale);
        auto *qtTranslator = new QTranslator(app.get());
        if (qtTranslator->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                               QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(qtTranslator);
        auto *translator = new QTranslator(app.get());
        if (translator->load(locale, QStringLiteral("wsscope"), QStringLiteral("_"), QStringLiteral(":/i18n")))
            QCoreApplication::installTranslator(translator);

        window = std::make_unique<MainWindow>(inspector.get());
        window->show();
        QObject::connect(qApp, &QCoreApplication::aboutToQuit, &server, [&server] { server.shutdown(0); });

        // WSSCOPE_SCREENSHOTS=DIR: after some live traffic, save each main
        // view as DIR/<view>.png and quit (README pictures, taken under Xvfb).
        const QString shots = qEnvironmentVariable("WSSCOPE_SCREENSHOTS");
        if (!shots.isEmpty()) {
            MainWindow *w = window.get();
            const int delayMs = qEnvironmentVariableIntValue("WSSCOPE_SCREENSHOTS_DELAY_MS");
            QTimer::singleShot(delayMs > 0 ? delayMs : 12000, w, [w, shots] {
                QDir().mkpath(shots);
                ConnectionsModel *model = w->connectionsModel();
                for (int row = model->rowCount() - 1; row >= 0; --row) {
                    const ConnectionRecord *r = model->recordAt(row);
                    if (r->tunnel && r->frames.size() > 6 && w->selectConnection(r->id))
                        break;
                }
                auto *frames = w->findChild<QTableView *>(QStringLiteral("framesView"));
                for (int row = 0; frames && row < frames->model()->rowCount(); ++row) {
                    if (frames->model()->index(row, 4).data().toString().startsWith(QLatin1Char('{'))) {
                        frames->selectRow(row);
                        if (auto *detail = w->findChild<QTabWidget *>(QStringLiteral("frameDetail")))
                            detail->setCurrentIndex(1); // the JSON tree
                        break;
                    }
                }
                // Each picture shows one connection view and one dock.
                const std::pair<QString, QString> pictures[] = {
                    {QStringLiteral("handshake"), QStringLiteral("upstreams")},
                    {QStringLiteral("frames"), QStringLiteral("log")},
                    {QStringLiteral("ping"), QStringLiteral("config")}};
                const QString suffix = qEnvironmentVariable("WSSCOPE_SCREENSHOTS_SUFFIX");
                for (const auto &[view, dock] : pictures) {
                    w->showView(view);
                    w->showView(dock);
                    QCoreApplication::processEvents();
                    w->grab().save(shots + QLatin1Char('/') + view + QLatin1Char('-') + dock + suffix
                                   + QStringLiteral(".png"));
                }
                QCoreApplication::quit();
            });
        }
    }

    const int rc = app->exec();
    if (captureWriter) {
        // The workers' last batches (closing events) are queued to us.
        QCoreApplication::sendPostedEvents();
        QString harError;
        if (captureWriter->writeHar(&harError))
            qCInfo(lcProxy).noquote() << "wrote" << captureWriter->harPath();
        else
            std::fprintf(stderr, "wsscope: cannot write %s: %s\n", qPrintable(captureWriter->harPath()), qPrintable(harError));
    }
    window.reset();
    demoEnv.reset();
    return rc;
}
