#include "websocket/frameparser.h"

#include "websocket/wsmask.h"

#include <QCoreApplication>
#include <QtEndian>

#include <cstring>

namespace {

// RFC 6455 5.2: 2 fixed bytes, then 0, 2 or 8 bytes of extended length,
// then the 4-byte key when the MASK bit is set.
constexpr quint8 headerLengthFor(uchar b1)
{
    const quint8 len7 = b1 & 0x7F;
    return quint8(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0));
}

QString hexByte(quint8 v)
{
    return QLatin1String("0x") % QString::number(v, 16).toUpper();
}

} // namespace

WsFrameParser::WsFrameParser(Role role, WsFrameSink *sink, qsizetype previewCap)
    : m_sink(sink)
    , m_previewCap(qMax<qsizetype>(0, previewCap))
    , m_role(role)
{
    Q_ASSERT(sink);
}

void WsFrameParser::feed(const char *data, qsizetype len)
{
    const auto *bytes = reinterpret_cast<const uchar *>(data);
    qsizetype pos = 0;
    while (pos < len) {
        switch (m_state) {
        case State::Header:
            pos += consumeHeader(bytes + pos, len - pos);
            break;
        case State::Payload:
            pos += consumePayload(bytes + pos, len - pos);
            break;
        case State::Desynchronised:
            // Reported once already; the tunnel keeps forwarding regardless.
            m_offset += len - pos;
            return;
        }
    }
}

qsizetype WsFrameParser::consumeHeader(const uchar *data, qsizetype len)
{
    // Fast path: the whole header is in this chunk; read it in place.
    if (m_headerFill == 0 && len >= 2) {
        const quint8 need = headerLengthFor(data[1]);
        if (len >= need) {
            m_offset += need;
            parseHeader(data, need);
            startFrame();
            return need;
        }
    }

    // Slow path: gather the header across feeds (at most 14 bytes).
    qsizetype used = 0;
    while (used < len) {
        m_header[m_headerFill++] = data[used++];
        if (m_headerFill >= 2 && m_headerFill == headerLengthFor(m_header[1])) {
            m_offset += used;
            const quint8 headerLength = m_headerFill;
            m_headerFill = 0;
            parseHeader(m_header.data(), headerLength);
            startFrame();
            return used;
        }
    }
    m_offset += used;
    return used;
}

void WsFrameParser::parseHeader(const uchar *h, quint8 headerLength)
{
    // RFC 6455 5.2, base framing protocol.
    WsFrameInfo &f = m_frame;
    f.offset = m_offset - headerLength;
    f.headerLength = headerLength;
    f.fin = h[0] & 0x80;
    f.rsv1 = h[0] & 0x40;
    f.rsv2 = h[0] & 0x20;
    f.rsv3 = h[0] & 0x10;
    f.opcode = WsOpcode(h[0] & 0x0F);
    f.masked = h[1] & 0x80;

    const quint8 len7 = h[1] & 0x7F;
    qsizetype pos = 2;
    if (len7 == 126) {
        f.payloadLength = qFromBigEndian<quint16>(h + 2);
        m_nonMinimalLength = f.payloadLength < 126;
        pos += 2;
    } else if (len7 == 127) {
        f.payloadLength = qFromBigEndian<quint64>(h + 2);
        m_nonMinimalLength = f.payloadLength <= 0xFFFF;
        pos += 8;
    } else {
        f.payloadLength = len7;
        m_nonMinimalLength = false;
    }
    f.maskKey = f.masked ? qFromBigEndian<quint32>(h + pos) : 0;
}

