#include "websocket/frameparser.h"
#include "websocket/framewriter.h"
#include "websocket/utf8validator.h"
#include "websocket/wsmask.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QStringDecoder>
#include <QTest>

#include <algorithm>
#include <initializer_list>
#include <iterator>

using namespace Qt::StringLiterals;

using Role = WsFrameParser::Role;

namespace {

// One observed event. `text` says everything but the payload, which is kept
// as bytes so that 64 KiB previews compare cheaply; `brief` is the short form
// the table rows spell out (empty for frame header/end events).
struct Event
{
    QString text;
    QString brief;
    QByteArray data;

    friend bool operator==(const Event &a, const Event &b)
    {
        return a.text == b.text && a.data == b.data;
    }
};

// Printable, with anything not plain ASCII as \xNN.
QString escaped(QByteArrayView bytes)
{
    if (bytes.size() > 40)
        return QLatin1Char('#') + QString::number(bytes.size());
    QString out = QStringLiteral("\"");
    for (const char c : bytes) {
        const auto u = uchar(c);
        if (u == '"' || u == '\\')
            out += QLatin1Char('\\') + QLatin1Char(c);
        else if (u >= 0x20 && u < 0x7F)
            out += QLatin1Char(c);
        else
            out += QLatin1String("\\x") + QString::number(u, 16).toUpper().rightJustified(2, QLatin1Char('0'));
    }
    return out + QLatin1Char('"');
}

QString frameText(const WsFrameInfo &f)
{
    return QStringLiteral("off=%1 op=%2 fin=%3 rsv=%4%5%6 masked=%7 key=%8 len=%9 hl=%10")
        .arg(f.offset)
        .arg(wsOpcodeName(f.opcode))
        .arg(int(f.fin))
        .arg(int(f.rsv1))
        .arg(int(f.rsv2))
        .arg(int(f.rsv3))
        .arg(int(f.masked))
        .arg(f.maskKey, 8, 16, QLatin1Char('0'))
        .arg(f.payloadLength)
        .arg(f.headerLength);
}

QLatin1String utf8Name(WsUtf8Validity v)
{
    switch (v) {
    case WsUtf8Validity::NotText: return QLatin1String("none");
    case WsUtf8Validity::Valid: return QLatin1String("valid");
    case WsUtf8Validity::Invalid: return QLatin1String("invalid");
    case WsUtf8Validity::NotValidated: return QLatin1String("skipped");
    }
    return QLatin1String("?");
}

Event headerEvent(const WsFrameInfo &f) { return {QLatin1String("H ") + frameText(f), {}, {}}; }
Event endEvent(const WsFrameInfo &f) { return {QLatin1String("F ") + frameText(f), {}, {}}; }

Event messageEvent(const WsMessage &m)
{
    Event e;
    e.text = QStringLiteral("M %1 off=%2 len=%3 frames=%4 utf8=%5 trunc=%6 comp=%7")
                 .arg(wsOpcodeName(m.opcode))
                 .arg(m.offset)
                 .arg(m.totalLength)
                 .arg(m.frameCount)
                 .arg(utf8Name(m.utf8))
                 .arg(int(m.truncated))
                 .arg(int(m.compressed));
    e.brief = QStringLiteral("%1 %2 %3").arg(wsOpcodeName(m.opcode)).arg(m.totalLength).arg(escaped(m.preview));
    if (m.frameCount != 1)
        e.brief += QStringLiteral(" frames=%1").arg(m.frameCount);
    if (m.truncated)
        e.brief += QLatin1String(" truncated");
    if (m.compressed)
        e.brief += QLatin1String(" compressed");
    if (m.utf8 == WsUtf8Validity::Invalid || m.utf8 == WsUtf8Validity::NotValidated)
        e.brief += QLatin1String(" utf8=") + utf8Name(m.utf8);
    e.data = m.preview;
    return e;
}

Event controlEvent(const WsFrameInfo &f, QByteArrayView payload, const WsCloseInfo &close)
{
    Event e;
    e.text = QLatin1String("C ") + frameText(f);
    if (f.opcode == WsOpcode::Close) {
        const QString code = close.code ? QString::number(*close.code) : QStringLiteral("none");
        e.text += QStringLiteral(" code=%1 reason=%2 valid=%3").arg(code, close.reason).arg(int(close.valid));
        e.brief = QLatin1String("close ") + code;
        if (close.code)
            e.brief += QLatin1Char(' ') + escaped(payload.sliced(2));
        if (!close.valid)
            e.brief += QLatin1String(" invalid");
    } else {
        e.brief = QString(wsOpcodeName(f.opcode)) + QLatin1Char(' ') + escaped(payload);
    }
    e.data = payload.toByteArray();
    return e;
}

Event violationEvent(const WsViolation &v)
{
    Event e;
    e.text = QStringLiteral("V %1 off=%2 fatal=%3 %4")
                 .arg(wsViolationKindName(v.kind))
                 .arg(v.offset)
                 .arg(int(v.fatal))
                 .arg(v.text);
    e.brief = QStringLiteral("!%1@%2").arg(wsViolationKindName(v.kind)).arg(v.offset);
    if (v.fatal)
        e.brief += QLatin1String(" fatal");
    return e;
}

class RecordingSink final : public WsFrameSink
{
public:
    QList<Event> events;

