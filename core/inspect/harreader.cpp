#include "inspect/harreader.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QSet>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace {

// Field access with a path for the first error, in the spirit of Chrome's
// HARFormat.ts: the fields DevTools requires are required here too, the
// rest is optional.
class Walker
{
public:
    bool ok() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }

    void fail(const QString &path, const QString &what)
    {
        if (m_error.isEmpty())
            m_error = path + QStringLiteral(": ") + what;
    }

    static QString at(const QString &path, const char *key)
    {
        return path + QLatin1Char('.') + QLatin1String(key);
    }

    QJsonObject object(const QJsonObject &o, const char *key, const QString &path)
    {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isObject()) {
            fail(at(path, key), v.isUndefined() ? QStringLiteral("missing") : QStringLiteral("expected an object"));
            return {};
        }
        return v.toObject();
    }

    // Strings: numbers and booleans are accepted as Chrome's String() would.
    QString string(const QJsonObject &o, const char *key, const QString &path, bool required)
    {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isString())
            return v.toString();
        if (v.isDouble())
            return QString::number(v.toDouble(), 'g', 17);
        if (v.isBool())
            return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        if (required)
            fail(at(path, key), v.isUndefined() ? QStringLiteral("missing") : QStringLiteral("expected a string"));
        return {};
    }

    // Numbers: a numeric string is accepted (Chrome uses Number()).
    double number(const QJsonObject &o, const char *key, const QString &path, bool required, double def = 0)
    {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isDouble() && std::isfinite(v.toDouble()))
            return v.toDouble();
        if (v.isString()) {
            bool ok = false;
            const double d = v.toString().trimmed().toDouble(&ok);
            if (ok && std::isfinite(d))
                return d;
        }
        if (required || !(v.isUndefined() || v.isNull()))
            fail(at(path, key), v.isUndefined() ? QStringLiteral("missing") : QStringLiteral("expected a number"));
        return def;
    }

    HttpHeaders headers(const QJsonObject &o, const QString &path)
    {
        HttpHeaders h;
        const QJsonValue v = o.value(QLatin1String("headers"));
        if (v.isUndefined() || v.isNull())
            return h;
        if (!v.isArray()) {
            fail(at(path, "headers"), QStringLiteral("expected an array"));
            return h;
        }
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            const QString itemPath = at(path, "headers") + QStringLiteral("[%1]").arg(i);
            if (!a.at(i).isObject()) {
                fail(itemPath, QStringLiteral("expected an object {name, value}"));
                return h;
            }
            const QJsonObject field = a.at(i).toObject();
            const QString name = string(field, "name", itemPath, true);
            const QString value = string(field, "value", itemPath, true);
            h.append(name.toUtf8(), value.toUtf8());
        }
        return h;
    }

private:
    QString m_error;
};

int versionMinor(const QString &httpVersion)
{
    // "HTTP/1.0" -> 0; "HTTP/1.1", "h2", "http/2.0", "" -> 1.
    return httpVersion.compare(QLatin1String("HTTP/1.0"), Qt::CaseInsensitive) == 0 ? 0 : 1;
}

QByteArray originForm(const QString &url)
{
    const QUrl u(url);
    if (!u.isValid() || u.isRelative())
        return url.toUtf8();
    QByteArray target = u.path(QUrl::FullyEncoded).toUtf8();
    if (target.isEmpty())
        target = "/";
    if (u.hasQuery())
        target += '?' + u.query(QUrl::FullyEncoded).toUtf8();
    return target;
}

HttpRequestHead forwardedHead(Walker &w, const QJsonObject &o, const QString &path)
{
    HttpRequestHead head;
    head.method = w.string(o, "method", path, false).toUtf8();
    head.target = w.string(o, "target", path, false).toUtf8();
    head.versionMinor = versionMinor(w.string(o, "httpVersion", path, false));
    head.headers = w.headers(o, path);
    return head;
}

