#pragma once

#include <QtGlobal>

// An incremental UTF-8 checker for text that arrives in pieces (RFC 6455 8.1:
// a text message must be valid UTF-8 as a whole, while its frames and reads
// may split a character anywhere). It stores nothing but the state of the
// character it is in, so arbitrarily long messages are validated in passing.
//
// Well-formed sequences follow RFC 3629 4 (Unicode Table 3-7): overlong
// forms, UTF-16 surrogates (U+D800-DFFF) and values above U+10FFFF are
// rejected at the first byte that makes them so.
class WsUtf8Validator final
{
public:
    // Checks the next `len` bytes. Returns -1 when they are fine so far, or
    // the index in `data` of the first byte that cannot be valid; after
    // that the validator stays failed until reset().
    qsizetype feed(const uchar *data, qsizetype len);

    // True when no character is open: the text seen so far could end here.
    bool atCharacterBoundary() const { return m_need == 0 && !m_failed; }
    // Bytes of the unfinished character seen so far (0 at a boundary).
    int pendingBytes() const { return m_pending; }
    bool hasFailed() const { return m_failed; }
    void reset() { *this = WsUtf8Validator(); }

private:
    quint8 m_need = 0;     // continuation bytes still expected
    quint8 m_pending = 0;  // bytes of the open character consumed
    quint8 m_lo = 0x80;    // allowed range of the next continuation byte
    quint8 m_hi = 0xBF;
    bool m_failed = false;
};
