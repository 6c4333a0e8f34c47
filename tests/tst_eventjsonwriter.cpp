// EventJson::appendEvent against Qt's own encoding of toJson(): the direct
// writer must write byte for byte what QJsonDocument writes (tst_attach
// compares `wsscope attach --json` lines, which Qt prints, with --capture's
// JSONL, which the direct writer writes). tst_eventjson compares one row of
// every kind; these are the values where an encoder goes wrong.
#include "inspect/eventjson.h"
#include "inspect/eventjsonwriter.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include <limits>

Q_DECLARE_METATYPE(InspectEvent)

namespace {

InspectEvent make(InspectPayload payload)
{
    InspectEvent e;
    e.connectionId = std::numeric_limits<quint64>::max() >> 1; // the largest toJson keeps (as qint64)
    e.monotonicNs = std::numeric_limits<qint64>::max();
    e.wallMs = std::numeric_limits<qint64>::min();
    e.worker = -1;
    e.payload = std::move(payload);
    return e;
}

QByteArray direct(const InspectEvent &e)
{
    QByteArray out;
    EventJson::appendEvent(out, e);
    return out;
}

QByteArray qt(const InspectEvent &e)
{
    return QJsonDocument(toJson(e)).toJson(QJsonDocument::Compact);
}

MessageEvent textMessage(const QByteArray &preview, WsOpcode opcode = WsOpcode::Text)
{
    MessageEvent m;
    m.message.preview = preview;
    m.message.opcode = opcode;
    m.message.totalLength = std::numeric_limits<quint64>::max() >> 1;
    m.message.frameCount = std::numeric_limits<qint64>::max();
    m.message.offset = -1;
    return m;
}

} // namespace

class tst_EventJsonWriter : public QObject
{
    Q_OBJECT

private slots:
    void sameAsQt_data();
    void sameAsQt();
    void randomBytesSameAsQt();
    void randomTextSameAsQt();
    void appendsToWhatIsThere();
};

void tst_EventJsonWriter::sameAsQt_data()
{
    QTest::addColumn<InspectEvent>("event");

    QByteArray everyAscii;
    for (int c = 0; c < 0x80; ++c)
        everyAscii += char(c);
    QTest::newRow("text preview: every ASCII byte (controls, quote, backslash, DEL)") << make(textMessage(everyAscii));
    QTest::newRow("text preview: non-ASCII UTF-8 (2, 3, 4 bytes, U+2028, U+FFFE)")
        << make(textMessage("\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xe2\x80\xa8 \xef\xbf\xbe \xf4\x8f\xbf\xbf"));
    QTest::newRow("text preview: empty") << make(textMessage(QByteArray()));
    QTest::newRow("text preview: NUL inside") << make(textMessage(QByteArray("a\0b", 3)));
    QTest::newRow("text preview: leading BOM (fromUtf8 drops it: base64)") << make(textMessage("\xef\xbb\xbfhi"));
    QTest::newRow("text preview: BOM inside is text") << make(textMessage("hi\xef\xbb\xbf"));
    QTest::newRow("text preview: overlong '/' (base64)") << make(textMessage("\xc0\xaf"));
    QTest::newRow("text preview: encoded surrogate (base64)") << make(textMessage("\xed\xa0\x80"));
    QTest::newRow("text preview: above U+10FFFF (base64)") << make(textMessage("\xf4\x90\x80\x80"));
    QTest::newRow("text preview: cut in a sequence (base64)") << make(textMessage("ab\xe4\xb8"));
    QTest::newRow("text preview: lone continuation byte (base64)") << make(textMessage("\x80"));
    for (int n = 0; n <= 4; ++n) // every base64 padding
        QTest::addRow("binary preview: %d bytes", n) << make(textMessage(QByteArray("\xff\x00\xfe\x01", n), WsOpcode::Binary));

    FindingEvent finding;
    finding.code = QString(QChar(0xD800)) + QLatin1String("lone high, then lone low") + QChar(0xDC00);
    finding.text = QString(QChar(0xDBFF)) + QChar(0xDFFF) + QStringLiteral("\t\u00e9\u4e2d\"\\/\u007f");
    finding.severity = FindingEvent::Severity::Error;
    QTest::newRow("finding: lone surrogates, a pair, escapes") << make(finding);

    ClosedEvent closed;
    closed.clientClose = WsCloseInfo{QStringLiteral("\u00fcber\n"), quint16(65535), false};
    closed.upstreamClose = WsCloseInfo{QString(), std::nullopt, true};
    closed.bytesFromClient = std::numeric_limits<qint64>::max();
    closed.bytesFromUpstream = std::numeric_limits<qint64>::min();
    closed.durationMs = -1;
    QTest::newRow("closed: both closes, extreme numbers") << make(closed);

    RequestHeadEvent request;
    request.head.method = QByteArray("G\xe9T", 3);
    request.head.target = "/\xe4\xb8\xad?q=\"x\"";
    request.head.headers.append(QByteArray("X-\x01", 3), QByteArray());
    request.head.headers.append(QByteArray("\xff"), QByteArray("\xef\xbb\xbf"));
    request.head.versionMinor = 1;
    QTest::newRow("request: bytes fields in both forms, empty value") << make(request);

    ResponseHeadEvent response;
    response.head.reason = QByteArray("\xc3", 1);
    response.head.status = 999;
    QTest::newRow("response: reason as base64, no headers") << make(response);

    ControlFrameEvent control;
    control.opcode = WsOpcode::Close;
    control.payload = QByteArray(125, '\xff');
    control.close = WsCloseInfo{QStringLiteral("\u0000\u001f"), quint16(0), true};
    control.roundTripUs = std::numeric_limits<qint64>::min();
    QTest::newRow("control: 125 bytes, close code 0, control chars in reason") << make(control);

    ConnectionOpenedEvent opened;
    opened.tls = true;
    opened.tlsError = QStringLiteral("\u4e2d");
    opened.clientPort = 65535;
    QTest::newRow("connection-opened: TLS fields, empty strings") << make(opened);

    RouteEvent route;
    route.skipped = {QString(), QStringLiteral("\"q\""), QString(QChar(0xDFFF))};
    route.attempt = std::numeric_limits<int>::min();
    QTest::newRow("route: skipped with empty and odd names") << make(route);
}

