#pragma once

#include <QByteArray>
#include <QtGlobal>

// Finds where an HTTP/1.1 message body ends without buffering it: bytes are
// passed through unchanged (or de-chunked, for HTTP/1.0 clients) while the
// framer tracks Content-Length or the chunked encoding (RFC 9112 6 and 7.1).
class HttpBodyFramer
{
public:
    enum class Mode { None, Length, Chunked, UntilClose };

    HttpBodyFramer() = default;
    HttpBodyFramer(Mode mode, qint64 length = 0) { reset(mode, length); }

    void reset(Mode mode, qint64 length = 0);
    Mode mode() const { return m_mode; }

    // Consumes up to `size` bytes belonging to the body; returns how many.
    // Stops at the end of the body, so what follows (a pipelined request)
    // stays with the caller. With `decoded`, chunk payload only is appended.
    qsizetype consume(const char *data, qsizetype size, QByteArray *decoded = nullptr);

    bool isDone() const { return m_done; }
    bool hasError() const { return m_error; }
    qint64 bodyBytes() const { return m_bodyBytes; }

private:
    enum class ChunkState { Size, SizeExt, SizeLF, Data, DataCR, DataLF, Trailer, TrailerLF, Done };

    qsizetype consumeChunked(const char *data, qsizetype size, QByteArray *decoded);
    bool consumeSizeByte(char c);
    void endSizeLine();
    void nextChunk();

    Mode m_mode = Mode::None;
    qint64 m_remaining = 0;
    qint64 m_bodyBytes = 0;
    ChunkState m_chunk = ChunkState::Size;
    bool m_hasSizeDigit = false; // chunk-size needs at least one HEXDIG
    bool m_trailerLineEmpty = true;
    bool m_done = true;
    bool m_error = false;
};
