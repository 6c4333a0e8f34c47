#pragma once

#include "inspect/inspectevent.h"
#include "websocket/frameparser.h"
#include "websocket/permessagedeflate.h"

#include <QByteArray>
#include <QList>

#include <functional>
#include <memory>

class EventBatcher;

// One direction of a WebSocket tunnel, between the bytes read from one peer
// and the bytes written to the other. It watches frames (RFC 6455) and
// reports them as events, but the bytes it relays are the bytes it read,
// except for two things the proxy itself asked for:
//  - frames injected by the proxy (keepalive pings, the send panel's
//    messages, a closing frame) are placed between frames, never inside
//    one; data frames only between messages (RFC 6455 5.4);
//  - pongs answering the proxy's own pings are cut out, so the other peer
//    never sees them (at most one control frame, <= 139 bytes, is held
//    back while its payload arrives).
// With inspection off and nothing injected it is a plain pass-through.
class TunnelTap final : private WsFrameSink
{
    Q_DISABLE_COPY_MOVE(TunnelTap)

public:
    using Output = std::function<void(const char *data, qsizetype size)>;

    struct Options
    {
        bool inspect = true;           // parse frames and report events
        qsizetype previewCap = 64 * 1024;
    };

    TunnelTap(Direction direction, Options options, Output output);
    ~TunnelTap() override;

    // Events go to `report` when `events` (may be null) has subscribers;
    // the clock times pong round trips.
    void setEventSink(EventBatcher *events, std::function<void(InspectPayload)> report,
                      std::function<qint64()> clockNs);
    // permessage-deflate was negotiated: compressed messages are inflated for
    // display with the compressing side's promises (RFC 7692). The relayed
    // bytes stay compressed.
    void setPerMessageDeflate(const WsDeflateDirectionParams &params);
    // Compressed messages are previewed whole (up to this) so the shared
    // window stays in sync; larger ones lose the inflate context.
    static constexpr qsizetype CompressedPreviewCap = 4 * 1024 * 1024;

    // Relays bytes read from the source peer. Inline for the common case
    // of a tunnel nobody watches: count and hand on.
    void relay(const char *data, qsizetype size)
    {
        if (m_options.inspect || slowPath()) {
            relayWatched(data, size);
            return;
        }
        if (size <= 0)
            return;
        m_fed += size;
        m_emitted += size;
        m_output(data, size);
    }
    // Frame ends remembered for cutting the stream (tests: must not grow
    // while nothing waits to be placed).
    qsizetype pendingFrameEnds() const { return m_boundaries.size(); }
    // Queues a complete frame (already masked as this direction requires)
    // for the next frame boundary; sent at once when the stream is between
    // frames. Returns false if the stream can no longer be framed.
    bool inject(QByteArray frame, bool isControl, std::optional<InspectPayload> event = std::nullopt);
    // The proxy's own frame (the send panel, a keepalive ping): built and
    // masked as this direction requires (RFC 6455 5.1: toward the server
    // only), reported as injected while someone inspects, then inject()ed.
    bool injectFrame(WsOpcode opcode, const QByteArray &payload);
    // A close frame of the proxy's own (not reported: the close is).
    bool injectClose(quint16 code, const QString &reason);
    qsizetype pendingInjections() const { return m_injections.size(); }

    // A ping the proxy sent the *other* way: its pong comes back through
    // this tap and is cut out. RTT is measured from `sentNs`.
    void expectPong(QByteArray payload, qint64 sentNs);
    qsizetype outstandingPongs() const { return m_expectedPongs.size(); }
    // The time the oldest unanswered proxy ping was sent, or -1.
    qint64 oldestPingNs() const { return m_expectedPongs.isEmpty() ? -1 : m_expectedPongs.constFirst().sentNs; }
    qint64 lastRoundTripUs() const { return m_lastRttUs; }

    bool closeSeen() const { return m_parser.closeSeen(); }
    const std::optional<WsCloseInfo> &closeInfo() const { return m_close; }
    bool isDesynchronised() const { return m_parser.isDesynchronised(); }

private:
    struct Injection
    {
        QByteArray frame;
        bool control = false;
        std::optional<InspectPayload> event; // reported when the frame goes out
    };
    struct ExpectedPong
    {
        QByteArray payload;
        qint64 sentNs = 0;
    };
    struct Boundary
    {
        qint64 offset = 0;
        bool messageBoundary = false;
    };
    struct Cut
    {
        qint64 start = 0;
        qint64 end = 0;
    };

    // WsFrameSink
    void onFrameHeader(const WsFrameInfo &frame) override;
    void onFrameEnd(const WsFrameInfo &frame) override;
    void onMessage(const WsMessage &message) override;
    void onControlFrame(const WsFrameInfo &frame, QByteArrayView payload, const WsCloseInfo &close) override;
    void onViolation(const WsViolation &violation) override;

    void relayWatched(const char *data, qsizetype size);
    bool reporting() const;
    std::optional<quint32> maskKey() const;
    bool slowPath() const { return !m_injections.isEmpty() || !m_expectedPongs.isEmpty() || !m_held.isEmpty(); }
    void emitRange(qint64 from, qint64 to);
    void flushInjections(bool messageBoundary);
    void report(InspectPayload payload);

    Direction m_direction;
    Options m_options;
    Output m_output;
    WsFrameParser m_parser;
    EventBatcher *m_events = nullptr;
    std::function<void(InspectPayload)> m_report;
    std::function<qint64()> m_clockNs;

    // QList: nothing allocated until the proxy injects or pings.
    QList<Injection> m_injections;
    QList<ExpectedPong> m_expectedPongs;
    QList<Boundary> m_boundaries;  // frame ends seen during the current slow-path relay()
    bool m_collectBoundaries = false;
    QList<Cut> m_cuts;             // swallowed pongs, stream offsets
    qint64 m_candidateStart = -1;  // a pong in progress that may be ours
    qint64 m_nextFrameStart = 0;   // where the frame after the last complete one begins
    qint64 m_headerSeenAt = -1;    // offset of the last frame whose header was parsed
    QByteArray m_held;             // stream bytes [m_emitted, m_fed) not written yet
    qint64 m_emitted = 0;          // stream offset written (or cut) so far
    qint64 m_fed = 0;              // stream offset fed to the parser
    qint64 m_lastRttUs = -1;
    std::optional<WsCloseInfo> m_close;
    std::unique_ptr<WsInflater> m_inflater;
};
