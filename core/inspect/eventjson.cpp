#include "inspect/eventjson.h"

#include "inspect/eventjsonwriter.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cmath>
#include <limits>

namespace {

// ---------------------------------------------------------------- writing

QString keyBase64(QLatin1String key)
{
    return QString(key + QLatin1String("Base64"));
}

// Bytes that decode as UTF-8 and encode back to the same bytes.
bool asExactUtf8(const QByteArray &bytes, QString *text)
{
    QString s = QString::fromUtf8(bytes);
    if (s.toUtf8() != bytes)
        return false;
    *text = std::move(s);
    return true;
}

void putBytes(QJsonObject &o, QLatin1String key, const QByteArray &bytes)
{
    QString text;
    if (asExactUtf8(bytes, &text))
        o.insert(key, text);
    else
        o.insert(keyBase64(key), QString::fromLatin1(bytes.toBase64()));
}

void putBase64(QJsonObject &o, QLatin1String key, const QByteArray &bytes)
{
    o.insert(keyBase64(key), QString::fromLatin1(bytes.toBase64()));
}

using EventJson::directionName;
using EventJson::severityName;
using EventJson::utf8Name;

QJsonArray headersToJson(const HttpHeaders &headers)
{
    QJsonArray a;
    for (const HttpHeader &h : headers) {
        QJsonObject field;
        putBytes(field, QLatin1String("name"), h.name);
        putBytes(field, QLatin1String("value"), h.value);
        a.append(field);
    }
    return a;
}

QString httpVersionText(int minor)
{
    return QStringLiteral("HTTP/1.") + QString::number(minor);
}

QJsonObject closeToJson(const WsCloseInfo &c)
{
    QJsonObject o;
    if (c.code)
        o.insert(QLatin1String("code"), int(*c.code));
    o.insert(QLatin1String("reason"), c.reason);
    o.insert(QLatin1String("valid"), c.valid);
    return o;
}

struct PayloadWriter
{
    QJsonObject &o;

