#include "websocket/websocketframe.h"

QLatin1String wsOpcodeName(WsOpcode op)
{
    switch (quint8(op) & 0xF) {
    case 0x0: return QLatin1String("continuation");
    case 0x1: return QLatin1String("text");
    case 0x2: return QLatin1String("binary");
    case 0x3: return QLatin1String("reserved-0x3");
    case 0x4: return QLatin1String("reserved-0x4");
    case 0x5: return QLatin1String("reserved-0x5");
    case 0x6: return QLatin1String("reserved-0x6");
    case 0x7: return QLatin1String("reserved-0x7");
    case 0x8: return QLatin1String("close");
    case 0x9: return QLatin1String("ping");
    case 0xA: return QLatin1String("pong");
    case 0xB: return QLatin1String("reserved-0xB");
    case 0xC: return QLatin1String("reserved-0xC");
    case 0xD: return QLatin1String("reserved-0xD");
    case 0xE: return QLatin1String("reserved-0xE");
    default: return QLatin1String("reserved-0xF");
    }
}

QLatin1String wsViolationKindName(WsViolationKind kind)
{
    switch (kind) {
    case WsViolationKind::UnmaskedClientFrame: return QLatin1String("UnmaskedClientFrame");
    case WsViolationKind::MaskedServerFrame: return QLatin1String("MaskedServerFrame");
    case WsViolationKind::ReservedBits: return QLatin1String("ReservedBits");
    case WsViolationKind::ReservedOpcode: return QLatin1String("ReservedOpcode");
    case WsViolationKind::NonMinimalLength: return QLatin1String("NonMinimalLength");
    case WsViolationKind::LengthMsbSet: return QLatin1String("LengthMsbSet");
    case WsViolationKind::ControlFrameTooLong: return QLatin1String("ControlFrameTooLong");
    case WsViolationKind::FragmentedControlFrame: return QLatin1String("FragmentedControlFrame");
    case WsViolationKind::UnexpectedContinuation: return QLatin1String("UnexpectedContinuation");
    case WsViolationKind::UnfinishedMessage: return QLatin1String("UnfinishedMessage");
    case WsViolationKind::InvalidUtf8: return QLatin1String("InvalidUtf8");
    case WsViolationKind::InvalidClosePayload: return QLatin1String("InvalidClosePayload");
    case WsViolationKind::InvalidCloseCode: return QLatin1String("InvalidCloseCode");
    case WsViolationKind::FrameAfterClose: return QLatin1String("FrameAfterClose");
    }
    return QLatin1String("Unknown");
}
