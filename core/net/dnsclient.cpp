#include "dnsclient.h"

#include "dnsmessage.h"
#include "dnstcplink.h"
#include "fdwatcher.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

#include <arpa/inet.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcDns, "wsscope.dns")

namespace {

constexpr qint64 ResendMs = 5'000; // nginx's resolver resend_timeout
constexpr qint64 TcpIdleMs = 5'000; // nginx's tcp_timeout (r->tcp_timeout)
constexpr int MaxCnames = 8;
constexpr qsizetype MaxReply = 4096; // nginx's NGX_RESOLVER_UDP_SIZE

} // namespace

struct DnsClient::Query
{
    std::shared_ptr<DnsResolver> resolver;
    QByteArray key;  // the name the waiters asked for (the cache's key)
    QByteArray name; // the name asked now (after CNAMEs)
    int cnames = 0;
    int server = 0;
    quint16 idA = 0;
    quint16 idAAAA = 0;
    bool waitA = false;
    bool waitAAAA = false;
    bool tcpA = false; // the UDP answer came truncated: asked (and resent) over TCP
    bool tcpAAAA = false;
    int codeA = Dns::NoError;
    int codeAAAA = Dns::NoError;
    QList<QHostAddress> v4;
    QList<QHostAddress> v6;
    QByteArray cname;
    quint32 ttl = 0;
    bool haveTtl = false;
    qint64 sentMs = 0;
    struct Waiter
    {
        quint64 ticket;
        qint64 deadlineMs;
        Callback done;
    };
    std::vector<Waiter> waiters;
};

// A connected UDP socket to one name server.
struct DnsClient::Socket final : FdWatcher::Client
{
    DnsClient *owner;
    DnsResolver::NameServer server;
    int fd = -1;
    std::unique_ptr<FdWatcher> watcher;

    Socket(DnsClient *o, const DnsResolver::NameServer &s)
        : owner(o)
        , server(s)
    {
        const bool v6 = s.address.protocol() == QAbstractSocket::IPv6Protocol;
        fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return;
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (v6) {
            auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(s.port);
            const Q_IPV6ADDR ip = s.address.toIPv6Address();
            memcpy(&a->sin6_addr, ip.c, 16);
            len = sizeof(sockaddr_in6);
        } else {
            auto *a = reinterpret_cast<sockaddr_in *>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(s.port);
            a->sin_addr.s_addr = htonl(s.address.toIPv4Address());
            len = sizeof(sockaddr_in);
        }
        if (::connect(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
            ::close(fd);
            fd = -1;
            return;
        }
        watcher = std::make_unique<FdWatcher>(fd, this);
    }
    ~Socket()
    {
        watcher.reset();
        if (fd >= 0)
            ::close(fd);
    }
    Q_DISABLE_COPY_MOVE(Socket)

    void fdReadable() override
    {
        char buf[MaxReply];
        for (int i = 0; i < 16; ++i) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return;
                // ECONNREFUSED (ICMP port unreachable) and the like: the
                // question stays; it is resent or times out.
                qCDebug(lcDns) << "recv from" << server.address.toString() << server.port << "failed:" << errno;
                continue;
            }
            owner->received(QByteArray(buf, n), false); // may destroy nothing of ours: sockets live as long as the client
        }
    }
    void fdWritable() override {}
};

DnsClient::DnsClient() = default;

DnsClient::~DnsClient()
{
    // Links first: their callbacks point into this client.
    m_links.clear();
    m_retired.clear();
}

quint16 DnsClient::newId() const
{
    for (;;) {
        const quint16 id = quint16(QRandomGenerator::global()->generate());
        bool used = false;
        for (const auto &q : m_queries)
            used = used || (q->waitA && q->idA == id) || (q->waitAAAA && q->idAAAA == id);
        if (!used)
            return id;
    }
}

quint64 DnsClient::resolve(const std::shared_ptr<DnsResolver> &resolver, const QByteArray &name, qint64 timeoutMs,
                           Callback done)
{
    const quint64 ticket = m_nextTicket++;
    const QByteArray key = name.toLower();
    const qint64 now = DnsResolver::clockMs();
    for (const auto &q : m_queries) {
        if (q->resolver == resolver && q->key == key) {
            q->waiters.push_back({ticket, now + timeoutMs, std::move(done)});
            return ticket;
        }
    }
    auto q = std::make_unique<Query>();
    q->resolver = resolver;
    q->key = key;
    q->name = key;
    q->server = resolver->nextServer();
    q->waiters.push_back({ticket, now + timeoutMs, std::move(done)});
    Query &ref = *q;
    m_queries.push_back(std::move(q));
    ref.waitA = true;
    ref.waitAAAA = resolver->ipv6();
    ref.idA = newId();
    ref.idAAAA = newId();
    send(ref);
    return ticket;
}

