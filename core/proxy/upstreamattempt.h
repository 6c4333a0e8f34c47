#pragma once

#include "inspect/closecause.h"
#include "http/httpheadparser.h"
#include "net/tcpstream.h"
#include "upstream/upstreamgroup.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <memory>

struct LocationConfig;
struct Route;
struct RouteEvent;
class TlsClientContext;
class ProxyRuntime;
class UpstreamKeepalive;

// Where an attempt's servers come from, and how to speak to them: nginx's
// peer.get/free behind ngx_http_upstream_t. Today the balancer of
// proxy_pass's group (upstreamSourceFor()); a forward proxy (issue 18) hands
// in the request's own target as a group of one, and the attempt below,
// its retries and its release stay what they are.
struct UpstreamSource
{
    std::shared_ptr<UpstreamGroup> group;
    QByteArray hashKey;          // the balancer's key (hash KEY evaluated; ip_hash: the client address)
    QHostAddress clientAddress;  // for ip_hash
    // TLS toward the server (proxy_pass https://, proxy_ssl_*).
    bool tls = false;
    std::shared_ptr<TlsClientContext> tlsContext;
    QByteArray tlsName;          // proxy_ssl_name, evaluated
    bool sendServerName = false; // proxy_ssl_server_name: SNI with that name
    bool sessionReuse = true;    // proxy_ssl_session_reuse
    // proxy_next_upstream, _tries, _timeout (ngx_http_upstream_next).
    quint32 nextUpstream = 0;
    int tries = 0;
    qint64 triesTimeoutMs = 0;
};

// The source of a proxy_pass route: the one place the location's upstream
// group and TLS context are looked up (in the session's runtime). For a
// proxy_pass with variables, the group is the upstream block (or the
// implicit upstream of another proxy_pass) the evaluated host names, else a
// group of the address it is; a host name leaves `group` null: it is to be
// resolved (then resolvedGroup()).
// `context`: the request's (the route's was moved to the session): the
// hash key and, for ip_hash, the client address (realip's, if it set one).
UpstreamSource upstreamSourceFor(const ProxyRuntime &runtime, const Route &route, const RequestContext &context);

// A group of one request's own: the addresses a name resolved to (or an
// address written in the URL), each a server on `port` (nginx's
// ngx_http_upstream_create_round_robin_peer: weight 1, max_fails 1).
std::shared_ptr<UpstreamGroup> resolvedGroup(const QByteArray &name, const QList<QHostAddress> &addresses,
                                             quint16 port);

// The connection to one upstream server and, when it fails, to the next
// (nginx's ngx_http_upstream_connect / _next): picking, connecting, TLS,
// the proxy_next_upstream test, and the one place a server is handed back
// to its balancer and its socket closed. Driven by the session, whose
// stream handler it passes on to the socket.
class UpstreamAttempt final
{
    Q_DISABLE_COPY_MOVE(UpstreamAttempt)

public:
    explicit UpstreamAttempt(TcpStream::Handler *handler)
        : m_handler(handler)
    {
    }
    // A worker that stops without finishing its sessions still hands the
    // servers back, so the live-connection figures stay right.
    ~UpstreamAttempt() { release(UpstreamGroup::Outcome::Ok); }

    // The worker's idle connections (upstream `keepalive`); none: every
    // exchange opens its own.
    void setKeepalive(UpstreamKeepalive *cache) { m_keepalive = cache; }
    // A new request: the balancer's per-request state (key, tries).
    void begin(UpstreamSource source);
    // Picks the next server and starts connecting (the pick is returned
    // for the route event; index < 0: no live upstreams, nothing started),
    // or takes an idle connection to it from the keep-alive cache (then
    // reused() is true and the stream is ready at once). A connect that
    // fails at once leaves stream()->failed() set.
    UpstreamPick connectNext();
    bool reused() const { return m_reused; }
    // The TCP connect finished well: over TLS the handshake starts now
    // (proxy_connect_timeout covers it, as in nginx). False with *error.
    bool startTlsIfNeeded(bool *started, QString *error);
    void markRequestSent() { m_requestSent = true; }

