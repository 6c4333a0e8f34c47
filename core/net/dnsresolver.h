#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>

#include <atomic>
#include <mutex>
#include <optional>

// One `resolver` of the configuration as it runs: its name servers, and the
// answers cached for every worker thread (behind one mutex, as wsscope's
// threads share state that nginx keeps per worker process). The queries
// themselves go out through each thread's DnsClient. Entries live for the
// TTL of the answer, or `valid=` when set; failures are not cached.
class DnsResolver final
{
    Q_DISABLE_COPY_MOVE(DnsResolver)

public:
    struct NameServer
    {
        QHostAddress address;
        quint16 port = 53;
    };

    DnsResolver(QList<NameServer> servers, qint64 validMs, bool ipv6);

    const QList<NameServer> &servers() const { return m_servers; }
    bool ipv6() const { return m_ipv6; }
    // The server a new query starts with: each query the next one (nginx's
    // r->last_connection), a resend moves on from there.
    int nextServer() { return int(m_next.fetch_add(1, std::memory_order_relaxed) % quint32(m_servers.size())); }

    // The cached addresses of `name` (matched without regard to case) at `nowMs`.
    std::optional<QList<QHostAddress>> cached(const QByteArray &name, qint64 nowMs) const;
    void store(const QByteArray &name, const QList<QHostAddress> &addresses, quint32 ttlSeconds, qint64 nowMs);

    // A monotonic clock in ms, the same on every thread.
    static qint64 clockMs();

private:
    struct Entry
    {
        QList<QHostAddress> addresses;
        qint64 expiresMs = 0;
    };
    static constexpr qsizetype MaxEntries = 4096; // a bound on what a stream of names can take

    const QList<NameServer> m_servers;
    const qint64 m_validMs;
    const bool m_ipv6;
    std::atomic<quint32> m_next{0};
    mutable std::mutex m_mutex;
    QHash<QByteArray, Entry> m_cache; // by lower-cased name
};
