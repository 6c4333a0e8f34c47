#include "session.h"

#include "accesslog.h"
#include "requestrouter.h"
#include "upstreamattempt.h"
#include "inspect/eventbus.h"
#include "ops/logging.h"
#include "websockettunnel.h"
#include "websocket/framewriter.h"
#include "websocket/handshakecheck.h"
#include "worker.h"


#include <cerrno>

namespace {

constexpr qint64 kLingerMs = 5'000;

QByteArray errorBody(int status, const QByteArray &message)
{
    return QByteArray::number(status) + ' ' + httpReasonPhrase(status) + "\nwsscope: " + message + '\n';
}

} // namespace

Session::Session(Worker *worker, quint64 id, qintptr descriptor, RuntimeSnapshot runtime, int serverIndex,
                 quint16 listenPort)
    : m_worker(worker)
    , m_id(id)
    , m_runtime(std::move(runtime))
    , m_config(m_runtime->config())
    , m_server(m_config->defaultServer(serverIndex)) // serverIndex: the listen group (ProxyConfig::listenGroups)
    , m_listenGroup(serverIndex)
    , m_listenPort(listenPort)
    , m_client(std::make_unique<TcpStream>(this, descriptor))
{
}

Session::~Session()
{
    // m_attempt hands a held server back (UpstreamAttempt::~UpstreamAttempt).
}

void Session::start()
{
    m_clientAddress = m_client->peerAddress(&m_clientPort);
    m_log.setConnection(m_id, m_clientAddress, m_clientPort);
    m_lastClientActivityMs = setState(State::ReadingHead);
    qCDebug(lcProxy) << "conn" << m_id << "accepted from" << m_clientAddress.toString() << m_clientPort;
    if (const TlsServerContext *tls = m_runtime->tlsContext(m_listenGroup)) {
        // The handshake runs on this worker's loop like any read; the
        // connection counts as opened once it is done.
        m_client->startTls(newServerSsl(*tls, &Session::selectTlsContext, this), true);
        if (m_client->failed())
            finish(CloseCause::TlsError);
        return;
    }
    emitConnectionOpened();
}

void Session::emitConnectionOpened()
{
    if (!inspecting())
        return;
    ConnectionOpenedEvent e;
    e.clientAddress = m_clientAddress;
    e.clientPort = m_clientPort;
    e.listener = QStringLiteral("%1").arg(m_listenPort);
    e.tls = m_runtime->tlsContext(m_listenGroup) != nullptr;
    if (m_client->tlsHandle()) {
        const TlsSessionInfo info = tlsSessionInfo(m_client->tlsHandle());
        e.tlsServerName = info.serverName;
        if (!m_client->failed()) {
            e.tlsProtocol = info.protocol;
            e.tlsCipher = info.cipher;
            e.tlsAlpn = info.alpn;
        }
    }
    if (m_plainHttpOnTls)
        e.tlsError = QStringLiteral("the client sent plain HTTP to this TLS port");
    else if (!m_client->tlsError().isEmpty())
        e.tlsError = m_client->tlsError();
    emitEvent(std::move(e));
}

SSL_CTX *Session::selectTlsContext(void *session, QByteArrayView serverName)
{
    const auto *self = static_cast<const Session *>(session);
    QByteArray host = serverName.toByteArray();
    if (host.endsWith('.'))
        host.chop(1);
    const ServerConfig *server = self->m_config->selectServer(self->m_listenGroup, host);
    const TlsServerContext *tls = self->m_runtime->serverTls(server);
    return tls ? tls->handle() : nullptr;
}

void Session::streamTlsDone(TcpStream *stream)
{
    if (m_state == State::Finished)
        return;
    if (stream == m_client.get()) {
        clientTlsDone();
        return;
    }
    if (stream != upstream() || m_state != State::Connecting)
        return;
    if (stream->failed()) {
        handleConnectFailure(QStringLiteral("TLS handshake failed: %1").arg(stream->tlsError()), false);
        return;
    }
    const TlsSessionInfo info = tlsSessionInfo(stream->tlsHandle());
    qCDebug(lcProxy).noquote() << describe() << "TLS to" << m_upstreamName << info.protocol << info.cipher
                               << (info.peerSubject.isEmpty() ? QString() : QStringLiteral("peer ") + info.peerSubject);
    upstreamReady();
}

void Session::clientTlsDone()
{
    if (m_client->tlsPlainHttp()) {
        // Read the request, then answer 400 as nginx does.
        m_plainHttpOnTls = true;
        emitConnectionOpened();
        readClient();
        return;
    }
    if (m_client->failed()) {
        m_closeDetail = QStringLiteral("TLS handshake failed: %1").arg(m_client->tlsError());
        qCInfo(lcAccess).noquote() << describe() << m_closeDetail;
        emitConnectionOpened();
        finish(CloseCause::TlsError);
        return;
    }
    m_clientTls = true;
    setState(State::ReadingHead); // client_header_timeout starts after the handshake
    if (lcProxy().isDebugEnabled()) {
        const TlsSessionInfo info = tlsSessionInfo(m_client->tlsHandle());
        qCDebug(lcProxy).noquote() << describe() << "TLS" << info.protocol << info.cipher << "SNI"
                                   << (info.serverName.isEmpty() ? QStringLiteral("-") : info.serverName) << "ALPN"
                                   << (info.alpn.isEmpty() ? QStringLiteral("-") : info.alpn)
                                   << (info.resumed ? "resumed" : "");
    }
    emitConnectionOpened();
}

