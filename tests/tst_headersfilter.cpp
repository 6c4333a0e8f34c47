// add_header / expires (the headers filter) and the server's own pages
// (nginx's HTML error pages, server_tokens), without sockets.

#include "config/configcompiler.h"
#include "config/headersfilter.h"
#include "config/proxyconfig.h"
#include "http/specialresponse.h"

#include <QTest>

using namespace Qt::StringLiterals;

class tst_HeadersFilter : public QObject
{
    Q_OBJECT

private slots:
    void alwaysDecidesForUnlistedStatuses_data();
    void alwaysDecidesForUnlistedStatuses();
    void emptyValueRemovesEtag();
    void expiresForms_data();
    void expiresForms();
    void expiresModifiedCountsFromLastModified();
    void expiresVariableReadPerRequest();
    void levelWithOwnAddHeaderInheritsNone();
    void badExpiresIsAnError();
    void serverTokensInPageAndHeader();
    void internalStatusesGoOutAs400();
    void httpDateRoundTrips();
};

namespace {

HeadersFilter compiledFilter(const QByteArray &locationBody, const QByteArray &serverBody = {})
{
    const QByteArray conf = "http { server { listen 127.0.0.1:0; " + serverBody + " location /a/ { " + locationBody
        + " } } }";
    const ConfigCompileResult r = ConfigCompiler::compileText(conf, u"t.conf"_s, {});
    if (!r.ok())
        return {};
    return r.config->servers.constFirst().locations.constFirst().headersFilter;
}

HttpResponseHead head(int status)
{
    HttpResponseHead h;
    h.status = status;
    return h;
}

} // namespace

void tst_HeadersFilter::alwaysDecidesForUnlistedStatuses_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("plain");
    QTest::newRow("200 listed") << 200 << true;
    QTest::newRow("304 listed") << 304 << true;
    QTest::newRow("308 listed") << 308 << true;
    QTest::newRow("404 not") << 404 << false;
    QTest::newRow("101 not (a WebSocket upgrade)") << 101 << false;
    QTest::newRow("502 not") << 502 << false;
}

void tst_HeadersFilter::alwaysDecidesForUnlistedStatuses()
{
    QFETCH(int, status);
    QFETCH(bool, plain);
    const HeadersFilter f = compiledFilter("add_header X-Plain p; add_header X-Always a always;");
    QCOMPARE(f.headers.size(), 2);
    HttpResponseHead h = head(status);
    applyHeadersFilter(h, f, RequestContext{}, 1'000'000);
    QCOMPARE(h.headers.contains("X-Plain"), plain);
    QCOMPARE(h.headers.value("X-Always"), QByteArray("a"));
}

void tst_HeadersFilter::emptyValueRemovesEtag()
{
    const HeadersFilter f = compiledFilter("add_header ETag first always; add_header ETag '' always; add_header X-E '';");
    HttpResponseHead h = head(200);
    h.headers.append("ETag", "\"from-file\"");
    applyHeadersFilter(h, f, RequestContext{}, 0);
    QVERIFY(!h.headers.contains("ETag"));
    QVERIFY2(!h.headers.contains("X-E"), "an empty value adds no field");
}

void tst_HeadersFilter::expiresForms_data()
{
    QTest::addColumn<QByteArray>("directive");
    QTest::addColumn<QByteArray>("expires");
    QTest::addColumn<QByteArray>("cacheControl");
    // now = 1'000'000 s: Mon, 12 Jan 1970 13:46:40 GMT
    QTest::newRow("epoch") << "expires epoch;"_ba << "Thu, 01 Jan 1970 00:00:01 GMT"_ba << "no-cache"_ba;
    QTest::newRow("max") << "expires max;"_ba << "Thu, 31 Dec 2037 23:55:55 GMT"_ba << "max-age=315360000"_ba;
    QTest::newRow("one hour") << "expires 1h;"_ba << "Mon, 12 Jan 1970 14:46:40 GMT"_ba << "max-age=3600"_ba;
    QTest::newRow("negative") << "expires -10s;"_ba << "Mon, 12 Jan 1970 13:46:30 GMT"_ba << "no-cache"_ba;
    QTest::newRow("off") << "expires off;"_ba << QByteArray() << QByteArray();
}

void tst_HeadersFilter::expiresForms()
{
    QFETCH(QByteArray, directive);
    QFETCH(QByteArray, expires);
    QFETCH(QByteArray, cacheControl);
    HttpResponseHead h = head(200);
    h.headers.append("Cache-Control", "private");
    h.headers.append("Cache-Control", "no-store");
    applyHeadersFilter(h, compiledFilter(directive), RequestContext{}, 1'000'000);
    QCOMPARE(h.headers.value("Expires"), expires);
    if (expires.isEmpty()) {
        QCOMPARE(h.headers.count("Cache-Control"), 2);
        return;
    }
    QCOMPARE(h.headers.count("Cache-Control"), 1); // the response's own are replaced
    QCOMPARE(h.headers.value("Cache-Control"), cacheControl);
}

