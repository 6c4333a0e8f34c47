#pragma once

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>

#include <memory>

class HttpBodyFramer;
class TcpStream;

// A request body read whole before the upstream is asked (nginx's
// proxy_request_buffering on: ngx_http_read_client_request_body). It is kept
// in memory up to client_body_buffer_size, else in a temporary file under
// client_body_temp_path, so a retry (proxy_next_upstream) can send it again
// and $request_body / $request_body_file can name it. A chunked body is kept
// decoded: the upstream gets it with a Content-Length.
class RequestBody final
{
public:
    struct Settings
    {
        qint64 bufferSize = 16384; // client_body_buffer_size
        bool fileOnly = false;     // client_body_in_file_only on|clean
        bool keepFile = false;     // ... on: the file stays after the request
        QString tempPath;          // client_body_temp_path
        QList<int> levels;         // its subdirectory levels (1 or 2 digits each)
    };

    RequestBody() = default;
    ~RequestBody();
    RequestBody(const RequestBody &) = delete;
    RequestBody &operator=(const RequestBody &) = delete;

    // A new body for this request, kept as `settings` say.
    void begin(const Settings &settings);
    // Nothing is being buffered (the body streams, or there is none).
    void clear();
    bool isActive() const { return m_active; }

    // Takes what of `in` belongs to the body through `framer` (which knows
    // its end). False: the chunked body is invalid, or the file could not be
    // written (errorString()).
    bool take(HttpBodyFramer &framer, QByteArray &in);
    QString errorString() const { return m_error; }

    qint64 size() const { return m_size; }
    bool inFile() const { return m_file != nullptr; }
    // $request_body: the body when it is in memory (null when it went to a file).
    const QByteArray *memory() const { return m_active && !m_file ? &m_memory : nullptr; }
    // $request_body_file: the temporary file's name (empty: in memory).
    QByteArray fileName() const { return m_file ? m_file->fileName().toUtf8() : QByteArray(); }

    // Sending it upstream: from the start again (a retry), then what fits.
    void rewind() { m_sent = 0; }
    // Writes the next part to `out` (the body in memory at once, a file in
    // pieces while `out` has room); `head` goes first, in the same write.
    // False: the file could not be read.
    bool pump(TcpStream &out, QByteArrayView head = {});
    bool allSent() const { return m_sent >= m_size; }

private:
    bool spill(); // from memory to a new temporary file
    QString nextFileName() const;

    Settings m_settings;
    bool m_active = false;
    QByteArray m_memory;
    std::unique_ptr<QFile> m_file;
    qint64 m_size = 0;
    qint64 m_sent = 0;
    QString m_error;
};