    void onFrameHeader(const WsFrameInfo &f) override { events.append(headerEvent(f)); }
    void onFrameEnd(const WsFrameInfo &f) override { events.append(endEvent(f)); }
    void onMessage(const WsMessage &m) override { events.append(messageEvent(m)); }
    void onControlFrame(const WsFrameInfo &f, QByteArrayView payload, const WsCloseInfo &close) override
    {
        events.append(controlEvent(f, payload, close));
    }
    void onViolation(const WsViolation &v) override { events.append(violationEvent(v)); }
};

QStringList briefs(const QList<Event> &events)
{
    QStringList out;
    for (const Event &e : events) {
        if (!e.brief.isEmpty())
            out.append(e.brief);
    }
    return out;
}

QStringList texts(const QList<Event> &events)
{
    QStringList out;
    for (const Event &e : events)
        out.append(e.text + QLatin1Char(' ') + escaped(e.data));
    return out;
}

QByteArray hex(const char *digits)
{
    return QByteArray::fromHex(digits); // spaces are skipped
}

QByteArray cat(std::initializer_list<QByteArrayView> parts)
{
    QByteArray out;
    for (QByteArrayView p : parts)
        out.append(p);
    return out;
}

QByteArray pattern(qsizetype n)
{
    QByteArray out(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        out[i] = char(i * 7 + (i >> 8));
    return out;
}

struct Setup
{
    Role role = Role::ServerToClient;
    qsizetype previewCap = WsFrameParser::DefaultPreviewCap;
    bool deflate = false;
};

// Feeds `input` cut at each position in `cuts` (ascending).
QList<Event> runParser(const Setup &s, const QByteArray &input, std::initializer_list<qsizetype> cuts = {})
{
    RecordingSink sink;
    WsFrameParser parser(s.role, &sink, s.previewCap);
    parser.setPerMessageDeflate(s.deflate);
    qsizetype at = 0;
    for (qsizetype cut : cuts) {
        parser.feed(input.constData() + at, cut - at);
        at = cut;
    }
    parser.feed(input.constData() + at, input.size() - at);
    if (parser.streamOffset() != input.size())
        sink.events.append({QStringLiteral("streamOffset %1 != %2").arg(parser.streamOffset()).arg(input.size()), {}, {}});
    return sink.events;
}

QList<Event> runByteByByte(const Setup &s, const QByteArray &input)
{
    RecordingSink sink;
    WsFrameParser parser(s.role, &sink, s.previewCap);
    parser.setPerMessageDeflate(s.deflate);
    for (qsizetype i = 0; i < input.size(); ++i)
        parser.feed(input.constData() + i, 1);
    parser.feed(input.constData(), 0); // an empty feed changes nothing
    return sink.events;
}

QByteArray sha256(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
}

// Random valid UTF-8 of about `bytes` bytes, every sequence length mixed in.
QByteArray randomUtf8(QRandomGenerator &rng, qsizetype bytes)
{
    QByteArray out;
    out.reserve(bytes + 4);
    while (out.size() < bytes) {
        const quint32 pick = rng.bounded(100);
        char32_t cp;
        if (pick < 60)
            cp = rng.bounded(0x20, 0x7F);
        else if (pick < 75)
            cp = rng.bounded(0x80, 0x800);
        else if (pick < 90) {
            do {
                cp = rng.bounded(0x800, 0x10000);
            } while (cp >= 0xD800 && cp <= 0xDFFF);
        } else {
            cp = rng.bounded(0x10000, 0x110000);
        }
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

QByteArray randomBytes(QRandomGenerator &rng, qsizetype n)
{
    QByteArray out(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        out[i] = char(rng.bounded(256));
    return out;
}

// Wire bytes of one frame, with the info a parser should report for it.
WsFrameInfo appendFrame(QByteArray &stream, WsOpcode op, QByteArrayView payload, bool fin,
                        std::optional<quint32> key, bool rsv1 = false)
{
    WsFrameInfo f;
    f.offset = stream.size();
    f.opcode = op;
    f.fin = fin;
    f.rsv1 = rsv1;
    f.masked = key.has_value();
    f.maskKey = key.value_or(0);
    f.payloadLength = quint64(payload.size());
    wsAppendFrame(stream, op, payload, fin, key, rsv1);
    f.headerLength = quint8(stream.size() - f.offset - payload.size());
    return f;
}

class NullSink final : public WsFrameSink
{
public:
    qint64 messages = 0;
    qint64 previewBytes = 0;
    void onMessage(const WsMessage &m) override
    {
        ++messages;
        previewBytes += m.preview.size();
    }
};

} // namespace

class tst_FrameParser : public QObject
{
    Q_OBJECT

private slots:
    void unmaskMatchesByteLoop();
    void utf8ValidatorAgreesWithQt();
    void writerProducesRfcExamples();
    void closeReasonIsCutAtCharacterBoundary();
    void rfcCases_data();
    void rfcCases();
    void largePreviewIsExactPayload();
    void desynchronisedParserIgnoresInput();
    void boundaryQueries();
    void previewCapChangeAppliesToNextMessage();
    void randomFrameSequences();
    void throughput();
};

void tst_FrameParser::unmaskMatchesByteLoop()
{
    const quint32 keys[] = {0x37fa213dU, 0x00000000U, 0xffffffffU, 0x01020304U, 0x80000001U};
    QByteArray base = pattern(64 + 8);
    for (quint32 key : keys) {
        const uchar k[4] = {uchar(key >> 24), uchar(key >> 16), uchar(key >> 8), uchar(key)};
        for (qsizetype len = 0; len <= 64; ++len) {
            for (qsizetype phase = 0; phase < 4; ++phase) {
                for (qsizetype align = 0; align < 8; ++align) {
                    QByteArray fast = base;
                    QByteArray slow = base;
                    wsUnmask(fast.data() + align, len, key, phase);
                    for (qsizetype i = 0; i < len; ++i)
                        slow[align + i] = char(uchar(slow[align + i]) ^ k[(phase + i) % 4]);
                    // The copying variant, into a buffer aligned differently.
                    QByteArray copied(len + 3, '\0');
                    wsUnmaskCopy(copied.data() + 3, base.constData() + align, len, key, phase);
                    if (fast != slow || copied.mid(3) != slow.mid(align, len)) {
                        QFAIL(qPrintable(QStringLiteral("key %1 len %2 phase %3 align %4")
                                             .arg(key, 8, 16, QLatin1Char('0'))
                                             .arg(len)
                                             .arg(phase)
                                             .arg(align)));
                    }
                }
            }
        }
    }
    // Phase is taken modulo 4, and unmasking in pieces equals unmasking at once.
    QByteArray whole = pattern(61);
    QByteArray pieces = whole;
    wsUnmask(whole.data(), whole.size(), 0x37fa213d, 0);
    wsUnmask(pieces.data(), 13, 0x37fa213d, 0);
    wsUnmask(pieces.data() + 13, 30, 0x37fa213d, 13);
    wsUnmask(pieces.data() + 43, 18, 0x37fa213d, 43);
    QCOMPARE(pieces, whole);
}

void tst_FrameParser::utf8ValidatorAgreesWithQt()
{
    // Every 1- and 2-byte string, and every 3-byte string with an E0-F4 lead,
    // judged against QUtf8StringView's decoder (which also rejects overlongs,
    // surrogates and values above U+10FFFF).
    const auto qtValid = [](QByteArrayView b) {
        QStringDecoder decoder(QStringConverter::Utf8,
                               QStringConverter::Flag::ConvertInitialBom | QStringConverter::Flag::Stateless);
        const QString s = decoder(b);
        return !decoder.hasError() && s.toUtf8() == b;
    };
    const auto ours = [](QByteArrayView b) {
        WsUtf8Validator v;
        return v.feed(reinterpret_cast<const uchar *>(b.data()), b.size()) < 0 && v.atCharacterBoundary();
    };
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            const char two[2] = {char(a), char(b)};
            QCOMPARE(ours(QByteArrayView(two, 2)), qtValid(QByteArrayView(two, 2)));
            if (a < 0xE0 || a > 0xF4)
                continue;
            for (int c = 0x70; c < 0xC8; ++c) {
                const char three[3] = {char(a), char(b), char(c)};
                if (ours(QByteArrayView(three, 3)) != qtValid(QByteArrayView(three, 3)))
                    QFAIL(qPrintable(escaped(QByteArrayView(three, 3))));
            }
        }
    }
}

void tst_FrameParser::writerProducesRfcExamples()
{
    // RFC 6455 5.7.
    QCOMPARE(wsBuildFrame(WsOpcode::Text, "Hello"), hex("81 05 48 65 6c 6c 6f"));
    QCOMPARE(wsBuildFrame(WsOpcode::Text, "Hello", true, 0x37fa213d),
             hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
    QCOMPARE(wsBuildFrame(WsOpcode::Text, "Hel", false), hex("01 03 48 65 6c"));
    QCOMPARE(wsBuildFrame(WsOpcode::Continuation, "lo"), hex("80 02 6c 6f"));
    QCOMPARE(wsBuildFrame(WsOpcode::Ping, "Hello"), hex("89 05 48 65 6c 6c 6f"));
    QCOMPARE(wsBuildFrame(WsOpcode::Pong, "Hello", true, 0x37fa213d),
             hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));
    const QByteArray b256 = pattern(256);
    QCOMPARE(wsBuildFrame(WsOpcode::Binary, b256), cat({hex("82 7E 0100"), b256}));
    const QByteArray b64k = pattern(65536);
    QCOMPARE(wsBuildFrame(WsOpcode::Binary, b64k), cat({hex("82 7F 0000000000010000"), b64k}));
    // Minimal length encodings at the edges.
    QCOMPARE(wsBuildFrame(WsOpcode::Binary, pattern(125)).left(2), hex("82 7D"));
    QCOMPARE(wsBuildFrame(WsOpcode::Binary, pattern(126)).left(4), hex("82 7E 007E"));
    QCOMPARE(wsBuildFrame(WsOpcode::Binary, pattern(65535)).left(4), hex("82 7E FFFF"));
    QCOMPARE(wsBuildFrame(WsOpcode::Binary, pattern(65535), true, 1).size(), qsizetype(65535 + 8));
    QCOMPARE(wsFrameHeaderSize(65536, true), 14);
    // Close frames.
    QCOMPARE(wsBuildCloseFrame(std::nullopt), hex("88 00"));
    QCOMPARE(wsBuildCloseFrame(1000), hex("88 02 03 e8"));
    QCOMPARE(wsBuildCloseFrame(1001, u"bye"), hex("88 05 03 e9 62 79 65"));
    const QByteArray masked = wsBuildCloseFrame(1000, u"ok", 0x01020304);
    QCOMPARE(masked.left(6), hex("88 84 01020304"));
    QByteArray body = masked.mid(6);
    wsUnmask(body.data(), body.size(), 0x01020304);
    QCOMPARE(body, hex("03 e8 6f 6b"));
}

void tst_FrameParser::closeReasonIsCutAtCharacterBoundary()
{
    const QString longReason(100, QChar(0xE9)); // é: 2 bytes each, 200 bytes
    const QByteArray body = wsClosePayload(1000, longReason);
    QCOMPARE(body.size(), qsizetype(2 + 122)); // 61 characters; the 62nd would end at 124
    QCOMPARE(QString::fromUtf8(body.mid(2)), QString(61, QChar(0xE9)));
    const QString euros(50, QChar(0x20AC)); // 3 bytes each
    QCOMPARE(wsClosePayload(1000, euros).size(), qsizetype(2 + 123));
    QVERIFY(wsClosePayload(std::nullopt, u"ignored").isEmpty());
}

void tst_FrameParser::rfcCases_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("role");
    QTest::addColumn<int>("previewCap");
    QTest::addColumn<bool>("deflate");
    QTest::addColumn<QStringList>("expected");

    const int s2c = int(Role::ServerToClient);
    const int c2s = int(Role::ClientToServer);
    const int cap = int(WsFrameParser::DefaultPreviewCap);
    const auto row = [](const char *name, int role, const QByteArray &input, const QStringList &expected,
                        int previewCap = int(WsFrameParser::DefaultPreviewCap), bool deflate = false) {
        QTest::newRow(name) << input << role << previewCap << deflate << expected;
    };
    const QByteArray hello = "Hello";

    // RFC 6455 5.7, the examples.
    row("5.7 single-frame unmasked text", s2c, hex("81 05 48656c6c6f"), {u"text 5 \"Hello\""_s});
    row("5.7 single-frame masked text", c2s, hex("81 85 37fa213d 7f9f4d5158"), {u"text 5 \"Hello\""_s});
    row("5.7 fragmented unmasked text", s2c, hex("01 03 48656c 80 02 6c6f"),
        {u"text 5 \"Hello\" frames=2"_s});
    row("5.7 unmasked ping", s2c, hex("89 05 48656c6c6f"), {u"ping \"Hello\""_s});
    row("5.7 masked pong", c2s, hex("8a 85 37fa213d 7f9f4d5158"), {u"pong \"Hello\""_s});
    row("5.7 256-byte binary, 16-bit length", s2c, cat({hex("82 7E 0100"), pattern(256)}),
        {u"binary 256 #256"_s});
    row("5.7 64KiB binary, 64-bit length", s2c, cat({hex("82 7F 0000000000010000"), pattern(65536)}),
        {u"binary 65536 #65536"_s});

    // RFC 6455 5.2, lengths and masks.
    row("length 125 fits 7 bits", s2c, cat({hex("82 7D"), pattern(125)}), {u"binary 125 #125"_s});
    row("length 126 takes 16 bits", s2c, cat({hex("82 7E 007E"), pattern(126)}), {u"binary 126 #126"_s});
    row("masked 300-byte text, 16-bit length", c2s, wsBuildFrame(WsOpcode::Text, QByteArray(300, 'x'), true, 0xa1b2c3d4),
        {u"text 300 #300"_s});
    row("empty text", s2c, hex("81 00"), {u"text 0 \"\""_s});
    row("empty masked binary", c2s, hex("82 80 01020304"), {u"binary 0 \"\""_s});
    row("mask key of zero", c2s, cat({hex("81 85 00000000"), hello}), {u"text 5 \"Hello\""_s});
    row("two messages back to back", s2c, hex("81 02 6869 82 01 00"),
        {u"text 2 \"hi\""_s, u"binary 1 \"\\x00\""_s});

    // Length violations.
    row("NonMinimalLength: 16-bit length of 5", s2c, cat({hex("81 7E 0005"), hello}),
        {u"!NonMinimalLength@0"_s, u"text 5 \"Hello\""_s});
    row("NonMinimalLength: 64-bit length of 200", s2c, cat({hex("82 7F 00000000000000C8"), pattern(200)}),
        {u"!NonMinimalLength@0"_s, u"binary 200 #200"_s});
    row("NonMinimalLength: 64-bit length of 0", s2c, hex("82 7F 0000000000000000"),
        {u"!NonMinimalLength@0"_s, u"binary 0 \"\""_s});
    row("LengthMsbSet is fatal, later frames ignored", s2c,
        hex("81 02 6869 82 7F 8000000000000001 00 81 02 6869"),
        {u"text 2 \"hi\""_s, u"!LengthMsbSet@4 fatal"_s});

    // RFC 6455 5.2: reserved opcodes; the stream cannot be followed after one.
    for (int op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        QByteArray input = hex("81 02 6869");
        input += char(0x80 | op);
        input += hex("00 81 02 6869");
        const QByteArray name = "ReservedOpcode 0x" + QByteArray::number(op, 16) + " is fatal";
        row(name.constData(), s2c, input, {u"text 2 \"hi\""_s, u"!ReservedOpcode@4 fatal"_s});
    }

    // RFC 6455 5.1: masking by direction.
    row("UnmaskedClientFrame", c2s, cat({hex("81 05"), hello}),
        {u"!UnmaskedClientFrame@0"_s, u"text 5 \"Hello\""_s});
    row("MaskedServerFrame", s2c, hex("81 85 37fa213d 7f9f4d5158"),
        {u"!MaskedServerFrame@0"_s, u"text 5 \"Hello\""_s});
    row("UnmaskedClientFrame on a control frame", c2s, hex("89 00"),
        {u"!UnmaskedClientFrame@0"_s, u"ping \"\""_s});

    // RFC 6455 5.2 and RFC 7692 6: reserved bits.
    row("ReservedBits: rsv1 without deflate", s2c, cat({hex("C1 05"), hello}),
        {u"!ReservedBits@0"_s, u"text 5 \"Hello\" compressed utf8=skipped"_s});
    row("ReservedBits: rsv2", s2c, hex("A2 01 00"), {u"!ReservedBits@0"_s, u"binary 1 \"\\x00\""_s});
    row("ReservedBits: rsv3", s2c, hex("92 01 00"), {u"!ReservedBits@0"_s, u"binary 1 \"\\x00\""_s});
    row("ReservedBits: rsv2 even with deflate", s2c, hex("A2 01 00"),
        {u"!ReservedBits@0"_s, u"binary 1 \"\\x00\""_s}, cap, true);
    row("deflate: rsv1 on the first frame marks it compressed", s2c, hex("C1 03 FFFEFD"),
        {u"text 3 \"\\xFF\\xFE\\xFD\" compressed utf8=skipped"_s}, cap, true);
    row("deflate: compressed binary", c2s, wsBuildFrame(WsOpcode::Binary, "abc", true, 7).replace(0, 1, "\xC2"),
        {u"binary 3 \"abc\" compressed"_s}, cap, true);
    row("ReservedBits: deflate rsv1 on a continuation", s2c, hex("41 01 AA C0 01 BB"),
        {u"!ReservedBits@3"_s, u"text 2 \"\\xAA\\xBB\" frames=2 compressed utf8=skipped"_s}, cap, true);
    row("ReservedBits: deflate rsv1 on a ping", s2c, hex("C9 00"), {u"!ReservedBits@0"_s, u"ping \"\""_s},
        cap, true);

    // RFC 6455 5.5: control frame rules.
    row("ControlFrameTooLong: 126-byte ping", s2c, cat({hex("89 7E 007E"), QByteArray(126, 'a')}),
        {u"!ControlFrameTooLong@0"_s, u"ping #125"_s});
    row("ControlFrameTooLong: 200-byte close", s2c, cat({hex("88 7E 00C8 03E8"), QByteArray(198, 'r')}),
        {u"!ControlFrameTooLong@0"_s, u"close 1000 #123 invalid"_s});
    row("FragmentedControlFrame", s2c, hex("09 00"), {u"!FragmentedControlFrame@0"_s, u"ping \"\""_s});
    row("125-byte pong is fine", s2c, cat({hex("8A 7D"), QByteArray(125, 'p')}), {u"pong #125"_s});

    // RFC 6455 5.4: fragmentation.
    row("UnexpectedContinuation", s2c, hex("80 02 6c6f 81 02 6869"),
        {u"!UnexpectedContinuation@0"_s, u"text 2 \"hi\""_s});
    row("UnexpectedContinuation twice", s2c, hex("00 01 61 80 01 62"),
        {u"!UnexpectedContinuation@0"_s, u"!UnexpectedContinuation@3"_s});
    row("UnfinishedMessage: new data frame inside a message", s2c, hex("01 03 48656c 82 02 6869"),
        {u"!UnfinishedMessage@5"_s, u"binary 2 \"hi\""_s});
    row("ping inside a fragmented message", s2c, hex("01 03 48656c 89 00 80 02 6c6f"),
        {u"ping \"\""_s, u"text 5 \"Hello\" frames=2"_s});
    row("ping and pong inside a three-fragment message", s2c, hex("01 01 48 89 01 61 00 02 656c 8A 00 80 02 6c6f"),
        {u"ping \"a\""_s, u"pong \"\""_s, u"text 5 \"Hello\" frames=3"_s});
    {
        QByteArray in;
        wsAppendFrame(in, WsOpcode::Text, "Hel", false, 0x11223344);
        wsAppendFrame(in, WsOpcode::Pong, "x", true, 0x55667788);
        wsAppendFrame(in, WsOpcode::Continuation, "lo", true, 0x99aabbcc);
        row("masked pong inside a fragmented message", c2s, in, {u"pong \"x\""_s, u"text 5 \"Hello\" frames=2"_s});
    }
    row("empty fragments", s2c, hex("01 00 00 00 80 00"), {u"text 0 \"\" frames=3"_s});

    // RFC 6455 5.5.1: close frames.
    row("close, empty", s2c, hex("88 00"), {u"close none"_s});
    row("close 1000", s2c, hex("88 02 03E8"), {u"close 1000 \"\""_s});
    row("close 1001 with a reason, masked", c2s, wsBuildCloseFrame(1001, u"bye", 0x37fa213d),
        {u"close 1001 \"bye\""_s});
    row("close with a UTF-8 reason", s2c, hex("88 05 03E8 E282AC"), {u"close 1000 \"\\xE2\\x82\\xAC\""_s});
    row("InvalidClosePayload: 1 byte", s2c, hex("88 01 03"), {u"!InvalidClosePayload@2"_s, u"close none invalid"_s});
    for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
        QByteArray in = hex("88 02");
        in += char(code >> 8);
        in += char(code & 0xFF);
        const QByteArray name = "InvalidCloseCode " + QByteArray::number(code);
        row(name.constData(), s2c, in,
            {u"!InvalidCloseCode@2"_s, QStringLiteral("close %1 \"\" invalid").arg(code)});
    }
    for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999}) {
        const QByteArray name = "valid close code " + QByteArray::number(code);
        row(name.constData(), s2c, wsBuildCloseFrame(quint16(code)), {QStringLiteral("close %1 \"\"").arg(code)});
    }
    row("InvalidUtf8 in a close reason", s2c, hex("88 05 03E8 61 C0AF"),
        {u"!InvalidUtf8@5"_s, u"close 1000 \"a\\xC0\\xAF\" invalid"_s});
    row("InvalidUtf8: close reason ends inside a character", s2c, hex("88 05 03E8 61 E282"),
        {u"!InvalidUtf8@5"_s, u"close 1000 \"a\\xE2\\x82\" invalid"_s});
    row("InvalidCloseCode and InvalidUtf8 together", s2c, hex("88 03 03ED FF"),
        {u"!InvalidCloseCode@2"_s, u"!InvalidUtf8@4"_s, u"close 1005 \"\\xFF\" invalid"_s});
    row("close inside a fragmented message", s2c, hex("01 03 48656c 88 02 03E8 80 02 6c6f"),
        {u"close 1000 \"\""_s, u"!FrameAfterClose@9"_s, u"text 5 \"Hello\" frames=2"_s});
    row("FrameAfterClose: data", s2c, hex("88 00 81 02 6869"),
        {u"close none"_s, u"!FrameAfterClose@2"_s, u"text 2 \"hi\""_s});
    row("FrameAfterClose: a second close", s2c, hex("88 02 03E8 88 00"),
        {u"close 1000 \"\""_s, u"!FrameAfterClose@4"_s, u"close none"_s});

    // RFC 6455 8.1 with RFC 3629 4: UTF-8 in text messages.
    row("utf8: 2-, 3- and 4-byte characters", s2c, hex("81 0A C3A9 E282AC F09F9880 41"),
        {u"text 10 \"\\xC3\\xA9\\xE2\\x82\\xAC\\xF0\\x9F\\x98\\x80A\""_s});
    row("utf8: U+10FFFF is the last", s2c, hex("81 04 F48FBFBF"), {u"text 4 \"\\xF4\\x8F\\xBF\\xBF\""_s});
    row("utf8: U+D7FF and U+E000 border the surrogates", s2c, hex("81 06 ED9FBF EE8080"),
        {u"text 6 \"\\xED\\x9F\\xBF\\xEE\\x80\\x80\""_s});
    row("InvalidUtf8: above U+10FFFF", s2c, hex("81 04 F4908080"),
        {u"!InvalidUtf8@3"_s, u"text 4 \"\\xF4\\x90\\x80\\x80\" utf8=invalid"_s});
    row("InvalidUtf8: F5 lead byte", s2c, hex("81 01 F5"), {u"!InvalidUtf8@2"_s, u"text 1 \"\\xF5\" utf8=invalid"_s});
    row("InvalidUtf8: FF byte", s2c, hex("81 02 41FF"), {u"!InvalidUtf8@3"_s, u"text 2 \"A\\xFF\" utf8=invalid"_s});
    row("InvalidUtf8: overlong 2-byte C0 AF", s2c, hex("81 02 C0AF"),
        {u"!InvalidUtf8@2"_s, u"text 2 \"\\xC0\\xAF\" utf8=invalid"_s});
    row("InvalidUtf8: overlong 2-byte C1 BF", s2c, hex("81 02 C1BF"),
        {u"!InvalidUtf8@2"_s, u"text 2 \"\\xC1\\xBF\" utf8=invalid"_s});
    row("InvalidUtf8: overlong 3-byte E0 80 AF", s2c, hex("81 03 E080AF"),
        {u"!InvalidUtf8@3"_s, u"text 3 \"\\xE0\\x80\\xAF\" utf8=invalid"_s});
    row("InvalidUtf8: overlong 4-byte F0 80 80 AF", s2c, hex("81 04 F08080AF"),
        {u"!InvalidUtf8@3"_s, u"text 4 \"\\xF0\\x80\\x80\\xAF\" utf8=invalid"_s});
    row("InvalidUtf8: surrogate U+D800", s2c, hex("81 03 EDA080"),
        {u"!InvalidUtf8@3"_s, u"text 3 \"\\xED\\xA0\\x80\" utf8=invalid"_s});
    row("InvalidUtf8: surrogate U+DFFF", s2c, hex("81 03 EDBFBF"),
        {u"!InvalidUtf8@3"_s, u"text 3 \"\\xED\\xBF\\xBF\" utf8=invalid"_s});
    row("InvalidUtf8: lone continuation byte", s2c, hex("81 01 80"),
        {u"!InvalidUtf8@2"_s, u"text 1 \"\\x80\" utf8=invalid"_s});
    row("InvalidUtf8: lead byte then ASCII", s2c, hex("81 02 C341"),
        {u"!InvalidUtf8@3"_s, u"text 2 \"\\xC3A\" utf8=invalid"_s});
    row("InvalidUtf8: truncated at end of message", s2c, hex("81 03 41 E282"),
        {u"!InvalidUtf8@3"_s, u"text 3 \"A\\xE2\\x82\" utf8=invalid"_s});
    row("utf8: character split across frames", s2c, hex("01 02 E282 80 01 AC"),
        {u"text 3 \"\\xE2\\x82\\xAC\" frames=2"_s});
    row("utf8: 4-byte character over three frames and a ping", s2c, hex("01 01 F0 89 00 00 02 9F98 80 01 80"),
        {u"ping \"\""_s, u"text 4 \"\\xF0\\x9F\\x98\\x80\" frames=3"_s});
    row("InvalidUtf8: truncated character spanning frames", s2c, hex("01 01 F0 00 01 9F 80 01 98"),
        {u"!InvalidUtf8@2"_s, u"text 3 \"\\xF0\\x9F\\x98\" frames=3 utf8=invalid"_s});
    row("InvalidUtf8: bad byte in the second frame", s2c, hex("01 02 4142 80 02 43FF"),
        {u"!InvalidUtf8@7"_s, u"text 4 \"ABC\\xFF\" frames=2 utf8=invalid"_s});
    row("InvalidUtf8: masked, split across frames", c2s,
        cat({wsBuildFrame(WsOpcode::Text, "\xE2\x82", false, 0xdeadbeef),
             wsBuildFrame(WsOpcode::Continuation, "\x41", true, 0x0badf00d)}),
        {u"!InvalidUtf8@14"_s, u"text 3 \"\\xE2\\x82A\" frames=2 utf8=invalid"_s});
    row("binary is not UTF-8 checked", s2c, hex("82 02 C0AF"), {u"binary 2 \"\\xC0\\xAF\""_s});
    row("InvalidUtf8: found past the preview cap", s2c, cat({hex("81 0C"), "abcdefghij", hex("C0AF")}),
        {u"!InvalidUtf8@12"_s, u"text 12 \"abcd\" truncated utf8=invalid"_s}, 4);
    {
        QByteArray text(5000, 'a');
        text[4500] = char(0xFF);
        row("InvalidUtf8: masked, far past the preview cap", c2s, wsBuildFrame(WsOpcode::Text, text, true, 0x5a5a1234),
            {u"!InvalidUtf8@4508"_s, u"text 5000 \"aaaaaaaaaaaaaaaa\" truncated utf8=invalid"_s}, 16);
        QByteArray valid = QByteArray(3000, 'a') + "\xE2\x82\xAC" + QByteArray(1000, 'b');
        row("utf8: masked and valid with previews off", c2s, wsBuildFrame(WsOpcode::Text, valid, true, 0x5a5a1234),
            {u"text 4003 \"\" truncated"_s}, 0);
    }
    row("InvalidUtf8: previews off still validates", s2c, hex("81 02 C0AF"),
        {u"!InvalidUtf8@2"_s, u"text 2 \"\" truncated utf8=invalid"_s}, 0);

    // Preview caps.
    row("preview cap 3", s2c, cat({hex("81 05"), hello}), {u"text 5 \"Hel\" truncated"_s}, 3);
    row("preview cap 0 keeps headers only", s2c, cat({hex("81 05"), hello}), {u"text 5 \"\" truncated"_s}, 0);
    row("preview cap across fragments", s2c, hex("01 03 48656c 80 02 6c6f"),
        {u"text 5 \"Hell\" frames=2 truncated"_s}, 4);
    row("preview cap 0 keeps control payloads", s2c, hex("89 02 6869"), {u"ping \"hi\""_s}, 0);
}

