#pragma once

#include <QByteArray>
#include <QLatin1String>
#include <QString>
#include <QtGlobal>

#include <optional>

// Plain value types for RFC 6455 frames as the inspector sees them. They are
// copyable and carry no QObject, so they can cross threads in queued invokes
// and be serialised for remote attach.

// RFC 6455 5.2: the 4-bit opcode. Only the named values are defined; a
// WsOpcode may still hold a reserved value (3-7, 0xB-0xF) read off the wire.
enum class WsOpcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// RFC 6455 5.5: opcodes with the high bit set are control frames.
constexpr bool wsIsControlOpcode(WsOpcode op) { return (quint8(op) & 0x8) != 0; }
// RFC 6455 5.2: %x3-7 are reserved for further non-control frames, %xB-F for
// further control frames.
constexpr bool wsIsReservedOpcode(WsOpcode op)
{
    const quint8 v = quint8(op) & 0xF;
    return (v >= 0x3 && v <= 0x7) || v >= 0xB;
}
// "text", "ping", ... or "reserved-0x3".
QLatin1String wsOpcodeName(WsOpcode op);

// One frame header. The mask key is kept as a big-endian number: its most
// significant byte is the first key byte on the wire (RFC 6455 5.3), so
// printing it in hex shows the bytes in wire order.
struct WsFrameInfo
{
    qint64 offset = 0;          // stream offset of the first header byte
    quint64 payloadLength = 0;  // as declared by the header (RFC 6455 5.2)
    quint32 maskKey = 0;        // 0 when !masked
    quint8 headerLength = 0;    // 2..14 bytes
    WsOpcode opcode = WsOpcode::Continuation;
    bool fin = false;
    bool rsv1 = false;
    bool rsv2 = false;
    bool rsv3 = false;
    bool masked = false;

    qint64 payloadOffset() const { return offset + headerLength; }
    bool isControl() const { return wsIsControlOpcode(opcode); }
    friend bool operator==(const WsFrameInfo &, const WsFrameInfo &) = default;
};

// Whether a text message was checked to be UTF-8 (RFC 6455 8.1).
enum class WsUtf8Validity : quint8 {
    NotText,      // binary message: nothing to check
    Valid,
    Invalid,      // a violation was reported at the first bad byte
    NotValidated, // compressed (RFC 7692): the wire bytes are not the text
};

// A complete data message, possibly reassembled from fragments (RFC 6455 5.4).
struct WsMessage
{
    QByteArray preview;       // unmasked payload, at most the parser's preview cap
    qint64 offset = 0;        // stream offset of the first frame
    quint64 totalLength = 0;  // sum of all fragments' payload lengths
    qint64 frameCount = 0;    // data frames only; interleaved control frames are not counted
    WsOpcode opcode = WsOpcode::Text; // Text or Binary
    WsUtf8Validity utf8 = WsUtf8Validity::NotText;
    bool truncated = false;   // preview holds fewer bytes than totalLength
    bool compressed = false;  // RSV1 on the first frame (RFC 7692 6: "Per-Message Compressed")

    friend bool operator==(const WsMessage &, const WsMessage &) = default;
};

// The body of a Close frame (RFC 6455 5.5.1).
struct WsCloseInfo
{
    QString reason;               // decoded from UTF-8 (invalid sequences replaced)
    std::optional<quint16> code;  // none when the payload is empty
    bool valid = true;            // false when the payload broke a rule (a violation was reported)

    friend bool operator==(const WsCloseInfo &, const WsCloseInfo &) = default;
};

// RFC 6455 7.4: may this status code appear in a Close frame on the wire?
// 1000-1003 and 1007-1011 are defined by RFC 6455 7.4.1, 1012-1014 were added
// to the IANA registry later, 3000-4999 belong to libraries and applications.
// 1004 is reserved, 1005/1006/1015 must never be sent, the rest is reserved.
constexpr bool wsIsValidCloseCode(quint16 code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
        || (code >= 3000 && code <= 4999);
}

enum class WsViolationKind : quint8 {
    UnmaskedClientFrame,    // RFC 6455 5.1: a client MUST mask every frame
    MaskedServerFrame,      // RFC 6455 5.1: a server MUST NOT mask any frame
    ReservedBits,           // RFC 6455 5.2: RSV1-3 without an extension defining them
    ReservedOpcode,         // RFC 6455 5.2: unknown opcode (fatal)
    NonMinimalLength,       // RFC 6455 5.2: "the minimal number of bytes MUST be used"
    LengthMsbSet,           // RFC 6455 5.2: MSB of the 64-bit length MUST be 0 (fatal)
    ControlFrameTooLong,    // RFC 6455 5.5: control payload <= 125 bytes
    FragmentedControlFrame, // RFC 6455 5.5: control frames MUST NOT be fragmented
    UnexpectedContinuation, // RFC 6455 5.4: continuation with no message open
    UnfinishedMessage,      // RFC 6455 5.4: new data frame while a message is open
    InvalidUtf8,            // RFC 6455 8.1 / 5.5.1: text and close reasons are UTF-8
    InvalidClosePayload,    // RFC 6455 5.5.1: a close body is empty or starts with 2 bytes
    InvalidCloseCode,       // RFC 6455 7.4: code not allowed on the wire
    FrameAfterClose,        // RFC 6455 5.5.1: nothing is sent after a Close frame
};

// "ReservedOpcode", ...: a stable key for logs and serialisation.
QLatin1String wsViolationKindName(WsViolationKind kind);

struct WsViolation
{
    QString text;       // human readable, for the inspector
    qint64 offset = 0;  // stream offset of the offending byte (or of its frame)
    WsViolationKind kind = WsViolationKind::ReservedBits;
    bool fatal = false; // the parser gave up on this stream (desynchronised)

    friend bool operator==(const WsViolation &, const WsViolation &) = default;
};
