// The client connection's directives as the compiler reads them:
// keepalive_timeout, keepalive_requests, keepalive_time, keepalive_disable
// at every level (merged down as nginx's ngx_http_core_merge_loc_conf does),
// and the errors `wsscope -t` gives for bad values.

#include "config/configcompiler.h"

#include <QTest>

using namespace Qt::StringLiterals;

class tst_ClientDirectives : public QObject
{
    Q_OBJECT

private slots:
    void keepAliveValues_data();
    void keepAliveValues();
    void errors_data();
    void errors();
    void upstreamBlockRefusesTheClientSide();
};

namespace {

ConfigCompileResult compile(const QByteArray &text)
{
    ConfigCompileOptions o;
    o.resolve = [](const QString &, QString *) { return QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}; };
    return ConfigCompiler::compileText(text, u"t.conf"_s, o);
}

QString shown(const ConfigCompileResult &r)
{
    QStringList out;
    for (const ConfDiagnostic &d : r.diagnostics)
        out << d.toString();
    return out.join(u'\n');
}

} // namespace

void tst_ClientDirectives::keepAliveValues_data()
{
    QTest::addColumn<QByteArray>("server");   // the server level's directives
    QTest::addColumn<QByteArray>("location"); // the location's
    QTest::addColumn<qint64>("timeoutMs");
    QTest::addColumn<qint64>("headerSec");
    QTest::addColumn<int>("requests");
    QTest::addColumn<qint64>("timeMs");
    QTest::addColumn<int>("disable");
    const int msie6 = LocationSettings::KeepaliveDisableMsie6, safari = LocationSettings::KeepaliveDisableSafari;

    QTest::newRow("nginx's defaults") << QByteArray() << QByteArray() << qint64(75'000) << qint64(0) << 1000
                                      << qint64(3'600'000) << msie6;
    QTest::newRow("a location's own values") << QByteArray()
                                             << QByteArray("keepalive_timeout 5s 4; keepalive_requests 3; "
                                                           "keepalive_time 10m; keepalive_disable safari;")
                                             << qint64(5'000) << qint64(4) << 3 << qint64(600'000) << safari;
    QTest::newRow("merged down from the server")
        << QByteArray("keepalive_timeout 1 9; keepalive_requests 2; keepalive_time 1h30m; keepalive_disable none;")
        << QByteArray() << qint64(1'000) << qint64(9) << 2 << qint64(5'400'000) << 0;
    // ngx_http_core_keepalive sets keepalive_header only with the second argument.
    QTest::newRow("a one-argument keepalive_timeout keeps the header of the level above")
        << QByteArray("keepalive_timeout 1 9;") << QByteArray("keepalive_timeout 30s;") << qint64(30'000) << qint64(9)
        << 1000 << qint64(3'600'000) << msie6;
    QTest::newRow("keepalive_timeout 0 disables keep-alive")
        << QByteArray() << QByteArray("keepalive_timeout 0;") << qint64(0) << qint64(0) << 1000 << qint64(3'600'000)
        << msie6;
    QTest::newRow("the header's time in seconds with units") << QByteArray() << QByteArray("keepalive_timeout 1m 2m;")
                                                             << qint64(60'000) << qint64(120) << 1000
                                                             << qint64(3'600'000) << msie6;
    QTest::newRow("keepalive_disable msie6 safari") << QByteArray() << QByteArray("keepalive_disable msie6 safari;")
                                                    << qint64(75'000) << qint64(0) << 1000 << qint64(3'600'000)
                                                    << (msie6 | safari);
}

void tst_ClientDirectives::keepAliveValues()
{
    QFETCH(QByteArray, server);
    QFETCH(QByteArray, location);
    const ConfigCompileResult r = compile("http { server { listen 127.0.0.1:0; " + server + " location / { " + location
                                          + " return 204; } } }");
    QVERIFY2(r.ok(), qPrintable(shown(r)));
    const LocationConfig &loc = r.config->servers.constFirst().locations.constFirst();
    QTEST(loc.keepaliveTimeoutMs, "timeoutMs");
    QTEST(loc.keepaliveHeaderSec, "headerSec");
    QTEST(loc.keepaliveRequests, "requests");
    QTEST(loc.keepaliveTimeMs, "timeMs");
    QTEST(int(loc.keepaliveDisable), "disable");
}

void tst_ClientDirectives::errors_data()
{
    QTest::addColumn<QByteArray>("directive"); // placed in a location, or at server level when it says so
    QTest::addColumn<QString>("expected");
    QTest::newRow("keepalive_timeout: a bad time")
        << QByteArray("location / { keepalive_timeout 5x; }")
        << u"t.conf:1:48: error: \"keepalive_timeout\" directive invalid value"_s;
    QTest::newRow("keepalive_timeout: a bad header time")
        << QByteArray("location / { keepalive_timeout 5s 10ms; }")
        << u"t.conf:1:51: error: \"keepalive_timeout\" directive invalid value"_s;
    QTest::newRow("keepalive_timeout: three arguments")
        << QByteArray("location / { keepalive_timeout 1 2 3; }")
        << u"t.conf:1:30: error: invalid number of arguments in \"keepalive_timeout\" directive"_s;
    QTest::newRow("keepalive_requests: not a number")
        << QByteArray("location / { keepalive_requests many; }")
        << u"t.conf:1:49: error: invalid value \"many\" in \"keepalive_requests\" directive"_s;
    QTest::newRow("keepalive_time: a bad time")
        << QByteArray("keepalive_time soon;") << u"t.conf:1:32: error: \"keepalive_time\" directive invalid value"_s;
    QTest::newRow("keepalive_disable: a browser nginx does not know")
        << QByteArray("keepalive_disable msie6 chrome;") << u"t.conf:1:41: error: invalid value \"chrome\""_s;
}

void tst_ClientDirectives::errors()
{
    QFETCH(QByteArray, directive);
    QFETCH(QString, expected);
    const ConfigCompileResult r = compile("http { server { " + directive + " } }");
    QVERIFY(!r.ok());
    QVERIFY2(shown(r).split(u'\n').contains(expected), qPrintable(shown(r)));
}

// keepalive_disable is not one of the upstream block's keepalive_* (it used
// to reach their handler and crash the compiler).
void tst_ClientDirectives::upstreamBlockRefusesTheClientSide()
{
    const ConfigCompileResult r = compile("http { upstream u { server 127.0.0.1:1; keepalive_disable none; } }");
    QVERIFY(!r.ok());
    QVERIFY2(shown(r).contains(u"t.conf:1:41: error: \"keepalive_disable\" directive is not allowed here"_s),
             qPrintable(shown(r)));
}

QTEST_GUILESS_MAIN(tst_ClientDirectives)
#include "tst_clientdirectives.moc"
