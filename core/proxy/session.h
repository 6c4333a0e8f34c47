#pragma once

#include "clientconnection.h"
#include "config/proxyconfig.h"
#include "http/httpheaders.h"
#include "httprelay.h"
#include "inspect/closecause.h"
#include "inspect/inspectevent.h"
#include "net/tcpstream.h"
#include "proxyruntime.h"
#include "requestbody.h"
#include "requestrouter.h"
#include "staticresponder.h"
#include "upstreamattempt.h"

#include <QByteArray>
#include <QDebug>
#include <QElapsedTimer>

#include <memory>

class WebSocketTunnel;
class Worker;

// One client connection, from its first byte to its close. Not a QObject:
// it is driven by its two streams' notifiers and by its worker's tick.
//
//   ReadingHead ─▶ [ReadingBody ─▶] [Resolving ─▶] Connecting ─▶ Exchange ─┬─ 101 ─▶ Tunnel
//        ▲                                 └─ other: relay the response
//        └──────── keep-alive ◀────────────────┘
//
// The session keeps the state (one setState()) and passes each phase to
// the part that does it, as nginx's request, upstream and proxy modules
// share the work: ClientConnection reads heads and keeps the client side,
// routeRequest() decides (return, static, proxy), UpstreamAttempt connects
// and retries, HttpRelay moves the bodies, StaticResponder answers itself,
// WebSocketTunnel carries the upgraded connection, AccessLog writes lines.
// One error-log line streamed as with qCWarning(lcProxy) << ..., written when
// it goes out of scope to the sinks of `scope` (Logging::write).
class LogLine
{
public:
    LogLine(const QList<Logging::Sink> &scope, QtMsgType type, const QString &prefix);
    LogLine(const LogLine &) = delete;
    LogLine &operator=(const LogLine &) = delete;
    ~LogLine();
    template<typename T> LogLine &operator<<(const T &value)
    {
        m_debug << value;
        return *this;
    }

private:
    const QList<Logging::Sink> &m_scope;
    const QtMsgType m_type;
    QString m_text;
    QDebug m_debug{&m_text};
};

class Session final : public TcpStream::Handler
{
    Q_DISABLE_COPY_MOVE(Session)

public:
    // ReadingBody: a proxied request's body is read whole first (proxy_request_buffering).
    // Resolving: a proxy_pass with variables named a host the DNS is asked for.
    enum class State { ReadingHead, ReadingBody, Resolving, Connecting, Exchange, Tunnel, Closing, Finished };

    Session(Worker *worker, quint64 id, qintptr descriptor, RuntimeSnapshot runtime, int serverIndex,
            quint16 listenPort);
    ~Session();

    void start();
    quint64 id() const { return m_id; }
    State state() const { return m_state; }
    bool isFinished() const { return m_state == State::Finished; }

    // Called by the worker about four times a second.
    void checkTimeouts(qint64 nowMs);
    // Shutdown: idle connections close now, exchanges stop keep-alive,
    // tunnels run on until the worker's drain deadline.
    void beginDrain();
    void forceClose(CloseCause cause);
    // The configuration the session started with (a reload does not change it).
    const ProxyRuntime *runtime() const { return m_runtime.get(); }

    // Sends a frame into the live tunnel, toward the client or the upstream
    // (masked toward the upstream, RFC 6455 5.1), at the next frame boundary.
    bool inject(Direction direction, WsOpcode opcode, const QByteArray &payload, QString *error);

private:
    void streamReadable(TcpStream *stream) override;
    void streamDrained(TcpStream *stream) override;
    void streamConnected(TcpStream *stream) override;
    void streamTlsDone(TcpStream *stream) override;
    void clientTlsDone();
    void upstreamReady();
    // The current server's state is complete: its status (when it has none yet) and response time.
    void endUpstreamState(int status);
    // The request's access_log lines (once per request).
    void writeAccessLog();
    // Whether the connection stays open after an answer the proxy made
    // itself with `status`, and the end of such an answer either way.
    bool keepsAliveAfterOwnAnswer(int status) const;
    void endOwnAnswer(bool keepAlive, CloseCause cause);
    void emitConnectionOpened();
    // The one place the state changes: its clock (timeouts) restarts. Returns that time.
    qint64 setState(State state);

