#include "tlssessioncache.h"

#include <openssl/ssl.h>

#include <ctime>

namespace {

bool expired(const SSL_SESSION *session)
{
    // A session past its lifetime would be refused by the server anyway.
    const long age = long(std::time(nullptr)) - long(SSL_SESSION_get_time(session));
    return age >= long(SSL_SESSION_get_timeout(session));
}

} // namespace

TlsSessionCache::~TlsSessionCache()
{
    for (SSL_SESSION *s : std::as_const(m_sessions))
        SSL_SESSION_free(s);
}

SSL_SESSION *TlsSessionCache::take1(const QByteArray &key)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_sessions.constFind(key);
    if (it == m_sessions.constEnd())
        return nullptr;
    SSL_SESSION *s = it.value();
    if (expired(s))
        return nullptr; // replaced by the next full handshake's session
    SSL_SESSION_up_ref(s);
    return s;
}

void TlsSessionCache::store(const QByteArray &key, SSL_SESSION *session)
{
    SSL_SESSION *dropped = nullptr;
    SSL_SESSION *replaced = nullptr;
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_sessions.find(key);
        if (it != m_sessions.end()) {
            replaced = it.value();
            it.value() = session;
        } else {
            if (m_order.size() >= kMaxSessions)
                dropped = m_sessions.take(m_order.takeFirst());
            m_sessions.insert(key, session);
            m_order.append(key);
        }
    }
    // Freed outside the lock: the last reference frees the peer's certificates.
    SSL_SESSION_free(replaced);
    SSL_SESSION_free(dropped);
}

qsizetype TlsSessionCache::size() const
{
    QMutexLocker lock(&m_mutex);
    return m_sessions.size();
}