    void operator()(const ConnectionOpenedEvent &e) const
    {
        o.insert(QLatin1String("clientAddress"), e.clientAddress.isNull() ? QString() : e.clientAddress.toString());
        o.insert(QLatin1String("clientPort"), int(e.clientPort));
        o.insert(QLatin1String("listener"), e.listener);
        o.insert(QLatin1String("tls"), e.tls);
        o.insert(QLatin1String("tlsProtocol"), e.tlsProtocol);
        o.insert(QLatin1String("tlsServerName"), e.tlsServerName);
        if (e.tls) {
            o.insert(QLatin1String("tlsCipher"), e.tlsCipher);
            o.insert(QLatin1String("tlsAlpn"), e.tlsAlpn);
            o.insert(QLatin1String("tlsError"), e.tlsError);
        }
    }
    void operator()(const RequestHeadEvent &e) const
    {
        QJsonObject head;
        putBytes(head, QLatin1String("method"), e.head.method);
        putBytes(head, QLatin1String("target"), e.head.target);
        head.insert(QLatin1String("httpVersion"), httpVersionText(e.head.versionMinor));
        head.insert(QLatin1String("headers"), headersToJson(e.head.headers));
        o.insert(QLatin1String("head"), head);
    }
    void operator()(const RouteEvent &e) const
    {
        o.insert(QLatin1String("serverName"), e.serverName);
        o.insert(QLatin1String("location"), e.location);
        o.insert(QLatin1String("upstreamGroup"), e.upstreamGroup);
        o.insert(QLatin1String("upstreamServer"), e.upstreamServer);
        o.insert(QLatin1String("algorithm"), e.algorithm);
        o.insert(QLatin1String("key"), e.key);
        o.insert(QLatin1String("skipped"), QJsonArray::fromStringList(e.skipped));
        o.insert(QLatin1String("attempt"), e.attempt);
    }
    void operator()(const ResponseHeadEvent &e) const
    {
        QJsonObject head;
        head.insert(QLatin1String("httpVersion"), httpVersionText(e.head.versionMinor));
        head.insert(QLatin1String("status"), e.head.status);
        putBytes(head, QLatin1String("reason"), e.head.reason);
        head.insert(QLatin1String("headers"), headersToJson(e.head.headers));
        o.insert(QLatin1String("head"), head);
        o.insert(QLatin1String("fromUpstream"), e.fromUpstream);
    }
    void operator()(const TunnelEvent &e) const
    {
        o.insert(QLatin1String("subprotocol"), e.subprotocol);
        o.insert(QLatin1String("extensions"), e.extensions);
        o.insert(QLatin1String("perMessageDeflate"), e.perMessageDeflate);
    }
    void operator()(const FrameEvent &e) const
    {
        o.insert(QLatin1String("direction"), directionName(e.direction));
        o.insert(QLatin1String("injected"), e.injected);
        const WsFrameInfo &f = e.frame;
        QJsonObject frame;
        frame.insert(QLatin1String("offset"), f.offset);
        frame.insert(QLatin1String("payloadLength"), qint64(f.payloadLength));
        frame.insert(QLatin1String("maskKey"), qint64(f.maskKey));
        frame.insert(QLatin1String("headerLength"), int(f.headerLength));
        frame.insert(QLatin1String("opcode"), int(f.opcode));
        frame.insert(QLatin1String("fin"), f.fin);
        frame.insert(QLatin1String("rsv1"), f.rsv1);
        frame.insert(QLatin1String("rsv2"), f.rsv2);
        frame.insert(QLatin1String("rsv3"), f.rsv3);
        frame.insert(QLatin1String("masked"), f.masked);
        o.insert(QLatin1String("frame"), frame);
    }
    void operator()(const MessageEvent &e) const
    {
        o.insert(QLatin1String("direction"), directionName(e.direction));
        o.insert(QLatin1String("inflated"), e.inflated);
        o.insert(QLatin1String("injected"), e.injected);
        const WsMessage &m = e.message;
        QJsonObject message;
        if (m.opcode == WsOpcode::Text)
            putBytes(message, QLatin1String("preview"), m.preview);
        else
            putBase64(message, QLatin1String("preview"), m.preview);
        message.insert(QLatin1String("offset"), m.offset);
        message.insert(QLatin1String("totalLength"), qint64(m.totalLength));
        message.insert(QLatin1String("frameCount"), m.frameCount);
        message.insert(QLatin1String("opcode"), int(m.opcode));
        message.insert(QLatin1String("utf8"), utf8Name(m.utf8));
        message.insert(QLatin1String("truncated"), m.truncated);
        message.insert(QLatin1String("compressed"), m.compressed);
        o.insert(QLatin1String("message"), message);
    }
    void operator()(const ControlFrameEvent &e) const
    {
        o.insert(QLatin1String("direction"), directionName(e.direction));
        o.insert(QLatin1String("opcode"), int(e.opcode));
        putBase64(o, QLatin1String("payload"), e.payload);
        if (e.close)
            o.insert(QLatin1String("close"), closeToJson(*e.close));
        o.insert(QLatin1String("injected"), e.injected);
        o.insert(QLatin1String("swallowed"), e.swallowed);
        o.insert(QLatin1String("roundTripUs"), e.roundTripUs);
    }
    void operator()(const ViolationEvent &e) const
    {
        o.insert(QLatin1String("direction"), directionName(e.direction));
        QJsonObject v;
        v.insert(QLatin1String("kind"), wsViolationKindName(e.violation.kind));
        v.insert(QLatin1String("text"), e.violation.text);
        v.insert(QLatin1String("offset"), e.violation.offset);
        v.insert(QLatin1String("fatal"), e.violation.fatal);
        o.insert(QLatin1String("violation"), v);
    }
    void operator()(const FindingEvent &e) const
    {
        o.insert(QLatin1String("severity"), severityName(e.severity));
        o.insert(QLatin1String("code"), e.code);
        o.insert(QLatin1String("text"), e.text);
    }
    void operator()(const ClosedEvent &e) const
    {
        o.insert(QLatin1String("cause"), QLatin1String(closeCauseName(e.cause)));
        o.insert(QLatin1String("detail"), e.detail);
        if (e.clientClose)
            o.insert(QLatin1String("clientClose"), closeToJson(*e.clientClose));
        if (e.upstreamClose)
            o.insert(QLatin1String("upstreamClose"), closeToJson(*e.upstreamClose));
        o.insert(QLatin1String("bytesFromClient"), e.bytesFromClient);
        o.insert(QLatin1String("bytesFromUpstream"), e.bytesFromUpstream);
        o.insert(QLatin1String("durationMs"), e.durationMs);
    }
    void operator()(const HttpExchangeEvent &e) const
    {
        o.insert(QLatin1String("status"), e.status);
        o.insert(QLatin1String("requestBodyBytes"), e.requestBodyBytes);
        o.insert(QLatin1String("responseBodyBytes"), e.responseBodyBytes);
        o.insert(QLatin1String("durationMs"), e.durationMs);
    }
};

// ---------------------------------------------------------------- reading

// Typed field access that remembers the first error with its path
// ("message.opcode: expected an integer"). Missing fields give defaults.
class Reader
{
public:
    bool ok() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }

