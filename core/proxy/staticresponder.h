#pragma once

#include "http/httpheaders.h"
#include "http/specialresponse.h"
#include "http/staticfile.h"

#include <QByteArray>
#include <QString>

#include <memory>

class HttpBodyFramer;
class QFile;
class TcpStream;
struct LocationConfig;

// The responses the proxy makes itself: files for a location without
// proxy_pass (root/alias/index, nginx's static module: the head, then the
// file in slices as the client's queue drains, the same backpressure as a
// proxied body), and its error answers.
class StaticResponder final
{
    Q_DISABLE_COPY_MOVE(StaticResponder)

public:
    StaticResponder();
    ~StaticResponder();

    struct Answer
    {
        int status = 0;           // 200, 301, or an error status to answer with `message`
        QByteArray message;
        HttpResponseHead head;    // 200 and 301 (a relative Location the caller makes absolute)
        QByteArray body;          // 301: its short text
        qint64 fileBytes = 0;     // 200: bytes pump() sends (0: nothing, e.g. HEAD)
    };
    // Resolves $uri under the location (relative roots from `configFile`'s
    // directory) and opens the file. `addUriToAlias`: a regex location's
    // alias is a directory $uri goes under (try_files found it there).
    Answer begin(const LocationConfig &location, const QString &configFile, const QByteArray &method,
                 const QByteArray &uri, bool keepAlive, bool addUriToAlias = false);
    // The root or alias `location` maps `uri` under.
    static StaticFileRoot rootFor(const LocationConfig &location, const QByteArray &uri, bool addUriToAlias);

    // The proxy's own error answer: nginx's HTML page for the status
    // (ngx_http_special_response_handler) with wsscope's reason as a
    // comment in it, then the connection closes. The Server and Date
    // fields are the session's (Session::writeOwnResponse).
    static HttpResponseHead errorResponse(int status, const QByteArray &message, ServerTokens tokens,
                                          QByteArray *body);

    bool isSending() const { return m_file != nullptr; }
    enum class Pump { More, Done, Failed };
    // Fills the client's queue up to `cap` bytes from the file, framed by
    // `body` (which counts what went out). Failed: the file could not be
    // read after its length was promised (only a close can tell).
    Pump pump(TcpStream &client, HttpBodyFramer &body, char *buffer, qsizetype bufferSize, qint64 cap);
    QString fileName() const;
    void stop();

private:
    std::unique_ptr<QFile> m_file;
};
