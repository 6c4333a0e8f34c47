#include "net/epolleventdispatcher.h"

#include "socketpair.h"

#include <QAbstractEventDispatcher>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;

// Qt Test's macros belong to the test's own thread, so a scenario that runs
// inside a worker thread reports its first failed check as a string instead.
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

// Runs a scenario in a fresh thread whose dispatcher is EpollEventDispatcher
// and returns its verdict (empty when every check passed).
QString runInEpollThread(const std::function<QString()> &scenario, int limitMs = 20000)
{
    QString verdict = QStringLiteral("scenario did not finish");
    std::unique_ptr<QThread> thread(QThread::create([&] {
        if (!qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()))
            verdict = QStringLiteral("the thread does not run EpollEventDispatcher");
        else
            verdict = scenario();
    }));
    thread->setEventDispatcher(new EpollEventDispatcher);
    thread->start();
    if (!thread->wait(QDeadlineTimer(limitMs))) {
        // Only a broken dispatcher gets here (even the wait guards are timers).
        thread->terminate();
        thread->wait();
        return QStringLiteral("scenario hung for more than %1 ms").arg(limitMs);
    }
    return verdict;
}

EpollEventDispatcher *dispatcher()
{
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

// One dispatch pass that does not block.
bool onePass(QEventLoop::ProcessEventsFlags flags = QEventLoop::AllEvents)
{
    return QAbstractEventDispatcher::instance()->processEvents(flags);
}

// Runs blocking passes until pred() holds or the time is up.
template<typename Pred>
bool waitUntil(Pred pred, int timeoutMs = 5000)
{
    QDeadlineTimer deadline(timeoutMs, Qt::PreciseTimer);
    QTimer guard; // ends a blocked pass when the time is up
    guard.setSingleShot(true);
    guard.start(timeoutMs);
    QEventLoop loop;
    while (!pred()) {
        if (deadline.hasExpired())
            return pred();
        loop.processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

bool writeByte(int fd, char c = 'x')
{
    return ::write(fd, &c, 1) == 1;
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

// A connected loopback TCP pair, for what AF_UNIX lacks (out-of-band data).
bool tcpPair(int &client, int &server)
{
    client = server = -1;
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0)
        return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bool ok = ::bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0
        && ::listen(listener, 1) == 0
        && ::getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len) == 0;
    if (ok) {
        client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ok = client >= 0 && ::connect(client, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    }
    if (ok) {
        server = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        ok = server >= 0;
    }
    ::close(listener);
    return ok;
}

// A direct watch that counts.
class Watch final : public EpollEventDispatcher::SocketWatch
{
public:
    int readable = 0;
    int writable = 0;
    std::function<void()> onReadable;
    std::function<void()> onWritable;

    void socketReadable() override
    {
        ++readable;
        if (onReadable)
            onReadable();
    }
    void socketWritable() override
    {
        ++writable;
        if (onWritable)
            onWritable();
    }
};

class TimerObject : public QObject
{
public:
    std::function<void(QTimerEvent *)> onTimer;
    int fired = 0;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        ++fired;
        if (onTimer)
            onTimer(event);
    }
};

// A QThread that runs exec() under EpollEventDispatcher, for tests driven
// from the test's own thread.
class EpollThread
{
public:
    EpollThread()
    {
        m_dispatcher = new EpollEventDispatcher;
        m_thread.setEventDispatcher(m_dispatcher);
        m_context.moveToThread(&m_thread);
        m_thread.start();
    }
    ~EpollThread() { stop(); }
    Q_DISABLE_COPY_MOVE(EpollThread)

    bool stop()
    {
        m_thread.quit();
        return m_thread.wait(10000);
    }

    QThread *thread() { return &m_thread; }
    QObject *context() { return &m_context; } // lives in the worker thread
    QPointer<EpollEventDispatcher> dispatcher() const { return m_dispatcher; }

private:
    QThread m_thread;
    QObject m_context;
    QPointer<EpollEventDispatcher> m_dispatcher;
};

} // namespace

class tst_EpollEventDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void init();

    // thread integration
    void installsAndQuitsCleanly();
    void aboutToBlockAndAwake();
    void interruptEndsBlockedPass();

    // socket notifiers
    void readNotifierIsLevelTriggered();
    void pipeReadAndEof();
    void writeNotifierFollowsBufferSpace();
    void readAndWriteOnSameFd();
    void exceptionNotifierSeesOutOfBandData();
    void hangUpReachesReadAndWriteNotifiers();
    void disableOtherDuringDispatch();
    void deleteOtherDuringDispatch();
    void deleteWriteFromReadOnSameFd();
    void deleteSelfKeepsOtherTypeOnSameFd();
    void toggleOwnNotifierDuringDispatch();
    void fdReuseInSamePass();
    void closeBeforeDisable();
    void excludeSocketNotifiers();

    // direct watches (FdWatcher's path; tst_fdwatcher covers their contract)
    void directWatchDelivery();
    void directWatchBesideNotifierOnSameFd();
    void directWatchesHonourExcludeSocketNotifiers();
    void directWatchRemovedByEarlierHandler();

    // timers
    void singleShotAndRepeating();
    void timerAccuracy();
    void remainingTimeAndRegisteredTimers();
    void killTimerInOwnHandler();
    void killOtherTimerInHandler();
    void restartedTimerWaitsForNextPass();
    void deleteOtherTimerObjectInHandler();
    void timerRegisteredInsideHandler();
    void zeroTimerDoesNotStarveSockets();
    void nestedLoopDoesNotReenterTimer();
    void timersMoveBetweenThreads();

    // posted events and wake-ups
    void postedEventsAndDeferredDelete();
    void postsFromOwnThreadNeverSleep();
    void crossThreadQueuedInvokes();
    void blockingQueuedInvoke();

    // Qt Network on top
    void tcpEchoInsideThread();
};

void tst_EpollEventDispatcher::init()
{
    // Any complaint of the dispatcher means a test drove it wrong or it misbehaved.
    QTest::failOnWarning(QRegularExpression(QStringLiteral("EpollEventDispatcher")));
}