void readMessages(Walker &w, const QJsonValue &value, HarEntry &entry, HarLog &log)
{
    if (!value.isArray())
        return; // Chrome ignores a `_webSocketMessages` that is not an array
    const QJsonArray a = value.toArray();
    for (const QJsonValue &item : a) {
        // Chrome's Importer skips a message without time, type, opcode or data,
        // or with a type other than send/receive; so do we, and count it.
        if (!item.isObject()) {
            ++log.skippedMessages;
            continue;
        }
        const QJsonObject m = item.toObject();
        const QJsonValue type = m.value(QLatin1String("type"));
        const QJsonValue time = m.value(QLatin1String("time"));
        const QJsonValue opcode = m.value(QLatin1String("opcode"));
        const QJsonValue data = m.value(QLatin1String("data"));
        const QString typeName = type.toString();
        if (!time.isDouble() || !opcode.isDouble() || data.isUndefined()
            || (typeName != QLatin1String("send") && typeName != QLatin1String("receive"))) {
            ++log.skippedMessages;
            continue;
        }
        HarWebSocketMessage message;
        message.direction = typeName == QLatin1String("send") ? Direction::ClientToUpstream
                                                               : Direction::UpstreamToClient;
        message.timeSec = time.toDouble();
        message.opcode = std::clamp(opcode.toInt(), 0, 15);
        const QString text = data.isString() ? data.toString() : QString();
        if (message.opcode == 1) {
            message.data = text.toUtf8();
        } else {
            // Chrome (CDP payloadData) base64-encodes every opcode but text;
            // if a tool wrote plain text there anyway, keep it as it is.
            auto decoded = QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            message.data = decoded ? *decoded : text.toUtf8();
        }
        entry.messages.append(std::move(message));
    }
    Q_UNUSED(w);
}

std::optional<HarEntry> readEntry(Walker &w, const QJsonObject &e, const QString &path, HarLog &log)
{
    HarEntry entry;
    const QString started = w.string(e, "startedDateTime", path, true);
    if (!w.ok())
        return std::nullopt;
    entry.startedDateTime = QDateTime::fromString(started, Qt::ISODateWithMs);
    if (!entry.startedDateTime.isValid())
        entry.startedDateTime = QDateTime::fromString(started, Qt::ISODate);
    if (!entry.startedDateTime.isValid()) {
        w.fail(Walker::at(path, "startedDateTime"), QStringLiteral("not an ISO 8601 date: \"%1\"").arg(started));
        return std::nullopt;
    }
    entry.timeMs = w.number(e, "time", path, true);

    const QString reqPath = Walker::at(path, "request");
    const QJsonObject request = w.object(e, "request", path);
    if (!w.ok())
        return std::nullopt;
    entry.request.method = w.string(request, "method", reqPath, true).toUtf8();
    entry.url = w.string(request, "url", reqPath, true);
    entry.request.target = originForm(entry.url);
    entry.request.versionMinor = versionMinor(w.string(request, "httpVersion", reqPath, false));
    entry.request.headers = w.headers(request, reqPath);
    entry.requestBodySize = qint64(w.number(request, "bodySize", reqPath, false, -1));
    if (request.value(QLatin1String("_forwarded")).isObject())
        entry.forwarded = forwardedHead(w, request.value(QLatin1String("_forwarded")).toObject(),
                                        Walker::at(reqPath, "_forwarded"));

    const QString resPath = Walker::at(path, "response");
    const QJsonObject response = w.object(e, "response", path);
    if (!w.ok())
        return std::nullopt;
    const double status = w.number(response, "status", resPath, true);
    if (w.ok() && (status < 0 || status > 999 || std::trunc(status) != status))
        w.fail(Walker::at(resPath, "status"), QStringLiteral("not an HTTP status: %1").arg(status));
    entry.response.status = int(status);
    entry.response.reason = w.string(response, "statusText", resPath, false).toUtf8();
    entry.response.versionMinor = versionMinor(w.string(response, "httpVersion", resPath, false));
    entry.response.headers = w.headers(response, resPath);
    entry.responseBodySize = qint64(w.number(response, "bodySize", resPath, false, -1));
    entry.responseError = w.string(response, "_error", resPath, false);
    if (response.contains(QLatin1String("content"))) {
        const QJsonObject content = w.object(response, "content", resPath);
        entry.mimeType = w.string(content, "mimeType", Walker::at(resPath, "content"), false);
    }

    if (e.value(QLatin1String("timings")).isObject()) {
        const QJsonObject t = e.value(QLatin1String("timings")).toObject();
        const QString tPath = Walker::at(path, "timings");
        entry.blockedMs = w.number(t, "blocked", tPath, false, -1);
        entry.waitMs = w.number(t, "wait", tPath, false, 0);
        entry.receiveMs = w.number(t, "receive", tPath, false, 0);
    }
    entry.connection = w.string(e, "connection", path, false);
    if (entry.connection.isEmpty())
        entry.connection = w.string(e, "_connectionId", path, false);
    entry.serverIPAddress = w.string(e, "serverIPAddress", path, false);
    entry.comment = w.string(e, "comment", path, false);

    readMessages(w, e.value(QLatin1String("_webSocketMessages")), entry, log);
    entry.webSocket = e.value(QLatin1String("_resourceType")).toString() == QLatin1String("websocket")
        || !entry.messages.isEmpty();
    if (!w.ok())
        return std::nullopt;
    return entry;
}