qint64 Session::setState(State state)
{
    m_state = state;
    m_stateSinceMs = m_worker->nowMs();
    return m_stateSinceMs;
}

bool Session::inspecting() const
{
    return m_worker->events().isActive() && (!m_location || m_location->inspect);
}

void Session::emitEvent(InspectPayload payload)
{
    m_worker->addEvent(m_id, std::move(payload));
}

// ---------------------------------------------------------------- reading

void Session::streamReadable(TcpStream *stream)
{
    if (m_state == State::Finished)
        return;
    if (stream == m_client.get())
        readClient();
    else
        readUpstream();
}

void Session::readClient()
{
    char *buf = m_worker->readBuffer();
    const qsizetype cap = m_worker->readBufferSize();
    // A few reads per wake-up, so one busy peer cannot starve the others.
    for (int round = 0; round < 4 && m_state != State::Finished; ++round) {
        if (!m_client->isReadEnabled())
            return;
        const qsizetype n = m_client->read(buf, cap);
        if (n == TcpStream::WouldBlock)
            break;
        if (n == TcpStream::Failed) {
            qCDebug(lcProxy).noquote() << describe() << "client read failed:" << m_client->errorString();
            // A reset after the client's close frame ends a finished
            // conversation (clients often abort instead of waiting for FIN).
            finish(m_tunnel && m_tunnel->clientClose().has_value()
                       ? CloseCause::ClientClosed
                       : CloseCause::ClientError);
            return;
        }
        m_lastClientActivityMs = m_worker->nowMs();
        if (n == 0) {
            m_clientEof = true;
            m_client->setReadEnabled(false);
            if (m_firstClose == CloseCause::None)
                m_firstClose = CloseCause::ClientClosed;
            switch (m_state) {
            case State::Tunnel:
                handleTunnelEof(true);
                return;
            case State::Closing:
                if (m_client->pendingBytes() == 0)
                    finish(m_firstClose);
                return;
            case State::ReadingHead:
                // Nothing started (a keep-alive end), or a head cut short.
                finish(CloseCause::ClientClosed);
                return;
            case State::Connecting:
            case State::Exchange:
                // The request may be complete: deliver its response, then close.
                if (!m_relay.requestBody().isDone()) {
                    finish(CloseCause::ClientClosed);
                    return;
                }
                m_keepAlive = false;
                return;
            case State::Finished:
                return;
            }
            return;
        }
        if (m_client->bytesRead() == n && n > 0 && buf[0] == 0x16 && !m_client->isTls() && !m_plainHttpOnTls)
            m_tlsClientOnPlain = true; // a TLS handshake record where a request line belongs
        if (m_state == State::Tunnel) {
            tunnelForward(true, buf, n);
        } else if (m_state == State::Closing) {
            // Lingering close: discard what the client still sends.
        } else {
            m_clientIn.append(buf, n);
            if (m_state != State::Connecting)
                processClient();
            else if (m_clientIn.size() >= m_config->maxBufferedPerDirection)
                m_client->setReadEnabled(false); // upstreamReady() turns it back on
        }
        if (n < cap)
            break;
    }
    if (m_state != State::Finished && (m_client->failed() || (upstream() && upstream()->failed())))
        checkStreamFailures();
}

void Session::readUpstream()
{
    char *buf = m_worker->readBuffer();
    const qsizetype cap = m_worker->readBufferSize();
    // A retry (proxy_next_upstream) may have replaced the stream: stop then.
    for (int round = 0; round < 4 && m_state != State::Finished && m_state != State::Connecting && upstream();
         ++round) {
        if (!upstream()->isReadEnabled())
            return;
        const qsizetype n = upstream()->read(buf, cap);
        if (n == TcpStream::WouldBlock)
            break;
        if (n == TcpStream::Failed) {
            const QString err = upstream()->errorString();
            if (m_state == State::Exchange && !m_responseStarted) {
                upstreamFailed(NextUpstream::Error, 502, err);
            } else {
                finish(m_tunnel && m_tunnel->upstreamClose().has_value()
                           ? CloseCause::UpstreamClosed
                           : CloseCause::UpstreamError);
            }
            return;
        }
        m_lastUpstreamActivityMs = m_worker->nowMs();
        if (n == 0) {
            m_upstreamEof = true;
            upstream()->setReadEnabled(false);
            if (m_firstClose == CloseCause::None)
                m_firstClose = CloseCause::UpstreamClosed;
            if (m_state == State::Tunnel) {
                handleTunnelEof(false);
                return;
            }
            processUpstream();
            return;
        }
        if (m_state == State::Tunnel) {
            tunnelForward(false, buf, n);
        } else {
            m_upstreamIn.append(buf, n);
            processUpstream();
        }
        if (n < cap)
            break;
    }
    if (m_state != State::Finished && (m_client->failed() || (upstream() && upstream()->failed())))
        checkStreamFailures();
}

