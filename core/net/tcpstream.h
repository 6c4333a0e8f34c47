#pragma once

#include <QByteArray>
#include <QHostAddress>

#include <QList>

#include "fdwatcher.h"

#include <memory>

typedef struct ssl_st SSL;
class QTimer;

// A non-blocking TCP socket on a raw descriptor, driven by an FdWatcher.
//
// Why not QTcpSocket: it treats a FIN as a full disconnect (so half-close
// cannot be honoured) and keeps a read buffer per socket after the first
// byte. Here the owner reads straight into a buffer of its own (one per
// worker thread) and only bytes the kernel would not take are queued.
//
// Callbacks never re-enter from inside write()/close(): a failed send is
// recorded (failed()/error()) and reported by the owner's next check.
class TcpStream final : private FdWatcher::Client
{
    Q_DISABLE_COPY_MOVE(TcpStream)

public:
    class Handler
    {
    public:
        virtual void streamReadable(TcpStream *stream) = 0;
        // The send queue shrank to zero (or below the owner's mark).
        virtual void streamDrained(TcpStream *stream) = 0;
        // connectTo() finished: error() is 0 on success.
        virtual void streamConnected(TcpStream *stream) = 0;
        // startTls() finished: failed() and tlsError() tell how; for a server
        // stream tlsPlainHttp() may say the peer spoke plain HTTP instead.
        virtual void streamTlsDone(TcpStream *stream) { Q_UNUSED(stream); }

    protected:
        ~Handler() = default;
    };

    enum ReadResult : qsizetype { WouldBlock = -1, Failed = -2 };

    // Adopts an accepted descriptor (made non-blocking here, one ioctl).
    TcpStream(Handler *handler, qintptr descriptor);
    // Another owner takes the stream's callbacks (an idle upstream
    // connection goes to the keep-alive cache and back).
    void setHandler(Handler *handler) { m_handler = handler; }
    // An unconnected stream; call connectTo().
    explicit TcpStream(Handler *handler);
    ~TcpStream();

    // Starts a non-blocking connect; false (with error()) if it failed at once.
    bool connectTo(const QHostAddress &address, quint16 port);
    // The same toward a unix-domain socket (proxy_pass http://unix:PATH).
    bool connectToUnix(const QByteArray &path);
    bool isOpen() const { return m_fd >= 0; }
    // An idle connection still usable: open, nothing queued either way, and
    // no byte or FIN from the peer waiting (recv with MSG_PEEK).
    bool isIdleOpen() const;

    // >0: bytes read; 0: the peer sent FIN; WouldBlock; Failed (see error()).
    qsizetype read(char *buffer, qsizetype size);
    // As read(), on a plain stream, leaving the bytes in the socket (MSG_PEEK).
    qsizetype peek(char *buffer, qsizetype size);
    // Sends what the kernel takes now and queues the rest (copied).
    void write(const char *data, qsizetype size);
    void write(const QByteArray &data) { write(data.constData(), data.size()); }
    qsizetype pendingBytes() const { return m_pending; }

    // limit_rate (ngx_http_write_filter): from now on at most
    // `bytesPerSecond` go out, past the first `freeBytes`, over a budget of
    // rate x (whole seconds since `startedMsAgo` + 1); the rest waits in the
    // queue, without write interest, for a timer. 0 lifts the limit.
    void setSendRate(qint64 bytesPerSecond, qint64 freeBytes, qint64 startedMsAgo);
    // Queued bytes held back by the rate, not by the peer.
    bool isDelayed() const;

    // TLS over this stream (OpenSSL; the SSL is adopted and freed here).
    // The handshake runs on the same readiness callbacks as everything
    // else and ends with Handler::streamTlsDone(); read() and write() then
    // carry plaintext. Bytes written before that are queued. A server
    // stream first peeks at the client's first byte: anything but a TLS
    // handshake record ends the TLS attempt with tlsPlainHttp() set and the
    // stream left in plain mode (nginx answers those with a 400).
    void startTls(SSL *ssl, bool serverSide);
    bool isTls() const { return m_ssl != nullptr; }
    bool tlsPlainHttp() const { return m_tlsPlainHttp; }
    QString tlsError() const { return m_tlsError; }
    SSL *tlsHandle() const { return m_ssl; }