void WsFrameParser::startFrame()
{
    const WsFrameInfo &f = m_frame;
    m_sink->onFrameHeader(f);

    if (wsIsReservedOpcode(f.opcode)) {
        // RFC 6455 5.2: the meaning (and so the rest of the stream) is unknown.
        report(WsViolationKind::ReservedOpcode, f.offset,
               tr("Reserved opcode %1; no extension defines it").arg(hexByte(quint8(f.opcode))),
               true);
        return;
    }
    if (f.payloadLength >> 63) {
        // RFC 6455 5.2: "the most significant bit MUST be 0".
        report(WsViolationKind::LengthMsbSet, f.offset,
               tr("64-bit payload length has its most significant bit set"), true);
        return;
    }
    if (m_nonMinimalLength) {
        // RFC 6455 5.2: "the minimal number of bytes MUST be used".
        report(WsViolationKind::NonMinimalLength, f.offset,
               tr("Payload length %1 is not in its minimal encoding").arg(f.payloadLength));
    }
    // RFC 6455 5.1: clients mask, servers do not.
    if (m_role == Role::ClientToServer && !f.masked) {
        report(WsViolationKind::UnmaskedClientFrame, f.offset,
               tr("Client frame is not masked"));
    } else if (m_role == Role::ServerToClient && f.masked) {
        report(WsViolationKind::MaskedServerFrame, f.offset, tr("Server frame is masked"));
    }

    const bool control = f.isControl();
    // RFC 6455 5.2: RSV bits need a negotiated extension. RFC 7692 6.1:
    // permessage-deflate defines RSV1, on the first frame of a data message
    // only (never on continuations or control frames).
    const bool rsv1Allowed = m_deflate && !control && f.opcode != WsOpcode::Continuation;
    if (f.rsv2 || f.rsv3 || (f.rsv1 && !rsv1Allowed)) {
        const QString bits = QLatin1String(f.rsv1 ? "1" : "0") % QLatin1String(f.rsv2 ? "1" : "0")
            % QLatin1String(f.rsv3 ? "1" : "0");
        report(WsViolationKind::ReservedBits, f.offset,
               tr("Reserved bits %1 set without an extension that allows them").arg(bits));
    }
    // RFC 6455 5.5.1: after a Close frame, the sender sends nothing more.
    if (m_closeSeen) {
        report(WsViolationKind::FrameAfterClose, f.offset,
               tr("%1 frame after a Close frame").arg(wsOpcodeName(f.opcode)));
    }

    if (control) {
        // RFC 6455 5.5: control frames are short and never fragmented.
        if (!f.fin) {
            report(WsViolationKind::FragmentedControlFrame, f.offset,
                   tr("%1 frame without FIN; control frames must not be fragmented")
                       .arg(wsOpcodeName(f.opcode)));
        }
        if (f.payloadLength > 125) {
            report(WsViolationKind::ControlFrameTooLong, f.offset,
                   tr("%1 frame has a %2-byte payload; at most 125 are allowed")
                       .arg(wsOpcodeName(f.opcode))
                       .arg(f.payloadLength));
        }
        if (f.opcode == WsOpcode::Close)
            m_closeSeen = true;
        m_controlFill = 0;
        m_payloadKind = PayloadKind::Control;
    } else if (f.opcode == WsOpcode::Continuation) {
        // RFC 6455 5.4: a continuation belongs to an open message.
        if (!m_messageOpen) {
            report(WsViolationKind::UnexpectedContinuation, f.offset,
                   tr("Continuation frame with no message in progress"));
            m_payloadKind = PayloadKind::Ignored;
        } else {
            ++m_message.frameCount;
            m_message.totalLength += f.payloadLength;
            m_payloadKind = PayloadKind::Message;
        }
    } else {
        // RFC 6455 5.4: a new message may not start inside a fragmented one.
        if (m_messageOpen) {
            report(WsViolationKind::UnfinishedMessage, f.offset,
                   tr("New %1 message while a fragmented %2 message is unfinished; "
                      "the unfinished message is dropped")
                       .arg(wsOpcodeName(f.opcode), wsOpcodeName(m_message.opcode)));
            resetMessage();
        }
        beginMessage();
        m_payloadKind = PayloadKind::Message;
    }

    m_payloadDone = 0;
    m_state = State::Payload;
    if (f.payloadLength == 0)
        endFrame();
}

