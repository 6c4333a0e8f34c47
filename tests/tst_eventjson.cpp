#include "inspect/eventjson.h"
#include "inspect/eventjsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>

Q_DECLARE_METATYPE(InspectEvent)

namespace {

InspectEvent make(InspectPayload payload, quint64 id = 7)
{
    InspectEvent e;
    e.connectionId = id;
    e.monotonicNs = 123'456'789'012'345;
    e.wallMs = 1'700'000'000'123;
    e.worker = 1;
    e.payload = std::move(payload);
    return e;
}

HttpHeaders headers(std::initializer_list<std::pair<const char *, QByteArray>> fields)
{
    HttpHeaders h;
    for (const auto &[name, value] : fields)
        h.append(QByteArray(name), value);
    return h;
}

QJsonObject throughText(const QJsonObject &o)
{
    // The wire and the JSONL file carry text: round-trip through it too.
    return QJsonDocument::fromJson(QJsonDocument(o).toJson(QJsonDocument::Compact)).object();
}

} // namespace

class tst_EventJson : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void everyKindHasARow();
    void bytesAreExact();
    void fieldNames();
    void malformed_data();
    void malformed();
};

void tst_EventJson::roundTrip_data()
{
    QTest::addColumn<InspectEvent>("event");

    ConnectionOpenedEvent opened;
    opened.clientAddress = QHostAddress(QStringLiteral("192.0.2.10"));
    opened.clientPort = 54321;
    opened.listener = QStringLiteral("127.0.0.1:8080");
    opened.tls = true;
    opened.tlsProtocol = QStringLiteral("TLSv1.3");
    opened.tlsServerName = QStringLiteral("example.test");
    QTest::newRow("connection-opened: IPv4 with TLS") << make(opened);
    ConnectionOpenedEvent opened6;
    opened6.clientAddress = QHostAddress(QStringLiteral("2001:db8::1"));
    opened6.clientPort = 1;
    QTest::newRow("connection-opened: IPv6, no TLS") << make(opened6);
    QTest::newRow("connection-opened: null address") << make(ConnectionOpenedEvent{});

    RequestHeadEvent received;
    received.head.method = "GET";
    received.head.target = "/chat?room=1&x=%20";
    received.head.headers = headers({{"Host", "example.test"},
                                     {"Upgrade", "websocket"},
                                     {"Connection", "Upgrade"},
                                     {"X-Dup", "1"},
                                     {"x-dup", "2"},
                                     {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
    QTest::newRow("request-received: order and repeats kept") << make(received);
    RequestHeadEvent forwarded = received;
    forwarded.forwarded = true;
    forwarded.head.versionMinor = 0;
    forwarded.head.headers.append("X-Latin1", QByteArray("caf\xe9", 4)); // obs-text, not UTF-8
    forwarded.head.headers.append("X-Utf8", QByteArray("caf\xc3\xa9"));
    QTest::newRow("request-forwarded: HTTP/1.0, non-UTF-8 value") << make(forwarded);

    RouteEvent route;
    route.serverName = QStringLiteral("example.test");
    route.location = QStringLiteral("/ws/");
    route.upstreamGroup = QStringLiteral("websocket");
    route.upstreamServer = QStringLiteral("127.0.0.1:8010");
    route.algorithm = QStringLiteral("ip_hash");
    route.key = QStringLiteral("192.0.2");
    route.skipped = {QStringLiteral("127.0.0.1:8011 (down)"), QStringLiteral("127.0.0.1:8012 (max_fails)")};
    route.attempt = 2;
    QTest::newRow("route: skipped servers, second attempt") << make(route);

    ResponseHeadEvent response;
    response.head.status = 101;
    response.head.reason = "Switching Protocols";
    response.head.headers = headers({{"Upgrade", "websocket"}, {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}});
    QTest::newRow("response: 101") << make(response);
    ResponseHeadEvent proxyAnswer;
    proxyAnswer.head.status = 502;
    proxyAnswer.head.reason = QByteArray("Bad\xffGateway", 11);
    proxyAnswer.fromUpstream = false;
    QTest::newRow("response: 502 from the proxy, odd reason bytes") << make(proxyAnswer);

    TunnelEvent tunnel;
    tunnel.subprotocol = QStringLiteral("chat.v2");
    tunnel.extensions = QStringLiteral("permessage-deflate; client_max_window_bits=15");
    tunnel.perMessageDeflate = true;
    QTest::newRow("tunnel-established: deflate") << make(tunnel);

    FrameEvent frame;
    frame.direction = Direction::ClientToUpstream;
    frame.frame.offset = 1'234'567'890'123;
    frame.frame.payloadLength = 70'000;
    frame.frame.maskKey = 0xDEADBEEF;
    frame.frame.headerLength = 14;
    frame.frame.opcode = WsOpcode::Binary;
    frame.frame.fin = true;
    frame.frame.rsv1 = true;
    frame.frame.masked = true;
    QTest::newRow("frame: 64-bit length, masked, rsv1") << make(frame);
    FrameEvent reserved;
    reserved.direction = Direction::UpstreamToClient;
    reserved.frame.opcode = WsOpcode(0xB);
    reserved.frame.rsv2 = true;
    reserved.frame.rsv3 = true;
    reserved.injected = true;
    QTest::newRow("frame: reserved opcode 0xB kept") << make(reserved);

    MessageEvent text;
    text.direction = Direction::UpstreamToClient;
    text.message.preview = "{\"hello\":\"w\xc3\xb6rld\"}";
    text.message.offset = 42;
    text.message.totalLength = 21;
    text.message.frameCount = 3;
    text.message.opcode = WsOpcode::Text;
    text.message.utf8 = WsUtf8Validity::Valid;
    QTest::newRow("message: fragmented UTF-8 text") << make(text);
    MessageEvent binary;
    binary.message.preview = QByteArray("\x00\x01\xfe\xff\x80", 5);
    binary.message.totalLength = 1'000'000;
    binary.message.frameCount = 1;
    binary.message.opcode = WsOpcode::Binary;
    binary.message.truncated = true;
    binary.injected = true;
    QTest::newRow("message: truncated binary preview") << make(binary);
    MessageEvent badText;
    badText.message.preview = QByteArray("ab\xc3", 3);
    badText.message.opcode = WsOpcode::Text;
    badText.message.utf8 = WsUtf8Validity::Invalid;
    QTest::newRow("message: invalid UTF-8 text kept as bytes") << make(badText);
    MessageEvent compressed;
    compressed.message.preview = "inflated text";
    compressed.message.opcode = WsOpcode::Text;
    compressed.message.utf8 = WsUtf8Validity::NotValidated;
    compressed.message.compressed = true;
    compressed.inflated = true;
    QTest::newRow("message: compressed, inflated preview") << make(compressed);
    QTest::newRow("message: empty") << make(MessageEvent{});

    ControlFrameEvent ping;
    ping.direction = Direction::UpstreamToClient;
    ping.opcode = WsOpcode::Ping;
    ping.payload = QByteArray("\x00\x00\x00\x2a", 4);
    ping.injected = true;
    QTest::newRow("control: proxy keepalive ping") << make(ping);
    ControlFrameEvent pong;
    pong.opcode = WsOpcode::Pong;
    pong.payload = QByteArray("\x00\x00\x00\x2a", 4);
    pong.swallowed = true;
    pong.roundTripUs = 1532;
    QTest::newRow("control: swallowed pong with RTT") << make(pong);
    ControlFrameEvent close;
    close.opcode = WsOpcode::Close;
    close.payload = QByteArray("\x03\xe8" "bye", 5);
    close.close = WsCloseInfo{QStringLiteral("bye"), quint16(1000), true};
    QTest::newRow("control: close 1000 with reason") << make(close);
    ControlFrameEvent emptyClose;
    emptyClose.opcode = WsOpcode::Close;
    emptyClose.close = WsCloseInfo{QString(), std::nullopt, true};
    QTest::newRow("control: close without code") << make(emptyClose);

    ViolationEvent violation;
    violation.direction = Direction::ClientToUpstream;
    violation.violation.kind = WsViolationKind::UnmaskedClientFrame;
    violation.violation.text = QStringLiteral("client frame is not masked");
    violation.violation.offset = 99;
    violation.violation.fatal = false;
    QTest::newRow("violation: unmasked client frame") << make(violation);
    ViolationEvent fatal;
    fatal.violation.kind = WsViolationKind::FrameAfterClose;
    fatal.violation.fatal = true;
    QTest::newRow("violation: last kind, fatal") << make(fatal);

    FindingEvent finding;
    finding.severity = FindingEvent::Severity::Error;
    finding.code = QStringLiteral("accept-mismatch");
    finding.text = QStringLiteral("Sec-WebSocket-Accept does not match the key");
    QTest::newRow("finding: error") << make(finding);
    FindingEvent warning;
    warning.severity = FindingEvent::Severity::Warning;
    warning.code = QStringLiteral("subprotocol-not-echoed");
    QTest::newRow("finding: warning") << make(warning);

    ClosedEvent closed;
    closed.cause = CloseCause::ReadTimeout;
    closed.detail = QStringLiteral("no data for 60s");
    closed.clientClose = WsCloseInfo{QStringLiteral("going away"), quint16(1001), true};
    closed.upstreamClose = WsCloseInfo{QString(), quint16(1011), false};
    closed.bytesFromClient = 5'000'000'000;
    closed.bytesFromUpstream = 12;
    closed.durationMs = 60'001;
    QTest::newRow("closed: read timeout, both close frames") << make(closed);
    ClosedEvent drained;
    drained.cause = CloseCause::Completed;
    QTest::newRow("closed: last cause, no close frames") << make(drained);

    HttpExchangeEvent exchange;
    exchange.status = 200;
    exchange.requestBodyBytes = 17;
    exchange.responseBodyBytes = 1'048'576;
    exchange.durationMs = 12;
    QTest::newRow("http-exchange") << make(exchange, 0);

    InspectEvent extremes = make(HttpExchangeEvent{});
    extremes.connectionId = (quint64(1) << 62) + 1; // above 2^53: exact in Qt's JSON
    extremes.monotonicNs = std::numeric_limits<qint64>::max();
    extremes.wallMs = -1;
    extremes.worker = -1;
    QTest::newRow("common fields: 64-bit extremes") << extremes;
}

void tst_EventJson::roundTrip()
{
    QFETCH(InspectEvent, event);
    const QJsonObject json = toJson(event);
    QCOMPARE(json.value(QLatin1String("kind")).toString(), QString(inspectEventKindName(event.payload)));

    QString error;
    const auto back = fromJson(throughText(json), &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->payload.index(), event.payload.index());
    QCOMPARE(back->connectionId, event.connectionId);
    QCOMPARE(back->monotonicNs, event.monotonicNs);
    QCOMPARE(back->wallMs, event.wallMs);
    QCOMPARE(back->worker, event.worker);
    // toJson writes every field, so equal JSON means equal events.
    QCOMPARE(toJson(*back), json);
    // The direct writer (--capture, the inspection channel) writes the same text as Qt.
    QByteArray direct;
    EventJson::appendEvent(direct, event);
    QCOMPARE(direct, QJsonDocument(json).toJson(QJsonDocument::Compact));
}

void tst_EventJson::everyKindHasARow()
{
    QSet<QString> kinds;
    const QStringList expected = {
        QStringLiteral("connection-opened"), QStringLiteral("request-received"), QStringLiteral("request-forwarded"),
        QStringLiteral("route"), QStringLiteral("response"), QStringLiteral("tunnel-established"),
        QStringLiteral("frame"), QStringLiteral("message"), QStringLiteral("control"), QStringLiteral("violation"),
        QStringLiteral("finding"), QStringLiteral("closed"), QStringLiteral("http-exchange"),
    };
    // Every alternative of the variant must have a name that is in the list.
    InspectPayload p;
    const auto check = [&](auto alternative) {
        p = alternative;
        kinds.insert(QString(inspectEventKindName(p)));
    };
    check(ConnectionOpenedEvent{});
    check(RequestHeadEvent{});
    check(RequestHeadEvent{{}, true});
    check(RouteEvent{});
    check(ResponseHeadEvent{});
    check(TunnelEvent{});
    check(FrameEvent{});
    check(MessageEvent{});
    check(ControlFrameEvent{});
    check(ViolationEvent{});
    check(FindingEvent{});
    check(ClosedEvent{});
    check(HttpExchangeEvent{});
    QCOMPARE(std::variant_size_v<InspectPayload>, size_t(12)); // a new kind needs rows above
    QCOMPARE(kinds, QSet<QString>(expected.cbegin(), expected.cend()));
    for (const QString &kind : expected) {
        // The default event of each kind round-trips too.
        QJsonObject o{{QStringLiteral("kind"), kind}};
        QString error;
        const auto e = fromJson(o, &error);
        QVERIFY2(e, qPrintable(kind + QLatin1String(": ") + error));
        QCOMPARE(QString(inspectEventKindName(e->payload)), kind);
    }
}

void tst_EventJson::bytesAreExact()
{
    RequestHeadEvent r;
    r.head.method = "GET";
    r.head.target = QByteArray("/\xff\x00x", 4);
    r.head.headers.append(QByteArray("N\xe4me", 4), QByteArray("v\x00\x01", 3));
    const QJsonObject json = toJson(make(r));
    const QJsonObject head = json.value(QLatin1String("head")).toObject();
    QVERIFY(head.contains(QLatin1String("targetBase64")));
    QVERIFY(!head.contains(QLatin1String("target")));
    const QJsonObject field = head.value(QLatin1String("headers")).toArray().at(0).toObject();
    QVERIFY(field.contains(QLatin1String("nameBase64")));
    QCOMPARE(field.value(QLatin1String("value")).toString(), QString::fromUtf8("v\x00\x01", 3)); // NUL is valid UTF-8

    const auto back = fromJson(throughText(json));
    QVERIFY(back);
    const auto *b = back->as<RequestHeadEvent>();
    QVERIFY(b);
    QCOMPARE(b->head.target, r.head.target);
    QCOMPARE(b->head.headers.fields().at(0).name, r.head.headers.fields().at(0).name);
    QCOMPARE(b->head.headers.fields().at(0).value, r.head.headers.fields().at(0).value);

    MessageEvent m;
    m.message.opcode = WsOpcode::Binary;
    m.message.preview = "looks like text";
    const QJsonObject mj = toJson(make(m)).value(QLatin1String("message")).toObject();
    QVERIFY2(mj.contains(QLatin1String("previewBase64")), "binary previews are always base64");
}

void tst_EventJson::fieldNames()
{
    // The names below are a contract (JSONL files, remote attach).
    ControlFrameEvent c;
    c.opcode = WsOpcode::Close;
    c.close = WsCloseInfo{QStringLiteral("bye"), quint16(1000), true};
    const QJsonObject o = toJson(make(c));
    for (const char *key : {"v", "kind", "connectionId", "monotonicNs", "wallMs", "worker", "direction", "opcode",
                            "payloadBase64", "close", "injected", "swallowed", "roundTripUs"})
        QVERIFY2(o.contains(QLatin1String(key)), key);
    QCOMPARE(o.value(QLatin1String("v")).toInt(), 1);
    QCOMPARE(o.value(QLatin1String("direction")).toString(), QStringLiteral("client-to-upstream"));
    QCOMPARE(o.value(QLatin1String("opcode")).toInt(), 8);
    QCOMPARE(o.value(QLatin1String("close")).toObject().value(QLatin1String("code")).toInt(), 1000);

    ClosedEvent closed;
    closed.cause = CloseCause::UpstreamClosed;
    QCOMPARE(toJson(make(closed)).value(QLatin1String("cause")).toString(), QStringLiteral("upstream closed"));
    QVERIFY(!toJson(make(closed)).contains(QLatin1String("clientClose"))); // optional: omitted
}

void tst_EventJson::malformed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected"); // part of the error message

    QTest::newRow("no kind") << QByteArray(R"({"connectionId":1})") << QStringLiteral("kind");
    QTest::newRow("kind not a string") << QByteArray(R"({"kind":3})") << QStringLiteral("kind");
    QTest::newRow("unknown kind") << QByteArray(R"({"kind":"teleport"})") << QStringLiteral("teleport");
    QTest::newRow("future version") << QByteArray(R"({"v":2,"kind":"route"})") << QStringLiteral("version");
    QTest::newRow("connectionId is a string")
        << QByteArray(R"({"kind":"route","connectionId":"7"})") << QStringLiteral("connectionId");
    QTest::newRow("fractional integer") << QByteArray(R"({"kind":"route","wallMs":1.5})") << QStringLiteral("wallMs");
    QTest::newRow("negative connection id")
        << QByteArray(R"({"kind":"route","connectionId":-1})") << QStringLiteral("connectionId");
    QTest::newRow("bad direction")
        << QByteArray(R"({"kind":"frame","direction":"sideways"})") << QStringLiteral("sideways");
    QTest::newRow("opcode out of range")
        << QByteArray(R"({"kind":"frame","frame":{"opcode":16}})") << QStringLiteral("frame.opcode");
    QTest::newRow("bad base64")
        << QByteArray(R"({"kind":"control","payloadBase64":"***"})") << QStringLiteral("payloadBase64");
    QTest::newRow("headers not an array")
        << QByteArray(R"({"kind":"request-received","head":{"headers":{}}})") << QStringLiteral("head.headers");
    QTest::newRow("header item not an object")
        << QByteArray(R"({"kind":"request-received","head":{"headers":["Host: x"]}})")
        << QStringLiteral("head.headers[0]");
    QTest::newRow("bad http version")
        << QByteArray(R"({"kind":"response","head":{"httpVersion":"HTTP/2"}})") << QStringLiteral("httpVersion");
    QTest::newRow("unknown close cause")
        << QByteArray(R"({"kind":"closed","cause":"gremlins"})") << QStringLiteral("gremlins");
    QTest::newRow("unknown violation")
        << QByteArray(R"({"kind":"violation","violation":{"kind":"Nope"}})") << QStringLiteral("Nope");
    QTest::newRow("unknown severity")
        << QByteArray(R"({"kind":"finding","severity":"fatal"})") << QStringLiteral("fatal");
    QTest::newRow("close code too big")
        << QByteArray(R"({"kind":"control","close":{"code":70000}})") << QStringLiteral("close.code");
    QTest::newRow("bool as string")
        << QByteArray(R"({"kind":"tunnel-established","perMessageDeflate":"yes"})")
        << QStringLiteral("perMessageDeflate");
    QTest::newRow("bad client address")
        << QByteArray(R"({"kind":"connection-opened","clientAddress":"not-an-ip"})")
        << QStringLiteral("clientAddress");
    QTest::newRow("message preview not a string")
        << QByteArray(R"({"kind":"message","message":{"preview":[1]}})") << QStringLiteral("message.preview");
}

void tst_EventJson::malformed()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    QVERIFY(doc.isObject());
    QString error;
    const auto e = fromJson(doc.object(), &error);
    QVERIFY(!e);
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY(!fromJson(doc.object(), nullptr)); // no error pointer: still no crash
}

QTEST_GUILESS_MAIN(tst_EventJson)
#include "tst_eventjson.moc"
