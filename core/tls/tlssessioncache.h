#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>

typedef struct ssl_session_st SSL_SESSION;

// The TLS sessions a client context keeps for resumption toward upstreams
// (proxy_ssl_session_reuse). nginx keeps one session per upstream peer
// (ngx_http_upstream_save_round_robin_peer_session stores the latest, and
// ngx_http_upstream_set_round_robin_peer_session offers it to the next
// handshake with that peer); here one per key, where the key names the
// peer's address and what the handshake asks of it (SNI, the name
// verified), so a session is only offered to the server context that
// issued it. The cache belongs to one TlsClientContext, whose options
// (verification, trusted certificates, client certificate) are thus part
// of the key too.
//
// Shared by the worker threads (a lock inside), and bounded: past
// kMaxSessions keys, the oldest key's session is dropped.
class TlsSessionCache final
{
    Q_DISABLE_COPY_MOVE(TlsSessionCache)

public:
    static constexpr qsizetype kMaxSessions = 1024;

    TlsSessionCache() = default;
    ~TlsSessionCache();

    // The session to offer for `key`, with a reference the caller frees
    // (SSL_SESSION_free); nullptr when none is kept or it has expired.
    SSL_SESSION *take1(const QByteArray &key);
    // Keeps `session` for `key`, replacing the one kept before; the cache
    // takes over the caller's reference.
    void store(const QByteArray &key, SSL_SESSION *session);
    qsizetype size() const;

private:
    mutable QMutex m_mutex;
    QHash<QByteArray, SSL_SESSION *> m_sessions;
    QList<QByteArray> m_order; // keys, oldest first
};