// ---------------------------------------------------------------- client side

void Session::processClient()
{
    for (;;) {
        switch (m_state) {
        case State::ReadingHead: {
            if (m_clientIn.isEmpty())
                return;
            const qsizetype used = m_requestParser.feed(m_clientIn.constData(), m_clientIn.size());
            m_clientIn.remove(0, used);
            if (m_tlsClientOnPlain) {
                // A ClientHello never completes a request head: no HTTP
                // answer (noise to a TLS client), a log line with the fix.
                m_closeDetail = QStringLiteral("a TLS client (ClientHello) connected to a plain-HTTP listener on port "
                                               "%1: add \"ssl\" to its listen directive, or use ws:// / http://")
                                    .arg(m_listenPort);
                qCWarning(lcAccess).noquote() << describe() << m_closeDetail;
                finish(CloseCause::BadRequest);
                return;
            }
            if (m_requestParser.state() == HttpHeadParser::State::NeedMore)
                return;
            if (m_plainHttpOnTls) {
                // nginx: 497 internally, answered as 400 with this text.
                qCInfo(lcAccess).noquote() << describe() << "client sent plain HTTP request to HTTPS port";
                respondError(400, "The plain HTTP request was sent to HTTPS port", CloseCause::BadRequest);
                return;
            }
            if (m_requestParser.state() == HttpHeadParser::State::Error) {
                qCInfo(lcAccess).noquote() << describe() << "bad request:" << m_requestParser.errorMessage();
                respondError(m_requestParser.errorStatus(), m_requestParser.errorMessage(), CloseCause::BadRequest);
                return;
            }
            startExchange();
            continue;
        }
        case State::Connecting:
            return; // body bytes wait in m_clientIn until the connect completes
        case State::Exchange:
            forwardRequestBody();
            return;
        case State::Closing:
            m_clientIn.clear();
            return;
        case State::Tunnel:   // readClient() hands tunnel bytes to the taps
        case State::Finished:
            return;
        }
    }
}

void Session::startExchange()
{
    m_request = m_requestParser.takeRequest();
    m_requestParser.reset();
    m_exchangeTimer.start();
    m_responseStarted = false;
    m_upgradeRequested = m_request.headers.contains("Upgrade");
    m_keepAlive = m_request.isHttp11() ? !m_request.headers.hasToken("Connection", "close")
                                       : m_request.headers.hasToken("Connection", "keep-alive");
    if (m_draining || m_clientEof)
        m_keepAlive = false;

    m_relay.beginRequest(m_request);

    RequestContext connection;
    connection.request = &m_request;
    connection.remoteAddress = m_clientAddress;
    connection.remoteAddressText = m_log.addressText();
    connection.remotePort = m_clientPort;
    connection.scheme = m_clientTls ? "https" : "http";
    if (m_clientTls) {
        const TlsSessionInfo info = tlsSessionInfo(m_client->tlsHandle());
        connection.sslProtocol = info.protocol.toLatin1();
        connection.sslCipher = info.cipher.toLatin1();
        connection.sslServerName = info.serverName.toUtf8();
    }
    connection.serverPort = m_listenPort;
    const Route route = routeRequest(*m_config, m_listenGroup, std::move(connection));
    const RequestContext &ctx = route.context;
    m_server = route.server;
    m_location = route.location;
    switch (route.kind) {
    case Route::Kind::Error:
        respondError(route.errorStatus, route.errorMessage, CloseCause::BadRequest);
        return;
    case Route::Kind::Return: {
        const ReturnAction &ret = *route.returnAction;
        m_client->write(returnResponse(ret.code, ret.text, ctx));
        m_responseStarted = true;
        m_keepAlive = false;
        m_response.status = ret.code;
        qCInfo(lcAccess).noquote() << describe() << '"' + m_request.method + ' ' + m_request.target + '"' << ret.code
                                   << "return";
        beginClosing(CloseCause::Completed);
        return;
    }
    case Route::Kind::Static:
        serveStaticFile(ctx.uri);
        return;
    case Route::Kind::Proxy:
        break;
    }
    HttpRequestHead upstreamHead = rewriteRequestForUpstream(m_request, ctx, m_location->headers, route.upstreamTarget,
                                                             m_relay.requestChunked());
    upstreamHead.versionMinor = m_location->proxyHttpVersionMinor; // proxy_http_version
    m_upstreamHead = upstreamHead.serialize();
    if (m_upgradeRequested)
        m_forwardedRequest = upstreamHead;
    if (inspecting()) {
        emitEvent(RequestHeadEvent{m_request, false});
        emitEvent(RequestHeadEvent{std::move(upstreamHead), true});
    }

    if (m_relay.expectsContinue()) {
        // nginx answers 100-continue itself before reading the body.
        m_client->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
    }
    // The balancer's per-request state: the key (ip_hash: the client's
    // address, hash: KEY evaluated now) and proxy_next_upstream_tries.
    m_attempt.begin(upstreamSourceFor(*m_runtime, route, m_clientAddress));
    connectNextUpstream();
}