    void fail(const QString &path, const QString &what)
    {
        if (m_error.isEmpty())
            m_error = path + QLatin1String(": ") + what;
    }

    static QString join(const QString &prefix, QLatin1String key)
    {
        return prefix.isEmpty() ? QString(key) : QString(prefix + QLatin1Char('.') + key);
    }

    QString string(const QJsonObject &o, QLatin1String key, const QString &prefix, const QString &def = {})
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull())
            return def;
        if (!v.isString()) {
            fail(join(prefix, key), QStringLiteral("expected a string"));
            return def;
        }
        return v.toString();
    }

    bool boolean(const QJsonObject &o, QLatin1String key, const QString &prefix, bool def = false)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull())
            return def;
        if (!v.isBool()) {
            fail(join(prefix, key), QStringLiteral("expected true or false"));
            return def;
        }
        return v.toBool();
    }

    qint64 integer(const QJsonObject &o, QLatin1String key, const QString &prefix, qint64 def = 0,
                   qint64 min = std::numeric_limits<qint64>::min(), qint64 max = std::numeric_limits<qint64>::max())
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull())
            return def;
        const double d = v.toDouble();
        if (!v.isDouble() || !std::isfinite(d) || std::trunc(d) != d) {
            fail(join(prefix, key), QStringLiteral("expected an integer"));
            return def;
        }
        const qint64 r = v.toInteger();
        if (r < min || r > max) {
            fail(join(prefix, key), QStringLiteral("%1 is out of range").arg(r));
            return def;
        }
        return r;
    }

    // `key` as UTF-8 text or `keyBase64` as base64.
    QByteArray bytes(const QJsonObject &o, QLatin1String key, const QString &prefix)
    {
        const QString b64Key = keyBase64(key);
        const QJsonValue b64 = o.value(b64Key);
        if (!b64.isUndefined() && !b64.isNull()) {
            if (!b64.isString()) {
                fail(prefix.isEmpty() ? b64Key : QString(prefix + QLatin1Char('.') + b64Key),
                     QStringLiteral("expected a base64 string"));
                return {};
            }
            auto decoded = QByteArray::fromBase64Encoding(b64.toString().toLatin1(),
                                                          QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                fail(prefix.isEmpty() ? b64Key : QString(prefix + QLatin1Char('.') + b64Key),
                     QStringLiteral("invalid base64"));
                return {};
            }
            return *decoded;
        }
        return string(o, key, prefix).toUtf8();
    }

    QJsonObject object(const QJsonObject &o, QLatin1String key, const QString &prefix, bool *present = nullptr)
    {
        const QJsonValue v = o.value(key);
        if (present)
            *present = !(v.isUndefined() || v.isNull());
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isObject()) {
            fail(join(prefix, key), QStringLiteral("expected an object"));
            if (present)
                *present = false;
            return {};
        }
        return v.toObject();
    }

    QJsonArray array(const QJsonObject &o, QLatin1String key, const QString &prefix)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isArray()) {
            fail(join(prefix, key), QStringLiteral("expected an array"));
            return {};
        }
        return v.toArray();
    }

    Direction direction(const QJsonObject &o, const QString &prefix)
    {
        const QString s = string(o, QLatin1String("direction"), prefix, QStringLiteral("client-to-upstream"));
        if (s == directionName(Direction::ClientToUpstream))
            return Direction::ClientToUpstream;
        if (s == directionName(Direction::UpstreamToClient))
            return Direction::UpstreamToClient;
        fail(join(prefix, QLatin1String("direction")), QStringLiteral("unknown direction \"%1\"").arg(s));
        return Direction::ClientToUpstream;
    }

    WsOpcode opcode(const QJsonObject &o, const QString &prefix, WsOpcode def)
    {
        return WsOpcode(integer(o, QLatin1String("opcode"), prefix, int(def), 0, 15));
    }

    int httpVersionMinor(const QJsonObject &o, const QString &prefix)
    {
        const QString s = string(o, QLatin1String("httpVersion"), prefix, QStringLiteral("HTTP/1.1"));
        bool ok = false;
        const int minor = s.startsWith(QLatin1String("HTTP/1.")) ? s.mid(7).toInt(&ok) : 0;
        if (!ok || minor < 0) {
            fail(join(prefix, QLatin1String("httpVersion")), QStringLiteral("expected \"HTTP/1.x\", got \"%1\"").arg(s));
            return 1;
        }
        return minor;
    }

    HttpHeaders headers(const QJsonObject &o, const QString &prefix)
    {
        HttpHeaders h;
        const QJsonArray a = array(o, QLatin1String("headers"), prefix);
        const QString path = join(prefix, QLatin1String("headers"));
        for (qsizetype i = 0; i < a.size(); ++i) {
            const QString itemPath = path + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
            if (!a.at(i).isObject()) {
                fail(itemPath, QStringLiteral("expected an object {name, value}"));
                return h;
            }
            const QJsonObject field = a.at(i).toObject();
            QByteArray name = bytes(field, QLatin1String("name"), itemPath);
            QByteArray value = bytes(field, QLatin1String("value"), itemPath);
            h.append(std::move(name), std::move(value));
        }
        return h;
    }

    std::optional<WsCloseInfo> close(const QJsonObject &o, QLatin1String key, const QString &prefix)
    {
        bool present = false;
        const QJsonObject c = object(o, key, prefix, &present);
        if (!present)
            return std::nullopt;
        const QString path = join(prefix, key);
        WsCloseInfo info;
        if (c.contains(QLatin1String("code")))
            info.code = quint16(integer(c, QLatin1String("code"), path, 0, 0, 65535));
        info.reason = string(c, QLatin1String("reason"), path);
        info.valid = boolean(c, QLatin1String("valid"), path, true);
        return info;
    }

