#include "inspect/capturewriter.h"

#include "inspect/eventjson.h"
#include "inspect/eventjsonwriter.h"
#include "inspect/harexport.h"

#include <algorithm>
#include <limits>

namespace {

QString stripCaptureSuffix(const QString &file)
{
    for (QLatin1String suffix : {QLatin1String(".har"), QLatin1String(".jsonl")}) {
        if (file.endsWith(suffix) && file.size() > suffix.size())
            return file.left(file.size() - suffix.size());
    }
    return file;
}

// The capture's caps in the store's terms. A capture keeps open connections
// (their exchanges are still being filled) and as many closed ones as it has
// entries; the message caps bound the frames.
ConnectionStoreLimits limitsFor(const CaptureLimits &capture)
{
    ConnectionStoreLimits limits;
    limits.maxConnections = std::numeric_limits<int>::max();
    limits.maxClosedConnections = std::max(1, capture.maxEntries);
    limits.maxExchanges = std::max(1, capture.maxEntries);
    limits.maxFramesPerConnection = std::max(0, capture.maxMessagesPerConnection);
    limits.maxFramesTotal = std::max<qint64>(0, capture.maxMessagesTotal);
    limits.maxFrameMemory = std::max<qint64>(0, capture.maxMessageBytesTotal);
    limits.maxPayloadBytes = std::max(1, capture.maxBytesPerMessage);
    return limits;
}

} // namespace

CaptureWriter::CaptureWriter(const QString &file, CaptureLimits limits)
    : m_base(stripCaptureSuffix(file))
    , m_limits(limits)
{
    m_store.setLimits(limitsFor(m_limits));
}

CaptureWriter::~CaptureWriter() = default;

bool CaptureWriter::openJsonl(QString *error)
{
    m_jsonl.setFileName(jsonlPath());
    // Unbuffered: each batch is one write() of whole lines, so nothing is left
    // half written in a Qt buffer when the process dies.
    if (!m_jsonl.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered)) {
        m_lastError = jsonlPath() + QStringLiteral(": ") + m_jsonl.errorString();
        if (error)
            *error = m_lastError;
        return false;
    }
    return true;
}

void CaptureWriter::consume(const QList<InspectEvent> &batch)
{
    if (batch.isEmpty())
        return;
    m_events += batch.size();
    if (m_jsonl.isOpen())
        writeJsonl(batch);
    for (const InspectEvent &event : batch) {
        if (!m_limits.includeControlFrames && event.as<ControlFrameEvent>())
            continue;
        m_store.apply(event);
    }
    m_store.enforceLimits();
    m_store.takeChanged(); // nothing shows the changes
}

void CaptureWriter::writeJsonl(const QList<InspectEvent> &batch)
{
    QByteArray lines;
    for (const InspectEvent &event : batch) {
        EventJson::appendEvent(lines, event); // = QJsonDocument(toJson(event)), the channel's encoder
        lines += '\n';
    }
    const qint64 before = m_jsonl.size();
    if (m_jsonl.write(lines) == lines.size()) {
        m_jsonlLines += batch.size();
        return;
    }
    // Disk full or similar: cut the partial batch off so the file still ends
    // on a line boundary, count it, and try again with the next batch.
    m_lastError = jsonlPath() + QStringLiteral(": ") + m_jsonl.errorString();
    ++m_jsonlFailedBatches;
    m_jsonl.resize(before);
    m_jsonl.seek(before);
}

CaptureWriter::Stats CaptureWriter::stats() const
{
    Stats s;
    s.events = m_events;
    s.keptMessages = m_store.framesStored();
    s.keptMessageBytes = m_store.payloadBytes();
    s.droppedMessages = m_store.framesDropped() + m_store.framesRemoved();
    s.droppedMessageBytes = m_store.payloadBytesDropped();
    s.droppedEntries = m_store.exchangesDropped();
    s.jsonlLines = m_jsonlLines;
    s.jsonlFailedBatches = m_jsonlFailedBatches;
    return s;
}

QJsonObject CaptureWriter::harDocument() const
{
    HarExport::Options options;
    options.includeControlFrames = m_limits.includeControlFrames;
    const QJsonArray entries = HarExport::entries(HarExport::records(m_store), options);
    const Stats st = stats();
    QString comment = QStringLiteral("wsscope capture: %1 events, ").arg(m_events)
        + HarExport::keptComment(entries.size(), m_store);
    if (st.droppedMessages > 0 || st.droppedEntries > 0) {
        comment += QStringLiteral(" Dropped %1 messages (%2 bytes) and %3 entries to stay within the limits"
                                  " (%4 messages per connection, %5 messages / %6 bytes in total, %7 entries).")
                       .arg(st.droppedMessages)
                       .arg(st.droppedMessageBytes)
                       .arg(st.droppedEntries)
                       .arg(m_limits.maxMessagesPerConnection)
                       .arg(m_limits.maxMessagesTotal)
                       .arg(m_limits.maxMessageBytesTotal)
                       .arg(m_limits.maxEntries);
    }
    return HarExport::document(entries, comment, m_store);
}

bool CaptureWriter::writeHar(QString *error)
{
    QString why;
    if (HarExport::write(harPath(), harDocument(), &why))
        return true;
    m_lastError = why;
    if (error)
        *error = m_lastError;
    return false;
}
