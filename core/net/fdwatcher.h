#pragma once

#include "epolleventdispatcher.h"

#include <QPointer>
#include <QtGlobal>

#include <memory>

class QSocketNotifier;

// Readiness callbacks for one descriptor, in the thread that created the
// watcher.
//
// TcpStream sees sockets only through this class, so how readiness is
// delivered can change without touching the stream or the TLS layer on top
// of it. On a thread run by EpollEventDispatcher (the workers) it is a direct
// watch there: a virtual call per wake-up. Elsewhere (the main thread, under
// Qt's own dispatcher) it falls back to two QSocketNotifiers.
//
// Callbacks may destroy the watcher (and its owner) from inside; the
// implementation must not touch its members after calling into the client.
class FdWatcher final : private EpollEventDispatcher::SocketWatch
{
    Q_DISABLE_COPY_MOVE(FdWatcher)

public:
    class Client
    {
    public:
        virtual void fdReadable() = 0;
        virtual void fdWritable() = 0;

    protected:
        ~Client() = default;
    };

    // Read interest starts enabled, write interest disabled.
    FdWatcher(int fd, Client *client);
    // Unregisters before the owner closes the descriptor, so a reused fd
    // number never meets a stale registration.
    ~FdWatcher();

    void setReadEnabled(bool enabled);
    bool isReadEnabled() const { return m_readEnabled; }
    void setWriteEnabled(bool enabled);
    bool isWriteEnabled() const { return m_writeEnabled; }

    // Calls fdReadable() once from the event loop soon, whether or not the
    // kernel has bytes: for data a layer above already pulled off the socket
    // (TLS records decrypted ahead). Skipped if read interest is off by then
    // or the watcher is gone.
    void postReadable();

private:
    void socketReadable() override;
    void socketWritable() override;
    std::uint8_t interest() const;
    void ensureWriteNotifier();

    int m_fd;
    Client *m_client;
    // Direct watch: the thread's dispatcher (null once it is gone, then
    // every call is a no-op).
    QPointer<EpollEventDispatcher> m_dispatcher;
    // Fallback: notifiers (the write one on first use), and for
    // postReadable() a pointer shared with the queued calls, made on the
    // first post and cleared on destruction.
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    std::shared_ptr<FdWatcher *> m_self;
    bool m_direct = false;
    bool m_readEnabled = true;
    bool m_writeEnabled = false;
    bool m_readablePosted = false;
};
