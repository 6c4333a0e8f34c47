#include "inspect/capturewriter.h"

#include "inspect/eventjson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QUrlQuery>

#include <algorithm>
#include <vector>

#ifndef WSSCOPE_VERSION
#define WSSCOPE_VERSION "0"
#endif

namespace {

QString stripCaptureSuffix(const QString &file)
{
    for (QLatin1String suffix : {QLatin1String(".har"), QLatin1String(".jsonl")}) {
        if (file.endsWith(suffix) && file.size() > suffix.size())
            return file.left(file.size() - suffix.size());
    }
    return file;
}

QString text(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes);
}

QJsonArray harHeaders(const HttpHeaders &headers)
{
    QJsonArray a;
    for (const HttpHeader &h : headers)
        a.append(QJsonObject{{QStringLiteral("name"), text(h.name)}, {QStringLiteral("value"), text(h.value)}});
    return a;
}

QString httpVersion(int minor)
{
    return QStringLiteral("HTTP/1.") + QString::number(minor);
}

// "127.0.0.1:8010" -> "127.0.0.1", "[::1]:80" -> "::1".
QString hostOf(const QString &hostPort)
{
    if (hostPort.startsWith(QLatin1Char('['))) {
        const qsizetype end = hostPort.indexOf(QLatin1Char(']'));
        return end > 0 ? hostPort.mid(1, end - 1) : hostPort;
    }
    const qsizetype colon = hostPort.lastIndexOf(QLatin1Char(':'));
    if (colon > 0 && hostPort.indexOf(QLatin1Char(':')) == colon)
        return hostPort.left(colon);
    return hostPort;
}

double msBetween(qint64 fromNs, qint64 toNs)
{
    // Microsecond resolution is plenty and keeps the numbers short.
    return std::max<qint64>(0, (toNs - fromNs) / 1000) / 1000.0;
}

QString isoTime(double wallMs)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(wallMs), Qt::UTC).toString(Qt::ISODateWithMs);
}

QString closeText(const WsCloseInfo &c)
{
    QString s = c.code ? QString::number(*c.code) : QStringLiteral("no code");
    if (!c.reason.isEmpty())
        s += QStringLiteral(" \"") + c.reason + QLatin1Char('"');
    return s;
}

} // namespace

CaptureWriter::CaptureWriter(const QString &file, CaptureLimits limits)
    : m_base(stripCaptureSuffix(file))
    , m_limits(limits)
{
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
    m_stats.events += batch.size();
    if (m_jsonl.isOpen())
        writeJsonl(batch);
    for (const InspectEvent &event : batch)
        apply(event);
    enforceTotals();
    enforceEntryCap();
}

void CaptureWriter::writeJsonl(const QList<InspectEvent> &batch)
{
    QByteArray lines;
    for (const InspectEvent &event : batch) {
        lines += QJsonDocument(toJson(event)).toJson(QJsonDocument::Compact);
        lines += '\n';
    }
    const qint64 before = m_jsonl.size();
    if (m_jsonl.write(lines) == lines.size()) {
        m_stats.jsonlLines += batch.size();
        return;
    }
    // Disk full or similar: cut the partial batch off so the file still ends
    // on a line boundary, count it, and try again with the next batch.
    m_lastError = jsonlPath() + QStringLiteral(": ") + m_jsonl.errorString();
    ++m_stats.jsonlFailedBatches;
    m_jsonl.resize(before);
    m_jsonl.seek(before);
}

CaptureWriter::Connection &CaptureWriter::connectionFor(const InspectEvent &event)
{
    auto it = m_connections.find(event.connectionId);
    if (it == m_connections.end()) {
        Connection c;
        c.anchorNs = event.monotonicNs;
        c.anchorWallMs = event.wallMs;
        it = m_connections.insert(event.connectionId, c);
    }
    it->lastNs = std::max(it->lastNs, event.monotonicNs);
    return *it;
}

double CaptureWriter::wallMsAt(const Connection &connection, qint64 monotonicNs) const
{
    // One wall-clock anchor per connection and monotonic offsets from it:
    // sub-millisecond resolution, and times never run backwards in an entry.
    return double(connection.anchorWallMs) + double(monotonicNs - connection.anchorNs) / 1e6;
}

