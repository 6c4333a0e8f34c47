#include "inspect/capturewriter.h"
#include "inspect/harreader.h"

#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

namespace {

QString testData(const QString &relative)
{
    const QByteArray dir = qgetenv("WSSCOPE_TESTDATA");
    return QString::fromLocal8Bit(dir) + QLatin1Char('/') + relative;
}

InspectEvent makeEvent(quint64 id, qint64 ms, InspectPayload payload)
{
    InspectEvent e;
    e.connectionId = id;
    e.monotonicNs = 9'000'000'000 + ms * 1'000'000;
    e.wallMs = 1'700'000'000'000 + ms;
    e.payload = std::move(payload);
    return e;
}

MessageEvent message(Direction d, WsOpcode op, const QByteArray &data)
{
    MessageEvent m;
    m.direction = d;
    m.message.opcode = op;
    m.message.preview = data;
    return m;
}

template <typename T> QList<const T *> ofKind(const QList<InspectEvent> &events)
{
    QList<const T *> out;
    for (const InspectEvent &e : events) {
        if (const T *p = e.as<T>())
            out.append(p);
    }
    return out;
}

} // namespace

class tst_HarReader : public QObject
{
    Q_OBJECT

private slots:
    void readsOurOwnHar();
    void readsChromeHar();
    void chromeHarToEvents();
    void malformed_data();
    void malformed();
    void missingFile();
    void garbageNeverCrashes();
};

void tst_HarReader::readsOurOwnHar()
{
    QTemporaryDir dir;
    CaptureWriter writer(dir.filePath(QStringLiteral("cap")));
    HttpRequestHead rq;
    rq.method = "GET";
    rq.target = "/ws?a=1";
    rq.headers.append("Host", "example.test");
    rq.headers.append("Upgrade", "websocket");
    rq.headers.append("Connection", "Upgrade");
    HttpRequestHead fwd = rq;
    fwd.headers.append("X-Real-IP", "127.0.0.1");
    HttpResponseHead rs;
    rs.status = 101;
    rs.reason = "Switching Protocols";
    rs.headers.append("Upgrade", "websocket");
    ControlFrameEvent close;
    close.opcode = WsOpcode::Close;
    close.payload = QByteArray("\x03\xe9" "away", 6);
    const QByteArray binary("\x00\x01\x02\xff", 4);
    writer.consume({
        makeEvent(3, 0, RequestHeadEvent{rq, false}),
        makeEvent(3, 2, RequestHeadEvent{fwd, true}),
        makeEvent(3, 5, ResponseHeadEvent{rs, true}),
        makeEvent(3, 5, TunnelEvent{}),
        makeEvent(3, 6, message(Direction::ClientToUpstream, WsOpcode::Text, "hi \xe2\x9c\x93")),
        makeEvent(3, 7, message(Direction::UpstreamToClient, WsOpcode::Binary, binary)),
        makeEvent(3, 8, close),
        makeEvent(3, 9, ClosedEvent{}),
    });
    QVERIFY(writer.writeHar());

    QString error;
    const auto log = HarReader::readFile(writer.harPath(), &error);
    QVERIFY2(log, qPrintable(error));
    QCOMPARE(log->creatorName, QStringLiteral("wsscope"));
    QCOMPARE(log->entries.size(), 1);
    const HarEntry &e = log->entries.first();
    QVERIFY(e.webSocket);
    QCOMPARE(e.connection, QStringLiteral("3"));
    QCOMPARE(e.url, QStringLiteral("ws://example.test/ws?a=1"));
    QCOMPARE(e.request.method, QByteArray("GET"));
    QCOMPARE(e.request.target, QByteArray("/ws?a=1"));
    QCOMPARE(e.request.headers, rq.headers);
    QVERIFY(e.forwarded);
    QCOMPARE(e.forwarded->headers, fwd.headers);
    QCOMPARE(e.response.status, 101);
    QCOMPARE(e.response.headers, rs.headers);
    QCOMPARE(e.startedDateTime.toMSecsSinceEpoch(), 1'700'000'000'000);
    QCOMPARE(e.timeMs, 9.0);
    QCOMPARE(e.messages.size(), 3);
    QCOMPARE(e.messages.at(0).data, QByteArray("hi \xe2\x9c\x93"));
    QCOMPARE(e.messages.at(0).direction, Direction::ClientToUpstream);
    QCOMPARE(e.messages.at(1).data, binary); // base64 decoded back to the bytes
    QCOMPARE(e.messages.at(1).direction, Direction::UpstreamToClient);
    QCOMPARE(e.messages.at(2).opcode, 8);

    const QList<InspectEvent> events = HarReader::toEvents(*log);
    QCOMPARE(ofKind<RequestHeadEvent>(events).size(), 2);
    QCOMPARE(ofKind<MessageEvent>(events).size(), 2);
    QCOMPARE(ofKind<MessageEvent>(events).at(1)->message.preview, binary);
    const auto controls = ofKind<ControlFrameEvent>(events);
    QCOMPARE(controls.size(), 1);
    QVERIFY(controls.first()->close);
    QCOMPARE(controls.first()->close->code, std::optional<quint16>(1001));
    QCOMPARE(controls.first()->close->reason, QStringLiteral("away"));
    QCOMPARE(ofKind<ClosedEvent>(events).size(), 1);
    for (qsizetype i = 1; i < events.size(); ++i)
        QVERIFY(events.at(i - 1).monotonicNs <= events.at(i).monotonicNs);
    QCOMPARE(events.first().connectionId, quint64(3));
}

