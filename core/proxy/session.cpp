#include "session.h"

#include "accesslogfile.h"
#include "cookierewriter.h"

#include "inspect/eventbus.h"
#include "ops/logging.h"
#include "requestrouter.h"
#include "tls/tlscontext.h"
#include "websocket/handshakecheck.h"
#include "websockettunnel.h"
#include "worker.h"

#include <QDateTime>

namespace {
// proxy_buffer_size's default: one memory page.
constexpr qsizetype kProxyBufferSize = 4096;
}

Session::Session(Worker *worker, quint64 id, qintptr descriptor, RuntimeSnapshot runtime, int serverIndex,
                 quint16 listenPort)
    : m_worker(worker)
    , m_id(id)
    , m_runtime(std::move(runtime))
    , m_config(m_runtime->config())
    , m_server(m_config->defaultServer(serverIndex)) // serverIndex: the listen group (ProxyConfig::listenGroups)
    , m_listenGroup(serverIndex)
    , m_listenPort(listenPort)
    , m_client(this, descriptor)
{
    m_attempt.setKeepalive(&worker->upstreamKeepalive());
    // nginx sizes the head's buffers by the address's default server, and
    // the large ones after Host by the virtual server it names: looked up
    // only when a server of this address has other sizes.
    if (m_server) {
        const HeaderBufferSizes &base = m_server->settings.headerBuffers;
        m_client.setHeaderBuffers(base);
        m_client.setHeaderNames(m_server->settings.underscoresInHeaders, m_server->settings.ignoreInvalidHeaders);
        const ProxyConfig *config = m_config.get();
        const int group = m_listenGroup;
        if (config->listenGroups.at(group).largeBuffersDiffer) {
            m_client.setHostHeaderBuffers([config, group](QByteArrayView host) -> const HeaderBufferSizes * {
                const ServerConfig *s = config->selectServer(group, normalizedHostName(host));
                return s ? &s->settings.headerBuffers : nullptr;
            });
        }
    }
}

Session::~Session()
{
    // m_attempt hands a held server back (UpstreamAttempt::~UpstreamAttempt).
    cancelResolve();
}

void Session::start()
{
    m_client.accepted(m_id);
    m_lastClientActivityMs = setState(State::ReadingHead);
    qCDebug(lcProxy) << "conn" << m_id << "accepted from" << m_client.address().toString() << m_client.port();
    if (m_config->listenGroups.at(m_listenGroup).address.proxyProtocol) {
        m_awaitingProxyHeader = true; // readClient() reads it first (client_header_timeout applies)
        return;
    }
    startConnection();
}

