#pragma once

#include "accesslog.h"
#include "inspect/closecause.h"
#include "http/httpheadparser.h"
#include "http/proxyprotocol.h"
#include "http/variables.h"
#include "net/tcpstream.h"

#include <QByteArray>
#include <QHostAddress>

#include <memory>
#include <optional>

class ProxyRuntime;
typedef struct ssl_ctx_st SSL_CTX;
struct ConnectionOpenedEvent;
struct HeaderBufferSizes;
struct LocationSettings;
struct ProxyConfig;

// The client side of a session, what nginx keeps in ngx_http_connection_t
// and ngx_http_request.c: the socket (with its TLS termination), the
// request heads read from it, keep-alive between requests, the lingering
// close after the last response and the client's idle timeouts. The
// session drives it; `->` reaches the socket itself.
class ClientConnection final
{
    Q_DISABLE_COPY_MOVE(ClientConnection)

public:
    ClientConnection(TcpStream::Handler *handler, qintptr descriptor);

    TcpStream *stream() const { return m_stream.get(); }
    TcpStream *operator->() const { return m_stream.get(); }

    // Reads the peer's address (one getpeername) and names the connection
    // in the log lines.
    void accepted(quint64 id);
    const QHostAddress &address() const { return m_address; }
    quint16 port() const { return m_port; }
    const AccessLog &log() const { return m_log; }

    // TLS termination on a listener with `ssl` (false: a plain listener).
    // The handshake runs on the worker's loop like any read and ends in
    // tlsDone(); SNI then picks the named server block's context (nginx's
    // ngx_http_ssl_servername). A handshake that fails at once leaves
    // failed() set.
    bool startTls(const ProxyRuntime *runtime, int listenGroup);
    // TLS termination ended (TcpStream::Handler::streamTlsDone); a failure
    // is logged.
    enum class TlsOutcome : quint8 { Negotiated, PlainHttp, Failed };
    TlsOutcome tlsDone();
    bool isTls() const { return m_tls; } // a TLS session was negotiated
    ConnectionOpenedEvent openedEvent(quint16 listenPort, bool tlsListener) const;
    // The connection's variables: $remote_addr, $remote_port, $scheme, $https,
    // $ssl_*, $server_port, $connection_requests, $connection_time.
    RequestContext requestContext(quint16 serverPort) const;

    // Bytes read outside the tunnel wait here until the session takes them.
    QByteArray &in() { return m_in; }
    const QByteArray &in() const { return m_in; }
    // Called with every read: the first bytes may be a TLS ClientHello on a
    // plain listener.
    void noteRead(const char *data, qsizetype size)
    {
        if (m_stream->bytesRead() == size && size > 0 && data[0] == 0x16 && !m_stream->isTls() && !m_plainHttpOnTls)
            m_tlsOnPlain = true;
    }

    // Feeds the buffered bytes to the head parser.
    enum class Head : quint8 { NeedMore, Complete, TlsOnPlain, PlainHttpOnTls, Invalid };
    Head readHead();
    const HttpHeadParser &parser() const { return m_parser; }
    // listen ... proxy_protocol: the header, read (peeked, then taken to its
    // last byte, so a TLS handshake after it finds its own first byte).
    enum class ProxyHeader { NeedMore, Done, Failed };
    ProxyHeader readProxyHeader(char *buffer, QByteArray *why);
    void setHeaderNames(bool underscores, bool ignoreInvalid) { m_parser.setHeaderNames(underscores, ignoreInvalid); }
    // client_header_buffer_size, large_client_header_buffers for the heads read.
    void setHeaderBuffers(const HeaderBufferSizes &sizes);
    // The large buffers after a Host line: the virtual server's (HttpHeadParser::setHostLimits).
    void setHostHeaderBuffers(std::function<const HeaderBufferSizes *(QByteArrayView host)> forHost);
    HttpRequestHead takeRequest();
    // Nothing of a next request has arrived (a keep-alive or drain may close).
    bool isIdle() const { return m_in.isEmpty() && m_parser.bufferedSize() == 0; }

