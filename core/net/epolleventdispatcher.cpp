#include "epolleventdispatcher.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QSocketNotifier>
#include <QtCore/QThread>
#include <QtCore/QTimerEvent>
#include <QtCore/QVarLengthArray>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace {

// The eventfd is registered with data 0; every fd registration carries a
// serial >= 1 in its upper half, so the two can never be confused.
constexpr std::uint64_t WakeUpTag = 0;

// Events taken from the kernel per pass. Level-triggered epoll rotates its
// ready list, so anything left over comes first in the next pass.
constexpr int MaxEventsPerPass = 256;

// Which epoll bits activate each notifier type. Hang-ups and errors go to
// readers (and writers) as with Qt's own dispatchers, so a read() sees EOF or
// the error instead of the loop spinning on an event nobody consumes.
constexpr std::uint32_t ReadBits = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
constexpr std::uint32_t WriteBits = EPOLLOUT | EPOLLHUP | EPOLLERR;
constexpr std::uint32_t ExceptionBits = EPOLLPRI;

constexpr std::uint32_t interestBit(int type)
{
    switch (type) {
    case QSocketNotifier::Read: return EPOLLIN;
    case QSocketNotifier::Write: return EPOLLOUT;
    default: return EPOLLPRI;
    }
}

// The dispatcher whose processEvents() this thread is running, if any. A
// wake-up from there (an event posted to itself, by far the most common
// kind on a worker: deleteLater, queued calls) needs no eventfd write: the
// thread is awake and checks m_selfWakeUp before it waits.
thread_local EpollEventDispatcher *t_running = nullptr;

class RunningScope
{
public:
    explicit RunningScope(EpollEventDispatcher *dispatcher)
        : m_previous(t_running)
    {
        t_running = dispatcher;
    }
    ~RunningScope() { t_running = m_previous; }
    Q_DISABLE_COPY_MOVE(RunningScope)

private:
    EpollEventDispatcher *m_previous;
};

const char *typeName(int type)
{
    switch (type) {
    case QSocketNotifier::Read: return "Read";
    case QSocketNotifier::Write: return "Write";
    default: return "Exception";
    }
}

std::uint64_t tag(int fd, std::uint32_t serial)
{
    return (std::uint64_t(serial) << 32) | std::uint32_t(fd);
}

