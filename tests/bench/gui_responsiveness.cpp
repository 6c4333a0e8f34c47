// gui_responsiveness: is the inspector window smooth while traffic flows?
//
// Runs the real window (MainWindow over a LocalInspectorSource) on an
// in-process ProxyServer, `wsbench echo` as the upstream and `wsbench load`
// as the clients, at a fixed rate for N seconds. The busiest connection is
// selected, so the frames view inserts and auto-scrolls the whole time.
// Measures on the GUI thread:
//  - event-loop stalls: a 10 ms timer's lateness (max, p99, count over 50 ms);
//  - RSS every second (VmRSS), to see whether memory stays flat once the
//    history caps are reached: the summary fits a line through the second
//    half of the run and prints its slope (MB/s; flat is ~0);
//  - the backlog: events the proxy published for the window that the window
//    has not taken yet (they wait in the event bus, in memory), and how long
//    the window spends taking each delivery (the model update).
// Prints one line per second and a summary. Not a pass/fail test.
//
//   gui_responsiveness [--seconds 60] [--rate 10000] [--connections 20] [--size 64] [--workers 1]
//                      [--csv FILE] [--frames-total N] [--no-window]
// --frames-total lowers the frame history cap (to tell the history's memory
// from the rest); --no-window takes the events without a window (to tell
// the window's cost from the proxy's and the event bus's).
// --rate is round trips per second: the inspector sees twice as many
// messages (each message and its echo).
// Needs a display or QT_QPA_PLATFORM=offscreen.

#include "config/configcompiler.h"
#include "connectionsmodel.h"
#include "mainwindow.h"
#include "proxy/proxyserver.h"
#include "remote/localinspectorsource.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <cstdio>
#include <vector>

#include <ctime>

#ifdef __GLIBC__
#include <malloc.h>
#endif

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

// Bytes the allocator hands out (in use) and holds from the system, over
// all arenas, from glibc's malloc_info(): RSS that grows while "in use" stays
// flat is fragmentation, not a leak. -1 where unknown.
struct HeapFigures
{
    qint64 inUse = -1;
    qint64 system = -1;
};

HeapFigures heapFigures()
{
    HeapFigures out;
#ifdef __GLIBC__
    char *buffer = nullptr;
    size_t size = 0;
    FILE *stream = open_memstream(&buffer, &size);
    if (!stream)
        return out;
    malloc_info(0, stream);
    std::fclose(stream);
    const QByteArray xml(buffer, qsizetype(size));
    std::free(buffer);
    // The totals over all arenas follow the last </heap>.
    const QByteArray tail = xml.mid(xml.lastIndexOf("</heap>"));
    auto attribute = [&](const char *element) -> qint64 {
        const QRegularExpression re(QString::fromLatin1(element) + QStringLiteral(R"re(\s+size="(\d+)")re"));
        const QRegularExpressionMatch m = re.match(QString::fromLatin1(tail));
        return m.hasMatch() ? m.captured(1).toLongLong() : -1;
    };
    const qint64 fast = attribute(R"re(<total type="fast" count="\d+")re");
    const qint64 rest = attribute(R"re(<total type="rest" count="\d+")re");
    const qint64 mmapped = attribute(R"re(<total type="mmap" count="\d+")re");
    const qint64 current = attribute(R"re(<system type="current")re");
    if (fast >= 0 && rest >= 0 && current >= 0) {
        out.system = current + std::max<qint64>(0, mmapped);
        out.inUse = out.system - fast - rest;
    }
#endif
    return out;
}

