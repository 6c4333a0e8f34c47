#pragma once

#include "dnsresolver.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

class DnsTcpLink;

// A thread's stub resolver (nginx's ngx_resolver.c, in small): questions
// for A (and AAAA unless ipv6=off) over UDP to a DnsResolver's name
// servers, one connected socket per server. A reply is matched by its id
// and question; anything else is ignored, as are FORMERR replies (the
// question is asked again). A truncated UDP answer (TC) has its question
// asked again over TCP, same id, to the same server, and that question
// stays on TCP for its resends (nginx's rn->tcp); TCP links (DnsTcpLink)
// are made on demand and closed after 5 s without traffic. Unanswered questions are resent every 5 s to
// the next server, CNAMEs are followed (at most 8), and every waiter has
// its own deadline (resolver_timeout). Callers asking for a name already
// in flight wait for the same question. Not thread-safe: one per worker.
class DnsClient final
{
    Q_DISABLE_COPY_MOVE(DnsClient)

public:
    struct Result
    {
        bool ok = false;
        QList<QHostAddress> addresses;
        int code = 0;     // Dns::Code when !ok
        QString error;    // nginx's text for the code
    };
    using Callback = std::function<void(const Result &)>;

    DnsClient();
    ~DnsClient();

    // Starts (or joins) the question for `name`; `done` is called later,
    // never from inside resolve(). Returns a ticket for cancel().
    quint64 resolve(const std::shared_ptr<DnsResolver> &resolver, const QByteArray &name, qint64 timeoutMs,
                    Callback done);
    // The caller is gone: its callback will not be called.
    void cancel(quint64 ticket);
    // Deadlines and resends; the owner calls it a few times a second.
    void tick();
    int pendingQuestions() const { return int(m_queries.size()); }

private:
    struct Query;
    struct Socket;
    friend struct Socket;

    void send(Query &q);
    // Over the link to `server` (made on demand); false when it cannot take it.
    bool sendTcp(const DnsResolver::NameServer &server, const QByteArray &packet);
    void received(const QByteArray &packet, bool overTcp);
    // A truncated UDP answer to `type`: the question again over TCP.
    void retryOverTcp(Query &q, quint16 type);
    void answered(Query &q, quint16 type, int code, const QList<QHostAddress> &addresses, const QByteArray &cname,
                  quint32 ttl);
    void complete(Query &q);
    // Removes `q` and calls its waiters with `result`.
    void finish(Query *q, const Result &result);
    Socket *socketFor(const DnsResolver::NameServer &server);
    quint16 newId() const;

    std::vector<std::unique_ptr<Query>> m_queries;
    std::vector<std::unique_ptr<Socket>> m_sockets;
    std::vector<std::unique_ptr<DnsTcpLink>> m_links;
    // Closed links wait here for tick(): one may be inside its own callback.
    std::vector<std::unique_ptr<DnsTcpLink>> m_retired;
    quint64 m_nextTicket = 1;
};
