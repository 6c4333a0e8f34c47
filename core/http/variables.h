#pragma once

#include "httpheaders.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>

#include <functional>
#include <memory>
#include <optional>

class MapVariable;
struct ssl_st;

// One server tried for a request (nginx's ngx_http_upstream_state_t), in
// the order tried: $upstream_addr, $upstream_status and the times.
struct UpstreamState
{
    QByteArray address;   // "127.0.0.1:8081", or the group's name when none was live
    int status = 0;       // the response's, or 502/504 for a failure; 0: none ("-")
    qint64 connectMs = -1; // -1: not (yet) known ("-")
    qint64 headerMs = -1;
    qint64 responseMs = -1;
    qint64 bytesReceived = 0;  // from this server, head included ($upstream_bytes_received)
    qint64 bytesSent = 0;      // to it ($upstream_bytes_sent)
    qint64 responseLength = 0; // its response body ($upstream_response_length)
};

// What nginx-style variables are evaluated against: one client request on
// one connection, plus where the proxy is sending it.
struct RequestContext
{
    const HttpRequestHead *request = nullptr;
    QHostAddress remoteAddress;
    QByteArray remoteAddressText; // remoteAddress.toString(), when the caller has it already
    quint16 remotePort = 0;
    QByteArray scheme = "http";
    quint16 serverPort = 0;
    QHostAddress serverAddress; // $server_addr: the local address of the connection
    QByteArray serverName;
    QByteArray proxyHost; // host[:port] of the proxy_pass target ($proxy_host)
    QByteArray proxyPort; // its port, the scheme's default when none is written ($proxy_port)
    QByteArray uri;       // the normalized, decoded path ($uri); null: derived from the target
    QByteArray args;      // $args once a rewrite or redirect changed them; null: from the target
    bool uriInvalid = false; // the target made no URI: no $request_uri, no $args
    bool argsChanged = false;
    // The rewrite module's state: $1..$9 of the last regex that matched
    // (location, rewrite, if), and the values of `set` variables and named
    // captures by index (null: not set in this request).
    // A map's regex sets the captures while the map is evaluated, as
    // nginx's r->captures (hence mutable: reading $mapped changes $1).
    mutable QList<QByteArray> captures;
    QList<QByteArray> userValues;
    // The client connection's TLS: every $ssl_* variable is read from it when
    // a request asks (TlsVariables); null on plain connections.
    ssl_st *ssl = nullptr;
    // The upstream side, as the session learns it.
    QList<UpstreamState> upstreamStates;
    const HttpResponseHead *upstreamResponse = nullptr; // $upstream_http_*, $upstream_cookie_*
    const HttpResponseHead *response = nullptr;         // $sent_http_*: the head being sent
    // The request as the access log sees it (ngx_http_log_module's variables).
    int status = 0;               // $status (0 until a response is made)
    qint64 bodyBytesSent = 0;     // $body_bytes_sent
    qint64 bytesSent = 0;         // $bytes_sent: head and body
    qint64 requestLength = 0;     // $request_length: head and body read
    qint64 startMs = 0;           // when the request began, Unix ms ($request_time)
    quint64 connection = 0;       // $connection
    int connectionRequests = 0;   // $connection_requests: this one included
    qint64 connectionStartMs = 0; // when the connection was accepted, Unix ms ($connection_time)
    // $request_body: the body read into memory (nginx: empty when it went to
    // a temporary file, or was not read); nullptr: none.
    const QByteArray *requestBody = nullptr;
    QByteArray requestBodyFile; // $request_body_file: the body's temporary file (empty: none)
    bool pipelined = false;       // $pipe: "p", else "."
    // $limit_rate (r->limit_rate): bytes per second, 0 until `set
    // $limit_rate`, X-Accel-Limit-Rate or the response's first write
    // (which takes the location's limit_rate) decides it.
    qint64 limitRate = 0;
    bool limitRateSet = false;
    // The realip module changed remoteAddress/remotePort; the connection's
    // own are kept for $realip_remote_addr and $realip_remote_port.
    bool realIpSet = false;
    bool unixClient = false; // over a `listen unix:` socket: $remote_addr "unix:", no port
    // The connection's PROXY protocol header (listen ... proxy_protocol):
    // $proxy_protocol_addr and friends, real_ip_header proxy_protocol.
    const struct ProxyProtocolHeader *proxyProtocol = nullptr;
    QByteArray peerAddressText;
    quint16 peerPort = 0;

    // $remote_addr: remoteAddressText, or the address's text when the caller left it empty.
    QByteArray remoteAddressOrText() const
    {
        return remoteAddressText.isEmpty() ? remoteAddress.toString().toLatin1() : remoteAddressText;
    }
};

// How a log_format writes a variable's value (ngx_http_log_escape,
// ngx_escape_json): an empty value is "-" except in json.
enum class LogEscape : quint8 { Default, Json, None };