void DnsClient::cancel(quint64 ticket)
{
    for (auto it = m_queries.begin(); it != m_queries.end(); ++it) {
        auto &w = (*it)->waiters;
        const auto found = std::find_if(w.begin(), w.end(), [ticket](const Query::Waiter &x) { return x.ticket == ticket; });
        if (found == w.end())
            continue;
        w.erase(found);
        if (w.empty())
            m_queries.erase(it); // nobody waits: the question is dropped (a late reply is ignored)
        return;
    }
}

DnsClient::Socket *DnsClient::socketFor(const DnsResolver::NameServer &server)
{
    for (const auto &s : m_sockets) {
        if (s->server.address == server.address && s->server.port == server.port)
            return s->fd >= 0 ? s.get() : nullptr;
    }
    m_sockets.push_back(std::make_unique<Socket>(this, server));
    return m_sockets.back()->fd >= 0 ? m_sockets.back().get() : nullptr;
}

void DnsClient::send(Query &q)
{
    q.sentMs = DnsResolver::clockMs();
    const auto &servers = q.resolver->servers();
    const DnsResolver::NameServer &server = servers.at(q.server % servers.size());
    for (const auto &[wait, tcp, id, type] : {std::tuple{q.waitA, q.tcpA, q.idA, Dns::A},
                                             std::tuple{q.waitAAAA, q.tcpAAAA, q.idAAAA, Dns::AAAA}}) {
        if (!wait)
            continue;
        const QByteArray packet = Dns::encodeQuery(id, q.name, type);
        if (packet.isEmpty())
            continue;
        if (tcp) {
            sendTcp(server, packet); // a failure is logged; the question is resent or times out
            continue;
        }
        Socket *s = socketFor(server);
        if (!s)
            continue; // no socket: the waiters time out
        if (::send(s->fd, packet.constData(), size_t(packet.size()), 0) < 0)
            qCDebug(lcDns) << "send to" << s->server.address.toString() << "failed:" << errno;
    }
}

bool DnsClient::sendTcp(const DnsResolver::NameServer &server, const QByteArray &packet)
{
    DnsTcpLink *link = nullptr;
    for (auto it = m_links.begin(); it != m_links.end(); ++it) {
        if ((*it)->server().address != server.address || (*it)->server().port != server.port)
            continue;
        if ((*it)->isOpen()) {
            link = it->get();
        } else {
            m_retired.push_back(std::move(*it)); // a failed link is replaced, destroyed in tick()
            m_links.erase(it);
        }
        break;
    }
    if (!link) {
        m_links.push_back(std::make_unique<DnsTcpLink>(server, [this](const QByteArray &message) {
            received(message, true);
        }));
        link = m_links.back().get();
    }
    return link->send(packet);
}

void DnsClient::retryOverTcp(Query &q, quint16 type)
{
    // ngx_resolver_process_a: rn->tcp = 1, the same query (same id) over
    // TCP to the server that answered, and the resend timer restarted.
    qCDebug(lcDns).noquote() << "truncated DNS response for" << q.name << "- asking again over TCP";
    bool &tcp = type == Dns::A ? q.tcpA : q.tcpAAAA;
    tcp = true;
    q.sentMs = DnsResolver::clockMs();
    const auto &servers = q.resolver->servers();
    const QByteArray packet = Dns::encodeQuery(type == Dns::A ? q.idA : q.idAAAA, q.name, type);
    sendTcp(servers.at(q.server % servers.size()), packet);
}

void DnsClient::received(const QByteArray &packet, bool overTcp)
{
    const quint16 id = Dns::messageId(packet);
    for (const auto &qp : m_queries) {
        Query &q = *qp;
        const quint16 type = q.waitA && q.idA == id ? Dns::A : q.waitAAAA && q.idAAAA == id ? Dns::AAAA : 0;
        if (!type)
            continue;
        const Dns::Reply reply = Dns::parseReply(packet, q.name, type);
        if (reply.status == Dns::Reply::Status::Invalid) {
            qCWarning(lcDns).noquote() << reply.invalidReason << "(query id" << id << "name" << q.name + ')';
            return;
        }
        if (reply.code == Dns::FormErr) {
            // nginx: "DNS error (1: Format error)"; the question stays and is resent.
            qCWarning(lcDns).noquote() << "DNS error (1: Format error), query id:" << id << "name:" << q.name;
            return;
        }
        if (reply.truncated) {
            const bool asked = type == Dns::A ? q.tcpA : q.tcpAAAA;
            if (overTcp) // nginx: "invalid TCP DNS response" (TC makes no sense there)
                qCWarning(lcDns).noquote() << "invalid TCP DNS response" << id << "(truncated) for" << q.name;
            else if (!asked) // a late UDP copy after the TCP question is ignored, as in nginx
                retryOverTcp(q, type);
            return;
        }
        answered(q, type, reply.code, reply.addresses, reply.cname, reply.ttl);
        return;
    }
    qCDebug(lcDns) << "unexpected DNS response, id" << id;
}

