#include "inspect/eventjsonwriter.h"

#include "inspect/closecause.h"
#include "inspect/eventjson.h"

#include <QStringView>

#include <charconv>
#include <cstring>

// Why a writer of its own: the inspection channel encodes every event for
// its attached clients, and building a QJsonObject per event (CBOR
// containers, a QString per value) and a QJsonDocument per batch was most of
// what three clients cost the proxy (tests/bench/results-2026-12-03-attach.md).
// The output must stay identical to Qt's (tst_attach compares `wsscope attach
// --json` lines with --capture's JSONL; tst_eventjsonwriter compares with
// QJsonDocument directly), so the rules below are Qt 6's qjsonwriter.cpp's:
//  - an object's members sorted by key (QJsonObject keeps them so); every
//    object below lists its members in that order, which Members checks in
//    debug builds;
//  - strings: \" \\ \b \f \n \r \t, other characters below U+0020 as \u00xx
//    (lower-case hex), everything else as UTF-8, a lone surrogate as \udxxx;
//  - integers in decimal; true/false.
namespace {

constexpr char HexDigits[] = "0123456789abcdef";

void appendInteger(QByteArray &b, qint64 v)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    b.append(buf, r.ptr - buf);
}

void appendUnicodeEscape(QByteArray &b, char16_t u)
{
    const char esc[6] = {'\\', 'u', HexDigits[(u >> 12) & 0xF], HexDigits[(u >> 8) & 0xF], HexDigits[(u >> 4) & 0xF],
                         HexDigits[u & 0xF]};
    b.append(esc, 6);
}

// Appends the escape of an ASCII character; false when it is written as is.
bool appendAsciiEscape(QByteArray &b, uchar c)
{
    switch (c) {
    case '"': b.append("\\\"", 2); return true;
    case '\\': b.append("\\\\", 2); return true;
    case '\b': b.append("\\b", 2); return true;
    case '\f': b.append("\\f", 2); return true;
    case '\n': b.append("\\n", 2); return true;
    case '\r': b.append("\\r", 2); return true;
    case '\t': b.append("\\t", 2); return true;
    default:
        if (c >= 0x20)
            return false;
        appendUnicodeEscape(b, c);
        return true;
    }
}

// A JSON string of bytes already known to be UTF-8: runs of plain bytes are
// copied in one append.
void appendUtf8String(QByteArray &b, const char *s, qsizetype n)
{
    b.append('"');
    qsizetype run = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const uchar c = uchar(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        b.append(s + run, i - run);
        appendAsciiEscape(b, c);
        run = i + 1;
    }
    b.append(s + run, n - run);
    b.append('"');
}

void appendString(QByteArray &b, QStringView s)
{
    b.append('"');
    const char16_t *p = s.utf16();
    const char16_t *end = p + s.size();
    while (p < end) {
        const char16_t u = *p++;
        if (u < 0x80) {
            if (!appendAsciiEscape(b, uchar(u)))
                b.append(char(u));
        } else if (u < 0x800) {
            const char two[2] = {char(0xC0 | (u >> 6)), char(0x80 | (u & 0x3F))};
            b.append(two, 2);
        } else if (QChar::isHighSurrogate(u) && p < end && QChar::isLowSurrogate(*p)) {
            const char32_t c = QChar::surrogateToUcs4(u, *p++);
            const char four[4] = {char(0xF0 | (c >> 18)), char(0x80 | ((c >> 12) & 0x3F)), char(0x80 | ((c >> 6) & 0x3F)),
                                  char(0x80 | (c & 0x3F))};
            b.append(four, 4);
        } else if (QChar::isSurrogate(u)) {
            appendUnicodeEscape(b, u);
        } else {
            const char three[3] = {char(0xE0 | (u >> 12)), char(0x80 | ((u >> 6) & 0x3F)), char(0x80 | (u & 0x3F))};
            b.append(three, 3);
        }
    }
    b.append('"');
}