CaptureWriter::Exchange &CaptureWriter::startExchange(Connection &connection, const InspectEvent &event)
{
    const quint64 key = m_nextKey++;
    Exchange &e = m_exchanges[key];
    e.connectionId = event.connectionId;
    e.startNs = event.monotonicNs;
    e.startWallMs = wallMsAt(connection, event.monotonicNs);
    if (connection.opened) {
        e.tls = connection.opened->tls;
        e.listener = connection.opened->listener;
    }
    e.route = connection.route;
    connection.current = key;
    return e;
}

CaptureWriter::Exchange &CaptureWriter::currentExchange(Connection &connection, const InspectEvent &event)
{
    // An event for a connection whose request we never saw (the capture
    // started late, or its entry was evicted) still gets an entry.
    if (connection.current != 0) {
        auto it = m_exchanges.find(connection.current);
        if (it != m_exchanges.end())
            return it->second;
    }
    return startExchange(connection, event);
}

void CaptureWriter::addMessage(Exchange &exchange, Message message)
{
    if (message.data.size() > m_limits.maxBytesPerMessage)
        message.data.truncate(m_limits.maxBytesPerMessage);
    exchange.messageBytes += message.data.size();
    m_stats.keptMessageBytes += message.data.size();
    ++m_stats.keptMessages;
    exchange.messages.push_back(std::move(message));
    while (qsizetype(exchange.messages.size()) > std::max(0, m_limits.maxMessagesPerConnection)) {
        const qsizetype bytes = exchange.messages.front().data.size();
        exchange.messages.pop_front();
        exchange.messageBytes -= bytes;
        ++exchange.droppedMessages;
        ++m_stats.droppedMessages;
        m_stats.droppedMessageBytes += bytes;
        --m_stats.keptMessages;
        m_stats.keptMessageBytes -= bytes;
    }
}

void CaptureWriter::enforceTotals()
{
    if (m_stats.keptMessages <= m_limits.maxMessagesTotal && m_stats.keptMessageBytes <= m_limits.maxMessageBytesTotal)
        return;
    // Drop the oldest messages first, down to 90% of the caps so that this
    // scan runs once per tenth of the cap rather than once per message.
    const qint64 countTarget = m_limits.maxMessagesTotal - m_limits.maxMessagesTotal / 10;
    const qint64 bytesTarget = m_limits.maxMessageBytesTotal - m_limits.maxMessageBytesTotal / 10;
    for (auto &[key, e] : m_exchanges) {
        Q_UNUSED(key);
        while (!e.messages.empty()
               && (m_stats.keptMessages > countTarget || m_stats.keptMessageBytes > bytesTarget)) {
            const qsizetype bytes = e.messages.front().data.size();
            e.messages.pop_front();
            e.messageBytes -= bytes;
            ++e.droppedMessages;
            ++m_stats.droppedMessages;
            m_stats.droppedMessageBytes += bytes;
            --m_stats.keptMessages;
            m_stats.keptMessageBytes -= bytes;
        }
        if (m_stats.keptMessages <= countTarget && m_stats.keptMessageBytes <= bytesTarget)
            break;
    }
}

void CaptureWriter::enforceEntryCap()
{
    if (qsizetype(m_exchanges.size()) <= std::max(1, m_limits.maxEntries))
        return;
    // Remove the oldest finished entries (an open one is still being filled).
    const qsizetype target = std::max(1, m_limits.maxEntries - m_limits.maxEntries / 10);
    for (auto it = m_exchanges.begin(); it != m_exchanges.end() && qsizetype(m_exchanges.size()) > target;) {
        if (!it->second.finished) {
            ++it;
            continue;
        }
        m_stats.keptMessages -= qint64(it->second.messages.size());
        m_stats.keptMessageBytes -= it->second.messageBytes;
        m_stats.droppedMessages += qint64(it->second.messages.size());
        m_stats.droppedMessageBytes += it->second.messageBytes;
        ++m_stats.droppedEntries;
        it = m_exchanges.erase(it);
    }
}

