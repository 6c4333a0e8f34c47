// add_header / expires (the headers filter) and the server's own pages
// (nginx's HTML error pages, server_tokens), without sockets.

#include "config/configcompiler.h"
#include "config/headersfilter.h"
#include "config/proxyconfig.h"
#include "http/specialresponse.h"
#include "proxy/cookierewriter.h"

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
    void sentHttpReadsTheHeadBeingBuilt();
    void upstreamStateVariables();
    void upstreamResponseHeadersAndCookies();
    void levelWithOwnAddHeaderInheritsNone();
    void badExpiresIsAnError();
    void serverTokensInPageAndHeader();
    void internalStatusesGoOutAs400();
    void httpDateRoundTrips();
    void cookieRewrites_data();
    void cookieRewrites();
    void cookieRewriteLevels();
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

// The cookie rules of location /a/ (nullopt: the text did not compile).
std::optional<CookieRewrites> compiledCookies(const QByteArray &locationBody, const QByteArray &serverBody = {})
{
    const QByteArray conf = "http { server { listen 127.0.0.1:0; server_name Example; " + serverBody
        + " location /a/ { " + locationBody + " } } }";
    const ConfigCompileResult r = ConfigCompiler::compileText(conf, u"t.conf"_s, {});
    if (!r.ok())
        return std::nullopt;
    return r.config->servers.constFirst().locations.constFirst().cookieRewrites;
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

// ngx_http_headers_filter adds in order, so a later add_header sees the
// earlier ones; 1.22 joins Cache-Control and Link, other names give the first.
void tst_HeadersFilter::sentHttpReadsTheHeadBeingBuilt()
{
    const HeadersFilter f = compiledFilter("add_header Cache-Control foo; add_header Cache-Control bar; "
                                           "add_header Foo one; add_header Foo two; "
                                           "add_header X-CC $sent_http_cache_control; add_header X-Foo $sent_http_foo; "
                                           "add_header X-Type $sent_http_content_type; add_header X-None $sent_http_none;");
    HttpResponseHead h = head(200);
    h.headers.append("Content-Type", "text/plain");
    applyHeadersFilter(h, f, RequestContext{}, 0);
    QCOMPARE(h.headers.value("X-CC"), QByteArray("foo, bar"));
    QCOMPARE(h.headers.value("X-Foo"), QByteArray("one"));
    QCOMPARE(h.headers.value("X-Type"), QByteArray("text/plain"));
    QVERIFY(!h.headers.contains("X-None")); // empty: nothing added
}

// One entry per server tried, ", " between them (ngx_http_upstream_addr_variable
// and friends); times in seconds with milliseconds, "-" where unknown.
void tst_HeadersFilter::upstreamStateVariables()
{
    const HeadersFilter f = compiledFilter("add_header X-Addr $upstream_addr always; add_header X-Status $upstream_status always; "
                                           "add_header X-Connect $upstream_connect_time always; "
                                           "add_header X-Header $upstream_header_time always; "
                                           "add_header X-Response $upstream_response_time always; "
                                           "add_header X-Length $upstream_response_length always; "
                                           "add_header X-In $upstream_bytes_received always; "
                                           "add_header X-Out $upstream_bytes_sent always; add_header X-Port $proxy_port always;");
    RequestContext ctx;
    ctx.upstreamStates = {UpstreamState{.address = "127.0.0.1:8081", .status = 502, .connectMs = -1, .headerMs = -1,
                                        .responseMs = 3},
                          UpstreamState{.address = "127.0.0.1:8082", .status = 200, .connectMs = 1, .headerMs = 1234,
                                        .responseMs = -1, .bytesReceived = 180, .bytesSent = 75, .responseLength = 42}};
    ctx.proxyPort = "8080";
    HttpResponseHead h = head(200);
    applyHeadersFilter(h, f, ctx, 0);
    QCOMPARE(h.headers.value("X-Addr"), QByteArray("127.0.0.1:8081, 127.0.0.1:8082"));
    QCOMPARE(h.headers.value("X-Status"), QByteArray("502, 200"));
    QCOMPARE(h.headers.value("X-Connect"), QByteArray("-, 0.001"));
    QCOMPARE(h.headers.value("X-Header"), QByteArray("-, 1.234"));
    QCOMPARE(h.headers.value("X-Response"), QByteArray("0.003, -"));
    QCOMPARE(h.headers.value("X-Length"), QByteArray("0, 42"));
    QCOMPARE(h.headers.value("X-In"), QByteArray("0, 180"));
    QCOMPARE(h.headers.value("X-Out"), QByteArray("0, 75"));
    QCOMPARE(h.headers.value("X-Port"), QByteArray("8080"));
    // No upstream at all (a `return`): nothing to add.
    HttpResponseHead own = head(200);
    applyHeadersFilter(own, f, RequestContext{}, 0);
    QVERIFY(!own.headers.contains("X-Addr"));
    QVERIFY(!own.headers.contains("X-Status"));
}

void tst_HeadersFilter::upstreamResponseHeadersAndCookies()
{
    const HeadersFilter f = compiledFilter("add_header X-Bar $upstream_http_bar; add_header X-Foo $upstream_cookie_foo; "
                                           "add_header X-Baz $upstream_cookie_bazz; add_header X-No $upstream_cookie_no;");
    HttpResponseHead upstream = head(200);
    upstream.headers.append("Set-Cookie", "foo=1; Path=/");
    upstream.headers.append("Set-Cookie", "bazz=3");
    upstream.headers.append("Bar", "first");
    upstream.headers.append("Bar", "second");
    RequestContext ctx;
    ctx.upstreamResponse = &upstream;
    HttpResponseHead h = head(200);
    applyHeadersFilter(h, f, ctx, 0);
    QCOMPARE(h.headers.value("X-Bar"), QByteArray("first"));
    QCOMPARE(h.headers.value("X-Foo"), QByteArray("1"));
    QCOMPARE(h.headers.value("X-Baz"), QByteArray("3"));
    QVERIFY(!h.headers.contains("X-No"));
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

// proxy_cookie_domain / proxy_cookie_path as ngx_http_proxy_rewrite_cookie
// applies them: Domain compared whole and caseless with its leading dot
// kept, Path by prefix, a regex replacing the whole value with its
// captures, the header written again only when something changed.
void tst_HeadersFilter::cookieRewrites_data()
{
    QTest::addColumn<QByteArray>("cookie");
    QTest::addColumn<QByteArray>("expected");
    const char *rows[][3] = {
        {"domain, caseless, the rule's dots dropped", "id=1; Domain=Old.Example.org", "id=1; Domain=example.com"},
        {"domain: the cookie's leading dot kept", "id=1; domain=.old.example.org; Secure", "id=1; domain=.example.com; Secure"},
        {"domain with a variable", "id=1; Domain=example.net", "id=1; Domain=www.example.net"},
        {"domain: a longer name is not equal", "id=1; Domain=x.old.example.org", "id=1; Domain=x.old.example.org"},
        {"domain regex: the whole value replaced", "id=1; Domain=shop.Cluster.local", "id=1; Domain=shop.public.test"},
        {"path prefix", "id=1; Path=/app/x/y", "id=1; Path=/x/y"},
        {"path prefix is case-sensitive", "id=1; Path=/APP/x", "id=1; Path=/APP/x"},
        {"path caseless regex", "id=1; Path=/Legacy/v1", "id=1; Path=/v1"},
        {"first matching rule wins", "id=1; Path=/app/legacy/z", "id=1; Path=/legacy/z"},
        {"both, and nginx's spacing when rewritten", "id=1;Path=/app/;  HttpOnly;Domain=old.example.org",
         "id=1; Path=/; HttpOnly; Domain=example.com"},
        {"nothing to rewrite: left as sent", "id=1;Path=/other;  HttpOnly", "id=1;Path=/other;  HttpOnly"},
        {"not name=value: left alone", "garbage; Path=/app/", "garbage; Path=/app/"},
        {"an attribute without a value is not rewritten", "id=1; Path", "id=1; Path"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[1]) << QByteArray(row[2]);
}

void tst_HeadersFilter::cookieRewrites()
{
    QFETCH(QByteArray, cookie);
    QFETCH(QByteArray, expected);
    const std::optional<CookieRewrites> rules = compiledCookies(
        "proxy_cookie_domain .old.example.org .example.com; proxy_cookie_domain example.net www.$server_name.net; "
        "proxy_cookie_domain ~^(\\w+)\\.cluster\\.local$ $1.public.test; "
        "proxy_cookie_path /app/ /; proxy_cookie_path ~*^/legacy/(.*)$ /$1;");
    QVERIFY(rules);
    QCOMPARE(rules->domains.size(), 3);
    QCOMPARE(rules->paths.size(), 2);
    HttpHeaders headers;
    headers.append("Content-Type", "text/plain");
    headers.append("Set-Cookie", cookie);
    headers.append("set-cookie", "other=2; Path=/app/");
    RequestContext ctx;
    ctx.serverName = "example";
    rewriteSetCookies(*rules, headers, ctx);
    QCOMPARE(headers.size(), 3);
    QCOMPARE(headers.fields().at(0).value, QByteArray("text/plain"));
    QCOMPARE(headers.fields().at(1).value, expected);
    QCOMPARE(headers.fields().at(2).name, QByteArray("set-cookie"));
    QCOMPARE(headers.fields().at(2).value, QByteArray("other=2; Path=/"));
}

// Each list is inherited whole unless the level sets a rule or `off`; `off`
// next to a rule is a duplicate, as in nginx.
void tst_HeadersFilter::cookieRewriteLevels()
{
    const QByteArray server = "proxy_cookie_domain a.test b.test; proxy_cookie_path /a/ /b/;";
    std::optional<CookieRewrites> r = compiledCookies("", server);
    QVERIFY(r);
    QCOMPARE(r->domains.size(), 1);
    QCOMPARE(r->paths.size(), 1);
    r = compiledCookies("proxy_cookie_path /c/ /d/;", server);
    QVERIFY(r);
    QCOMPARE(r->domains.size(), 1); // untouched list inherited
    QCOMPARE(r->paths.size(), 1);
    QCOMPARE(r->paths.constFirst().pattern.source(), QByteArray("/c/"));
    r = compiledCookies("proxy_cookie_domain off;", server);
    QVERIFY(r);
    QVERIFY(r->domains.isEmpty());
    QCOMPARE(r->paths.size(), 1);
    for (const QByteArray &bad : {"proxy_cookie_domain off; proxy_cookie_domain a b;"_ba,
                                  "proxy_cookie_path /a/ /b/; proxy_cookie_path off;"_ba, "proxy_cookie_path on;"_ba,
                                  "proxy_cookie_domain ~( x;"_ba, "proxy_cookie_path /a/ $nosuchvariable;"_ba})
        QVERIFY2(!compiledCookies(bad), bad.constData());
}

QTEST_GUILESS_MAIN(tst_HeadersFilter)
#include "tst_headersfilter.moc"
