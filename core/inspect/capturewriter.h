#pragma once

#include "inspect/inspectevent.h"

#include <QFile>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <deque>
#include <map>

// What a capture may hold in memory for the HAR. The JSONL stream is written
// as events arrive and holds nothing back; the HAR needs every kept entry and
// message until it is written, so both are capped. When a cap is hit the
// oldest messages (or the oldest finished entries) go first, and every drop
// is counted and reported in the HAR's `comment`.
struct CaptureLimits
{
    int maxMessagesPerConnection = 10'000;     // per WebSocket entry
    qint64 maxMessagesTotal = 200'000;         // over all entries
    qint64 maxMessageBytesTotal = 256ll << 20; // sum of kept message data
    int maxBytesPerMessage = 64 << 10;         // data kept per message (the preview cap also applies)
    int maxEntries = 50'000;                   // HTTP exchanges + WebSocket connections
    bool includeControlFrames = true;          // ping/pong/close as opcodes 9/10/8 (Chrome shows them)
};

// Records a headless session (`--capture FILE`):
//  - FILE.jsonl: one toJson() event per line (see eventjson.h), written and
//    flushed per batch. A batch is written with one write; if that fails the
//    file is cut back to its previous length, so it never ends in half a line.
//  - FILE.har: HAR 1.2 with Chrome DevTools' WebSocket extension
//    (`_resourceType: "websocket"`, `_webSocketMessages`), one entry per HTTP
//    exchange and per WebSocket connection, written by writeHar() through a
//    QSaveFile: the file on disk is the previous complete HAR or the new one.
// A FILE ending in ".har" or ".jsonl" has that suffix dropped first.
//
// Plain class, not thread-safe: feed it from one thread (the bus's consumer).
// The destructor does not write the HAR; the owner calls writeHar() on exit.
class CaptureWriter final
{
    Q_DISABLE_COPY_MOVE(CaptureWriter)

public:
    struct Stats
    {
        qint64 events = 0;
        qint64 keptMessages = 0;
        qint64 keptMessageBytes = 0;
        qint64 droppedMessages = 0;
        qint64 droppedMessageBytes = 0;
        qint64 droppedEntries = 0;
        qint64 jsonlLines = 0;
        qint64 jsonlFailedBatches = 0;
    };

    explicit CaptureWriter(const QString &file, CaptureLimits limits = {});
    ~CaptureWriter();

    // Creates (truncates) FILE.jsonl. Without it, consume() only builds the HAR.
    bool openJsonl(QString *error = nullptr);
    void consume(const QList<InspectEvent> &batch);

    // Writes FILE.har atomically; safe to call repeatedly (SIGUSR1, exit).
    // Connections still open are written as they stand.
    bool writeHar(QString *error = nullptr);
    // The HAR as a JSON object, as writeHar() would write it.
    QJsonObject harDocument() const;

    QString jsonlPath() const { return m_base + QLatin1String(".jsonl"); }
    QString harPath() const { return m_base + QLatin1String(".har"); }
    const CaptureLimits &limits() const { return m_limits; }
    Stats stats() const { return m_stats; }
    QString lastError() const { return m_lastError; }

private:
    struct Message
    {
        double timeSec = 0;  // seconds since the epoch
        QByteArray data;
        quint8 opcode = 1;
        bool send = true;    // client to upstream
    };

    struct Exchange
    {
        quint64 connectionId = 0;
        qint64 startNs = 0;
        double startWallMs = 0;
        qint64 forwardedNs = -1;
        qint64 responseNs = -1;
        qint64 endNs = -1;
        HttpRequestHead request;
        std::optional<HttpRequestHead> forwarded;
        std::optional<HttpResponseHead> response;
        bool responseFromUpstream = true;
        bool haveRequest = false;
        bool tunnel = false;
        bool finished = false;
        bool tls = false;
        QString listener;
        std::optional<RouteEvent> route;
        qint64 requestBodyBytes = -1;
        qint64 responseBodyBytes = -1;
        QString subprotocol;
        QString extensions;
        QString error;            // why there is no response
        QStringList notes;        // findings, violations, close details
        std::deque<Message> messages;
        qint64 droppedMessages = 0;
        qint64 messageBytes = 0;
    };

    struct Connection
    {
        qint64 anchorNs = 0;
        qint64 anchorWallMs = 0;
        qint64 lastNs = 0;
        std::optional<ConnectionOpenedEvent> opened;
        std::optional<RouteEvent> route;
        quint64 current = 0;      // key of the connection's current exchange, 0: none
    };

    void writeJsonl(const QList<InspectEvent> &batch);
    void apply(const InspectEvent &event);
    Connection &connectionFor(const InspectEvent &event);
    Exchange &currentExchange(Connection &connection, const InspectEvent &event);
    Exchange &startExchange(Connection &connection, const InspectEvent &event);
    void addMessage(Exchange &exchange, Message message);
    void enforceTotals();
    void enforceEntryCap();
    QJsonObject entryToJson(const Exchange &exchange) const;
    double wallMsAt(const Connection &connection, qint64 monotonicNs) const;

    QString m_base;
    CaptureLimits m_limits;
    QFile m_jsonl;
    Stats m_stats;
    QString m_lastError;
    quint64 m_nextKey = 1;
    std::map<quint64, Exchange> m_exchanges;  // by arrival: the oldest first
    QHash<quint64, Connection> m_connections; // open connections only
};