void tst_HarReader::readsChromeHar()
{
    QString error;
    const auto log = HarReader::readFile(testData(QStringLiteral("har/chrome-websocket.har")), &error);
    QVERIFY2(log, qPrintable(error));
    QCOMPARE(log->creatorName, QStringLiteral("WebInspector"));
    QCOMPARE(log->entries.size(), 2);

    const HarEntry &page = log->entries.at(0);
    QVERIFY(!page.webSocket);
    QCOMPARE(page.response.status, 200);
    QCOMPARE(page.mimeType, QStringLiteral("text/html"));
    QCOMPARE(page.responseBodySize, 512);
    QCOMPARE(page.request.headers.value("host"), QByteArray("localhost:8080"));

    const HarEntry &ws = log->entries.at(1);
    QVERIFY(ws.webSocket);
    QCOMPARE(ws.url, QStringLiteral("ws://localhost:8080/chat?room=lobby"));
    QCOMPARE(ws.request.target, QByteArray("/chat?room=lobby"));
    QCOMPARE(ws.response.status, 101);
    QCOMPARE(ws.response.reason, QByteArray("Switching Protocols"));
    QCOMPARE(ws.connection, QStringLiteral("48230"));
    // Chrome's "error" pseudo-message is skipped, as Chrome's importer does.
    QCOMPARE(ws.messages.size(), 4);
    QCOMPARE(log->skippedMessages, 1);
    QCOMPARE(ws.messages.at(0).data, QByteArray("{\"op\":\"join\",\"room\":\"lobby\"}"));
    QCOMPARE(ws.messages.at(1).direction, Direction::UpstreamToClient);
    QCOMPARE(ws.messages.at(2).opcode, 2);
    QCOMPARE(ws.messages.at(2).data, QByteArray("\x00\x01\x02\x03\xff", 5));
    QCOMPARE(ws.messages.at(3).data, QByteArray("h\xc3\xa9llo \xf0\x9f\x91\x8b"));
    QCOMPARE(ws.messages.at(3).timeSec, 1709630105.25);
}

void tst_HarReader::chromeHarToEvents()
{
    const auto log = HarReader::readFile(testData(QStringLiteral("har/chrome-websocket.har")));
    QVERIFY(log);
    const QList<InspectEvent> events = HarReader::toEvents(*log);
    QCOMPARE(ofKind<ConnectionOpenedEvent>(events).size(), 2);
    QCOMPARE(ofKind<HttpExchangeEvent>(events).size(), 1);
    QCOMPARE(ofKind<HttpExchangeEvent>(events).first()->status, 200);
    QCOMPARE(ofKind<TunnelEvent>(events).size(), 1);
    QCOMPARE(ofKind<MessageEvent>(events).size(), 4);
    QCOMPARE(ofKind<ClosedEvent>(events).size(), 1);
    QSet<quint64> ids;
    for (const InspectEvent &e : events)
        ids.insert(e.connectionId);
    QCOMPARE(ids, (QSet<quint64>{48211, 48230}));
    for (qsizetype i = 1; i < events.size(); ++i)
        QVERIFY(events.at(i - 1).monotonicNs <= events.at(i).monotonicNs);
    // The last message is the last event but the close.
    QCOMPARE(events.at(events.size() - 2).as<MessageEvent>()->message.preview,
             QByteArray("h\xc3\xa9llo \xf0\x9f\x91\x8b"));
}