    // Keep-alive (RFC 9112 9.3): HTTP/1.1 unless "Connection: close",
    // HTTP/1.0 only with "keep-alive"; never once the client sent FIN or
    // the proxy drains.
    bool wantsKeepAlive(const HttpRequestHead &request) const;
    // Whether the location that serves `request` lets the connection stay
    // open after it (ngx_http_update_location_config): keepalive_timeout not
    // 0, fewer than keepalive_requests requests, the connection younger than
    // keepalive_time, and no keepalive_disable browser.
    bool keepAliveAllowed(const HttpRequestHead &request, const LocationSettings &location) const;
    void requestServed() { ++m_requestsServed; }
    int requestsServed() const { return m_requestsServed; }
    // The last request head's size as received ($request_length), and
    // whether it was pipelined behind the one before it ($pipe).
    qint64 lastHeadBytes() const { return m_lastHeadBytes; }
    bool pipelined() const { return m_pipelined; }
    // Back to reading heads after a kept-alive exchange, for at most the
    // serving location's keepalive_timeout.
    void awaitNextRequest(qint64 keepaliveTimeoutMs);

    // The client sent FIN.
    void setEof();
    bool eof() const { return m_eof; }
    void drain() { m_draining = true; }
    bool draining() const { return m_draining; }

    // Lingering close (nginx's ngx_http_set_lingering_close): FIN after the
    // response, then read and discard what the client still sends, so a
    // reset cannot destroy the response. True when the client is gone
    // already and everything went out: close now.
    bool beginLingeringClose();
    bool lingerDone() const { return m_eof && m_stream->pendingBytes() == 0; }
    static constexpr qint64 LingerMs = 5'000;

    // ngx_http_header_filter's absolute redirect (absolute_redirect, on by
    // default): a Location starting with "/" becomes scheme://host[:port]/...,
    // the host `serverName` with server_name_in_redirect, else the request's
    // valid host, else the address the client connected to; the port unless
    // port_in_redirect is off or it is the scheme's own.
    void makeRedirectAbsolute(HttpHeaders &headers, const HttpRequestHead &request, const LocationSettings &settings,
                              const QByteArray &serverName, quint16 listenPort) const;

    // client_header_timeout / keepalive_timeout for a connection that has
    // been reading a head for `idleMs`.
    std::optional<CloseCause> headTimeout(qint64 idleMs, const ProxyConfig &config) const;

private:
    // TlsSniSelect: the context of the server block the client named.
    static SSL_CTX *selectTlsContext(void *connection, QByteArrayView serverName);

    std::unique_ptr<TcpStream> m_stream;
    const ProxyRuntime *m_runtime = nullptr; // for SNI
    int m_listenGroup = 0;
    QHostAddress m_address;
    quint16 m_port = 0;
    bool m_unixClient = false; // accepted on a `listen unix:` socket
    std::unique_ptr<ProxyProtocolHeader> m_proxyProtocol; // read first on a `listen ... proxy_protocol` socket
    QByteArray m_proxyHeaderSoFar;
    QHostAddress m_localAddress; // $server_addr: the address the client reached (getsockname)
    AccessLog m_log;
    HttpHeadParser m_parser{HttpHeadParser::Kind::Request};
    QByteArray m_in;
    int m_requestsServed = 0;
    qint64 m_acceptedMs = 0;             // Unix ms ($connection_time, keepalive_time)
    qint64 m_keepaliveTimeoutMs = 0;     // the idle wait after the last request
    qint64 m_headBytes = 0;     // of the head being read
    qint64 m_lastHeadBytes = 0; // of the last complete head
    bool m_pipelined = false;
    bool m_tls = false;            // accepted on a TLS socket (and it negotiated)
    bool m_plainHttpOnTls = false; // ... but the client spoke plain HTTP: answered with 400
    bool m_tlsOnPlain = false;     // a TLS ClientHello arrived on a plain socket
    bool m_eof = false;
    bool m_draining = false;
};