void tst_FrameParser::rfcCases()
{
    QFETCH(QByteArray, input);
    QFETCH(int, role);
    QFETCH(int, previewCap);
    QFETCH(bool, deflate);
    QFETCH(QStringList, expected);

    const Setup setup{Role(role), previewCap, deflate};
    const QByteArray checksum = sha256(input);

    const QList<Event> reference = runParser(setup, input);
    QCOMPARE(briefs(reference), expected);

    // Byte by byte, then cut once at every position: the same record.
    const QList<Event> bytewise = runByteByByte(setup, input);
    if (bytewise != reference)
        QCOMPARE(texts(bytewise), texts(reference));

    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        const QList<Event> split = runParser(setup, input, {cut});
        if (split != reference) {
            qWarning("cut at %lld of %lld", qlonglong(cut), qlonglong(input.size()));
            QCOMPARE(texts(split), texts(reference));
        }
    }
    // The observer never writes to what it is fed.
    QCOMPARE(sha256(input), checksum);
}

void tst_FrameParser::largePreviewIsExactPayload()
{
    const QByteArray payload = pattern(70000);
    struct Sink final : WsFrameSink
    {
        QList<WsMessage> messages;
        void onMessage(const WsMessage &m) override { messages.append(m); }
    } sink;
    WsFrameParser parser(Role::ClientToServer, &sink);
    QByteArray in;
    wsAppendFrame(in, WsOpcode::Binary, payload.left(33333), false, 0x01234567);
    wsAppendFrame(in, WsOpcode::Continuation, payload.mid(33333), true, 0x89abcdef);
    for (qsizetype i = 0; i < in.size(); i += 997)
        parser.feed(in.constData() + i, qMin<qsizetype>(997, in.size() - i));
    QCOMPARE(sink.messages.size(), 1);
    QCOMPARE(sink.messages[0].totalLength, quint64(70000));
    QCOMPARE(sink.messages[0].preview, payload.left(WsFrameParser::DefaultPreviewCap));
    QVERIFY(sink.messages[0].truncated);
}