void tst_EpollEventDispatcher::installsAndQuitsCleanly()
{
    QThread thread;
    QPointer<EpollEventDispatcher> epoll = new EpollEventDispatcher;
    thread.setEventDispatcher(epoll);
    QCOMPARE(thread.eventDispatcher(), epoll.data());

    std::atomic<bool> running{false};
    std::atomic<bool> ours{false};
    connect(&thread, &QThread::started, epoll, [&] {
        ours = QAbstractEventDispatcher::instance() == epoll.data();
        running = true;
    }, Qt::DirectConnection);
    thread.start();
    QTRY_VERIFY_WITH_TIMEOUT(running, 5000);
    QVERIFY(ours);

    // A thread idle in epoll_wait with nothing registered must still quit promptly.
    QElapsedTimer clock;
    clock.start();
    thread.quit();
    QVERIFY(thread.wait(5000));
    QVERIFY2(clock.elapsed() < 2000, "quit() did not wake the blocked loop");
    QVERIFY2(epoll.isNull(), "QThread deletes its dispatcher when it finishes");
}

void tst_EpollEventDispatcher::aboutToBlockAndAwake()
{
    const QString verdict = runInEpollThread([] {
        int blocks = 0;
        int wakes = 0;
        QObject ctx;
        QObject::connect(dispatcher(), &QAbstractEventDispatcher::aboutToBlock, &ctx, [&] { ++blocks; });
        QObject::connect(dispatcher(), &QAbstractEventDispatcher::awake, &ctx, [&] { ++wakes; });

        onePass(); // a non-blocking pass neither blocks nor wakes
        CHECK_EQ(blocks, 0);
        CHECK_EQ(wakes, 0);

        bool fired = false;
        QTimer::singleShot(10ms, &ctx, [&] { fired = true; });
        CHECK(waitUntil([&] { return fired; }));
        CHECK(blocks >= 1);
        CHECK_EQ(wakes, blocks);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::interruptEndsBlockedPass()
{
    std::atomic<EpollEventDispatcher *> epoll{nullptr};
    std::atomic<bool> blocking{false};
    std::atomic<bool> returned{false};
    std::unique_ptr<QThread> thread(QThread::create([&] {
        QObject ctx;
        QObject::connect(dispatcher(), &QAbstractEventDispatcher::aboutToBlock, &ctx,
                         [&] { blocking = true; });
        epoll = dispatcher();
        // Nothing registered and no timers: only interrupt() can end this.
        dispatcher()->processEvents(QEventLoop::WaitForMoreEvents);
        returned = true;
    }));
    thread->setEventDispatcher(new EpollEventDispatcher);
    thread->start();
    QTRY_VERIFY_WITH_TIMEOUT(blocking, 5000);
    QTest::qWait(20); // let it reach epoll_wait
    QVERIFY(!returned);
    epoll.load()->interrupt();
    QTRY_VERIFY_WITH_TIMEOUT(returned, 5000);
    QVERIFY(thread->wait(5000));
}

void tst_EpollEventDispatcher::readNotifierIsLevelTriggered()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        QSocketNotifier notifier(pair.a, QSocketNotifier::Read);
        int count = 0;
        qintptr seenFd = -1;
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier,
                         [&](QSocketDescriptor fd, QSocketNotifier::Type type) {
                             ++count;
                             seenFd = qintptr(fd);
                             if (type != QSocketNotifier::Read)
                                 seenFd = -2;
                         });
        onePass();
        CHECK_EQ(count, 0);

        // Data arriving while the thread sleeps wakes it.
        QTimer::singleShot(20ms, &notifier, [&] { writeByte(pair.b); });
        CHECK(waitUntil([&] { return count > 0; }));
        CHECK_EQ(seenFd, pair.a);

        // Unread data keeps reporting, once per pass.
        count = 0;
        onePass();
        onePass();
        onePass();
        CHECK_EQ(count, 3);

        CHECK_EQ(drain(pair.a), 1);
        count = 0;
        onePass();
        onePass();
        CHECK_EQ(count, 0);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::pipeReadAndEof()
{
    const QString verdict = runInEpollThread([] {
        int fds[2];
        CHECK(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
        QSocketNotifier notifier(fds[0], QSocketNotifier::Read);
        QByteArray received;
        bool eof = false;
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier, [&] {
            char buf[64];
            const ssize_t n = ::read(fds[0], buf, sizeof buf);
            if (n > 0)
                received.append(buf, n);
            else if (n == 0) {
                eof = true;
                notifier.setEnabled(false);
            }
        });
        CHECK(::write(fds[1], "abc", 3) == 3);
        CHECK(waitUntil([&] { return received.size() == 3; }));
        ::close(fds[1]);
        // The pipe's hang-up must reach the read notifier, or EOF is never seen.
        CHECK(waitUntil([&] { return eof; }));
        CHECK(received == QByteArrayLiteral("abc"));
        ::close(fds[0]);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::writeNotifierFollowsBufferSpace()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        QSocketNotifier notifier(pair.a, QSocketNotifier::Write);
        int count = 0;
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier, [&] { ++count; });
        onePass();
        CHECK_EQ(count, 1); // an empty send buffer is writable at once

        // Fill the buffer: no more write events until the peer reads.
        const QByteArray chunk(4096, 'z');
        while (::write(pair.a, chunk.constData(), chunk.size()) > 0) { }
        count = 0;
        onePass();
        onePass();
        CHECK_EQ(count, 0);

        while (drain(pair.b) > 0) { }
        CHECK(waitUntil([&] { return count > 0; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::readAndWriteOnSameFd()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        int reads = 0;
        int writes = 0;
        auto readNotifier = std::make_unique<QSocketNotifier>(pair.a, QSocketNotifier::Read);
        QSocketNotifier writeNotifier(pair.a, QSocketNotifier::Write);
        QObject::connect(readNotifier.get(), &QSocketNotifier::activated, readNotifier.get(), [&] { ++reads; });
        QObject::connect(&writeNotifier, &QSocketNotifier::activated, &writeNotifier, [&] { ++writes; });

        onePass();
        CHECK_EQ(reads, 0);
        CHECK_EQ(writes, 1);

        CHECK(writeByte(pair.b));
        onePass();
        CHECK_EQ(reads, 1);
        CHECK_EQ(writes, 2);

        // Interest is per notifier even though the kernel sees one registration.
        writeNotifier.setEnabled(false);
        onePass();
        CHECK_EQ(reads, 2);
        CHECK_EQ(writes, 2);

        readNotifier->setEnabled(false);
        writeNotifier.setEnabled(true);
        onePass();
        CHECK_EQ(reads, 2);
        CHECK_EQ(writes, 3);

        // Deleting one leaves the other registered; a new one joins again.
        readNotifier.reset();
        onePass();
        CHECK_EQ(writes, 4);
        QSocketNotifier again(pair.a, QSocketNotifier::Read);
        int againReads = 0;
        QObject::connect(&again, &QSocketNotifier::activated, &again, [&] { ++againReads; });
        onePass();
        CHECK_EQ(againReads, 1);
        CHECK_EQ(writes, 5);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::exceptionNotifierSeesOutOfBandData()
{
    const QString verdict = runInEpollThread([] {
        int client = -1;
        int server = -1;
        const bool ok = tcpPair(client, server);
        const auto cleanup = qScopeGuard([&] {
            if (client >= 0)
                ::close(client);
            if (server >= 0)
                ::close(server);
        });
        CHECK(ok);
        QSocketNotifier notifier(server, QSocketNotifier::Exception);
        int count = 0;
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier,
                         [&](QSocketDescriptor, QSocketNotifier::Type type) {
                             if (type == QSocketNotifier::Exception)
                                 ++count;
                             notifier.setEnabled(false);
                         });
        onePass();
        CHECK_EQ(count, 0);
        CHECK(::send(client, "!", 1, MSG_OOB) == 1);
        CHECK(waitUntil([&] { return count > 0; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::hangUpReachesReadAndWriteNotifiers()
{
    const QString verdict = runInEpollThread([] {
        SocketPair forRead;
        SocketPair forWrite;
        CHECK(forRead.isValid() && forWrite.isValid());

        QSocketNotifier reader(forRead.a, QSocketNotifier::Read);
        bool eof = false;
        QObject::connect(&reader, &QSocketNotifier::activated, &reader, [&] {
            char c;
            if (::read(forRead.a, &c, 1) == 0) {
                eof = true;
                reader.setEnabled(false);
            }
        });

        // Fill the writer's buffer so only the peer's close can make it report.
        const QByteArray chunk(4096, 'z');
        while (::write(forWrite.a, chunk.constData(), chunk.size()) > 0) { }
        QSocketNotifier writer(forWrite.a, QSocketNotifier::Write);
        int writeError = 0;
        QObject::connect(&writer, &QSocketNotifier::activated, &writer, [&] {
            if (::send(forWrite.a, "x", 1, MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
                writeError = errno;
                writer.setEnabled(false);
            }
        });
        onePass();
        CHECK(!eof);
        CHECK_EQ(writeError, 0);

        forRead.closeB();
        forWrite.closeB();
        CHECK(waitUntil([&] { return eof && writeError != 0; }));
        CHECK_EQ(writeError, EPIPE);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::disableOtherDuringDispatch()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        std::unique_ptr<QSocketNotifier> notifiers[2];
        int counts[2] = {0, 0};
        bool armed = true;
        for (int i = 0; i < 2; ++i) {
            notifiers[i] = std::make_unique<QSocketNotifier>(pairs[i].a, QSocketNotifier::Read);
            QObject::connect(notifiers[i].get(), &QSocketNotifier::activated, notifiers[i].get(), [&, i] {
                ++counts[i];
                if (armed)
                    notifiers[1 - i]->setEnabled(false);
                armed = false;
            });
        }
        // Both ready in the same pass: whichever runs first silences the other.
        CHECK(writeByte(pairs[0].b));
        CHECK(writeByte(pairs[1].b));
        onePass();
        CHECK_EQ(counts[0] + counts[1], 1);
        const int silenced = counts[0] == 1 ? 1 : 0;
        onePass();
        onePass();
        CHECK_EQ(counts[silenced], 0);

        notifiers[silenced]->setEnabled(true);
        CHECK(waitUntil([&] { return counts[silenced] > 0; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::deleteOtherDuringDispatch()
{
    const QString verdict = runInEpollThread([] {
        constexpr int Count = 8;
        SocketPair pairs[Count];
        std::unique_ptr<QSocketNotifier> notifiers[Count];
        int counts[Count] = {};
        for (int i = 0; i < Count; ++i) {
            CHECK(pairs[i].isValid());
            notifiers[i] = std::make_unique<QSocketNotifier>(pairs[i].a, QSocketNotifier::Read);
            QObject::connect(notifiers[i].get(), &QSocketNotifier::activated, notifiers[i].get(), [&, i] {
                ++counts[i];
                // The first one to run deletes all the others, whose events
                // are already in this pass's ready list.
                for (int j = 0; j < Count; ++j) {
                    if (j != i)
                        notifiers[j].reset();
                }
            });
            CHECK(writeByte(pairs[i].b));
        }
        onePass();
        int total = 0;
        for (int c : counts)
            total += c;
        CHECK_EQ(total, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::deleteWriteFromReadOnSameFd()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        auto writer = std::make_unique<QSocketNotifier>(pair.a, QSocketNotifier::Write);
        QSocketNotifier reader(pair.a, QSocketNotifier::Read);
        int writes = 0;
        int reads = 0;
        QObject::connect(writer.get(), &QSocketNotifier::activated, writer.get(), [&] { ++writes; });
        QObject::connect(&reader, &QSocketNotifier::activated, &reader, [&] {
            ++reads;
            writer.reset();
        });
        // One epoll event carries both EPOLLIN and EPOLLOUT for this fd; the
        // read handler runs first and deletes the write notifier.
        CHECK(writeByte(pair.b));
        onePass();
        CHECK_EQ(reads, 1);
        CHECK_EQ(writes, 0);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::deleteSelfKeepsOtherTypeOnSameFd()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        auto *reader = new QSocketNotifier(pair.a, QSocketNotifier::Read);
        QSocketNotifier writer(pair.a, QSocketNotifier::Write);
        QPointer<QSocketNotifier> watch(reader);
        int reads = 0;
        int writes = 0;
        QObject::connect(reader, &QSocketNotifier::activated, reader, [&] {
            ++reads;
            delete reader; // QSocketNotifier::event() copes with this; so must the dispatcher
        });
        QObject::connect(&writer, &QSocketNotifier::activated, &writer, [&] { ++writes; });
        CHECK(writeByte(pair.b));
        onePass();
        CHECK(watch.isNull());
        CHECK_EQ(reads, 1);
        CHECK_EQ(writes, 1);
        onePass();
        CHECK_EQ(reads, 1);
        CHECK_EQ(writes, 2);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::toggleOwnNotifierDuringDispatch()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        QSocketNotifier reader(pair.a, QSocketNotifier::Read);
        QSocketNotifier writer(pair.a, QSocketNotifier::Write);
        writer.setEnabled(false);
        int reads = 0;
        int writes = 0;
        QObject::connect(&reader, &QSocketNotifier::activated, &reader, [&] {
            ++reads;
            drain(pair.a);
            // Off and on again inside its own activation, and the sibling
            // toggled too: the combined registration must come out right.
            reader.setEnabled(false);
            writer.setEnabled(true);
            reader.setEnabled(true);
            writer.setEnabled(false);
        });
        QObject::connect(&writer, &QSocketNotifier::activated, &writer, [&] { ++writes; });

        for (int round = 1; round <= 3; ++round) {
            CHECK(writeByte(pair.b));
            CHECK(waitUntil([&] { return reads == round; }));
        }
        onePass();
        CHECK_EQ(reads, 3);
        CHECK_EQ(writes, 0);

        // Disabled in its handler, enabled later from a timer: it must resume.
        QObject::disconnect(&reader, &QSocketNotifier::activated, nullptr, nullptr);
        QObject::connect(&reader, &QSocketNotifier::activated, &reader, [&] {
            ++reads;
            reader.setEnabled(false);
        });
        CHECK(writeByte(pair.b));
        CHECK(waitUntil([&] { return reads == 4; }));
        onePass();
        CHECK_EQ(reads, 4); // data still unread, but the notifier is off
        QTimer::singleShot(10ms, &reader, [&] { reader.setEnabled(true); });
        CHECK(waitUntil([&] { return reads == 5; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::fdReuseInSamePass()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        std::unique_ptr<QSocketNotifier> notifiers[2];
        int counts[2] = {0, 0};
        std::unique_ptr<SocketPair> fresh;
        std::unique_ptr<QSocketNotifier> replacement;
        int replacementCount = 0;
        int reusedFd = -1;

        for (int i = 0; i < 2; ++i) {
            notifiers[i] = std::make_unique<QSocketNotifier>(pairs[i].a, QSocketNotifier::Read);
            QObject::connect(notifiers[i].get(), &QSocketNotifier::activated, notifiers[i].get(), [&, i] {
                ++counts[i];
                drain(pairs[i].a);
                if (replacement)
                    return;
                // Retire the other connection the way a session would, then
                // open a new one that gets the very same fd number.
                const int other = 1 - i;
                reusedFd = pairs[other].a;
                notifiers[other].reset();
                pairs[other].closeA();
                fresh = std::make_unique<SocketPair>();
                if (!fresh->isValid() || !placeAtFd(*fresh, reusedFd))
                    return;
                replacement = std::make_unique<QSocketNotifier>(reusedFd, QSocketNotifier::Read);
                QObject::connect(replacement.get(), &QSocketNotifier::activated, replacement.get(), [&] {
                    ++replacementCount;
                    drain(reusedFd);
                });
            });
        }
        CHECK(writeByte(pairs[0].b));
        CHECK(writeByte(pairs[1].b));
        onePass();
        CHECK(replacement != nullptr);
        CHECK_EQ(counts[0] + counts[1], 1);
        // The ready list still holds the old fd's EPOLLIN under this number;
        // the new, empty socket must not see it.
        CHECK_EQ(replacementCount, 0);
        onePass();
        CHECK_EQ(replacementCount, 0);

        CHECK(writeByte(fresh->b));
        CHECK(waitUntil([&] { return replacementCount == 1; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::closeBeforeDisable()
{
    const QString verdict = runInEpollThread([] {
        auto pair = std::make_unique<SocketPair>();
        CHECK(pair->isValid());
        const int number = pair->a;
        auto notifier = std::make_unique<QSocketNotifier>(number, QSocketNotifier::Read);
        onePass();
        // Wrong order, but common: the kernel already dropped the fd, and
        // the dispatcher must neither warn nor keep a stale registration.
        pair->closeA();
        notifier.reset();

        SocketPair next;
        CHECK(next.isValid());
        CHECK(placeAtFd(next, number));
        QSocketNotifier fresh(number, QSocketNotifier::Read);
        int count = 0;
        QObject::connect(&fresh, &QSocketNotifier::activated, &fresh, [&] {
            ++count;
            drain(number);
        });
        onePass();
        CHECK_EQ(count, 0);
        CHECK(writeByte(next.b));
        CHECK(waitUntil([&] { return count == 1; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::excludeSocketNotifiers()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        QSocketNotifier notifier(pair.a, QSocketNotifier::Read);
        int count = 0;
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier, [&] { ++count; });
        CHECK(writeByte(pair.b));

        auto *epoll = dispatcher();
        epoll->processEvents(QEventLoop::ExcludeSocketNotifiers);
        CHECK_EQ(count, 0);

        // Blocking while excluding must sleep until the timer, not spin on
        // the ready socket; posted events still get through.
        bool fired = false;
        bool invoked = false;
        QTimer::singleShot(30ms, &notifier, [&] { fired = true; });
        QMetaObject::invokeMethod(&notifier, [&] { invoked = true; }, Qt::QueuedConnection);
        int passes = 0;
        while (!fired && passes < 100) {
            epoll->processEvents(QEventLoop::ExcludeSocketNotifiers | QEventLoop::WaitForMoreEvents);
            ++passes;
        }
        CHECK(fired);
        CHECK(invoked);
        CHECK(passes <= 5);
        CHECK_EQ(count, 0);

        onePass();
        CHECK_EQ(count, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::directWatchDelivery()
{
    const QString verdict = runInEpollThread([] {
        auto *epoll = dispatcher();
        SocketPair pair;
        CHECK(pair.isValid());
        Watch watch;
        watch.onReadable = [&] { drain(pair.a); };
        epoll->addWatch(pair.a, &watch, EpollEventDispatcher::WatchRead);
        CHECK_EQ(epoll->watchInterest(pair.a), EpollEventDispatcher::WatchRead);
        onePass();
        CHECK_EQ(watch.readable, 0);
        CHECK_EQ(watch.writable, 0);
        CHECK(writeByte(pair.b));
        CHECK(waitUntil([&] { return watch.readable == 1; }));

        epoll->setWatchInterest(pair.a, &watch, EpollEventDispatcher::WatchRead | EpollEventDispatcher::WatchWrite);
        onePass();
        CHECK(watch.writable >= 1);
        // Another watch object cannot change or remove this one.
        Watch stranger;
        epoll->setWatchInterest(pair.a, &stranger, EpollEventDispatcher::WatchNone);
        epoll->removeWatch(pair.a, &stranger);
        CHECK_EQ(epoll->watchInterest(pair.a), EpollEventDispatcher::WatchRead | EpollEventDispatcher::WatchWrite);

        epoll->removeWatch(pair.a, &watch);
        CHECK_EQ(epoll->watchInterest(pair.a), EpollEventDispatcher::WatchNone);
        const int writes = watch.writable;
        CHECK(writeByte(pair.b));
        onePass();
        onePass();
        CHECK_EQ(watch.readable, 1);
        CHECK_EQ(watch.writable, writes);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::directWatchBesideNotifierOnSameFd()
{
    const QString verdict = runInEpollThread([] {
        auto *epoll = dispatcher();
        SocketPair pair;
        CHECK(pair.isValid());
        Watch watch;
        watch.onReadable = [&] { drain(pair.a); };
        epoll->addWatch(pair.a, &watch, EpollEventDispatcher::WatchRead);
        auto writer = std::make_unique<QSocketNotifier>(pair.a, QSocketNotifier::Write);
        int writes = 0;
        QObject::connect(writer.get(), &QSocketNotifier::activated, writer.get(), [&] { ++writes; });

        CHECK(writeByte(pair.b));
        CHECK(waitUntil([&] { return watch.readable == 1 && writes >= 1; }));
        CHECK_EQ(watch.writable, 0); // the watch did not ask for writes

        // Either one going away leaves the other registered.
        writer.reset();
        CHECK(writeByte(pair.b));
        CHECK(waitUntil([&] { return watch.readable == 2; }));
        writer = std::make_unique<QSocketNotifier>(pair.a, QSocketNotifier::Write);
        writes = 0;
        QObject::connect(writer.get(), &QSocketNotifier::activated, writer.get(), [&] { ++writes; });
        epoll->removeWatch(pair.a, &watch);
        CHECK(writeByte(pair.b));
        CHECK(waitUntil([&] { return writes >= 2; }));
        CHECK_EQ(watch.readable, 2);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::directWatchesHonourExcludeSocketNotifiers()
{
    const QString verdict = runInEpollThread([] {
        auto *epoll = dispatcher();
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        Watch ready;
        Watch posted;
        epoll->addWatch(pairs[0].a, &ready, EpollEventDispatcher::WatchRead);
        epoll->addWatch(pairs[1].a, &posted, EpollEventDispatcher::WatchRead);
        ready.onReadable = [&] { drain(pairs[0].a); };
        CHECK(writeByte(pairs[0].b));
        epoll->postReadable(pairs[1].a, &posted);

        // Neither delivered, and a blocking pass sleeps until the timer
        // instead of spinning on them.
        QObject ctx;
        bool fired = false;
        QTimer::singleShot(30ms, &ctx, [&] { fired = true; });
        int passes = 0;
        while (!fired && passes < 100) {
            epoll->processEvents(QEventLoop::ExcludeSocketNotifiers | QEventLoop::WaitForMoreEvents);
            ++passes;
        }
        CHECK(fired);
        CHECK(passes <= 5);
        CHECK_EQ(ready.readable, 0);
        CHECK_EQ(posted.readable, 0);

        onePass();
        CHECK_EQ(ready.readable, 1);
        CHECK_EQ(posted.readable, 1);
        epoll->removeWatch(pairs[0].a, &ready);
        epoll->removeWatch(pairs[1].a, &posted);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::directWatchRemovedByEarlierHandler()
{
    const QString verdict = runInEpollThread([] {
        auto *epoll = dispatcher();
        SocketPair pairs[2];
        CHECK(pairs[0].isValid() && pairs[1].isValid());
        Watch watches[2];
        int first = -1;
        for (int i = 0; i < 2; ++i) {
            watches[i].onReadable = [&, i] {
                drain(pairs[i].a);
                if (first >= 0)
                    return;
                first = i;
                // Read and write of the other are both in this batch.
                epoll->removeWatch(pairs[1 - i].a, &watches[1 - i]);
            };
            epoll->addWatch(pairs[i].a, &watches[i], EpollEventDispatcher::WatchRead | EpollEventDispatcher::WatchWrite);
        }
        CHECK(writeByte(pairs[0].b));
        CHECK(writeByte(pairs[1].b));
        onePass();
        CHECK(first >= 0);
        const Watch &other = watches[1 - first];
        CHECK_EQ(other.readable, 0);
        // Its read and write came as one event, later in the batch: neither
        // may reach a removed watch.
        CHECK_EQ(other.writable, 0);
        onePass();
        CHECK_EQ(other.readable + other.writable, 0);
        epoll->removeWatch(pairs[first].a, &watches[first]);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::singleShotAndRepeating()
{
    const QString verdict = runInEpollThread([] {
        QObject ctx;
        int singles = 0;
        QTimer::singleShot(5ms, &ctx, [&] { ++singles; });
        CHECK(waitUntil([&] { return singles > 0; }));
        bool later = false;
        QTimer::singleShot(40ms, &ctx, [&] { later = true; });
        CHECK(waitUntil([&] { return later; }));
        CHECK_EQ(singles, 1);

        QTimer repeating;
        repeating.setTimerType(Qt::PreciseTimer);
        int ticks = 0;
        QObject::connect(&repeating, &QTimer::timeout, &ctx, [&] { ++ticks; });
        QElapsedTimer clock;
        clock.start();
        repeating.start(10ms);
        CHECK(waitUntil([&] { return ticks >= 5; }));
        CHECK(clock.elapsed() >= 50 - 1);
        repeating.stop();
        const int stoppedAt = ticks;
        bool done = false;
        QTimer::singleShot(30ms, &ctx, [&] { done = true; });
        CHECK(waitUntil([&] { return done; }));
        CHECK_EQ(ticks, stoppedAt);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::timerAccuracy()
{
    const QString verdict = runInEpollThread([] {
        QObject ctx;
        // Loose bounds: never early, and not absurdly late on a shared machine.
        for (Qt::TimerType type : {Qt::PreciseTimer, Qt::CoarseTimer}) {
            QElapsedTimer clock;
            qint64 elapsed = -1;
            clock.start();
            QTimer::singleShot(50ms, type, &ctx, [&] { elapsed = clock.elapsed(); });
            CHECK(waitUntil([&] { return elapsed >= 0; }));
            CHECK(elapsed >= 50);
            CHECK(elapsed < 50 + 500);
        }

        // A repeating precise timer keeps its rhythm instead of drifting by
        // each pass's overhead.
        QTimer repeating;
        repeating.setTimerType(Qt::PreciseTimer);
        int ticks = 0;
        QObject::connect(&repeating, &QTimer::timeout, &ctx, [&] { ++ticks; });
        QElapsedTimer clock;
        clock.start();
        repeating.start(5ms);
        CHECK(waitUntil([&] { return ticks >= 20; }));
        const qint64 elapsed = clock.elapsed();
        CHECK(elapsed >= 100 - 1);
        CHECK(elapsed < 100 + 1000);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::remainingTimeAndRegisteredTimers()
{
    const QString verdict = runInEpollThread([] {
        auto *epoll = dispatcher();
        TimerObject obj;
        const int precise = obj.startTimer(1000ms, Qt::PreciseTimer);
        const int coarse = obj.startTimer(30000ms, Qt::CoarseTimer);
        const int veryCoarse = obj.startTimer(1400ms, Qt::VeryCoarseTimer);
        CHECK(precise > 0 && coarse > 0 && veryCoarse > 0);

        const int left = epoll->remainingTime(precise);
        CHECK(left > 900 && left <= 1000);
        // Very coarse timers run on whole seconds: 1400 ms rounds to 1 s.
        const int leftVeryCoarse = epoll->remainingTime(veryCoarse);
        CHECK(leftVeryCoarse > 900 && leftVeryCoarse <= 1000);
        CHECK_EQ(epoll->remainingTime(424242), -1);

        // registeredTimers() reports what was asked for; QObject::moveToThread
        // re-registers from it.
        auto infos = epoll->registeredTimers(&obj);
        CHECK_EQ(infos.size(), 3);
        for (const auto &info : infos) {
            if (info.timerId == precise) {
                CHECK_EQ(info.interval, 1000);
                CHECK(info.timerType == Qt::PreciseTimer);
            } else if (info.timerId == coarse) {
                CHECK_EQ(info.interval, 30000);
                CHECK(info.timerType == Qt::CoarseTimer);
            } else {
                CHECK_EQ(info.timerId, veryCoarse);
                CHECK_EQ(info.interval, 1400);
                CHECK(info.timerType == Qt::VeryCoarseTimer);
            }
        }

        obj.killTimer(precise);
        CHECK_EQ(epoll->remainingTime(precise), -1);
        CHECK_EQ(epoll->registeredTimers(&obj).size(), 2);
        QObject other;
        CHECK(epoll->registeredTimers(&other).isEmpty());

        // Inside the handler the next period is already scheduled.
        TimerObject ticking;
        int inHandler = -1;
        ticking.onTimer = [&](QTimerEvent *event) {
            inHandler = epoll->remainingTime(event->timerId());
            ticking.killTimer(event->timerId());
        };
        ticking.startTimer(30ms, Qt::PreciseTimer);
        CHECK(waitUntil([&] { return inHandler >= 0; }));
        CHECK(inHandler > 0 && inHandler <= 30); // not 0: the old, passed deadline
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::killTimerInOwnHandler()
{
    const QString verdict = runInEpollThread([] {
        TimerObject obj;
        obj.onTimer = [&](QTimerEvent *event) { obj.killTimer(event->timerId()); };
        obj.startTimer(0ms);
        for (int i = 0; i < 5; ++i)
            onePass();
        CHECK_EQ(obj.fired, 1);

        // QTimer's own single-shot path is the same thing.
        QTimer single;
        single.setSingleShot(true);
        int shots = 0;
        QObject::connect(&single, &QTimer::timeout, &single, [&] { ++shots; });
        single.start(0ms);
        for (int i = 0; i < 5; ++i)
            onePass();
        CHECK_EQ(shots, 1);
        CHECK(!single.isActive());
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::killOtherTimerInHandler()
{
    const QString verdict = runInEpollThread([] {
        TimerObject objs[2];
        int ids[2] = {0, 0};
        for (int i = 0; i < 2; ++i) {
            objs[i].onTimer = [&, i](QTimerEvent *) {
                if (ids[1 - i]) {
                    objs[1 - i].killTimer(ids[1 - i]);
                    ids[1 - i] = 0;
                }
            };
        }
        ids[0] = objs[0].startTimer(0ms);
        ids[1] = objs[1].startTimer(0ms);
        onePass(); // both are due in this pass; the first kills the second
        CHECK_EQ(objs[0].fired + objs[1].fired, 1);
        const int survivor = objs[0].fired == 1 ? 0 : 1;
        onePass();
        onePass();
        CHECK_EQ(objs[1 - survivor].fired, 0);
        CHECK_EQ(objs[survivor].fired, 3);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::restartedTimerWaitsForNextPass()
{
    const QString verdict = runInEpollThread([] {
        // The second timer is killed and started again (most likely under the
        // same id) while its old entry is still in this pass's due list.
        TimerObject first;
        TimerObject second;
        int secondId = 0;
        first.onTimer = [&](QTimerEvent *event) {
            first.killTimer(event->timerId());
            second.killTimer(secondId);
            secondId = second.startTimer(0ms);
        };
        first.startTimer(0ms);
        QTest::qSleep(1); // a strictly later deadline: first is due before second
        secondId = second.startTimer(0ms);
        onePass();
        CHECK_EQ(first.fired, 1);
        CHECK_EQ(second.fired, 0);
        onePass();
        CHECK_EQ(second.fired, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::deleteOtherTimerObjectInHandler()
{
    const QString verdict = runInEpollThread([] {
        auto a = std::make_unique<TimerObject>();
        auto b = std::make_unique<TimerObject>();
        int fired = 0;
        a->onTimer = [&](QTimerEvent *) {
            ++fired;
            b.reset();
        };
        b->onTimer = [&](QTimerEvent *) {
            ++fired;
            a.reset();
        };
        a->startTimer(0ms);
        b->startTimer(0ms);
        onePass();
        CHECK_EQ(fired, 1);
        onePass();
        CHECK_EQ(fired, 2); // the survivor keeps running
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::timerRegisteredInsideHandler()
{
    const QString verdict = runInEpollThread([] {
        TimerObject starter;
        TimerObject started;
        starter.onTimer = [&](QTimerEvent *event) {
            starter.killTimer(event->timerId());
            started.startTimer(0ms);
        };
        starter.startTimer(0ms);
        onePass();
        CHECK_EQ(starter.fired, 1);
        CHECK_EQ(started.fired, 0); // new timers wait for the next pass
        onePass();
        CHECK_EQ(started.fired, 1);
        onePass();
        CHECK_EQ(started.fired, 2);

        // A handler that keeps adding zero timers cannot trap one pass.
        TimerObject breeder;
        int spawned = 0;
        std::vector<std::unique_ptr<TimerObject>> children;
        breeder.onTimer = [&](QTimerEvent *) {
            auto child = std::make_unique<TimerObject>();
            child->onTimer = [&](QTimerEvent *) { ++spawned; };
            child->startTimer(0ms);
            children.push_back(std::move(child));
        };
        breeder.startTimer(0ms);
        onePass();
        CHECK_EQ(breeder.fired, 1);
        CHECK_EQ(spawned, 0);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::zeroTimerDoesNotStarveSockets()
{
    const QString verdict = runInEpollThread([] {
        SocketPair pair;
        CHECK(pair.isValid());
        QTimer busy;
        int ticks = 0;
        QObject::connect(&busy, &QTimer::timeout, &busy, [&] { ++ticks; });
        busy.start(0ms);
        QSocketNotifier notifier(pair.a, QSocketNotifier::Read);
        int reads = 0;
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier, [&] {
            ++reads;
            drain(pair.a);
        });

        onePass();
        CHECK_EQ(ticks, 1); // once per pass, not in a loop
        CHECK(writeByte(pair.b));
        onePass();
        CHECK_EQ(reads, 1);
        CHECK_EQ(ticks, 2);

        // Under exec() too: data from a timer arrives while the zero timer spins.
        QEventLoop loop;
        QTimer::singleShot(10ms, &notifier, [&] { writeByte(pair.b); });
        QObject::connect(&notifier, &QSocketNotifier::activated, &loop, &QEventLoop::quit);
        QTimer::singleShot(5s, &loop, &QEventLoop::quit);
        loop.exec();
        CHECK_EQ(reads, 2);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::nestedLoopDoesNotReenterTimer()
{
    const QString verdict = runInEpollThread([] {
        TimerObject outer;
        TimerObject inner;
        int depth = 0;
        int maxDepth = 0;
        outer.onTimer = [&](QTimerEvent *) {
            ++depth;
            maxDepth = std::max(maxDepth, depth);
            if (outer.fired == 1) {
                // A nested loop inside the handler: other timers run, this one
                // (due again meanwhile) must not re-enter.
                waitUntil([&] { return inner.fired >= 3; });
            }
            --depth;
        };
        outer.startTimer(1ms, Qt::PreciseTimer);
        inner.startTimer(5ms, Qt::PreciseTimer);
        CHECK(waitUntil([&] { return outer.fired >= 3; }));
        CHECK(inner.fired >= 3);
        CHECK_EQ(maxDepth, 1);
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::timersMoveBetweenThreads()
{
    EpollThread worker;
    QThread *workerThread = worker.thread();
    QThread *mainThread = QThread::currentThread();

    // Into the epoll thread: QObject::moveToThread re-registers the running
    // timer there through registerTimer().
    auto *timer = new QTimer;
    timer->setTimerType(Qt::PreciseTimer);
    std::atomic<int> ticksInWorker{0};
    connect(timer, &QTimer::timeout, timer, [&] {
        if (QThread::currentThread() == workerThread)
            ++ticksInWorker;
    });
    timer->start(5ms);
    timer->moveToThread(workerThread);
    QTRY_VERIFY_WITH_TIMEOUT(ticksInWorker >= 3, 5000);

    // And out again: moveToThread() in the worker asks registeredTimers()
    // which timers to carry over.
    std::atomic<int> ticksHere{0};
    QMetaObject::invokeMethod(worker.context(), [&] {
        connect(timer, &QTimer::timeout, timer, [&] {
            if (QThread::currentThread() == mainThread)
                ++ticksHere;
        });
        timer->moveToThread(mainThread);
    }, Qt::BlockingQueuedConnection);
    QTRY_VERIFY_WITH_TIMEOUT(ticksHere >= 3, 5000);
    QVERIFY(timer->isActive());
    delete timer;
    QVERIFY(worker.stop());
}

void tst_EpollEventDispatcher::postedEventsAndDeferredDelete()
{
    const QString verdict = runInEpollThread([] {
        QObject ctx;
        int invoked = 0;
        QMetaObject::invokeMethod(&ctx, [&] { ++invoked; }, Qt::QueuedConnection);
        CHECK_EQ(invoked, 0);
        onePass();
        CHECK_EQ(invoked, 1);

        // deleteLater needs a running loop; exec() one until it happens.
        QEventLoop loop;
        QPointer<QObject> doomed = new QObject;
        QTimer::singleShot(0ms, &ctx, [&] { doomed->deleteLater(); });
        QObject::connect(doomed.data(), &QObject::destroyed, &loop, &QEventLoop::quit);
        QTimer::singleShot(5s, &loop, &QEventLoop::quit);
        loop.exec();
        CHECK(doomed.isNull());
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::postsFromOwnThreadNeverSleep()
{
    // Posts from the loop's own thread skip the eventfd; each must still
    // keep the next wait from sleeping, wherever it was made. A 10 s timer
    // is the only other thing that could end a wait.
    const QString verdict = runInEpollThread([] {
        auto *epoll = dispatcher();
        QObject ctx;
        QTimer guard;
        guard.setSingleShot(true);
        guard.start(10s);
        auto passesUntil = [&](const std::function<bool()> &done) {
            QElapsedTimer clock;
            clock.start();
            int passes = 0;
            while (!done() && passes < 5) {
                epoll->processEvents(QEventLoop::WaitForMoreEvents);
                ++passes;
            }
            return done() && clock.elapsed() < 5000;
        };

        // Posted outside any pass, then one blocking pass: returns with it done.
        int invoked = 0;
        QMetaObject::invokeMethod(&ctx, [&] { ++invoked; }, Qt::QueuedConnection);
        CHECK(epoll->processEvents(QEventLoop::WaitForMoreEvents));
        CHECK_EQ(invoked, 1);

        // From a socket handler (a session finishing and queueing its reaping).
        SocketPair pair;
        CHECK(pair.isValid());
        QSocketNotifier notifier(pair.a, QSocketNotifier::Read);
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier, [&] {
            drain(pair.a);
            QMetaObject::invokeMethod(&ctx, [&] { ++invoked; }, Qt::QueuedConnection);
        });
        CHECK(writeByte(pair.b));
        CHECK(passesUntil([&] { return invoked == 2; }));

        // From a posted event (chains of queued calls).
        QMetaObject::invokeMethod(&ctx, [&] {
            QMetaObject::invokeMethod(&ctx, [&] { ++invoked; }, Qt::QueuedConnection);
        }, Qt::QueuedConnection);
        CHECK(passesUntil([&] { return invoked == 3; }));

        // From aboutToBlock, the last moment before the wait.
        bool once = true;
        const auto connection = QObject::connect(epoll, &QAbstractEventDispatcher::aboutToBlock, &ctx, [&] {
            if (once) {
                once = false;
                QMetaObject::invokeMethod(&ctx, [&] { ++invoked; }, Qt::QueuedConnection);
            }
        });
        CHECK(passesUntil([&] { return invoked == 4; }));
        QObject::disconnect(connection);

        // From a timer handler.
        QTimer::singleShot(0ms, &ctx, [&] {
            QMetaObject::invokeMethod(&ctx, [&] { ++invoked; }, Qt::QueuedConnection);
        });
        CHECK(passesUntil([&] { return invoked == 5; }));
        CHECK(guard.isActive());
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

void tst_EpollEventDispatcher::crossThreadQueuedInvokes()
{
    EpollThread worker;
    QObject *target = worker.context();

    // An idle worker (nothing registered, no timers) must wake for one call.
    std::atomic<bool> ran{false};
    QElapsedTimer clock;
    clock.start();
    QMetaObject::invokeMethod(target, [&] { ran = true; }, Qt::QueuedConnection);
    QTRY_VERIFY_WITH_TIMEOUT(ran, 5000);
    QVERIFY(clock.elapsed() < 1000);

    // Many posters at once: the wake-up flag must never lose one.
    constexpr int PerPoster = 20000;
    std::atomic<int> counter{0};
    auto post = [&] {
        for (int i = 0; i < PerPoster; ++i)
            QMetaObject::invokeMethod(target, [&] { ++counter; }, Qt::QueuedConnection);
    };
    std::thread t1(post);
    std::thread t2(post);
    post();
    t1.join();
    t2.join();
    QTRY_COMPARE_WITH_TIMEOUT(counter.load(), 3 * PerPoster, 10000);

    // Trickled calls, each after the worker has gone back to sleep.
    for (int i = 0; i < 50; ++i) {
        std::atomic<bool> done{false};
        QMetaObject::invokeMethod(target, [&] { done = true; }, Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    }
    QVERIFY(worker.stop());
    QVERIFY(worker.dispatcher().isNull());
}

void tst_EpollEventDispatcher::blockingQueuedInvoke()
{
    EpollThread worker;
    QThread *seenThread = nullptr;
    QMetaObject::invokeMethod(worker.context(), [&] { seenThread = QThread::currentThread(); },
                              Qt::BlockingQueuedConnection);
    QCOMPARE(seenThread, worker.thread());
    QVERIFY(worker.stop());
}

void tst_EpollEventDispatcher::tcpEchoInsideThread()
{
    const QString verdict = runInEpollThread([] {
        QTcpServer server;
        CHECK(server.listen(QHostAddress::LocalHost, 0));
        int serverSawEof = 0;
        QObject::connect(&server, &QTcpServer::newConnection, &server, [&] {
            while (QTcpSocket *peer = server.nextPendingConnection()) {
                QObject::connect(peer, &QTcpSocket::readyRead, peer, [peer] { peer->write(peer->readAll()); });
                QObject::connect(peer, &QTcpSocket::disconnected, peer, [&, peer] {
                    ++serverSawEof;
                    peer->deleteLater();
                });
            }
        });

        QTcpSocket client;
        QByteArray received;
        QObject::connect(&client, &QTcpSocket::readyRead, &client, [&] { received += client.readAll(); });
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        CHECK(waitUntil([&] { return client.state() == QAbstractSocket::ConnectedState; }));

        // Large enough to fill the socket buffers both ways, so write
        // notifiers and backpressure take part, not just one read.
        QByteArray payload(4 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char(i * 7 + i / 4096);
        client.write(payload);
        CHECK(waitUntil([&] { return received.size() >= payload.size(); }, 15000));
        CHECK(received == payload);

        client.disconnectFromHost();
        CHECK(waitUntil([&] { return serverSawEof == 1; }));
        return QString();
    });
    QVERIFY2(verdict.isEmpty(), qPrintable(verdict));
}

QTEST_GUILESS_MAIN(tst_EpollEventDispatcher)
#include "tst_epolleventdispatcher.moc"