    // ngx_http_upstream_test_next: may a failure of `condition` move on to
    // another server? `clientAllows`: nothing of the response reached the
    // client, no body byte went out, and the client did not leave mid-request.
    bool mayTryNext(quint32 condition, const QByteArray &method, bool clientAllows) const;
    bool hasTriesLeft(int more = 0) const { return m_selection.triesLeft > more; }
    // The current server failed with `condition` (a NextUpstream flag):
    // remembered for the messages and released (403/404 do not count as a
    // failure: NGX_PEER_NEXT).
    void fail(quint32 condition, const QString &reason);
    // The server answered: it counts as working again (UpstreamGroup::confirm).
    void confirm() { m_source.group->confirm(m_selection); }
    // The one release path: traffic figures, the server back to its
    // balancer with `outcome`, the socket closed and what it left unread
    // dropped. Idempotent.
    void release(UpstreamGroup::Outcome outcome, const QString &why = QString());
    // A finished HTTP exchange: released as above, except that with
    // `keepAlive` (a complete response with keep-alive semantics, see
    // HttpRelay::upstreamKeepsAlive) the connection goes to the keep-alive
    // cache when the group keeps any, instead of being closed.
    void finish(bool keepAlive);

    TcpStream *stream() const { return m_stream.get(); }
    // Bytes read outside the tunnel wait here until the session takes them.
    QByteArray &in() { return m_in; }
    // The server sent FIN.
    void setEof()
    {
        m_eof = true;
        m_stream->setReadEnabled(false);
    }
    bool eof() const { return m_eof; }

    // nginx's process_header: feeds the buffered bytes to the response
    // parser; interim responses (100, 103) are dropped (the proxy answered
    // 100-continue itself), a 101 is a final answer.
    enum class ResponseHead : quint8 { NeedMore, Complete, Invalid };
    ResponseHead readResponseHead();
    bool hasResponseHead() const { return m_parser.state() == HttpHeadParser::State::Complete; }
    QByteArray responseError() const { return m_parser.errorMessage(); }
    HttpResponseHead takeResponse() { return m_parser.takeResponse(); }
    const QString &serverName() const { return m_serverName; }
    // The current server as nginx's $upstream_addr names it: "127.0.0.1:8081", "[::1]:8081".
    const QByteArray &peerAddress() const { return m_peerAddress; }
    const UpstreamGroup &group() const { return *m_source.group; }
    // "host:port: reason" of every failed server so far.
    const QStringList &errors() const { return m_errors; }
    // The NextUpstream condition a response status stands for (0: none).
    static quint32 conditionForStatus(int status);
    // The error body's text once no server is left: what failed (the
    // condition of the last failure, while connecting or not), with every
    // server's reason; *cause is set for a read timeout.
    QByteArray failureMessage(quint32 condition, bool connecting, CloseCause *cause) const;
    // "no live upstreams in G; tried ...; skipped ..." (nginx's NGX_HTTP_UPSTREAM_FT_NOLIVE).
    QByteArray noLiveMessage(const UpstreamPick &pick) const;
    // The balancer's part of a RouteEvent for `pick`.
    void describePick(const UpstreamPick &pick, RouteEvent *event) const;

private:
    // Traffic figures and the server back to its balancer (release's first half).
    void releaseServer(UpstreamGroup::Outcome outcome, const QString &why);

    TcpStream::Handler *m_handler;
    UpstreamKeepalive *m_keepalive = nullptr;
    UpstreamSource m_source;
    UpstreamSelection m_selection; // the balancer's per-request state
    std::unique_ptr<TcpStream> m_stream;
    HttpHeadParser m_parser{HttpHeadParser::Kind::Response};
    QByteArray m_in;
    bool m_eof = false;
    QString m_serverName;
    QByteArray m_peerAddress;
    QStringList m_errors;
    int m_attempts = 0;
    bool m_requestSent = false; // the head went to the current server
    bool m_reused = false;      // the connection came from the keep-alive cache
    int m_connRequests = 0;     // exchanges the connection carried before this one
    qint64 m_connStartMs = 0;   // when it was opened (keepalive_time)
};