void Session::startConnection()
{
    // On a TLS listener the connection counts as opened once the handshake is done.
    if (m_client.startTls(m_runtime.get(), m_listenGroup)) {
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
    emitEvent(m_client.openedEvent(m_listenPort, m_runtime->tlsContext(m_listenGroup) != nullptr));
}

void Session::streamTlsDone(TcpStream *stream)
{
    if (m_state == State::Finished)
        return;
    if (stream == m_client.stream()) {
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
    const ClientConnection::TlsOutcome outcome = m_client.tlsDone();
    if (outcome == ClientConnection::TlsOutcome::PlainHttp) {
        // Read the request, then answer 400 as nginx does.
        emitConnectionOpened();
        readClient();
        return;
    }
    if (outcome == ClientConnection::TlsOutcome::Failed) {
        m_closeDetail = QStringLiteral("TLS handshake failed: %1").arg(m_client->tlsError());
        emitConnectionOpened();
        finish(CloseCause::TlsError);
        return;
    }
    setState(State::ReadingHead); // client_header_timeout starts after the handshake
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
    if (stream == m_client.stream())
        readClient();
    else
        readUpstream();
}

void Session::readProxyHeader()
{
    QByteArray why;
    switch (m_client.readProxyHeader(m_worker->readBuffer(), &why)) {
    case ClientConnection::ProxyHeader::NeedMore:
        return;
    case ClientConnection::ProxyHeader::Failed:
        // ngx_proxy_protocol_read: logged, the connection closed without an answer.
        logLine(QtCriticalMsg) << why + " while reading PROXY protocol";
        finish(CloseCause::BadRequest);
        return;
    case ClientConnection::ProxyHeader::Done:
        m_awaitingProxyHeader = false;
        startConnection();
        if (m_state == State::ReadingHead && !m_client->isTls())
            readClient(); // bytes that came with the header
        return;
    }
}

void Session::readClient()
{
    if (m_awaitingProxyHeader) {
        readProxyHeader();
        return;
    }
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
            m_client.setEof();
            if (m_firstClose == CloseCause::None)
                m_firstClose = CloseCause::ClientClosed;
            switch (m_state) {
            case State::Tunnel:
                handleTunnelEof(true);
                return;
            case State::Closing:
                if (m_client.lingerDone())
                    finish(m_firstClose);
                return;
            case State::ReadingHead:
                // Nothing started (a keep-alive end), or a head cut short.
                finish(CloseCause::ClientClosed);
                return;
            case State::ReadingBody:
                // ngx_http_do_read_client_request_body: logged as 400, no answer.
                logLine(QtInfoMsg) << "client prematurely closed connection";
                m_response.status = 400;
                finish(CloseCause::ClientClosed);
                return;
            case State::Resolving:
            case State::Connecting:
            case State::Exchange:
                // ngx_http_upstream_check_broken_connection: a client gone
                // while the upstream works ends the request (499), unless
                // proxy_ignore_client_abort; an own answer is still sent.
                if (!m_relay.requestBody().isDone()
                    || (m_route.kind == Route::Kind::Proxy && m_location && !m_location->ignoreClientAbort)) {
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
        m_client.noteRead(buf, n);
        if (m_state == State::Tunnel) {
            tunnelForward(true, buf, n);
        } else if (m_state == State::Closing) {
            // Lingering close: discard what the client still sends.
        } else {
            m_client.in().append(buf, n);
            if (m_state != State::Connecting && m_state != State::Resolving)
                processClient();
            else if (m_client.in().size() >= m_config->maxBufferedPerDirection)
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
            m_attempt.setEof();
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
            m_attempt.in().append(buf, n);
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
        case State::ReadingHead:
            // The rest of a body the last answer left unread goes first.
            if (!m_relay.requestBody().isDone()) {
                if (!discardRequestBody()) {
                    finish(CloseCause::BadRequest);
                    return;
                }
                if (!m_relay.requestBody().isDone())
                    return;
            }
            switch (m_client.readHead()) {
            case ClientConnection::Head::NeedMore:
                return;
            case ClientConnection::Head::TlsOnPlain:
                // No HTTP answer (noise to a TLS client), a log line with the fix.
                m_closeDetail = QStringLiteral("a TLS client (ClientHello) connected to a plain-HTTP listener on port "
                                               "%1: add \"ssl\" to its listen directive, or use ws:// / http://")
                                    .arg(m_listenPort);
                qCWarning(lcAccess).noquote() << describe() << m_closeDetail;
                finish(CloseCause::BadRequest);
                return;
            case ClientConnection::Head::PlainHttpOnTls:
                // nginx: 497 internally, answered as 400 with this text.
                qCInfo(lcAccess).noquote() << describe() << "client sent plain HTTP request to HTTPS port";
                respondError(400, "The plain HTTP request was sent to HTTPS port", CloseCause::BadRequest);
                return;
            case ClientConnection::Head::Invalid: {
                const HttpHeadParser &parser = m_client.parser();
                qCInfo(lcAccess).noquote() << describe() << "bad request:" << parser.errorMessage();
                beginRefusedExchange();
                respondError(parser.errorStatus(), parser.errorMessage(), CloseCause::BadRequest);
                return;
            }
            case ClientConnection::Head::Complete:
                startExchange();
                continue;
            }
            return;
        case State::ReadingBody:
            readRequestBody();
            return;
        case State::Resolving:
        case State::Connecting:
            return; // body bytes wait in m_client.in() until the connect completes
        case State::Exchange:
            forwardRequestBody();
            return;
        case State::Closing:
            m_client.in().clear();
            return;
        case State::Tunnel:   // readClient() hands tunnel bytes to the taps
        case State::Finished:
            return;
        }
    }
}

void Session::beginExchange(HttpRequestHead request)
{
    m_request = std::move(request);
    m_exchangeTimer.start();
    m_requestStartMs = QDateTime::currentMSecsSinceEpoch();
    m_bytesWrittenAtStart = m_client->bytesWritten() + m_client->pendingBytes();
    m_responseHeadBytes = 0;
    m_responseStarted = false;
    m_upgradeRequested = m_request.headers.contains("Upgrade");
    m_keepAlive = m_client.wantsKeepAlive(m_request);
    m_relay.beginRequest(m_request);
    m_errorPage = {};
    m_sentHead = {};
}

bool Session::beginRefusedExchange()
{
    const HttpHeadParser &parser = m_client.parser();
    const HttpRequestHead &head = parser.request();
    if (!parser.requestLineParsed() || !m_server)
        return false;
    // A target nginx could not make a URI of (ngx_http_process_request_uri
    // failed): $uri is found empty, $request_uri and $args are not found.
    QByteArray path;
    const bool uriInvalid = !normalizeUriPath(splitTarget(head.target).path, &path, nullptr, m_server->settings.mergeSlashes);
    beginExchange(head);
    m_upgradeRequested = false;
    m_keepAlive = false; // nginx closes after a bad request
    Route route;
    route.server = m_server;
    route.context = m_client.requestContext(m_listenPort);
    route.context.connection = m_id;
    route.context.request = &m_request;
    route.context.serverName = m_server->serverName;
    route.context.uri = uriInvalid ? QByteArray("") : path;
    route.context.uriInvalid = uriInvalid;
    m_route = std::move(route);
    m_context = m_route.context;
    m_location = nullptr;
    return true;
}

void Session::startExchange()
{
    // ngx_http_process_request_headers logs each line it drops for its name.
    for (const QByteArray &line : m_client.parser().droppedHeaders())
        logLine(QtInfoMsg) << "client sent invalid header line: \"" + line + '"';
    beginExchange(m_client.takeRequest());
    RequestContext connection = m_client.requestContext(m_listenPort);
    connection.connection = m_id; // $connection everywhere (add_header, proxy_set_header), not only in the log
    connection.request = &m_request;
    Route route = routeRequest(*m_config, m_listenGroup, std::move(connection));
    // ngx_http_process_request: the virtual server's ssl_verify_client
    // refuses a missing or unverified client certificate (495, 496).
    if (m_client.isTls() && route.server && route.server->tls.verifyClient) {
        QByteArray reason;
        if (const int status = tlsClientRefusal(m_client.stream()->tlsHandle(), route.server->tls.verifyClient, &reason)) {
            qCInfo(lcAccess).noquote() << describe() << reason;
            route.kind = Route::Kind::Error;
            route.errorStatus = status;
            route.errorMessage = reason;
        }
    }
    // ngx_http_core_find_config_handler: a declared body over the location's
    // client_max_body_size is refused once the location is known.
    const LocationConfig *loc = route.location;
    if (loc && route.kind != Route::Kind::Error && loc->clientMaxBodySize > 0
        && m_request.headers.contains("Content-Length")
        && m_request.headers.value("Content-Length").toLongLong() > loc->clientMaxBodySize) {
        route.kind = Route::Kind::Error;
        route.errorStatus = 413;
        route.errorMessage = "client intended to send too large body";
    }
    dispatchRoute(std::move(route));
}

void Session::dispatchRoute(Route route)
{
    m_route = std::move(route);
    // What the exchange adds to (upstream states, status) lives in m_context;
    // the route keeps none (an error page's redirect starts from m_context).
    m_context = std::move(m_route.context);
    const RequestContext &ctx = m_context;
    m_server = m_route.server;
    m_location = m_route.location;
    logRouteNotes(m_route); // to the error_log of the location chosen
    m_route.notes.clear();
    if (m_keepAlive && m_server)
        m_keepAlive = m_client.keepAliveAllowed(m_request, responseSettings());
    // ngx_http_test_expect: reading or discarding the body answers
    // "Expect: 100-continue" first (once; not for a body refused as too large).
    if (m_relay.expectsContinue() && !(m_route.kind == Route::Kind::Error && m_route.errorStatus == 413)) {
        m_client->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
        m_relay.continueSent();
    }
    if (m_route.kind != Route::Kind::Proxy && !discardRequestBody()) {
        // ngx_http_discard_request_body's NGX_HTTP_BAD_REQUEST
        logLine(QtInfoMsg) << "client sent invalid chunked body";
        respondError(400, "client sent invalid chunked body", CloseCause::BadRequest);
        return;
    }
    switch (m_route.kind) {
    case Route::Kind::Error:
        respondError(m_route.errorStatus, m_route.errorMessage, CloseCause::BadRequest);
        return;
    case Route::Kind::Return:
        respondReturn(m_route);
        return;
    case Route::Kind::Static:
        serveStaticFile(ctx.uri);
        return;
    case Route::Kind::Proxy:
        break;
    }
    // proxy_request_buffering on: the body is read whole first (a body an
    // error_page redirect kept is read already). Off, it streams, unless
    // HTTP/1.0 cannot carry it chunked or it is not passed at all
    // (ngx_http_proxy_handler's request_body_no_buffering rule), or it came
    // whole with the head (ngx_http_read_client_request_body's "the whole
    // body was pre-read": then it is a buffered one).
    const bool streams = !m_location->requestBuffering && m_location->sendsClientBody()
        && (!m_relay.requestChunked() || m_location->proxyHttpVersionMinor == 1) && !wholeBodyAtHand();
    if (!streams && !m_relay.requestBody().isDone()) {
        m_body.begin(RequestBody::Settings{
            .bufferSize = m_location->clientBodyBufferSize,
            .fileOnly = m_location->clientBodyInFileOnly != LocationSettings::BodyInFile::Off,
            .keepFile = m_location->clientBodyInFileOnly == LocationSettings::BodyInFile::On,
            .tempPath = m_location->clientBodyTempPath,
            .levels = m_location->clientBodyTempLevels,
        });
        m_lastClientActivityMs = setState(State::ReadingBody);
        readRequestBody();
        return;
    }
    proxyRequest();
}

void Session::readRequestBody()
{
    if (!m_body.take(m_relay.requestFramer(), m_client.in())) {
        if (m_relay.requestBody().hasError()) {
            logLine(QtInfoMsg) << "client sent invalid chunked body";
            respondError(400, "client sent invalid chunked body", CloseCause::BadRequest);
        } else {
            logLine(QtCriticalMsg) << m_body.errorString();
            respondError(500, m_body.errorString().toUtf8(), CloseCause::UpstreamFailure);
        }
        return;
    }
    // A chunked body is measured as it arrives (ngx_http_request_body_chunked_filter).
    if (m_location->clientMaxBodySize > 0 && m_body.size() > m_location->clientMaxBodySize) {
        logLine(QtCriticalMsg) << "client intended to send too large chunked body:" << m_body.size() << "bytes";
        respondError(413, "client intended to send too large chunked body", CloseCause::BadRequest);
        return;
    }
    if (!m_relay.requestBody().isDone())
        return updateBackpressure();
    if (m_body.inFile() && m_location->clientBodyInFileOnly == LocationSettings::BodyInFile::Off)
        logLine(QtWarningMsg) << "a client request body is buffered to a temporary file" << m_body.fileName();
    proxyRequest();
}

void Session::proxyRequest()
{
    const bool buffered = m_body.isActive();
    if (buffered) {
        // $request_body, $request_body_file (also after an error_page redirect)
        m_context.requestBody = m_body.memory();
        m_context.requestBodyFile = m_body.fileName();
    }
    const RequestContext &ctx = m_context;
    HttpRequestHead upstreamHead = rewriteRequestForUpstream(m_request, ctx, m_location->headers, m_route.upstreamTarget,
                                                             !buffered && m_relay.requestChunked(),
                                                             m_location->passRequestHeaders);
    // A chunked body read whole goes with its length (nginx's $proxy_internal_body_length).
    if (buffered && m_relay.requestChunked() && !upstreamHead.headers.contains("Content-Length"))
        upstreamHead.headers.append("Content-Length", QByteArray::number(m_body.size()));
    upstreamHead.versionMinor = m_location->proxyHttpVersionMinor; // proxy_http_version
    // ngx_http_proxy_create_request: the method as given (even empty, as nginx sends it).
    if (m_location->proxyMethod)
        upstreamHead.method = m_location->proxyMethod->expand(ctx);
    QByteArray setBody;
    if (m_location->setBody) {
        // ngx_http_proxy_create_request: the body from the script, its length
        // as $proxy_internal_body_length (a proxy_set_header of its own wins).
        setBody = m_location->setBody->expandBody(ctx);
        upstreamHead.headers.remove("Transfer-Encoding");
        const bool ownLength = std::any_of(m_location->headers.cbegin(), m_location->headers.cend(),
                                           [](const HeaderRule &r) { return headerNameEquals(r.name, "Content-Length"); });
        if (!ownLength)
            upstreamHead.headers.set("Content-Length", QByteArray::number(setBody.size()));
    }
    m_upstreamHead = upstreamHead.serialize() + setBody;
    if (m_upgradeRequested)
        m_forwardedRequest = upstreamHead;
    if (inspecting()) {
        emitEvent(RequestHeadEvent{m_request, false});
        emitEvent(RequestHeadEvent{std::move(upstreamHead), true});
    }
    startUpstream(m_route);
}

bool Session::wholeBodyAtHand() const
{
    HttpBodyFramer probe = m_relay.requestBody();
    const QByteArray &in = m_client.in();
    if (!probe.isDone() && !in.isEmpty())
        probe.consume(in.constData(), in.size());
    return probe.isDone();
}

bool Session::discardRequestBody()
{
    HttpBodyFramer &framer = m_relay.requestFramer();
    QByteArray &in = m_client.in();
    if (!framer.isDone() && !in.isEmpty())
        in.remove(0, framer.consume(in.constData(), in.size()));
    return !framer.hasError();
}

void Session::forwardRequestBody(QByteArrayView head)
{
    if (!upstream()) {
        // A static file being sent: the body is nobody's.
        if (!discardRequestBody())
            m_keepAlive = false;
        return;
    }
    if (m_body.isActive()) {
        if (!head.isEmpty())
            m_body.rewind(); // a retry sends it all again
        if (!m_location->sendsClientBody()) {
            upstream()->write(head.data(), head.size());
        } else if (!m_body.pump(*upstream(), head)) {
            logLine(QtCriticalMsg) << m_body.errorString();
            respondError(500, m_body.errorString().toUtf8(), CloseCause::UpstreamFailure);
            return;
        }
        return updateBackpressure();
    }
    if (m_state != State::Exchange || m_client.in().isEmpty() || m_relay.requestBody().isDone()) {
        if (!head.isEmpty())
            upstream()->write(head.data(), head.size());
        return updateBackpressure();
    }
    if (!m_relay.forwardRequestBody(m_client.in(), *upstream(), m_location->passRequestBody, head)) {
        if (!m_responseStarted)
            respondError(400, "invalid chunked request body", CloseCause::BadRequest);
        else
            finish(CloseCause::BadRequest);
        return;
    }
    // A chunked body is measured as it arrives (ngx_http_request_body_chunked_filter).
    if (m_location->clientMaxBodySize > 0 && m_relay.requestBody().bodyBytes() > m_location->clientMaxBodySize) {
        respondError(413, "client intended to send too large chunked body", CloseCause::BadRequest);
        return;
    }
    updateBackpressure();
}

// ---------------------------------------------------------------- upstream side

void Session::processUpstream()
{
    if (m_state != State::Exchange)
        return;
    if (!m_attempt.hasResponseHead()) {
        switch (m_attempt.readResponseHead()) {
        case UpstreamAttempt::ResponseHead::Complete:
            handleResponseHead();
            return;
        case UpstreamAttempt::ResponseHead::Invalid:
            upstreamFailed(NextUpstream::InvalidHeader, 502,
                           QStringLiteral("invalid response: ") + QString::fromUtf8(m_attempt.responseError()));
            return;
        case UpstreamAttempt::ResponseHead::NeedMore:
            if (m_attempt.eof())
                upstreamFailed(NextUpstream::Error, 502,
                               QStringLiteral("closed the connection before sending a response"));
            return;
        }
        return;
    }
    // Response body.
    if (!m_attempt.in().isEmpty() && !m_relay.relayResponseBody(m_attempt.in(), *m_client.stream())) {
        logLine(QtWarningMsg) << "upstream sent an invalid chunked body";
        finish(CloseCause::UpstreamError);
        return;
    }
    if (m_relay.responseDone(m_attempt.eof())) {
        m_relay.releaseHeldBody(*m_client.stream());
        finishExchange();
        return;
    }
    if (m_attempt.eof()) {
        // Truncated body: the client can only learn it from the close.
        logLine(QtWarningMsg) << "upstream" << m_upstreamName
                                      << "closed the connection in the middle of the response body";
        m_keepAlive = false;
        beginClosing(CloseCause::UpstreamClosed);
        return;
    }
    updateBackpressure();
}

void Session::handleResponseHead()
{
    m_response = m_attempt.takeResponse();
    const int status = m_response.status;
    if (!m_context.upstreamStates.isEmpty()) {
        UpstreamState &state = m_context.upstreamStates.last();
        state.status = status;
        state.headerMs = m_upstreamTimer.elapsed();
        state.bytesReceived = upstream()->bytesRead() - m_upstreamReadAtStart; // so far, as nginx counts it
    }
    m_context.upstreamResponse = &m_response;
    // proxy_next_upstream http_5xx/403/404/429: another server, when one
    // may still be tried (ngx_http_upstream_test_next wants tries > 1);
    // otherwise this response goes to the client.
    const quint32 condition = UpstreamAttempt::conditionForStatus(status);
    if (condition && m_attempt.hasTriesLeft(1) && mayTryNext(condition)) {
        upstreamFailed(condition, status, QStringLiteral("answered %1").arg(status));
        return;
    }
    // proxy_intercept_errors: an answer >= 300 that an error_page names is replaced.
    if (status >= 300 && interceptUpstreamError(status))
        return;
    if (status == 101 && m_upgradeRequested) {
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
    // ngx_http_upstream_process_limit_rate: the upstream sets the rate (a number, bytes per second).
    if (const QByteArray rate = m_response.headers.value("X-Accel-Limit-Rate");
        !rate.isEmpty() && !(m_location->ignoreHeaders & LocationSettings::IgnoreXAccelLimitRate)) {
        bool ok = false;
        const qint64 n = rate.toLongLong(&ok);
        if (ok && n >= 0 && rate.front() >= '0' && rate.front() <= '9') {
            m_context.limitRate = n;
            m_context.limitRateSet = true;
        }
    }
    m_upstreamHead.clear();
    if (m_relay.endsConnection())
        m_keepAlive = false;
    if (status == 101) {
        // ngx_http_proxy_process_header upgrades only when the request asked
        // to: otherwise the 101 is an ordinary response, its body buffered.
        logLine(QtWarningMsg) << "upstream" << m_upstreamName
                              << "switched protocols without an Upgrade request: relayed as a plain response";
        m_keepAlive = false;
        m_relay.holdResponseBody(kProxyBufferSize);
    }

    if (inspecting()) {
        emitEvent(ResponseHeadEvent{m_response, true});
        // An upgrade the upstream refused (426 with its versions, 400, 403...).
        if (m_upgradeRequested)
            reportHandshakeFindings(WsHandshakeCheck::check(m_forwardedRequest, m_response));
    }
    HttpResponseHead out = rewriteResponseForClient(m_response, m_keepAlive, m_relay.relaysChunked());
    hideUpstreamHeaders(out);
    // Location/Refresh back to the client's view; ngx_http_upstream_rewrite_location
    // hands only a rewritten Location to the header filter's absolute redirect.
    if (applyProxyRedirect(*m_location, out.headers, m_context))
        m_client.makeRedirectAbsolute(out.headers, m_request, responseSettings(), m_server->serverName, m_listenPort);
    rewriteSetCookies(m_location->cookieRewrites, out.headers, m_context);
    if (m_relay.decodesChunked())
        out.headers.remove("Content-Length");
    applyErrorStatus(out);
    addKeepAliveHeader(out);
    filterHead(out);
    const QByteArray head = out.serialize();
    m_responseHeadBytes = head.size();
    startSendRate(true);
    m_client->write(head);
    m_responseStarted = true;
    m_sentHead = std::move(out);
    processUpstream();
}

void Session::finishExchange()
{
    endUpstreamState(m_response.status);
    logExchange();
    writeAccessLog();
    m_client.requestServed();
    // A static answer has no upstream; a proxied one may leave its connection
    // to the keep-alive cache (upstream `keepalive`).
    m_attempt.finish(m_relay.upstreamKeepsAlive(m_response)
                     && (!m_body.isActive() || m_body.allSent() || (m_location && !m_location->sendsClientBody())));
    m_upstreamHead.clear();
    m_body.clear();
    if (!m_keepAlive || m_client.eof() || m_client.draining()) {
        beginClosing(CloseCause::Completed);
        return;
    }
    setState(State::ReadingHead);
    m_request = {};
    m_response = {};
    m_context = {};
    m_accessLogged = false;
    m_client.awaitNextRequest(responseSettings().keepaliveTimeoutMs);
    processClient(); // a pipelined request may be waiting
}

// ---------------------------------------------------------------- tunnel

void Session::startTunnel()
{
    HttpResponseHead out = rewriteResponseForClient(m_response, false, false);
    hideUpstreamHeaders(out);
    filterHead(out); // nginx runs its header filters on the 101 too: only `add_header ... always` applies
    const QByteArray head = out.serialize();
    m_responseHeadBytes = head.size(); // $body_bytes_sent: the tunnel's bytes after it
    m_client->setSendRate(0, 0, 0); // an upgraded connection is not paced (nor in nginx)
    m_client->write(head);
    m_responseStarted = true;
    m_lastClientActivityMs = m_lastUpstreamActivityMs = setState(State::Tunnel);
    m_clientWrites.restart(*m_client.stream(), m_stateSinceMs);
    m_upstreamWrites.restart(*upstream(), m_stateSinceMs);
    qCDebug(lcProxy).noquote() << describe() << "tunnel established to" << m_upstreamName;

    m_tunnel = std::make_unique<WebSocketTunnel>(m_client.stream(), upstream(), *m_location, m_worker,
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
    if (QByteArray &fromUpstream = m_attempt.in(); !fromUpstream.isEmpty()) {
        m_tunnel->fromUpstream(fromUpstream.constData(), fromUpstream.size());
        fromUpstream.clear();
        fromUpstream.squeeze();
    }
    QByteArray &early = m_client.in();
    if (!early.isEmpty()) {
        m_tunnel->fromClient(early.constData(), early.size());
        early.clear();
    }
    early.squeeze();
    if (m_client.eof())
        handleTunnelEof(true);
    if (m_attempt.eof() && m_state != State::Finished)
        handleTunnelEof(false);
    if (m_state != State::Finished)
        updateBackpressure();
}

void Session::tunnelForward(bool fromClient, const char *data, qsizetype size)
{
    TcpStream *to = fromClient ? upstream() : m_client.stream();
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
    if (m_tunnel->passEof(fromClient, m_client.eof(), m_attempt.eof()))
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

void Session::reportHandshakeFindings(const WsHandshakeReport &report)
{
    for (FindingEvent &e : handshakeFindingEvents(report)) {
        // Problems reach the log even when nobody inspects.
        if (e.severity != FindingEvent::Severity::Info)
            logLine(QtInfoMsg) << "handshake:" << e.text;
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
        const bool clientMayRead = !m_client.eof() && upstream()->pendingBytes() < cap && m_client.in().size() < cap;
        if (m_client->isReadEnabled() != clientMayRead)
            m_client->setReadEnabled(clientMayRead);
        // Upstream -> client direction.
        const bool upstreamMayRead = !m_attempt.eof() && m_client->pendingBytes() < cap;
        if (upstream()->isReadEnabled() != upstreamMayRead)
            upstream()->setReadEnabled(upstreamMayRead);
    }
}

void Session::streamDrained(TcpStream *stream)
{
    if (m_state == State::Finished)
        return;
    if (checkStreamFailures())
        return;
    if (m_state == State::Closing) {
        // The response is out; a client that already left ends it now,
        // otherwise the lingering read decides.
        if (m_client.lingerDone())
            finish(m_firstClose);
        return;
    }
    if (m_static.isSending() && m_state == State::Exchange) {
        pumpStaticFile();
        return;
    }
    if (m_state == State::Exchange && stream == upstream() && m_body.isActive() && !m_body.allSent()
        && m_location->sendsClientBody()) {
        forwardRequestBody(); // a body from its file, as the upstream takes it
        return;
    }
    if (m_state == State::Tunnel && m_tunnel->isOver(m_client.eof(), m_attempt.eof())) {
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

void Session::beginClosing(CloseCause cause)
{
    m_attempt.release(UpstreamGroup::Outcome::Ok);
    if (m_firstClose == CloseCause::None || cause != CloseCause::Completed)
        m_firstClose = cause;
    writeAccessLog();
    setState(State::Closing);
    if (m_client.beginLingeringClose())
        finish(m_firstClose);
}

void Session::beginDrain()
{
    m_client.drain();
    m_keepAlive = false;
    if (m_state == State::ReadingHead && m_client.isIdle())
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
    endUpstreamState(0);
    // nginx logs a request its client abandoned before any response as 499.
    if ((cause == CloseCause::ClientClosed || cause == CloseCause::ClientError) && !m_responseStarted
        && m_response.status == 0 && (was == State::Exchange || was == State::Connecting || was == State::Resolving))
        m_response.status = 499;
    writeAccessLog();
    if (was == State::Tunnel)
        m_client.log().tunnel(m_request, m_upstreamName, m_exchangeTimer.elapsed(), upstream()->bytesWritten(),
                     m_client->bytesWritten(), cause);
    else if (was == State::Exchange || was == State::Connecting || was == State::Resolving)
        m_client.log().aborted(m_request, cause);
    cancelResolve();
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
    m_client.log().exchange(m_request, m_response.status, m_upstreamName, m_relay.responseBody().bodyBytes(),
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

// ngx_http_log_handler: one line per request and access_log, when it ends
// (a tunnel when it closes), in the format and on the condition given.
void Session::writeAccessLog()
{
    if (m_accessLogged || (m_request.method.isEmpty() && m_response.status == 0) || (!m_location && !m_server))
        return;
    m_accessLogged = true;
    const QList<AccessLogTarget> &targets = responseSettings().accessLogs;
    if (targets.isEmpty())
        return;
    RequestContext &ctx = m_context;
    if (!ctx.request && !m_request.method.isEmpty())
        ctx.request = &m_request;
    ctx.status = m_response.status;
    // $sent_http_*: what the client got (an own answer's head is m_response).
    ctx.response = m_sentHead.status != 0 ? &m_sentHead : &m_response;
    // nginx: $body_bytes_sent is what went out after the head (a tunnel's frames included).
    ctx.bytesSent = m_client->bytesWritten() + m_client->pendingBytes() - m_bytesWrittenAtStart;
    ctx.bodyBytesSent = qMax<qint64>(0, ctx.bytesSent - m_responseHeadBytes);
    ctx.requestLength = m_client.lastHeadBytes() + m_relay.requestBody().bodyBytes();
    ctx.pipelined = m_client.pipelined();
    ctx.startMs = m_requestStartMs;
    ctx.connection = m_id;
    ctx.connectionRequests = m_client.requestsServed() + 1;
    for (const AccessLogTarget &t : targets) {
        if (t.condition) {
            const QByteArray v = t.condition->expand(ctx);
            if (v.isEmpty() || v == "0")
                continue;
        }
        m_runtime->accessLog(t.file).write(t.format->line.expandLog(ctx, t.format->escape) + '\n');
    }
}

// ---------------------------------------------------------------- timers

void Session::checkTimeouts(qint64 now)
{
    const LocationConfig *loc = m_location;
    switch (m_state) {
    case State::ReadingHead:
        if (const std::optional<CloseCause> cause = m_client.headTimeout(now - m_stateSinceMs, *m_config))
            finish(*cause);
        return;
    case State::ReadingBody:
        // client_body_timeout: between two reads; nginx ends the request
        // without an answer (ngx_http_terminate_request) and logs 408.
        if (now - m_lastClientActivityMs > loc->clientBodyTimeoutMs) {
            logLine(QtInfoMsg) << "client timed out while reading the request body";
            m_response.status = 408;
            finish(CloseCause::ReadTimeout);
        }
        return;
    case State::Resolving:
        return; // resolver_timeout is the DNS client's (DnsClient::tick)
    case State::Connecting:
        if (now - m_stateSinceMs > loc->connectTimeoutMs)
            handleConnectFailure(QStringLiteral("connect timed out"), true);
        return;
    case State::Exchange:
    case State::Tunnel: {
        // A peer with queued bytes that made no progress: proxy_send_timeout
        // toward upstream, send_timeout toward the client (as nginx).
        if ((upstream() && m_upstreamWrites.stalled(*upstream(), now, loc->sendTimeoutMs))
            || m_clientWrites.stalled(*m_client.stream(), now, loc->clientSendTimeoutMs)) {
            finish(CloseCause::SendTimeout);
            return;
        }
        if (m_state == State::Tunnel && loc->pingIntervalMs > 0) {
            if (const std::optional<CloseCause> cause = m_tunnel->keepalive(now, &m_closeDetail)) {
                logLine(QtInfoMsg) << m_closeDetail;
                finish(*cause);
                return;
            }
            updateBackpressure();
        }
        // Read timeout: in the tunnel any traffic either way counts (nginx
        // re-arms its timer on every event); before the response, only upstream's.
        if (m_static.isSending())
            return; // no upstream to wait for; the send timeout above applies
        if (m_state == State::Exchange && m_body.isActive() && upstream()
            && ((!m_body.allSent() && loc->sendsClientBody()) || upstream()->pendingBytes() > 0)) {
            // ngx_http_upstream_send_request: proxy_read_timeout runs from
            // the request's last byte out (a long upload is the send timeout's).
            m_lastUpstreamActivityMs = now;
            return;
        }
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
        // The response still going out (a slow client, limit_rate): the
        // send timeout applies, and the linger counts from its last byte.
        if (m_client->pendingBytes() > 0) {
            if (m_clientWrites.stalled(*m_client.stream(), now, responseSettings().clientSendTimeoutMs))
                finish(CloseCause::SendTimeout);
            m_stateSinceMs = now;
            return;
        }
        if (now - m_stateSinceMs > ClientConnection::LingerMs)
            finish(m_firstClose);
        return;
    case State::Finished:
        return;
    }
}
