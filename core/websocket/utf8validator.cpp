#include "websocket/utf8validator.h"

#include <cstring>

qsizetype WsUtf8Validator::feed(const uchar *data, qsizetype len)
{
    if (m_failed)
        return len > 0 ? 0 : -1;

    quint8 need = m_need;
    quint8 pending = m_pending;
    quint8 lo = m_lo;
    quint8 hi = m_hi;
    qsizetype i = 0;

    const auto fail = [this](qsizetype at) {
        m_failed = true;
        return at;
    };

    while (i < len) {
        if (need == 0) {
            // Most text is ASCII: skip it a machine word at a time.
            while (len - i >= 8) {
                quint64 word;
                std::memcpy(&word, data + i, sizeof word);
                if (word & 0x8080808080808080ULL)
                    break;
                i += 8;
            }
            if (i == len)
                break;
            const uchar b = data[i];
            if (b < 0x80) {
                ++i;
                continue;
            }
            // RFC 3629 4: the lead byte fixes the length and, for E0, ED,
            // F0 and F4, a narrower range for the second byte that rules out
            // overlongs, surrogates and values beyond U+10FFFF.
            if (b < 0xC2) {
                return fail(i); // stray continuation byte, or overlong C0/C1
            } else if (b < 0xE0) {
                need = 1;
                lo = 0x80;
                hi = 0xBF;
            } else if (b < 0xF0) {
                need = 2;
                lo = b == 0xE0 ? 0xA0 : 0x80;
                hi = b == 0xED ? 0x9F : 0xBF;
            } else if (b < 0xF5) {
                need = 3;
                lo = b == 0xF0 ? 0x90 : 0x80;
                hi = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                return fail(i);
            }
            pending = 1;
            ++i;
        } else {
            const uchar b = data[i];
            if (b < lo || b > hi)
                return fail(i);
            lo = 0x80;
            hi = 0xBF;
            ++i;
            if (--need == 0)
                pending = 0;
            else
                ++pending;
        }
    }

    m_need = need;
    m_pending = pending;
    m_lo = lo;
    m_hi = hi;
    return -1;
}
