#include "inspect/harexport.h"

#include "inspect/closecause.h"
#include "inspect/connectionstore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSaveFile>
#include <QUrlQuery>

#include <algorithm>
#include <utility>
#include <vector>

#ifndef WSSCOPE_VERSION
#define WSSCOPE_VERSION "0"
#endif

namespace {

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

// One exchange of a record, with what the entry needs to know about it.
struct Item
{
    const ConnectionRecord *record = nullptr;
    size_t index = 0;
    const ExchangeRecord &x() const { return record->exchanges[index]; }
    // Its frames: [first, end) of the record's kept ones.
    std::pair<size_t, size_t> frames() const
    {
        const quint64 base = record->frameBaseSeq;
        const quint64 first = std::max(x().firstFrameSeq, base);
        const quint64 end = std::max(record->exchangeFrameEnd(index), first);
        return {size_t(first - base), size_t(end - base)};
    }
    // Frames of this exchange trimmed off by the caps.
    qint64 droppedFrames() const
    {
        const quint64 end = record->exchangeFrameEnd(index);
        return qint64(std::clamp(record->frameBaseSeq, x().firstFrameSeq, end) - x().firstFrameSeq);
    }
};

// request.url: scheme://host + target (RFC 9112 3.2: origin-form target
// plus Host), or the absolute-form target as it came.
QString requestUrl(const ConnectionRecord &r, const HttpRequestHead &request, bool webSocket)
{
    const bool tls = r.opened && r.opened->tls;
    const QString target = text(request.target);
    if (target.startsWith(QLatin1String("http://")) || target.startsWith(QLatin1String("https://"))) {
        QString url = target;
        if (webSocket)
            url.replace(0, 4, QStringLiteral("ws")); // http -> ws, https -> wss
        return url;
    }
    const QString scheme = webSocket ? (tls ? QStringLiteral("wss") : QStringLiteral("ws"))
                                     : (tls ? QStringLiteral("https") : QStringLiteral("http"));
    QString host = text(request.headers.value("host"));
    if (host.isEmpty() && r.opened)
        host = r.opened->listener;
    if (host.isEmpty())
        host = QStringLiteral("unknown");
    return scheme + QStringLiteral("://") + host + (target.isEmpty() ? QStringLiteral("/") : target);
}

QJsonObject requestJson(const ConnectionRecord &r, const ExchangeRecord &x, bool webSocket)
{
    const HttpRequestHead request = x.received.value_or(HttpRequestHead());
    const QString target = text(request.target);
    QJsonArray queryString;
    const qsizetype q = target.indexOf(QLatin1Char('?'));
    if (q >= 0) {
        const QUrlQuery query(target.mid(q + 1));
        for (const auto &[name, value] : query.queryItems(QUrl::FullyDecoded))
            queryString.append(QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("value"), value}});
    }
    const qint64 bodyBytes = x.result ? x.result->requestBodyBytes : -1;
    QJsonObject json{
        {QStringLiteral("method"), x.received ? text(request.method) : QStringLiteral("GET")},
        {QStringLiteral("url"), requestUrl(r, request, webSocket)},
        {QStringLiteral("httpVersion"), httpVersion(request.versionMinor)},
        {QStringLiteral("headers"), harHeaders(request.headers)},
        {QStringLiteral("queryString"), queryString},
        {QStringLiteral("cookies"), QJsonArray()},
        {QStringLiteral("headersSize"), x.received ? qint64(request.serialize().size()) : qint64(-1)},
        {QStringLiteral("bodySize"), bodyBytes >= 0 ? bodyBytes : (webSocket ? 0 : -1)},
    };
    if (x.forwarded) {
        // Ours, not HAR's: the head as it went upstream, for diffing.
        json.insert(QStringLiteral("_forwarded"),
                    QJsonObject{{QStringLiteral("method"), text(x.forwarded->method)},
                                {QStringLiteral("target"), text(x.forwarded->target)},
                                {QStringLiteral("httpVersion"), httpVersion(x.forwarded->versionMinor)},
                                {QStringLiteral("headers"), harHeaders(x.forwarded->headers)}});
    }
    return json;
}

// Why there is no response: the close that ended the exchange.
QString missingResponseError(const ConnectionRecord &r, const ExchangeRecord &x)
{
    if (!x.endedByClose || !r.closed)
        return {};
    return QLatin1String(closeCauseName(r.closed->cause))
        + (r.closed->detail.isEmpty() ? QString() : QString(QStringLiteral(": ") + r.closed->detail));
}

