#pragma once

#include "websocket/websocketframe.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QStringView>

#include <optional>

// Frames for injection (pings, closes, replayed messages). The proxy masks
// what it sends upstream, acting as the client, and leaves frames to the
// client unmasked, acting as the server (RFC 6455 5.1).
//
// Masking keys are big-endian numbers: the most significant byte goes first
// on the wire (see wsUnmask).

// A fresh key from a cryptographically strong source (RFC 6455 5.3: keys
// must not be predictable).
quint32 wsRandomMaskKey();

// Header size for a payload of `payloadLength` bytes, using the minimal
// length encoding (RFC 6455 5.2).
constexpr int wsFrameHeaderSize(quint64 payloadLength, bool masked)
{
    return 2 + (payloadLength <= 125 ? 0 : payloadLength <= 0xFFFF ? 2 : 8) + (masked ? 4 : 0);
}

// Appends one frame to `out`, masking the payload when a key is given.
// `rsv1` is permessage-deflate's "compressed" bit (RFC 7692 6); set it only
// on the first frame of a message whose payload is already deflated.
// Control frames must have FIN and at most 125 bytes (RFC 6455 5.5); this is
// asserted, not enforced.
void wsAppendFrame(QByteArray &out, WsOpcode opcode, QByteArrayView payload, bool fin = true,
                   std::optional<quint32> maskKey = std::nullopt, bool rsv1 = false);

QByteArray wsBuildFrame(WsOpcode opcode, QByteArrayView payload, bool fin = true,
                        std::optional<quint32> maskKey = std::nullopt);

// RFC 6455 5.5.1: the Close body, a 2-byte code then a UTF-8 reason. The
// reason is cut at a character boundary to fit the 125-byte control limit.
// No code means an empty body (and then no reason either).
QByteArray wsClosePayload(std::optional<quint16> code, QStringView reason = {});
QByteArray wsBuildCloseFrame(std::optional<quint16> code, QStringView reason = {},
                             std::optional<quint32> maskKey = std::nullopt);