std::optional<WsCloseInfo> closeFromPayload(const QByteArray &payload)
{
    // RFC 6455 5.5.1: an optional 2-byte code, then a UTF-8 reason.
    WsCloseInfo info;
    if (payload.size() >= 2) {
        info.code = quint16((quint8(payload[0]) << 8) | quint8(payload[1]));
        info.reason = QString::fromUtf8(payload.mid(2));
    } else if (payload.size() == 1) {
        info.valid = false;
    }
    return info;
}

} // namespace

std::optional<HarLog> HarReader::parse(const QByteArray &json, QString *error)
{
    auto failed = [error](const QString &message) -> std::optional<HarLog> {
        if (error)
            *error = message;
        return std::nullopt;
    };

    QByteArray bytes = json;
    if (bytes.startsWith("\xEF\xBB\xBF")) // some tools write a UTF-8 BOM
        bytes.remove(0, 3);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return failed(QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset));
    if (!doc.isObject())
        return failed(QStringLiteral("not a HAR file: the top level is not an object"));

    Walker w;
    HarLog log;
    const QJsonObject root = doc.object();
    const QJsonObject l = w.object(root, "log", QStringLiteral("HAR"));
    if (!w.ok())
        return failed(QStringLiteral("not a HAR file: no \"log\" object"));
    const QString logPath = QStringLiteral("log");
    log.version = w.string(l, "version", logPath, false);
    if (l.value(QLatin1String("creator")).isObject()) {
        const QJsonObject creator = l.value(QLatin1String("creator")).toObject();
        log.creatorName = w.string(creator, "name", Walker::at(logPath, "creator"), false);
        log.creatorVersion = w.string(creator, "version", Walker::at(logPath, "creator"), false);
    }
    log.comment = w.string(l, "comment", logPath, false);

    const QJsonValue entries = l.value(QLatin1String("entries"));
    if (!entries.isArray())
        return failed(QStringLiteral("log.entries: expected an array"));
    const QJsonArray a = entries.toArray();
    log.entries.reserve(a.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QString path = QStringLiteral("log.entries[%1]").arg(i);
        if (!a.at(i).isObject())
            return failed(path + QStringLiteral(": expected an object"));
        auto entry = readEntry(w, a.at(i).toObject(), path, log);
        if (!entry || !w.ok())
            return failed(w.error());
        log.entries.append(std::move(*entry));
    }
    return log;
}

