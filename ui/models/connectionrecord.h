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
    // The preview (capped by ws_preview_size). In a ConnectionsModel it points
    // into the model's frame arena (QByteArray::fromRawData): valid while the
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

// Everything the window knows about one connection, built from its events.
struct ConnectionRecord
{
    enum class State : quint8 { Connecting, Routed, Open, Http, Closed, Failed };

    // `frameMemory`: where the frames are allocated (the model's arena).
    explicit ConnectionRecord(std::pmr::memory_resource *frameMemory = std::pmr::get_default_resource())
        : frames(frameMemory)
    {
    }

    quint64 id = 0;
    qsizetype row = 0;           // position in the model's history (its row once shown)
    qint64 openedWallMs = 0;
    qint64 openedNs = 0;
    qint64 lastWallMs = 0;
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
    // The events a capture would have seen, rebuilt from what is kept (for HAR export).
    QList<InspectEvent> toEvents() const;
};
