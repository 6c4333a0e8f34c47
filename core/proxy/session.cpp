#include "session.h"

#include "http/staticfile.h"
#include "requestrouter.h"
#include "inspect/eventbus.h"
#include "ops/logging.h"
#include "tunneltap.h"
#include "websocket/framewriter.h"
#include "websocket/handshakecheck.h"
#include "worker.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QTimeZone>

#include <cerrno>
#include <charconv>

namespace {

constexpr qint64 kLingerMs = 5'000;

void appendNumber(QString &s, qint64 v)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    s.append(QLatin1StringView(buf, qsizetype(r.ptr - buf)));
}

// QHostAddress::toString() costs ~4k instructions; a dotted quad is cheap.
QByteArray addressText(const QHostAddress &address)
{
    if (address.protocol() != QAbstractSocket::IPv4Protocol)
        return address.toString().toLatin1();
    const quint32 ip = address.toIPv4Address();
    char buf[24];
    char *p = buf;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const unsigned octet = (ip >> shift) & 0xff;
        if (octet >= 100)
            *p++ = char('0' + octet / 100);
        if (octet >= 10)
            *p++ = char('0' + octet / 10 % 10);
        *p++ = char('0' + octet % 10);
        if (shift)
            *p++ = '.';
    }
    return QByteArray(buf, qsizetype(p - buf));
}

QByteArray errorBody(int status, const QByteArray &message)
{
    return QByteArray::number(status) + ' ' + httpReasonPhrase(status) + "\nwsscope: " + message + '\n';
}

} // namespace

const char *closeCauseName(CloseCause cause)
{
    switch (cause) {
    case CloseCause::None: return "none";
    case CloseCause::ClientClosed: return "client closed";
    case CloseCause::UpstreamClosed: return "upstream closed";
    case CloseCause::ClientError: return "client error";
    case CloseCause::UpstreamError: return "upstream error";
    case CloseCause::ReadTimeout: return "read timeout";
    case CloseCause::SendTimeout: return "send timeout";
    case CloseCause::HeaderTimeout: return "client header timeout";
    case CloseCause::KeepaliveTimeout: return "keep-alive timeout";
    case CloseCause::BadRequest: return "bad request";
    case CloseCause::UpstreamFailure: return "upstream failure";
    case CloseCause::Drain: return "shutdown drain";
    case CloseCause::PingTimeout: return "ping timeout";
    case CloseCause::ProtocolError: return "protocol error";
    case CloseCause::Injected: return "closed from the inspector";
    case CloseCause::Completed: return "completed";
    case CloseCause::TlsError: return "tls error";
    }
    return "unknown";
}

Session::Session(Worker *worker, quint64 id, qintptr descriptor, ConfigSnapshot config, int serverIndex,
                 quint16 listenPort)
    : m_worker(worker)
    , m_id(id)
    , m_config(std::move(config))
    , m_server(m_config->defaultServer(serverIndex)) // serverIndex: the listen group (ProxyConfig::listenGroups)
    , m_listenGroup(serverIndex)
    , m_listenPort(listenPort)
    , m_client(std::make_unique<TcpStream>(this, descriptor))
{
}

Session::~Session()
{
    // A worker that stops without finishing its sessions still hands the
    // servers back, so the live-connection figures stay right.
    if (m_group && m_selection.current >= 0)
        m_group->release(m_selection, UpstreamGroup::Outcome::Ok, UpstreamGroup::clockMs());
}