void Session::connectNextUpstream()
{
    // A retry starts from a clean upstream side.
    m_upstreamIn.clear();
    m_upstreamEof = false;
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
        // nginx: "no live upstreams" (NGX_HTTP_UPSTREAM_FT_NOLIVE) ends the request with 502 at once.
        const QByteArray group = m_attempt.group().name();
        QByteArray why;
        if (!m_attempt.errors().isEmpty())
            why += "; tried " + m_attempt.errors().join(QStringLiteral("; ")).toUtf8();
        if (!pick.skipped.isEmpty())
            why += "; skipped " + pick.skipped.join(QStringLiteral(", ")).toUtf8();
        qCWarning(lcProxy).noquote() << describe() << "no live upstreams in" << group;
        respondError(502, "no live upstreams in " + group + why, CloseCause::UpstreamFailure);
        return;
    }
    m_upstreamName = m_attempt.serverName();
    setState(State::Connecting);
    // Client reads stay on while we connect (pausing and resuming cost two
    // epoll_ctl per connection): body bytes wait in m_clientIn, and reading
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
    // Nothing of a response may have reached the client, and the body is
    // streamed, not buffered: once some of it went upstream there is no copy
    // to send again (nginx's proxy_request_buffering off rule). A client
    // that left before its request was complete is not worth a retry.
    const HttpBodyFramer &body = m_relay.requestBody();
    const bool clientAllows = !m_responseStarted && body.bodyBytes() == 0 && !(m_clientEof && !body.isDone());
    return m_attempt.mayTryNext(condition, m_request.method, clientAllows);
}

