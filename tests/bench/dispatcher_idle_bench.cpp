// Round-trip latency of one busy connection in a thread that also watches N
// idle ones, under Qt's default event dispatcher and under EpollEventDispatcher,
// and on the latter also through FdWatcher's direct watch (what TcpStream uses
// on worker threads) instead of QSocketNotifier.
//
// Usage: dispatcher_idle_bench [--seconds S] [N ...]     (default N: 0 1000 5000)
//
// One thread holds N idle socketpairs, each with an enabled read watch
// (a QSocketNotifier or an FdWatcher), plus one active socketpair whose two
// ends ping-pong a single byte through their own watches; so every round trip
// is two dispatcher passes. Not a CTest test: it prints figures, it asserts
// nothing.

#include "net/epolleventdispatcher.h"
#include "net/fdwatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// What TcpStream is to FdWatcher, reduced to a callback.
class CallbackClient final : public FdWatcher::Client
{
public:
    std::function<void()> onReadable;
    void fdReadable() override
    {
        if (onReadable)
            onReadable();
    }
    void fdWritable() override { }
};

// A read watch on one fd, either way.
class ReadWatch
{
public:
    ReadWatch(int fd, bool useFdWatcher)
    {
        if (useFdWatcher)
            m_watcher = std::make_unique<FdWatcher>(fd, &m_client);
        else
            m_notifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
    }
    void onReadable(std::function<void()> callback)
    {
        if (m_watcher) {
            m_client.onReadable = std::move(callback);
        } else {
            QObject::connect(m_notifier.get(), &QSocketNotifier::activated, m_notifier.get(),
                             [callback = std::move(callback)] { callback(); });
        }
    }

private:
    CallbackClient m_client;
    std::unique_ptr<FdWatcher> m_watcher;
    std::unique_ptr<QSocketNotifier> m_notifier;
};

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

Result measure(int idle, bool useFdWatcher, qint64 budgetMs, int maxSamples)
{
    Result result;
    result.idle = idle;

    std::vector<int> fds;
    std::vector<std::unique_ptr<ReadWatch>> notifiers;
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

    result.dispatcher = QByteArray(QAbstractEventDispatcher::instance()->metaObject()->className())
        + (useFdWatcher ? " + FdWatcher" : " + QSocketNotifier");
    notifiers.reserve(std::size_t(idle) + 2);
    for (int i = 0; i < idle; ++i) {
        int pair[2];
        if (!makePair(pair)) {
            std::perror("socketpair (idle)");
            return result;
        }
        notifiers.push_back(std::make_unique<ReadWatch>(pair[0], useFdWatcher));
    }

    int active[2];
    if (!makePair(active)) {
        std::perror("socketpair (active)");
        return result;
    }
    auto *echo = new ReadWatch(active[0], useFdWatcher);
    auto *pinger = new ReadWatch(active[1], useFdWatcher);
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
    echo->onReadable([&] {
        char c;
        if (::read(active[0], &c, 1) == 1 && ::write(active[0], &c, 1) != 1)
            loop.exit(1);
    });
    pinger->onReadable([&] {
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

Result runInThread(bool useEpoll, bool useFdWatcher, int idle, qint64 budgetMs, int maxSamples)
{
    Result result;
    std::unique_ptr<QThread> thread(
        QThread::create([&] { result = measure(idle, useFdWatcher, budgetMs, maxSamples); }));
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
    std::printf("%-44s %10s %8s %12s %12s\n", "dispatcher + watch", "idle pairs", "samples", "median us", "p99 us");
    struct Mode
    {
        bool epoll;
        bool fdWatcher;
    };
    // FdWatcher under Qt's dispatcher is QSocketNotifier again: not a mode of its own.
    const Mode modes[] = {{false, false}, {true, false}, {true, true}};
    for (int idle : sizes) {
        for (const Mode &mode : modes) {
            const Result r = runInThread(mode.epoll, mode.fdWatcher, idle, budgetMs, MaxSamples);
            if (!r.ok) {
                std::printf("%-44s %10d   failed\n", r.dispatcher.constData(), idle);
                continue;
            }
            std::printf("%-44s %10d %8d %12.1f %12.1f\n", r.dispatcher.constData(), r.idle, r.samples,
                        r.medianUs, r.p99Us);
            std::fflush(stdout);
        }
    }
    return 0;
}