void DnsClient::answered(Query &q, quint16 type, int code, const QList<QHostAddress> &addresses,
                         const QByteArray &cname, quint32 ttl)
{
    if (type == Dns::A) {
        q.waitA = false;
        q.codeA = code;
        q.v4 += addresses;
    } else {
        q.waitAAAA = false;
        q.codeAAAA = code;
        q.v6 += addresses;
    }
    if (code == Dns::NoError) {
        if (!cname.isEmpty() && addresses.isEmpty())
            q.cname = cname;
        q.ttl = q.haveTtl ? qMin(q.ttl, ttl) : ttl; // a CNAME chain lives as long as its shortest link
        q.haveTtl = true;
    }
    if (!q.waitA && !q.waitAAAA)
        complete(q);
}

void DnsClient::complete(Query &q)
{
    if (!q.v4.isEmpty() || !q.v6.isEmpty()) {
        Result r;
        r.ok = true;
        r.addresses = q.v4 + q.v6;
        q.resolver->store(q.key, r.addresses, q.ttl, DnsResolver::clockMs());
        finish(&q, r);
        return;
    }
    if (!q.cname.isEmpty() && q.cnames < MaxCnames) {
        // The alias is asked for in its turn (nginx: ngx_resolve_name_locked on the CNAME).
        q.name = q.cname.toLower();
        q.cname.clear();
        ++q.cnames;
        q.waitA = true;
        q.waitAAAA = q.resolver->ipv6();
        q.codeA = q.codeAAAA = Dns::NoError;
        q.idA = newId();
        q.idAAAA = newId();
        send(q);
        return;
    }
    Result r;
    r.code = q.codeA != Dns::NoError ? q.codeA : q.codeAAAA != Dns::NoError ? q.codeAAAA : int(Dns::NxDomain);
    r.error = Dns::errorText(r.code);
    finish(&q, r);
}

void DnsClient::finish(Query *q, const Result &result)
{
    std::vector<Query::Waiter> waiters;
    for (auto it = m_queries.begin(); it != m_queries.end(); ++it) {
        if (it->get() == q) {
            waiters = std::move((*it)->waiters);
            m_queries.erase(it);
            break;
        }
    }
    for (Query::Waiter &w : waiters)
        w.done(result); // a callback may resolve or cancel: nothing of q is used from here
}

void DnsClient::tick()
{
    const qint64 now = DnsResolver::clockMs();
    m_retired.clear();
    for (auto it = m_links.begin(); it != m_links.end();) {
        DnsTcpLink &link = **it;
        if (link.isOpen() && now - link.lastActivityMs() < TcpIdleMs) {
            ++it;
            continue;
        }
        // Idle, or silent under a question (which its resend or deadline handles).
        link.close(link.awaiting() > 0
                       ? QStringLiteral("DNS server %1 did not answer over TCP in %2 s")
                             .arg(link.serverText())
                             .arg(TcpIdleMs / 1000)
                       : QString());
        it = m_links.erase(it); // not inside any link's callback here
    }
    std::vector<Query::Waiter> expired;
    for (auto it = m_queries.begin(); it != m_queries.end();) {
        Query &q = **it;
        auto &w = q.waiters;
        for (auto wi = w.begin(); wi != w.end();) {
            if (wi->deadlineMs <= now) {
                expired.push_back(std::move(*wi));
                wi = w.erase(wi);
            } else {
                ++wi;
            }
        }
        if (w.empty()) {
            it = m_queries.erase(it);
            continue;
        }
        if (now - q.sentMs >= ResendMs) {
            // nginx's ngx_resolver_resend: the same question, to the next server.
            ++q.server;
            send(q);
        }
        ++it;
    }
    Result timedOut;
    timedOut.code = Dns::TimedOut;
    timedOut.error = Dns::errorText(Dns::TimedOut);
    for (Query::Waiter &w : expired)
        w.done(timedOut);
}
