#include "fdwatcher.h"

#include <QAbstractEventDispatcher>
#include <QMetaObject>
#include <QSocketNotifier>
#include <QThread>

FdWatcher::FdWatcher(int fd, Client *client)
    : m_fd(fd)
    , m_client(client)
{
    // Decided once: a thread's dispatcher cannot change after it started.
    if (auto *epoll = qobject_cast<EpollEventDispatcher *>(QThread::currentThread()->eventDispatcher())) {
        m_direct = true;
        m_dispatcher = epoll;
        epoll->addWatch(m_fd, this, EpollEventDispatcher::WatchRead);
        return;
    }
    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read);
    QObject::connect(m_readNotifier, &QSocketNotifier::activated, m_readNotifier,
                     [this] { m_client->fdReadable(); });
}

FdWatcher::~FdWatcher()
{
    if (m_direct) {
        // The dispatcher drops events and posted reads of a removed watch,
        // even later in the batch that is running this destructor.
        if (EpollEventDispatcher *epoll = m_dispatcher.data())
            epoll->removeWatch(m_fd, this);
        return;
    }
    if (m_self)
        *m_self = nullptr;
    // Deleted later: the destructor may run inside one of their activations.
    for (QSocketNotifier *n : {m_readNotifier, m_writeNotifier}) {
        if (!n)
            continue;
        n->setEnabled(false);
        QObject::disconnect(n, nullptr, nullptr, nullptr);
        n->deleteLater();
    }
}

void FdWatcher::socketReadable()
{
    m_client->fdReadable();
}

void FdWatcher::socketWritable()
{
    m_client->fdWritable();
}

std::uint8_t FdWatcher::interest() const
{
    return std::uint8_t((m_readEnabled ? EpollEventDispatcher::WatchRead : 0)
                        | (m_writeEnabled ? EpollEventDispatcher::WatchWrite : 0));
}

void FdWatcher::ensureWriteNotifier()
{
    if (m_writeNotifier)
        return;
    m_writeNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Write);
    m_writeNotifier->setEnabled(false);
    QObject::connect(m_writeNotifier, &QSocketNotifier::activated, m_writeNotifier,
                     [this] { m_client->fdWritable(); });
}

void FdWatcher::setReadEnabled(bool enabled)
{
    if (m_readEnabled == enabled)
        return;
    m_readEnabled = enabled;
    if (m_direct) {
        if (EpollEventDispatcher *epoll = m_dispatcher.data())
            epoll->setWatchInterest(m_fd, this, interest());
        return;
    }
    m_readNotifier->setEnabled(enabled);
}

void FdWatcher::setWriteEnabled(bool enabled)
{
    if (m_writeEnabled == enabled)
        return;
    m_writeEnabled = enabled;
    if (m_direct) {
        if (EpollEventDispatcher *epoll = m_dispatcher.data())
            epoll->setWatchInterest(m_fd, this, interest());
        return;
    }
    if (enabled)
        ensureWriteNotifier();
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(enabled);
}

void FdWatcher::postReadable()
{
    if (m_direct) {
        if (EpollEventDispatcher *epoll = m_dispatcher.data())
            epoll->postReadable(m_fd, this);
        return;
    }
    if (m_readablePosted)
        return;
    m_readablePosted = true;
    if (!m_self)
        m_self = std::make_shared<FdWatcher *>(this);
    // The thread's dispatcher is a QObject living in this thread: a queued
    // call on it runs in this thread's loop. The shared pointer tells it
    // whether the watcher still exists.
    QMetaObject::invokeMethod(
        QThread::currentThread()->eventDispatcher(),
        [self = m_self] {
            FdWatcher *w = *self;
            if (!w)
                return;
            w->m_readablePosted = false;
            if (w->m_readEnabled)
                w->m_client->fdReadable();
        },
        Qt::QueuedConnection);
}
