#include "http/bodyframer.h"

#include <QTest>

using namespace Qt::StringLiterals;

// Every row is consumed in one piece, cut in two at every byte position, and
// byte by byte; passthrough (no `decoded`) and de-chunking must both give the
// same result each time, and nothing after the end of the body is taken.

namespace {

using Mode = HttpBodyFramer::Mode;

struct Run
{
    QByteArray passthrough; // the bytes consume() claimed, in order
    QByteArray decoded;
    QByteArray state; // "done", "more" or "error"
    qint64 bodyBytes = 0;
    QByteArray problem; // a broken consume() contract, if any

    QByteArray describe() const
    {
        return state + " passthrough=" + passthrough.toPercentEncoding() + " decoded=" + decoded.toPercentEncoding()
            + " bodyBytes=" + QByteArray::number(bodyBytes) + (problem.isEmpty() ? QByteArray() : " PROBLEM " + problem);
    }
};

// Consumes `input` in pieces of the given sizes (the last takes the rest),
// as Session does: a piece not taken entirely means the body ended or broke.
Run consumeAll(Mode mode, qint64 length, const QByteArray &input, const QList<qsizetype> &pieces, bool decode)
{
    HttpBodyFramer framer(mode, length);
    Run run;
    QByteArray decoded;
    qsizetype offset = 0;
    for (qsizetype i = 0; i <= pieces.size() && offset < input.size(); ++i) {
        const qsizetype n = i < pieces.size() ? qMin(pieces.at(i), input.size() - offset) : input.size() - offset;
        const qsizetype used = framer.consume(input.constData() + offset, n, decode ? &decoded : nullptr);
        if (used < 0 || used > n) {
            run.problem = "consume() returned " + QByteArray::number(used) + " of " + QByteArray::number(n);
            break;
        }
        run.passthrough += input.sliced(offset, used);
        if (used < n) {
            if (!framer.isDone() && !framer.hasError())
                run.problem = "left bytes while neither done nor failed";
            break;
        }
        offset += n;
    }
    if ((framer.isDone() || framer.hasError()) && framer.consume("0\r\n\r\n", 5, decode ? &decoded : nullptr) != 0)
        run.problem = "consume() after the end took bytes";
    if (framer.isDone() && framer.hasError())
        run.problem = "done and failed at once";
    run.state = framer.hasError() ? "error"_ba : framer.isDone() ? "done"_ba : "more"_ba;
    run.decoded = decode ? decoded : QByteArray();
    run.bodyBytes = framer.bodyBytes();
    return run;
}

// `body`: the bytes the framer must take (up to the end of the body, or up
// to the bad byte); `after`: what follows and must stay with the caller.
void row(const char *rule, Mode mode, qint64 length, const QByteArray &body, const QByteArray &after,
         const QByteArray &payload, const QByteArray &state)
{
    QTest::newRow(rule) << int(mode) << length << body << after << payload << state;
}

void chunked(const char *rule, const QByteArray &body, const QByteArray &after, const QByteArray &payload,
             const QByteArray &state = "done"_ba)
{
    row(rule, Mode::Chunked, 0, body, after, payload, state);
}

} // namespace

class tst_BodyFramer : public QObject
{
    Q_OBJECT

private slots:
    void framing_data();
    void framing();
    void resetStartsOver();
};

