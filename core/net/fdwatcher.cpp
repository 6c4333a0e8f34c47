#include "fdwatcher.h"

#include <QAbstractEventDispatcher>
#include <QMetaObject>
#include <QSocketNotifier>
#include <QThread>

FdWatcher::FdWatcher(int fd, Client *client)
    : m_fd(fd)
    , m_client(client)
    , m_self(std::make_shared<FdWatcher *>(this))
{
    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read);
    QObject::connect(m_readNotifier, &QSocketNotifier::activated, m_readNotifier,
                     [this] { m_client->fdReadable(); });
}

FdWatcher::~FdWatcher()
{
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
    m_readEnabled = enabled;
    if (m_readNotifier->isEnabled() != enabled)
        m_readNotifier->setEnabled(enabled);
}

void FdWatcher::setWriteEnabled(bool enabled)
{
    m_writeEnabled = enabled;
    if (enabled)
        ensureWriteNotifier();
    if (m_writeNotifier && m_writeNotifier->isEnabled() != enabled)
        m_writeNotifier->setEnabled(enabled);
}

void FdWatcher::postReadable()
{
    if (m_readablePosted)
        return;
    m_readablePosted = true;
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