// Milliseconds until the deadline, rounded up so a wait never ends early and
// spins for the last fraction of a millisecond.
qint64 msUntil(std::chrono::steady_clock::time_point deadline,
               std::chrono::steady_clock::time_point now)
{
    if (deadline <= now)
        return 0;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now).count();
    return (ns + 999'999) / 1'000'000;
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
{
    m_epollFd = epoll_create1(EPOLL_CLOEXEC);
    if (m_epollFd < 0)
        qFatal("EpollEventDispatcher: epoll_create1 failed: %s", strerror(errno));
    m_wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_wakeFd < 0)
        qFatal("EpollEventDispatcher: eventfd failed: %s", strerror(errno));

    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = WakeUpTag;
    if (epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &ev) < 0)
        qFatal("EpollEventDispatcher: cannot watch the wake-up eventfd: %s", strerror(errno));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    ::close(m_wakeFd);
    ::close(m_epollFd);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    const RunningScope running(this);
    m_interrupt.storeRelaxed(0);

    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    const bool mayBlock = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupt.loadRelaxed();

    if (mayBlock)
        emit aboutToBlock();
    // interrupt() (QEventLoop::exit, QThread::quit) may have come from a
    // posted event or from aboutToBlock's receivers: leave before waiting.
    if (m_interrupt.loadRelaxed())
        return false;

    applyWatchChanges();

    // A wake-up from this thread stands for an eventfd event: consumed by
    // this pass, which then does not sleep. No user code runs between here
    // and the wait, so none can be missed.
    const bool selfWoken = m_selfWakeUp;
    m_selfWakeUp = false;

    int timeout = 0;
    // A posted readable is due now too: look at the kernel, but do not sleep.
    if (mayBlock && !selfWoken && !(includeNotifiers && !m_postedReads.empty()))
        timeout = includeTimers ? epollTimeout() : -1;

    epoll_event events[MaxEventsPerPass];
    int count;
    if (includeNotifiers) {
        count = epoll_wait(m_epollFd, events, MaxEventsPerPass, timeout);
    } else {
        // Sockets must stay unserved without turning a level-triggered ready
        // fd into a busy loop, so wait on the wake-up eventfd alone.
        pollfd pfd{m_wakeFd, POLLIN, 0};
        count = poll(&pfd, 1, timeout);
        if (count > 0) {
            events[0].events = EPOLLIN;
            events[0].data.u64 = WakeUpTag;
            count = 1;
        }
    }
    if (count < 0) {
        if (errno != EINTR)
            qErrnoWarning("EpollEventDispatcher: waiting for events failed");
        count = 0;
    }
    m_passTimeNs = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();

    if (mayBlock)
        emit awake();

    int handled = 0;
    bool woken = selfWoken;
    for (int i = 0; i < count; ++i) {
        if (events[i].data.u64 == WakeUpTag) {
            drainWakeUp();
            woken = true;
            break;
        }
    }
    if (woken) {
        // Deliver what woke us now rather than one pass later: a cross-thread
        // invokeMethod then costs one wake-up, and a lone
        // processEvents(WaitForMoreEvents) returns having done the work.
        QCoreApplication::sendPostedEvents();
        ++handled;
    }
    if (includeNotifiers) {
        handled += dispatchSocketEvents(events, count);
        handled += deliverPostedReads();
    }
    if (includeTimers)
        handled += activateTimers();
    return handled > 0;
}

// Socket notifiers

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int fd = int(notifier->socket());
    const int type = notifier->type();
    if (fd < 0 || type < QSocketNotifier::Read || type > QSocketNotifier::Exception) {
        qWarning("EpollEventDispatcher: invalid socket notifier (fd %d)", fd);
        return;
    }
    if (notifier->thread() != thread() || thread() != QThread::currentThread()) {
        qWarning("EpollEventDispatcher: socket notifiers cannot be enabled from another thread");
        return;
    }

    FdEntry &entry = entryFor(fd);
    if (entry.notifiers[type] && entry.notifiers[type] != notifier)
        qWarning("EpollEventDispatcher: multiple socket notifiers for socket %d and type %s; "
                 "the newest replaces the older one", fd, typeName(type));
    entry.notifiers[type] = notifier;
    updateEpoll(fd, entry);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int fd = int(notifier->socket());
    const int type = notifier->type();
    if (notifier->thread() != thread() || thread() != QThread::currentThread()) {
        qWarning("EpollEventDispatcher: socket notifiers cannot be disabled from another thread");
        return;
    }

    FdEntry *entry = findEntry(fd);
    if (!entry || type < QSocketNotifier::Read || type > QSocketNotifier::Exception
        || entry->notifiers[type] != notifier) {
        return;
    }
    entry->notifiers[type] = nullptr;
    updateEpoll(fd, *entry);
    releaseIfUnused(*entry);
}

EpollEventDispatcher::FdEntry &EpollEventDispatcher::entryFor(int fd)
{
    Q_ASSERT(fd >= 0);
    if (std::size_t(fd) >= m_fds.size())
        m_fds.resize(std::max<std::size_t>(std::size_t(fd) + 1, m_fds.size() * 2));
    FdEntry &entry = m_fds[std::size_t(fd)];
    if (!entry.serial) {
        // New registration: a serial unlike any the kernel may still report
        // for an earlier one on this number. 0 marks unused slots (and would
        // look like the wake-up tag), so it is skipped when the counter wraps.
        entry.serial = m_nextFdSerial++;
        if (m_nextFdSerial == 0)
            m_nextFdSerial = 1;
    }
    return entry;
}

