#include "net/epolleventdispatcher.h"
#include "net/fdwatcher.h"

#include "socketpair.h"

#include <QAbstractEventDispatcher>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <functional>
#include <memory>

#include <sys/socket.h>
#include <unistd.h>

// FdWatcher has two implementations behind one contract: a direct watch on
// EpollEventDispatcher (worker threads) and QSocketNotifiers under Qt's own
// dispatcher (the main thread). Every test runs against both: the "epoll"
// row in a thread running EpollEventDispatcher, the "qt" row on the test's
// main thread.

// Qt Test's macros belong to the test's own thread, so a scenario reports
// its first failed check as a string instead (empty = passed).
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            return QStringLiteral("line %1: CHECK(%2) failed")                             \
                .arg(__LINE__).arg(QLatin1String(#cond));                                  \
    } while (false)

#define CHECK_EQ(actual, expected)                                                         \
    do {                                                                                   \
        const qlonglong a_ = qlonglong(actual);                                            \
        const qlonglong e_ = qlonglong(expected);                                          \
        if (a_ != e_)                                                                      \
            return QStringLiteral("line %1: %2 is %3, expected %4 (%5)")                   \
                .arg(__LINE__).arg(QLatin1String(#actual)).arg(a_).arg(e_)                 \
                .arg(QLatin1String(#expected));                                            \
    } while (false)

using TestSupport::SocketPair;
using TestSupport::placeAtFd;

namespace {

EpollEventDispatcher *epollDispatcher()
{
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

// Runs the scenario under the dispatcher the row names and returns its verdict.
QString runScenario(const std::function<QString()> &scenario, int limitMs = 20000)
{
    QFETCH_GLOBAL(bool, epoll);
    if (!epoll) {
        if (epollDispatcher())
            return QStringLiteral("the main thread unexpectedly runs EpollEventDispatcher");
        return scenario();
    }
    QString verdict = QStringLiteral("scenario did not finish");
    std::unique_ptr<QThread> thread(QThread::create([&] {
        if (!epollDispatcher())
            verdict = QStringLiteral("the thread does not run EpollEventDispatcher");
        else
            verdict = scenario();
    }));
    thread->setEventDispatcher(new EpollEventDispatcher);
    thread->start();
    if (!thread->wait(QDeadlineTimer(limitMs))) {
        thread->terminate();
        thread->wait();
        return QStringLiteral("scenario hung for more than %1 ms").arg(limitMs);
    }
    return verdict;
}

// One dispatch pass that does not block.
void onePass()
{
    QAbstractEventDispatcher::instance()->processEvents(QEventLoop::AllEvents);
}

// Runs blocking passes until pred() holds or the time is up.
template<typename Pred>
bool waitUntil(Pred pred, int timeoutMs = 5000)
{
    QDeadlineTimer deadline(timeoutMs, Qt::PreciseTimer);
    QTimer guard; // ends a blocked pass when the time is up
    guard.setSingleShot(true);
    guard.start(timeoutMs);
    while (!pred()) {
        if (deadline.hasExpired())
            return pred();
        QAbstractEventDispatcher::instance()->processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

// Lets the loop run for a while, for checks that something does NOT happen.
void settle(int ms = 60)
{
    for (int i = 0; i < 3; ++i)
        onePass();
    bool done = false;
    QTimer::singleShot(ms, Qt::PreciseTimer, [&done] { done = true; });
    waitUntil([&done] { return done; }, ms + 2000);
}

bool writeBytes(int fd, qsizetype n = 1)
{
    const QByteArray data(n, 'x');
    return ::write(fd, data.constData(), size_t(n)) == n;
}

// Reads everything available; returns the byte count, 0 on EOF, -1 if nothing was there.
qint64 drain(int fd)
{
    char buf[4096];
    qint64 total = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            total += n;
            continue;
        }
        if (n == 0)
            return total;
        return total > 0 ? total : -1;
    }
}

// Counts outlive the probe, so a probe may delete itself and the test still
// sees what happened to it.
struct Counts
{
    int readable = 0;
    int writable = 0;
    int callsAfterDeath = 0;
};

// What a TcpStream is to FdWatcher: a client that owns its watcher.
class Probe final : public FdWatcher::Client
{
public:
    Probe(int fd, Counts *counts)
        : m_fd(fd)
        , m_counts(counts)
        , m_watcher(std::make_unique<FdWatcher>(fd, this))
    {
    }
    ~Probe() { m_dead = true; }
    Q_DISABLE_COPY_MOVE(Probe)

    FdWatcher &watcher() { return *m_watcher; }
    int fd() const { return m_fd; }

    // What the next callbacks do, besides counting.
    bool drainOnRead = true;
    bool deleteSelfOnRead = false;
    bool deleteSelfOnWrite = false;
    bool disableWriteOnWrite = false;
    bool postOnRead = false;
    std::function<void()> onRead; // runs before deleteSelfOnRead
    std::function<void()> onWrite;
    // Runs after deleteSelfOnRead's delete, as the owner's code would go on
    // after closing a stream.
    std::function<void()> afterDeleteSelf;

    void fdReadable() override
    {
        if (m_dead) {
            ++m_counts->callsAfterDeath;
            return;
        }
        ++m_counts->readable;
        if (drainOnRead)
            drain(m_fd);
        if (postOnRead) {
            postOnRead = false;
            m_watcher->postReadable();
        }
        if (onRead)
            onRead();
        if (deleteSelfOnRead) {
            const std::function<void()> after = std::move(afterDeleteSelf);
            delete this; // no member access after this
            if (after)
                after();
        }
    }

    void fdWritable() override
    {
        if (m_dead) {
            ++m_counts->callsAfterDeath;
            return;
        }
        ++m_counts->writable;
        if (onWrite)
            onWrite();
        if (disableWriteOnWrite)
            m_watcher->setWriteEnabled(false);
        if (deleteSelfOnWrite)
            delete this;
    }

private:
    int m_fd;
    Counts *m_counts;
    std::unique_ptr<FdWatcher> m_watcher;
    bool m_dead = false;
};

// The watcher must be a direct watch on EpollEventDispatcher and a notifier
// pair elsewhere; the direct one is visible in the dispatcher's table.
// (runScenario already checked that the thread runs the row's dispatcher.)
QString checkImplementation(int fd, std::uint8_t expectedInterest)
{
    EpollEventDispatcher *d = epollDispatcher();
    if (!d)
        return QString();
    CHECK_EQ(d->watchInterest(fd), expectedInterest);
    return QString();
}

} // namespace

class tst_FdWatcher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data();

    void startsWithReadOnWriteOff();
    void readableIsLevelTriggered();
    void readableOnPeerClose();
    void writableWhenEnabled();
    void readInterestToggling();
    void toggleWithinOnePassStillDelivers();
    void destroyInsideReadCallback();
    void destroyInsideWriteCallback();
    void destroyOtherInSameBatch();
    void disableOtherInSameBatch();
    void fdReuseInSameBatch();
    void ownFdReusedInsideCallback();
    void postReadableDeliveredOnce();
    void postReadableDoesNotBlockTheLoop();
    void postReadableSkippedWhenReadDisabled();
    void postReadableSkippedWhenDestroyed();
    void postReadableFromInsideCallback();

    // EpollEventDispatcher only
    void oneEpollCtlPerActualChange();
};

void tst_FdWatcher::initTestCase_data()
{
    QTest::addColumn<bool>("epoll");
    QTest::newRow("epoll") << true;
    QTest::newRow("qt") << false;
}

void tst_FdWatcher::startsWithReadOnWriteOff()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        CHECK(probe.watcher().isReadEnabled());
        CHECK(!probe.watcher().isWriteEnabled());
        const QString impl = checkImplementation(pair.a, EpollEventDispatcher::WatchRead);
        if (!impl.isEmpty())
            return impl;
        // The socket is writable all along; nobody asked.
        settle();
        CHECK_EQ(counts.writable, 0);
        CHECK_EQ(counts.readable, 0);
        CHECK(writeBytes(pair.b));
        CHECK(waitUntil([&] { return counts.readable == 1; }));
        CHECK_EQ(counts.writable, 0);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::readableIsLevelTriggered()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        probe.drainOnRead = false;
        CHECK(writeBytes(pair.b, 2));
        // Undrained bytes keep it readable, pass after pass.
        CHECK(waitUntil([&] { return counts.readable >= 3; }));
        probe.drainOnRead = true;
        const int before = counts.readable;
        CHECK(waitUntil([&] { return counts.readable > before; }));
        const int drainedAt = counts.readable;
        settle();
        CHECK_EQ(counts.readable, drainedAt);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::readableOnPeerClose()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        bool sawEof = false;
        Probe probe(pair.a, &counts);
        probe.drainOnRead = false;
        probe.onRead = [&] {
            char c;
            if (::read(pair.a, &c, 1) == 0) {
                sawEof = true;
                probe.watcher().setReadEnabled(false); // or the hang-up repeats
            }
        };
        pair.closeB();
        CHECK(waitUntil([&] { return sawEof; }));
        const int atEof = counts.readable;
        settle();
        CHECK_EQ(counts.readable, atEof);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::writableWhenEnabled()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        probe.watcher().setWriteEnabled(true);
        CHECK(probe.watcher().isWriteEnabled());
        const QString impl = checkImplementation(pair.a, EpollEventDispatcher::WatchRead | EpollEventDispatcher::WatchWrite);
        if (!impl.isEmpty())
            return impl;
        // Level-triggered: writable on every pass while enabled.
        CHECK(waitUntil([&] { return counts.writable >= 3; }));
        probe.disableWriteOnWrite = true;
        const int before = counts.writable;
        CHECK(waitUntil([&] { return counts.writable > before; }));
        CHECK(!probe.watcher().isWriteEnabled());
        const int stoppedAt = counts.writable;
        settle();
        CHECK_EQ(counts.writable, stoppedAt);
        CHECK_EQ(counts.readable, 0);

        // Full send buffer: no writable until the peer reads.
        const QByteArray chunk(65536, 'x');
        while (::write(pair.a, chunk.constData(), size_t(chunk.size())) > 0) { }
        probe.disableWriteOnWrite = false;
        probe.watcher().setWriteEnabled(true);
        const int fullAt = counts.writable;
        settle();
        CHECK_EQ(counts.writable, fullAt);
        CHECK(drain(pair.b) > 0);
        CHECK(waitUntil([&] { return counts.writable > fullAt; }));
        probe.watcher().setWriteEnabled(false);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::readInterestToggling()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        probe.watcher().setReadEnabled(false);
        CHECK(!probe.watcher().isReadEnabled());
        const QString impl = checkImplementation(pair.a, EpollEventDispatcher::WatchNone);
        if (!impl.isEmpty())
            return impl;
        CHECK(writeBytes(pair.b));
        settle();
        CHECK_EQ(counts.readable, 0); // bytes wait in the kernel
        probe.watcher().setReadEnabled(true);
        CHECK(waitUntil([&] { return counts.readable == 1; }));

        // Off from inside the callback: the next bytes wait again.
        probe.onRead = [&] { probe.watcher().setReadEnabled(false); };
        CHECK(writeBytes(pair.b));
        CHECK(waitUntil([&] { return counts.readable == 2; }));
        CHECK(!probe.watcher().isReadEnabled());
        probe.onRead = nullptr;
        CHECK(writeBytes(pair.b));
        settle();
        CHECK_EQ(counts.readable, 2);
        probe.watcher().setReadEnabled(true);
        CHECK(waitUntil([&] { return counts.readable == 3; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::toggleWithinOnePassStillDelivers()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        CHECK(writeBytes(pair.b));
        // Off and on again before the loop looks: still interested.
        probe.watcher().setReadEnabled(false);
        probe.watcher().setReadEnabled(true);
        probe.watcher().setWriteEnabled(true);
        probe.watcher().setWriteEnabled(false);
        CHECK(waitUntil([&] { return counts.readable == 1; }));
        settle();
        CHECK_EQ(counts.writable, 0);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::destroyInsideReadCallback()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        auto *probe = new Probe(pair.a, &counts);
        probe->watcher().setWriteEnabled(true);
        probe->deleteSelfOnRead = true;
        // Readable and writable in the same batch: after the read callback
        // deleted the owner, the write callback must not come.
        CHECK(writeBytes(pair.b));
        CHECK(waitUntil([&] { return counts.readable == 1; }));
        // Until the read, the probe may have seen writable passes; none after.
        const int writableAtDeath = counts.writable;
        pair.closeA(); // what the owner does right after
        settle();
        CHECK_EQ(counts.callsAfterDeath, 0);
        CHECK_EQ(counts.writable, writableAtDeath);
        CHECK_EQ(counts.readable, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::destroyInsideWriteCallback()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        auto *probe = new Probe(pair.a, &counts);
        probe->deleteSelfOnWrite = true;
        probe->watcher().setWriteEnabled(true);
        CHECK(waitUntil([&] { return counts.writable == 1; }));
        pair.closeA();
        settle();
        CHECK_EQ(counts.writable, 1);
        CHECK_EQ(counts.callsAfterDeath, 0);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::destroyOtherInSameBatch()
{
    const QString verdict = runScenario([] {
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        Counts counts[2];
        Probe *probes[2] = {new Probe(pairs[0].a, &counts[0]), new Probe(pairs[1].a, &counts[1])};
        int firstToRun = -1;
        for (int i = 0; i < 2; ++i) {
            probes[i]->onRead = [&, i] {
                if (firstToRun >= 0)
                    return;
                firstToRun = i;
                // A session tearing down its other socket.
                delete probes[1 - i];
                probes[1 - i] = nullptr;
            };
        }
        CHECK(writeBytes(pairs[0].b));
        CHECK(writeBytes(pairs[1].b));
        CHECK(waitUntil([&] { return firstToRun >= 0; }));
        settle();
        CHECK_EQ(counts[0].readable + counts[1].readable, 1);
        CHECK_EQ(counts[0].callsAfterDeath + counts[1].callsAfterDeath, 0);
        delete probes[firstToRun];
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::disableOtherInSameBatch()
{
    const QString verdict = runScenario([] {
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        Counts counts[2];
        std::unique_ptr<Probe> probes[2];
        int first = -1;
        for (int i = 0; i < 2; ++i) {
            probes[i] = std::make_unique<Probe>(pairs[i].a, &counts[i]);
            probes[i]->onRead = [&, i] {
                if (first >= 0)
                    return;
                first = i;
                // Backpressure: one side pauses reading the other.
                probes[1 - i]->watcher().setReadEnabled(false);
            };
        }
        CHECK(writeBytes(pairs[0].b));
        CHECK(writeBytes(pairs[1].b));
        CHECK(waitUntil([&] { return first >= 0; }));
        const int other = 1 - first;
        settle();
        CHECK_EQ(counts[other].readable, 0);
        probes[other]->watcher().setReadEnabled(true);
        CHECK(waitUntil([&] { return counts[other].readable == 1; }));
        CHECK_EQ(counts[first].readable, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::fdReuseInSameBatch()
{
    const QString verdict = runScenario([] {
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        Counts counts[2];
        Counts freshCounts;
        std::unique_ptr<Probe> probes[2];
        std::unique_ptr<SocketPair> fresh;
        std::unique_ptr<Probe> freshProbe;
        int reusedFd = -1;
        for (int i = 0; i < 2; ++i) {
            probes[i] = std::make_unique<Probe>(pairs[i].a, &counts[i]);
            probes[i]->onRead = [&, i] {
                if (fresh)
                    return;
                // Retire the other connection the way a session would, then
                // accept a new one that gets the very same fd number.
                const int other = 1 - i;
                reusedFd = pairs[other].a;
                probes[other].reset();
                pairs[other].closeA();
                fresh = std::make_unique<SocketPair>();
                if (!fresh->isValid() || !placeAtFd(*fresh, reusedFd))
                    return;
                freshProbe = std::make_unique<Probe>(reusedFd, &freshCounts);
                freshProbe->watcher().setWriteEnabled(true);
                freshProbe->disableWriteOnWrite = true;
            };
        }
        CHECK(writeBytes(pairs[0].b));
        CHECK(writeBytes(pairs[1].b));
        CHECK(waitUntil([&] { return fresh != nullptr; }));
        CHECK(freshProbe != nullptr);
        CHECK_EQ(counts[0].readable + counts[1].readable, 1);
        // The batch still held the old socket's readiness under this number;
        // the new, empty socket must not get it, now or later.
        settle();
        CHECK_EQ(freshCounts.readable, 0);
        CHECK_EQ(counts[0].readable + counts[1].readable, 1);
        CHECK_EQ(counts[0].callsAfterDeath + counts[1].callsAfterDeath, 0);
        // Its own interest works: writable once, then readable on its bytes.
        CHECK_EQ(freshCounts.writable, 1);
        CHECK(writeBytes(fresh->b));
        CHECK(waitUntil([&] { return freshCounts.readable == 1; }));
        freshProbe.reset();
        for (auto &p : probes)
            p.reset();
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::ownFdReusedInsideCallback()
{
    const QString verdict = runScenario([] {
        // An upstream that fails: the read callback sees the error, closes
        // the socket and connects the next server, whose socket gets the same
        // number and waits for writable (= connected). The failed socket's
        // writable, in the same event, must not reach the new one.
        auto pair = std::make_unique<SocketPair>();
        CHECK(pair->isValid());
        const int number = pair->a;
        Counts oldCounts;
        Counts freshCounts;
        auto *old = new Probe(number, &oldCounts);
        old->watcher().setWriteEnabled(true);
        std::unique_ptr<SocketPair> fresh;
        std::unique_ptr<Probe> freshProbe;
        int pass = 0;
        int swapPass = -1;
        int freshWritePass = -1;
        old->deleteSelfOnRead = true;
        old->afterDeleteSelf = [&] {
            // What TcpStream::close() does: watcher gone, then the fd.
            swapPass = pass;
            pair->closeA();
            fresh = std::make_unique<SocketPair>();
            if (!fresh->isValid() || !placeAtFd(*fresh, number))
                return;
            freshProbe = std::make_unique<Probe>(number, &freshCounts);
            freshProbe->watcher().setWriteEnabled(true);
            freshProbe->disableWriteOnWrite = true;
            freshProbe->onWrite = [&] { freshWritePass = pass; };
        };
        // Readable and writable together in one event.
        CHECK(writeBytes(pair->b));
        QTimer guard;
        guard.setSingleShot(true);
        guard.start(5000);
        while ((swapPass < 0 || freshWritePass < 0) && guard.isActive()) {
            ++pass;
            QAbstractEventDispatcher::instance()->processEvents(QEventLoop::WaitForMoreEvents);
        }
        CHECK(swapPass > 0);
        CHECK(freshProbe != nullptr);
        CHECK_EQ(oldCounts.callsAfterDeath, 0);
        CHECK_EQ(freshCounts.readable, 0);
        // Its own writable comes, from a later look at the kernel.
        CHECK_EQ(freshCounts.writable, 1);
        CHECK(freshWritePass > swapPass);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::postReadableDeliveredOnce()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        // No bytes in the kernel; two posts before the loop runs coalesce.
        probe.watcher().postReadable();
        probe.watcher().postReadable();
        CHECK_EQ(counts.readable, 0); // never from inside the call
        CHECK(waitUntil([&] { return counts.readable == 1; }));
        settle();
        CHECK_EQ(counts.readable, 1);
        // A later post is a new one.
        probe.watcher().postReadable();
        CHECK(waitUntil([&] { return counts.readable == 2; }));
        settle();
        CHECK_EQ(counts.readable, 2);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::postReadableDoesNotBlockTheLoop()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        // Nothing else would wake the loop for 10 s: "soon" means one
        // blocking pass returns with the delivery done.
        QTimer guard;
        guard.setSingleShot(true);
        guard.start(10000);
        probe.watcher().postReadable();
        QElapsedTimer elapsed;
        elapsed.start();
        for (int pass = 0; pass < 3 && counts.readable == 0; ++pass)
            QAbstractEventDispatcher::instance()->processEvents(QEventLoop::WaitForMoreEvents);
        CHECK_EQ(counts.readable, 1);
        CHECK(elapsed.elapsed() < 5000);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::postReadableSkippedWhenReadDisabled()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        probe.watcher().postReadable();
        probe.watcher().setReadEnabled(false);
        settle();
        CHECK_EQ(counts.readable, 0);
        // The skipped post is gone: enabling again does not resurrect it.
        probe.watcher().setReadEnabled(true);
        settle();
        CHECK_EQ(counts.readable, 0);
        // Disabled and re-enabled before delivery: read interest is on
        // when it is due, so it is delivered.
        probe.watcher().postReadable();
        probe.watcher().setReadEnabled(false);
        probe.watcher().setReadEnabled(true);
        CHECK(waitUntil([&] { return counts.readable == 1; }));
        settle();
        CHECK_EQ(counts.readable, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::postReadableSkippedWhenDestroyed()
{
    const QString verdict = runScenario([] {
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        Counts counts;
        auto probe = std::make_unique<Probe>(pairs[0].a, &counts);
        probe->watcher().postReadable();
        probe.reset();
        settle();
        CHECK_EQ(counts.readable + counts.callsAfterDeath, 0);

        // Destroyed and a new watcher on the same fd number before delivery:
        // the post belonged to the old one.
        const int number = pairs[0].a;
        Counts freshCounts;
        probe = std::make_unique<Probe>(number, &counts);
        probe->watcher().postReadable();
        probe.reset();
        pairs[0].closeA();
        CHECK(placeAtFd(pairs[1], number));
        Probe fresh(number, &freshCounts);
        settle();
        CHECK_EQ(counts.readable + counts.callsAfterDeath, 0);
        CHECK_EQ(freshCounts.readable, 0);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::postReadableFromInsideCallback()
{
    const QString verdict = runScenario([] {
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        Probe probe(pair.a, &counts);
        // A TLS layer that decrypted more than the caller took: it posts from
        // inside its read callback and must be called again, not re-entered.
        int depth = 0;
        int maxDepth = 0;
        probe.onRead = [&] {
            ++depth;
            maxDepth = std::max(maxDepth, depth);
            if (counts.readable == 1)
                probe.watcher().postReadable();
            --depth;
        };
        CHECK(writeBytes(pair.b));
        CHECK(waitUntil([&] { return counts.readable == 2; }));
        settle();
        CHECK_EQ(counts.readable, 2);
        CHECK_EQ(maxDepth, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_FdWatcher::oneEpollCtlPerActualChange()
{
    QFETCH_GLOBAL(bool, epoll);
    if (!epoll)
        QSKIP("counts EpollEventDispatcher's system calls");
    const QString verdict = runScenario([] {
        EpollEventDispatcher *d = epollDispatcher();
        SocketPair pair;
        CHECK(pair.isValid());
        Counts counts;
        const std::uint64_t start = d->epollCtlCalls();
        auto probe = std::make_unique<Probe>(pair.a, &counts);
        // A connecting stream: read off, write on, before the loop runs.
        probe->watcher().setReadEnabled(false);
        probe->watcher().setWriteEnabled(true);
        probe->disableWriteOnWrite = true;
        CHECK(waitUntil([&] { return counts.writable == 1; }));
        CHECK_EQ(d->epollCtlCalls() - start, 1); // one ADD with the final mask
        CHECK_EQ(d->watchInterest(pair.a), EpollEventDispatcher::WatchNone);

        onePass(); // the write-off reaches the kernel
        const std::uint64_t settled = d->epollCtlCalls();
        CHECK_EQ(settled - start, 2);
        // Repeated calls with the same value, and off-then-on within a pass,
        // cost nothing.
        for (int i = 0; i < 10; ++i) {
            probe->watcher().setReadEnabled(false);
            probe->watcher().setWriteEnabled(false);
            probe->watcher().setReadEnabled(true);
            probe->watcher().setReadEnabled(false);
        }
        onePass();
        onePass();
        CHECK_EQ(d->epollCtlCalls(), settled);
        probe->watcher().setReadEnabled(true);
        onePass();
        CHECK_EQ(d->epollCtlCalls(), settled + 1);
        probe->watcher().setReadEnabled(true);
        onePass();
        CHECK_EQ(d->epollCtlCalls(), settled + 1);
        // Removal at once (the owner closes the fd next).
        probe.reset();
        CHECK_EQ(d->epollCtlCalls(), settled + 2);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

QTEST_GUILESS_MAIN(tst_FdWatcher)
#include "tst_fdwatcher.moc"