private:
    QString m_error;
};

WsUtf8Validity utf8FromName(Reader &r, const QString &s, const QString &path)
{
    for (auto v : {WsUtf8Validity::NotText, WsUtf8Validity::Valid, WsUtf8Validity::Invalid,
                   WsUtf8Validity::NotValidated}) {
        if (s == utf8Name(v))
            return v;
    }
    r.fail(path, QStringLiteral("unknown value \"%1\"").arg(s));
    return WsUtf8Validity::NotText;
}

std::optional<WsViolationKind> violationKindFromName(const QString &s)
{
    // WsViolationKind is dense from 0; wsViolationKindName says "Unknown" past the end.
    for (int i = 0; i < 64; ++i) {
        const QLatin1String name = wsViolationKindName(WsViolationKind(i));
        if (name == QLatin1String("Unknown"))
            break;
        if (s == name)
            return WsViolationKind(i);
    }
    return std::nullopt;
}

std::optional<CloseCause> closeCauseFromName(const QString &s)
{
    for (int i = 0; i < 64; ++i) {
        const QLatin1String name(closeCauseName(CloseCause(i)));
        if (name == QLatin1String("unknown"))
            break;
        if (s == name)
            return CloseCause(i);
    }
    return std::nullopt;
}

InspectPayload readConnectionOpened(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    ConnectionOpenedEvent e;
    const QString address = r.string(o, QLatin1String("clientAddress"), top);
    if (!address.isEmpty() && !e.clientAddress.setAddress(address))
        r.fail(QStringLiteral("clientAddress"), QStringLiteral("not an IP address: \"%1\"").arg(address));
    e.clientPort = quint16(r.integer(o, QLatin1String("clientPort"), top, 0, 0, 65535));
    e.listener = r.string(o, QLatin1String("listener"), top);
    e.tls = r.boolean(o, QLatin1String("tls"), top);
    e.tlsProtocol = r.string(o, QLatin1String("tlsProtocol"), top);
    e.tlsServerName = r.string(o, QLatin1String("tlsServerName"), top);
    if (o.contains(QLatin1String("tlsCipher")))
        e.tlsCipher = r.string(o, QLatin1String("tlsCipher"), top);
    if (o.contains(QLatin1String("tlsAlpn")))
        e.tlsAlpn = r.string(o, QLatin1String("tlsAlpn"), top);
    if (o.contains(QLatin1String("tlsError")))
        e.tlsError = r.string(o, QLatin1String("tlsError"), top);
    return e;
}

