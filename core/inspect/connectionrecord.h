#pragma once

#include "inspect/inspectevent.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <deque>
#include <memory_resource>
#include <optional>

// One frame or message as the frames view keeps it: compact, no display
// strings (those are built in data() when a row is painted).
struct FrameRecord
{
    qint64 monotonicNs = 0;
    qint64 wallMs = 0;
    // The preview (capped by ws_preview_size). In a ConnectionStore it points
    // into the store's frame arena (QByteArray::fromRawData): valid while the
    // frame is kept; copy the bytes to keep them longer.
    QByteArray payload;
    quint64 length = 0;          // the whole payload's length
    qint64 roundTripUs = -1;     // a pong: how long after its ping
    WsOpcode opcode = WsOpcode::Text;
    Direction direction = Direction::ClientToUpstream;
    bool injected = false;
    bool swallowed = false;
    bool inflated = false;
    bool truncated = false;
    bool compressed = false;

    bool isControl() const { return wsIsControlOpcode(opcode); }
};

struct PingSample
{
    qint64 wallMs = 0;
    qint64 roundTripUs = -1;     // -1: a timeout (no pong came)
    Direction direction = Direction::ClientToUpstream; // where the ping went
    bool proxy = false;          // the proxy's own keepalive ping
};

// One request/response exchange on a connection: each keep-alive request
// starts one, and the WebSocket upgrade is the last. Times are the monotonic
// clock of the events (see InspectEvent); -1 where it did not happen (yet).
// The heads are implicitly shared with the connection's summary fields.
struct ExchangeRecord
{
    quint64 seq = 0;              // store-wide arrival order
    qint64 startNs = 0;           // the request head arrived (or the first event of an exchange without one)
    qint64 forwardedNs = -1;      // the head went upstream
    qint64 responseNs = -1;       // the response head came
    qint64 endNs = -1;            // the exchange ended (HttpExchangeEvent, or the connection closed)
    std::optional<HttpRequestHead> received;
    std::optional<HttpRequestHead> forwarded;
    std::optional<RouteEvent> route;
    std::optional<ResponseHeadEvent> response;
    std::optional<TunnelEvent> tunnel;
    std::optional<HttpExchangeEvent> result;
    QList<FindingEvent> findings;
    QList<ViolationEvent> violations;
    quint64 firstFrameSeq = 0;    // frames from this sequence number on belong to this exchange
    bool finished = false;
    bool endedByClose = false;    // still running when the connection closed (its ClosedEvent says why)
};

// Everything known about one connection, built from its events by a
// ConnectionStore. The summary fields (received ... exchange) hold what the
// latest exchange carried, as the connection list shows it; `exchanges`
// keeps each exchange with its own heads and times (for HAR).
struct ConnectionRecord
{
    enum class State : quint8 { Connecting, Routed, Open, Http, Closed, Failed };

    // `frameMemory`: where the frames are allocated (the store's arena).
    explicit ConnectionRecord(std::pmr::memory_resource *frameMemory = std::pmr::get_default_resource())
        : frames(frameMemory)
    {
    }

    quint64 id = 0;
    qsizetype row = 0;           // position in the store (the model's row once shown)
    qint64 openedWallMs = 0;
    qint64 openedNs = 0;
    qint64 lastWallMs = 0;
    qint64 lastNs = 0;           // latest event of the connection
    // The first event's two clocks: wall times of later events are this
    // anchor plus monotonic offsets (sub-millisecond, never running backwards).
    qint64 anchorNs = 0;
    qint64 anchorWallMs = 0;
    std::optional<ConnectionOpenedEvent> opened;
    std::optional<HttpRequestHead> received;
    std::optional<HttpRequestHead> forwarded;
    std::optional<RouteEvent> route;
    std::optional<ResponseHeadEvent> response;
    std::optional<TunnelEvent> tunnel;
    QList<FindingEvent> findings;
    QList<ViolationEvent> violations;
    std::optional<ClosedEvent> closed;
    qint64 closedWallMs = 0;
    std::optional<HttpExchangeEvent> exchange;
    std::deque<ExchangeRecord> exchanges; // oldest first; the oldest finished go under the exchange cap
    quint64 exchangesDropped = 0;

    qint64 framesUp = 0;         // client -> upstream (messages and control frames)
    qint64 framesDown = 0;
    qint64 bytesUp = 0;          // payload bytes; wire bytes once closed
    qint64 bytesDown = 0;
    qint64 lastRttUs = -1;

    std::pmr::deque<FrameRecord> frames;
    quint64 frameBaseSeq = 0;    // sequence number of frames.front()
    quint64 framesDropped = 0;   // older frames trimmed off the front (history caps)
    quint64 framesNotCaptured = 0; // frames that went by while capture was paused
    qint64 frameMemory = 0;      // estimated bytes held by `frames` (for the memory cap)
    QList<PingSample> pings;     // bounded
    // Pings in flight, by payload, per direction they travelled.
    QHash<QByteArray, qint64> openPings[2];

    bool dirty = false;          // changed since the last flush

    State state() const;
    bool hasError() const;
    quint64 frameEndSeq() const { return frameBaseSeq + frames.size(); }
    QString clientText() const;
    QString pathText() const;
    QString upstreamText() const;
    // Wall-clock milliseconds (fractional) at a monotonic time of this connection.
    double wallMsAt(qint64 monotonicNs) const
    {
        return double(anchorWallMs) + double(monotonicNs - anchorNs) / 1e6;
    }
    // One past the last frame sequence number that belongs to exchanges[i].
    quint64 exchangeFrameEnd(size_t i) const
    {
        return i + 1 < exchanges.size() ? exchanges[i + 1].firstFrameSeq : frameEndSeq();
    }
};