// True when QString::fromUtf8(bytes).toUtf8() == bytes (eventjson.cpp's
// asExactUtf8): well-formed UTF-8 (no overlong forms, no surrogates, at most
// U+10FFFF) that does not begin with a byte order mark, which fromUtf8 drops.
bool isExactUtf8(const QByteArray &bytes)
{
    const auto *p = reinterpret_cast<const uchar *>(bytes.constData());
    const uchar *end = p + bytes.size();
    if (bytes.size() >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        return false;
    while (p < end) {
        const uchar c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int more = 0;
        uchar lo = 0x80, hi = 0xBF; // the allowed range of the second byte (RFC 3629 section 4)
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
        if (end - p <= more || p[1] < lo || p[1] > hi)
            return false;
        for (int i = 2; i <= more; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
        }
        p += more + 1;
    }
    return true;
}

void appendBase64(QByteArray &b, const QByteArray &bytes)
{
    static constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto *s = reinterpret_cast<const uchar *>(bytes.constData());
    const qsizetype n = bytes.size();
    const qsizetype at = b.size();
    b.resize(at + 2 + (n + 2) / 3 * 4);
    char *o = b.data() + at;
    *o++ = '"';
    qsizetype i = 0;
    for (; i + 2 < n; i += 3) {
        const uint v = uint(s[i]) << 16 | uint(s[i + 1]) << 8 | s[i + 2];
        *o++ = Alphabet[v >> 18];
        *o++ = Alphabet[(v >> 12) & 0x3F];
        *o++ = Alphabet[(v >> 6) & 0x3F];
        *o++ = Alphabet[v & 0x3F];
    }
    if (i < n) {
        const uint v = uint(s[i]) << 16 | (i + 1 < n ? uint(s[i + 1]) << 8 : 0u);
        *o++ = Alphabet[v >> 18];
        *o++ = Alphabet[(v >> 12) & 0x3F];
        *o++ = i + 1 < n ? Alphabet[(v >> 6) & 0x3F] : '=';
        *o++ = '=';
    }
    *o = '"';
}

// The members of one JSON object, written in the order they are given,
// which must be the sorted order (tst_eventjsonwriter checks every kind).
class Members
{
public:
    explicit Members(QByteArray &b) : m_b(b) { m_b.append('{'); }
    ~Members() { m_b.append('}'); }
    Q_DISABLE_COPY_MOVE(Members)

    // `"name":`, or `"nameBase64":` (a bytes field that is not exact UTF-8).
    QByteArray &key(const char *name, bool base64 = false)
    {
        if (!m_first)
            m_b.append(',');
        m_first = false;
        m_b.append('"').append(name);
        return base64 ? m_b.append("Base64\":", 8) : m_b.append("\":", 2);
    }

    void integer(const char *name, qint64 v) { appendInteger(key(name), v); }
    void boolean(const char *name, bool v) { v ? key(name).append("true", 4) : key(name).append("false", 5); }
    void string(const char *name, QStringView v) { appendString(key(name), v); }
    void latin1(const char *name, QLatin1String v) { appendUtf8String(key(name), v.data(), v.size()); }
    // eventjson.cpp's putBytes: the text when exact UTF-8, else name + "Base64".
    void bytes(const char *name, const QByteArray &v)
    {
        if (isExactUtf8(v))
            appendUtf8String(key(name), v.constData(), v.size());
        else
            appendBase64(key(name, true), v);
    }
    void base64(const char *name, const QByteArray &v) { appendBase64(key(name, true), v); }

private:
    QByteArray &m_b;
    bool m_first = true;
};

void appendHeaders(QByteArray &b, const HttpHeaders &headers)
{
    b.append('[');
    bool first = true;
    for (const HttpHeader &h : headers) {
        if (!first)
            b.append(',');
        first = false;
        Members field(b);
        field.bytes("name", h.name);
        field.bytes("value", h.value);
    }
    b.append(']');
}

void appendHttpVersion(Members &m, int minor)
{
    QByteArray &b = m.key("httpVersion");
    b.append("\"HTTP/1.", 8);
    appendInteger(b, minor);
    b.append('"');
}

void appendClose(Members &m, const char *name, const WsCloseInfo &c)
{
    Members o(m.key(name));
    if (c.code)
        o.integer("code", *c.code);
    o.string("reason", c.reason);
    o.boolean("valid", c.valid);
}

// Each kind's object, common members included, in key order: the common
// members connectionId, kind, monotonicNs, v, wallMs, worker fall among the
// payload's (Common writes them where each kind's order puts them).
struct Common
{
    const InspectEvent &e;
    void connectionId(Members &m) const { m.integer("connectionId", qint64(e.connectionId)); }
    void kind(Members &m) const { m.latin1("kind", inspectEventKindName(e.payload)); }
    void monotonicNs(Members &m) const { m.integer("monotonicNs", e.monotonicNs); }
    void v(Members &m) const { m.integer("v", EventJson::FormatVersion); }
    void wallAndWorker(Members &m) const
    {
        m.integer("wallMs", e.wallMs);
        m.integer("worker", e.worker);
    }
    // monotonicNs, v, wallMs, worker: the tail of most kinds.
    void tail(Members &m) const
    {
        monotonicNs(m);
        v(m);
        wallAndWorker(m);
    }
};

struct PayloadWriter
{
    QByteArray &b;
    Common c;

    void operator()(const ConnectionOpenedEvent &e) const
    {
        Members m(b);
        m.string("clientAddress", e.clientAddress.isNull() ? QString() : e.clientAddress.toString());
        m.integer("clientPort", e.clientPort);
        c.connectionId(m);
        c.kind(m);
        m.string("listener", e.listener);
        c.monotonicNs(m);
        m.boolean("tls", e.tls);
        if (e.tls) {
            m.string("tlsAlpn", e.tlsAlpn);
            m.string("tlsCipher", e.tlsCipher);
            m.string("tlsError", e.tlsError);
        }
        m.string("tlsProtocol", e.tlsProtocol);
        m.string("tlsServerName", e.tlsServerName);
        c.v(m);
        c.wallAndWorker(m);
    }
    void operator()(const RequestHeadEvent &e) const
    {
        Members m(b);
        c.connectionId(m);
        {
            Members head(m.key("head"));
            appendHeaders(head.key("headers"), e.head.headers);
            appendHttpVersion(head, e.head.versionMinor);
            head.bytes("method", e.head.method);
            head.bytes("target", e.head.target);
        }
        c.kind(m);
        c.tail(m);
    }
    void operator()(const RouteEvent &e) const
    {
        Members m(b);
        m.string("algorithm", e.algorithm);
        m.integer("attempt", e.attempt);
        c.connectionId(m);
        m.string("key", e.key);
        c.kind(m);
        m.string("location", e.location);
        c.monotonicNs(m);
        m.string("serverName", e.serverName);
        QByteArray &skipped = m.key("skipped");
        skipped.append('[');
        for (qsizetype i = 0; i < e.skipped.size(); ++i) {
            if (i)
                skipped.append(',');
            appendString(skipped, e.skipped.at(i));
        }
        skipped.append(']');
        m.string("upstreamGroup", e.upstreamGroup);
        m.string("upstreamServer", e.upstreamServer);
        c.v(m);
        c.wallAndWorker(m);
    }
    void operator()(const ResponseHeadEvent &e) const
    {
        Members m(b);
        c.connectionId(m);
        m.boolean("fromUpstream", e.fromUpstream);
        {
            Members head(m.key("head"));
            appendHeaders(head.key("headers"), e.head.headers);
            appendHttpVersion(head, e.head.versionMinor);
            head.bytes("reason", e.head.reason);
            head.integer("status", e.head.status);
        }
        c.kind(m);
        c.tail(m);
    }
    void operator()(const TunnelEvent &e) const
    {
        Members m(b);
        c.connectionId(m);
        m.string("extensions", e.extensions);
        c.kind(m);
        c.monotonicNs(m);
        m.boolean("perMessageDeflate", e.perMessageDeflate);
        m.string("subprotocol", e.subprotocol);
        c.v(m);
        c.wallAndWorker(m);
    }
    void operator()(const FrameEvent &e) const
    {
        Members m(b);
        c.connectionId(m);
        m.latin1("direction", EventJson::directionName(e.direction));
        {
            const WsFrameInfo &f = e.frame;
            Members frame(m.key("frame"));
            frame.boolean("fin", f.fin);
            frame.integer("headerLength", f.headerLength);
            frame.integer("maskKey", qint64(f.maskKey));
            frame.boolean("masked", f.masked);
            frame.integer("offset", f.offset);
            frame.integer("opcode", int(f.opcode));
            frame.integer("payloadLength", qint64(f.payloadLength));
            frame.boolean("rsv1", f.rsv1);
            frame.boolean("rsv2", f.rsv2);
            frame.boolean("rsv3", f.rsv3);
        }
        m.boolean("injected", e.injected);
        c.kind(m);
        c.tail(m);
    }
    void operator()(const MessageEvent &e) const
    {
        Members m(b);
        c.connectionId(m);
        m.latin1("direction", EventJson::directionName(e.direction));
        m.boolean("inflated", e.inflated);
        m.boolean("injected", e.injected);
        c.kind(m);
        {
            const WsMessage &msg = e.message;
            Members message(m.key("message"));
            message.boolean("compressed", msg.compressed);
            message.integer("frameCount", msg.frameCount);
            message.integer("offset", msg.offset);
            message.integer("opcode", int(msg.opcode));
            if (msg.opcode == WsOpcode::Text)
                message.bytes("preview", msg.preview);
            else
                message.base64("preview", msg.preview);
            message.integer("totalLength", qint64(msg.totalLength));
            message.boolean("truncated", msg.truncated);
            message.latin1("utf8", EventJson::utf8Name(msg.utf8));
        }
        c.tail(m);
    }
    void operator()(const ControlFrameEvent &e) const
    {
        Members m(b);
        if (e.close)
            appendClose(m, "close", *e.close);
        c.connectionId(m);
        m.latin1("direction", EventJson::directionName(e.direction));
        m.boolean("injected", e.injected);
        c.kind(m);
        c.monotonicNs(m);
        m.integer("opcode", int(e.opcode));
        m.base64("payload", e.payload);
        m.integer("roundTripUs", e.roundTripUs);
        m.boolean("swallowed", e.swallowed);
        c.v(m);
        c.wallAndWorker(m);
    }
    void operator()(const ViolationEvent &e) const
    {
        Members m(b);
        c.connectionId(m);
        m.latin1("direction", EventJson::directionName(e.direction));
        c.kind(m);
        c.monotonicNs(m);
        c.v(m);
        {
            Members v(m.key("violation"));
            v.boolean("fatal", e.violation.fatal);
            v.latin1("kind", wsViolationKindName(e.violation.kind));
            v.integer("offset", e.violation.offset);
            v.string("text", e.violation.text);
        }
        c.wallAndWorker(m);
    }
    void operator()(const FindingEvent &e) const
    {
        Members m(b);
        m.string("code", e.code);
        c.connectionId(m);
        c.kind(m);
        c.monotonicNs(m);
        m.latin1("severity", EventJson::severityName(e.severity));
        m.string("text", e.text);
        c.v(m);
        c.wallAndWorker(m);
    }
    void operator()(const ClosedEvent &e) const
    {
        Members m(b);
        m.integer("bytesFromClient", e.bytesFromClient);
        m.integer("bytesFromUpstream", e.bytesFromUpstream);
        m.latin1("cause", QLatin1String(closeCauseName(e.cause)));
        if (e.clientClose)
            appendClose(m, "clientClose", *e.clientClose);
        c.connectionId(m);
        m.string("detail", e.detail);
        m.integer("durationMs", e.durationMs);
        c.kind(m);
        c.monotonicNs(m);
        if (e.upstreamClose)
            appendClose(m, "upstreamClose", *e.upstreamClose);
        c.v(m);
        c.wallAndWorker(m);
    }
    void operator()(const HttpExchangeEvent &e) const
    {
        Members m(b);
        c.connectionId(m);
        m.integer("durationMs", e.durationMs);
        c.kind(m);
        c.monotonicNs(m);
        m.integer("requestBodyBytes", e.requestBodyBytes);
        m.integer("responseBodyBytes", e.responseBodyBytes);
        m.integer("status", e.status);
        c.v(m);
        c.wallAndWorker(m);
    }
};

} // namespace

namespace EventJson {

QLatin1String directionName(Direction d)
{
    return d == Direction::ClientToUpstream ? QLatin1String("client-to-upstream") : QLatin1String("upstream-to-client");
}

QLatin1String utf8Name(WsUtf8Validity v)
{
    switch (v) {
    case WsUtf8Validity::NotText: return QLatin1String("not-text");
    case WsUtf8Validity::Valid: return QLatin1String("valid");
    case WsUtf8Validity::Invalid: return QLatin1String("invalid");
    case WsUtf8Validity::NotValidated: return QLatin1String("not-validated");
    }
    return QLatin1String("not-text");
}

QLatin1String severityName(FindingEvent::Severity s)
{
    switch (s) {
    case FindingEvent::Severity::Info: return QLatin1String("info");
    case FindingEvent::Severity::Warning: return QLatin1String("warning");
    case FindingEvent::Severity::Error: return QLatin1String("error");
    }
    return QLatin1String("info");
}

void appendEvent(QByteArray &out, const InspectEvent &event)
{
    std::visit(PayloadWriter{out, Common{event}}, event.payload);
}

} // namespace EventJson
