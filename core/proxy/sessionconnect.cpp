#include "session.h"

#include "net/dnsclient.h"
#include "ops/logging.h"
#include "requestrouter.h"
#include "worker.h"

// The session's upstream connect phase: where the request goes (an upstream
// group, or a host a proxy_pass with variables named, resolved first), the
// pick, the connect or a reused idle connection, and the retries
// (ngx_http_upstream_init_request, _connect, _next).

void Session::startUpstream(const Route &route)
{
    // The balancer's per-request state: the key (ip_hash: the client's
    // address, hash: KEY evaluated now) and proxy_next_upstream_tries.
    UpstreamSource source = upstreamSourceFor(*m_runtime, route, m_context);
    if (source.group) {
        m_attempt.begin(std::move(source));
        connectNextUpstream();
        return;
    }
    // proxy_pass with variables naming neither an upstream block nor an
    // address: the location's resolver is asked (nginx resolves per request).
    m_upstreamName = QString::fromUtf8(route.dynamicHost);
    const std::shared_ptr<DnsResolver> resolver = m_runtime->resolver(*m_location);
    if (!resolver) {
        const QByteArray message = "no resolver defined to resolve " + route.dynamicHost;
        logLine(QtWarningMsg) << message;
        respondError(502, message, CloseCause::UpstreamFailure);
        return;
    }
    m_pendingSource = std::move(source);
    m_resolvePort = quint16(route.dynamicPort > 0 ? route.dynamicPort : route.upstreamTls ? 443 : 80);
    if (const auto cached = resolver->cached(route.dynamicHost, DnsResolver::clockMs())) {
        upstreamResolved(*cached);
        return;
    }
    setState(State::Resolving);
    m_dnsTicket = m_worker->dns().resolve(resolver, route.dynamicHost, m_location->resolverTimeoutMs,
                                          [this](const DnsClient::Result &result) {
                                              m_dnsTicket = 0;
                                              if (result.ok) {
                                                  upstreamResolved(result.addresses);
                                                  return;
                                              }
                                              // nginx's message and status (ngx_http_upstream_resolve_handler)
                                              const QByteArray message = m_upstreamName.toUtf8()
                                                  + QStringLiteral(" could not be resolved (%1: %2)")
                                                        .arg(result.code)
                                                        .arg(result.error)
                                                        .toUtf8();
                                              logLine(QtWarningMsg) << message;
                                              respondError(502, message, CloseCause::UpstreamFailure);
                                          });
}

void Session::upstreamResolved(const QList<QHostAddress> &addresses)
{
    // ngx_http_upstream_create_round_robin_peer: the addresses as a group
    // of their own for this request, tried in turn under proxy_next_upstream.
    m_pendingSource.group = resolvedGroup(m_upstreamName.toUtf8(), addresses, m_resolvePort);
    m_attempt.begin(std::move(m_pendingSource));
    m_pendingSource = {};
    connectNextUpstream();
}

void Session::cancelResolve()
{
    if (m_dnsTicket) {
        m_worker->dns().cancel(m_dnsTicket);
        m_dnsTicket = 0;
    }
}

void Session::connectNextUpstream()
{
    // A retry starts from a clean upstream side (UpstreamAttempt::connectNext).
    if (m_firstClose == CloseCause::UpstreamClosed)
        m_firstClose = CloseCause::None;
    const UpstreamPick pick = m_attempt.connectNext();
    if (inspecting()) {
        RouteEvent e;
        e.serverName = QString::fromUtf8(m_server->serverName);
        e.location = QString::fromUtf8(m_location->prefix);
        m_attempt.describePick(pick, &e);
        emitEvent(std::move(e));
    }
    if (pick.index < 0) {
        // nginx: "no live upstreams" (NGX_HTTP_UPSTREAM_FT_NOLIVE) ends the request with 502 at once;
        // $upstream_addr names the group then.
        m_context.upstreamStates.append(UpstreamState{.address = m_attempt.group().name(), .status = 502});
        logLine(QtWarningMsg) << "no live upstreams in" << m_attempt.group().name();
        respondError(502, m_attempt.noLiveMessage(pick), CloseCause::UpstreamFailure);
        return;
    }
    m_upstreamName = m_attempt.serverName();
    m_context.upstreamStates.append(UpstreamState{.address = m_attempt.peerAddress()});
    m_upstreamTimer.start();
    // A connection from the keep-alive cache counts from here.
    m_upstreamReadAtStart = upstream() ? upstream()->bytesRead() : 0;
    m_upstreamWrittenAtStart = upstream() ? upstream()->bytesWritten() + upstream()->pendingBytes() : 0;
    setState(State::Connecting);
    if (m_attempt.reused()) {
        // An idle connection from the keep-alive cache: the request goes now.
        qCDebug(lcProxy).noquote() << describe() << "reusing a connection to" << m_upstreamName;
        upstreamReady();
        return;
    }
    // Client reads stay on while we connect (pausing and resuming cost two
    // epoll_ctl per connection): body bytes wait in the client buffer, and reading
    // pauses only if they reach the per-direction cap (readClient()).
    qCDebug(lcProxy).noquote() << describe() << "connecting to" << m_upstreamName;
    if (upstream()->failed())
        handleConnectFailure(upstream()->errorString(), false);
}