void EpollEventDispatcher::releaseIfUnused(FdEntry &entry)
{
    if (!entry.notifiers[0] && !entry.notifiers[1] && !entry.notifiers[2] && !entry.watch)
        entry = FdEntry();
}

// Direct watches

EpollEventDispatcher::FdEntry *EpollEventDispatcher::findWatch(int fd, SocketWatch *watch)
{
    Q_ASSERT(thread() == QThread::currentThread());
    FdEntry *entry = findEntry(fd);
    return entry && entry->watch == watch ? entry : nullptr;
}

void EpollEventDispatcher::addWatch(int fd, SocketWatch *watch, std::uint8_t interest)
{
    if (fd < 0 || !watch) {
        qWarning("EpollEventDispatcher: invalid watch (fd %d)", fd);
        return;
    }
    Q_ASSERT(thread() == QThread::currentThread());
    FdEntry &entry = entryFor(fd);
    if (entry.watch && entry.watch != watch)
        qWarning("EpollEventDispatcher: a second watch for socket %d replaces the first", fd);
    entry.watch = watch;
    entry.watchInterest = WatchNone;
    entry.readPosted = false;
    setWatchInterest(fd, watch, interest);
}

void EpollEventDispatcher::setWatchInterest(int fd, SocketWatch *watch, std::uint8_t interest)
{
    FdEntry *entry = findWatch(fd, watch);
    if (!entry)
        return;
    interest &= WatchRead | WatchWrite;
    if (entry->watchInterest == interest)
        return;
    entry->watchInterest = interest;
    // The kernel hears of it before the next wait, once, whatever happens in
    // between; delivery checks watchInterest, so nothing is delivered that
    // was turned off meanwhile.
    if (!entry->dirty) {
        entry->dirty = true;
        m_dirtyFds.push_back(fd);
    }
}

void EpollEventDispatcher::removeWatch(int fd, SocketWatch *watch)
{
    FdEntry *entry = findWatch(fd, watch);
    if (!entry)
        return;
    entry->watch = nullptr;
    entry->watchInterest = WatchNone;
    entry->readPosted = false;
    // At once, not before the next wait: the owner closes the fd next, and
    // a new socket may get its number (and a new serial) in the same pass.
    updateEpoll(fd, *entry);
    releaseIfUnused(*entry);
}

void EpollEventDispatcher::postReadable(int fd, SocketWatch *watch)
{
    FdEntry *entry = findWatch(fd, watch);
    if (!entry || entry->readPosted)
        return;
    entry->readPosted = true;
    m_postedReads.push_back({fd, entry->serial});
    // Called from this thread, so the loop is not asleep: the next wait
    // sees the pending list and does not block.
}

std::uint8_t EpollEventDispatcher::watchInterest(int fd) const
{
    if (std::size_t(fd) >= m_fds.size())
        return WatchNone;
    const FdEntry &entry = m_fds[std::size_t(fd)];
    return entry.serial && entry.watch ? entry.watchInterest : std::uint8_t(WatchNone);
}

void EpollEventDispatcher::applyWatchChanges()
{
    if (m_dirtyFds.empty())
        return;
    for (const int fd : m_dirtyFds) {
        // The watch may be gone, or the number taken by a newer entry that
        // queued itself again (then this finds it already applied).
        FdEntry *entry = findEntry(fd);
        if (entry && entry->dirty)
            updateEpoll(fd, *entry);
    }
    m_dirtyFds.clear();
}

