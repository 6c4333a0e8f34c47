#include "clientconnection.h"

#include "config/proxyconfig.h"
#include "http/urirewrite.h"
#include "inspect/inspectevent.h"
#include "ops/logging.h"
#include "proxyruntime.h"
#include "tls/tlscontext.h"

#include <QDateTime>

ClientConnection::ClientConnection(TcpStream::Handler *handler, qintptr descriptor)
    : m_stream(std::make_unique<TcpStream>(handler, descriptor))
{
}

void ClientConnection::accepted(quint64 id)
{
    m_address = m_stream->peerAddress(&m_port);
    quint16 localPort = 0;
    m_localAddress = m_stream->localAddress(&localPort); // its text only when $server_addr is read
    // A unix: socket has no address on either side (AF_UNIX): nginx writes "unix:".
    m_unixClient = m_address.isNull() && m_localAddress.isNull();
    m_acceptedMs = QDateTime::currentMSecsSinceEpoch();
    m_log.setConnection(id, m_address, m_port, m_unixClient);
}

void ClientConnection::setHeaderBuffers(const HeaderBufferSizes &sizes)
{
    HttpHeadParser::Limits limits;
    limits.firstBuffer = sizes.first;
    limits.largeBuffers = sizes.number;
    limits.largeBufferSize = sizes.size;
    m_parser.setLimits(limits);
}

void ClientConnection::setHostHeaderBuffers(std::function<const HeaderBufferSizes *(QByteArrayView host)> forHost)
{
    m_parser.setHostLimits([forHost = std::move(forHost)](QByteArrayView host, HttpHeadParser::Limits *limits) {
        const HeaderBufferSizes *sizes = forHost(host);
        if (!sizes)
            return false;
        limits->largeBuffers = sizes->number;
        limits->largeBufferSize = sizes->size;
        return true;
    });
}

bool ClientConnection::startTls(const ProxyRuntime *runtime, int listenGroup)
{
    const TlsServerContext *tls = runtime->tlsContext(listenGroup);
    if (!tls)
        return false;
    m_runtime = runtime;
    m_listenGroup = listenGroup;
    m_stream->startTls(newServerSsl(*tls, &ClientConnection::selectTlsContext, this), true);
    return true;
}

SSL_CTX *ClientConnection::selectTlsContext(void *connection, QByteArrayView serverName)
{
    const auto *self = static_cast<const ClientConnection *>(connection);
    QByteArray host = serverName.toByteArray();
    if (host.endsWith('.'))
        host.chop(1);
    const ServerConfig *server = self->m_runtime->config()->selectServer(self->m_listenGroup, host);
    const TlsServerContext *tls = self->m_runtime->serverTls(server);
    return tls ? tls->handle() : nullptr;
}

ClientConnection::TlsOutcome ClientConnection::tlsDone()
{
    if (m_stream->tlsPlainHttp()) {
        m_plainHttpOnTls = true;
        return TlsOutcome::PlainHttp;
    }
    if (m_stream->failed()) {
        qCInfo(lcAccess).noquote() << m_log.describe() << "TLS handshake failed:" << m_stream->tlsError();
        return TlsOutcome::Failed;
    }
    m_tls = true;
    if (lcProxy().isDebugEnabled()) {
        const TlsSessionInfo info = tlsSessionInfo(m_stream->tlsHandle());
        qCDebug(lcProxy).noquote() << m_log.describe() << "TLS" << info.protocol << info.cipher << "SNI"
                                   << (info.serverName.isEmpty() ? QStringLiteral("-") : info.serverName) << "ALPN"
                                   << (info.alpn.isEmpty() ? QStringLiteral("-") : info.alpn)
                                   << (info.resumed ? "resumed" : "");
    }
    return TlsOutcome::Negotiated;
}

ConnectionOpenedEvent ClientConnection::openedEvent(quint16 listenPort, bool tlsListener) const
{
    ConnectionOpenedEvent e;
    e.clientAddress = m_address;
    e.clientPort = m_port;
    e.listener = QStringLiteral("%1").arg(listenPort);
    e.tls = tlsListener;
    if (m_stream->tlsHandle()) {
        const TlsSessionInfo info = tlsSessionInfo(m_stream->tlsHandle());
        e.tlsServerName = info.serverName;
        if (!m_stream->failed()) {
            e.tlsProtocol = info.protocol;
            e.tlsCipher = info.cipher;
            e.tlsAlpn = info.alpn;
        }
    }
    if (m_plainHttpOnTls)
        e.tlsError = QStringLiteral("the client sent plain HTTP to this TLS port");
    else if (!m_stream->tlsError().isEmpty())
        e.tlsError = m_stream->tlsError();
    return e;
}

