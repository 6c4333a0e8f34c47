#pragma once

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QAtomicInt>

#include <chrono>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

class QSocketNotifier;
struct epoll_event;

// An event dispatcher for worker threads built on epoll(7).
//
// Qt's default dispatchers rebuild and poll the whole notifier list on every
// pass, so a thread's latency grows with its idle connections. Here the kernel
// keeps the interest list, one pass costs O(ready fds + due timers), and
// timers sit in a deadline-ordered set.
//
// Timer precision: precise and coarse timers fire at their deadline rounded
// up to the next millisecond, never early (coarse timers are not coalesced);
// coarse timers of 20 s or more and very coarse timers run on whole seconds.
// Linux only (epoll, eventfd).
//
// Besides QSocketNotifier, descriptors can be watched directly: a plain C++
// callback per fd, with no QObject, event or signal per wake-up (that chain
// was ~45% of a small-message echo's instructions). FdWatcher uses it on
// worker threads.
//
// Install it before the thread starts:
//     thread->setEventDispatcher(new EpollEventDispatcher);
// Everything except wakeUp() and interrupt() must be called from the thread
// the dispatcher belongs to (which is what QSocketNotifier and QObject timers
// do anyway).
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EpollEventDispatcher)

public:
    // Receiver of a direct watch. Level-triggered, like the notifiers: called
    // on every pass while the fd is ready and the interest is on. A callback
    // may change any watch, remove its own (and delete itself) or register a
    // new one on the same fd number; the rest of the pass then only delivers
    // to registrations that still exist.
    class SocketWatch
    {
    public:
        // Also on hang-up and error, so a read sees EOF or the error.
        virtual void socketReadable() = 0;
        virtual void socketWritable() = 0;

    protected:
        ~SocketWatch() = default;
    };

    enum WatchInterest : std::uint8_t {
        WatchNone = 0,
        WatchRead = 1,
        WatchWrite = 2,
    };

    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    // One watch per fd (a QSocketNotifier on the same fd may coexist).
    // Interest changes reach the kernel once per pass, just before the next
    // wait, and only if the mask really changed: toggling within one pass
    // costs no system call. Removal takes effect at once, so the owner may
    // close the fd and the number may be reused straight away.
    void addWatch(int fd, SocketWatch *watch, std::uint8_t interest);
    void setWatchInterest(int fd, SocketWatch *watch, std::uint8_t interest);
    void removeWatch(int fd, SocketWatch *watch);
    // Calls socketReadable() once from the loop soon (this pass or the next,
    // without waiting), whether or not the kernel has bytes. Skipped if read
    // interest is off by then or the watch was removed. Repeated calls before
    // delivery coalesce.
    void postReadable(int fd, SocketWatch *watch);

    // For tests and diagnostics: the direct watch's interest on fd as the
    // loop delivers it (WatchNone without a watch), and how many epoll_ctl
    // calls this dispatcher has made.
    std::uint8_t watchInterest(int fd) const;
    // steady_clock (CLOCK_MONOTONIC) nanoseconds, read once per pass right
    // after the wait: a clock for handlers that need no finer time than
    // "this pass" (timeouts, activity stamps) without a clock call each.
    std::int64_t passTimeNs() const { return m_passTimeNs; }
    const std::int64_t *passTimeNsAddress() const { return &m_passTimeNs; }
    std::uint64_t epollCtlCalls() const { return m_epollCtlCalls; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    using QAbstractEventDispatcher::registerTimer;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

private:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    // One epoll registration per fd; the notifiers of each type and the
    // direct watch share it.
    struct FdEntry
    {
        QSocketNotifier *notifiers[3] = {nullptr, nullptr, nullptr}; // by QSocketNotifier::Type
        SocketWatch *watch = nullptr;
        std::uint32_t events = 0;  // interest mask currently in the kernel
        std::uint32_t serial = 0;  // tells this registration from an earlier one on the same fd
                                   // number; 0: the slot is unused
        std::uint8_t watchInterest = WatchNone;
        bool dirty = false;        // the watch's interest changed since the kernel was told
        bool readPosted = false;   // a postReadable() waits for delivery
    };

    struct PendingRead
    {
        int fd;
        std::uint32_t serial;
    };

    struct Timer
    {
        QObject *object = nullptr;
        qint64 interval = 0;       // ms, as registered (reported back by registeredTimers())
        qint64 period = 0;         // ms, after the timer type's rounding
        Qt::TimerType type = Qt::CoarseTimer;
        TimePoint deadline;
        std::uint64_t serial = 0;  // tells this registration from an earlier one with the same id
        bool inHandler = false;    // a nested loop inside its own timerEvent must not fire it again
    };

    FdEntry *findEntry(int fd)
    {
        return std::size_t(fd) < m_fds.size() && m_fds[std::size_t(fd)].serial ? &m_fds[std::size_t(fd)] : nullptr;
    }
    // serial is never 0 here (it comes from an epoll tag or a posted read).
    FdEntry *findEntry(int fd, std::uint32_t serial)
    {
        return std::size_t(fd) < m_fds.size() && m_fds[std::size_t(fd)].serial == serial ? &m_fds[std::size_t(fd)]
                                                                                          : nullptr;
    }
    FdEntry &entryFor(int fd);
    void releaseIfUnused(FdEntry &entry);
    FdEntry *findWatch(int fd, SocketWatch *watch);
    void updateEpoll(int fd, FdEntry &entry);
    void applyWatchChanges();
    int dispatchSocketEvents(const epoll_event *events, int count);
    int deliverPostedReads();
    int activateTimers();
    int epollTimeout() const;
    void drainWakeUp();
    void reschedule(int timerId, Timer &timer, TimePoint deadline);

    int m_epollFd = -1;
    int m_wakeFd = -1;
    QAtomicInt m_wakeUps;    // 1 while the eventfd holds an unread wake-up; spares redundant writes
    QAtomicInt m_interrupt;
    bool m_selfWakeUp = false; // wakeUp() from inside processEvents(); this thread only

    // Indexed by fd: the kernel hands out the lowest free numbers, so the
    // table stays dense, and a lookup per event is an index, not a hash.
    std::vector<FdEntry> m_fds;
    std::uint32_t m_nextFdSerial = 1;
    std::uint64_t m_epollCtlCalls = 0;
    std::int64_t m_passTimeNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch()).count();
    std::vector<int> m_dirtyFds;              // watches whose interest awaits epoll_ctl
    std::vector<PendingRead> m_postedReads;   // postReadable() calls not yet delivered
    std::vector<PendingRead> m_spareReads;    // a delivered batch, kept for its capacity

    std::unordered_map<int, Timer> m_timers;
    std::set<std::pair<TimePoint, int>> m_timerQueue; // (deadline, timer id), earliest first
    std::unordered_map<QObject *, std::vector<int>> m_timersByObject;
    std::uint64_t m_nextTimerSerial = 1;
};