void tst_BodyFramer::framing_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("after");
    QTest::addColumn<QByteArray>("payload"); // what de-chunking yields
    QTest::addColumn<QByteArray>("state");

    const QByteArray next = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"_ba; // a pipelined request

    // Content-Length (RFC 9112 6.2)
    row("Content-Length: exact body", Mode::Length, 5, "hello"_ba, {}, "hello"_ba, "done"_ba);
    row("Content-Length stops at the end of the body (pipelining)", Mode::Length, 5, "hello"_ba, next, "hello"_ba,
        "done"_ba);
    row("Content-Length: zero takes nothing", Mode::Length, 0, {}, next, ""_ba, "done"_ba);
    row("Content-Length: body not complete yet", Mode::Length, 10, "hello"_ba, {}, "hello"_ba, "more"_ba);
    row("Content-Length: body bytes are opaque", Mode::Length, 7, "0\r\n\r\n\0\xff"_ba, next, "0\r\n\r\n\0\xff"_ba,
        "done"_ba);

    // chunked (RFC 9112 7.1)
    chunked("single chunk (RFC 9112 7.1)", "5\r\nhello\r\n0\r\n\r\n"_ba, {}, "hello"_ba);
    chunked("several chunks", "3\r\nabc\r\n1\r\nd\r\n2\r\nef\r\n0\r\n\r\n"_ba, {}, "abcdef"_ba);
    chunked("upper-case hex size (RFC 9110 5.6.4 HEXDIG)", "A\r\n0123456789\r\n0\r\n\r\n"_ba, {}, "0123456789"_ba);
    chunked("lower-case hex size", "a\r\n0123456789\r\n0\r\n\r\n"_ba, {}, "0123456789"_ba);
    chunked("multi-digit mixed-case hex size", "1aB\r\n"_ba + QByteArray(0x1ab, 'x') + "\r\n0\r\n\r\n"_ba, {},
            QByteArray(0x1ab, 'x'));
    chunked("leading zeros in the size (RFC 9112 7.1 1*HEXDIG)", "0005\r\nhello\r\n000\r\n\r\n"_ba, {}, "hello"_ba);
    chunked("sixteen leading zeros are still a small size (nginx)", "00000000000000005\r\nhello\r\n0\r\n\r\n"_ba, {},
            "hello"_ba);
    chunked("chunk extension is skipped (RFC 9112 7.1.1)", "5;name=value\r\nhello\r\n0\r\n\r\n"_ba, {}, "hello"_ba);
    chunked("chunk extension with a quoted string", "5;a=\"x;y\"\r\nhello\r\n0\r\n\r\n"_ba, {}, "hello"_ba);
    chunked("several chunk extensions", "5;a;b=1;c=\"2\"\r\nhello\r\n0\r\n\r\n"_ba, {}, "hello"_ba);
    chunked("extension on the last chunk", "5\r\nhello\r\n0;end=1\r\n\r\n"_ba, {}, "hello"_ba);
    chunked("whitespace before an extension (RFC 9112 7.1.1 BWS)", "5 ;a\r\nhello\r\n0\t;b\r\n\r\n"_ba, {},
            "hello"_ba);
    chunked("trailer fields end at the blank line (RFC 9112 7.1.2)",
            "5\r\nhello\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n"_ba, {}, "hello"_ba);
    chunked("bare LF line ends (nginx)", "5\nhello\n0\n\n"_ba, {}, "hello"_ba);
    chunked("bare LF in trailers (nginx)", "5\nhello\n0\nX-T: 1\n\n"_ba, {}, "hello"_ba);
    chunked("chunk data may hold CRLF and digits", "5\r\n0\r\n\r\n\r\n0\r\n\r\n"_ba, {}, "0\r\n\r\n"_ba);
    chunked("zero-length body", "0\r\n\r\n"_ba, {}, ""_ba);
    chunked("stops at the end of the body (pipelining)", "0\r\n\r\n"_ba, next, ""_ba);
    chunked("stops after the data and last chunk (pipelining)", "2\r\nab\r\n0\r\n\r\n"_ba, next, "ab"_ba);
    chunked("stops after the trailers (pipelining)", "2\r\nab\r\n0\r\nX-T: 1\r\n\r\n"_ba, next, "ab"_ba);
    chunked("binary chunk data", "4\r\n\0\r\n\xff\r\n0\r\n\r\n"_ba, {}, "\0\r\n\xff"_ba);
    chunked("largest size 7fffffffffffffff is read (nginx)", "7fffffffffffffff\r\nabc"_ba, {}, "abc"_ba, "more"_ba);
    chunked("waiting for the next chunk", "5\r\nhello\r\n"_ba, {}, "hello"_ba, "more"_ba);
    chunked("waiting inside chunk data", "5\r\nhel"_ba, {}, "hel"_ba, "more"_ba);
    chunked("waiting for the CRLF after data", "5\r\nhello"_ba, {}, "hello"_ba, "more"_ba);
    chunked("waiting for the blank line after the last chunk", "0\r\n"_ba, {}, ""_ba, "more"_ba);
    chunked("waiting inside the trailers", "0\r\nX-T: 1\r\n"_ba, {}, ""_ba, "more"_ba);

    // Invalid chunked bodies: consumption stops right before the bad byte.
    chunked("missing chunk size", {}, "\r\nhello\r\n0\r\n\r\n"_ba, ""_ba, "error"_ba);
    chunked("size that is not hex", {}, "g\r\nhello\r\n"_ba, ""_ba, "error"_ba);
    chunked("negative size", {}, "-5\r\nhello\r\n"_ba, ""_ba, "error"_ba);
    chunked("0x prefix is not hex", "0"_ba, "x5\r\nhello\r\n"_ba, ""_ba, "error"_ba);
    chunked("whitespace before the size", {}, " 5\r\nhello\r\n"_ba, ""_ba, "error"_ba);
    chunked("extension without a size", {}, ";a\r\nhello\r\n"_ba, ""_ba, "error"_ba);
    chunked("size of 2^63 overflows (nginx: invalid)", "800000000000000"_ba, "0\r\nx"_ba, ""_ba, "error"_ba);
    chunked("size of 17 hex digits overflows", "1000000000000000"_ba, "0\r\nx"_ba, ""_ba, "error"_ba);
    chunked("size of 2^68 - 1 overflows", "fffffffffffffff"_ba, "ff\r\nx"_ba, ""_ba, "error"_ba);
    chunked("CR not followed by LF after the size (RFC 9112 2.2)", "5\r"_ba, "hello\r\n"_ba, ""_ba, "error"_ba);
    chunked("bare CR in a chunk extension (RFC 9112 2.2)", "5;a\r"_ba, "b\r\nhello\r\n0\r\n\r\n"_ba, ""_ba,
            "error"_ba);
    chunked("data longer than its size", "3\r\nhel"_ba, "lo\r\n0\r\n\r\n"_ba, "hel"_ba, "error"_ba);
    chunked("CR not followed by LF after data", "3\r\nabc\r"_ba, "X0\r\n\r\n"_ba, "abc"_ba, "error"_ba);
    chunked("error in a later chunk keeps the earlier payload", "3\r\nabc\r\n"_ba, "zz\r\n"_ba, "abc"_ba, "error"_ba);

    // Until close (RFC 9112 6.3 rule 8) and no body at all.
    row("until close takes every byte", Mode::UntilClose, 0, "anything\r\n\r\n0\r\n\r\n"_ba + next, {},
        "anything\r\n\r\n0\r\n\r\n"_ba + next, "more"_ba);
    row("no body takes nothing", Mode::None, 0, {}, next, ""_ba, "done"_ba);
}

