#pragma once

#include <QtGlobal>

// RFC 6455 5.3: XORs `len` bytes in place with the 4-byte masking key.
// `phase` is the position of data[0] within the frame payload (only
// phase % 4 matters), so a payload can be unmasked in pieces as it arrives.
// The key is big-endian: its most significant byte is the first key byte on
// the wire. Masking and unmasking are the same operation.
//
// Works a machine word (8 bytes, the key repeated twice) at a time, with a
// byte loop for the tail; data need not be aligned.
void wsUnmask(char *data, qsizetype len, quint32 maskKey, qsizetype phase = 0);

// The same, reading `src` and writing `dst` in one pass (instead of a copy
// and then an in-place pass). `dst` and `src` are equal or do not overlap.
void wsUnmaskCopy(char *dst, const char *src, qsizetype len, quint32 maskKey, qsizetype phase = 0);

inline void wsMask(char *data, qsizetype len, quint32 maskKey, qsizetype phase = 0)
{
    wsUnmask(data, len, maskKey, phase);
}