QJsonObject responseJson(const ConnectionRecord &r, const ExchangeRecord &x)
{
    if (!x.response) {
        // No response head: status 0 is what Chrome writes for a failed request.
        QJsonObject response{
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
        if (const QString error = missingResponseError(r, x); !error.isEmpty())
            response.insert(QStringLiteral("_error"), error);
        return response;
    }
    const HttpResponseHead &head = x.response->head;
    const QByteArray contentType = head.headers.value("content-type");
    const qint64 body = head.status == 101 ? 0 : (x.result ? x.result->responseBodyBytes : -1);
    QJsonObject response{
        {QStringLiteral("status"), head.status},
        {QStringLiteral("statusText"), text(head.reason.isEmpty() ? httpReasonPhrase(head.status) : head.reason)},
        {QStringLiteral("httpVersion"), httpVersion(head.versionMinor)},
        {QStringLiteral("headers"), harHeaders(head.headers)},
        {QStringLiteral("cookies"), QJsonArray()},
        {QStringLiteral("content"),
         QJsonObject{{QStringLiteral("size"), std::max<qint64>(0, body)},
                     {QStringLiteral("mimeType"), contentType.isEmpty() ? QStringLiteral("x-unknown") : text(contentType)}}},
        {QStringLiteral("redirectURL"), text(head.headers.value("location"))},
        {QStringLiteral("headersSize"), qint64(head.serialize().size())},
        {QStringLiteral("bodySize"), body},
    };
    if (!x.response->fromUpstream)
        response.insert(QStringLiteral("comment"), QStringLiteral("answered by wsscope, not the upstream"));
    return response;
}

// Timings (HAR 1.2: send, wait, receive required; -1 where unknown).
// blocked: from the request head arriving to it being sent upstream
// (routing and the upstream connect, which are not timed apart); wait:
// until the response head; receive: until the exchange ended (for a
// WebSocket: the tunnel's whole life, so its messages fall inside `time`).
QJsonObject timingsJson(const ConnectionRecord &r, const ExchangeRecord &x, double *total)
{
    const qint64 endNs = x.endNs >= 0 ? x.endNs : (!r.closed ? r.lastNs : std::max(x.responseNs, x.startNs));
    const qint64 sentNs = x.forwardedNs >= 0 ? x.forwardedNs : x.startNs;
    const double blocked = x.forwardedNs >= 0 ? msBetween(x.startNs, x.forwardedNs) : -1;
    const double wait = x.responseNs >= 0 ? msBetween(sentNs, x.responseNs) : msBetween(sentNs, endNs);
    const double receive = x.responseNs >= 0 ? msBetween(x.responseNs, endNs) : 0;
    *total = std::max(0.0, blocked) + wait + receive;
    return QJsonObject{
        {QStringLiteral("blocked"), blocked},  {QStringLiteral("dns"), -1}, {QStringLiteral("connect"), -1},
        {QStringLiteral("ssl"), -1},           {QStringLiteral("send"), 0}, {QStringLiteral("wait"), wait},
        {QStringLiteral("receive"), receive},
    };
}

QJsonArray messagesJson(const Item &item, const HarExport::Options &options)
{
    QJsonArray messages;
    const auto [first, end] = item.frames();
    for (size_t i = first; i < end; ++i) {
        const FrameRecord &f = item.record->frames[i];
        if (f.isControl() && !options.includeControlFrames)
            continue;
        // Chrome's convention (CDP WebSocketFrame.payloadData): opcode 1
        // is UTF-8 text, every other opcode carries base64.
        const QString data = f.opcode == WsOpcode::Text ? text(f.payload) : QString::fromLatin1(f.payload.toBase64());
        messages.append(QJsonObject{
            {QStringLiteral("type"),
             f.direction == Direction::ClientToUpstream ? QStringLiteral("send") : QStringLiteral("receive")},
            {QStringLiteral("time"), item.record->wallMsAt(f.monotonicNs) / 1000.0},
            {QStringLiteral("opcode"), int(f.opcode)},
            {QStringLiteral("data"), data}});
    }
    return messages;
}

// Findings, violations and how the connection closed, for the comment.
QStringList notes(const ConnectionRecord &r, const ExchangeRecord &x)
{
    QStringList out;
    for (const FindingEvent &f : x.findings)
        out.append(f.code + QStringLiteral(": ") + f.text);
    for (const ViolationEvent &v : x.violations) {
        out.append(QStringLiteral("violation (%1): %2")
                       .arg(v.direction == Direction::ClientToUpstream ? QStringLiteral("client") : QStringLiteral("upstream"),
                            v.violation.text));
    }
    if (x.endedByClose && r.closed) {
        QString note = QStringLiteral("closed: ") + QLatin1String(closeCauseName(r.closed->cause));
        if (!r.closed->detail.isEmpty())
            note += QStringLiteral(" (") + r.closed->detail + QLatin1Char(')');
        if (r.closed->clientClose)
            note += QStringLiteral("; client close ") + closeText(*r.closed->clientClose);
        if (r.closed->upstreamClose)
            note += QStringLiteral("; upstream close ") + closeText(*r.closed->upstreamClose);
        out.append(note);
    }
    return out;
}

void addRoute(QJsonObject *entry, const RouteEvent &route)
{
    if (!route.upstreamServer.isEmpty())
        entry->insert(QStringLiteral("serverIPAddress"), hostOf(route.upstreamServer));
    entry->insert(QStringLiteral("_wsscopeRoute"),
                  QJsonObject{{QStringLiteral("serverName"), route.serverName},
                              {QStringLiteral("location"), route.location},
                              {QStringLiteral("upstreamGroup"), route.upstreamGroup},
                              {QStringLiteral("upstreamServer"), route.upstreamServer},
                              {QStringLiteral("algorithm"), route.algorithm},
                              {QStringLiteral("attempt"), route.attempt}});
}

QJsonObject entryJson(const Item &item, const HarExport::Options &options)
{
    const ConnectionRecord &r = *item.record;
    const ExchangeRecord &x = item.x();
    const auto [firstFrame, endFrame] = item.frames();
    const bool webSocket = x.tunnel || (x.received && x.received->headers.hasToken("upgrade", "websocket"))
        || endFrame > firstFrame;

    double total = 0;
    const QJsonObject timings = timingsJson(r, x, &total);
    const QString connectionId = QString::number(r.id);
    QJsonObject entry{
        {QStringLiteral("startedDateTime"), isoTime(r.wallMsAt(x.startNs))},
        {QStringLiteral("time"), total},
        {QStringLiteral("request"), requestJson(r, x, webSocket)},
        {QStringLiteral("response"), responseJson(r, x)},
        {QStringLiteral("cache"), QJsonObject()},
        {QStringLiteral("timings"), timings},
        {QStringLiteral("connection"), connectionId},
        {QStringLiteral("_connectionId"), connectionId},
    };
    if (x.route)
        addRoute(&entry, *x.route);
    if (webSocket) {
        entry.insert(QStringLiteral("_resourceType"), QStringLiteral("websocket"));
        entry.insert(QStringLiteral("_webSocketMessages"), messagesJson(item, options));
        if (x.tunnel && !x.tunnel->subprotocol.isEmpty())
            entry.insert(QStringLiteral("_wsscopeSubprotocol"), x.tunnel->subprotocol);
        if (x.tunnel && !x.tunnel->extensions.isEmpty())
            entry.insert(QStringLiteral("_wsscopeExtensions"), x.tunnel->extensions);
    }

    QStringList comment = notes(r, x);
    if (const qint64 dropped = item.droppedFrames(); dropped > 0) {
        entry.insert(QStringLiteral("_wsscopeDroppedMessages"), dropped);
        comment.prepend(QStringLiteral("%1 older messages dropped (capture limits)").arg(dropped));
    }
    if (!x.finished)
        comment.append(QStringLiteral("still open when the capture was written"));
    if (!comment.isEmpty())
        entry.insert(QStringLiteral("comment"), comment.join(QStringLiteral("; ")));
    return entry;
}

} // namespace