qsizetype WsFrameParser::consumePayload(const uchar *data, qsizetype len)
{
    const quint64 remaining = m_frame.payloadLength - m_payloadDone;
    const qsizetype take = remaining < quint64(len) ? qsizetype(remaining) : len;

    switch (m_payloadKind) {
    case PayloadKind::Message:
        messageBytes(data, take);
        break;
    case PayloadKind::Control: {
        // Keep the first 125 bytes; a longer payload was already reported.
        const qsizetype room = qsizetype(m_control.size()) - m_controlFill;
        const qsizetype keep = qMin(room, take);
        if (keep > 0) {
            std::memcpy(m_control.data() + m_controlFill, data, size_t(keep));
            m_controlFill = quint8(m_controlFill + keep);
        }
        break;
    }
    case PayloadKind::Ignored:
        break;
    }

    m_payloadDone += quint64(take);
    m_offset += take;
    if (m_payloadDone == m_frame.payloadLength)
        endFrame();
    return take;
}

void WsFrameParser::messageBytes(const uchar *data, qsizetype len)
{
    const WsFrameInfo &f = m_frame;
    qsizetype phase = qsizetype(m_payloadDone & 3); // RFC 6455 5.3: j = i MOD 4
    qint64 offset = m_offset;                        // stream offset of data[0]

    // The preview: copied, then unmasked in our copy, never in the input.
    const qsizetype room = m_messageCap - m_message.preview.size();
    qsizetype copied = 0;
    if (room > 0 && len > 0) {
        copied = qMin(room, len);
        const qsizetype at = m_message.preview.size();
        m_message.preview.resize(at + copied); // grows geometrically
        char *copy = m_message.preview.data() + at;
        if (f.masked)
            wsUnmaskCopy(copy, reinterpret_cast<const char *>(data), copied, f.maskKey, phase);
        else
            std::memcpy(copy, data, size_t(copied));
        if (m_validateUtf8)
            validateText(reinterpret_cast<const uchar *>(copy), copied, offset);
        phase += copied;
        offset += copied;
    }

    // Past the preview, text is still validated as it streams by, through a
    // small stack buffer when it needs unmasking.
    qsizetype rest = len - copied;
    const uchar *p = data + copied;
    if (rest <= 0 || !m_validateUtf8)
        return;
    if (!f.masked) {
        validateText(p, rest, offset);
        return;
    }
    char scratch[2048];
    while (rest > 0 && m_validateUtf8) {
        const qsizetype n = qMin<qsizetype>(rest, sizeof scratch);
        wsUnmaskCopy(scratch, reinterpret_cast<const char *>(p), n, f.maskKey, phase);
        validateText(reinterpret_cast<const uchar *>(scratch), n, offset);
        p += n;
        rest -= n;
        phase += n;
        offset += n;
    }
}

void WsFrameParser::validateText(const uchar *data, qsizetype len, qint64 streamOffset)
{
    const qsizetype bad = m_utf8.feed(data, len);
    if (bad >= 0) {
        // RFC 6455 8.1: fail fast, at the first byte that cannot be UTF-8.
        m_validateUtf8 = false;
        m_message.utf8 = WsUtf8Validity::Invalid;
        report(WsViolationKind::InvalidUtf8, streamOffset + bad,
               tr("Text message is not valid UTF-8"));
        return;
    }
    // Remember where an unfinished character began, for the report should
    // the message end inside it. If it began in this piece, it occupies the
    // piece's last pendingBytes(); otherwise it began earlier.
    const int pending = m_utf8.pendingBytes();
    if (pending > 0 && pending <= len)
        m_utf8SequenceStart = streamOffset + len - pending;
}