    void readClient();
    void readUpstream();
    void processClient();
    void processUpstream();
    void startExchange();
    // The request's start: its head, clocks and counters.
    void beginExchange(HttpRequestHead request);
    // A head refused after its request line (a bad header, an invalid Host):
    // the request as far as it was read, on the default server, so its
    // error_page answers as nginx's does. False when there is no such request.
    bool beginRefusedExchange();
    // Acts on a routed request (routeRequest, or an internal redirect's redirectRoute).
    void dispatchRoute(Route route);
    // sessionconnect.cpp: the upstream connect phase
    void startUpstream(const Route &route);
    void upstreamResolved(const QList<QHostAddress> &addresses);
    void cancelResolve();
    void connectNextUpstream();
    void handleConnectFailure(const QString &reason, bool timedOut);
    // nginx's ngx_http_upstream_next: the attempt failed with `condition`
    // (a NextUpstream flag); try the next server when proxy_next_upstream
    // allows it, else answer `status`.
    void upstreamFailed(quint32 condition, int status, const QString &reason);
    bool mayTryNext(quint32 condition) const;
    TcpStream *upstream() const { return m_attempt.stream(); }
    // The client's body bytes at hand upstream (or the buffered body's next
    // part); `head` first, in the same write.
    void forwardRequestBody(QByteArrayView head = {});
    // A proxied request once its body is read (or while it streams): the
    // upstream head, then the connect.
    void proxyRequest();
    // ReadingBody: the body bytes at hand into m_body; the request goes on
    // once it is complete.
    void readRequestBody();
    // ngx_http_discard_request_body: the body bytes at hand of a request the
    // proxy answers itself are read and dropped (the rest as they come), so
    // the connection can carry the next request. False: an invalid chunked body.
    bool discardRequestBody();
    bool wholeBodyAtHand() const; // the body's last byte is in m_client.in() already
    void handleResponseHead();
    void finishExchange();
    void startTunnel();
    void tunnelForward(bool fromClient, const char *data, qsizetype size);
    void handleTunnelEof(bool fromClient);
    // nginx's ngx_http_special_response_handler: the error_page for `status`
    // when one applies (errorpages.cpp), else nginx's page for it.
    void respondError(int status, const QByteArray &message, CloseCause cause);
    void sendSpecialPage(int status, const QByteArray &message, CloseCause cause);
    // errorpages.cpp: error_page (ngx_http_send_error_page) and proxy_intercept_errors
    bool redirectToErrorPage(int status);
    bool interceptUpstreamError(int status);
    void applyErrorStatus(HttpResponseHead &head) const; // nginx's r->err_status (ngx_http_send_header)
    void respondReturn(const Route &route);
    void logRouteNotes(const Route &route) const;
    void beginClosing(CloseCause cause);
    void finish(CloseCause cause);
    bool checkStreamFailures();
    void updateBackpressure();
    void logExchange();
    bool inspecting() const;
    void emitEvent(InspectPayload payload);
    // sessionanswers.cpp: the session's own answers and the header filters
    const LocationSettings &responseSettings() const; // the location's, else the server level's
    void filterHead(HttpResponseHead &head) const;     // add_header, expires
    void addKeepAliveHeader(HttpResponseHead &head) const; // "Keep-Alive: timeout=N" (keepalive_timeout)
    // Server and Date first (nginx's header filter), then the filters; the body is left out for HEAD.
    void writeOwnResponse(HttpResponseHead &head, const QByteArray &body);
    void startConnection();  // start()'s rest, after a PROXY protocol header
    void readProxyHeader();
    // proxy_hide_header / proxy_pass_header: what the client gets of the
    // upstream's headers, with the proxy's own Server and Date in place of
    // the upstream's (nginx's header filter), unless passed.
    void hideUpstreamHeaders(HttpResponseHead &out) const;
    // limit_rate for the response about to be written (ngx_http_write_filter's first call).
    void startSendRate(bool proxiedResponse);
    qint64 sizeValue(const ValueTemplate &value);
    void serveStaticFile(const QByteArray &uri);
    void pumpStaticFile();
    void reportHandshakeFindings(const struct WsHandshakeReport &report);
    QString describe() const { return m_client.log().describe(); }
    // A line (info and above) for the error_log in effect: the location's,
    // before one is chosen the server's (nginx's per-level error_log).
    LogLine logLine(QtMsgType type) const;