void Session::start()
{
    m_clientAddress = m_client->peerAddress(&m_clientPort);
    m_clientAddressText = addressText(m_clientAddress);
    m_stateSinceMs = m_lastClientActivityMs = m_worker->nowMs();
    qCDebug(lcProxy) << "conn" << m_id << "accepted from" << m_clientAddress.toString() << m_clientPort;
    if (const TlsServerContext *tls = m_config->tlsContext(m_listenGroup)) {
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
    e.tls = m_config->tlsContext(m_listenGroup) != nullptr;
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
    return server && server->tls ? server->tls->handle() : nullptr;
}

void Session::streamTlsDone(TcpStream *stream)
{
    if (m_state == State::Finished)
        return;
    if (stream == m_client.get()) {
        clientTlsDone();
        return;
    }
    if (stream != m_upstream.get() || m_state != State::Connecting)
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
    m_stateSinceMs = m_worker->nowMs(); // client_header_timeout starts after the handshake
    if (lcProxy().isDebugEnabled()) {
        const TlsSessionInfo info = tlsSessionInfo(m_client->tlsHandle());
        qCDebug(lcProxy).noquote() << describe() << "TLS" << info.protocol << info.cipher << "SNI"
                                   << (info.serverName.isEmpty() ? QStringLiteral("-") : info.serverName) << "ALPN"
                                   << (info.alpn.isEmpty() ? QStringLiteral("-") : info.alpn)
                                   << (info.resumed ? "resumed" : "");
    }
    emitConnectionOpened();
}

bool Session::inspecting() const
{
    return m_worker->events().isActive() && (!m_location || m_location->inspect);
}

void Session::emitEvent(InspectPayload payload)
{
    m_worker->addEvent(m_id, std::move(payload));
}

QString Session::describe() const
{
    QString s;
    s.reserve(48);
    appendDescribe(s);
    s.chop(1);
    return s;
}

void Session::appendDescribe(QString &line) const
{
    line.append(QLatin1StringView("conn "));
    appendNumber(line, qint64(m_id));
    line.append(u' ');
    line.append(QLatin1StringView(m_clientAddressText));
    line.append(u':');
    appendNumber(line, m_clientPort);
    line.append(u' ');
}

void Session::appendRequestPrefix(QString &line) const
{
    // conn N addr:port "GET /x"
    appendDescribe(line);
    line.append(u'"');
    line.append(QString::fromUtf8(m_request.method));
    line.append(u' ');
    line.append(QString::fromUtf8(m_request.target));
    line.append(u'"');
}

void Session::emitLine(QtMsgType type, const QLoggingCategory &category, const QString &line)
{
    const QMessageLogContext context(nullptr, 0, nullptr, category.categoryName());
    qt_message_output(type, context, line);
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
            finish(m_state == State::Tunnel && m_toUpstream && m_toUpstream->closeInfo().has_value()
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
                handleTunnelEof(m_client.get());
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
                if (!m_requestBody.isDone()) {
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
            tunnelForward(m_client.get(), m_upstream.get(), buf, n);
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
    if (m_state != State::Finished && (m_client->failed() || (m_upstream && m_upstream->failed())))
        checkStreamFailures();
}

void Session::readUpstream()
{
    char *buf = m_worker->readBuffer();
    const qsizetype cap = m_worker->readBufferSize();
    // A retry (proxy_next_upstream) may have replaced the stream: stop then.
    for (int round = 0; round < 4 && m_state != State::Finished && m_state != State::Connecting && m_upstream;
         ++round) {
        if (!m_upstream->isReadEnabled())
            return;
        const qsizetype n = m_upstream->read(buf, cap);
        if (n == TcpStream::WouldBlock)
            break;
        if (n == TcpStream::Failed) {
            const QString err = m_upstream->errorString();
            if (m_state == State::Exchange && !m_responseStarted) {
                upstreamFailed(NextUpstream::Error, 502, err);
            } else {
                finish(m_state == State::Tunnel && m_toClient && m_toClient->closeInfo().has_value()
                           ? CloseCause::UpstreamClosed
                           : CloseCause::UpstreamError);
            }
            return;
        }
        m_lastUpstreamActivityMs = m_worker->nowMs();
        if (n == 0) {
            m_upstreamEof = true;
            m_upstream->setReadEnabled(false);
            if (m_firstClose == CloseCause::None)
                m_firstClose = CloseCause::UpstreamClosed;
            if (m_state == State::Tunnel) {
                handleTunnelEof(m_upstream.get());
                return;
            }
            processUpstream();
            return;
        }
        if (m_state == State::Tunnel) {
            tunnelForward(m_upstream.get(), m_client.get(), buf, n);
        } else {
            m_upstreamIn.append(buf, n);
            processUpstream();
        }
        if (n < cap)
            break;
    }
    if (m_state != State::Finished && (m_client->failed() || (m_upstream && m_upstream->failed())))
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
        case State::Tunnel:
            if (!m_clientIn.isEmpty()) {
                m_upstream->write(m_clientIn);
                m_clientIn.clear();
            }
            return;
        case State::Closing:
            m_clientIn.clear();
            return;
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
    m_attempts = 0;
    m_attemptErrors.clear();
    m_upgradeRequested = m_request.headers.contains("Upgrade");
    m_keepAlive = m_request.isHttp11() ? !m_request.headers.hasToken("Connection", "close")
                                       : m_request.headers.hasToken("Connection", "keep-alive");
    if (m_draining || m_clientEof)
        m_keepAlive = false;

    if (m_request.headers.hasToken("Transfer-Encoding", "chunked"))
        m_requestBody.reset(HttpBodyFramer::Mode::Chunked);
    else if (m_request.headers.contains("Content-Length"))
        m_requestBody.reset(HttpBodyFramer::Mode::Length, m_request.headers.value("Content-Length").toLongLong());
    else
        m_requestBody.reset(HttpBodyFramer::Mode::None);
    m_expectContinue = !m_requestBody.isDone() && m_request.headers.hasToken("Expect", "100-continue");

    RequestContext connection;
    connection.request = &m_request;
    connection.remoteAddress = m_clientAddress;
    connection.remoteAddressText = m_clientAddressText;
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
        m_client->write(returnResponse(ret, ctx));
        m_responseStarted = true;
        m_keepAlive = false;
        m_response.status = ret.code;
        qCInfo(lcAccess).noquote() << describe() << '"' + m_request.method + ' ' + m_request.target + '"' << ret.code
                                   << "return";
        beginClosing(CloseCause::Completed);
        return;
    }
    case Route::Kind::Static: {
        const QString baseDir = m_config->sourceFile.isEmpty() ? QDir::currentPath()
                                                               : QFileInfo(m_config->sourceFile).absolutePath();
        serveStaticFile(resolveStaticFile(*m_location, baseDir, m_request.method, ctx.uri));
        return;
    }
    case Route::Kind::Proxy:
        break;
    }
    m_upstreamTlsName = route.tlsName;
    HttpRequestHead upstreamHead = rewriteRequestForUpstream(m_request, ctx, m_location->headers, route.upstreamTarget,
                                                             m_requestBody.mode() == HttpBodyFramer::Mode::Chunked);
    upstreamHead.versionMinor = m_location->proxyHttpVersionMinor; // proxy_http_version
    m_upstreamHead = upstreamHead.serialize();
    if (m_upgradeRequested)
        m_forwardedRequest = upstreamHead;
    if (inspecting()) {
        emitEvent(RequestHeadEvent{m_request, false});
        emitEvent(RequestHeadEvent{std::move(upstreamHead), true});
    }

    if (m_expectContinue) {
        // nginx answers 100-continue itself before reading the body.
        m_client->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
    }
    // The balancer's per-request state: the key (ip_hash: the client's
    // address, hash: KEY evaluated now) and proxy_next_upstream_tries.
    m_group = m_location->proxyPass.group;
    m_selection = m_group->startSelection(m_clientAddress, m_group->hashKeyFor(ctx), m_location->nextUpstreamTries,
                                          UpstreamGroup::clockMs());
    connectNextUpstream();
}

void Session::connectNextUpstream()
{
    UpstreamGroup &group = *m_group;
    const UpstreamPick pick = group.pick(m_selection, UpstreamGroup::clockMs());
    ++m_attempts;
    if (inspecting()) {
        RouteEvent e;
        e.serverName = QString::fromUtf8(m_server->serverName);
        e.location = QString::fromUtf8(m_location->prefix);
        e.upstreamGroup = QString::fromUtf8(group.name());
        e.upstreamServer = pick.index >= 0 ? group.displayName(pick.index) : QString();
        e.algorithm = group.balancing().algorithmName();
        if (pick.fellBack)
            e.algorithm += QStringLiteral(" (fell back to round-robin)");
        e.key = m_selection.keyText;
        e.attempt = m_attempts;
        for (const QString &failed : std::as_const(m_attemptErrors))
            e.skipped.append(failed);
        e.skipped += pick.skipped;
        emitEvent(std::move(e));
    }
    if (pick.index < 0) {
        // nginx: "no live upstreams" (NGX_HTTP_UPSTREAM_FT_NOLIVE) ends the request with 502 at once.
        QByteArray why;
        if (!m_attemptErrors.isEmpty())
            why += "; tried " + m_attemptErrors.join(QStringLiteral("; ")).toUtf8();
        if (!pick.skipped.isEmpty())
            why += "; skipped " + pick.skipped.join(QStringLiteral(", ")).toUtf8();
        qCWarning(lcProxy).noquote() << describe() << "no live upstreams in" << group.name();
        respondError(502, "no live upstreams in " + group.name() + why, CloseCause::UpstreamFailure);
        return;
    }
    m_upstreamIndex = pick.index;
    const UpstreamServer &server = group.servers().at(m_upstreamIndex);
    m_upstreamName = group.displayName(m_upstreamIndex);
    // A retry starts from a clean upstream side.
    m_upstreamIn.clear();
    m_upstreamEof = false;
    m_requestSent = false;
    if (m_firstClose == CloseCause::UpstreamClosed)
        m_firstClose = CloseCause::None;
    m_upstream = std::make_unique<TcpStream>(this);
    m_state = State::Connecting;
    m_stateSinceMs = m_worker->nowMs();
    // Client reads stay on while we connect (pausing and resuming cost two
    // epoll_ctl per connection): body bytes wait in m_clientIn, and reading
    // pauses only if they reach the per-direction cap (readClient()).
    qCDebug(lcProxy).noquote() << describe() << "connecting to" << m_upstreamName;
    if (!m_upstream->connectTo(server.address, server.port))
        handleConnectFailure(m_upstream->errorString(), false);
}

void Session::handleConnectFailure(const QString &reason, bool timedOut)
{
    upstreamFailed(timedOut ? NextUpstream::Timeout : NextUpstream::Error, timedOut ? 504 : 502, reason);
}

bool Session::mayTryNext(quint32 condition) const
{
    // ngx_http_upstream_next / ngx_http_upstream_test_next. A request that
    // already went out once counts as non-idempotent for POST, LOCK, PATCH.
    quint32 ft = condition;
    const QByteArray &method = m_request.method;
    if (m_requestSent && (method == "POST" || method == "LOCK" || method == "PATCH"))
        ft |= NextUpstream::NonIdempotent;
    if ((m_location->nextUpstream & ft) != ft)
        return false;
    const qint64 timeout = m_location->nextUpstreamTimeoutMs;
    if (timeout > 0 && UpstreamGroup::clockMs() - m_selection.startMs >= timeout)
        return false;
    // Nothing of a response may have reached the client, and the body is
    // streamed, not buffered: once some of it went upstream there is no copy
    // to send again (nginx's proxy_request_buffering off rule).
    if (m_responseStarted || m_requestBody.bodyBytes() > 0)
        return false;
    // A client that left before its request was complete is not worth a retry.
    return !(m_clientEof && !m_requestBody.isDone());
}

void Session::upstreamFailed(quint32 condition, int status, const QString &reason)
{
    const bool connecting = m_state == State::Connecting;
    m_attemptErrors.append(m_upstreamName + QStringLiteral(": ") + reason);
    qCWarning(lcProxy).noquote() << describe() << "upstream" << m_upstreamName << "failed:" << reason;
    // 403 and 404 move on without counting as a failure (NGX_PEER_NEXT).
    const bool counts = condition != NextUpstream::Http403 && condition != NextUpstream::Http404;
    releaseUpstream(counts ? UpstreamGroup::Outcome::Failed : UpstreamGroup::Outcome::Next, reason);
    if (m_upstream) {
        m_upstream->close();
        m_upstream.reset();
    }
    if (m_selection.triesLeft > 0 && mayTryNext(condition)) {
        connectNextUpstream();
        return;
    }
    const QByteArray why = m_attemptErrors.join(QStringLiteral("; ")).toUtf8();
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

void Session::releaseUpstream(UpstreamGroup::Outcome outcome, const QString &why)
{
    if (!m_group || m_selection.current < 0)
        return;
    if (m_upstream)
        m_group->addTraffic(m_selection.current, m_upstream->bytesWritten(), m_upstream->bytesRead());
    m_group->release(m_selection, outcome, UpstreamGroup::clockMs(), why);
}

void Session::streamConnected(TcpStream *stream)
{
    if (stream != m_upstream.get() || m_state != State::Connecting)
        return;
    if (stream->failed()) {
        handleConnectFailure(stream->errorString(), false);
        return;
    }
    qCDebug(lcProxy).noquote() << describe() << "connected to" << m_upstreamName;
    if (m_location->proxyPass.scheme == "https") {
        // proxy_connect_timeout covers the TLS handshake too (nginx).
        if (!m_location->upstreamTls) {
            handleConnectFailure(QStringLiteral("no TLS context for this location"), false);
            return;
        }
        m_upstream->startTls(newClientSsl(*m_location->upstreamTls,
                                          m_location->proxySslServerName ? m_upstreamTlsName : QByteArray(),
                                          m_upstreamTlsName),
                             false);
        if (m_upstream->failed())
            handleConnectFailure(m_upstream->errorString(), false);
        return;
    }
    upstreamReady();
}

void Session::upstreamReady()
{
    m_state = State::Exchange;
    m_stateSinceMs = m_lastUpstreamActivityMs = m_worker->nowMs();
    m_upstreamWrittenMark = 0;
    m_upstreamWriteProgressMs = m_stateSinceMs;
    m_responseParser.reset();
    // The head stays until a response arrives: a retry sends it again.
    m_upstream->write(m_upstreamHead);
    m_requestSent = true;
    m_client->setReadEnabled(!m_clientEof);
    forwardRequestBody();
    checkStreamFailures();
}

void Session::forwardRequestBody()
{
    if (m_state != State::Exchange || m_clientIn.isEmpty() || m_requestBody.isDone())
        return updateBackpressure();
    const qsizetype n = m_requestBody.consume(m_clientIn.constData(), m_clientIn.size());
    if (m_requestBody.hasError()) {
        if (!m_responseStarted)
            respondError(400, "invalid chunked request body", CloseCause::BadRequest);
        else
            finish(CloseCause::BadRequest);
        return;
    }
    m_upstream->write(m_clientIn.constData(), n);
    m_clientIn.remove(0, n);
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
    if (!m_upstreamIn.isEmpty()) {
        if (m_decodeChunked) {
            QByteArray decoded;
            const qsizetype n = m_responseBody.consume(m_upstreamIn.constData(), m_upstreamIn.size(), &decoded);
            m_client->write(decoded);
            m_upstreamIn.remove(0, n);
        } else {
            const qsizetype n = m_responseBody.consume(m_upstreamIn.constData(), m_upstreamIn.size());
            m_client->write(m_upstreamIn.constData(), n);
            m_upstreamIn.remove(0, n);
        }
        if (m_responseBody.hasError()) {
            qCWarning(lcProxy).noquote() << describe() << "upstream sent an invalid chunked body";
            finish(CloseCause::UpstreamError);
            return;
        }
        // Anything after a complete response is not ours to relay.
        m_upstreamIn.clear();
    }
    if (m_responseBody.isDone() || (m_upstreamEof && m_responseBody.mode() == HttpBodyFramer::Mode::UntilClose)) {
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
    if (condition && m_selection.triesLeft > 1
        && mayTryNext(condition)) {
        upstreamFailed(condition, status, QStringLiteral("answered %1").arg(status));
        return;
    }
    if (status == 101) {
        if (!m_upgradeRequested) {
            upstreamFailed(NextUpstream::InvalidHeader, 502, QStringLiteral("switched protocols without an Upgrade request"));
            return;
        }
        m_group->confirm(m_selection);
        m_upstreamHead.clear();
        startTunnel();
        return;
    }

    const bool isHead = m_request.method == "HEAD";
    using Mode = HttpBodyFramer::Mode;
    bool chunked = false;
    if (isHead || status == 204 || status == 304) {
        m_responseBody.reset(Mode::None);
    } else if (m_response.headers.hasToken("Transfer-Encoding", "chunked")) {
        m_responseBody.reset(Mode::Chunked);
        chunked = true;
    } else if (m_response.headers.contains("Content-Length")) {
        bool ok = false;
        const qint64 len = m_response.headers.value("Content-Length").trimmed().toLongLong(&ok);
        if (!ok || len < 0) {
            upstreamFailed(NextUpstream::InvalidHeader, 502, QStringLiteral("invalid Content-Length"));
            return;
        }
        m_responseBody.reset(Mode::Length, len);
    } else {
        m_responseBody.reset(Mode::UntilClose);
    }
    // The server answered: it counts as working again (see UpstreamGroup::confirm).
    m_group->confirm(m_selection);
    m_upstreamHead.clear();
    // An HTTP/1.0 client cannot read chunked: decode it and close at the end.
    m_decodeChunked = chunked && !m_request.isHttp11();
    if (m_responseBody.mode() == Mode::UntilClose || m_decodeChunked || !m_requestBody.isDone())
        m_keepAlive = false;

    if (inspecting()) {
        emitEvent(ResponseHeadEvent{m_response, true});
        // An upgrade the upstream refused (426 with its versions, 400, 403...).
        if (m_upgradeRequested)
            reportHandshakeFindings(WsHandshakeCheck::check(m_forwardedRequest, m_response));
    }
    HttpResponseHead out = rewriteResponseForClient(m_response, m_keepAlive, chunked && !m_decodeChunked);
    applyProxyRedirect(*m_location, out.headers); // Location/Refresh back to the client's view
    makeRedirectAbsolute(out.headers);
    if (m_decodeChunked)
        out.headers.remove("Content-Length");
    m_client->write(out.serialize());
    m_responseStarted = true;
    processUpstream();
}

void Session::finishExchange()
{
    logExchange();
    ++m_requestsServed;
    releaseUpstream(UpstreamGroup::Outcome::Ok);
    m_upstreamHead.clear();
    if (m_upstream) {
        m_upstream->close();
        m_upstream.reset();
    }
    m_upstreamIn.clear();
    m_upstreamEof = false;
    if (!m_keepAlive || m_clientEof || m_draining) {
        beginClosing(CloseCause::Completed);
        return;
    }
    m_state = State::ReadingHead;
    m_stateSinceMs = m_worker->nowMs();
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
    m_state = State::Tunnel;
    m_stateSinceMs = m_lastClientActivityMs = m_lastUpstreamActivityMs = m_worker->nowMs();
    m_clientWrittenMark = m_client->bytesWritten();
    m_upstreamWrittenMark = m_upstream->bytesWritten();
    m_clientWriteProgressMs = m_upstreamWriteProgressMs = m_stateSinceMs;
    qCDebug(lcProxy).noquote() << describe() << "tunnel established to" << m_upstreamName;

    // The two directions. With ws_inspect off and no pings they only pass
    // bytes on; otherwise they watch frames and place the proxy's own.
    TunnelTap::Options options;
    options.inspect = m_location->inspect;
    options.previewCap = qsizetype(m_location->previewBytes);
    m_toUpstream = std::make_unique<TunnelTap>(Direction::ClientToUpstream, options,
                                               [this](const char *d, qsizetype n) { m_upstream->write(d, n); });
    m_toClient = std::make_unique<TunnelTap>(Direction::UpstreamToClient, options,
                                             [this](const char *d, qsizetype n) { m_client->write(d, n); });
    Worker *worker = m_worker;
    auto clock = [worker] { return worker->nowNs(); };
    auto report = [this](InspectPayload p) { emitEvent(std::move(p)); };
    m_toUpstream->setEventSink(&m_worker->events(), report, clock);
    m_toClient->setEventSink(&m_worker->events(), report, clock);
    const QByteArray extensions = m_response.headers.combinedValue("Sec-WebSocket-Extensions");
    // RFC 6455 4.1 / 4.2.2, RFC 7692: the upstream's answer checked against
    // the request as it was forwarded; the negotiated deflate parameters
    // drive the inflaters (display only: relayed bytes stay compressed).
    const WsHandshakeReport handshake = WsHandshakeCheck::check(m_forwardedRequest, m_response);
    const bool deflate = handshake.deflate.status == WsDeflateNegotiation::Status::Accepted;
    if (deflate) {
        m_toUpstream->setPerMessageDeflate(handshake.deflate.params.client);
        m_toClient->setPerMessageDeflate(handshake.deflate.params.server);
    }
    if (m_location->pingIntervalMs > 0)
        m_nextPingMs = m_stateSinceMs + m_location->pingIntervalMs;

    if (inspecting()) {
        emitEvent(ResponseHeadEvent{m_response, true});
        TunnelEvent e;
        e.subprotocol = QString::fromUtf8(m_response.headers.value("Sec-WebSocket-Protocol"));
        e.extensions = QString::fromUtf8(extensions);
        e.perMessageDeflate = deflate;
        emitEvent(std::move(e));
    }
    reportHandshakeFindings(handshake);
    m_forwardedRequest = {};

    // Frames that arrived together with the 101, and any the client sent early.
    if (!m_upstreamIn.isEmpty()) {
        m_toClient->relay(m_upstreamIn.constData(), m_upstreamIn.size());
        m_upstreamIn.clear();
        m_upstreamIn.squeeze();
    }
    if (!m_clientIn.isEmpty()) {
        m_toUpstream->relay(m_clientIn.constData(), m_clientIn.size());
        m_clientIn.clear();
    }
    m_clientIn.squeeze();
    if (m_clientEof)
        handleTunnelEof(m_client.get());
    if (m_upstreamEof)
        handleTunnelEof(m_upstream.get());
    updateBackpressure();
}

void Session::tunnelForward(TcpStream *from, TcpStream *to, const char *data, qsizetype size)
{
    const bool wasQueued = to->pendingBytes() > 0;
    (from == m_client.get() ? m_toUpstream : m_toClient)->relay(data, size);
    // Nothing queued before or after: the read interests are still what the
    // last updateBackpressure() made them.
    if (wasQueued || to->pendingBytes() > 0)
        updateBackpressure();
}

void Session::handleTunnelEof(TcpStream *from)
{
    TcpStream *to = from == m_client.get() ? m_upstream.get() : m_client.get();
    // Both sides are done and nothing waits: the close sends the FIN (and a
    // TLS close_notify), so a shutdown() first would be one more syscall.
    if (m_clientEof && m_upstreamEof && m_client->pendingBytes() == 0 && m_upstream->pendingBytes() == 0) {
        finish(m_firstClose);
        return;
    }
    // Half-close: pass the FIN on once what came before it is delivered.
    to->shutdownWrite();
    if (m_clientEof && m_upstreamEof && m_client->pendingBytes() == 0 && m_upstream->pendingBytes() == 0)
        finish(m_firstClose);
}

bool Session::inject(Direction direction, WsOpcode opcode, const QByteArray &payload, QString *error)
{
    if (m_state != State::Tunnel || !m_toUpstream) {
        *error = QStringLiteral("connection %1 is not a WebSocket tunnel (any more)").arg(m_id);
        return false;
    }
    const bool control = wsIsControlOpcode(opcode);
    if (control && payload.size() > 125) {
        *error = QStringLiteral("a control frame carries at most 125 bytes (RFC 6455 5.5)");
        return false;
    }
    TunnelTap *tap = direction == Direction::ClientToUpstream ? m_toUpstream.get() : m_toClient.get();
    if (tap->closeSeen()) {
        *error = QStringLiteral("a close frame already went that way");
        return false;
    }
    // RFC 6455 5.1: frames toward the server are masked, toward the client not.
    const std::optional<quint32> mask = direction == Direction::ClientToUpstream
        ? std::optional<quint32>(wsRandomMaskKey()) : std::nullopt;
    const QByteArray frame = wsBuildFrame(opcode, payload, true, mask);
    std::optional<InspectPayload> event;
    if (inspecting()) {
        if (control) {
            ControlFrameEvent e;
            e.direction = direction;
            e.opcode = opcode;
            e.payload = payload;
            e.injected = true;
            event = std::move(e);
        } else {
            MessageEvent e;
            e.direction = direction;
            e.message.opcode = opcode;
            e.message.preview = payload.left(qsizetype(m_location->previewBytes));
            e.message.totalLength = quint64(payload.size());
            e.message.frameCount = 1;
            e.message.truncated = e.message.preview.size() < payload.size();
            e.injected = true;
            event = std::move(e);
        }
    }
    if (!tap->inject(frame, control, std::move(event))) {
        *error = QStringLiteral("the stream lost its framing; nothing can be injected");
        return false;
    }
    updateBackpressure();
    if (opcode == WsOpcode::Close && m_firstClose == CloseCause::None)
        m_firstClose = CloseCause::Injected;
    return true;
}

void Session::sendKeepalivePings(qint64 now)
{
    const LocationConfig *loc = m_location;
    const qint64 timeoutMs = loc->pingTimeoutMs > 0 ? loc->pingTimeoutMs : loc->pingIntervalMs;
    const qint64 nowNs = m_worker->nowNs();
    // A ping toward the client is answered on the client->upstream direction, and back.
    struct Peer
    {
        quint8 flag;
        TunnelTap *out;
        TunnelTap *answers;
        const char *name;
    };
    const Peer peers[] = {
        {LocationConfig::PingClient, m_toClient.get(), m_toUpstream.get(), "client"},
        {LocationConfig::PingUpstream, m_toUpstream.get(), m_toClient.get(), "upstream"},
    };
    for (const Peer &p : peers) {
        if (!(loc->pingPeers & p.flag))
            continue;
        const qint64 oldest = p.answers->oldestPingNs();
        if (oldest >= 0 && (nowNs - oldest) / 1'000'000 > timeoutMs) {
            m_closeDetail = QStringLiteral("the %1 did not answer a ping within %2 ms").arg(QLatin1String(p.name)).arg(timeoutMs);
            qCInfo(lcProxy).noquote() << describe() << m_closeDetail;
            // 1011 toward the client (we are its server), 1001 toward the upstream.
            closeTunnelWithFrames(p.flag == LocationConfig::PingClient ? 1001 : 1011,
                                  QStringLiteral("wsscope: %1 did not answer ping").arg(QLatin1String(p.name)),
                                  CloseCause::PingTimeout);
            return;
        }
    }
    if (now < m_nextPingMs)
        return;
    m_nextPingMs = now + loc->pingIntervalMs;
    for (const Peer &p : peers) {
        if (!(loc->pingPeers & p.flag) || p.out->closeSeen())
            continue;
        const QByteArray token = "wsscope-ka-" + QByteArray::number(++m_pingSequence);
        const std::optional<quint32> mask = p.flag == LocationConfig::PingUpstream
            ? std::optional<quint32>(wsRandomMaskKey()) : std::nullopt;
        std::optional<InspectPayload> event;
        if (inspecting()) {
            ControlFrameEvent e;
            e.direction = p.flag == LocationConfig::PingUpstream ? Direction::ClientToUpstream : Direction::UpstreamToClient;
            e.opcode = WsOpcode::Ping;
            e.payload = token;
            e.injected = true;
            event = std::move(e);
        }
        if (p.out->inject(wsBuildFrame(WsOpcode::Ping, token, true, mask), true, std::move(event)))
            p.answers->expectPong(token, nowNs);
    }
    updateBackpressure();
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

void Session::serveStaticFile(const StaticFileResult &file)
{
    m_upstreamName = QStringLiteral("file");
    if (file.status == 301) {
        HttpResponseHead head;
        head.status = 301;
        const QByteArray body = "301 Moved Permanently\n";
        head.headers.append("Server", "wsscope");
        head.headers.append("Location", file.location);
        makeRedirectAbsolute(head.headers);
        head.headers.append("Content-Type", "text/plain");
        head.headers.append("Content-Length", QByteArray::number(body.size()));
        head.headers.append("Connection", m_keepAlive ? QByteArray("keep-alive") : QByteArray("close"));
        m_client->write(head.serialize() + body);
        m_responseStarted = true;
        m_response = head;
        m_responseBody.reset(HttpBodyFramer::Mode::None);
        if (inspecting())
            emitEvent(ResponseHeadEvent{head, false});
        finishExchange();
        return;
    }
    if (file.status != 200) {
        respondError(file.status, file.reason, CloseCause::BadRequest);
        return;
    }
    auto f = std::make_unique<QFile>(file.path);
    if (!f->open(QIODevice::ReadOnly)) {
        respondError(403, "cannot open " + file.path.toUtf8() + ": " + f->errorString().toUtf8(), CloseCause::BadRequest);
        return;
    }
    HttpResponseHead head;
    head.status = 200;
    head.headers.append("Server", "wsscope");
    head.headers.append("Content-Type", file.contentType);
    head.headers.append("Content-Length", QByteArray::number(file.size));
    // RFC 9110 5.6.7: IMF-fixdate
    head.headers.append("Last-Modified", QLocale::c()
                                             .toString(file.lastModified.toUTC(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'")
                                             .toLatin1());
    head.headers.append("Connection", m_keepAlive ? QByteArray("keep-alive") : QByteArray("close"));
    m_client->write(head.serialize());
    m_responseStarted = true;
    m_response = head;
    if (inspecting())
        emitEvent(ResponseHeadEvent{head, false});
    if (m_request.method == "HEAD" || file.size == 0) {
        m_responseBody.reset(HttpBodyFramer::Mode::None);
        finishExchange();
        return;
    }
    m_responseBody.reset(HttpBodyFramer::Mode::Length, file.size);
    m_staticFile = std::move(f);
    m_state = State::Exchange;
    m_stateSinceMs = m_worker->nowMs();
    m_clientWrittenMark = m_client->bytesWritten();
    m_clientWriteProgressMs = m_stateSinceMs;
    pumpStaticFile();
}

void Session::pumpStaticFile()
{
    // Fill the client's queue up to the per-direction cap; the rest follows
    // as it drains (the same backpressure as a proxied body).
    char *buf = m_worker->readBuffer();
    while (m_staticFile && !m_responseBody.isDone()
           && m_client->pendingBytes() < m_config->maxBufferedPerDirection && !m_client->failed()) {
        const qint64 n = m_staticFile->read(buf, m_worker->readBufferSize());
        if (n <= 0) {
            qCWarning(lcProxy).noquote() << describe() << "reading" << m_staticFile->fileName() << "failed";
            m_staticFile.reset();
            finish(CloseCause::ClientError); // the length was promised: only a close can tell
            return;
        }
        const qsizetype used = m_responseBody.consume(buf, qsizetype(n));
        m_client->write(buf, used);
    }
    if (checkStreamFailures())
        return;
    if (m_staticFile && m_responseBody.isDone()) {
        m_staticFile.reset();
        finishExchange();
    }
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

void Session::closeTunnelWithFrames(quint16 code, const QString &reason, CloseCause cause)
{
    // The peer that still listens learns why; then both sockets close.
    if (!m_toClient->closeSeen())
        m_toClient->inject(wsBuildCloseFrame(code == 1001 ? quint16(1011) : code, reason), true);
    if (!m_toUpstream->closeSeen())
        m_toUpstream->inject(wsBuildCloseFrame(quint16(1001), reason, wsRandomMaskKey()), true);
    finish(cause);
}

// ---------------------------------------------------------------- flow control

void Session::updateBackpressure()
{
    const qint64 cap = m_config->maxBufferedPerDirection;
    if (m_upstream && m_state != State::Connecting) {
        // Client -> upstream direction.
        const bool clientMayRead = !m_clientEof && m_upstream->pendingBytes() < cap && m_clientIn.size() < cap;
        if (m_client->isReadEnabled() != clientMayRead)
            m_client->setReadEnabled(clientMayRead);
        // Upstream -> client direction.
        const bool upstreamMayRead = !m_upstreamEof && m_client->pendingBytes() < cap;
        if (m_upstream->isReadEnabled() != upstreamMayRead)
            m_upstream->setReadEnabled(upstreamMayRead);
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
    if (m_staticFile && m_state == State::Exchange) {
        pumpStaticFile();
        return;
    }
    if (m_state == State::Tunnel && m_clientEof && m_upstreamEof && m_client->pendingBytes() == 0
        && m_upstream->pendingBytes() == 0) {
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
    if (m_upstream && m_upstream->failed() && m_state != State::Connecting) {
        if (m_state == State::Exchange && !m_responseStarted) {
            upstreamFailed(NextUpstream::Error, 502, m_upstream->errorString());
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
    releaseUpstream(UpstreamGroup::Outcome::Ok);
    if (m_upstream) {
        m_upstream->close();
        m_upstream.reset();
    }
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
    releaseUpstream(UpstreamGroup::Outcome::Ok);
    if (m_upstream) {
        m_upstream->close();
        m_upstream.reset();
    }
    if (m_firstClose == CloseCause::None || cause != CloseCause::Completed)
        m_firstClose = cause;
    m_state = State::Closing;
    m_stateSinceMs = m_worker->nowMs();
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
    m_state = State::Finished;
    if ((was == State::Tunnel || was == State::Exchange || was == State::Connecting) && lcAccess().isInfoEnabled()) {
        // One buffer, the text QDebug made: conn N addr:port "GET /x" 101 -> host:port tunnel N ms up N down N closed: CAUSE
        QString line;
        line.reserve(160);
        appendRequestPrefix(line);
        if (was == State::Tunnel) {
            line.append(QLatin1StringView(" 101 -> "));
            line.append(m_upstreamName);
            line.append(QLatin1StringView(" tunnel "));
            appendNumber(line, m_exchangeTimer.elapsed());
            line.append(QLatin1StringView(" ms up "));
            appendNumber(line, m_upstream->bytesWritten());
            line.append(QLatin1StringView(" down "));
            appendNumber(line, m_client->bytesWritten());
            line.append(QLatin1StringView(" closed: "));
        } else {
            line.append(QLatin1StringView(" aborted: "));
        }
        line.append(QString::fromUtf8(closeCauseName(cause)));
        emitLine(QtInfoMsg, lcAccess(), line);
    }
    if (inspecting() || (was == State::Tunnel && m_worker->events().isActive())) {
        ClosedEvent e;
        e.cause = cause;
        e.detail = m_closeDetail;
        if (m_toUpstream) {
            e.clientClose = m_toUpstream->closeInfo();
            e.upstreamClose = m_toClient->closeInfo();
        }
        e.bytesFromClient = m_client->bytesRead();
        e.bytesFromUpstream = m_upstream ? m_upstream->bytesRead() : 0;
        e.durationMs = m_exchangeTimer.isValid() ? m_exchangeTimer.elapsed() : 0;
        emitEvent(std::move(e));
    }
    // The exchange or tunnel no longer counts in its server's connections.
    releaseUpstream(UpstreamGroup::Outcome::Ok);
    if (m_upstream)
        m_upstream->close();
    m_client->close();
    m_worker->sessionFinished(this);
}

void Session::logExchange()
{
    if (lcAccess().isInfoEnabled()) {
        // conn N addr:port "GET /x" 200 -> host:port body N N ms
        QString line;
        line.reserve(160);
        appendRequestPrefix(line);
        line.append(u' ');
        appendNumber(line, m_response.status);
        line.append(QLatin1StringView(" -> "));
        line.append(m_upstreamName);
        line.append(QLatin1StringView(" body "));
        appendNumber(line, m_responseBody.bodyBytes());
        line.append(u' ');
        appendNumber(line, m_exchangeTimer.elapsed());
        line.append(QLatin1StringView(" ms"));
        emitLine(QtInfoMsg, lcAccess(), line);
    }
    if (inspecting()) {
        HttpExchangeEvent e;
        e.status = m_response.status;
        e.requestBodyBytes = m_requestBody.bodyBytes();
        e.responseBodyBytes = m_responseBody.bodyBytes();
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
        if (stalled(m_upstream.get(), m_upstreamWrittenMark, m_upstreamWriteProgressMs)
            || stalled(m_client.get(), m_clientWrittenMark, m_clientWriteProgressMs)) {
            finish(CloseCause::SendTimeout);
            return;
        }
        if (m_state == State::Tunnel && loc->pingIntervalMs > 0) {
            sendKeepalivePings(now);
            if (m_state == State::Finished)
                return;
        }
        // Read timeout: in the tunnel any traffic either way counts (nginx
        // re-arms its timer on every event); before the response, only upstream's.
        if (m_staticFile)
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