// CPU time this thread has used, in microseconds: a late tick with little
// CPU time was the thread not running (waiting for a core: the load
// generator, the echo server and the proxy worker share the machine with
// it; or for a lock), not the window's own work.
qint64 threadCpuUs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
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
    const QCommandLineOption csvOpt(QStringLiteral("csv"), QStringLiteral("Write the per-second series to FILE."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption wsbenchOpt(QStringLiteral("wsbench"), QStringLiteral("wsbench binary."), QStringLiteral("PATH"),
                                        QStringLiteral(WSBENCH_PATH));
    const QCommandLineOption framesTotalOpt(QStringLiteral("frames-total"), QStringLiteral("Cap on frames kept in total."),
                                            QStringLiteral("N"));
    const QCommandLineOption noWindowOpt(QStringLiteral("no-window"),
                                         QStringLiteral("Take the events in a bare model, without the window."));
    parser.addOptions({secondsOpt, rateOpt, connOpt, sizeOpt, workersOpt, csvOpt, framesTotalOpt, noWindowOpt, wsbenchOpt});
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
    ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), QStringLiteral("bench.conf"));
    const RuntimeSnapshot runtime = ProxyRuntime::build(&compiled);
    if (!compiled.ok()) {
        std::fprintf(stderr, "config: %s\n", qPrintable(compiled.diagnostics.constFirst().toString()));
        return 1;
    }
    ProxyServer server;
    LocalInspectorSource source(&server, text, QStringLiteral("bench.conf"));
    QString error;
    if (!server.start(runtime, &error)) {
        std::fprintf(stderr, "proxy: %s\n", qPrintable(error));
        return 1;
    }
    // Counted before the window's own handler runs (connected first): what
    // was delivered, and how long the window took over each delivery.
    quint64 delivered = 0;
    qint64 deliveryMaxUs = 0;
    QElapsedTimer deliveryClock;
    QObject::connect(&source, &InspectorSource::eventsReceived, &app, [&](const QList<InspectEvent> &batch) {
        delivered += quint64(batch.size());
        deliveryClock.start();
    });
    std::unique_ptr<MainWindow> window;
    std::unique_ptr<ConnectionsModel> bareModel;
    if (parser.isSet(noWindowOpt)) {
        bareModel = std::make_unique<ConnectionsModel>();
        QObject::connect(&source, &InspectorSource::eventsReceived, bareModel.get(), &ConnectionsModel::addEvents);
    } else {
        window = std::make_unique<MainWindow>(&source);
    }
    ConnectionsModel *model = window ? window->connectionsModel() : bareModel.get();
    if (parser.isSet(framesTotalOpt)) {
        const qint64 cap = parser.value(framesTotalOpt).toLongLong();
        model->setMaxFramesTotal(cap);
        model->setMaxFramesPerConnection(int(std::min<qint64>(cap, model->maxFramesPerConnection())));
    }
    QObject::connect(&source, &InspectorSource::eventsReceived, &app, [&](const QList<InspectEvent> &) {
        deliveryMaxUs = std::max(deliveryMaxUs, deliveryClock.nsecsElapsed() / 1000);
    });
    if (window) {
        window->show();
        window->showView(QStringLiteral("frames"));
    }

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
    // For each late tick, the GUI thread's CPU time over the same interval.
    std::vector<qint64> lateWorkUs;
    qint64 secondMax = 0;
    qint64 secondWorkMaxUs = 0;
    qint64 lastCpuUs = threadCpuUs();
    QElapsedTimer clock;
    clock.start();
    qint64 expected = 10;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = clock.elapsed();
        const qint64 late = std::max<qint64>(0, now - expected);
        const qint64 cpu = threadCpuUs();
        lateness.push_back(late);
        secondMax = std::max(secondMax, late);
        secondWorkMaxUs = std::max(secondWorkMaxUs, cpu - lastCpuUs);
        if (late > 50)
            lateWorkUs.push_back(cpu - lastCpuUs);
        lastCpuUs = cpu;
        expected = now + 10;
    });
    probe.start();

    qint64 lastMessages = 0;
    int tick = 0;
    qint64 rssStart = -1;
    qint64 rssPeak = 0;
    std::vector<qint64> rssSeries;
    qint64 backlogPeak = 0;
    qint64 deliveryPeakUs = 0;
    QFile csv(parser.value(csvOpt));
    if (parser.isSet(csvOpt)) {
        if (!csv.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(csv.fileName()));
            return 1;
        }
        csv.write("t_s,msgs_per_s,frames_kept,rss_kb,heap_in_use_kb,heap_system_kb,max_stall_ms,backlog_events,"
                  "max_delivery_us,dropped,max_tick_cpu_us\n");
    }
    QTimer report;
    report.setInterval(1000);
    std::printf("  t/s  msgs/s(inspected)  frames-kept  rss/MB  heap-used/MB  max-stall/ms  backlog  max-take/ms  dropped\n");
    std::vector<qint64> heapSeries;
    QObject::connect(&report, &QTimer::timeout, &app, [&] {
        ++tick;
        // Follow the busiest connection so the frames view is live.
        if (window && window->selectedConnection() == 0 && model->rowCount() > 0)
            window->selectConnection(model->index(0, 0).data(ConnectionsModel::ConnectionIdRole).toULongLong());
        const qint64 messages = model->messagesSeen();
        const qint64 rss = rssKb();
        if (tick == 3)
            rssStart = rss;
        rssPeak = std::max(rssPeak, rss);
        rssSeries.push_back(rss);
        // Published for us but neither taken nor dropped: waiting in the bus.
        const qint64 backlog = qint64(server.events().publishedCount()) - qint64(delivered)
            - qint64(source.droppedEvents());
        backlogPeak = std::max(backlogPeak, backlog);
        deliveryPeakUs = std::max(deliveryPeakUs, deliveryMaxUs);
        const HeapFigures heap = heapFigures();
        heapSeries.push_back(heap.inUse);
        std::printf("%5d  %17lld  %11lld  %6.1f  %12.1f  %12lld  %7lld  %11.1f  %7llu\n", tick, messages - lastMessages,
                    model->framesStored(), double(rss) / 1024.0, double(heap.inUse) / 1048576.0, secondMax, backlog,
                    double(deliveryMaxUs) / 1000.0, static_cast<unsigned long long>(source.droppedEvents()));
        std::fflush(stdout);
        if (csv.isOpen()) {
            csv.write(QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11\n")
                          .arg(tick)
                          .arg(messages - lastMessages)
                          .arg(model->framesStored())
                          .arg(rss)
                          .arg(heap.inUse / 1024)
                          .arg(heap.system / 1024)
                          .arg(secondMax)
                          .arg(backlog)
                          .arg(deliveryMaxUs)
                          .arg(source.droppedEvents())
                          .arg(secondWorkMaxUs)
                          .toUtf8());
            csv.flush();
        }
        deliveryMaxUs = 0;
        secondWorkMaxUs = 0;
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
    if (!lateWorkUs.empty()) {
        std::sort(lateWorkUs.begin(), lateWorkUs.end());
        std::printf("GUI-thread CPU time during those late ticks: median %.1f ms, max %.1f ms (the rest of each stall "
                    "the thread was not running)\n",
                    double(lateWorkUs[lateWorkUs.size() / 2]) / 1000.0, double(lateWorkUs.back()) / 1000.0);
    }
    std::printf("RSS: %.1f MB at 3 s, %.1f MB at the end, peak %.1f MB\n", double(rssStart) / 1024.0,
                double(rssSeries.empty() ? 0 : rssSeries.back()) / 1024.0, double(rssPeak) / 1024.0);
    // Least-squares slope (MB/s) over the second half of the run.
    const auto slope = [](const std::vector<qint64> &series, double unitsPerMb) {
        const size_t from = series.size() / 2;
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (size_t i = from; i < series.size(); ++i) {
            const double x = double(i);
            const double y = double(series[i]) / unitsPerMb;
            n += 1;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    };
    if (rssSeries.size() >= 20) {
        const size_t from = rssSeries.size() / 2;
        const auto [lo, hi] = std::minmax_element(rssSeries.begin() + qsizetype(from), rssSeries.end());
        std::printf("RSS over the second half (%zu s): slope %+.4f MB/s, range %.1f..%.1f MB\n", rssSeries.size() - from,
                    slope(rssSeries, 1024.0), double(*lo) / 1024.0, double(*hi) / 1024.0);
        if (heapSeries.back() >= 0) {
            const auto [hlo, hhi] = std::minmax_element(heapSeries.begin() + qsizetype(from), heapSeries.end());
            std::printf("malloc in use over the second half: slope %+.4f MB/s, range %.1f..%.1f MB\n",
                        slope(heapSeries, 1048576.0), double(*hlo) / 1048576.0, double(*hhi) / 1048576.0);
        }
    }
    std::printf("backlog in the bus: peak %lld events; longest delivery taken by the window: %.1f ms\n", backlogPeak,
                double(deliveryPeakUs) / 1000.0);
    std::printf("events dropped by the bus (window too slow): %llu\n",
                static_cast<unsigned long long>(source.droppedEvents()));
    std::printf("wsbench load: %s\n", loadJson.constData());
    server.shutdown(0);
    return 0;
}
