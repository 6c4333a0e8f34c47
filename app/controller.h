#pragma once

#include "commandline.h"
#include "configsource.h"
#include "proxy/proxyserver.h"

#include <QObject>

#include <memory>

class CaptureWriter;
class Demo;
class SignalWatcher;

// One run of the proxy (qBittorrent's Application): builds the configuration
// the options ask for, starts the server with --capture and --demo around
// it, and carries out what the Unix signals ask: SIGHUP reload(), SIGUSR1
// writeHar(), SIGTERM/SIGINT shutdown(). main() and the window only wire it up.
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
    // Opens --capture, starts the proxy and the demo's client. The demo falls
    // back to a free port when 127.0.0.1:8080 is taken (sourceChanged()).
    // Subscribe to server()->events() before this to see the first connection.
    int start();
    // After the event loop: the final HAR of --capture, with the workers' last
    // batches.
    void finish();
    // SIGHUP, SIGUSR1, SIGTERM and SIGINT from the watcher drive the slots.
    void watch(SignalWatcher *watcher);

    ProxyServer *server() { return &m_server; }
    const ConfigSource &source() const { return m_source; }

public slots:
    // Re-reads the -c file; on any error the running configuration stays.
    void reload();
    // --capture: FILE.har now, the process goes on.
    void writeHar();
    // The first call drains open tunnels (drain timeout), the next exits at once.
    void shutdown();

signals:
    // source() has a new text (the demo's fallback port).
    void sourceChanged();

private:
    int load();
    bool openCapture();
    void handleSignal(int signalNumber);

    Options m_options;
    QuickModeOptions m_quick; // the options' values plus the demo's upstreams and the local certificate
    ConfigSource m_source;
    RuntimeSnapshot m_runtime;
    ProxyServer m_server;
    std::unique_ptr<CaptureWriter> m_capture;
    std::unique_ptr<Demo> m_demo; // destroyed first: its client talks through m_server
};