void tst_FrameParser::desynchronisedParserIgnoresInput()
{
    RecordingSink sink;
    WsFrameParser parser(Role::ServerToClient, &sink);
    parser.feed(hex("83 00"));
    QVERIFY(parser.isDesynchronised());
    const qsizetype reported = sink.events.size();
    const QByteArray more = hex("81 02 6869 88 00");
    parser.feed(more);
    parser.feed(more);
    QCOMPARE(sink.events.size(), reported);
    QCOMPARE(parser.streamOffset(), qint64(2 + 2 * more.size()));
    int fatal = 0;
    for (const Event &e : sink.events)
        fatal += e.brief.endsWith(QLatin1String(" fatal"));
    QCOMPARE(fatal, 1);
}

void tst_FrameParser::boundaryQueries()
{
    NullSink sink;
    WsFrameParser parser(Role::ServerToClient, &sink);
    QVERIFY(parser.atFrameBoundary());
    parser.feed(hex("01"));
    QVERIFY(!parser.atFrameBoundary());
    parser.feed(hex("03 48"));
    QVERIFY(!parser.atFrameBoundary());
    QVERIFY(parser.inFragmentedMessage());
    parser.feed(hex("65 6c"));
    QVERIFY(parser.atFrameBoundary());
    QVERIFY(parser.inFragmentedMessage()); // only control frames may go in here
    parser.feed(hex("80 02 6c 6f"));
    QVERIFY(parser.atFrameBoundary());
    QVERIFY(!parser.inFragmentedMessage());
    QCOMPARE(sink.messages, qint64(1));
    QVERIFY(!parser.closeSeen());
    parser.feed(hex("88 00"));
    QVERIFY(parser.closeSeen());
    QCOMPARE(parser.streamOffset(), qint64(11));
}