InspectPayload readRequestHead(Reader &r, const QJsonObject &o, const QString &kind)
{
    const QString top;
    RequestHeadEvent e;
    e.forwarded = kind == QLatin1String("request-forwarded");
    const QString path = QStringLiteral("head");
    const QJsonObject head = r.object(o, QLatin1String("head"), top);
    e.head.method = r.bytes(head, QLatin1String("method"), path);
    e.head.target = r.bytes(head, QLatin1String("target"), path);
    e.head.versionMinor = r.httpVersionMinor(head, path);
    e.head.headers = r.headers(head, path);
    return e;
}

InspectPayload readRoute(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    RouteEvent e;
    e.serverName = r.string(o, QLatin1String("serverName"), top);
    e.location = r.string(o, QLatin1String("location"), top);
    e.upstreamGroup = r.string(o, QLatin1String("upstreamGroup"), top);
    e.upstreamServer = r.string(o, QLatin1String("upstreamServer"), top);
    e.algorithm = r.string(o, QLatin1String("algorithm"), top);
    e.key = r.string(o, QLatin1String("key"), top);
    const QJsonArray skipped = r.array(o, QLatin1String("skipped"), top);
    for (qsizetype i = 0; i < skipped.size(); ++i) {
        if (!skipped.at(i).isString())
            r.fail(QStringLiteral("skipped[%1]").arg(i), QStringLiteral("expected a string"));
        e.skipped.append(skipped.at(i).toString());
    }
    e.attempt = int(r.integer(o, QLatin1String("attempt"), top, 1, 0, std::numeric_limits<int>::max()));
    return e;
}

InspectPayload readResponse(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    ResponseHeadEvent e;
    const QString path = QStringLiteral("head");
    const QJsonObject head = r.object(o, QLatin1String("head"), top);
    e.head.versionMinor = r.httpVersionMinor(head, path);
    e.head.status = int(r.integer(head, QLatin1String("status"), path, 0, 0, 999));
    e.head.reason = r.bytes(head, QLatin1String("reason"), path);
    e.head.headers = r.headers(head, path);
    e.fromUpstream = r.boolean(o, QLatin1String("fromUpstream"), top, true);
    return e;
}

InspectPayload readTunnel(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    TunnelEvent e;
    e.subprotocol = r.string(o, QLatin1String("subprotocol"), top);
    e.extensions = r.string(o, QLatin1String("extensions"), top);
    e.perMessageDeflate = r.boolean(o, QLatin1String("perMessageDeflate"), top);
    return e;
}

