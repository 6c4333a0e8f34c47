#include "websocket/framewriter.h"

#include "websocket/wsmask.h"

#include <QRandomGenerator>
#include <QtEndian>

#include <cstring>

quint32 wsRandomMaskKey()
{
    return QRandomGenerator::system()->generate();
}

void wsAppendFrame(QByteArray &out, WsOpcode opcode, QByteArrayView payload, bool fin,
                   std::optional<quint32> maskKey, bool rsv1)
{
    Q_ASSERT(!wsIsControlOpcode(opcode) || (fin && payload.size() <= 125));

    const quint64 length = quint64(payload.size());
    const int headerSize = wsFrameHeaderSize(length, maskKey.has_value());
    const qsizetype start = out.size();
    out.resize(start + headerSize + payload.size());
    auto *h = reinterpret_cast<uchar *>(out.data() + start);

    // RFC 6455 5.2: FIN, RSV1-3, opcode; MASK, 7-bit length or 126/127.
    h[0] = uchar((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (quint8(opcode) & 0x0F));
    const uchar maskBit = maskKey ? 0x80 : 0;
    int pos = 2;
    if (length <= 125) {
        h[1] = uchar(maskBit | length);
    } else if (length <= 0xFFFF) {
        h[1] = uchar(maskBit | 126);
        qToBigEndian<quint16>(quint16(length), h + 2);
        pos += 2;
    } else {
        h[1] = uchar(maskBit | 127);
        qToBigEndian<quint64>(length, h + 2);
        pos += 8;
    }
    if (maskKey) {
        qToBigEndian<quint32>(*maskKey, h + pos);
        pos += 4;
    }

    char *body = out.data() + start + pos;
    if (maskKey)
        wsUnmaskCopy(body, payload.data(), payload.size(), *maskKey, 0); // RFC 6455 5.3: XOR both ways
    else if (!payload.isEmpty())
        std::memcpy(body, payload.data(), size_t(payload.size()));
}

QByteArray wsBuildFrame(WsOpcode opcode, QByteArrayView payload, bool fin,
                        std::optional<quint32> maskKey)
{
    QByteArray out;
    out.reserve(wsFrameHeaderSize(quint64(payload.size()), maskKey.has_value()) + payload.size());
    wsAppendFrame(out, opcode, payload, fin, maskKey);
    return out;
}

QByteArray wsClosePayload(std::optional<quint16> code, QStringView reason)
{
    QByteArray body;
    if (!code)
        return body;
    body.resize(2);
    qToBigEndian<quint16>(*code, body.data());
    QByteArray text = reason.toUtf8();
    if (text.size() > 123) {
        // Back up over continuation bytes (10xxxxxx) so no character is cut.
        qsizetype cut = 123;
        while (cut > 0 && (uchar(text.at(cut)) & 0xC0) == 0x80)
            --cut;
        text.truncate(cut);
    }
    body += text;
    return body;
}

QByteArray wsBuildCloseFrame(std::optional<quint16> code, QStringView reason,
                             std::optional<quint32> maskKey)
{
    return wsBuildFrame(WsOpcode::Close, wsClosePayload(code, reason), true, maskKey);
}