void tst_BodyFramer::framing()
{
    QFETCH(int, mode);
    QFETCH(qint64, length);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, after);
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, state);

    const Mode m = Mode(mode);
    const QByteArray input = body + after;
    for (bool decode : {false, true}) {
        Run expected;
        expected.state = state;
        expected.passthrough = body; // the exact input bytes, unchanged
        expected.decoded = decode ? payload : QByteArray();
        expected.bodyBytes = payload.size();

        const Run whole = consumeAll(m, length, input, {}, decode);
        QCOMPARE(whole.describe(), expected.describe());

        QList<QList<qsizetype>> ways{QList<qsizetype>(input.size(), 1)};
        for (qsizetype cut = 1; cut < input.size(); ++cut)
            ways.append(QList<qsizetype>{cut});
        for (const QList<qsizetype> &pieces : ways) {
            const Run run = consumeAll(m, length, input, pieces, decode);
            if (run.describe() != whole.describe()) {
                const QByteArray how = pieces.size() == 1 ? "split at " + QByteArray::number(pieces.front())
                                                          : "byte by byte"_ba;
                const QByteArray message = how + (decode ? " (decoded)" : " (passthrough)") + ":\n   got:  "
                    + run.describe() + "\n   want: " + whole.describe();
                QFAIL(message.constData());
            }
        }
    }
}

void tst_BodyFramer::resetStartsOver()
{
    HttpBodyFramer framer(Mode::Chunked);
    const QByteArray bad = "zz\r\n"_ba;
    QCOMPARE(framer.consume(bad.constData(), bad.size()), 0);
    QVERIFY(framer.hasError());

    framer.reset(Mode::Chunked);
    QVERIFY(!framer.hasError());
    QVERIFY(!framer.isDone());
    const QByteArray good = "3\r\nabc\r\n0\r\n\r\n"_ba;
    QByteArray decoded;
    QCOMPARE(framer.consume(good.constData(), good.size(), &decoded), good.size());
    QVERIFY(framer.isDone());
    QCOMPARE(decoded, "abc"_ba);
    QCOMPARE(framer.bodyBytes(), 3);

    // A half-read chunk size does not leak into the next body.
    framer.reset(Mode::Chunked);
    QCOMPARE(framer.consume("1", 1), 1);
    framer.reset(Mode::Chunked);
    decoded.clear();
    QCOMPARE(framer.consume("2\r\nab\r\n0\r\n\r\n", 12, &decoded), 12);
    QCOMPARE(decoded, "ab"_ba);

    framer.reset(Mode::Length, 2);
    QCOMPARE(framer.mode(), Mode::Length);
    QCOMPARE(framer.consume("abc", 3), 2);
    QVERIFY(framer.isDone());
}

QTEST_GUILESS_MAIN(tst_BodyFramer)
#include "tst_bodyframer.moc"
