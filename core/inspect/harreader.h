#pragma once

#include "inspect/inspectevent.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

// A HAR file loaded for viewing: one written by CaptureWriter, or one
// exported by Chrome DevTools (WebSocket frames in `_webSocketMessages`).

struct HarWebSocketMessage
{
    Direction direction = Direction::ClientToUpstream; // "send" / "receive"
    double timeSec = 0;       // seconds since the epoch, as in the file
    int opcode = 1;
    QByteArray data;          // opcode 1: UTF-8 text; others decoded from base64
};

struct HarEntry
{
    QString connection;       // HAR `connection` (or Chrome's `_connectionId`)
    QDateTime startedDateTime;
    double timeMs = 0;
    double blockedMs = -1;
    double waitMs = 0;
    double receiveMs = 0;
    QString url;
    QString serverIPAddress;
    HttpRequestHead request;  // target in origin form, taken from url
    std::optional<HttpRequestHead> forwarded; // wsscope's `request._forwarded`
    HttpResponseHead response; // status 0: no response
    QString responseError;    // Chrome's `response._error`
    qint64 requestBodySize = -1;
    qint64 responseBodySize = -1;
    QString mimeType;
    bool webSocket = false;   // `_resourceType: "websocket"` or messages present
    QList<HarWebSocketMessage> messages;
    QString comment;
};

struct HarLog
{
    QString version;
    QString creatorName;
    QString creatorVersion;
    QString comment;
    QList<HarEntry> entries;  // in file order
    int skippedMessages = 0;  // `_webSocketMessages` items Chrome would skip too
};

class HarReader final
{
public:
    HarReader() = delete;

    // Parses HAR JSON. On a malformed file returns nullopt and says where
    // ("log.entries[3].startedDateTime: not an ISO 8601 date"). Never throws
    // or crashes on bad input; unknown fields are ignored.
    static std::optional<HarLog> parse(const QByteArray &json, QString *error = nullptr);
    // parse() of a file's contents; refuses files larger than maxBytes.
    static std::optional<HarLog> readFile(const QString &path, QString *error = nullptr,
                                          qint64 maxBytes = qint64(1) << 30);

    // The log as the event stream a live session would have produced, for the
    // inspector's views: per entry a request head, the route and forwarded head
    // when wsscope wrote them, the response head, the tunnel and its messages
    // (opcodes 8/9/10 as control events), then an http-exchange (plain HTTP) or
    // closed (WebSocket) event. Each entry gets its own connection id (the
    // HAR's own id when it is a number not used before); timestamps come from
    // the file's wall clock (monotonicNs = wall time in ns). Sorted by time.
    static QList<InspectEvent> toEvents(const HarLog &log);
};