void CaptureWriter::apply(const InspectEvent &event)
{
    Connection &connection = connectionFor(event);

    if (const auto *e = event.as<ConnectionOpenedEvent>()) {
        connection.opened = *e;
    } else if (const auto *e = event.as<RequestHeadEvent>()) {
        if (!e->forwarded) {
            // A new request on the connection: keep-alive starts a new entry.
            Exchange &x = startExchange(connection, event);
            x.request = e->head;
            x.haveRequest = true;
        } else {
            Exchange &x = currentExchange(connection, event);
            x.forwarded = e->head;
            x.forwardedNs = event.monotonicNs;
        }
    } else if (const auto *e = event.as<RouteEvent>()) {
        // The route belongs to the request being routed; a later request on
        // the same connection starts with it too until its own route arrives.
        connection.route = *e;
        if (auto it = m_exchanges.find(connection.current); connection.current != 0 && it != m_exchanges.end())
            it->second.route = *e;
    } else if (const auto *e = event.as<ResponseHeadEvent>()) {
        Exchange &x = currentExchange(connection, event);
        x.response = e->head;
        x.responseFromUpstream = e->fromUpstream;
        x.responseNs = event.monotonicNs;
    } else if (const auto *e = event.as<TunnelEvent>()) {
        Exchange &x = currentExchange(connection, event);
        x.tunnel = true;
        x.subprotocol = e->subprotocol;
        x.extensions = e->extensions;
    } else if (const auto *e = event.as<MessageEvent>()) {
        Exchange &x = currentExchange(connection, event);
        Message m;
        m.timeSec = wallMsAt(connection, event.monotonicNs) / 1000.0;
        m.data = e->message.preview;
        m.opcode = quint8(e->message.opcode);
        m.send = e->direction == Direction::ClientToUpstream;
        addMessage(x, std::move(m));
    } else if (const auto *e = event.as<ControlFrameEvent>()) {
        if (m_limits.includeControlFrames) {
            Exchange &x = currentExchange(connection, event);
            Message m;
            m.timeSec = wallMsAt(connection, event.monotonicNs) / 1000.0;
            m.data = e->payload;
            m.opcode = quint8(e->opcode);
            m.send = e->direction == Direction::ClientToUpstream;
            addMessage(x, std::move(m));
        }
    } else if (const auto *e = event.as<ViolationEvent>()) {
        Exchange &x = currentExchange(connection, event);
        x.notes.append(QStringLiteral("violation (%1): %2")
                           .arg(e->direction == Direction::ClientToUpstream ? QStringLiteral("client")
                                                                            : QStringLiteral("upstream"),
                                e->violation.text));
    } else if (const auto *e = event.as<FindingEvent>()) {
        Exchange &x = currentExchange(connection, event);
        x.notes.append(e->code + QStringLiteral(": ") + e->text);
    } else if (const auto *e = event.as<HttpExchangeEvent>()) {
        Exchange &x = currentExchange(connection, event);
        x.requestBodyBytes = e->requestBodyBytes;
        x.responseBodyBytes = e->responseBodyBytes;
        x.endNs = event.monotonicNs;
        x.finished = true;
    } else if (const auto *e = event.as<ClosedEvent>()) {
        if (connection.current != 0) {
            auto it = m_exchanges.find(connection.current);
            if (it != m_exchanges.end() && !it->second.finished) {
                Exchange &x = it->second;
                x.endNs = event.monotonicNs;
                x.finished = true;
                QString note = QStringLiteral("closed: ") + QLatin1String(closeCauseName(e->cause));
                if (!e->detail.isEmpty())
                    note += QStringLiteral(" (") + e->detail + QLatin1Char(')');
                if (e->clientClose)
                    note += QStringLiteral("; client close ") + closeText(*e->clientClose);
                if (e->upstreamClose)
                    note += QStringLiteral("; upstream close ") + closeText(*e->upstreamClose);
                x.notes.append(note);
                if (!x.response)
                    x.error = QLatin1String(closeCauseName(e->cause))
                        + (e->detail.isEmpty() ? QString() : QString(QStringLiteral(": ") + e->detail));
            }
        }
        m_connections.remove(event.connectionId);
    }
}