std::optional<HarLog> HarReader::readFile(const QString &path, QString *error, qint64 maxBytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = path + QStringLiteral(": ") + file.errorString();
        return std::nullopt;
    }
    if (file.size() > maxBytes) {
        if (error)
            *error = path + QStringLiteral(": too large (%1 bytes, the limit is %2)").arg(file.size()).arg(maxBytes);
        return std::nullopt;
    }
    QString parseError;
    auto log = parse(file.readAll(), &parseError);
    if (!log && error)
        *error = path + QStringLiteral(": ") + parseError;
    return log;
}

QList<InspectEvent> HarReader::toEvents(const HarLog &log)
{
    QList<InspectEvent> events;
    QSet<quint64> used;
    quint64 nextSynthetic = 1;
    for (const HarEntry &entry : log.entries) {
        bool numeric = false;
        const quint64 harId = entry.connection.toULongLong(&numeric);
        if (numeric && harId > 0 && harId < (quint64(1) << 53))
            numeric = !used.contains(harId);
        quint64 id = 0;
        if (numeric && harId > 0) {
            id = harId;
        } else {
            while (used.contains(nextSynthetic) || nextSynthetic == 0)
                ++nextSynthetic;
            id = nextSynthetic;
        }
        used.insert(id);

        const double startMs = double(entry.startedDateTime.toMSecsSinceEpoch());
        auto push = [&events, id](double wallMs, InspectPayload payload) {
            InspectEvent e;
            e.connectionId = id;
            e.wallMs = qint64(std::floor(wallMs));
            e.monotonicNs = qint64(wallMs * 1e6);
            e.payload = std::move(payload);
            events.append(std::move(e));
        };

        ConnectionOpenedEvent opened;
        push(startMs, opened);
        push(startMs, RequestHeadEvent{entry.request, false});
        const double sentMs = startMs + std::max(0.0, entry.blockedMs);
        if (entry.forwarded)
            push(sentMs, RequestHeadEvent{*entry.forwarded, true});
        const double responseMs = sentMs + std::max(0.0, entry.waitMs);
        if (entry.response.status != 0)
            push(responseMs, ResponseHeadEvent{entry.response, true});
        if (entry.webSocket && entry.response.status == 101)
            push(responseMs, TunnelEvent{});

        // A message stamped before the handshake (clock skew in the file)
        // is shown right after it rather than before the request.
        double lastMs = responseMs;
        for (const HarWebSocketMessage &m : entry.messages) {
            const double ms = std::max(m.timeSec * 1000.0, responseMs);
            lastMs = std::max(lastMs, ms);
            const WsOpcode op = WsOpcode(m.opcode);
            if (wsIsControlOpcode(op)) {
                ControlFrameEvent c;
                c.direction = m.direction;
                c.opcode = op;
                c.payload = m.data;
                if (op == WsOpcode::Close)
                    c.close = closeFromPayload(m.data);
                push(ms, c);
            } else {
                MessageEvent me;
                me.direction = m.direction;
                me.message.preview = m.data;
                me.message.totalLength = quint64(m.data.size());
                me.message.frameCount = 1;
                me.message.opcode = op;
                me.message.utf8 = op == WsOpcode::Text ? WsUtf8Validity::Valid : WsUtf8Validity::NotText;
                push(ms, me);
            }
        }

        const double endMs = std::max(startMs + std::max(0.0, entry.timeMs), lastMs);
        if (entry.webSocket) {
            ClosedEvent closed;
            closed.detail = entry.responseError;
            closed.durationMs = qint64(entry.timeMs);
            push(endMs, closed);
        } else {
            HttpExchangeEvent done;
            done.status = entry.response.status;
            done.requestBodyBytes = std::max<qint64>(0, entry.requestBodySize);
            done.responseBodyBytes = std::max<qint64>(0, entry.responseBodySize);
            done.durationMs = qint64(entry.timeMs);
            push(endMs, done);
        }
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const InspectEvent &a, const InspectEvent &b) { return a.monotonicNs < b.monotonicNs; });
    return events;
}
