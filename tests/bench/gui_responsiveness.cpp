// gui_responsiveness: is the inspector window smooth while traffic flows?
//
// Runs the real window (MainWindow over a LocalInspectorSource) on an
// in-process ProxyServer, `wsbench echo` as the upstream and `wsbench load`
// as the clients, at a fixed rate for N seconds. The busiest connection is
// selected, so the frames view inserts and auto-scrolls the whole time.
// Measures on the GUI thread:
//  - event-loop stalls: a 10 ms timer's lateness (max, p99, count over 50 ms);
//  - RSS every second (VmRSS), to see whether memory stays flat once the
//    history caps are reached.
// Prints one line per second and a summary. Not a pass/fail test.
//
//   gui_responsiveness [--seconds 60] [--rate 10000] [--connections 20] [--size 64] [--workers 1]
// --rate is round trips per second: the inspector sees twice as many
// messages (each message and its echo).
// Needs a display or QT_QPA_PLATFORM=offscreen.

#include "config/configcompiler.h"
#include "connectionsmodel.h"
#include "localinspectorsource.h"
#include "mainwindow.h"
#include "proxy/proxyserver.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

qint64 rssKb()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("wsscope-bench"));
    QCoreApplication::setApplicationName(QStringLiteral("gui_responsiveness"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("Run time."), QStringLiteral("S"), QStringLiteral("60"));
    const QCommandLineOption rateOpt(QStringLiteral("rate"), QStringLiteral("Round trips per second."), QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption connOpt(QStringLiteral("connections"), QStringLiteral("Client connections."), QStringLiteral("N"), QStringLiteral("20"));
    const QCommandLineOption sizeOpt(QStringLiteral("size"), QStringLiteral("Message size."), QStringLiteral("B"), QStringLiteral("64"));
    const QCommandLineOption workersOpt(QStringLiteral("workers"), QStringLiteral("Proxy worker threads."), QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption wsbenchOpt(QStringLiteral("wsbench"), QStringLiteral("wsbench binary."), QStringLiteral("PATH"),
                                        QStringLiteral(WSBENCH_PATH));
    parser.addOptions({secondsOpt, rateOpt, connOpt, sizeOpt, workersOpt, wsbenchOpt});
    parser.process(app);
    const int seconds = parser.value(secondsOpt).toInt();
    const QString wsbench = parser.value(wsbenchOpt);

    // Upstream: wsbench echo (raw epoll, another process).
    QProcess echo;
    echo.setProcessChannelMode(QProcess::MergedChannels);
    echo.start(wsbench, {QStringLiteral("echo"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
    if (!echo.waitForStarted() || !echo.waitForReadyRead(5000)) {
        std::fprintf(stderr, "cannot start %s echo\n", qPrintable(wsbench));
        return 1;
    }
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("listening on ([0-9.]+):(\\d+)"))
                                          .match(QString::fromUtf8(echo.readAll()));
    if (!m.hasMatch()) {
        std::fprintf(stderr, "wsbench echo did not say where it listens\n");
        return 1;
    }
    const QString text = QStringLiteral("worker_processes %1;\n"
                                        "http { map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                                        "  server { listen 127.0.0.1:0;\n"
                                        "    location / { proxy_pass http://%2:%3; proxy_http_version 1.1;\n"
                                        "      proxy_set_header Upgrade $http_upgrade;\n"
                                        "      proxy_set_header Connection $connection_upgrade;\n"
                                        "      proxy_read_timeout 1h; } } }\n")
                             .arg(parser.value(workersOpt), m.captured(1), m.captured(2));
    const ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), QStringLiteral("bench.conf"));
    if (!compiled.ok()) {
        std::fprintf(stderr, "config: %s\n", qPrintable(compiled.diagnostics.constFirst().toString()));
        return 1;
    }
    ProxyServer server;
    LocalInspectorSource source(&server, text, QStringLiteral("bench.conf"));
    QString error;
    if (!server.start(compiled.config, &error)) {
        std::fprintf(stderr, "proxy: %s\n", qPrintable(error));
        return 1;
    }
    MainWindow window(&source);
    window.show();
    window.showView(QStringLiteral("frames"));

    // Clients: wsbench load at a fixed rate, in its own process.
    QProcess load;
    load.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    load.start(wsbench, {QStringLiteral("load"), QStringLiteral("--url"),
                         QStringLiteral("ws://127.0.0.1:%1/bench").arg(server.boundAddresses().constFirst().port),
                         QStringLiteral("--connections"), parser.value(connOpt), QStringLiteral("--size"),
                         parser.value(sizeOpt), QStringLiteral("--rate"), parser.value(rateOpt),
                         QStringLiteral("--duration"), QString::number(seconds), QStringLiteral("--warmup"),
                         QStringLiteral("0"), QStringLiteral("--json")});

    // The probe: a 10 ms timer; how late does it fire?
    std::vector<qint64> lateness;
    lateness.reserve(size_t(seconds) * 110);
    qint64 secondMax = 0;
    QElapsedTimer clock;
    clock.start();
    qint64 expected = 10;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = clock.elapsed();
        const qint64 late = std::max<qint64>(0, now - expected);
        lateness.push_back(late);
        secondMax = std::max(secondMax, late);
        expected = now + 10;
    });
    probe.start();

    ConnectionsModel *model = window.connectionsModel();
    qint64 lastMessages = 0;
    int tick = 0;
    qint64 rssStart = -1;
    qint64 rssPeak = 0;
    std::vector<qint64> rssSeries;
    QTimer report;
    report.setInterval(1000);
    std::printf("  t/s  msgs/s(inspected)  frames-kept  rss/MB  max-stall/ms  dropped\n");
    QObject::connect(&report, &QTimer::timeout, &app, [&] {
        ++tick;
        // Follow the busiest connection so the frames view is live.
        if (window.selectedConnection() == 0 && model->rowCount() > 0)
            window.selectConnection(model->index(0, 0).data(ConnectionsModel::ConnectionIdRole).toULongLong());
        const qint64 messages = model->messagesSeen();
        const qint64 rss = rssKb();
        if (tick == 3)
            rssStart = rss;
        rssPeak = std::max(rssPeak, rss);
        rssSeries.push_back(rss);
        std::printf("%5d  %17lld  %11lld  %6.1f  %12lld  %7llu\n", tick, messages - lastMessages, model->framesStored(),
                    double(rss) / 1024.0, secondMax, static_cast<unsigned long long>(source.droppedEvents()));
        std::fflush(stdout);
        lastMessages = messages;
        secondMax = 0;
        if (tick >= seconds + 1)
            QCoreApplication::quit();
    });
    report.start();
    app.exec();
    probe.stop();

    std::vector<qint64> sorted = lateness;
    std::sort(sorted.begin(), sorted.end());
    const auto pct = [&](double p) { return sorted.empty() ? 0 : sorted[size_t(double(sorted.size() - 1) * p)]; };
    const qint64 over50 = std::count_if(sorted.begin(), sorted.end(), [](qint64 v) { return v > 50; });
    load.waitForFinished(5000);
    const QByteArray loadJson = load.readAllStandardOutput().trimmed();
    echo.terminate();
    echo.waitForFinished(2000);

    std::printf("\nsummary: %d s, %lld messages inspected (%.0f/s), %lld connections\n", seconds, model->messagesSeen(),
                double(model->messagesSeen()) / seconds, model->totalConnections());
    std::printf("event-loop lateness of a 10 ms timer: p50 %lld ms, p99 %lld ms, max %lld ms, %lld ticks over 50 ms (of %zu)\n",
                pct(0.5), pct(0.99), pct(1.0), over50, sorted.size());
    std::printf("RSS: %.1f MB at 3 s, %.1f MB at the end, peak %.1f MB\n", double(rssStart) / 1024.0,
                double(rssSeries.empty() ? 0 : rssSeries.back()) / 1024.0, double(rssPeak) / 1024.0);
    std::printf("events dropped by the bus (window too slow): %llu\n",
                static_cast<unsigned long long>(source.droppedEvents()));
    std::printf("wsbench load: %s\n", loadJson.constData());
    server.shutdown(0);
    return 0;
}