    Worker *m_worker;
    const quint64 m_id;
    RuntimeSnapshot m_runtime; // groups and TLS contexts of the configuration below
    ConfigSnapshot m_config;
    const ServerConfig *m_server;  // chosen by Host in startExchange()
    const int m_listenGroup;       // which listening address accepted us
    const LocationConfig *m_location = nullptr;
    quint16 m_listenPort;
    State m_state = State::ReadingHead;

    ClientConnection m_client; // the client socket, its heads, keep-alive and lingering close

    HttpRequestHead m_request;
    Route m_route; // as routing left it: the base of an internal redirect (with m_context's variables)
    // What nginx keeps on the request across an error_page redirect.
    struct ErrorPageState
    {
        int status = 0;      // r->err_status: the status every later answer goes out with (0: its own)
        bool used = false;   // r->error_page: no further error_page (unless recursive_error_pages)
        bool closes = false; // the first error ends the connection (r->keepalive = 0)
        QByteArray location; // the Location an earlier answer set (kept for the page's answer)
    };
    ErrorPageState m_errorPage;
    RequestContext m_context; // the request's variables as routing completed them (add_header values)
    HttpRequestHead m_forwardedRequest; // kept for upgrade requests: the handshake check reads it
    HttpResponseHead m_response;
    HttpResponseHead m_sentHead; // a proxied response's head as the client got it ($sent_http_*)
    HttpRelay m_relay; // the request and response bodies
    RequestBody m_body; // the request body read whole (proxy_request_buffering on)
    QByteArray m_upstreamHead; // serialized head waiting for the connect

    UpstreamAttempt m_attempt{this}; // the upstream socket of the current exchange, and its retries
    UpstreamSource m_pendingSource;  // while Resolving: the source waiting for its addresses
    quint16 m_resolvePort = 0;
    quint64 m_dnsTicket = 0;         // the DNS question waited for (DnsClient), 0: none
    QString m_upstreamName;          // who answers: "host:port", or "file"

    bool m_upgradeRequested = false;
    bool m_keepAlive = false;
    bool m_responseStarted = false; // something of a response went to the client
    CloseCause m_firstClose = CloseCause::None;

    std::unique_ptr<WebSocketTunnel> m_tunnel; // after a 101 (null before)
    StaticResponder m_static; // a root/alias file being sent (Exchange state, no upstream)
    QString m_closeDetail;

    QElapsedTimer m_exchangeTimer;
    QElapsedTimer m_upstreamTimer;
    qint64 m_upstreamReadAtStart = 0;    // the upstream stream's counters when this server was picked
    qint64 m_upstreamWrittenAtStart = 0;
    qint64 m_requestStartMs = 0;       // Unix ms ($request_time, $msec)
    qint64 m_bytesWrittenAtStart = 0;  // the client's bytes before this request's response ($bytes_sent)
    qint64 m_responseHeadBytes = 0;    // the head this request's response began with
    bool m_awaitingProxyHeader = false; // listen ... proxy_protocol: the header comes before anything else
    bool m_accessLogged = false;       // this request's access_log lines are written   // since the current server was picked ($upstream_*_time)
    qint64 m_stateSinceMs = 0;
    qint64 m_lastClientActivityMs = 0;
    qint64 m_lastUpstreamActivityMs = 0;
    WriteProgress m_clientWrites;
    WriteProgress m_upstreamWrites;
};