void WsFrameParser::beginMessage()
{
    const WsFrameInfo &f = m_frame;
    m_messageOpen = true;
    m_message.offset = f.offset;
    m_message.opcode = f.opcode;
    m_message.totalLength = f.payloadLength;
    m_message.frameCount = 1;
    m_message.compressed = f.rsv1; // RFC 7692 6: RSV1 on the first frame
    m_message.truncated = false;
    m_messageCap = m_previewCap;
    if (f.opcode != WsOpcode::Text)
        m_message.utf8 = WsUtf8Validity::NotText;
    else if (m_message.compressed)
        m_message.utf8 = WsUtf8Validity::NotValidated;
    else
        m_message.utf8 = WsUtf8Validity::Valid; // until proven otherwise
    m_validateUtf8 = m_message.utf8 == WsUtf8Validity::Valid;
    m_utf8.reset();
}

void WsFrameParser::endFrame()
{
    m_state = State::Header;
    m_sink->onFrameEnd(m_frame);

    switch (m_payloadKind) {
    case PayloadKind::Control:
        controlFrameDone();
        break;
    case PayloadKind::Message:
        if (m_frame.fin)
            finishMessage();
        break;
    case PayloadKind::Ignored:
        break;
    }
}

void WsFrameParser::finishMessage()
{
    if (m_validateUtf8 && !m_utf8.atCharacterBoundary()) {
        // RFC 6455 8.1: the text as a whole must be UTF-8.
        m_message.utf8 = WsUtf8Validity::Invalid;
        report(WsViolationKind::InvalidUtf8, m_utf8SequenceStart,
               tr("Text message ends inside a UTF-8 sequence"));
    }
    m_message.truncated = quint64(m_message.preview.size()) < m_message.totalLength;
    m_sink->onMessage(m_message);
    resetMessage();
}

void WsFrameParser::resetMessage()
{
    m_messageOpen = false;
    m_validateUtf8 = false;
    // Reuse the preview's buffer unless the sink kept a reference to it.
    if (m_message.preview.isDetached())
        m_message.preview.resize(0);
    else
        m_message.preview = QByteArray();
}

void WsFrameParser::controlFrameDone()
{
    const WsFrameInfo &f = m_frame;
    const qsizetype size = m_controlFill;
    if (f.masked)
        wsUnmask(m_control.data(), size, f.maskKey, 0);
    const QByteArrayView payload(m_control.data(), size);

    WsCloseInfo close;
    if (f.opcode == WsOpcode::Close) {
        const bool cut = f.payloadLength > quint64(size); // already reported as too long
        close.valid = !cut;
        const qint64 at = f.payloadOffset();
        if (size == 1) {
            // RFC 6455 5.5.1: a body, if any, starts with a 2-byte code.
            close.valid = false;
            report(WsViolationKind::InvalidClosePayload, at,
                   tr("Close frame with a 1-byte payload; a status code takes 2 bytes"));
        } else if (size >= 2) {
            const quint16 code = qFromBigEndian<quint16>(m_control.data());
            close.code = code;
            if (!wsIsValidCloseCode(code)) {
                close.valid = false;
                report(WsViolationKind::InvalidCloseCode, at,
                       tr("Close code %1 may not be sent in a Close frame").arg(code));
            }
            // RFC 6455 5.5.1: the reason is UTF-8.
            const auto *reason = reinterpret_cast<const uchar *>(m_control.data() + 2);
            WsUtf8Validator utf8;
            const qsizetype bad = utf8.feed(reason, size - 2);
            if (bad >= 0 || (!cut && !utf8.atCharacterBoundary())) {
                close.valid = false;
                const qint64 badAt = bad >= 0 ? at + 2 + bad : at + size - utf8.pendingBytes();
                report(WsViolationKind::InvalidUtf8, badAt,
                       tr("Close reason is not valid UTF-8"));
            }
            close.reason = QString::fromUtf8(m_control.data() + 2, size - 2);
        }
    }
    m_sink->onControlFrame(f, payload, close);
}

void WsFrameParser::report(WsViolationKind kind, qint64 offset, const QString &text, bool fatal)
{
    WsViolation v;
    v.kind = kind;
    v.offset = offset;
    v.text = text;
    v.fatal = fatal;
    if (fatal) {
        m_state = State::Desynchronised;
        m_messageOpen = false;
    }
    m_sink->onViolation(v);
}
