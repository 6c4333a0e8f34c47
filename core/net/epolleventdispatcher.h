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
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

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

    // One epoll registration per fd; the notifiers of each type share it.
    struct FdEntry
    {
        QSocketNotifier *notifiers[3] = {nullptr, nullptr, nullptr}; // by QSocketNotifier::Type
        std::uint32_t events = 0;  // interest mask currently in the kernel
        std::uint32_t serial = 0;  // tells this registration from an earlier one on the same fd number
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

    void updateEpoll(int fd, FdEntry &entry);
    int dispatchSocketEvents(const epoll_event *events, int count);
    int activateTimers();
    int epollTimeout() const;
    void drainWakeUp();
    void reschedule(int timerId, Timer &timer, TimePoint deadline);

    int m_epollFd = -1;
    int m_wakeFd = -1;
    QAtomicInt m_wakeUps;    // 1 while the eventfd holds an unread wake-up; spares redundant writes
    QAtomicInt m_interrupt;

    std::unordered_map<int, FdEntry> m_fds;
    std::uint32_t m_nextFdSerial = 1;

    std::unordered_map<int, Timer> m_timers;
    std::set<std::pair<TimePoint, int>> m_timerQueue; // (deadline, timer id), earliest first
    std::unordered_map<QObject *, std::vector<int>> m_timersByObject;
    std::uint64_t m_nextTimerSerial = 1;
};
