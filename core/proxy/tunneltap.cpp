#include "tunneltap.h"

#include "inspect/eventbus.h"
#include "websocket/framewriter.h"

TunnelTap::TunnelTap(Direction direction, Options options, Output output)
    : m_direction(direction)
    , m_options(options)
    , m_output(std::move(output))
    , m_parser(direction == Direction::ClientToUpstream ? WsFrameParser::Role::ClientToServer
                                                       : WsFrameParser::Role::ServerToClient,
               this, options.previewCap)
{
}

TunnelTap::~TunnelTap() = default;

void TunnelTap::setEventSink(EventBatcher *events, std::function<void(InspectPayload)> report,
                             std::function<qint64()> clockNs)
{
    m_events = events;
    m_report = std::move(report);
    m_clockNs = std::move(clockNs);
}

void TunnelTap::setPerMessageDeflate(const WsDeflateDirectionParams &params)
{
    m_parser.setPerMessageDeflate(true);
    m_inflater = std::make_unique<WsInflater>(params, m_options.previewCap);
}

void TunnelTap::report(InspectPayload payload)
{
    if (m_events && m_events->isActive() && m_report)
        m_report(std::move(payload));
}

void TunnelTap::relayWatched(const char *data, qsizetype size)
{
    if (size <= 0)
        return;
    if (!slowPath()) {
        // Fast path: watch (maybe) and pass everything on untouched.
        if (m_options.inspect && !m_parser.isDesynchronised())
            m_parser.feed(data, size);
        m_fed += size;
        m_emitted += size;
        m_output(data, size);
        return;
    }

    // Slow path: the proxy has frames to place or pongs to swallow, so the
    // stream is cut at frame boundaries. The bytes stay in order.
    m_held.append(data, size);
    m_boundaries.clear();
    // Frame ends are collected only here, where the stream is cut at them.
    m_collectBoundaries = true;
    m_parser.feed(data, size);
    m_collectBoundaries = false;
    m_fed += size;

    if (m_parser.isDesynchronised()) {
        // Framing is lost: relay everything, drop what was waiting.
        m_cuts.clear();
        m_candidateStart = -1;
        m_expectedPongs.clear();
        m_injections.clear();
        emitRange(m_emitted, m_fed);
        return;
    }

    qint64 limit = m_candidateStart >= 0 ? m_candidateStart : m_fed;
    // A frame whose header is still incomplete may turn out to be our pong:
    // hold it back too (at most 13 bytes).
    if (!m_expectedPongs.isEmpty() && !m_parser.atFrameBoundary() && m_headerSeenAt != m_nextFrameStart)
        limit = qMin(limit, m_nextFrameStart);
    for (const Boundary &b : std::as_const(m_boundaries)) {
        if (b.offset > limit)
            break;
        emitRange(m_emitted, b.offset);
        flushInjections(b.messageBoundary);
    }
    emitRange(m_emitted, limit);
    if (limit == m_fed && m_parser.atFrameBoundary())
        flushInjections(!m_parser.inFragmentedMessage());
}

void TunnelTap::emitRange(qint64 from, qint64 to)
{
    // Writes stream bytes [from, to) minus cut ranges; `m_held` starts at m_emitted.
    Q_ASSERT(from == m_emitted);
    if (to <= from)
        return;
    qint64 pos = from;
    while (pos < to) {
        qint64 segmentEnd = to;
        qint64 skipTo = -1;
        for (qsizetype i = 0; i < m_cuts.size(); ++i) {
            const Cut &c = m_cuts.at(i);
            if (c.end <= pos)
                continue;
            if (c.start <= pos) {
                skipTo = qMin(c.end, to);
                break;
            }
            if (c.start < segmentEnd)
                segmentEnd = c.start;
        }
        if (skipTo >= 0) {
            pos = skipTo;
            continue;
        }
        const qint64 n = segmentEnd - pos;
        m_output(m_held.constData() + (pos - m_emitted), qsizetype(n));
        pos = segmentEnd;
    }
    m_held.remove(0, qsizetype(to - m_emitted));
    m_emitted = to;
    m_cuts.removeIf([to](const Cut &c) { return c.end <= to; });
    if (m_held.isEmpty())
        m_held.squeeze();
}

void TunnelTap::flushInjections(bool messageBoundary)
{
    while (!m_injections.isEmpty()) {
        Injection &inj = m_injections.first();
        // A data frame may not interrupt a fragmented message (RFC 6455 5.4).
        if (!inj.control && !messageBoundary)
            return;
        m_output(inj.frame.constData(), inj.frame.size());
        if (inj.event)
            report(std::move(*inj.event));
        m_injections.removeFirst();
    }
}

bool TunnelTap::inject(QByteArray frame, bool isControl, std::optional<InspectPayload> event)
{
    if (m_parser.isDesynchronised())
        return false;
    m_injections.append(Injection{std::move(frame), isControl, std::move(event)});
    // Between frames now (and nothing held)? Then it goes out at once.
    if (m_held.isEmpty() && m_candidateStart < 0 && m_parser.atFrameBoundary())
        flushInjections(!m_parser.inFragmentedMessage());
    return true;
}

bool TunnelTap::reporting() const
{
    return m_options.inspect && m_events && m_events->isActive() && m_report;
}

std::optional<quint32> TunnelTap::maskKey() const
{
    return m_direction == Direction::ClientToUpstream ? std::optional<quint32>(wsRandomMaskKey()) : std::nullopt;
}

