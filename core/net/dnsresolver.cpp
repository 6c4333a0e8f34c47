#include "dnsresolver.h"

#include <chrono>

DnsResolver::DnsResolver(QList<NameServer> servers, qint64 validMs, bool ipv6)
    : m_servers(std::move(servers))
    , m_validMs(validMs)
    , m_ipv6(ipv6)
{
}

qint64 DnsResolver::clockMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::optional<QList<QHostAddress>> DnsResolver::cached(const QByteArray &name, qint64 nowMs) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto it = m_cache.constFind(name.toLower());
    if (it == m_cache.constEnd() || it->expiresMs <= nowMs)
        return std::nullopt;
    return it->addresses;
}

void DnsResolver::store(const QByteArray &name, const QList<QHostAddress> &addresses, quint32 ttlSeconds,
                        qint64 nowMs)
{
    // nginx caches a zero TTL for a moment too (its "zero ttl" test is a TODO);
    // here it means: not cached.
    const qint64 lifeMs = m_validMs > 0 ? m_validMs : qint64(ttlSeconds) * 1000;
    if (lifeMs <= 0 || addresses.isEmpty())
        return;
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_cache.size() >= MaxEntries) {
        m_cache.removeIf([nowMs](const auto &e) { return e.value().expiresMs <= nowMs; });
        if (m_cache.size() >= MaxEntries)
            m_cache.clear();
    }
    m_cache.insert(name.toLower(), Entry{addresses, nowMs + lifeMs});
}