void Session::handleConnectFailure(const QString &reason, bool timedOut)
{
    upstreamFailed(timedOut ? NextUpstream::Timeout : NextUpstream::Error, timedOut ? 504 : 502, reason);
}

bool Session::mayTryNext(quint32 condition) const
{
    // Nothing of a response may have reached the client. A body read whole
    // is sent again; a streamed one (proxy_request_buffering off) cannot be
    // once some of it went upstream. A client that left before its request
    // was complete is not worth a retry.
    const HttpBodyFramer &body = m_relay.requestBody();
    const bool clientAllows = !m_responseStarted && (m_body.isActive() || body.bodyBytes() == 0)
        && !(m_client.eof() && !body.isDone());
    return m_attempt.mayTryNext(condition, m_request.method, clientAllows);
}

void Session::upstreamFailed(quint32 condition, int status, const QString &reason)
{
    const bool connecting = m_state == State::Connecting;
    logLine(QtWarningMsg) << "upstream" << m_upstreamName << "failed:" << reason;
    endUpstreamState(status); // before fail(): its counters go with the socket
    m_attempt.fail(condition, reason);
    if (m_attempt.hasTriesLeft() && mayTryNext(condition)) {
        connectNextUpstream();
        return;
    }
    CloseCause cause = CloseCause::UpstreamFailure;
    const QByteArray message = m_attempt.failureMessage(condition, connecting, &cause);
    respondError(status, message, cause);
}

void Session::streamConnected(TcpStream *stream)
{
    if (stream != upstream() || m_state != State::Connecting)
        return;
    if (stream->failed()) {
        handleConnectFailure(stream->errorString(), false);
        return;
    }
    qCDebug(lcProxy).noquote() << describe() << "connected to" << m_upstreamName;
    bool handshaking = false;
    QString error;
    if (!m_attempt.startTlsIfNeeded(&handshaking, &error))
        handleConnectFailure(error, false);
    else if (!handshaking)
        upstreamReady(); // else streamTlsDone() goes on
}

void Session::endUpstreamState(int status)
{
    if (m_context.upstreamStates.isEmpty() || m_context.upstreamStates.constLast().responseMs >= 0)
        return;
    UpstreamState &state = m_context.upstreamStates.last();
    if (!state.status)
        state.status = status;
    state.responseMs = m_upstreamTimer.elapsed();
    if (upstream()) {
        state.bytesReceived = upstream()->bytesRead() - m_upstreamReadAtStart;
        state.bytesSent = upstream()->bytesWritten() + upstream()->pendingBytes() - m_upstreamWrittenAtStart;
    }
    if (m_attempt.hasResponseHead() || m_response.status)
        state.responseLength = m_relay.responseBody().bodyBytes();
}

void Session::upstreamReady()
{
    // ngx_http_upstream_send_request: the connect time, also for a reused connection (about 0).
    if (!m_context.upstreamStates.isEmpty() && m_context.upstreamStates.constLast().connectMs < 0)
        m_context.upstreamStates.last().connectMs = m_upstreamTimer.elapsed();
    m_lastUpstreamActivityMs = setState(State::Exchange);
    m_upstreamWrites.restart(*upstream(), m_lastUpstreamActivityMs);
    // The head stays until a response arrives: a retry sends it again.
    m_attempt.markRequestSent();
    m_client->setReadEnabled(!m_client.eof());
    forwardRequestBody(m_upstreamHead);
    checkStreamFailures();
}

