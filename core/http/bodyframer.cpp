#include "bodyframer.h"

#include <limits>

void HttpBodyFramer::reset(Mode mode, qint64 length)
{
    m_mode = mode;
    m_remaining = mode == Mode::Length ? length : 0;
    m_bodyBytes = 0;
    m_chunk = ChunkState::Size;
    m_hasSizeDigit = false;
    m_trailerLineEmpty = true;
    m_error = false;
    m_done = mode == Mode::None || (mode == Mode::Length && length == 0);
}

qsizetype HttpBodyFramer::consume(const char *data, qsizetype size, QByteArray *decoded)
{
    if (m_done || m_error || size <= 0)
        return 0;
    switch (m_mode) {
    case Mode::None:
        return 0;
    case Mode::UntilClose:
        m_bodyBytes += size;
        if (decoded)
            decoded->append(data, size);
        return size;
    case Mode::Length: {
        const qsizetype n = qsizetype(qMin<qint64>(m_remaining, size));
        m_remaining -= n;
        m_bodyBytes += n;
        if (decoded)
            decoded->append(data, n);
        m_done = m_remaining == 0;
        return n;
    }
    case Mode::Chunked:
        break;
    }
    return consumeChunked(data, size, decoded);
}

// The chunk-size line ended: the chunk's data follows, or, for the last
// chunk (size 0), the trailer section.
void HttpBodyFramer::endSizeLine()
{
    m_chunk = m_remaining ? ChunkState::Data : ChunkState::Trailer;
    m_trailerLineEmpty = true;
}

void HttpBodyFramer::nextChunk()
{
    m_chunk = ChunkState::Size;
    m_hasSizeDigit = false;
}

// One byte of a chunk-size line (RFC 9112 7.1); false when it breaks the rules.
bool HttpBodyFramer::consumeSizeByte(char c)
{
    int digit = -1;
    if (c >= '0' && c <= '9')
        digit = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        digit = (c | 0x20) - 'a' + 10;
    if (digit >= 0) {
        // Bound the value, not the digit count: leading zeros are valid
        // (RFC 9112 7.1 chunk-size = 1*HEXDIG; nginx checks the same way).
        if (m_remaining > std::numeric_limits<qint64>::max() / 16)
            return false;
        m_hasSizeDigit = true;
        m_remaining = m_remaining * 16 + digit;
    } else if (m_hasSizeDigit && (c == ';' || c == ' ' || c == '\t')) {
        m_chunk = ChunkState::SizeExt;
    } else if (m_hasSizeDigit && c == '\r') {
        m_chunk = ChunkState::SizeLF;
    } else if (m_hasSizeDigit && c == '\n') {
        endSizeLine();
    } else {
        return false;
    }
    return true;
}

qsizetype HttpBodyFramer::consumeChunked(const char *data, qsizetype size, QByteArray *decoded)
{
    qsizetype i = 0;
    while (i < size && !m_done) {
        const char c = data[i];
        switch (m_chunk) {
        case ChunkState::Size:
            if (!consumeSizeByte(c)) {
                m_error = true;
                return i;
            }
            ++i;
            break;
        case ChunkState::SizeExt:
            if (c == '\n') {
                endSizeLine();
            } else if (c == '\r') {
                // RFC 9112 2.2: a bare CR is invalid; it must end the line (as nginx).
                m_chunk = ChunkState::SizeLF;
            }
            ++i;
            break;
        case ChunkState::SizeLF:
            if (c != '\n') {
                m_error = true;
                return i;
            }
            endSizeLine();
            ++i;
            break;
        case ChunkState::Data: {
            const qsizetype n = qsizetype(qMin<qint64>(m_remaining, size - i));
            if (decoded)
                decoded->append(data + i, n);
            m_remaining -= n;
            m_bodyBytes += n;
            i += n;
            if (m_remaining == 0)
                m_chunk = ChunkState::DataCR;
            break;
        }
        case ChunkState::DataCR:
            if (c == '\r') {
                m_chunk = ChunkState::DataLF;
            } else if (c == '\n') {
                nextChunk();
            } else {
                m_error = true;
                return i;
            }
            ++i;
            break;
        case ChunkState::DataLF:
            if (c != '\n') {
                m_error = true;
                return i;
            }
            nextChunk();
            ++i;
            break;
        case ChunkState::Trailer:
            // Trailer fields end with an empty line; we pass them through unread.
            if (c == '\n') {
                if (m_trailerLineEmpty) {
                    m_chunk = ChunkState::Done;
                    m_done = true;
                }
                m_trailerLineEmpty = true;
            } else if (c != '\r') {
                m_trailerLineEmpty = false;
            }
            ++i;
            break;
        case ChunkState::TrailerLF:
        case ChunkState::Done:
            m_done = true;
            break;
        }
    }
    return i;
}