void tst_HarReader::malformed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");

    const auto entry = [](const char *patch) -> QByteArray {
        // A valid entry with `patch` replacing its request/response members.
        return QByteArray(R"({"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[{)") + patch
            + QByteArray("}]}}");
    };
    const char *good = R"("startedDateTime":"2024-01-01T00:00:00.000Z","time":1,)"
                       R"("request":{"method":"GET","url":"http://x/","headers":[]},)"
                       R"("response":{"status":200,"content":{"size":0,"mimeType":"x"}},"timings":{})";
    QTest::newRow("control: a valid file") << entry(good) << QString();

    QTest::newRow("empty file") << QByteArray() << QStringLiteral("not JSON");
    QTest::newRow("truncated") << QByteArray(R"({"log":{"entries":[)") << QStringLiteral("not JSON");
    QTest::newRow("top level array") << QByteArray("[]") << QStringLiteral("top level");
    QTest::newRow("no log") << QByteArray(R"({"entries":[]})") << QStringLiteral("no \"log\"");
    QTest::newRow("log not an object") << QByteArray(R"({"log":[]})") << QStringLiteral("no \"log\"");
    QTest::newRow("entries missing") << QByteArray(R"({"log":{}})") << QStringLiteral("log.entries");
    QTest::newRow("entries an object") << QByteArray(R"({"log":{"entries":{}}})") << QStringLiteral("log.entries");
    QTest::newRow("entry not an object") << QByteArray(R"({"log":{"entries":[1]}})")
                                         << QStringLiteral("log.entries[0]");
    QTest::newRow("no startedDateTime")
        << entry(R"("time":1,"request":{"method":"GET","url":"x"},"response":{"status":200})")
        << QStringLiteral("log.entries[0].startedDateTime: missing");
    QTest::newRow("bad date")
        << entry(R"("startedDateTime":"yesterday","time":1,"request":{"method":"GET","url":"x"},"response":{"status":200})")
        << QStringLiteral("not an ISO 8601 date");
    QTest::newRow("time not a number")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":"soon","request":{"method":"GET","url":"x"},"response":{"status":200})")
        << QStringLiteral("log.entries[0].time");
    QTest::newRow("no request")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":1,"response":{"status":200})")
        << QStringLiteral("log.entries[0].request: missing");
    QTest::newRow("request without url")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET"},"response":{"status":200})")
        << QStringLiteral("request.url: missing");
    QTest::newRow("headers not an array")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"x","headers":"Host: x"},"response":{"status":200})")
        << QStringLiteral("request.headers: expected an array");
    QTest::newRow("header without value")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"x","headers":[{"name":"Host"}]},"response":{"status":200})")
        << QStringLiteral("request.headers[0].value: missing");
    QTest::newRow("response not an object")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"x"},"response":"200 OK")")
        << QStringLiteral("response: expected an object");
    QTest::newRow("status not a number")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"x"},"response":{"status":"OK"})")
        << QStringLiteral("response.status");
    QTest::newRow("status out of range")
        << entry(R"("startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"x"},"response":{"status":1e9})")
        << QStringLiteral("not an HTTP status");
    QTest::newRow("second entry broken")
        << QByteArray(R"({"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"x"},"response":{"status":200}},{"time":1}]}})")
        << QStringLiteral("log.entries[1]");
    QTest::newRow("deep nesting") << QByteArray(100000, '[') << QStringLiteral("not JSON");
}

void tst_HarReader::malformed()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QString error;
    const auto log = HarReader::parse(json, &error);
    if (expected.isEmpty()) {
        QVERIFY2(log, qPrintable(error));
        return;
    }
    QVERIFY(!log);
    QVERIFY2(error.contains(expected), qPrintable(error));
}

void tst_HarReader::missingFile()
{
    QString error;
    QVERIFY(!HarReader::readFile(QStringLiteral("/nonexistent/x.har"), &error));
    QVERIFY(error.startsWith(QLatin1String("/nonexistent/x.har: ")));

    QTemporaryDir dir;
    QFile big(dir.filePath(QStringLiteral("big.har")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    big.write(QByteArray(2048, ' '));
    big.close();
    QVERIFY(!HarReader::readFile(big.fileName(), &error, 1024));
    QVERIFY(error.contains(QLatin1String("too large")));
}

void tst_HarReader::garbageNeverCrashes()
{
    // Every prefix of a real file, and messages of every wrong shape: the
    // reader answers (log or error) and never crashes.
    QFile f(testData(QStringLiteral("har/chrome-websocket.har")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray good = f.readAll();
    for (qsizetype n = 0; n < good.size(); n += 97) {
        QString error;
        const auto log = HarReader::parse(good.left(n), &error);
        QVERIFY(log || !error.isEmpty());
    }
    const QByteArray odd = R"({"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","time":1,
        "request":{"method":"GET","url":"ws://x/"},"response":{"status":101},"_resourceType":"websocket",
        "_webSocketMessages":[1,null,"x",{"type":"send"},{"type":"send","time":"1","opcode":1,"data":"a"},
        {"type":"receive","time":1,"opcode":2,"data":"not base64!"},{"type":"send","time":1,"opcode":99,"data":5}]}]}})";
    QString error;
    const auto log = HarReader::parse(odd, &error);
    QVERIFY2(log, qPrintable(error));
    QCOMPARE(log->entries.first().messages.size(), 2);
    QCOMPARE(log->skippedMessages, 5);
    QCOMPARE(log->entries.first().messages.at(0).data, QByteArray("not base64!")); // kept as it was
    QCOMPARE(log->entries.first().messages.at(1).opcode, 15);
    QVERIFY(!HarReader::toEvents(*log).isEmpty());
}

QTEST_GUILESS_MAIN(tst_HarReader)
#include "tst_harreader.moc"