int EpollEventDispatcher::deliverPostedReads()
{
    if (m_postedReads.empty())
        return 0;
    // Posts made during delivery wait for the next pass (which will not
    // block), so a client that posts again from its callback cannot starve
    // the loop. The batch is local: a nested loop inside a callback may
    // deliver the next one.
    std::vector<PendingRead> batch;
    batch.swap(m_postedReads);
    m_postedReads.swap(m_spareReads); // reuse an earlier batch's capacity

    int delivered = 0;
    for (const PendingRead &pending : batch) {
        FdEntry *entry = findEntry(pending.fd, pending.serial);
        if (!entry || !entry->readPosted)
            continue;
        entry->readPosted = false;
        if (entry->watch && (entry->watchInterest & WatchRead)) {
            entry->watch->socketReadable(); // may invalidate entry
            ++delivered;
        }
    }
    batch.clear();
    if (m_spareReads.capacity() < batch.capacity())
        m_spareReads.swap(batch);
    return delivered;
}

void EpollEventDispatcher::updateEpoll(int fd, FdEntry &entry)
{
    entry.dirty = false;
    std::uint32_t wanted = 0;
    for (int type = 0; type < 3; ++type) {
        if (entry.notifiers[type])
            wanted |= interestBit(type);
    }
    if (entry.watchInterest & WatchRead)
        wanted |= EPOLLIN;
    if (entry.watchInterest & WatchWrite)
        wanted |= EPOLLOUT;
    if (wanted == entry.events)
        return;

    ++m_epollCtlCalls; // retries below are rare enough not to count
    epoll_event ev{};
    ev.events = wanted;
    ev.data.u64 = tag(fd, entry.serial);

    if (wanted == 0) {
        // EBADF/ENOENT: the fd was closed before its notifier was disabled,
        // and closing already took it out of the interest list.
        if (epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, &ev) < 0 && errno != EBADF && errno != ENOENT)
            qErrnoWarning("EpollEventDispatcher: cannot stop watching socket %d", fd);
        entry.events = 0;
        return;
    }

    int op = entry.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    int rc = epoll_ctl(m_epollFd, op, fd, &ev);
    if (rc < 0 && op == EPOLL_CTL_MOD && errno == ENOENT) {
        // Closed and reopened under a live notifier: the kernel forgot the old file.
        op = EPOLL_CTL_ADD;
        rc = epoll_ctl(m_epollFd, op, fd, &ev);
    } else if (rc < 0 && op == EPOLL_CTL_ADD && errno == EEXIST) {
        rc = epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &ev);
    }
    if (rc < 0) {
        // EPERM: regular files and directories cannot be polled by epoll.
        qErrnoWarning("EpollEventDispatcher: cannot watch socket %d", fd);
        entry.events = 0;
        return;
    }
    entry.events = wanted;
}

int EpollEventDispatcher::dispatchSocketEvents(const epoll_event *events, int count)
{
    int activated = 0;
    for (int i = 0; i < count; ++i) {
        const std::uint64_t data = events[i].data.u64;
        if (data == WakeUpTag)
            continue;
        const int fd = int(std::uint32_t(data));
        const std::uint32_t serial = std::uint32_t(data >> 32);
        const std::uint32_t bits = events[i].events;

        // The ready list is a snapshot: earlier handlers in this pass may have
        // disabled, deleted or replaced notifiers and watches, or closed the fd
        // and reused its number. Look the registration up again before every
        // delivery (a handler may also have grown the table, so no pointer
        // survives a callback) and drop the event if it belongs to an older
        // registration.
        FdEntry *entry = findEntry(fd, serial);
        if (!entry)
            continue;
        if (entry->watch) {
            // Interest is checked now, not as the kernel last heard it: a
            // change made earlier in this pass already counts.
            if ((bits & ReadBits) && (entry->watchInterest & WatchRead)) {
                entry->watch->socketReadable();
                ++activated;
                if (!(entry = findEntry(fd, serial)))
                    continue;
            }
            if ((bits & WriteBits) && entry->watch && (entry->watchInterest & WatchWrite)) {
                entry->watch->socketWritable();
                ++activated;
                if (!(entry = findEntry(fd, serial)))
                    continue;
            }
        }
        if (!entry->notifiers[0] && !entry->notifiers[1] && !entry->notifiers[2])
            continue;

        bool fire[3] = {(bits & ReadBits) != 0, (bits & WriteBits) != 0, (bits & ExceptionBits) != 0};
        if (bits & (EPOLLHUP | EPOLLERR)) {
            // With only an exception notifier nobody else would consume a hang-up.
            if (!entry->notifiers[QSocketNotifier::Read] && !entry->notifiers[QSocketNotifier::Write]
                && !(entry->watch && entry->watchInterest != WatchNone)) {
                fire[QSocketNotifier::Exception] = true;
            }
        }
        for (int type = 0; type < 3; ++type) {
            if (!fire[type])
                continue;
            entry = findEntry(fd, serial);
            if (!entry)
                break;
            QSocketNotifier *notifier = entry->notifiers[type];
            if (!notifier)
                continue;
            QEvent event(QEvent::SockAct);
            QCoreApplication::sendEvent(notifier, &event);
            ++activated;
        }
    }
    return activated;
}