InspectPayload readFrame(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    FrameEvent e;
    e.direction = r.direction(o, top);
    e.injected = r.boolean(o, QLatin1String("injected"), top);
    const QString path = QStringLiteral("frame");
    const QJsonObject f = r.object(o, QLatin1String("frame"), top);
    e.frame.offset = r.integer(f, QLatin1String("offset"), path);
    e.frame.payloadLength = quint64(r.integer(f, QLatin1String("payloadLength"), path, 0, 0));
    e.frame.maskKey = quint32(r.integer(f, QLatin1String("maskKey"), path, 0, 0, 0xFFFFFFFFLL));
    e.frame.headerLength = quint8(r.integer(f, QLatin1String("headerLength"), path, 0, 0, 255));
    e.frame.opcode = r.opcode(f, path, WsOpcode::Continuation);
    e.frame.fin = r.boolean(f, QLatin1String("fin"), path);
    e.frame.rsv1 = r.boolean(f, QLatin1String("rsv1"), path);
    e.frame.rsv2 = r.boolean(f, QLatin1String("rsv2"), path);
    e.frame.rsv3 = r.boolean(f, QLatin1String("rsv3"), path);
    e.frame.masked = r.boolean(f, QLatin1String("masked"), path);
    return e;
}

InspectPayload readMessage(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    MessageEvent e;
    e.direction = r.direction(o, top);
    e.inflated = r.boolean(o, QLatin1String("inflated"), top);
    e.injected = r.boolean(o, QLatin1String("injected"), top);
    const QString path = QStringLiteral("message");
    const QJsonObject m = r.object(o, QLatin1String("message"), top);
    e.message.preview = r.bytes(m, QLatin1String("preview"), path);
    e.message.offset = r.integer(m, QLatin1String("offset"), path);
    e.message.totalLength = quint64(r.integer(m, QLatin1String("totalLength"), path, 0, 0));
    e.message.frameCount = r.integer(m, QLatin1String("frameCount"), path);
    e.message.opcode = r.opcode(m, path, WsOpcode::Text);
    e.message.utf8 = utf8FromName(r, r.string(m, QLatin1String("utf8"), path, QStringLiteral("not-text")),
                                  path + QLatin1String(".utf8"));
    e.message.truncated = r.boolean(m, QLatin1String("truncated"), path);
    e.message.compressed = r.boolean(m, QLatin1String("compressed"), path);
    return e;
}

InspectPayload readControl(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    ControlFrameEvent e;
    e.direction = r.direction(o, top);
    e.opcode = r.opcode(o, top, WsOpcode::Ping);
    e.payload = r.bytes(o, QLatin1String("payload"), top);
    e.close = r.close(o, QLatin1String("close"), top);
    e.injected = r.boolean(o, QLatin1String("injected"), top);
    e.swallowed = r.boolean(o, QLatin1String("swallowed"), top);
    e.roundTripUs = r.integer(o, QLatin1String("roundTripUs"), top, -1);
    return e;
}

InspectPayload readViolation(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    ViolationEvent e;
    e.direction = r.direction(o, top);
    const QString path = QStringLiteral("violation");
    const QJsonObject v = r.object(o, QLatin1String("violation"), top);
    const QString kindName = r.string(v, QLatin1String("kind"), path);
    if (const auto k = violationKindFromName(kindName))
        e.violation.kind = *k;
    else if (v.contains(QLatin1String("kind")))
        r.fail(path + QLatin1String(".kind"), QStringLiteral("unknown violation \"%1\"").arg(kindName));
    e.violation.text = r.string(v, QLatin1String("text"), path);
    e.violation.offset = r.integer(v, QLatin1String("offset"), path);
    e.violation.fatal = r.boolean(v, QLatin1String("fatal"), path);
    return e;
}

InspectPayload readFinding(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    FindingEvent e;
    const QString s = r.string(o, QLatin1String("severity"), top, QStringLiteral("info"));
    bool known = false;
    for (auto sev : {FindingEvent::Severity::Info, FindingEvent::Severity::Warning, FindingEvent::Severity::Error}) {
        if (s == severityName(sev)) {
            e.severity = sev;
            known = true;
        }
    }
    if (!known)
        r.fail(QStringLiteral("severity"), QStringLiteral("unknown severity \"%1\"").arg(s));
    e.code = r.string(o, QLatin1String("code"), top);
    e.text = r.string(o, QLatin1String("text"), top);
    return e;
}

