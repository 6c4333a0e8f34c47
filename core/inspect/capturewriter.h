#pragma once

#include "inspect/connectionstore.h"
#include "inspect/inspectevent.h"

#include <QFile>
#include <QJsonObject>
#include <QList>
#include <QString>

// What a capture may hold in memory for the HAR. The JSONL stream is written
// as events arrive and holds nothing back; the HAR needs every kept entry and
// message until it is written, so both are capped. When a cap is hit the
// oldest messages (or the oldest finished entries) go first, and every drop
// is counted and reported in the HAR's `comment`. They map onto the
// ConnectionStore's limits (see limitsFor() in capturewriter.cpp).
struct CaptureLimits
{
    int maxMessagesPerConnection = 10'000;     // per WebSocket entry
    qint64 maxMessagesTotal = 200'000;         // over all entries
    qint64 maxMessageBytesTotal = 256ll << 20; // memory of the kept messages (data and their records)
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
//    The events are reduced by a ConnectionStore and the HAR is built by
//    HarExport, exactly as the window's "Save as HAR" does.
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
    Stats stats() const;
    const ConnectionStore &store() const { return m_store; }
    QString lastError() const { return m_lastError; }

private:
    void writeJsonl(const QList<InspectEvent> &batch);

    QString m_base;
    CaptureLimits m_limits;
    QFile m_jsonl;
    qint64 m_events = 0;
    qint64 m_jsonlLines = 0;
    qint64 m_jsonlFailedBatches = 0;
    QString m_lastError;
    ConnectionStore m_store; // the same reducer as the window's
};