QJsonObject CaptureWriter::entryToJson(const Exchange &x) const
{
    const auto conn = m_connections.constFind(x.connectionId);
    const Connection *live = conn == m_connections.cend() ? nullptr : &*conn;

    const bool tls = x.tls;
    const bool webSocket = x.tunnel || x.request.headers.hasToken("upgrade", "websocket") || !x.messages.empty();

    // request.url: scheme://host + target (RFC 9112 3.2: origin-form target
    // plus Host), or the absolute-form target as it came.
    QString url;
    const QString target = text(x.request.target);
    const QString scheme = webSocket ? (tls ? QStringLiteral("wss") : QStringLiteral("ws"))
                                     : (tls ? QStringLiteral("https") : QStringLiteral("http"));
    if (target.startsWith(QLatin1String("http://")) || target.startsWith(QLatin1String("https://"))) {
        url = target;
        if (webSocket)
            url.replace(0, 4, QStringLiteral("ws")); // http -> ws, https -> wss
    } else {
        QString host = text(x.request.headers.value("host"));
        if (host.isEmpty())
            host = x.listener;
        if (host.isEmpty())
            host = QStringLiteral("unknown");
        url = scheme + QStringLiteral("://") + host + (target.isEmpty() ? QStringLiteral("/") : target);
    }

    QJsonArray queryString;
    const qsizetype q = target.indexOf(QLatin1Char('?'));
    if (q >= 0) {
        const QUrlQuery query(target.mid(q + 1));
        for (const auto &[name, value] : query.queryItems(QUrl::FullyDecoded))
            queryString.append(QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("value"), value}});
    }

    QJsonObject request{
        {QStringLiteral("method"), x.haveRequest ? text(x.request.method) : QStringLiteral("GET")},
        {QStringLiteral("url"), url},
        {QStringLiteral("httpVersion"), httpVersion(x.request.versionMinor)},
        {QStringLiteral("headers"), harHeaders(x.request.headers)},
        {QStringLiteral("queryString"), queryString},
        {QStringLiteral("cookies"), QJsonArray()},
        {QStringLiteral("headersSize"), x.haveRequest ? qint64(x.request.serialize().size()) : qint64(-1)},
        {QStringLiteral("bodySize"), x.requestBodyBytes >= 0 ? x.requestBodyBytes : (webSocket ? 0 : -1)},
    };
    if (x.forwarded) {
        // Ours, not HAR's: the head as it went upstream, for diffing.
        request.insert(QStringLiteral("_forwarded"),
                       QJsonObject{{QStringLiteral("method"), text(x.forwarded->method)},
                                   {QStringLiteral("target"), text(x.forwarded->target)},
                                   {QStringLiteral("httpVersion"), httpVersion(x.forwarded->versionMinor)},
                                   {QStringLiteral("headers"), harHeaders(x.forwarded->headers)}});
    }

    QJsonObject response;
    if (x.response) {
        const HttpResponseHead &r = *x.response;
        const QByteArray contentType = r.headers.value("content-type");
        const qint64 body = r.status == 101 ? 0 : x.responseBodyBytes;
        response = QJsonObject{
            {QStringLiteral("status"), r.status},
            {QStringLiteral("statusText"), text(r.reason.isEmpty() ? httpReasonPhrase(r.status) : r.reason)},
            {QStringLiteral("httpVersion"), httpVersion(r.versionMinor)},
            {QStringLiteral("headers"), harHeaders(r.headers)},
            {QStringLiteral("cookies"), QJsonArray()},
            {QStringLiteral("content"),
             QJsonObject{{QStringLiteral("size"), std::max<qint64>(0, body)},
                         {QStringLiteral("mimeType"),
                          contentType.isEmpty() ? QStringLiteral("x-unknown") : text(contentType)}}},
            {QStringLiteral("redirectURL"), text(r.headers.value("location"))},
            {QStringLiteral("headersSize"), qint64(r.serialize().size())},
            {QStringLiteral("bodySize"), body},
        };
        if (!x.responseFromUpstream)
            response.insert(QStringLiteral("comment"), QStringLiteral("answered by wsscope, not the upstream"));
    } else {
        // No response head: status 0 is what Chrome writes for a failed request.
        response = QJsonObject{
            {QStringLiteral("status"), 0},
            {QStringLiteral("statusText"), QString()},
            {QStringLiteral("httpVersion"), QString()},
            {QStringLiteral("headers"), QJsonArray()},
            {QStringLiteral("cookies"), QJsonArray()},
            {QStringLiteral("content"),
             QJsonObject{{QStringLiteral("size"), 0}, {QStringLiteral("mimeType"), QStringLiteral("x-unknown")}}},
            {QStringLiteral("redirectURL"), QString()},
            {QStringLiteral("headersSize"), -1},
            {QStringLiteral("bodySize"), -1},
        };
        if (!x.error.isEmpty())
            response.insert(QStringLiteral("_error"), x.error);
    }

    // Timings (HAR 1.2: send, wait, receive required; -1 where unknown).
    // blocked: from the request head arriving to it being sent upstream
    // (routing and the upstream connect, which we do not time apart);
    // wait: until the response head; receive: until the exchange ended (for a
    // WebSocket: the tunnel's whole life, so its messages fall inside `time`).
    const qint64 endNs = x.endNs >= 0 ? x.endNs : (live ? live->lastNs : std::max(x.responseNs, x.startNs));
    const qint64 sentNs = x.forwardedNs >= 0 ? x.forwardedNs : x.startNs;
    const double blocked = x.forwardedNs >= 0 ? msBetween(x.startNs, x.forwardedNs) : -1;
    const double wait = x.responseNs >= 0 ? msBetween(sentNs, x.responseNs) : msBetween(sentNs, endNs);
    const double receive = x.responseNs >= 0 ? msBetween(x.responseNs, endNs) : 0;
    const double total = std::max(0.0, blocked) + wait + receive;
    const QJsonObject timings{
        {QStringLiteral("blocked"), blocked},  {QStringLiteral("dns"), -1}, {QStringLiteral("connect"), -1},
        {QStringLiteral("ssl"), -1},           {QStringLiteral("send"), 0}, {QStringLiteral("wait"), wait},
        {QStringLiteral("receive"), receive},
    };

    const QString connectionId = QString::number(x.connectionId);
    QJsonObject entry{
        {QStringLiteral("startedDateTime"), isoTime(x.startWallMs)},
        {QStringLiteral("time"), total},
        {QStringLiteral("request"), request},
        {QStringLiteral("response"), response},
        {QStringLiteral("cache"), QJsonObject()},
        {QStringLiteral("timings"), timings},
        {QStringLiteral("connection"), connectionId},
        {QStringLiteral("_connectionId"), connectionId},
    };
    if (x.route) {
        const RouteEvent &route = *x.route;
        if (!route.upstreamServer.isEmpty())
            entry.insert(QStringLiteral("serverIPAddress"), hostOf(route.upstreamServer));
        entry.insert(QStringLiteral("_wsscopeRoute"),
                     QJsonObject{{QStringLiteral("serverName"), route.serverName},
                                 {QStringLiteral("location"), route.location},
                                 {QStringLiteral("upstreamGroup"), route.upstreamGroup},
                                 {QStringLiteral("upstreamServer"), route.upstreamServer},
                                 {QStringLiteral("algorithm"), route.algorithm},
                                 {QStringLiteral("attempt"), route.attempt}});
    }
    if (webSocket) {
        entry.insert(QStringLiteral("_resourceType"), QStringLiteral("websocket"));
        QJsonArray messages;
        for (const Message &m : x.messages) {
            // Chrome's convention (CDP WebSocketFrame.payloadData): opcode 1
            // is UTF-8 text, every other opcode carries base64.
            const QString data = m.opcode == 1 ? text(m.data) : QString::fromLatin1(m.data.toBase64());
            messages.append(QJsonObject{{QStringLiteral("type"), m.send ? QStringLiteral("send") : QStringLiteral("receive")},
                                        {QStringLiteral("time"), m.timeSec},
                                        {QStringLiteral("opcode"), int(m.opcode)},
                                        {QStringLiteral("data"), data}});
        }
        entry.insert(QStringLiteral("_webSocketMessages"), messages);
        if (!x.subprotocol.isEmpty())
            entry.insert(QStringLiteral("_wsscopeSubprotocol"), x.subprotocol);
        if (!x.extensions.isEmpty())
            entry.insert(QStringLiteral("_wsscopeExtensions"), x.extensions);
    }

    QStringList comment = x.notes;
    if (x.droppedMessages > 0) {
        entry.insert(QStringLiteral("_wsscopeDroppedMessages"), x.droppedMessages);
        comment.prepend(QStringLiteral("%1 older messages dropped (capture limits)").arg(x.droppedMessages));
    }
    if (!x.finished)
        comment.append(QStringLiteral("still open when the capture was written"));
    if (!comment.isEmpty())
        entry.insert(QStringLiteral("comment"), comment.join(QStringLiteral("; ")));
    return entry;
}