// Timers

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    if (timerId < 1 || interval < 0 || !object) {
        qWarning("EpollEventDispatcher::registerTimer: invalid arguments");
        return;
    }
    if (object->thread() != thread() || thread() != QThread::currentThread()) {
        qWarning("EpollEventDispatcher::registerTimer: timers cannot be started from another thread");
        return;
    }
    if (m_timers.count(timerId)) {
        qWarning("EpollEventDispatcher::registerTimer: timer id %d is already registered", timerId);
        unregisterTimer(timerId);
    }

    Timer timer;
    timer.object = object;
    timer.interval = interval;
    timer.type = timerType;
    timer.serial = m_nextTimerSerial++;
    timer.period = interval;
    // Like Qt's dispatchers: a long coarse timer only needs second accuracy,
    // and a very coarse one runs on whole seconds (rounded to the nearest).
    if (timerType == Qt::VeryCoarseTimer || (timerType == Qt::CoarseTimer && interval >= 20000))
        timer.period = (interval + 500) / 1000 * 1000;
    // Keep deadline arithmetic in nanoseconds far from overflow (2^40 ms is ~35 years).
    timer.period = std::min<qint64>(timer.period, qint64(1) << 40);
    timer.deadline = Clock::now() + std::chrono::milliseconds(timer.period);

    m_timerQueue.emplace(timer.deadline, timerId);
    m_timersByObject[object].push_back(timerId);
    m_timers.emplace(timerId, timer);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    if (thread() != QThread::currentThread()) {
        qWarning("EpollEventDispatcher::unregisterTimer: timers cannot be stopped from another thread");
        return false;
    }
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;

    const Timer &timer = it->second;
    m_timerQueue.erase({timer.deadline, timerId});
    const auto byObject = m_timersByObject.find(timer.object);
    if (byObject != m_timersByObject.end()) {
        std::vector<int> &ids = byObject->second;
        ids.erase(std::remove(ids.begin(), ids.end(), timerId), ids.end());
        if (ids.empty())
            m_timersByObject.erase(byObject);
    }
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    if (thread() != QThread::currentThread()) {
        qWarning("EpollEventDispatcher::unregisterTimers: timers cannot be stopped from another thread");
        return false;
    }
    const auto byObject = m_timersByObject.find(object);
    if (byObject == m_timersByObject.end())
        return false;
    for (int timerId : byObject->second) {
        const auto it = m_timers.find(timerId);
        if (it == m_timers.end())
            continue;
        m_timerQueue.erase({it->second.deadline, timerId});
        m_timers.erase(it);
    }
    m_timersByObject.erase(byObject);
    return true;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> infos;
    const auto byObject = m_timersByObject.find(object);
    if (byObject == m_timersByObject.end())
        return infos;
    for (int timerId : byObject->second) {
        const auto it = m_timers.find(timerId);
        if (it == m_timers.end())
            continue;
        const Timer &timer = it->second;
        infos.append(TimerInfo(timerId, int(std::min<qint64>(timer.interval, INT_MAX)), timer.type));
    }
    return infos;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return -1;
    return int(std::min<qint64>(msUntil(it->second.deadline, Clock::now()), INT_MAX));
}

