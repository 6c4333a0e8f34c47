#pragma once

#include "http/httpheaders.h"
#include "inspect/closecause.h"
#include "websocket/websocketframe.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

// What the proxy saw, as plain copyable values (no QObject, no pointers into
// sessions). Every consumer (GUI models, the remote-attach channel, captures,
// logs, metrics) reads the same stream, so each event must make sense on its
// own and survive a JSON round trip.

enum class Direction : quint8 {
    ClientToUpstream, // "send" in Chrome's HAR terms
    UpstreamToClient, // "receive"
};

struct ConnectionOpenedEvent
{
    QHostAddress clientAddress;
    quint16 clientPort = 0;
    QString listener;         // "127.0.0.1:8080"
    bool tls = false;         // accepted on a TLS socket
    QString tlsProtocol;      // "TLSv1.3" (empty: the handshake failed or the client spoke plain HTTP)
    QString tlsServerName;    // SNI
    QString tlsCipher;        // "TLS_AES_256_GCM_SHA384"
    QString tlsAlpn;          // "http/1.1" or empty
    QString tlsError;         // why the handshake failed, or that the client spoke plain HTTP
};

// The request head as the client sent it (forwarded == false) and as it went
// upstream (forwarded == true), so a viewer can diff the two.
struct RequestHeadEvent
{
    HttpRequestHead head;
    bool forwarded = false;
};

struct RouteEvent
{
    QString serverName;       // matched server block
    QString location;         // matched location, e.g. "/ws/"
    QString upstreamGroup;    // "websocket"
    QString upstreamServer;   // "127.0.0.1:8010"
    QString algorithm;        // "round-robin", "ip_hash", ...
    QString key;              // balancing key when the method uses one
    QStringList skipped;      // "127.0.0.1:8011 (down)", ...
    int attempt = 1;          // 2+ when proxy_next_upstream moved on
};

struct ResponseHeadEvent
{
    HttpResponseHead head;
    bool fromUpstream = true; // false: the proxy answered itself (4xx/5xx)
};

struct TunnelEvent
{
    QString subprotocol;      // Sec-WebSocket-Protocol selected by the upstream
    QString extensions;       // Sec-WebSocket-Extensions as negotiated
    bool perMessageDeflate = false;
};

struct FrameEvent
{
    Direction direction = Direction::ClientToUpstream;
    WsFrameInfo frame;
    bool injected = false;    // written by the proxy, not relayed
};

struct MessageEvent
{
    Direction direction = Direction::ClientToUpstream;
    WsMessage message;        // preview capped; inflated when compressed
    bool inflated = false;    // preview holds the inflated payload
    bool injected = false;
};

// Ping, pong and close frames, with the payload (<= 125 bytes).
struct ControlFrameEvent
{
    Direction direction = Direction::ClientToUpstream;
    WsOpcode opcode = WsOpcode::Ping;
    QByteArray payload;
    std::optional<WsCloseInfo> close;
    bool injected = false;    // a keepalive ping of the proxy's own
    bool swallowed = false;   // a pong answering the proxy's ping: not relayed
    qint64 roundTripUs = -1;  // on a pong that answered a proxy ping
};

struct ViolationEvent
{
    Direction direction = Direction::ClientToUpstream;
    WsViolation violation;
};

// A handshake check's result, with the one-line explanation users need.
struct FindingEvent
{
    enum class Severity : quint8 { Info, Warning, Error };
    Severity severity = Severity::Info;
    QString code;             // stable id, e.g. "accept-mismatch", "subprotocol-not-echoed"
    QString text;
};

struct ClosedEvent
{
    CloseCause cause = CloseCause::None;
    QString detail;           // e.g. the socket error
    std::optional<WsCloseInfo> clientClose;   // close frame the client sent
    std::optional<WsCloseInfo> upstreamClose; // close frame the upstream sent
    qint64 bytesFromClient = 0;
    qint64 bytesFromUpstream = 0;
    qint64 durationMs = 0;
};

struct HttpExchangeEvent
{
    int status = 0;
    qint64 requestBodyBytes = 0;
    qint64 responseBodyBytes = 0;
    qint64 durationMs = 0;
};

using InspectPayload = std::variant<ConnectionOpenedEvent, RequestHeadEvent, RouteEvent, ResponseHeadEvent,
                                    TunnelEvent, FrameEvent, MessageEvent, ControlFrameEvent, ViolationEvent,
                                    FindingEvent, ClosedEvent, HttpExchangeEvent>;

struct InspectEvent
{
    quint64 connectionId = 0;
    qint64 monotonicNs = 0;  // QElapsedTimer-style clock, for ordering and RTTs
    qint64 wallMs = 0;       // ms since the epoch, for display and HAR
    int worker = -1;
    InspectPayload payload;

    template <typename T> const T *as() const { return std::get_if<T>(&payload); }
};

// Stable names for each payload kind ("connection-opened", ...), used by the
// JSON form and filters.
QLatin1String inspectEventKindName(const InspectPayload &payload);
