#include "config/confunits.h"

#include <QTest>

#include <limits>

namespace {

constexpr qint64 Max = std::numeric_limits<qint64>::max();
constexpr qint64 Invalid = -1; // expected value of a row nginx rejects

void addColumns()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("expected");
}

void row(const char *name, const char *text, qint64 expected)
{
    QTest::newRow(name) << QByteArray(text) << expected;
}

void check(const std::optional<qint64> &actual)
{
    QFETCH(qint64, expected);
    if (expected == Invalid) {
        QVERIFY2(!actual.has_value(), qPrintable(QString::number(actual.value_or(0))));
    } else {
        QVERIFY(actual.has_value());
        QCOMPARE(*actual, expected);
    }
}

} // namespace

class tst_ConfUnits : public QObject
{
    Q_OBJECT

private slots:
    void msec_data();
    void msec();
    void sec_data();
    void sec();
    void size_data();
    void size();
    void offset_data();
    void offset();
    void flag_data();
    void flag();
};

void tst_ConfUnits::msec_data()
{
    addColumns();
    // nginx docs, "Configuration file measurement units"
    row("docs: 1h 30m", "1h 30m", 5'400'000);
    row("docs: 90m", "90m", 5'400'000);
    row("docs: 5400s", "5400s", 5'400'000);
    row("docs: a bare number is seconds", "60", 60'000);
    row("docs: proxy_read_timeout 86400s", "86400s", 86'400'000);
    row("docs: 500ms", "500ms", 500);

    row("zero", "0", 0);
    row("0ms", "0ms", 0);
    row("s", "4s", 4000);
    row("m", "5m", 300'000);
    row("h", "2h", 7'200'000);
    row("d", "1d", 86'400'000);
    row("w", "1w", 604'800'000);
    row("combination without spaces", "1h30m", 5'400'000);
    row("every unit once, largest first", "1w1d1h1m1s1ms", 604'800'000 + 86'400'000 + 3'600'000 + 60'000 + 1000 + 1);
    row("seconds then milliseconds", "1s500ms", 1500);
    row("trailing bare number is seconds", "1m30", 90'000);
    row("trailing space after a unit", "30s ", 30'000);
    row("bare number then space is seconds", "5 ", 5000);
    row("bare number, space, bare number (nginx adds them)", "1 2", 3000);
    row("leading zeros", "007s", 7000);

    row("M is seconds-only", "1M", Invalid);
    row("y is seconds-only", "1y", Invalid);
    row("units out of order", "30m1h", Invalid);
    row("unit twice", "1s1s", Invalid);
    row("ms twice", "1ms1ms", Invalid);
    row("s after ms", "500ms1s", Invalid);
    row("w after d", "1d1w", Invalid);
    row("two bare numbers after a space", "1 2 3", Invalid);
    row("leading space then unit", " 1s", Invalid);
    row("unit without a number", "s", Invalid);
    row("empty", "", Invalid);
    row("negative", "-1s", Invalid);
    row("fraction", "1.5s", Invalid);
    row("unknown unit", "1x", Invalid);
    row("units are case-sensitive: S", "1S", Invalid);
    row("units are case-sensitive: H", "1H", Invalid);
    row("tab is not a separator", "1h\t30m", Invalid);

    row("largest ms value", "9223372036854775807ms", Max);
    row("digits overflow", "9223372036854775808ms", Invalid);
    row("largest s value", "9223372036854775s", 9'223'372'036'854'775'000);
    row("s overflow", "9223372036854776s", Invalid);
    row("largest bare value", "9223372036854775", 9'223'372'036'854'775'000);
    row("bare overflow", "9223372036854776", Invalid);
    row("sum at the limit", "9223372036854775s807ms", Max);
    row("sum overflow", "9223372036854775s808ms", Invalid);
    row("largest w", "15250284452w", qint64(15'250'284'452) * 604'800'000);
    row("w overflow", "15250284453w", Invalid);
}

void tst_ConfUnits::msec()
{
    QFETCH(QByteArray, text);
    check(ConfUnits::parseMsec(text));
}

void tst_ConfUnits::sec_data()
{
    addColumns();
    row("docs: 1y 6M", "1y 6M", 365 * 86400 + 6 * 30 * 86400);
    row("docs: 1h 30m", "1h 30m", 5400);
    row("bare number is seconds", "10", 10);
    row("y is 365 days", "1y", 31'536'000);
    row("M is 30 days", "1M", 2'592'000);
    row("w", "2w", 1'209'600);
    row("every unit once", "1y1M1w1d1h1m1s", 31'536'000 + 2'592'000 + 604'800 + 86'400 + 3600 + 60 + 1);
    row("trailing bare number", "1m30", 90);

    row("ms is rejected", "1ms", Invalid);
    row("ms after s is rejected", "1s5ms", Invalid);
    row("y twice", "2y1y", Invalid);
    row("y after M", "1M1y", Invalid);
    row("empty", "", Invalid);

    row("largest value", "9223372036854775807", Max);
    row("largest value in s", "9223372036854775807s", Max);
    row("largest y", "292471208677y", qint64(292'471'208'677) * 31'536'000);
    row("y overflow", "292471208678y", Invalid);
}

void tst_ConfUnits::sec()
{
    QFETCH(QByteArray, text);
    check(ConfUnits::parseSec(text));
}

void tst_ConfUnits::size_data()
{
    addColumns();
    row("docs: bytes", "1024", 1024);
    row("docs: k", "8k", 8192);
    row("docs: K", "8K", 8192);
    row("docs: m", "1m", 1'048'576);
    row("docs: M", "1M", 1'048'576);
    row("zero", "0", 0);
    row("leading zeros", "01k", 1024);

    row("g is offset-only", "1g", Invalid);
    row("empty", "", Invalid);
    row("unit alone", "k", Invalid);
    row("negative", "-1", Invalid);
    row("fraction", "1.5k", Invalid);
    row("leading space", " 1k", Invalid);
    row("two-letter unit", "1kb", Invalid);
    row("unit in front", "k1", Invalid);

    row("largest bytes", "9223372036854775807", Max);
    row("bytes overflow", "9223372036854775808", Invalid);
    row("largest k", "9007199254740991k", qint64(9'007'199'254'740'991) * 1024);
    row("k overflow", "9007199254740992k", Invalid);
    row("largest m", "8796093022207m", qint64(8'796'093'022'207) * 1024 * 1024);
    row("m overflow", "8796093022208m", Invalid);
}

void tst_ConfUnits::size()
{
    QFETCH(QByteArray, text);
    check(ConfUnits::parseSize(text));
}

void tst_ConfUnits::offset_data()
{
    addColumns();
    row("docs: client_max_body_size 1m", "1m", 1'048'576);
    row("bytes", "100", 100);
    row("k", "64k", 65'536);
    row("g", "1g", 1'073'741'824);
    row("G", "2G", 2'147'483'648);
    row("zero g", "0g", 0);

    row("t is not a unit", "1t", Invalid);
    row("empty", "", Invalid);
    row("unit alone", "g", Invalid);
    row("fraction", "1.5g", Invalid);

    row("largest g", "8589934591g", qint64(8'589'934'591) * 1024 * 1024 * 1024);
    row("g overflow", "8589934592g", Invalid);
    row("largest bytes", "9223372036854775807", Max);
    row("bytes overflow", "99999999999999999999", Invalid);
}

void tst_ConfUnits::offset()
{
    QFETCH(QByteArray, text);
    check(ConfUnits::parseOffset(text));
}

void tst_ConfUnits::flag_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("expected"); // 1 on, 0 off, -1 invalid

    QTest::newRow("on") << QByteArray("on") << 1;
    QTest::newRow("off") << QByteArray("off") << 0;
    QTest::newRow("case-insensitive ON") << QByteArray("ON") << 1;
    QTest::newRow("case-insensitive Off") << QByteArray("Off") << 0;
    QTest::newRow("yes is not a flag") << QByteArray("yes") << -1;
    QTest::newRow("1 is not a flag") << QByteArray("1") << -1;
    QTest::newRow("prefix") << QByteArray("o") << -1;
    QTest::newRow("longer") << QByteArray("onn") << -1;
    QTest::newRow("empty") << QByteArray("") << -1;
}

void tst_ConfUnits::flag()
{
    QFETCH(QByteArray, text);
    QFETCH(int, expected);
    const std::optional<bool> actual = ConfUnits::parseFlag(text);
    QCOMPARE(actual.has_value() ? int(*actual) : -1, expected);
}

QTEST_GUILESS_MAIN(tst_ConfUnits)
#include "tst_confunits.moc"
