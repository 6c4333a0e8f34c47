#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>

#include <atomic>
#include <memory>

// One `server` line of an upstream block (or the single target of a
// proxy_pass URL), already resolved to addresses at load time as nginx does.
struct UpstreamServer
{
    QByteArray name; // as written: "127.0.0.1:9000", "backend.local:8010"
    QHostAddress address;
    quint16 port = 0;
    int weight = 1;
};

// A group of servers shared by every worker thread. Balancer state is the
// only mutable part and is atomic; the balancing issue replaces the plain
// round-robin with nginx's algorithms.
class UpstreamGroup final
{
    Q_DISABLE_COPY_MOVE(UpstreamGroup)

public:
    UpstreamGroup(QByteArray name, QList<UpstreamServer> servers);

    const QByteArray &name() const { return m_name; }
    const QList<UpstreamServer> &servers() const { return m_servers; }

    // Index of the server for a new request, round-robin across threads.
    qsizetype pick();

private:
    QByteArray m_name;
    QList<UpstreamServer> m_servers;
    std::atomic<quint64> m_next{0};
};
