#include "websocket/wsmask.h"

#include <cstring>

void wsUnmaskCopy(char *dst, const char *src, qsizetype len, quint32 maskKey, qsizetype phase)
{
    if (len <= 0)
        return;

    // The key rotated so that key byte (phase + i) % 4 sits at index i; a
    // word of 8 bytes covers the key twice, so every word starts in phase.
    const unsigned start = unsigned(phase & 3);
    uchar rotated[8];
    for (unsigned i = 0; i < 8; ++i)
        rotated[i] = uchar(maskKey >> (24 - 8 * ((start + i) & 3)));
    quint64 wordMask;
    std::memcpy(&wordMask, rotated, sizeof wordMask);

    qsizetype i = 0;
    // Two words per round lets the compiler keep both in flight (or use one
    // 16-byte vector); memcpy keeps unaligned access well-defined, and each
    // word is read before it is written, so dst == src is fine.
    for (; len - i >= 16; i += 16) {
        quint64 a;
        quint64 b;
        std::memcpy(&a, src + i, 8);
        std::memcpy(&b, src + i + 8, 8);
        a ^= wordMask;
        b ^= wordMask;
        std::memcpy(dst + i, &a, 8);
        std::memcpy(dst + i + 8, &b, 8);
    }
    if (len - i >= 8) {
        quint64 a;
        std::memcpy(&a, src + i, 8);
        a ^= wordMask;
        std::memcpy(dst + i, &a, 8);
        i += 8;
    }
    // i is a multiple of 8 here, so the tail starts in phase too.
    for (unsigned t = 0; i < len; ++i, ++t)
        dst[i] = char(uchar(src[i]) ^ rotated[t]);
}

void wsUnmask(char *data, qsizetype len, quint32 maskKey, qsizetype phase)
{
    wsUnmaskCopy(data, data, len, maskKey, phase);
}
