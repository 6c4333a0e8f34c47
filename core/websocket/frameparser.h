#pragma once

#include "websocket/utf8validator.h"
#include "websocket/websocketframe.h"

#include <QByteArrayView>
#include <QCoreApplication>

#include <array>

// Receives what a WsFrameParser observes. Every method has an empty default,
// so a sink overrides only what it needs. The order for one frame is:
//   onFrameHeader, [onViolation...], onFrameEnd,
//   then for a control frame [onViolation...] onControlFrame,
//   or for the last frame of a data message [onViolation] onMessage.
// A UTF-8 violation in a text message is reported as soon as its bad byte
// arrives, between onFrameHeader and onFrameEnd. After a fatal violation
// (reported right after onFrameHeader) nothing more is reported, not even
// onFrameEnd for that frame.
// Callbacks must not call back into the parser's feed().
class WsFrameSink
{
public:
    virtual ~WsFrameSink() = default;

    // The whole header has arrived; the payload has not been looked at yet.
    virtual void onFrameHeader(const WsFrameInfo &frame) { Q_UNUSED(frame); }
    // The frame's payload has passed completely.
    virtual void onFrameEnd(const WsFrameInfo &frame) { Q_UNUSED(frame); }
    // A data message is complete (its FIN frame has ended).
    virtual void onMessage(const WsMessage &message) { Q_UNUSED(message); }
    // A ping, pong or close frame. `payload` is unmasked and valid only during
    // the call (at most 125 bytes, always delivered whatever the preview cap);
    // `close` is meaningful only for WsOpcode::Close.
    virtual void onControlFrame(const WsFrameInfo &frame, QByteArrayView payload,
                                const WsCloseInfo &close)
    {
        Q_UNUSED(frame);
        Q_UNUSED(payload);
        Q_UNUSED(close);
    }
    virtual void onViolation(const WsViolation &violation) { Q_UNUSED(violation); }

protected:
    WsFrameSink() = default;
    Q_DISABLE_COPY_MOVE(WsFrameSink)
};

// Watches one direction of a WebSocket connection (RFC 6455 5). It only
// reads what it is fed: the caller forwards the same bytes untouched, and
// nothing here ever holds them back or needs more of them. Input may come in
// chunks of any size, split anywhere; the reports are the same either way.
//
// Payload bytes are copied only into a per-message preview (unmasked, capped)
// and a fixed buffer for control frames; with previews off, frames are
// observed without any allocation.
//
// Most rule breaks are reported and parsing goes on, since framing is still
// known. When it is not (an unknown opcode, an impossible length) the parser
// reports one fatal violation and becomes desynchronised: it ignores the
// rest of the stream, which the tunnel keeps forwarding.
class WsFrameParser final
{
    Q_DECLARE_TR_FUNCTIONS(WsFrameParser)

public:
    // Who sent the bytes: RFC 6455 5.1 requires masking on client frames
    // and forbids it on server frames.
    enum class Role : quint8 { ClientToServer, ServerToClient };

    static constexpr qsizetype DefaultPreviewCap = 64 * 1024;

    // `sink` must outlive the parser.
    WsFrameParser(Role role, WsFrameSink *sink, qsizetype previewCap = DefaultPreviewCap);
    Q_DISABLE_COPY_MOVE(WsFrameParser)

    Role role() const { return m_role; }

    // Bytes of each message's payload kept in WsMessage::preview; 0 keeps
    // headers only. Applies from the next message on.
    void setPreviewCap(qsizetype bytes) { m_previewCap = qMax<qsizetype>(0, bytes); }
    qsizetype previewCap() const { return m_previewCap; }

    // RFC 7692: once permessage-deflate is negotiated, RSV1 on the first
    // frame of a data message marks it compressed; such messages are not
    // UTF-8 checked (the wire bytes are deflate output).
    void setPerMessageDeflate(bool negotiated) { m_deflate = negotiated; }
    bool perMessageDeflate() const { return m_deflate; }

    // Consumes all `len` bytes.
    void feed(const char *data, qsizetype len);
    void feed(QByteArrayView bytes) { feed(bytes.data(), bytes.size()); }

    // Bytes fed so far.
    qint64 streamOffset() const { return m_offset; }
    // Between two frames: a frame can be injected here without cutting one
    // (only meaningful while not desynchronised).
    bool atFrameBoundary() const { return m_state == State::Header && m_headerFill == 0; }
    // A data message has begun and not ended: only control frames may be
    // injected (RFC 6455 5.4).
    bool inFragmentedMessage() const { return m_messageOpen; }
    bool isDesynchronised() const { return m_state == State::Desynchronised; }
    // A Close frame has been seen in this direction (RFC 6455 5.5.1).
    bool closeSeen() const { return m_closeSeen; }

private:
    enum class State : quint8 { Header, Payload, Desynchronised };
    // What the current frame's payload is for.
    enum class PayloadKind : quint8 { Message, Control, Ignored };

    qsizetype consumeHeader(const uchar *data, qsizetype len);
    qsizetype consumePayload(const uchar *data, qsizetype len);
    void parseHeader(const uchar *header, quint8 headerLength);
    void startFrame();
    void endFrame();
    void messageBytes(const uchar *data, qsizetype len);
    void validateText(const uchar *data, qsizetype len, qint64 streamOffset);
    void beginMessage();
    void finishMessage();
    void resetMessage();
    void controlFrameDone();
    void report(WsViolationKind kind, qint64 offset, const QString &text, bool fatal = false);

    WsFrameSink *m_sink;
    qint64 m_offset = 0;         // stream offset of the next byte fed
    qsizetype m_previewCap;
    Role m_role;
    State m_state = State::Header;
    PayloadKind m_payloadKind = PayloadKind::Ignored;
    bool m_deflate = false;
    bool m_closeSeen = false;

    // Current frame.
    std::array<uchar, 14> m_header{}; // a header split across feeds
    quint8 m_headerFill = 0;
    bool m_nonMinimalLength = false;
    WsFrameInfo m_frame;
    quint64 m_payloadDone = 0;

    // Current data message.
    bool m_messageOpen = false;
    bool m_validateUtf8 = false;
    WsMessage m_message;
    qsizetype m_messageCap = 0;     // preview cap latched when the message began
    WsUtf8Validator m_utf8;
    qint64 m_utf8SequenceStart = 0; // where the open character began

    // Current control frame (RFC 6455 5.5: at most 125 bytes are legal).
    std::array<char, 125> m_control{};
    quint8 m_controlFill = 0;
};
