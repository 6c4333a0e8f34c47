#include "inspect/capturewriter.h"
#include "inspect/eventjson.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

namespace {

constexpr qint64 BaseWallMs = 1'700'000'000'000;
constexpr qint64 BaseNs = 5'000'000'000;

// A synthetic stream: events stamped `ms` milliseconds after a fixed start.
class Stream
{
public:
    QList<InspectEvent> events;

    void add(quint64 id, double ms, InspectPayload payload)
    {
        InspectEvent e;
        e.connectionId = id;
        e.monotonicNs = BaseNs + qint64(ms * 1e6);
        e.wallMs = BaseWallMs + qint64(ms);
        e.worker = 0;
        e.payload = std::move(payload);
        events.append(std::move(e));
    }
};

HttpRequestHead request(const QByteArray &method, const QByteArray &target, bool upgrade)
{
    HttpRequestHead h;
    h.method = method;
    h.target = target;
    h.headers.append("Host", "example.test:8080");
    if (upgrade) {
        h.headers.append("Upgrade", "websocket");
        h.headers.append("Connection", "Upgrade");
        h.headers.append("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        h.headers.append("Sec-WebSocket-Version", "13");
    }
    h.headers.append("User-Agent", "tst");
    return h;
}

MessageEvent message(Direction d, WsOpcode op, const QByteArray &data)
{
    MessageEvent m;
    m.direction = d;
    m.message.opcode = op;
    m.message.preview = data;
    m.message.totalLength = quint64(data.size());
    m.message.frameCount = 1;
    m.message.utf8 = op == WsOpcode::Text ? WsUtf8Validity::Valid : WsUtf8Validity::NotText;
    return m;
}

// One WebSocket connection (id 1) with text, binary, ping/pong and close, and
// one plain HTTP exchange (id 2) with a query string.
Stream sampleStream()
{
    Stream s;
    ConnectionOpenedEvent opened;
    opened.clientAddress = QHostAddress(QStringLiteral("127.0.0.1"));
    opened.clientPort = 40000;
    opened.listener = QStringLiteral("127.0.0.1:8080");
    s.add(1, 0, opened);
    s.add(1, 1, RequestHeadEvent{request("GET", "/chat?room=1&user=al%20ice", true), false});
    RouteEvent route;
    route.upstreamServer = QStringLiteral("127.0.0.1:9001");
    route.upstreamGroup = QStringLiteral("websocket");
    route.location = QStringLiteral("/chat");
    s.add(1, 1.2, route);
    HttpRequestHead fwd = request("GET", "/chat?room=1&user=al%20ice", true);
    fwd.headers.append("X-Forwarded-For", "127.0.0.1");
    s.add(1, 3, RequestHeadEvent{fwd, true});
    HttpResponseHead resp;
    resp.status = 101;
    resp.reason = "Switching Protocols";
    resp.headers.append("Upgrade", "websocket");
    resp.headers.append("Connection", "Upgrade");
    resp.headers.append("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    s.add(1, 7.5, ResponseHeadEvent{resp, true});
    s.add(1, 7.5, TunnelEvent{});
    s.add(1, 10, message(Direction::ClientToUpstream, WsOpcode::Text, "{\"op\":\"hello\"}"));
    s.add(1, 10.0004, message(Direction::UpstreamToClient, WsOpcode::Text, "w\xc3\xb6rld"));
    s.add(1, 12, message(Direction::UpstreamToClient, WsOpcode::Binary, QByteArray("\x00\xff\x10", 3)));
    ControlFrameEvent ping;
    ping.direction = Direction::UpstreamToClient;
    ping.opcode = WsOpcode::Ping;
    ping.payload = "ka";
    ping.injected = true;
    s.add(1, 20, ping);
    ControlFrameEvent pong;
    pong.direction = Direction::ClientToUpstream;
    pong.opcode = WsOpcode::Pong;
    pong.payload = "ka";
    pong.swallowed = true;
    pong.roundTripUs = 800;
    s.add(1, 20.8, pong);
    FindingEvent finding;
    finding.code = QStringLiteral("subprotocol-not-echoed");
    finding.text = QStringLiteral("the client asked for chat.v2");
    finding.severity = FindingEvent::Severity::Warning;
    s.add(1, 7.6, finding);

    // The HTTP exchange runs while the WebSocket is open.
    s.add(2, 30, ConnectionOpenedEvent{});
    s.add(2, 30.5, RequestHeadEvent{request("POST", "/api/items?page=2", false), false});
    s.add(2, 31, RequestHeadEvent{request("POST", "/api/items?page=2", false), true});
    HttpResponseHead ok;
    ok.status = 200;
    ok.reason = "OK";
    ok.headers.append("Content-Type", "application/json");
    ok.headers.append("Content-Length", "42");
    s.add(2, 45, ResponseHeadEvent{ok, true});
    s.add(2, 46, HttpExchangeEvent{200, 17, 42, 16});
    ClosedEvent done;
    done.cause = CloseCause::ClientClosed;
    s.add(2, 47, done);

    ControlFrameEvent close;
    close.direction = Direction::ClientToUpstream;
    close.opcode = WsOpcode::Close;
    close.payload = QByteArray("\x03\xe8", 2);
    close.close = WsCloseInfo{QString(), quint16(1000), true};
    s.add(1, 100, close);
    ClosedEvent closed;
    closed.cause = CloseCause::ClientClosed;
    closed.clientClose = close.close;
    closed.durationMs = 100;
    s.add(1, 101, closed);
    return s;
}

QJsonObject readJsonFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// What Chrome DevTools' HAR importer (front_end/models/har/HARFormat.ts and
// Importer.ts) requires of an entry, plus HAR 1.2's types. Returns "" or the
// first problem.
QString chromeProblem(const QJsonObject &har)
{
#define REQUIRE(cond, what)                                                                                            \
    if (!(cond))                                                                                                       \
        return QStringLiteral(what);
    REQUIRE(har.value(QLatin1String("log")).isObject(), "log");
    const QJsonObject log = har.value(QLatin1String("log")).toObject();
    REQUIRE(log.value(QLatin1String("version")).toString() == QLatin1String("1.2"), "log.version");
    const QJsonObject creator = log.value(QLatin1String("creator")).toObject();
    REQUIRE(creator.value(QLatin1String("name")).isString() && creator.value(QLatin1String("version")).isString(),
            "log.creator");
    REQUIRE(log.value(QLatin1String("entries")).isArray(), "log.entries");
    for (const QJsonValue &ev : log.value(QLatin1String("entries")).toArray()) {
        REQUIRE(ev.isObject(), "entry object");
        const QJsonObject e = ev.toObject();
        const QString started = e.value(QLatin1String("startedDateTime")).toString();
        // ISO 8601 with milliseconds and a zone designator.
        REQUIRE(QRegularExpression(QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$)"))
                    .match(started)
                    .hasMatch(),
                "startedDateTime format");
        REQUIRE(QDateTime::fromString(started, Qt::ISODateWithMs).isValid(), "startedDateTime parses");
        REQUIRE(e.value(QLatin1String("time")).isDouble() && e.value(QLatin1String("time")).toDouble() >= 0, "time");
        REQUIRE(e.value(QLatin1String("cache")).isObject(), "cache");
        REQUIRE(e.value(QLatin1String("connection")).isString(), "connection is a string");

        const QJsonObject rq = e.value(QLatin1String("request")).toObject();
        for (const char *k : {"method", "url", "httpVersion"})
            REQUIRE(rq.value(QLatin1String(k)).isString(), "request string field");
        for (const char *k : {"headers", "queryString", "cookies"})
            REQUIRE(rq.value(QLatin1String(k)).isArray(), "request array field");
        for (const char *k : {"headersSize", "bodySize"})
            REQUIRE(rq.value(QLatin1String(k)).isDouble(), "request number field");
        for (const QJsonValue &h : rq.value(QLatin1String("headers")).toArray())
            REQUIRE(h.toObject().value(QLatin1String("name")).isString()
                        && h.toObject().value(QLatin1String("value")).isString(),
                    "request header");

        const QJsonObject rs = e.value(QLatin1String("response")).toObject();
        for (const char *k : {"statusText", "httpVersion", "redirectURL"})
            REQUIRE(rs.value(QLatin1String(k)).isString(), "response string field");
        for (const char *k : {"status", "headersSize", "bodySize"})
            REQUIRE(rs.value(QLatin1String(k)).isDouble(), "response number field");
        for (const char *k : {"headers", "cookies"})
            REQUIRE(rs.value(QLatin1String(k)).isArray(), "response array field");
        const QJsonObject content = rs.value(QLatin1String("content")).toObject();
        REQUIRE(content.value(QLatin1String("size")).isDouble(), "content.size");
        REQUIRE(content.value(QLatin1String("mimeType")).isString(), "content.mimeType");

        const QJsonObject t = e.value(QLatin1String("timings")).toObject();
        double sum = 0;
        for (const char *k : {"send", "wait", "receive"}) {
            REQUIRE(t.value(QLatin1String(k)).isDouble() && t.value(QLatin1String(k)).toDouble() >= 0,
                    "timings send/wait/receive >= 0");
            sum += t.value(QLatin1String(k)).toDouble();
        }
        for (const char *k : {"blocked", "dns", "connect", "ssl"})
            REQUIRE(t.value(QLatin1String(k)).isDouble() && t.value(QLatin1String(k)).toDouble() >= -1,
                    "timings optional >= -1");
        for (const char *k : {"blocked", "dns", "connect"})
            sum += std::max(0.0, t.value(QLatin1String(k)).toDouble());
        REQUIRE(qAbs(sum - e.value(QLatin1String("time")).toDouble()) < 0.01, "time is the sum of the timings");

        if (e.contains(QLatin1String("_webSocketMessages"))) {
            REQUIRE(e.value(QLatin1String("_resourceType")).toString() == QLatin1String("websocket"), "_resourceType");
            const double start = QDateTime::fromString(started, Qt::ISODateWithMs).toMSecsSinceEpoch() / 1000.0;
            double last = start;
            for (const QJsonValue &mv : e.value(QLatin1String("_webSocketMessages")).toArray()) {
                const QJsonObject m = mv.toObject();
                const QString type = m.value(QLatin1String("type")).toString();
                REQUIRE(type == QLatin1String("send") || type == QLatin1String("receive"), "message type");
                REQUIRE(m.value(QLatin1String("time")).isDouble(), "message time");
                REQUIRE(m.value(QLatin1String("opcode")).isDouble(), "message opcode");
                REQUIRE(m.value(QLatin1String("data")).isString(), "message data");
                const double time = m.value(QLatin1String("time")).toDouble();
                REQUIRE(time >= last - 0.001, "message times are monotonic");
                last = time;
            }
            REQUIRE(last <= start + e.value(QLatin1String("time")).toDouble() / 1000.0 + 0.001,
                    "messages fall within the entry's time");
        }
    }
#undef REQUIRE
    return {};
}

QJsonObject entryByMethod(const QJsonObject &har, const QString &method)
{
    for (const QJsonValue &e : har.value(QLatin1String("log")).toObject().value(QLatin1String("entries")).toArray()) {
        if (e.toObject().value(QLatin1String("request")).toObject().value(QLatin1String("method")).toString() == method)
            return e.toObject();
    }
    return {};
}

} // namespace

class tst_CaptureWriter : public QObject
{
    Q_OBJECT

private slots:
    void harIsWhatChromeImports();
    void webSocketEntry();
    void httpEntry();
    void jsonlLinesParse();
    void suffixIsDropped();
    void harWriteIsAtomic();
    void harWriteFailureKeepsTheOldFile();
    void messagesAreBounded();
    void entriesAreBounded();
    void keepAliveGivesOneEntryPerExchange();
    void openConnectionIsWritten();
};

void tst_CaptureWriter::harIsWhatChromeImports()
{
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")));
    writer.consume(sampleStream().events);
    QString error;
    QVERIFY2(writer.writeHar(&error), qPrintable(error));
    const QJsonObject har = readJsonFile(writer.harPath());
    QCOMPARE(har.value(QLatin1String("log")).toObject().value(QLatin1String("entries")).toArray().size(), 2);
    const QString problem = chromeProblem(har);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(har, writer.harDocument());
}

void tst_CaptureWriter::webSocketEntry()
{
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")));
    writer.consume(sampleStream().events);
    const QJsonObject e = entryByMethod(writer.harDocument(), QStringLiteral("GET"));
    QCOMPARE(e.value(QLatin1String("_resourceType")).toString(), QStringLiteral("websocket"));
    QCOMPARE(e.value(QLatin1String("connection")).toString(), QStringLiteral("1"));
    QCOMPARE(e.value(QLatin1String("serverIPAddress")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(e.value(QLatin1String("startedDateTime")).toString(), QStringLiteral("2023-11-14T22:13:20.001Z"));
    const QJsonObject rq = e.value(QLatin1String("request")).toObject();
    QCOMPARE(rq.value(QLatin1String("url")).toString(), QStringLiteral("ws://example.test:8080/chat?room=1&user=al%20ice"));
    QCOMPARE(rq.value(QLatin1String("httpVersion")).toString(), QStringLiteral("HTTP/1.1"));
    const QJsonArray qs = rq.value(QLatin1String("queryString")).toArray();
    QCOMPARE(qs.size(), 2);
    QCOMPARE(qs.at(1).toObject().value(QLatin1String("value")).toString(), QStringLiteral("al ice"));
    // Headers as the client sent them, in order (the forwarded ones are extra).
    const QJsonArray headers = rq.value(QLatin1String("headers")).toArray();
    QCOMPARE(headers.size(), 6);
    QCOMPARE(headers.at(0).toObject().value(QLatin1String("name")).toString(), QStringLiteral("Host"));
    QCOMPARE(headers.at(5).toObject().value(QLatin1String("name")).toString(), QStringLiteral("User-Agent"));
    QCOMPARE(rq.value(QLatin1String("_forwarded")).toObject().value(QLatin1String("headers")).toArray().size(), 7);

    const QJsonObject rs = e.value(QLatin1String("response")).toObject();
    QCOMPARE(rs.value(QLatin1String("status")).toInt(), 101);
    QCOMPARE(rs.value(QLatin1String("statusText")).toString(), QStringLiteral("Switching Protocols"));
    QCOMPARE(rs.value(QLatin1String("bodySize")).toInt(), 0);

    const QJsonObject t = e.value(QLatin1String("timings")).toObject();
    QCOMPARE(t.value(QLatin1String("blocked")).toDouble(), 2.0); // 1 ms -> 3 ms
    QCOMPARE(t.value(QLatin1String("wait")).toDouble(), 4.5);    // 3 -> 7.5
    QCOMPARE(t.value(QLatin1String("receive")).toDouble(), 93.5); // 7.5 -> 101
    QCOMPARE(t.value(QLatin1String("dns")).toDouble(), -1.0);
    QCOMPARE(e.value(QLatin1String("time")).toDouble(), 100.0);

    const QJsonArray messages = e.value(QLatin1String("_webSocketMessages")).toArray();
    QCOMPARE(messages.size(), 6);
    const auto msg = [&](int i) { return messages.at(i).toObject(); };
    QCOMPARE(msg(0).value(QLatin1String("type")).toString(), QStringLiteral("send"));
    QCOMPARE(msg(0).value(QLatin1String("opcode")).toInt(), 1);
    QCOMPARE(msg(0).value(QLatin1String("data")).toString(), QStringLiteral("{\"op\":\"hello\"}"));
    QCOMPARE(msg(0).value(QLatin1String("time")).toDouble(), (BaseWallMs + 10) / 1000.0);
    QCOMPARE(msg(1).value(QLatin1String("type")).toString(), QStringLiteral("receive"));
    QCOMPARE(msg(1).value(QLatin1String("data")).toString(), QString::fromUtf8("w\xc3\xb6rld"));
    QVERIFY(msg(1).value(QLatin1String("time")).toDouble() > msg(0).value(QLatin1String("time")).toDouble());
    QCOMPARE(msg(2).value(QLatin1String("opcode")).toInt(), 2);
    QCOMPARE(msg(2).value(QLatin1String("data")).toString(), QStringLiteral("AP8Q")); // base64 of 00 ff 10
    QCOMPARE(msg(3).value(QLatin1String("opcode")).toInt(), 9);
    QCOMPARE(msg(4).value(QLatin1String("opcode")).toInt(), 10);
    QCOMPARE(msg(5).value(QLatin1String("opcode")).toInt(), 8);
    QVERIFY(e.value(QLatin1String("comment")).toString().contains(QLatin1String("subprotocol-not-echoed")));
}

void tst_CaptureWriter::httpEntry()
{
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")));
    writer.consume(sampleStream().events);
    const QJsonObject e = entryByMethod(writer.harDocument(), QStringLiteral("POST"));
    QVERIFY(!e.contains(QLatin1String("_resourceType")));
    QVERIFY(!e.contains(QLatin1String("_webSocketMessages")));
    const QJsonObject rq = e.value(QLatin1String("request")).toObject();
    QCOMPARE(rq.value(QLatin1String("url")).toString(), QStringLiteral("http://example.test:8080/api/items?page=2"));
    QCOMPARE(rq.value(QLatin1String("bodySize")).toInt(), 17);
    QCOMPARE(rq.value(QLatin1String("headersSize")).toInt(),
             request("POST", "/api/items?page=2", false).serialize().size());
    const QJsonObject rs = e.value(QLatin1String("response")).toObject();
    QCOMPARE(rs.value(QLatin1String("status")).toInt(), 200);
    QCOMPARE(rs.value(QLatin1String("bodySize")).toInt(), 42);
    const QJsonObject content = rs.value(QLatin1String("content")).toObject();
    QCOMPARE(content.value(QLatin1String("size")).toInt(), 42);
    QCOMPARE(content.value(QLatin1String("mimeType")).toString(), QStringLiteral("application/json"));
    QCOMPARE(e.value(QLatin1String("time")).toDouble(), 15.5); // 30.5 -> 46
}

void tst_CaptureWriter::jsonlLinesParse()
{
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")));
    QString error;
    QVERIFY2(writer.openJsonl(&error), qPrintable(error));
    const Stream s = sampleStream();
    // In several batches, as the bus delivers them.
    writer.consume(s.events.mid(0, 5));
    writer.consume({});
    writer.consume(s.events.mid(5));

    QFile f(writer.jsonlPath());
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray all = f.readAll();
    QVERIFY(all.endsWith('\n'));
    const QList<QByteArray> lines = all.chopped(1).split('\n');
    QCOMPARE(lines.size(), s.events.size());
    QCOMPARE(writer.stats().jsonlLines, qint64(s.events.size()));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(lines.at(i), &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
        QString err;
        const auto event = fromJson(doc.object(), &err);
        QVERIFY2(event, qPrintable(err));
        QCOMPARE(toJson(*event), toJson(s.events.at(i)));
    }
}

void tst_CaptureWriter::suffixIsDropped()
{
    CaptureWriter a(QStringLiteral("/tmp/x/cap.har"));
    QCOMPARE(a.harPath(), QStringLiteral("/tmp/x/cap.har"));
    QCOMPARE(a.jsonlPath(), QStringLiteral("/tmp/x/cap.jsonl"));
    CaptureWriter b(QStringLiteral("cap"));
    QCOMPARE(b.harPath(), QStringLiteral("cap.har"));
}

void tst_CaptureWriter::harWriteIsAtomic()
{
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")));
    const Stream s = sampleStream();
    writer.consume(s.events.mid(0, 8));
    QVERIFY(!QFileInfo::exists(writer.harPath())); // nothing until asked
    QVERIFY(writer.writeHar());
    QCOMPARE(chromeProblem(readJsonFile(writer.harPath())), QString());
    writer.consume(s.events.mid(8));
    QVERIFY(writer.writeHar()); // SIGUSR1 again: replaces the file whole
    const QJsonObject har = readJsonFile(writer.harPath());
    QCOMPARE(chromeProblem(har), QString());
    QCOMPARE(har, writer.harDocument());
    // No temporary file is left beside it.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("cap.har")});
}

void tst_CaptureWriter::harWriteFailureKeepsTheOldFile()
{
    if (::geteuid() == 0)
        QSKIP("root ignores directory permissions");
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")));
    const Stream s = sampleStream();
    writer.consume(s.events.mid(0, 8));
    QVERIFY(writer.writeHar());
    const QByteArray before = [&] {
        QFile f(writer.harPath());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner);
    writer.consume(s.events.mid(8));
    QString error;
    const bool written = writer.writeHar(&error);
    QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QVERIFY(!written);
    QVERIFY(error.contains(QLatin1String("cap.har")));
    QFile f(writer.harPath());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
}

void tst_CaptureWriter::messagesAreBounded()
{
    CaptureLimits limits;
    limits.maxMessagesPerConnection = 5;
    limits.maxMessagesTotal = 8;
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")), limits);
    Stream s;
    for (quint64 id : {1, 2}) {
        s.add(id, 0, RequestHeadEvent{request("GET", "/ws", true), false});
        s.add(id, 1, TunnelEvent{});
    }
    for (int i = 0; i < 20; ++i)
        s.add(1 + i % 2, 2 + i, message(Direction::ClientToUpstream, WsOpcode::Text, QByteArray::number(i)));
    writer.consume(s.events);

    const CaptureWriter::Stats st = writer.stats();
    QVERIFY(st.keptMessages <= 8);
    QCOMPARE(st.keptMessages + st.droppedMessages, qint64(20));
    const QJsonObject har = writer.harDocument();
    QCOMPARE(chromeProblem(har), QString());
    const QJsonObject log = har.value(QLatin1String("log")).toObject();
    QVERIFY(log.value(QLatin1String("comment")).toString().contains(
        QStringLiteral("Dropped %1 messages").arg(st.droppedMessages)));
    QCOMPARE(log.value(QLatin1String("_wsscopeDropped")).toObject().value(QLatin1String("messages")).toInteger(),
             st.droppedMessages);
    qint64 inEntries = 0;
    qint64 droppedInEntries = 0;
    for (const QJsonValue &e : log.value(QLatin1String("entries")).toArray()) {
        const QJsonArray m = e.toObject().value(QLatin1String("_webSocketMessages")).toArray();
        QVERIFY(m.size() <= 5);
        inEntries += m.size();
        droppedInEntries += e.toObject().value(QLatin1String("_wsscopeDroppedMessages")).toInteger();
        // The newest messages are the ones kept.
        QCOMPARE(m.last().toObject().value(QLatin1String("data")).toString(),
                 e.toObject().value(QLatin1String("connection")).toString() == QLatin1String("1") ? QStringLiteral("18")
                                                                                                 : QStringLiteral("19"));
    }
    QCOMPARE(inEntries, st.keptMessages);
    QCOMPARE(droppedInEntries, st.droppedMessages);

    // The byte cap bounds memory too.
    CaptureLimits byBytes;
    byBytes.maxMessageBytesTotal = 1000;
    byBytes.maxBytesPerMessage = 300;
    CaptureWriter small(dir.filePath(QStringLiteral("small")), byBytes);
    Stream big;
    big.add(1, 0, TunnelEvent{});
    for (int i = 0; i < 50; ++i)
        big.add(1, 1 + i, message(Direction::UpstreamToClient, WsOpcode::Binary, QByteArray(1000, 'x')));
    small.consume(big.events);
    QVERIFY(small.stats().keptMessageBytes <= 1000);
    QVERIFY(small.stats().droppedMessages > 0);
}

void tst_CaptureWriter::entriesAreBounded()
{
    CaptureLimits limits;
    limits.maxEntries = 10;
    CaptureWriter writer(QStringLiteral("unused"), limits);
    Stream s;
    for (quint64 id = 1; id <= 30; ++id) {
        s.add(id, double(id), RequestHeadEvent{request("GET", "/x", false), false});
        s.add(id, id + 0.5, HttpExchangeEvent{404, 0, 0, 0});
    }
    writer.consume(s.events);
    const QJsonObject log = writer.harDocument().value(QLatin1String("log")).toObject();
    const QJsonArray entries = log.value(QLatin1String("entries")).toArray();
    QVERIFY(entries.size() <= 10);
    QCOMPARE(writer.stats().droppedEntries, qint64(30 - entries.size()));
    // The newest survive.
    QCOMPARE(entries.last().toObject().value(QLatin1String("connection")).toString(), QStringLiteral("30"));
    QVERIFY(log.value(QLatin1String("comment")).toString().contains(QLatin1String("entries")));
}

void tst_CaptureWriter::keepAliveGivesOneEntryPerExchange()
{
    CaptureWriter writer(QStringLiteral("unused"));
    Stream s;
    HttpResponseHead ok;
    ok.status = 200;
    for (int i = 0; i < 3; ++i) {
        s.add(5, i * 10, RequestHeadEvent{request("GET", "/page" + QByteArray::number(i), false), false});
        s.add(5, i * 10 + 1, ResponseHeadEvent{ok, true});
        s.add(5, i * 10 + 2, HttpExchangeEvent{200, 0, 5, 2});
    }
    writer.consume(s.events);
    const QJsonArray entries =
        writer.harDocument().value(QLatin1String("log")).toObject().value(QLatin1String("entries")).toArray();
    QCOMPARE(entries.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const QJsonObject e = entries.at(i).toObject();
        QCOMPARE(e.value(QLatin1String("connection")).toString(), QStringLiteral("5"));
        QVERIFY(e.value(QLatin1String("request")).toObject().value(QLatin1String("url")).toString().endsWith(
            QStringLiteral("/page") + QString::number(i)));
    }
}

void tst_CaptureWriter::openConnectionIsWritten()
{
    CaptureWriter writer(QStringLiteral("unused"));
    Stream s = sampleStream();
    s.events.removeLast(); // no "closed" yet
    writer.consume(s.events);
    const QJsonObject har = writer.harDocument();
    QCOMPARE(chromeProblem(har), QString());
    const QJsonObject e = entryByMethod(har, QStringLiteral("GET"));
    QVERIFY(e.value(QLatin1String("comment")).toString().contains(QLatin1String("still open")));
    QCOMPARE(e.value(QLatin1String("timings")).toObject().value(QLatin1String("receive")).toDouble(), 92.5);

    // A request that never got a response: status 0 and the cause.
    CaptureWriter failed(QStringLiteral("unused"));
    Stream f;
    f.add(9, 0, RequestHeadEvent{request("GET", "/", false), false});
    ClosedEvent closed;
    closed.cause = CloseCause::HeaderTimeout;
    f.add(9, 60'000, closed);
    failed.consume(f.events);
    const QJsonObject fh = failed.harDocument();
    QCOMPARE(chromeProblem(fh), QString());
    const QJsonObject rs = entryByMethod(fh, QStringLiteral("GET")).value(QLatin1String("response")).toObject();
    QCOMPARE(rs.value(QLatin1String("status")).toInt(), 0);
    QCOMPARE(rs.value(QLatin1String("_error")).toString(), QStringLiteral("client header timeout"));
}

QTEST_GUILESS_MAIN(tst_CaptureWriter)
#include "tst_capturewriter.moc"
