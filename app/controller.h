#pragma once

#include "commandline.h"
#include "configsource.h"
#include "inspect/recordingpause.h"
#include "proxy/proxyserver.h"

#include <QObject>

#include <memory>

class CaptureWriter;
class Demo;
class SignalWatcher;

// One run of the proxy (qBittorrent's Application): builds the configuration
// the options ask for, starts the server with --capture and --demo around
// it, and carries out what the Unix signals ask: SIGHUP reload(), SIGUSR1
// reopenLogs() and writeHar(), SIGTERM/SIGINT/SIGQUIT shutdown(). Around the
// server it does what nginx's master does: the error log files, daemon mode,
// the pid file and dropping privileges. main() and the window only wire it up.
class Controller final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Controller)

public:
    explicit Controller(Options options, QObject *parent = nullptr);
    ~Controller() override;

    // Starts the demo's echo upstreams and issues the --tls certificate if
    // asked, then builds and compiles the configuration, printing its
    // diagnostics. ExitOk, or the code to exit with (the reason printed).
    int prepare();
    // Opens the error logs and --capture, detaches (`daemon on`, unless a
    // window is shown), starts the proxy and the demo's client, then writes
    // the pid file and drops to `user`. The demo falls back to a free port
    // when 127.0.0.1:8080 is taken (sourceChanged()). Subscribe to
    // server()->events() before this to see the first connection.
    int start();
    // After the event loop: the final HAR of --capture, with the workers' last
    // batches; the pid file removed.
    void finish();
    // SIGHUP, SIGUSR1, SIGTERM, SIGINT, SIGQUIT (and the not applicable
    // SIGUSR2, SIGWINCH) from the watcher drive the slots.
    void watch(SignalWatcher *watcher);
    // The signals watch() expects.
    static QList<int> watchedSignals();
    // A window is shown: `daemon on` is not carried out.
    void setWindowShown(bool shown) { m_windowShown = shown; }

    ProxyServer *server() { return &m_server; }
    // The recording switch of this run (the inspection channel's pause and
    // resume): --capture leaves out what it leaves out.
    RecordingPause *recordingPause() { return &m_recording; }
    const ConfigSource &source() const { return m_source; }
    // The configuration prepare() compiled (reloads: server()->config()).
    ConfigSnapshot config() const { return m_runtime->config(); }

public slots:
    // Re-reads the -c file; on any error the running configuration stays.
    void reload();
    // --capture: FILE.har now, the process goes on.
    void writeHar();
    // nginx's SIGUSR1: the error log files opened again (after logrotate).
    void reopenLogs();
    // The first call drains open tunnels (drain timeout), the next exits at once.
    void shutdown();

signals:
    // source() has a new text (the demo's fallback port).
    void sourceChanged();

private:
    int load();
    int startServing();
    int afterBinding();
    bool applyErrorLogs(const ProxyConfig &config, QString *error);
    bool openCapture();
    void handleSignal(int signalNumber);

    Options m_options;
    QuickModeOptions m_quick; // the options' values plus the demo's upstreams and the local certificate
    ConfigSource m_source;
    RuntimeSnapshot m_runtime;
    ProxyServer m_server;
    std::unique_ptr<CaptureWriter> m_capture;
    RecordingPause m_recording;
    RecordingPause::Filter m_captureFilter{&m_recording};
    std::unique_ptr<Demo> m_demo; // destroyed first: its client talks through m_server
    QString m_pidFile;            // written by this process (removed at exit)
    bool m_windowShown = false;
};