    void setReadEnabled(bool enabled);
    bool isReadEnabled() const { return m_readEnabled; }
    // Sends FIN once the queue is flushed (half-close).
    void shutdownWrite();
    void close();

    bool failed() const { return m_error != 0; }
    int error() const { return m_error; }
    QString errorString() const;

    // Address and port from one getpeername().
    QHostAddress peerAddress(quint16 *port) const;
    QHostAddress localAddress(quint16 *port) const; // getsockname()
    // Bytes moved so far, for figures and logs.
    qint64 bytesRead() const { return m_bytesRead; }
    qint64 bytesWritten() const { return m_bytesWritten; }
    // A reused connection counts from zero for its next exchange.
    void resetCounters() { m_bytesRead = m_bytesWritten = 0; }

private:
    bool connectToAddress(const struct sockaddr_storage &address, unsigned int length);
    void setupWatcher();
    void fdReadable() override;
    void fdWritable() override;
    void driveTlsHandshake();
    void failTls(int sslError);
    qsizetype tlsRead(char *buffer, qsizetype size);
    qsizetype recvPlain(char *buffer, qsizetype size, int flags); // >= 0, WouldBlock or Failed
    // Sends what the socket (or TLS) takes now: bytes taken, 0 when it
    // would block, -1 on an error (recorded in m_error).
    qsizetype sendSome(const char *data, qsizetype size);
    qsizetype tlsSend(const char *data, qsizetype size);
    void sendFin();
    void flush();
    void updateWriteInterest();
    // What the rate lets out now (all of `size` when unlimited); 0 arms the timer.
    qsizetype sendAllowance(qsizetype size);
    qsizetype writePaced(const char *data, qsizetype size); // write()'s first send under a rate; -1: failed
    void chargeSent(qint64 before);
    void rateTimerFired();

    struct SendRate;

    Handler *m_handler;
    int m_fd = -1;
    std::unique_ptr<FdWatcher> m_watcher;
    // QList, not std::deque: an empty one allocates nothing (most sockets
    // never queue), and removeFirst() is O(1) in Qt 6.
    QList<QByteArray> m_queue;
    qsizetype m_frontOffset = 0;
    qsizetype m_pending = 0;
    qint64 m_bytesRead = 0;
    qint64 m_bytesWritten = 0;
    int m_error = 0;
    SSL *m_ssl = nullptr;
    QString m_tlsError;
    bool m_tlsServer = false;
    bool m_tlsHandshaking = false;
    bool m_tlsHandshakeWantsWrite = false;
    bool m_tlsPeeked = false;       // server side: the first byte was looked at
    bool m_tlsPlainHttp = false;
    bool m_tlsReadWantsWrite = false; // SSL_read needs the socket writable
    bool m_tlsWriteWantsRead = false; // SSL_write needs the socket readable
    bool m_readEnabled = true;
    bool m_connecting = false;
    bool m_shutdownRequested = false;
    bool m_shutdownDone = false;
    std::unique_ptr<SendRate> m_rate;
};

// send_timeout's measure (nginx: the time between two successive write
// operations, not the whole transfer): a stream with queued bytes whose
// written count has not moved for longer than the timeout has stalled.
struct WriteProgress
{
    qint64 mark = 0;    // bytesWritten() when last seen moving
    qint64 sinceMs = 0;

    void restart(const TcpStream &stream, qint64 nowMs)
    {
        mark = stream.bytesWritten();
        sinceMs = nowMs;
    }
    bool stalled(const TcpStream &stream, qint64 nowMs, qint64 timeoutMs)
    {
        // A queue the rate holds back is not stalled (nginx's delayed write).
        if (stream.bytesWritten() != mark || stream.pendingBytes() == 0 || stream.isDelayed()) {
            restart(stream, nowMs);
            return false;
        }
        return nowMs - sinceMs > timeoutMs;
    }
};