void Session::upstreamFailed(quint32 condition, int status, const QString &reason)
{
    const bool connecting = m_state == State::Connecting;
    qCWarning(lcProxy).noquote() << describe() << "upstream" << m_upstreamName << "failed:" << reason;
    m_attempt.fail(condition, reason);
    if (m_attempt.hasTriesLeft() && mayTryNext(condition)) {
        connectNextUpstream();
        return;
    }
    const QByteArray why = m_attempt.errors().join(QStringLiteral("; ")).toUtf8();
    QByteArray message;
    CloseCause cause = CloseCause::UpstreamFailure;
    if (condition == NextUpstream::Timeout && connecting) {
        message = "upstream timed out while connecting (" + why + ")";
    } else if (condition == NextUpstream::Timeout) {
        message = "upstream " + m_upstreamName.toUtf8() + " timed out (" + why + ")";
        cause = CloseCause::ReadTimeout;
    } else if (connecting) {
        message = "could not connect to upstream (" + why + ")";
    } else if (condition == NextUpstream::InvalidHeader) {
        message = "upstream sent an invalid response (" + why + ")";
    } else {
        message = "upstream failed (" + why + ")";
    }
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

void Session::upstreamReady()
{
    m_lastUpstreamActivityMs = m_upstreamWriteProgressMs = setState(State::Exchange);
    m_upstreamWrittenMark = 0;
    m_responseParser.reset();
    // The head stays until a response arrives: a retry sends it again.
    upstream()->write(m_upstreamHead);
    m_attempt.markRequestSent();
    m_client->setReadEnabled(!m_clientEof);
    forwardRequestBody();
    checkStreamFailures();
}

void Session::forwardRequestBody()
{
    if (m_state != State::Exchange || m_clientIn.isEmpty() || m_relay.requestBody().isDone())
        return updateBackpressure();
    if (!m_relay.forwardRequestBody(m_clientIn, *upstream())) {
        if (!m_responseStarted)
            respondError(400, "invalid chunked request body", CloseCause::BadRequest);
        else
            finish(CloseCause::BadRequest);
        return;
    }
    updateBackpressure();
}

// ---------------------------------------------------------------- upstream side

void Session::processUpstream()
{
    if (m_state != State::Exchange)
        return;
    if (m_responseParser.state() != HttpHeadParser::State::Complete) {
        while (!m_upstreamIn.isEmpty()) {
            const qsizetype used = m_responseParser.feed(m_upstreamIn.constData(), m_upstreamIn.size());
            m_upstreamIn.remove(0, used);
            if (m_responseParser.state() == HttpHeadParser::State::Error) {
                upstreamFailed(NextUpstream::InvalidHeader, 502,
                               QStringLiteral("invalid response: ") + QString::fromUtf8(m_responseParser.errorMessage()));
                return;
            }
            if (m_responseParser.state() == HttpHeadParser::State::NeedMore)
                break;
            const int status = m_responseParser.response().status;
            if (status >= 100 && status < 200 && status != 101) {
                // Interim responses (100, 103) are not relayed: the proxy
                // answered 100-continue itself.
                m_responseParser.reset();
                continue;
            }
            handleResponseHead();
            return;
        }
        if (m_upstreamEof)
            upstreamFailed(NextUpstream::Error, 502, QStringLiteral("closed the connection before sending a response"));
        return;
    }
    // Response body.
    if (!m_upstreamIn.isEmpty() && !m_relay.relayResponseBody(m_upstreamIn, *m_client)) {
        qCWarning(lcProxy).noquote() << describe() << "upstream sent an invalid chunked body";
        finish(CloseCause::UpstreamError);
        return;
    }
    if (m_relay.responseDone(m_upstreamEof)) {
        finishExchange();
        return;
    }
    if (m_upstreamEof) {
        // Truncated body: the client can only learn it from the close.
        qCWarning(lcProxy).noquote() << describe() << "upstream" << m_upstreamName
                                      << "closed the connection in the middle of the response body";
        m_keepAlive = false;
        beginClosing(CloseCause::UpstreamClosed);
        return;
    }
    updateBackpressure();
}

void Session::handleResponseHead()
{
    m_response = m_responseParser.takeResponse();
    const int status = m_response.status;
    // proxy_next_upstream http_5xx/403/404/429: another server, when one
    // may still be tried (ngx_http_upstream_test_next wants tries > 1);
    // otherwise this response goes to the client.
    const quint32 condition = status == 500 ? NextUpstream::Http500
        : status == 502                     ? NextUpstream::Http502
        : status == 503                     ? NextUpstream::Http503
        : status == 504                     ? NextUpstream::Http504
        : status == 403                     ? NextUpstream::Http403
        : status == 404                     ? NextUpstream::Http404
        : status == 429                     ? NextUpstream::Http429
                                            : 0u;
    if (condition && m_attempt.hasTriesLeft(1) && mayTryNext(condition)) {
        upstreamFailed(condition, status, QStringLiteral("answered %1").arg(status));
        return;
    }
    if (status == 101) {
        if (!m_upgradeRequested) {
            upstreamFailed(NextUpstream::InvalidHeader, 502, QStringLiteral("switched protocols without an Upgrade request"));
            return;
        }
        m_attempt.confirm();
        m_upstreamHead.clear();
        startTunnel();
        return;
    }

    if (!m_relay.beginResponse(m_request, m_response)) {
        upstreamFailed(NextUpstream::InvalidHeader, 502, QStringLiteral("invalid Content-Length"));
        return;
    }
    // The server answered: it counts as working again (see UpstreamGroup::confirm).
    m_attempt.confirm();
    m_upstreamHead.clear();
    if (m_relay.endsConnection())
        m_keepAlive = false;

    if (inspecting()) {
        emitEvent(ResponseHeadEvent{m_response, true});
        // An upgrade the upstream refused (426 with its versions, 400, 403...).
        if (m_upgradeRequested)
            reportHandshakeFindings(WsHandshakeCheck::check(m_forwardedRequest, m_response));
    }
    HttpResponseHead out = rewriteResponseForClient(m_response, m_keepAlive, m_relay.relaysChunked());
    applyProxyRedirect(*m_location, out.headers); // Location/Refresh back to the client's view
    makeRedirectAbsolute(out.headers);
    if (m_relay.decodesChunked())
        out.headers.remove("Content-Length");
    m_client->write(out.serialize());
    m_responseStarted = true;
    processUpstream();
}

void Session::finishExchange()
{
    logExchange();
    ++m_requestsServed;
    m_attempt.release(UpstreamGroup::Outcome::Ok);
    m_upstreamHead.clear();
    m_upstreamIn.clear();
    m_upstreamEof = false;
    if (!m_keepAlive || m_clientEof || m_draining) {
        beginClosing(CloseCause::Completed);
        return;
    }
    setState(State::ReadingHead);
    m_request = {};
    m_response = {};
    m_client->setReadEnabled(true);
    if (m_clientIn.isEmpty())
        m_clientIn.squeeze();
    processClient(); // a pipelined request may be waiting
}

// ---------------------------------------------------------------- tunnel

void Session::startTunnel()
{
    HttpResponseHead out = rewriteResponseForClient(m_response, false, false);
    m_client->write(out.serialize());
    m_responseStarted = true;
    m_lastClientActivityMs = m_lastUpstreamActivityMs = m_clientWriteProgressMs = m_upstreamWriteProgressMs =
        setState(State::Tunnel);
    m_clientWrittenMark = m_client->bytesWritten();
    m_upstreamWrittenMark = upstream()->bytesWritten();
    qCDebug(lcProxy).noquote() << describe() << "tunnel established to" << m_upstreamName;

    m_tunnel = std::make_unique<WebSocketTunnel>(m_client.get(), upstream(), *m_location, m_worker,
                                                 [this](InspectPayload p) { emitEvent(std::move(p)); });
    // RFC 6455 4.1 / 4.2.2, RFC 7692: the upstream's answer checked against
    // the request as it was forwarded.
    const WsHandshakeReport handshake = WsHandshakeCheck::check(m_forwardedRequest, m_response);
    m_tunnel->start(handshake, m_stateSinceMs);
    if (inspecting()) {
        emitEvent(ResponseHeadEvent{m_response, true});
        TunnelEvent e;
        e.subprotocol = QString::fromUtf8(m_response.headers.value("Sec-WebSocket-Protocol"));
        e.extensions = QString::fromUtf8(m_response.headers.combinedValue("Sec-WebSocket-Extensions"));
        e.perMessageDeflate = handshake.deflate.status == WsDeflateNegotiation::Status::Accepted;
        emitEvent(std::move(e));
    }
    reportHandshakeFindings(handshake);
    m_forwardedRequest = {};

    // Frames that arrived together with the 101, and any the client sent early.
    if (!m_upstreamIn.isEmpty()) {
        m_tunnel->fromUpstream(m_upstreamIn.constData(), m_upstreamIn.size());
        m_upstreamIn.clear();
        m_upstreamIn.squeeze();
    }
    if (!m_clientIn.isEmpty()) {
        m_tunnel->fromClient(m_clientIn.constData(), m_clientIn.size());
        m_clientIn.clear();
    }
    m_clientIn.squeeze();
    if (m_clientEof)
        handleTunnelEof(true);
    if (m_upstreamEof && m_state != State::Finished)
        handleTunnelEof(false);
    if (m_state != State::Finished)
        updateBackpressure();
}

void Session::tunnelForward(bool fromClient, const char *data, qsizetype size)
{
    TcpStream *to = fromClient ? upstream() : m_client.get();
    const bool wasQueued = to->pendingBytes() > 0;
    if (fromClient)
        m_tunnel->fromClient(data, size);
    else
        m_tunnel->fromUpstream(data, size);
    // Nothing queued before or after: the read interests are still what the
    // last updateBackpressure() made them.
    if (wasQueued || to->pendingBytes() > 0)
        updateBackpressure();
}

void Session::handleTunnelEof(bool fromClient)
{
    if (m_tunnel->passEof(fromClient, m_clientEof, m_upstreamEof))
        finish(m_firstClose);
}

bool Session::inject(Direction direction, WsOpcode opcode, const QByteArray &payload, QString *error)
{
    if (m_state != State::Tunnel || !m_tunnel) {
        *error = QStringLiteral("connection %1 is not a WebSocket tunnel (any more)").arg(m_id);
        return false;
    }
    if (!m_tunnel->inject(direction, opcode, payload, error))
        return false;
    updateBackpressure();
    if (opcode == WsOpcode::Close && m_firstClose == CloseCause::None)
        m_firstClose = CloseCause::Injected;
    return true;
}

void Session::makeRedirectAbsolute(HttpHeaders &headers) const
{
    // nginx's absolute_redirect/port_in_redirect (both on by default): a
    // relative Location becomes scheme://host[:port]/..., host from the request.
    const QByteArray location = headers.value("Location");
    if (!location.startsWith('/'))
        return;
    QByteArray host = normalizedHostName(m_request.headers.value("Host"));
    if (host.isEmpty())
        host = m_server->serverName;
    const quint16 defaultPort = m_clientTls ? 443 : 80;
    const QByteArray port = m_listenPort == defaultPort ? QByteArray() : ':' + QByteArray::number(m_listenPort);
    headers.set("Location", (m_clientTls ? "https://" : "http://") + host + port + location);
}

void Session::serveStaticFile(const QByteArray &uri)
{
    m_upstreamName = QStringLiteral("file");
    StaticResponder::Answer answer = m_static.begin(*m_location, m_config->sourceFile, m_request.method, uri, m_keepAlive);
    if (answer.status != 200 && answer.status != 301) {
        respondError(answer.status, answer.message, CloseCause::BadRequest);
        return;
    }
    if (answer.status == 301)
        makeRedirectAbsolute(answer.head.headers);
    m_client->write(answer.head.serialize() + answer.body);
    m_responseStarted = true;
    m_response = std::move(answer.head);
    if (inspecting())
        emitEvent(ResponseHeadEvent{m_response, false});
    if (!m_static.isSending()) {
        m_relay.responseBody().reset(HttpBodyFramer::Mode::None);
        finishExchange();
        return;
    }
    m_relay.responseBody().reset(HttpBodyFramer::Mode::Length, answer.fileBytes);
    m_clientWriteProgressMs = setState(State::Exchange);
    m_clientWrittenMark = m_client->bytesWritten();
    pumpStaticFile();
}

void Session::pumpStaticFile()
{
    // Fill the client's queue up to the per-direction cap; the rest follows
    // as it drains.
    const StaticResponder::Pump result = m_static.pump(*m_client, m_relay.responseBody(), m_worker->readBuffer(),
                                                       m_worker->readBufferSize(), m_config->maxBufferedPerDirection);
    if (result == StaticResponder::Pump::Failed) {
        qCWarning(lcProxy).noquote() << describe() << "reading" << m_static.fileName() << "failed";
        m_static.stop();
        finish(CloseCause::ClientError); // the length was promised: only a close can tell
        return;
    }
    if (checkStreamFailures())
        return;
    if (result == StaticResponder::Pump::Done)
        finishExchange();
}

void Session::reportHandshakeFindings(const WsHandshakeReport &report)
{
    for (const WsHandshakeFinding &f : report.findings) {
        FindingEvent e;
        e.severity = f.severity == WsHandshakeFinding::Severity::Error     ? FindingEvent::Severity::Error
                   : f.severity == WsHandshakeFinding::Severity::Warning ? FindingEvent::Severity::Warning
                                                                         : FindingEvent::Severity::Info;
        e.code = f.code;
        e.text = f.text;
        // Problems reach the log even when nobody inspects.
        if (e.severity != FindingEvent::Severity::Info)
            qCInfo(lcProxy).noquote() << describe() << "handshake:" << f.text;
        if (inspecting())
            emitEvent(std::move(e));
    }
}

// ---------------------------------------------------------------- flow control

void Session::updateBackpressure()
{
    const qint64 cap = m_config->maxBufferedPerDirection;
    if (upstream() && m_state != State::Connecting) {
        // Client -> upstream direction.
        const bool clientMayRead = !m_clientEof && upstream()->pendingBytes() < cap && m_clientIn.size() < cap;
        if (m_client->isReadEnabled() != clientMayRead)
            m_client->setReadEnabled(clientMayRead);
        // Upstream -> client direction.
        const bool upstreamMayRead = !m_upstreamEof && m_client->pendingBytes() < cap;
        if (upstream()->isReadEnabled() != upstreamMayRead)
            upstream()->setReadEnabled(upstreamMayRead);
    }
}

void Session::streamDrained(TcpStream *stream)
{
    Q_UNUSED(stream);
    if (m_state == State::Finished)
        return;
    if (checkStreamFailures())
        return;
    if (m_state == State::Closing) {
        // The response is out; a client that already left ends it now,
        // otherwise the lingering read decides.
        if (m_clientEof && m_client->pendingBytes() == 0)
            finish(m_firstClose);
        return;
    }
    if (m_static.isSending() && m_state == State::Exchange) {
        pumpStaticFile();
        return;
    }
    if (m_state == State::Tunnel && m_tunnel->isOver(m_clientEof, m_upstreamEof)) {
        finish(m_firstClose);
        return;
    }
    updateBackpressure();
}

bool Session::checkStreamFailures()
{
    if (m_state == State::Finished)
        return true;
    if (m_client->failed()) {
        qCDebug(lcProxy).noquote() << describe() << "client failed:" << m_client->errorString();
        finish(CloseCause::ClientError);
        return true;
    }
    if (upstream() && upstream()->failed() && m_state != State::Connecting) {
        if (m_state == State::Exchange && !m_responseStarted) {
            upstreamFailed(NextUpstream::Error, 502, upstream()->errorString());
        } else {
            finish(CloseCause::UpstreamError);
        }
        return true;
    }
    return false;
}

// ---------------------------------------------------------------- endings

void Session::respondError(int status, const QByteArray &message, CloseCause cause)
{
    // The upstream (if any) is released by beginClosing() or finish().
    if (m_responseStarted) {
        finish(cause);
        return;
    }
    const QByteArray body = errorBody(status, message);
    HttpResponseHead head;
    head.status = status;
    head.headers.append("Server", "wsscope");
    head.headers.append("Content-Type", "text/plain; charset=utf-8");
    head.headers.append("Content-Length", QByteArray::number(body.size()));
    head.headers.append("Connection", "close");
    m_client->write(head.serialize() + body);
    m_responseStarted = true;
    m_response = head;
    if (inspecting())
        emitEvent(ResponseHeadEvent{head, false});
    m_keepAlive = false;
    if (status >= 500)
        qCWarning(lcAccess).noquote() << describe() << '"' + m_request.method + ' ' + m_request.target + '"' << status
                                       << message;
    beginClosing(cause);
}

void Session::beginClosing(CloseCause cause)
{
    m_attempt.release(UpstreamGroup::Outcome::Ok);
    if (m_firstClose == CloseCause::None || cause != CloseCause::Completed)
        m_firstClose = cause;
    setState(State::Closing);
    m_clientIn.clear();
    // Lingering close (as nginx): send FIN after the response and read what
    // the client still sends, so a reset cannot destroy the response.
    m_client->shutdownWrite();
    if (m_clientEof) {
        if (m_client->pendingBytes() == 0)
            finish(m_firstClose);
        return;
    }
    m_client->setReadEnabled(true);
}

void Session::beginDrain()
{
    m_draining = true;
    m_keepAlive = false;
    if (m_state == State::ReadingHead && m_clientIn.isEmpty() && m_requestParser.bufferedSize() == 0)
        finish(CloseCause::Drain);
}

void Session::forceClose(CloseCause cause)
{
    if (m_state != State::Finished)
        finish(cause);
}

void Session::finish(CloseCause cause)
{
    if (m_state == State::Finished)
        return;
    const State was = m_state;
    setState(State::Finished);
    if (was == State::Tunnel)
        m_log.tunnel(m_request, m_upstreamName, m_exchangeTimer.elapsed(), upstream()->bytesWritten(),
                     m_client->bytesWritten(), cause);
    else if (was == State::Exchange || was == State::Connecting)
        m_log.aborted(m_request, cause);
    if (inspecting() || (was == State::Tunnel && m_worker->events().isActive())) {
        ClosedEvent e;
        e.cause = cause;
        e.detail = m_closeDetail;
        if (m_tunnel) {
            e.clientClose = m_tunnel->clientClose();
            e.upstreamClose = m_tunnel->upstreamClose();
        }
        e.bytesFromClient = m_client->bytesRead();
        e.bytesFromUpstream = upstream() ? upstream()->bytesRead() : 0;
        e.durationMs = m_exchangeTimer.isValid() ? m_exchangeTimer.elapsed() : 0;
        emitEvent(std::move(e));
    }
    // The exchange or tunnel no longer counts in its server's connections.
    m_attempt.release(UpstreamGroup::Outcome::Ok);
    m_client->close();
    m_worker->sessionFinished(this);
}

void Session::logExchange()
{
    m_log.exchange(m_request, m_response.status, m_upstreamName, m_relay.responseBody().bodyBytes(),
                   m_exchangeTimer.elapsed());
    if (inspecting()) {
        HttpExchangeEvent e;
        e.status = m_response.status;
        e.requestBodyBytes = m_relay.requestBody().bodyBytes();
        e.responseBodyBytes = m_relay.responseBody().bodyBytes();
        e.durationMs = m_exchangeTimer.elapsed();
        emitEvent(std::move(e));
    }
}

// ---------------------------------------------------------------- timers

void Session::checkTimeouts(qint64 now)
{
    const LocationConfig *loc = m_location;
    switch (m_state) {
    case State::ReadingHead:
        if (m_requestsServed > 0 && m_clientIn.isEmpty() && m_requestParser.bufferedSize() == 0) {
            if (now - m_stateSinceMs > m_config->keepaliveTimeoutMs)
                finish(CloseCause::KeepaliveTimeout);
        } else if (now - m_stateSinceMs > m_config->clientHeaderTimeoutMs) {
            // nginx closes without a response (408 only in its log).
            qCInfo(lcAccess).noquote() << describe() << "client header timeout";
            finish(CloseCause::HeaderTimeout);
        }
        return;
    case State::Connecting:
        if (now - m_stateSinceMs > loc->connectTimeoutMs)
            handleConnectFailure(QStringLiteral("connect timed out"), true);
        return;
    case State::Exchange:
    case State::Tunnel: {
        // Send timeout: a peer with queued bytes that made no progress.
        auto stalled = [&](TcpStream *s, qint64 &mark, qint64 &since) {
            if (!s)
                return false;
            if (s->bytesWritten() != mark || s->pendingBytes() == 0) {
                mark = s->bytesWritten();
                since = now;
                return false;
            }
            return now - since > loc->sendTimeoutMs;
        };
        if (stalled(upstream(), m_upstreamWrittenMark, m_upstreamWriteProgressMs)
            || stalled(m_client.get(), m_clientWrittenMark, m_clientWriteProgressMs)) {
            finish(CloseCause::SendTimeout);
            return;
        }
        if (m_state == State::Tunnel && loc->pingIntervalMs > 0) {
            if (const std::optional<CloseCause> cause = m_tunnel->keepalive(now, &m_closeDetail)) {
                qCInfo(lcProxy).noquote() << describe() << m_closeDetail;
                finish(*cause);
                return;
            }
            updateBackpressure();
        }
        // Read timeout: in the tunnel any traffic either way counts (nginx
        // re-arms its timer on every event); before the response, only upstream's.
        if (m_static.isSending())
            return; // no upstream to wait for; the send timeout above applies
        const qint64 last = m_state == State::Tunnel ? qMax(m_lastClientActivityMs, m_lastUpstreamActivityMs)
                                                     : m_lastUpstreamActivityMs;
        if (now - last > loc->readTimeoutMs) {
            if (m_state == State::Exchange && !m_responseStarted)
                upstreamFailed(NextUpstream::Timeout, 504, QStringLiteral("timed out"));
            else
                finish(CloseCause::ReadTimeout);
        }
        return;
    }
    case State::Closing:
        if (now - m_stateSinceMs > kLingerMs)
            finish(m_firstClose);
        return;
    case State::Finished:
        return;
    }
}
