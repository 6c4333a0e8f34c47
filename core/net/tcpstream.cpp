#include "tcpstream.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

void configureSocket(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    // Interactive frames must not wait for Nagle (nginx sets tcp_nodelay on
    // keep-alive and upgraded connections too).
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

bool toSockaddr(const QHostAddress &address, quint16 port, sockaddr_storage &ss, socklen_t &len)
{
    std::memset(&ss, 0, sizeof(ss));
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        auto *sin = reinterpret_cast<sockaddr_in *>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(address.toIPv4Address());
        len = sizeof(sockaddr_in);
        return true;
    }
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        const Q_IPV6ADDR a = address.toIPv6Address();
        std::memcpy(&sin6->sin6_addr, &a, sizeof(a));
        sin6->sin6_scope_id = address.scopeId().toUInt();
        len = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

QHostAddress fromSockaddr(const sockaddr_storage &ss, quint16 *port)
{
    if (ss.ss_family == AF_INET) {
        const auto *sin = reinterpret_cast<const sockaddr_in *>(&ss);
        *port = ntohs(sin->sin_port);
        return QHostAddress(ntohl(sin->sin_addr.s_addr));
    }
    if (ss.ss_family == AF_INET6) {
        const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
        *port = ntohs(sin6->sin6_port);
        QHostAddress a(reinterpret_cast<const quint8 *>(&sin6->sin6_addr));
        // Show v4-mapped peers of a dual-stack listener as plain IPv4.
        bool ok = false;
        const quint32 v4 = a.toIPv4Address(&ok);
        return ok ? QHostAddress(v4) : a;
    }
    *port = 0;
    return {};
}

} // namespace

TcpStream::TcpStream(Handler *handler, qintptr descriptor)
    : m_handler(handler)
    , m_fd(int(descriptor))
{
    configureSocket(m_fd);
    setupWatcher();
}

TcpStream::TcpStream(Handler *handler)
    : m_handler(handler)
{
}

TcpStream::~TcpStream()
{
    close();
}

void TcpStream::setupWatcher()
{
    m_watcher = std::make_unique<FdWatcher>(m_fd, static_cast<FdWatcher::Client *>(this));
    m_watcher->setReadEnabled(m_readEnabled && !m_connecting);
}

bool TcpStream::connectTo(const QHostAddress &address, quint16 port)
{
    sockaddr_storage ss;
    socklen_t len = 0;
    if (!toSockaddr(address, port, ss, len)) {
        m_error = EAFNOSUPPORT;
        return false;
    }
    m_fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        m_error = errno;
        return false;
    }
    configureSocket(m_fd);
    int rc;
    do {
        rc = ::connect(m_fd, reinterpret_cast<sockaddr *>(&ss), len);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) {
        m_error = errno;
        ::close(m_fd);
        m_fd = -1;
        return false;
    }
    m_connecting = true;
    setupWatcher();
    m_watcher->setWriteEnabled(true); // writable = connect finished
    return true;
}

qsizetype TcpStream::read(char *buffer, qsizetype size)
{
    if (m_fd < 0)
        return Failed;
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, size_t(size), 0);
        if (n > 0) {
            m_bytesRead += n;
            return n;
        }
        if (n == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WouldBlock;
        m_error = errno;
        return Failed;
    }
}

void TcpStream::write(const char *data, qsizetype size)
{
    if (size <= 0 || m_fd < 0 || m_error || m_shutdownRequested)
        return;
    qsizetype sent = 0;
    if (m_pending == 0 && !m_connecting) {
        while (sent < size) {
            const ssize_t n = ::send(m_fd, data + sent, size_t(size - sent), MSG_NOSIGNAL);
            if (n > 0) {
                sent += n;
                m_bytesWritten += n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            m_error = n < 0 ? errno : EPIPE;
            return;
        }
    }
    if (sent < size) {
        m_queue.emplaceBack(data + sent, size - sent);
        m_pending += size - sent;
        updateWriteInterest();
    }
}

void TcpStream::flush()
{
    while (!m_queue.isEmpty()) {
        const QByteArray &front = m_queue.front();
        const ssize_t n = ::send(m_fd, front.constData() + m_frontOffset,
                                 size_t(front.size() - m_frontOffset), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                m_error = errno;
            return;
        }
        m_bytesWritten += n;
        m_pending -= n;
        m_frontOffset += n;
        if (m_frontOffset == front.size()) {
            m_queue.removeFirst();
            m_frontOffset = 0;
        }
    }
}

void TcpStream::updateWriteInterest()
{
    const bool want = m_fd >= 0 && !m_error && (m_connecting || m_pending > 0);
    if (m_watcher && m_watcher->isWriteEnabled() != want)
        m_watcher->setWriteEnabled(want);
}

void TcpStream::fdReadable()
{
    m_handler->streamReadable(this);
}

void TcpStream::fdWritable()
{
    if (m_connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        m_connecting = false;
        m_error = err;
        updateWriteInterest();
        if (!err && m_watcher)
            m_watcher->setReadEnabled(m_readEnabled);
        m_handler->streamConnected(this);
        return;
    }
    flush();
    if (m_pending == 0 && m_shutdownRequested && !m_shutdownDone && !m_error) {
        ::shutdown(m_fd, SHUT_WR);
        m_shutdownDone = true;
    }
    updateWriteInterest();
    m_handler->streamDrained(this);
}

void TcpStream::setReadEnabled(bool enabled)
{
    m_readEnabled = enabled;
    if (m_watcher && !m_connecting)
        m_watcher->setReadEnabled(enabled);
}

void TcpStream::shutdownWrite()
{
    if (m_fd < 0 || m_shutdownRequested)
        return;
    m_shutdownRequested = true;
    if (m_pending == 0 && !m_connecting) {
        ::shutdown(m_fd, SHUT_WR);
        m_shutdownDone = true;
    }
}

void TcpStream::close()
{
    if (m_fd < 0)
        return;
    // The watcher unregisters before the descriptor closes; close() may run
    // inside one of its callbacks, which it allows.
    m_watcher.reset();
    ::close(m_fd);
    m_fd = -1;
    m_queue.clear();
    m_pending = 0;
}

QString TcpStream::errorString() const
{
    return m_error ? QString::fromLocal8Bit(std::strerror(m_error)) : QString();
}

QHostAddress TcpStream::peerAddress() const
{
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    quint16 port = 0;
    if (m_fd < 0 || ::getpeername(m_fd, reinterpret_cast<sockaddr *>(&ss), &len) < 0)
        return {};
    return fromSockaddr(ss, &port);
}

quint16 TcpStream::peerPort() const
{
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    quint16 port = 0;
    if (m_fd >= 0 && ::getpeername(m_fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0)
        fromSockaddr(ss, &port);
    return port;
}

quint16 TcpStream::localPort() const
{
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    quint16 port = 0;
    if (m_fd >= 0 && ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0)
        fromSockaddr(ss, &port);
    return port;
}