void EpollEventDispatcher::reschedule(int timerId, Timer &timer, TimePoint deadline)
{
    // Reuse the set node: a busy repeating timer then costs no allocation per shot.
    auto node = m_timerQueue.extract({timer.deadline, timerId});
    timer.deadline = deadline;
    if (node) {
        node.value().first = deadline;
        m_timerQueue.insert(std::move(node));
    } else {
        m_timerQueue.emplace(deadline, timerId);
    }
}

int EpollEventDispatcher::epollTimeout() const
{
    // A timer whose handler is running a nested loop cannot fire, so it must
    // not hold the wait at zero either.
    for (const auto &[deadline, timerId] : m_timerQueue) {
        const auto it = m_timers.find(timerId);
        if (it == m_timers.end() || it->second.inHandler)
            continue;
        return int(std::min<qint64>(msUntil(deadline, Clock::now()), INT_MAX));
    }
    return -1;
}

int EpollEventDispatcher::activateTimers()
{
    if (m_timerQueue.empty())
        return 0;

    // Fire only what is due now, each at most once: a zero-interval timer
    // (or a handler that registers more) must not keep this pass from
    // returning to epoll and the sockets.
    const TimePoint now = Clock::now();
    QVarLengthArray<std::pair<int, std::uint64_t>, 64> due;
    for (const auto &[deadline, timerId] : m_timerQueue) {
        if (deadline > now)
            break;
        due.append({timerId, m_timers.at(timerId).serial});
    }

    int fired = 0;
    for (const auto &[timerId, serial] : due) {
        // Handlers run in between may have killed this timer or killed it and
        // registered a new one under the same id; neither must fire here.
        auto it = m_timers.find(timerId);
        if (it == m_timers.end() || it->second.serial != serial || it->second.inHandler)
            continue;
        Timer &timer = it->second;

        // Schedule the next shot before delivery, so remainingTime() inside
        // the handler already answers for the next period.
        TimePoint next = timer.deadline + std::chrono::milliseconds(timer.period);
        if (next < now) // fell behind (a long handler, a suspended process): don't fire a burst
            next = now + std::chrono::milliseconds(timer.period);
        reschedule(timerId, timer, next);

        timer.inHandler = true;
        QObject *object = timer.object;
        QTimerEvent event(timerId);
        QCoreApplication::sendEvent(object, &event);
        ++fired;

        // The handler may have changed m_timers; never reuse the reference.
        it = m_timers.find(timerId);
        if (it != m_timers.end() && it->second.serial == serial)
            it->second.inHandler = false;
    }
    return fired;
}

// Waking up

void EpollEventDispatcher::wakeUp()
{
    if (t_running == this) {
        m_selfWakeUp = true;
        return;
    }
    // One write per sleep is enough; the flag is cleared only after the
    // eventfd has been read, so a wake-up can never be lost in between.
    if (m_wakeUps.testAndSetAcquire(0, 1)) {
        const std::uint64_t one = 1;
        ssize_t rc;
        do {
            rc = ::write(m_wakeFd, &one, sizeof one);
        } while (rc < 0 && errno == EINTR);
    }
}

void EpollEventDispatcher::interrupt()
{
    m_interrupt.storeRelease(1);
    wakeUp();
}

void EpollEventDispatcher::drainWakeUp()
{
    std::uint64_t value;
    ssize_t rc;
    do {
        rc = ::read(m_wakeFd, &value, sizeof value);
    } while (rc < 0 && errno == EINTR);
    m_wakeUps.storeRelease(0);
}
