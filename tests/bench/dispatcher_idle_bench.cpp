// Round-trip latency of one busy connection in a thread that also watches N
// idle ones, under Qt's default event dispatcher and under EpollEventDispatcher.
//
// Usage: dispatcher_idle_bench [--seconds S] [N ...]     (default N: 0 1000 5000)
//
// One thread holds N idle socketpairs, each with an enabled read
// QSocketNotifier, plus one active socketpair whose two ends ping-pong a
// single byte through their own notifiers; so every round trip is two
// dispatcher passes. Not a CTest test: it prints figures, it asserts nothing.

#include "net/epolleventdispatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct Result
{
    QByteArray dispatcher;
    int idle = 0;
    int samples = 0;
    double medianUs = 0;
    double p99Us = 0;
    bool ok = false;
};

// N idle pairs need 2N descriptors; lift the soft limit as far as the hard one allows.
void raiseFdLimit(int idlePairs)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    const rlim_t wanted = rlim_t(idlePairs) * 2 + 256;
    if (limit.rlim_cur >= wanted)
        return;
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        std::perror("setrlimit");
}

Result measure(int idle, qint64 budgetMs, int maxSamples)
{
    Result result;
    result.idle = idle;

    std::vector<int> fds;
    std::vector<std::unique_ptr<QSocketNotifier>> notifiers;
    const auto cleanup = qScopeGuard([&] {
        notifiers.clear();
        for (int fd : fds)
            ::close(fd);
    });
    auto makePair = [&](int out[2]) {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, out) != 0)
            return false;
        fds.push_back(out[0]);
        fds.push_back(out[1]);
        return true;
    };

    result.dispatcher = QAbstractEventDispatcher::instance()->metaObject()->className();
    notifiers.reserve(std::size_t(idle) + 2);
    for (int i = 0; i < idle; ++i) {
        int pair[2];
        if (!makePair(pair)) {
            std::perror("socketpair (idle)");
            return result;
        }
        notifiers.push_back(std::make_unique<QSocketNotifier>(pair[0], QSocketNotifier::Read));
    }

    int active[2];
    if (!makePair(active)) {
        std::perror("socketpair (active)");
        return result;
    }
    auto *echo = new QSocketNotifier(active[0], QSocketNotifier::Read);
    auto *pinger = new QSocketNotifier(active[1], QSocketNotifier::Read);
    notifiers.emplace_back(echo);
    notifiers.emplace_back(pinger);

    constexpr int Warmup = 50;
    std::vector<qint64> roundTripsNs;
    roundTripsNs.reserve(std::size_t(maxSamples));
    QElapsedTimer clock;
    QElapsedTimer sinceStart;
    QEventLoop loop;
    int seen = 0;

    auto ping = [&] {
        clock.start();
        const char c = 'p';
        if (::write(active[1], &c, 1) != 1)
            loop.exit(1);
    };
    QObject::connect(echo, &QSocketNotifier::activated, echo, [&] {
        char c;
        if (::read(active[0], &c, 1) == 1 && ::write(active[0], &c, 1) != 1)
            loop.exit(1);
    });
    QObject::connect(pinger, &QSocketNotifier::activated, pinger, [&] {
        char c;
        if (::read(active[1], &c, 1) != 1)
            return;
        const qint64 ns = clock.nsecsElapsed();
        if (++seen > Warmup)
            roundTripsNs.push_back(ns);
        if (int(roundTripsNs.size()) >= maxSamples
            || (sinceStart.elapsed() >= budgetMs && roundTripsNs.size() >= 20)) {
            loop.quit();
            return;
        }
        ping();
    });

    QTimer::singleShot(0, &loop, [&] {
        sinceStart.start();
        ping();
    });
    if (loop.exec() != 0 || roundTripsNs.empty())
        return result;

    std::sort(roundTripsNs.begin(), roundTripsNs.end());
    const std::size_t n = roundTripsNs.size();
    result.samples = int(n);
    result.medianUs = roundTripsNs[n / 2] / 1000.0;
    result.p99Us = roundTripsNs[std::min(n - 1, (n * 99) / 100)] / 1000.0;
    result.ok = true;
    return result;
}

Result runInThread(bool useEpoll, int idle, qint64 budgetMs, int maxSamples)
{
    Result result;
    std::unique_ptr<QThread> thread(QThread::create([&] { result = measure(idle, budgetMs, maxSamples); }));
    if (useEpoll)
        thread->setEventDispatcher(new EpollEventDispatcher);
    thread->start();
    thread->wait();
    return result;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    qint64 budgetMs = 3000;
    std::vector<int> sizes;
    const QStringList args = app.arguments().mid(1);
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--seconds") && i + 1 < args.size())
            budgetMs = qint64(args.at(++i).toDouble() * 1000);
        else
            sizes.push_back(args.at(i).toInt());
    }
    if (sizes.empty())
        sizes = {0, 1000, 5000};
    raiseFdLimit(*std::max_element(sizes.begin(), sizes.end()));

    constexpr int MaxSamples = 20000;
    std::printf("%-26s %10s %8s %12s %12s\n", "dispatcher", "idle pairs", "samples", "median us", "p99 us");
    for (int idle : sizes) {
        for (bool useEpoll : {false, true}) {
            const Result r = runInThread(useEpoll, idle, budgetMs, MaxSamples);
            if (!r.ok) {
                std::printf("%-26s %10d   failed\n", r.dispatcher.constData(), idle);
                continue;
            }
            std::printf("%-26s %10d %8d %12.1f %12.1f\n", r.dispatcher.constData(), r.idle, r.samples,
                        r.medianUs, r.p99Us);
            std::fflush(stdout);
        }
    }
    return 0;
}