bool TunnelTap::injectFrame(WsOpcode opcode, const QByteArray &payload)
{
    const bool control = wsIsControlOpcode(opcode);
    std::optional<InspectPayload> event;
    if (reporting()) {
        if (control) {
            ControlFrameEvent e;
            e.direction = m_direction;
            e.opcode = opcode;
            e.payload = payload;
            e.injected = true;
            event = std::move(e);
        } else {
            MessageEvent e;
            e.direction = m_direction;
            e.message.opcode = opcode;
            e.message.preview = payload.left(m_options.previewCap);
            e.message.totalLength = quint64(payload.size());
            e.message.frameCount = 1;
            e.message.truncated = e.message.preview.size() < payload.size();
            e.injected = true;
            event = std::move(e);
        }
    }
    return inject(wsBuildFrame(opcode, payload, true, maskKey()), control, std::move(event));
}

bool TunnelTap::injectClose(quint16 code, const QString &reason)
{
    return inject(wsBuildCloseFrame(code, reason, maskKey()), true);
}

void TunnelTap::expectPong(QByteArray payload, qint64 sentNs)
{
    m_expectedPongs.append(ExpectedPong{std::move(payload), sentNs});
}

// ---------------------------------------------------------------- parser sink

void TunnelTap::onFrameHeader(const WsFrameInfo &frame)
{
    m_headerSeenAt = frame.offset;
    // The first frame of a data message: a compressed one is kept whole for
    // the inflater (the parser latches the cap when the message begins).
    if (m_inflater && m_options.inspect && !frame.isControl() && frame.opcode != WsOpcode::Continuation)
        m_parser.setPreviewCap(frame.rsv1 ? CompressedPreviewCap : m_options.previewCap);
    if (frame.opcode == WsOpcode::Pong && !m_expectedPongs.isEmpty() && frame.payloadLength <= 125)
        m_candidateStart = frame.offset;
}

void TunnelTap::onFrameEnd(const WsFrameInfo &frame)
{
    const qint64 end = frame.payloadOffset() + qint64(frame.payloadLength);
    m_nextFrameStart = end;
    // Called before the parser closes the message, hence the fin test.
    const bool messageBoundary = frame.isControl() ? !m_parser.inFragmentedMessage() : frame.fin;
    if (m_collectBoundaries)
        m_boundaries.append(Boundary{end, messageBoundary});
    // Frames of a fragmented message are reported one by one; a message in
    // a single frame is fully described by its message event.
    if (m_options.inspect && !frame.isControl() && (!frame.fin || frame.opcode == WsOpcode::Continuation)) {
        FrameEvent e;
        e.direction = m_direction;
        e.frame = frame;
        report(std::move(e));
    }
}

void TunnelTap::onMessage(const WsMessage &message)
{
    if (!m_options.inspect)
        return;
    MessageEvent e;
    e.direction = m_direction;
    e.message = message;
    if (message.compressed && m_inflater) {
        // Inflated for display only; what was relayed stays compressed.
        WsInflateResult r;
        if (message.truncated) {
            r.status = WsInflateStatus::ContextLost;
            r.error = QStringLiteral("message larger than %1 bytes: not inflated").arg(CompressedPreviewCap);
            if (!m_inflater->params().noContextTakeover)
                m_inflater.reset(); // its window would be wrong from here on
        } else {
            r = m_inflater->inflateMessage(message.preview);
        }
        if (r.isOk()) {
            e.message.preview = r.payload;
            e.message.truncated = r.truncated;
            e.inflated = true;
        } else {
            e.message.preview.truncate(m_options.previewCap);
            e.message.truncated = true;
            FindingEvent f;
            f.severity = FindingEvent::Severity::Warning;
            f.code = QStringLiteral("inflate-failed");
            f.text = r.error;
            report(std::move(f));
        }
    }
    report(std::move(e));
}

void TunnelTap::onControlFrame(const WsFrameInfo &frame, QByteArrayView payload, const WsCloseInfo &close)
{
    ControlFrameEvent e;
    e.direction = m_direction;
    e.opcode = frame.opcode;
    e.payload = payload.toByteArray();
    if (frame.opcode == WsOpcode::Close) {
        e.close = close;
        if (!m_close)
            m_close = close;
    }
    if (frame.opcode == WsOpcode::Pong && m_candidateStart == frame.offset) {
        m_candidateStart = -1;
        for (auto it = m_expectedPongs.begin(); it != m_expectedPongs.end(); ++it) {
            if (it->payload != payload)
                continue;
            // Ours: cut it out of the relayed stream and time it.
            m_cuts.append(Cut{frame.offset, frame.payloadOffset() + qint64(frame.payloadLength)});
            if (m_clockNs)
                m_lastRttUs = (m_clockNs() - it->sentNs) / 1000;
            e.swallowed = true;
            e.roundTripUs = m_lastRttUs;
            m_expectedPongs.erase(m_expectedPongs.begin(), it + 1); // older pings are answered too
            break;
        }
    }
    if (m_options.inspect || e.swallowed)
        report(std::move(e));
}

void TunnelTap::onViolation(const WsViolation &violation)
{
    if (!m_options.inspect)
        return;
    ViolationEvent e;
    e.direction = m_direction;
    e.violation = violation;
    report(std::move(e));
}