InspectPayload readClosed(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    ClosedEvent e;
    const QString cause = r.string(o, QLatin1String("cause"), top, QStringLiteral("none"));
    if (const auto c = closeCauseFromName(cause))
        e.cause = *c;
    else
        r.fail(QStringLiteral("cause"), QStringLiteral("unknown close cause \"%1\"").arg(cause));
    e.detail = r.string(o, QLatin1String("detail"), top);
    e.clientClose = r.close(o, QLatin1String("clientClose"), top);
    e.upstreamClose = r.close(o, QLatin1String("upstreamClose"), top);
    e.bytesFromClient = r.integer(o, QLatin1String("bytesFromClient"), top);
    e.bytesFromUpstream = r.integer(o, QLatin1String("bytesFromUpstream"), top);
    e.durationMs = r.integer(o, QLatin1String("durationMs"), top);
    return e;
}

InspectPayload readHttpExchange(Reader &r, const QJsonObject &o, const QString &)
{
    const QString top;
    HttpExchangeEvent e;
    e.status = int(r.integer(o, QLatin1String("status"), top, 0, 0, 999));
    e.requestBodyBytes = r.integer(o, QLatin1String("requestBodyBytes"), top);
    e.responseBodyBytes = r.integer(o, QLatin1String("responseBodyBytes"), top);
    e.durationMs = r.integer(o, QLatin1String("durationMs"), top);
    return e;
}

std::optional<InspectPayload> readPayload(Reader &r, const QString &kind, const QJsonObject &o)
{
    using ReadFn = InspectPayload (*)(Reader &, const QJsonObject &, const QString &);
    static const struct { const char *kind; ReadFn read; } readers[] = {
        {"connection-opened", readConnectionOpened},
        {"request-received", readRequestHead},
        {"request-forwarded", readRequestHead},
        {"route", readRoute},
        {"response", readResponse},
        {"tunnel-established", readTunnel},
        {"frame", readFrame},
        {"message", readMessage},
        {"control", readControl},
        {"violation", readViolation},
        {"finding", readFinding},
        {"closed", readClosed},
        {"http-exchange", readHttpExchange},
    };
    for (const auto &entry : readers) {
        if (kind == QLatin1String(entry.kind))
            return entry.read(r, o, kind);
    }
    r.fail(QStringLiteral("kind"), QStringLiteral("unknown event kind \"%1\"").arg(kind));
    return std::nullopt;
}

} // namespace

QJsonObject toJson(const InspectEvent &event)
{
    QJsonObject o;
    o.insert(QLatin1String("v"), EventJson::FormatVersion);
    o.insert(QLatin1String("kind"), inspectEventKindName(event.payload));
    o.insert(QLatin1String("connectionId"), qint64(event.connectionId));
    o.insert(QLatin1String("monotonicNs"), event.monotonicNs);
    o.insert(QLatin1String("wallMs"), event.wallMs);
    o.insert(QLatin1String("worker"), event.worker);
    std::visit(PayloadWriter{o}, event.payload);
    return o;
}

std::optional<InspectEvent> fromJson(const QJsonObject &object, QString *error)
{
    Reader r;
    const QString top;
    const qint64 version = r.integer(object, QLatin1String("v"), top, EventJson::FormatVersion);
    if (r.ok() && version != EventJson::FormatVersion)
        r.fail(QStringLiteral("v"), QStringLiteral("unsupported format version %1").arg(version));
    if (r.ok() && !object.value(QLatin1String("kind")).isString())
        r.fail(QStringLiteral("kind"), QStringLiteral("missing or not a string"));

    InspectEvent event;
    if (r.ok()) {
        event.connectionId = quint64(r.integer(object, QLatin1String("connectionId"), top, 0, 0));
        event.monotonicNs = r.integer(object, QLatin1String("monotonicNs"), top);
        event.wallMs = r.integer(object, QLatin1String("wallMs"), top);
        event.worker = int(r.integer(object, QLatin1String("worker"), top, -1, std::numeric_limits<int>::min(),
                                     std::numeric_limits<int>::max()));
    }
    if (r.ok()) {
        if (auto payload = readPayload(r, object.value(QLatin1String("kind")).toString(), object))
            event.payload = std::move(*payload);
    }
    if (!r.ok()) {
        if (error)
            *error = r.error();
        return std::nullopt;
    }
    return event;
}
