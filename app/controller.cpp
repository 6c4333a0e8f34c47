#include "controller.h"

#include "proxy/accesslogfile.h"

#include "demo.h"
#include "exitcode.h"
#include "inspect/capturewriter.h"
#include "ops/logging.h"
#include "ops/signalwatcher.h"
#include "processcontrol.h"

#include <QCoreApplication>
#include <QUrl>

#include <csignal>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

int runtimeError(const QString &message)
{
    std::fprintf(stderr, "wsscope: %s\n", qPrintable(message));
    return ExitRuntimeError;
}

} // namespace

Controller::Controller(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_quick(m_options.quick)
{
    connect(&m_server, &ProxyServer::stopped, this, [] { QCoreApplication::exit(ExitOk); });
}

Controller::~Controller() = default;

int Controller::prepare()
{
    if (m_options.demo) {
        m_demo = std::make_unique<Demo>();
        QString error;
        const QStringList urls = m_demo->startUpstreams(&error);
        if (urls.isEmpty())
            return runtimeError(error);
        m_quick.upstreams += urls;
    }
    if (m_options.localTls && !useLocalCertificate(&m_quick))
        return ExitRuntimeError;
    return load();
}

// The one way a configuration is made here: source, then compile, for the
// first start and for the demo's fallback port alike.
int Controller::load()
{
    int exitCode = ExitOk;
    std::optional<ConfigSource> source = ConfigSource::fromOptions(m_options, m_quick, &exitCode);
    if (!source)
        return exitCode;
    m_source = std::move(*source);
    m_runtime = ConfigCheck::compileToRun(m_source, &exitCode);
    return exitCode;
}

int Controller::start()
{
    QString error;
    const ProcessSettings &process = m_runtime->config()->process;
    if (!applyErrorLogs(*m_runtime->config(), &error))
        return runtimeError(error);
    int statusFd = -1;
    if (process.daemon && m_windowShown) {
        qCWarning(lcProxy).noquote() << process.daemonAt.toString() << "daemon on: not detaching while a window is "
                                                                       "shown (run with --no-gui)";
    } else if (process.daemon) {
        // Before any thread exists: fork() keeps only the calling one.
        statusFd = ProcessControl::detach(&error);
        if (statusFd < 0)
            return runtimeError(error);
    }
    int rc = startServing();
    if (rc == ExitOk)
        rc = afterBinding();
    ProcessControl::reportStarted(statusFd, rc);
    return rc;
}

// The main-level error_log directives, else -e, else stderr (nginx: the
// configuration's log replaces the startup one).
bool Controller::applyErrorLogs(const ProxyConfig &config, QString *error)
{
    QList<Logging::Sink> sinks = config.process.errorLogs;
    if (sinks.isEmpty() && !m_options.errorLog.isEmpty() && m_options.errorLog != u"stderr"_s)
        sinks.append(Logging::Sink{m_options.errorLog, Logging::Level::Error});
    return Logging::setSinks(sinks, config.scopedErrorLogs(), error);
}

// The pid file once every listener is bound, then the privileges dropped
// (ngx_create_pidfile, then the worker's ngx_set_user as root).
int Controller::afterBinding()
{
    const ProcessSettings &process = m_runtime->config()->process;
    QString error;
    if (!process.pidFile.isEmpty()) {
        if (!ProcessControl::writePidFile(process.pidFile, &error))
            return runtimeError(error);
        m_pidFile = process.pidFile;
    }
    if (!ProcessControl::dropPrivileges(process.user, process.group, &error))
        return runtimeError(error);
    return ExitOk;
}

int Controller::startServing()
{
    if (!m_options.capture.isEmpty() && !openCapture())
        return ExitRuntimeError;
    QString error;
    if (!m_server.start(m_runtime, &error)) {
        if (!m_demo || m_options.quickFlags.contains(u"--listen"_s))
            return runtimeError(error);
        // The demo's default port is taken: any free port will do.
        m_quick.listen = {u"127.0.0.1:0"_s};
        if (const int rc = load(); rc != ExitOk)
            return rc;
        emit sourceChanged();
        if (!m_server.start(m_runtime, &error))
            return runtimeError(error);
    }
    if (m_demo)
        m_demo->startClient(QUrl(u"ws://%1/demo"_s.arg(m_server.boundAddresses().constFirst().toString())));
    return ExitOk;
}

bool Controller::openCapture()
{
    m_capture = std::make_unique<CaptureWriter>(m_options.capture);
    QString error;
    if (!m_capture->openJsonl(&error)) {
        std::fprintf(stderr, "wsscope: --capture: %s\n", qPrintable(error));
        return false;
    }
    CaptureWriter *writer = m_capture.get();
    m_server.events().subscribe(this, [this, writer](const QList<InspectEvent> &batch) {
        writer->consume(m_captureFilter.recorded(batch));
    });
    qCInfo(lcProxy).noquote() << "capturing to" << writer->jsonlPath() << "and" << writer->harPath();
    return true;
}

void Controller::finish()
{
    if (!m_pidFile.isEmpty())
        ProcessControl::removePidFile(m_pidFile);
    if (!m_capture)
        return;
    // The workers' last batches (closing events) are queued to us.
    QCoreApplication::sendPostedEvents();
    QString error;
    if (m_capture->writeHar(&error))
        qCInfo(lcProxy).noquote() << "wrote" << m_capture->harPath();
    else
        std::fprintf(stderr, "wsscope: cannot write %s: %s\n", qPrintable(m_capture->harPath()), qPrintable(error));
}

void Controller::watch(SignalWatcher *watcher)
{
    connect(watcher, &SignalWatcher::signalReceived, this, &Controller::handleSignal);
}

QList<int> Controller::watchedSignals()
{
    return {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};
}

void Controller::handleSignal(int signalNumber)
{
    switch (signalNumber) {
    case SIGHUP:
        reload();
        return;
    case SIGUSR1:
        reopenLogs();
        writeHar();
        return;
    case SIGUSR2:
    case SIGWINCH:
        // nginx: USR2 starts a new binary, WINCH stops the old workers. One
        // wsscope process reloads in place instead (SIGHUP).
        qCInfo(lcProxy).noquote() << (signalNumber == SIGUSR2 ? "SIGUSR2" : "SIGWINCH")
                                  << "received: not applicable to wsscope (no binary upgrade); ignored";
        return;
    default:
        if (!m_server.isStopping())
            qCInfo(lcProxy).noquote() << (signalNumber == SIGTERM ? "SIGTERM"
                                          : signalNumber == SIGQUIT ? "SIGQUIT"
                                                                    : "SIGINT")
                                      << "received: graceful shutdown";
        shutdown();
        return;
    }
}

void Controller::reopenLogs()
{
    QString error;
    if (!Logging::reopen(&error))
        qCWarning(lcProxy).noquote() << "SIGUSR1:" << error;
    if (!AccessLogFile::reopenAll(&error))
        qCWarning(lcProxy).noquote() << "SIGUSR1:" << error;
}

void Controller::reload()
{
    if (!m_source.reloadable()) {
        qCInfo(lcProxy).noquote() << "SIGHUP:" << m_source.name << "has no configuration file to reload";
        return;
    }
    // Validate first: on any error the running configuration stays.
    qCInfo(lcProxy).noquote() << "SIGHUP: reloading" << m_source.path;
    // Compiled, then built from the running runtime: its groups' state carries over.
    ConfigCompileResult next = m_source.compile();
    const RuntimeSnapshot runtime = ProxyRuntime::build(&next, m_server.runtime().get());
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
    for (const ConfDiagnostic &d : ConfigCheck::doctorDiagnostics(*next.config))
        qCInfo(lcProxy).noquote() << d.toString();
    QString error;
    if (!m_server.reload(runtime, &error)) {
        qCWarning(lcProxy).noquote() << "reload failed:" << error << "- keeping the running configuration";
        return;
    }
    m_runtime = runtime;
    if (!applyErrorLogs(*runtime->config(), &error))
        qCWarning(lcProxy).noquote() << "reload:" << error << "- keeping the previous error log";
}

void Controller::writeHar()
{
    if (!m_capture)
        return; // SIGUSR1 without --capture: the logs were reopened, nothing more
    QString error;
    if (m_capture->writeHar(&error))
        qCInfo(lcProxy).noquote() << "SIGUSR1: wrote" << m_capture->harPath();
    else
        qCWarning(lcProxy).noquote() << "SIGUSR1: cannot write" << m_capture->harPath() << ':' << error;
}

void Controller::shutdown()
{
    if (m_server.isStopping()) {
        qCInfo(lcProxy) << "second signal: exiting now";
        QCoreApplication::exit(ExitOk);
        return;
    }
    m_server.shutdown(m_server.config()->drainTimeoutMs);
}