// A header value with $variables, compiled once at config load into
// literal and variable segments (nginx's complex values).
class ValueTemplate
{
public:
    enum class Variable {
        HttpHeader, // $http_NAME
        Cookie,     // $cookie_NAME
        Arg,        // $arg_NAME
        Host,
        HttpHost,
        ProxyHost,
        RemoteAddr,
        RemotePort,        // empty for port 0 (an address from real_ip_header without one)
        RealIpRemoteAddr,  // the connection's address, whatever realip made $remote_addr
        RealIpRemotePort,
        ProxyAddXForwardedFor,
        Scheme,
        RequestUri,
        Uri,
        Args,
        IsArgs,
        RequestMethod,
        ServerName,
        ServerPort,
        ServerAddr,
        ServerProtocol,
        Https,             // "on" for a TLS connection, else empty
        UpstreamAddr,
        UpstreamStatus,
        UpstreamConnectTime,
        UpstreamHeaderTime,
        UpstreamResponseTime,
        UpstreamResponseLength,
        UpstreamBytesReceived,
        UpstreamBytesSent,
        ProxyPort,
        SentHttp,          // $sent_http_NAME: the response's header
        UpstreamHttp,      // $upstream_http_NAME: the upstream response's header
        UpstreamCookie,    // $upstream_cookie_NAME: a cookie the upstream set
        Status,
        BodyBytesSent,
        BytesSent,
        RequestLength,
        RequestTime,
        Msec,
        TimeLocal,
        TimeIso8601,
        Request,           // the request line: "GET /x HTTP/1.1"
        Connection,
        ConnectionRequests,
        ConnectionTime,    // seconds since the connection was accepted, with milliseconds
        RequestBody,
        RequestBodyFile,   // the temporary file the body went to
        Tls,               // $ssl_session_id, $ssl_client_verify, ... (TlsVariables, by name)
        Pipe,
        ProxyProtocolAddr, // $proxy_protocol_addr, _port, _server_addr, _server_port (by name, in Segment text)
        LimitRate,         // the rate the response is (or will be) sent at; `set $limit_rate` changes it
        RemoteUser,        // the user name of Basic authorization
        ContentLength,     // the request's
        ContentType,
        ConnectionUpgrade, // built-in equivalent of the seeds' map
        Map,               // a `map` block's variable (config compiler)
        Capture,           // $1..$9: the last regex match's groups
        User,              // a `set` variable or a named capture (by index)
    };
    // Resolves a name to a `map` variable (nullptr: not a map); consulted
    // before the built-in names, so a map may define $connection_upgrade.
    using MapLookup = std::function<std::shared_ptr<const MapVariable>(QByteArrayView name)>;

    ValueTemplate() = default;
    // nullopt with *error set for an unknown variable or bad syntax.
    static std::optional<ValueTemplate> compile(QByteArrayView text, QString *error);
    static std::optional<ValueTemplate> compile(QByteArrayView text, QString *error, const MapLookup &maps);
    // Resolves a name to a user variable's index (`set`, named captures;
    // -1: none); consulted after the maps, before the built-in names (a
    // `set $http_x` wins over the header once set in the request).
    using UserLookup = std::function<int(QByteArrayView name)>;
    static std::optional<ValueTemplate> compile(QByteArrayView text, QString *error, const MapLookup &maps,
                                                const UserLookup &users);
    static ValueTemplate literal(QByteArray text);

    // Never contains CR, LF or NUL: a variable cannot inject a header line.
    QByteArray expand(const RequestContext &context) const;
    // For a response body (`return 200 "text\n"`): the same text with its
    // CR/LF kept.
    QByteArray expandBody(const RequestContext &context) const;
    // For add_header: a line break written in the configuration goes out as
    // written (nginx sends it), the variables' values are made safe as in expand().
    QByteArray expandWrittenBreaks(const RequestContext &context) const;
    // For a rewrite's replacement: the captures escaped as arguments
    // (ngx_http_script_copy_capture_code, when the request's URI had
    // escapes or "+" and the text is arguments or a redirect).
    QByteArray expandRewrite(const RequestContext &context, bool escapeCaptures) const;
    // For an access log line: each variable's value escaped, "-" when not
    // found (not in json; a value found empty is nothing), the literal text
    // as written.
    QByteArray expandLog(const RequestContext &context, LogEscape escape) const;
    // The user variables it reads (uninitialized_variable_warn).
    QList<int> userVariables() const;
    bool isConstant() const;
    bool usesVariable(Variable variable) const;
    const QByteArray &source() const { return m_source; }
    // The same template text (what a configuration compares).
    bool operator==(const ValueTemplate &o) const { return m_source == o.m_source; }

    static std::optional<Variable> lookupVariable(QByteArrayView name);

private:
    struct Segment
    {
        QByteArray text; // literal text, or the header name for HttpHeader (and a User's fallback)
        std::optional<Variable> variable;
        std::shared_ptr<const MapVariable> map; // for Variable::Map
        int index = 0;                     // Capture: the group; User: the variable
        std::optional<Variable> fallback;  // User: the built-in variable of that name, until set
    };
    QByteArray segmentValue(const Segment &s, const RequestContext &context, bool escapeCaptures) const;
    static bool emptyIsNotFound(const Segment &s, const QByteArray &value);

    QList<Segment> m_segments;
    QByteArray m_source;
};

QByteArray evaluateVariable(ValueTemplate::Variable variable, QByteArrayView headerName,
                            const RequestContext &context);

// $args as the request has them now (after rewrites).
QByteArray currentArgs(const RequestContext &context);