void tst_EventJsonWriter::sameAsQt()
{
    QFETCH(InspectEvent, event);
    QCOMPARE(direct(event), qt(event));
}

// Random bytes in every bytes field: whichever form (text or base64) Qt's
// path picks, the writer picks too, and writes it the same.
void tst_EventJsonWriter::randomBytesSameAsQt()
{
    QRandomGenerator random(12); // fixed: a failure can be replayed
    const QByteArray alphabet("\x00\x01\x1f \"\\/a\x7f\x80\xbf\xc2\xc3\xdf\xe0\xe4\xed\xef\xbb\xf0\xf4\xf5\xff", 25);
    for (int round = 0; round < 20'000; ++round) {
        QByteArray bytes;
        const int n = int(random.bounded(12));
        for (int i = 0; i < n; ++i)
            bytes += alphabet.at(int(random.bounded(alphabet.size())));
        RequestHeadEvent request;
        request.head.method = bytes;
        request.head.headers.append(bytes, bytes);
        const InspectEvent e = make(request);
        QCOMPARE(direct(e), qt(e));
        const InspectEvent m = make(textMessage(bytes));
        QCOMPARE(direct(m), qt(m));
    }
}

// Random UTF-16 (surrogates paired and not) in a string field.
void tst_EventJsonWriter::randomTextSameAsQt()
{
    QRandomGenerator random(13);
    const char16_t units[] = {0x0, 0x9, 0x1f, 0x22, 0x5c, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800,
                              0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfeff, 0xfffe, 0xffff, u'a'};
    for (int round = 0; round < 20'000; ++round) {
        QString text;
        const int n = int(random.bounded(10));
        for (int i = 0; i < n; ++i)
            text += QChar(units[random.bounded(int(std::size(units)))]);
        FindingEvent finding;
        finding.text = text;
        const InspectEvent e = make(finding);
        QCOMPARE(direct(e), qt(e));
    }
}

void tst_EventJsonWriter::appendsToWhatIsThere()
{
    const InspectEvent e = make(textMessage("x"));
    QByteArray out("[");
    EventJson::appendEvent(out, e);
    out += ',';
    EventJson::appendEvent(out, e);
    QCOMPARE(out, "[" + qt(e) + ',' + qt(e));
}

QTEST_APPLESS_MAIN(tst_EventJsonWriter)
#include "tst_eventjsonwriter.moc"