void tst_FrameParser::previewCapChangeAppliesToNextMessage()
{
    RecordingSink sink;
    WsFrameParser parser(Role::ServerToClient, &sink, 2);
    parser.feed(hex("01 03 48656c"));
    parser.setPreviewCap(0);
    QCOMPARE(parser.previewCap(), qsizetype(0));
    parser.feed(hex("80 02 6c6f 81 02 6869"));
    parser.setPreviewCap(-5); // clamped
    parser.feed(hex("82 01 00"));
    QCOMPARE(briefs(sink.events),
             QStringList({u"text 5 \"He\" frames=2 truncated"_s, u"text 2 \"\" truncated"_s,
                          u"binary 1 \"\" truncated"_s}));
}

// Random but reproducible frame sequences built with the writer, fed in
// random chunks: the parser must report exactly what was generated.
void tst_FrameParser::randomFrameSequences()
{
    QRandomGenerator rng(0x5eed6455);
    const qsizetype caps[] = {0, 1, 7, 100, WsFrameParser::DefaultPreviewCap};
    const qsizetype chunkLimits[] = {1, 3, 16, 700, 5000, 80000};
    qint64 totalFrames = 0;
    qint64 totalMessages = 0;
    qint64 totalBytes = 0;

    for (int sequence = 0; sequence < 250; ++sequence) {
        const Role role = rng.bounded(2) ? Role::ClientToServer : Role::ServerToClient;
        const qsizetype cap = caps[rng.bounded(int(std::size(caps)))];
        const bool deflate = rng.bounded(4) == 0;
        const auto key = [&]() -> std::optional<quint32> {
            if (role == Role::ServerToClient)
                return std::nullopt;
            return rng.generate();
        };

        QByteArray stream;
        QList<Event> expected;
        const auto frame = [&](WsOpcode op, QByteArrayView payload, bool fin, bool rsv1 = false) {
            const WsFrameInfo f = appendFrame(stream, op, payload, fin, key(), rsv1);
            expected.append(headerEvent(f));
            expected.append(endEvent(f));
            ++totalFrames;
            return f;
        };
        const auto control = [&]() {
            const WsOpcode op = rng.bounded(2) ? WsOpcode::Ping : WsOpcode::Pong;
            const QByteArray payload = randomBytes(rng, rng.bounded(3) == 0 ? rng.bounded(126) : rng.bounded(9));
            const WsFrameInfo f = frame(op, payload, true);
            expected.append(controlEvent(f, payload, WsCloseInfo()));
        };

        const int messages = 1 + rng.bounded(12);
        for (int m = 0; m < messages; ++m) {
            if (rng.bounded(5) == 0)
                control();

            const quint32 sizeClass = rng.bounded(100);
            qsizetype size;
            if (sizeClass < 55)
                size = rng.bounded(21);
            else if (sizeClass < 85)
                size = rng.bounded(21, 300);
            else if (sizeClass < 97)
                size = rng.bounded(300, 70000);
            else
                size = rng.bounded(65536, 140000);

            const bool text = rng.bounded(2);
            const bool compressed = deflate && rng.bounded(2);
            const QByteArray payload = text && !compressed ? randomUtf8(rng, size) : randomBytes(rng, size);

            // Cut into fragments anywhere, even inside a character or into
            // empty pieces, with control frames in between.
            QList<qsizetype> cuts;
            const int fragments = rng.bounded(4) == 0 ? 1 + rng.bounded(5) : 1;
            for (int i = 1; i < fragments; ++i)
                cuts.append(rng.bounded(int(payload.size()) + 1));
            std::sort(cuts.begin(), cuts.end());
            cuts.append(payload.size());

            WsMessage msg;
            qsizetype at = 0;
            for (qsizetype i = 0; i < cuts.size(); ++i) {
                const bool first = i == 0;
                const bool last = i == cuts.size() - 1;
                const WsOpcode op = first ? (text ? WsOpcode::Text : WsOpcode::Binary) : WsOpcode::Continuation;
                const WsFrameInfo f = frame(op, QByteArrayView(payload).sliced(at, cuts[i] - at), last,
                                            first && compressed);
                if (first)
                    msg.offset = f.offset;
                at = cuts[i];
                if (!last && rng.bounded(3) == 0)
                    control();
            }
            msg.opcode = text ? WsOpcode::Text : WsOpcode::Binary;
            msg.totalLength = quint64(payload.size());
            msg.frameCount = cuts.size();
            msg.compressed = compressed;
            msg.preview = payload.left(cap);
            msg.truncated = msg.preview.size() < payload.size();
            msg.utf8 = !text ? WsUtf8Validity::NotText
                             : compressed ? WsUtf8Validity::NotValidated : WsUtf8Validity::Valid;
            expected.append(messageEvent(msg));
            ++totalMessages;
        }
        if (rng.bounded(2)) {
            const QByteArray body = wsClosePayload(1000, u"done \u00e9");
            const WsFrameInfo f = frame(WsOpcode::Close, body, true);
            WsCloseInfo close;
            close.code = 1000;
            close.reason = QStringLiteral("done \u00e9");
            expected.append(controlEvent(f, body, close));
        }

        const QByteArray checksum = sha256(stream);
        RecordingSink sink;
        WsFrameParser parser(role, &sink, cap);
        parser.setPerMessageDeflate(deflate);
        const qsizetype limit = chunkLimits[rng.bounded(int(std::size(chunkLimits)))];
        for (qsizetype at = 0; at < stream.size();) {
            const qsizetype n = qMin<qsizetype>(1 + rng.bounded(int(limit)), stream.size() - at);
            parser.feed(stream.constData() + at, n);
            at += n;
        }
        totalBytes += stream.size();

        QCOMPARE(sha256(stream), checksum);
        if (sink.events != expected) {
            qWarning("sequence %d: role %d cap %lld deflate %d", sequence, int(role), qlonglong(cap), int(deflate));
            QCOMPARE(texts(sink.events), texts(expected));
        }
        QVERIFY(parser.atFrameBoundary());
        QVERIFY(!parser.inFragmentedMessage());
        QCOMPARE(parser.streamOffset(), qint64(stream.size()));
    }
    qInfo("%lld frames, %lld messages, %lld bytes", qlonglong(totalFrames), qlonglong(totalMessages),
          qlonglong(totalBytes));
}