RequestContext ClientConnection::requestContext(quint16 serverPort) const
{
    RequestContext context;
    context.remoteAddress = m_address;
    context.remoteAddressText = m_log.addressText();
    context.unixClient = m_unixClient;
    context.remotePort = m_port;
    context.scheme = m_tls ? "https" : "http";
    if (m_tls)
        context.ssl = m_stream->tlsHandle(); // $ssl_*: read when a request asks (TlsVariables)
    context.serverPort = serverPort;
    context.serverAddress = m_localAddress;
    context.connectionRequests = m_requestsServed + 1;
    context.connectionStartMs = m_acceptedMs;
    context.proxyProtocol = m_proxyProtocol.get();
    return context;
}

ClientConnection::ProxyHeader ClientConnection::readProxyHeader(char *buffer, QByteArray *why)
{
    // Peek, then take exactly the header's bytes: what a prefix of a header
    // holds is all header (a v1 line ends with its only LF, a v2 header says
    // its length), so nothing of the client's own bytes is taken.
    const qsizetype n = m_stream->peek(buffer, ProxyProtocol::MaxHeader - m_proxyHeaderSoFar.size());
    if (n == TcpStream::WouldBlock)
        return ProxyHeader::NeedMore;
    if (n <= 0) {
        *why = n == 0 ? QByteArray("closed before the PROXY protocol header ended") : m_stream->errorString().toUtf8();
        return ProxyHeader::Failed;
    }
    const QByteArray seen = m_proxyHeaderSoFar + QByteArrayView(buffer, n);
    ProxyProtocolHeader header;
    qsizetype length = 0;
    const ProxyProtocol::Result r = ProxyProtocol::parse(seen, &header, &length, why);
    if (r == ProxyProtocol::Result::Invalid) {
        *why = "broken header: \"" + seen.left(107).toPercentEncoding(" :./[]") + "\" (" + *why + ')';
        return ProxyHeader::Failed;
    }
    const qsizetype take = r == ProxyProtocol::Result::Done ? length - m_proxyHeaderSoFar.size() : n;
    if (m_stream->read(buffer, take) != take) { // peeked: one read gets them
        *why = "the PROXY protocol header could not be read";
        return ProxyHeader::Failed;
    }
    if (r == ProxyProtocol::Result::NeedMore) {
        m_proxyHeaderSoFar.append(buffer, take);
        return ProxyHeader::NeedMore;
    }
    m_proxyHeaderSoFar.clear();
    m_proxyHeaderSoFar.squeeze();
    m_proxyProtocol = std::make_unique<ProxyProtocolHeader>(std::move(header));
    return ProxyHeader::Done;
}

ClientConnection::Head ClientConnection::readHead()
{
    if (m_in.isEmpty())
        return Head::NeedMore;
    const qsizetype used = m_parser.feed(m_in.constData(), m_in.size());
    m_in.remove(0, used);
    m_headBytes += used;
    // A ClientHello never completes a request head.
    if (m_tlsOnPlain)
        return Head::TlsOnPlain;
    if (m_parser.state() == HttpHeadParser::State::NeedMore)
        return Head::NeedMore;
    if (m_plainHttpOnTls)
        return Head::PlainHttpOnTls;
    if (m_parser.state() == HttpHeadParser::State::Error)
        return Head::Invalid;
    return Head::Complete;
}

HttpRequestHead ClientConnection::takeRequest()
{
    HttpRequestHead request = m_parser.takeRequest();
    m_parser.reset();
    m_lastHeadBytes = m_headBytes;
    m_headBytes = 0;
    return request;
}

bool ClientConnection::wantsKeepAlive(const HttpRequestHead &request) const
{
    if (m_draining || m_eof)
        return false;
    return request.isHttp11() ? !request.headers.hasToken("Connection", "close")
                              : request.headers.hasToken("Connection", "keep-alive");
}