void tst_HeadersFilter::expiresModifiedCountsFromLastModified()
{
    HttpResponseHead h = head(200);
    h.headers.append("Last-Modified", "Mon, 28 Sep 1970 06:00:00 GMT");
    applyHeadersFilter(h, compiledFilter("expires modified 2048;"), RequestContext{}, 1'000'000);
    QCOMPARE(h.headers.value("Expires"), QByteArray("Mon, 28 Sep 1970 06:34:08 GMT"));
}

void tst_HeadersFilter::expiresVariableReadPerRequest()
{
    const HeadersFilter f = compiledFilter("expires $arg_e;");
    HttpRequestHead req;
    req.method = "GET";
    RequestContext ctx;
    ctx.request = &req;
    const auto run = [&](const QByteArray &target) {
        req.target = target;
        HttpResponseHead h = head(200);
        applyHeadersFilter(h, f, ctx, 1'000'000);
        return h.headers.value("Cache-Control");
    };
    QCOMPARE(run("/a/?e=30"), QByteArray("max-age=30"));
    QCOMPARE(run("/a/?e=epoch"), QByteArray("no-cache"));
    QCOMPARE(run("/a/?e=junk"), QByteArray()); // nginx: logged, nothing added
    QCOMPARE(run("/a/"), QByteArray());
}

void tst_HeadersFilter::levelWithOwnAddHeaderInheritsNone()
{
    const HeadersFilter inherited = compiledFilter("", "add_header X-Server s;");
    QCOMPARE(inherited.headers.size(), 1);
    const HeadersFilter own = compiledFilter("add_header X-Own o;", "add_header X-Server s;");
    QCOMPARE(own.headers.size(), 1);
    QCOMPARE(own.headers.constFirst().name, QByteArray("X-Own"));
}

void tst_HeadersFilter::badExpiresIsAnError()
{
    for (const QByteArray &conf : {"expires modified @1h;"_ba, "expires @25h;"_ba, "expires soon;"_ba,
                                  "add_header X y sometimes;"_ba, "server_tokens maybe;"_ba}) {
        const QByteArray text = "http { server { listen 127.0.0.1:0; location / { " + conf + " } } }";
        const ConfigCompileResult r = ConfigCompiler::compileText(text, u"t.conf"_s, {});
        QVERIFY2(!r.ok(), conf.constData());
    }
}

void tst_HeadersFilter::serverTokensInPageAndHeader()
{
    QCOMPARE(serverSoftware(ServerTokens::Off), QByteArray("nginx"));
    QVERIFY(serverSoftware(ServerTokens::On).startsWith("nginx/1.22.1 (wsscope "));
    const QByteArray off = specialPageBody(404, ServerTokens::Off);
    QVERIFY2(off.contains("<title>404 Not Found</title>"), off);
    QVERIFY2(off.contains("<hr><center>nginx</center>"), off);
    const QByteArray on = specialPageBody(502, ServerTokens::On, "connect() refused -- port 9");
    QVERIFY2(on.contains("<center>nginx/1.22.1"), on);
    QVERIFY2(on.contains("<!-- wsscope: connect() refused - - port 9 -->"), on);
    QVERIFY(specialPageBody(200, ServerTokens::On).isEmpty());
}

void tst_HeadersFilter::internalStatusesGoOutAs400()
{
    QCOMPARE(statusOnTheWire(494), 400);
    QVERIFY(specialPageBody(494, ServerTokens::On).contains("400 Request Header Or Cookie Too Large"));
    QCOMPARE(statusOnTheWire(413), 413);
    QCOMPARE(nginxReasonPhrase(413), QByteArray("Request Entity Too Large"));
}

void tst_HeadersFilter::httpDateRoundTrips()
{
    QCOMPARE(httpDate(784111777), QByteArray("Sun, 06 Nov 1994 08:49:37 GMT"));
    QCOMPARE(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), std::optional<qint64>(784111777));
    QCOMPARE(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), std::optional<qint64>(784111777));
    QCOMPARE(parseHttpDate("Sun Nov  6 08:49:37 1994"), std::optional<qint64>(784111777));
    QVERIFY(!parseHttpDate("yesterday"));
}

QTEST_GUILESS_MAIN(tst_HeadersFilter)
#include "tst_headersfilter.moc"