// Not a pass/fail test: prints parse rates for the report.
void tst_FrameParser::throughput()
{
    const int budgetMs = qEnvironmentVariableIntValue("WSSCOPE_BENCH_MS") > 0
        ? qEnvironmentVariableIntValue("WSSCOPE_BENCH_MS")
        : 150;
    for (const qsizetype payloadSize : {qsizetype(16), qsizetype(64 * 1024)}) {
        for (const bool client : {false, true}) {
            // Server frames: binary, unmasked. Client frames: text, masked,
            // so every byte is unmasked and UTF-8 checked.
            QByteArray stream;
            const QByteArray payload(payloadSize, 'a');
            const qsizetype frames = qMax<qsizetype>(1, (16 << 20) / (payloadSize + 14));
            stream.reserve(frames * (payloadSize + 14));
            for (qsizetype i = 0; i < frames; ++i) {
                wsAppendFrame(stream, client ? WsOpcode::Text : WsOpcode::Binary, payload, true,
                              client ? std::optional<quint32>(0x12345678u + quint32(i)) : std::nullopt);
            }
            for (const qsizetype cap : {WsFrameParser::DefaultPreviewCap, qsizetype(0)}) {
                NullSink sink;
                WsFrameParser parser(client ? Role::ClientToServer : Role::ServerToClient, &sink, cap);
                QElapsedTimer timer;
                timer.start();
                qint64 bytes = 0;
                do {
                    // 16 KiB reads, as a socket would hand them over.
                    for (qsizetype at = 0; at < stream.size(); at += 16384)
                        parser.feed(stream.constData() + at, qMin<qsizetype>(16384, stream.size() - at));
                    bytes += stream.size();
                } while (timer.elapsed() < budgetMs);
                const double seconds = double(timer.nsecsElapsed()) / 1e9;
                QVERIFY(!parser.isDesynchronised());
                qInfo("%6lld B frames, %-26s previews %-3s: %8.1f MB/s, %10.0f frames/s", qlonglong(payloadSize),
                      client ? "client text (masked)" : "server binary (unmasked)", cap ? "on" : "off",
                      double(bytes) / seconds / 1e6, double(sink.messages) / seconds);
            }
        }
    }
}

QTEST_GUILESS_MAIN(tst_FrameParser)
#include "tst_frameparser.moc"