namespace HarExport {

QList<const ConnectionRecord *> records(const ConnectionStore &store)
{
    QList<const ConnectionRecord *> out;
    out.reserve(store.size());
    for (qsizetype i = 0; i < store.size(); ++i)
        out.append(store.at(i));
    return out;
}

QJsonArray entries(const QList<const ConnectionRecord *> &records, const Options &options)
{
    std::vector<Item> items;
    for (const ConnectionRecord *r : records) {
        for (size_t i = 0; i < r->exchanges.size(); ++i)
            items.push_back(Item{r, i});
    }
    std::sort(items.begin(), items.end(), [](const Item &a, const Item &b) {
        const double startA = a.record->wallMsAt(a.x().startNs);
        const double startB = b.record->wallMsAt(b.x().startNs);
        return startA != startB ? startA < startB : a.x().seq < b.x().seq;
    });
    QJsonArray out;
    for (const Item &item : items)
        out.append(entryJson(item, options));
    return out;
}

QString keptComment(qint64 entryCount, const ConnectionStore &store)
{
    return QStringLiteral("%1 entries, %2 WebSocket messages kept.").arg(entryCount).arg(store.framesStored());
}

QJsonObject document(const QJsonArray &entries, const QString &comment, const ConnectionStore &store)
{
    const QJsonObject log{
        {QStringLiteral("version"), QStringLiteral("1.2")},
        {QStringLiteral("creator"),
         QJsonObject{{QStringLiteral("name"), QStringLiteral("wsscope")},
                     {QStringLiteral("version"), QStringLiteral(WSSCOPE_VERSION)}}},
        {QStringLiteral("pages"), QJsonArray()},
        {QStringLiteral("entries"), entries},
        {QStringLiteral("comment"), comment},
        {QStringLiteral("_wsscopeDropped"),
         QJsonObject{{QStringLiteral("messages"), store.framesDropped() + store.framesRemoved()},
                     {QStringLiteral("messageBytes"), store.payloadBytesDropped()},
                     {QStringLiteral("entries"), store.exchangesDropped()}}},
    };
    return QJsonObject{{QStringLiteral("log"), log}};
}

bool write(const QString &path, const QJsonObject &har, QString *error)
{
    QSaveFile file(path);
    // QSaveFile writes a temporary file beside the target and renames it on
    // commit(): a reader sees the old HAR or the new one, never half of one.
    bool ok = file.open(QIODevice::WriteOnly);
    if (ok) {
        const QByteArray json = QJsonDocument(har).toJson(QJsonDocument::Indented);
        ok = file.write(json) == json.size() && file.commit();
    }
    if (!ok) {
        if (error)
            *error = path + QStringLiteral(": ") + file.errorString();
        file.cancelWriting();
    }
    return ok;
}

} // namespace HarExport
