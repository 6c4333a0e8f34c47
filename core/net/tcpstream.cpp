#include "tcpstream.h"

#include "tls/tlscontext.h"

#include <QElapsedTimer>
#include <QTimer>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <csignal>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct TcpStream::SendRate
{
    qint64 rate = 0;
    qint64 freeBytes = 0;
    qint64 base = 0;        // bytesWritten() when the limit began
    qint64 startOffsetMs = 0;
    QElapsedTimer clock;
    qint64 delayedUntilMs = 0; // clock time before which nothing goes
    qsizetype tlsRetry = 0;   // SSL_write wants at least this much again
    QTimer timer;

    qint64 nowMs() const { return clock.elapsed() + startOffsetMs; }
};

namespace {

void configureSocket(int fd, bool makeNonBlocking)
{
    // One ioctl instead of F_GETFL + F_SETFL; sockets this class creates
    // are SOCK_NONBLOCK already.
    if (makeNonBlocking) {
        int on = 1;
        ::ioctl(fd, FIONBIO, &on);
    }
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
    configureSocket(m_fd, true);
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

void TcpStream::setSendRate(qint64 bytesPerSecond, qint64 freeBytes, qint64 startedMsAgo)
{
    if (bytesPerSecond <= 0) {
        if (m_rate) {
            m_rate.reset();
            flush();
            updateWriteInterest();
        }
        return;
    }
    if (!m_rate) {
        m_rate = std::make_unique<SendRate>();
        m_rate->timer.setSingleShot(true);
        m_rate->timer.callOnTimeout([this] { rateTimerFired(); });
    }
    m_rate->rate = bytesPerSecond;
    m_rate->freeBytes = freeBytes;
    m_rate->base = m_bytesWritten;
    m_rate->startOffsetMs = startedMsAgo;
    m_rate->clock.start();
    m_rate->delayedUntilMs = 0;
}

bool TcpStream::isDelayed() const
{
    return m_rate && m_pending > 0 && m_rate->timer.isActive();
}

qsizetype TcpStream::sendAllowance(qsizetype size)
{
    SendRate *r = m_rate.get();
    if (!r)
        return size;
    const qint64 now = r->nowMs();
    qint64 wait = r->delayedUntilMs - now;
    qint64 budget = 0;
    if (wait <= 0) {
        // ngx_http_write_filter: rate x (seconds since the start + 1), less
        // what went out beyond the free bytes.
        budget = r->rate * (now / 1000 + 1) - (m_bytesWritten - r->base - r->freeBytes);
        if (budget <= 0)
            wait = -budget * 1000 / r->rate + 1;
    }
    if (wait > 0) {
        if (r->tlsRetry > 0) // a TLS record half out must be completed
            return qMin(size, r->tlsRetry);
        if (!r->timer.isActive())
            r->timer.start(int(qMin<qint64>(wait, 60000)));
        return 0;
    }
    return qMin<qint64>(size, qMax<qint64>(budget, r->tlsRetry));
}

qsizetype TcpStream::writePaced(const char *data, qsizetype size)
{
    const qint64 before = m_bytesWritten;
    const qsizetype allowed = sendAllowance(size);
    qsizetype sent = 0;
    while (sent < allowed) {
        const qsizetype n = sendSome(data + sent, allowed - sent);
        if (n < 0)
            return -1;
        if (n == 0) {
            if (m_ssl)
                m_rate->tlsRetry = allowed - sent;
            break;
        }
        sent += n;
    }
    chargeSent(before);
    return sent;
}

void TcpStream::chargeSent(qint64 before)
{
    // ...and after each send a pause as long as its bytes take at the rate
    // (counting only bytes past the free ones).
    SendRate *r = m_rate.get();
    if (!r)
        return;
    const qint64 paid = qMax<qint64>(0, m_bytesWritten - r->base - r->freeBytes)
        - qMax<qint64>(0, before - r->base - r->freeBytes);
    if (paid > 0)
        r->delayedUntilMs = r->nowMs() + paid * 1000 / r->rate;
}

void TcpStream::rateTimerFired()
{
    if (m_fd < 0 || m_error)
        return;
    flush();
    if (m_pending == 0 && m_shutdownRequested && !m_shutdownDone && !m_error)
        sendFin();
    updateWriteInterest();
    m_handler->streamDrained(this);
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
    return connectToAddress(ss, len);
}

bool TcpStream::connectToUnix(const QByteArray &path)
{
    sockaddr_storage ss;
    std::memset(&ss, 0, sizeof(ss));
    auto *sun = reinterpret_cast<sockaddr_un *>(&ss);
    if (path.isEmpty() || size_t(path.size()) >= sizeof(sun->sun_path)) {
        m_error = ENAMETOOLONG;
        return false;
    }
    sun->sun_family = AF_UNIX;
    std::memcpy(sun->sun_path, path.constData(), size_t(path.size()));
    return connectToAddress(ss, socklen_t(offsetof(sockaddr_un, sun_path) + size_t(path.size()) + 1));
}

bool TcpStream::connectToAddress(const sockaddr_storage &ss, unsigned int len)
{
    m_fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        m_error = errno;
        return false;
    }
    configureSocket(m_fd, false);
    int rc;
    do {
        rc = ::connect(m_fd, reinterpret_cast<const sockaddr *>(&ss), len);
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

inline qsizetype TcpStream::recvPlain(char *buffer, qsizetype size, int flags)
{
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, size_t(size), flags);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return WouldBlock;
        m_error = errno;
        return Failed;
    }
}

qsizetype TcpStream::peek(char *buffer, qsizetype size)
{
    if (m_fd < 0 || m_ssl)
        return Failed;
    return recvPlain(buffer, size, MSG_PEEK);
}

qsizetype TcpStream::read(char *buffer, qsizetype size)
{
    if (m_fd < 0)
        return Failed;
    if (m_tlsHandshaking)
        return WouldBlock;
    if (m_ssl)
        return tlsRead(buffer, size);
    const qsizetype n = recvPlain(buffer, size, 0);
    if (n > 0)
        m_bytesRead += n;
    return n;
}

void TcpStream::write(const char *data, qsizetype size)
{
    if (size <= 0 || m_fd < 0 || m_error || m_shutdownRequested)
        return;
    qsizetype sent = 0;
    if (m_pending == 0 && !m_connecting && !m_tlsHandshaking) {
        if (Q_UNLIKELY(m_rate)) {
            sent = writePaced(data, size);
        } else {
            while (sent < size) {
                const qsizetype n = sendSome(data + sent, size - sent);
                if (n < 0)
                    return;
                if (n == 0)
                    break;
                sent += n;
            }
        }
        if (sent < 0)
            return;
    }
    if (sent < size) {
        m_queue.emplaceBack(data + sent, size - sent);
        m_pending += size - sent;
        updateWriteInterest();
    }
}

void TcpStream::flush()
{
    const qint64 before = m_bytesWritten;
    while (!m_queue.isEmpty()) {
        const QByteArray &front = m_queue.front();
        // A TLS retry presents the same bytes (SSL_write's rule); with a
        // moving buffer they may sit at a new address.
        const qsizetype allowed = m_rate ? sendAllowance(front.size() - m_frontOffset) : front.size() - m_frontOffset;
        if (allowed == 0)
            break;
        const qsizetype n = sendSome(front.constData() + m_frontOffset, allowed);
        if (n <= 0) {
            if (n == 0 && m_rate && m_ssl)
                m_rate->tlsRetry = allowed;
            break;
        }
        if (m_rate)
            m_rate->tlsRetry = 0;
        m_pending -= n;
        m_frontOffset += n;
        if (m_frontOffset == front.size()) {
            m_queue.removeFirst();
            m_frontOffset = 0;
        }
    }
    if (m_rate)
        chargeSent(before);
}

qsizetype TcpStream::sendSome(const char *data, qsizetype size)
{
    if (m_ssl)
        return tlsSend(data, size);
    for (;;) {
        const ssize_t n = ::send(m_fd, data, size_t(size), MSG_NOSIGNAL);
        if (n > 0) {
            m_bytesWritten += n;
            return n;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        m_error = n < 0 ? errno : EPIPE;
        return -1;
    }
}

void TcpStream::updateWriteInterest()
{
    // While TLS negotiates, only the handshake decides (queued plaintext waits).
    const bool want = m_fd >= 0 && !m_error
        && (m_connecting || m_tlsReadWantsWrite || (m_tlsHandshaking ? m_tlsHandshakeWantsWrite : m_pending > 0 && !(m_rate && isDelayed())));
    if (m_watcher && m_watcher->isWriteEnabled() != want)
        m_watcher->setWriteEnabled(want);
}

void TcpStream::fdReadable()
{
    if (m_tlsHandshaking) {
        driveTlsHandshake();
        return;
    }
    if (m_tlsWriteWantsRead) {
        // SSL_write waited for the peer's bytes (a TLS 1.3 key update).
        m_tlsWriteWantsRead = false;
        flush();
        updateWriteInterest();
    }
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
    if (m_tlsHandshaking) {
        driveTlsHandshake();
        return;
    }
    if (m_tlsReadWantsWrite) {
        m_tlsReadWantsWrite = false;
        if (m_readEnabled)
            m_watcher->postReadable();
    }
    flush();
    if (m_pending == 0 && m_shutdownRequested && !m_shutdownDone && !m_error)
        sendFin();
    updateWriteInterest();
    m_handler->streamDrained(this);
}

void TcpStream::setReadEnabled(bool enabled)
{
    m_readEnabled = enabled;
    if (!m_watcher || m_connecting || m_tlsHandshaking)
        return; // the connect or handshake owns read interest until it ends
    m_watcher->setReadEnabled(enabled);
    // Records TLS already pulled off the socket do not make it readable again.
    if (enabled && m_ssl && SSL_pending(m_ssl) > 0)
        m_watcher->postReadable();
}

void TcpStream::shutdownWrite()
{
    if (m_fd < 0 || m_shutdownRequested)
        return;
    m_shutdownRequested = true;
    if (m_pending == 0 && !m_connecting && !m_tlsHandshaking)
        sendFin();
}

void TcpStream::sendFin()
{
    // TLS has no half-close of its own: close_notify, then the FIN.
    if (m_ssl && !m_error) {
        ERR_clear_error();
        SSL_shutdown(m_ssl);
        ERR_clear_error();
    }
    ::shutdown(m_fd, SHUT_WR);
    m_shutdownDone = true;
}

bool TcpStream::isIdleOpen() const
{
    if (m_fd < 0 || m_error != 0 || m_pending > 0 || m_connecting || m_tlsHandshaking || m_shutdownRequested)
        return false;
    if (m_ssl && SSL_pending(m_ssl) > 0)
        return false;
    char byte;
    const ssize_t n = ::recv(m_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void TcpStream::close()
{
    if (m_fd < 0)
        return;
    // The watcher unregisters before the descriptor closes; close() may run
    // inside one of its callbacks, which it allows.
    m_watcher.reset();
    if (m_ssl) {
        if (!m_tlsHandshaking && !m_error && !m_shutdownDone) {
            ERR_clear_error();
            SSL_shutdown(m_ssl); // best effort close_notify
        }
        ERR_clear_error();
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    ::close(m_fd);
    m_fd = -1;
    m_queue.clear();
    m_pending = 0;
}

QString TcpStream::errorString() const
{
    if (!m_tlsError.isEmpty())
        return QStringLiteral("TLS: ") + m_tlsError;
    return m_error ? QString::fromLocal8Bit(std::strerror(m_error)) : QString();
}

// ---------------------------------------------------------------- TLS

void TcpStream::startTls(SSL *ssl, bool serverSide)
{
    // OpenSSL's socket BIO writes with write(2): a peer that reset would
    // raise SIGPIPE, which must never end the proxy.
    static const bool sigpipeIgnored = [] {
        ::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    Q_UNUSED(sigpipeIgnored);
    if (m_fd < 0 || !ssl) {
        SSL_free(ssl);
        m_error = EPROTO;
        m_tlsError = QStringLiteral("TLS could not start on this connection");
        return;
    }
    m_ssl = ssl;
    m_tlsServer = serverSide;
    m_tlsHandshaking = true;
    m_tlsPeeked = !serverSide;
    SSL_set_fd(m_ssl, m_fd);
    if (serverSide) {
        SSL_set_accept_state(m_ssl);
        m_tlsHandshakeWantsWrite = false; // the client speaks first
    } else {
        SSL_set_connect_state(m_ssl);
        m_tlsHandshakeWantsWrite = true; // the ClientHello goes out on the next pass, not from inside this call
    }
    if (m_watcher) {
        m_watcher->setReadEnabled(true);
        updateWriteInterest();
    }
}

void TcpStream::driveTlsHandshake()
{
    if (!m_tlsPeeked) {
        // A TLS connection starts with a handshake record (content type 22).
        unsigned char first = 0;
        ssize_t n;
        do {
            n = ::recv(m_fd, &first, 1, MSG_PEEK);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        m_tlsPeeked = true;
        if (n <= 0) {
            m_error = n == 0 ? ECONNRESET : errno;
            m_tlsError = n == 0 ? QStringLiteral("the client closed the connection before the TLS handshake")
                                : QString::fromLocal8Bit(std::strerror(m_error));
            m_tlsHandshaking = false;
            m_watcher->setReadEnabled(false);
            updateWriteInterest();
            m_handler->streamTlsDone(this);
            return;
        }
        if (first != 0x16) {
            m_tlsPlainHttp = true;
            m_tlsHandshaking = false;
            SSL_free(m_ssl);
            m_ssl = nullptr;
            m_watcher->setReadEnabled(m_readEnabled);
            updateWriteInterest();
            m_handler->streamTlsDone(this);
            return;
        }
    }
    ERR_clear_error();
    const int r = SSL_do_handshake(m_ssl);
    if (r == 1) {
        m_tlsHandshaking = false;
        m_tlsHandshakeWantsWrite = false;
        m_watcher->setReadEnabled(m_readEnabled);
        if (m_pending > 0)
            flush();
        if (m_pending == 0 && m_shutdownRequested && !m_shutdownDone && !m_error)
            sendFin();
        updateWriteInterest();
        // Application data may have arrived with the handshake's last flight.
        if (m_readEnabled)
            m_watcher->postReadable();
        m_handler->streamTlsDone(this);
        return;
    }
    const int err = SSL_get_error(m_ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        m_tlsHandshakeWantsWrite = err == SSL_ERROR_WANT_WRITE;
        updateWriteInterest();
        return;
    }
    failTls(err);
}

void TcpStream::failTls(int sslError)
{
    m_tlsError = tlsHandshakeError(m_ssl, sslError);
    m_error = EPROTO;
    m_tlsHandshaking = false;
    m_tlsHandshakeWantsWrite = false;
    m_watcher->setReadEnabled(false);
    updateWriteInterest();
    m_handler->streamTlsDone(this);
}

qsizetype TcpStream::tlsRead(char *buffer, qsizetype size)
{
    ERR_clear_error();
    size_t n = 0;
    const int r = SSL_read_ex(m_ssl, buffer, size_t(size), &n);
    if (r == 1) {
        m_bytesRead += qint64(n);
        // A record larger than the caller's buffer leaves the rest inside
        // OpenSSL, where the fd's readiness cannot announce it.
        if (SSL_pending(m_ssl) > 0 && m_readEnabled)
            m_watcher->postReadable();
        return qsizetype(n);
    }
    switch (const int err = SSL_get_error(m_ssl, r)) {
    case SSL_ERROR_WANT_READ:
        return WouldBlock;
    case SSL_ERROR_WANT_WRITE:
        m_tlsReadWantsWrite = true;
        updateWriteInterest();
        return WouldBlock;
    case SSL_ERROR_ZERO_RETURN:
        return 0; // close_notify (or, with IGNORE_UNEXPECTED_EOF, a bare FIN)
    case SSL_ERROR_SYSCALL:
        if (errno == 0) {
            ERR_clear_error();
            return 0;
        }
        m_error = errno;
        return Failed;
    default:
        m_tlsError = tlsHandshakeError(m_ssl, err);
        m_error = EPROTO;
        return Failed;
    }
}

qsizetype TcpStream::tlsSend(const char *data, qsizetype size)
{
    ERR_clear_error();
    size_t n = 0;
    const int r = SSL_write_ex(m_ssl, data, size_t(size), &n);
    if (r == 1) {
        m_bytesWritten += qint64(n);
        return qsizetype(n);
    }
    switch (const int err = SSL_get_error(m_ssl, r)) {
    case SSL_ERROR_WANT_WRITE:
        return 0;
    case SSL_ERROR_WANT_READ:
        m_tlsWriteWantsRead = true;
        return 0;
    case SSL_ERROR_SYSCALL:
        m_error = errno ? errno : EPIPE;
        return -1;
    default:
        m_tlsError = tlsHandshakeError(m_ssl, err);
        m_error = EPROTO;
        return -1;
    }
}

namespace {

// getsockname() or getpeername() of `fd` as an address and port.
QHostAddress socketAddress(int fd, int (*query)(int, sockaddr *, socklen_t *), quint16 *port)
{
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    *port = 0;
    if (fd < 0 || query(fd, reinterpret_cast<sockaddr *>(&ss), &len) < 0)
        return {};
    return fromSockaddr(ss, port);
}

} // namespace

QHostAddress TcpStream::localAddress(quint16 *port) const
{
    return socketAddress(m_fd, ::getsockname, port);
}

QHostAddress TcpStream::peerAddress(quint16 *port) const
{
    return socketAddress(m_fd, ::getpeername, port);
}