QJsonObject CaptureWriter::harDocument() const
{
    std::vector<const Exchange *> ordered;
    ordered.reserve(m_exchanges.size());
    for (const auto &[key, e] : m_exchanges) {
        Q_UNUSED(key);
        ordered.push_back(&e);
    }
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const Exchange *a, const Exchange *b) { return a->startWallMs < b->startWallMs; });
    QJsonArray entries;
    for (const Exchange *e : ordered)
        entries.append(entryToJson(*e));

    QString comment = QStringLiteral("wsscope capture: %1 events, %2 entries, %3 WebSocket messages kept.")
                          .arg(m_stats.events)
                          .arg(qint64(m_exchanges.size()))
                          .arg(m_stats.keptMessages);
    if (m_stats.droppedMessages > 0 || m_stats.droppedEntries > 0) {
        comment += QStringLiteral(" Dropped %1 messages (%2 bytes) and %3 entries to stay within the limits"
                                  " (%4 messages per connection, %5 messages / %6 bytes in total, %7 entries).")
                       .arg(m_stats.droppedMessages)
                       .arg(m_stats.droppedMessageBytes)
                       .arg(m_stats.droppedEntries)
                       .arg(m_limits.maxMessagesPerConnection)
                       .arg(m_limits.maxMessagesTotal)
                       .arg(m_limits.maxMessageBytesTotal)
                       .arg(m_limits.maxEntries);
    }

    const QJsonObject log{
        {QStringLiteral("version"), QStringLiteral("1.2")},
        {QStringLiteral("creator"),
         QJsonObject{{QStringLiteral("name"), QStringLiteral("wsscope")},
                     {QStringLiteral("version"), QStringLiteral(WSSCOPE_VERSION)}}},
        {QStringLiteral("pages"), QJsonArray()},
        {QStringLiteral("entries"), entries},
        {QStringLiteral("comment"), comment},
        {QStringLiteral("_wsscopeDropped"),
         QJsonObject{{QStringLiteral("messages"), m_stats.droppedMessages},
                     {QStringLiteral("messageBytes"), m_stats.droppedMessageBytes},
                     {QStringLiteral("entries"), m_stats.droppedEntries}}},
    };
    return QJsonObject{{QStringLiteral("log"), log}};
}

bool CaptureWriter::writeHar(QString *error)
{
    QSaveFile file(harPath());
    // QSaveFile writes a temporary file beside the target and renames it on
    // commit(): a reader sees the old HAR or the new one, never half of one.
    bool ok = file.open(QIODevice::WriteOnly);
    if (ok) {
        const QByteArray json = QJsonDocument(harDocument()).toJson(QJsonDocument::Indented);
        ok = file.write(json) == json.size() && file.commit();
    }
    if (!ok) {
        m_lastError = harPath() + QStringLiteral(": ") + file.errorString();
        file.cancelWriting();
        if (error)
            *error = m_lastError;
    }
    return ok;
}