namespace {

// ngx_http_process_user_agent: the browsers keepalive_disable names. MSIE 4,
// 5 and 6 without SV1 ("msie6", not when Opera pretends), and Safari on
// Mac OS X (not Gecko or Chrome, which say Safari too).
struct UserAgent
{
    bool msie6 = false;
    bool safari = false;
};

UserAgent classifyUserAgent(QByteArrayView ua)
{
    UserAgent out;
    const qsizetype msie = ua.indexOf("MSIE ");
    const bool isMsie = msie >= 0 && msie + 7 < ua.size();
    if (isMsie && ua.at(msie + 6) == '.') {
        const char major = ua.at(msie + 5);
        out.msie6 = major == '4' || major == '5' || (major == '6' && !ua.sliced(msie + 8).contains("SV1"));
    }
    const bool opera = ua.contains("Opera");
    if (opera)
        out.msie6 = false;
    if (!isMsie && !opera && !ua.contains("Gecko/") && !ua.contains("Chrome/"))
        out.safari = ua.contains("Safari/") && ua.contains("Mac OS X");
    return out;
}

} // namespace

bool ClientConnection::keepAliveAllowed(const HttpRequestHead &request, const LocationSettings &location) const
{
    if (location.keepaliveTimeoutMs == 0 || m_requestsServed + 1 >= location.keepaliveRequests
        || QDateTime::currentMSecsSinceEpoch() - m_acceptedMs > location.keepaliveTimeMs)
        return false;
    if (!location.keepaliveDisable || !request.headers.contains("User-Agent"))
        return true;
    const UserAgent ua = classifyUserAgent(request.headers.value("User-Agent"));
    if (ua.msie6 && request.method == "POST" && (location.keepaliveDisable & LocationSettings::KeepaliveDisableMsie6))
        return false; // MSIE may wait after a POST's response on a kept connection
    return !(ua.safari && (location.keepaliveDisable & LocationSettings::KeepaliveDisableSafari));
}

void ClientConnection::awaitNextRequest(qint64 keepaliveTimeoutMs)
{
    m_keepaliveTimeoutMs = keepaliveTimeoutMs;
    // ngx_http_set_keepalive: a request already in the buffer is pipelined ($pipe "p").
    m_pipelined = !m_in.isEmpty();
    m_stream->setReadEnabled(true);
    if (m_in.isEmpty())
        m_in.squeeze();
}

void ClientConnection::setEof()
{
    m_eof = true;
    m_stream->setReadEnabled(false);
}

bool ClientConnection::beginLingeringClose()
{
    m_in.clear();
    m_stream->shutdownWrite();
    if (m_eof)
        return m_stream->pendingBytes() == 0;
    m_stream->setReadEnabled(true);
    return false;
}

void ClientConnection::makeRedirectAbsolute(HttpHeaders &headers, const HttpRequestHead &request,
                                            const LocationSettings &settings, const QByteArray &serverName,
                                            quint16 listenPort) const
{
    const QByteArray location = headers.value("Location");
    if (!settings.absoluteRedirect || !location.startsWith('/'))
        return;
    QByteArray host;
    if (settings.serverNameInRedirect)
        host = serverName;
    else if (!request.absoluteHost.isEmpty())
        host = request.absoluteHost;
    else if (!validateHostName(request.headers.value("Host"), &host))
        host.clear();
    if (host.isEmpty()) {
        // ngx_connection_local_sockaddr without a port: an IPv6 address bare.
        quint16 localPort = 0;
        QHostAddress local = m_stream->localAddress(&localPort);
        bool v4 = false;
        const quint32 ip4 = local.toIPv4Address(&v4);
        if (v4)
            local = QHostAddress(ip4);
        host = local.toString().toLatin1();
    }
    const quint16 defaultPort = m_tls ? 443 : 80;
    const bool withPort = settings.portInRedirect && listenPort != defaultPort;
    const QByteArray port = withPort ? ':' + QByteArray::number(listenPort) : QByteArray();
    headers.set("Location", (m_tls ? "https://" : "http://") + host + port + location);
}

std::optional<CloseCause> ClientConnection::headTimeout(qint64 idleMs, const ProxyConfig &config) const
{
    if (m_requestsServed > 0 && isIdle()) {
        if (idleMs > m_keepaliveTimeoutMs)
            return CloseCause::KeepaliveTimeout;
    } else if (idleMs > config.clientHeaderTimeoutMs) {
        // nginx closes without a response (408 only in its log).
        qCInfo(lcAccess).noquote() << m_log.describe() << "client header timeout";
        return CloseCause::HeaderTimeout;
    }
    return std::nullopt;
}
