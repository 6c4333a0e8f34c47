#include "config/configcompiler.h"
#include "proxy/proxyruntime.h"
#include "upstream/upstreamgroup.h"
#include "http/headerrewrite.h"
#include "http/mapvariable.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// Every host resolves to loopback: the seeds name hosts ("backend") that
// their articles define elsewhere.
ConfigCompileOptions testOptions()
{
    ConfigCompileOptions o;
    o.resolve = [](const QString &, QString *) { return QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}; };
    o.defaultListenPort = 8000;
    return o;
}

ConfigCompileResult compile(const QByteArray &text)
{
    return ConfigCompiler::compileText(text, u"t.conf"_s, testOptions());
}

QStringList show(const QList<ConfDiagnostic> &diagnostics)
{
    QStringList out;
    for (const ConfDiagnostic &d : diagnostics)
        out << d.toString();
    return out;
}

QString describe(const LocationConfig *loc)
{
    if (!loc)
        return u"none"_s;
    using M = LocationConfig::Match;
    const QString name = QString::fromUtf8(loc->prefix);
    switch (loc->match) {
    case M::Exact: return u"= "_s + name;
    case M::PreferPrefix: return u"^~ "_s + name;
    case M::Regex: return u"~ "_s + name;
    case M::RegexCaseless: return u"~* "_s + name;
    default: return name;
    }
}

QString seedsDir()
{
    QString base = qEnvironmentVariable("WSSCOPE_TESTDATA");
    if (base.isEmpty())
        base = QFINDTESTDATA("data");
    return base + u"/config/seeds"_s;
}

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

HttpRequestHead request(const QByteArray &target, const HeaderList &headers)
{
    HttpRequestHead r;
    r.method = "GET";
    r.target = target;
    for (const auto &h : headers)
        r.headers.append(h.first, h.second);
    return r;
}

// The headers a location sends upstream, "Name: value" in order (empty ones left out, as nginx does).
QStringList expandHeaders(const LocationConfig &loc, const ServerConfig &server, const HttpRequestHead &req)
{
    RequestContext ctx;
    ctx.request = &req;
    ctx.remoteAddress = QHostAddress(u"192.0.2.7"_s);
    ctx.remotePort = 40000;
    ctx.serverPort = 8000;
    ctx.serverName = server.serverName;
    ctx.proxyHost = loc.proxyPass.proxyHost;
    QStringList out;
    for (const HeaderRule &r : loc.headers) {
        const QByteArray v = r.value.expand(ctx);
        if (!v.isEmpty())
            out << QString::fromUtf8(r.name + ": " + v);
    }
    return out;
}

} // namespace

class tst_ConfigCompiler : public QObject
{
    Q_OBJECT

private slots:
    void locationMatching_data();
    void locationMatching();
    void proxyPassUri_data();
    void proxyPassUri();
    void variables_data();
    void variables();
    void headerInheritance_data();
    void headerInheritance();
    void serverSelection_data();
    void serverSelection();
    void serverNameVariable_data();
    void serverNameVariable();
    void diagnostics_data();
    void diagnostics();
    void headBufferDiagnostics_data();
    void headBufferDiagnostics() { diagnostics(); }
    void proxyRedirectDiagnostics_data();
    void proxyRedirectDiagnostics() { diagnostics(); }
    void realIpDiagnostics_data();
    void realIpDiagnostics() { diagnostics(); }
    void requestBodyDiagnostics_data();
    void requestBodyDiagnostics() { diagnostics(); }
    void clientCertificateDiagnostics_data();
    void clientCertificateDiagnostics() { diagnostics(); }
    void upstreamBlock();
    void compileLoadsNoKeys();
    void prefixAndGlobalsApplyToText();
    void valuesAndUnits();
    void workerProcessesDefaultsToOne();
    void listenPortRanges();
    void listenPortRangeDiagnostics_data();
    void listenPortRangeDiagnostics() { diagnostics(); }
    void crlfNeverReachesAHeader();
    void seeds_data();
    void seeds();
    void badInputNeverCrashes_data();
    void badInputNeverCrashes();
};

void tst_ConfigCompiler::locationMatching_data()
{
    QTest::addColumn<QByteArray>("locations");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QString>("expected");

    // The example of nginx's "location" documentation.
    const QByteArray docs = "location = / { return 200 A; }\n"
                            "location / { return 200 B; }\n"
                            "location /documents/ { return 200 C; }\n"
                            "location ^~ /images/ { return 200 D; }\n"
                            "location ~* \\.(gif|jpg|jpeg)$ { return 200 E; }\n";
    QTest::newRow("docs: = / for exactly /") << docs << QByteArray("/") << u"= /"_s;
    QTest::newRow("docs: / for /index.html") << docs << QByteArray("/index.html") << u"/"_s;
    QTest::newRow("docs: longest prefix") << docs << QByteArray("/documents/document.html") << u"/documents/"_s;
    QTest::newRow("docs: ^~ stops the regex check") << docs << QByteArray("/images/1.gif") << u"^~ /images/"_s;
    QTest::newRow("docs: regex beats the longest prefix") << docs << QByteArray("/documents/1.jpg")
                                                          << u"~* \\.(gif|jpg|jpeg)$"_s;
    QTest::newRow("~* is caseless") << docs << QByteArray("/documents/1.JPG") << u"~* \\.(gif|jpg|jpeg)$"_s;
    const QByteArray cs = "location / {}\nlocation ~ \\.PNG$ {}\n";
    QTest::newRow("~ is case-sensitive") << cs << QByteArray("/a.png") << u"/"_s;
    QTest::newRow("~ matches its case") << cs << QByteArray("/a.PNG") << u"~ \\.PNG$"_s;
    const QByteArray order = "location ~ ^/a {}\nlocation ~ ^/ab {}\n";
    QTest::newRow("first regex in file order wins") << order << QByteArray("/abc") << u"~ ^/a"_s;
    const QByteArray exact = "location = /exact {}\nlocation /exact {}\n";
    QTest::newRow("= beats the same prefix") << exact << QByteArray("/exact") << u"= /exact"_s;
    QTest::newRow("= needs the whole URI") << exact << QByteArray("/exact/1") << u"/exact"_s;
    const QByteArray nested = "location /a/ {\n  location /a/b/ {}\n  location ~ \\.x$ {}\n}\n"
                              "location ~ x$ {}\n";
    QTest::newRow("nested prefix") << nested << QByteArray("/a/b/c") << u"/a/b/"_s;
    QTest::newRow("nested regex before outer regex") << nested << QByteArray("/a/b/c.x") << u"~ \\.x$"_s;
    QTest::newRow("outer regex when no nested one matches") << nested << QByteArray("/a/zx") << u"~ x$"_s;
    QTest::newRow("nested regexes only inside their prefix") << nested << QByteArray("/c.x") << u"~ x$"_s;
    QTest::newRow("no match") << QByteArray("location /api/ {}\n") << QByteArray("/x") << u"none"_s;
    QTest::newRow("named location is never matched") << QByteArray("location @fallback {}\n") << QByteArray("/")
                                                     << u"none"_s;
    QTest::newRow("one-word =/path") << QByteArray("location =/ws {}\nlocation / {}\n") << QByteArray("/ws")
                                     << u"= /ws"_s;
    QTest::newRow("one-word ~*re") << QByteArray("location ~*\\.js$ {}\nlocation / {}\n") << QByteArray("/A.JS")
                                   << u"~* \\.js$"_s;
}

void tst_ConfigCompiler::locationMatching()
{
    QFETCH(QByteArray, locations);
    QFETCH(QByteArray, path);
    QFETCH(QString, expected);
    const ConfigCompileResult r = compile("http { server { listen 127.0.0.1:8000;\n" + locations + "} }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QByteArray normalized;
    QVERIFY(normalizeUriPath(path, &normalized));
    QCOMPARE(describe(r.config->servers.constFirst().matchLocation(normalized)), expected);
}

void tst_ConfigCompiler::proxyPassUri_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QByteArray>("proxyPass");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("no URI part: passed as sent") << QByteArray("/ws/") << QByteArray("http://b")
                                                << QByteArray("/ws/chat?x=1") << QByteArray("/ws/chat?x=1");
    QTest::newRow("no URI part: not even normalized") << QByteArray("/a/") << QByteArray("http://b")
                                                     << QByteArray("/a//x/../y") << QByteArray("/a//x/../y");
    QTest::newRow("/ replaces the prefix") << QByteArray("/ws/") << QByteArray("http://b/")
                                           << QByteArray("/ws/chat?x=1") << QByteArray("/chat?x=1");
    QTest::newRow("location without /, URI with /: double slash")
        << QByteArray("/ws") << QByteArray("http://b/socket/") << QByteArray("/ws/x") << QByteArray("/socket//x");
    QTest::newRow("location with /, URI without /: glued")
        << QByteArray("/ws/") << QByteArray("http://b/socket") << QByteArray("/ws/x") << QByteArray("/socketx");
    QTest::newRow("prefix cut by length") << QByteArray("/ws") << QByteArray("http://b/socket")
                                          << QByteArray("/wsabc") << QByteArray("/socketabc");
    QTest::newRow("exact location") << QByteArray("= /ws") << QByteArray("http://b/socket") << QByteArray("/ws?a")
                                    << QByteArray("/socket?a");
    QTest::newRow("escapes re-escaped") << QByteArray("/a/") << QByteArray("http://b/c/") << QByteArray("/a/x%20y")
                                        << QByteArray("/c/x%20y");
    QTest::newRow("needless escapes decoded") << QByteArray("/a/") << QByteArray("http://b/c/")
                                              << QByteArray("/a/%41") << QByteArray("/c/A");
    QTest::newRow("normalized before the cut") << QByteArray("/a/") << QByteArray("http://b/c/")
                                               << QByteArray("/a//x/../y") << QByteArray("/c/y");
    QTest::newRow("root to root") << QByteArray("/") << QByteArray("http://b/") << QByteArray("/?q")
                                  << QByteArray("/?q");
    QTest::newRow("empty query kept out") << QByteArray("/") << QByteArray("http://b/p/") << QByteArray("/x?")
                                          << QByteArray("/p/x");
}

void tst_ConfigCompiler::proxyPassUri()
{
    QFETCH(QByteArray, location);
    QFETCH(QByteArray, proxyPass);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, expected);
    const ConfigCompileResult r = compile("http { upstream b { server 127.0.0.1:9; }\nserver { listen 127.0.0.1:8000;\n"
                                          "location " + location + " { proxy_pass " + proxyPass + "; } } }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    const LocationConfig &loc = r.config->servers.constFirst().locations.constFirst();
    QCOMPARE(upstreamTargetFor(loc, target), expected);
}

void tst_ConfigCompiler::variables_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QString>("expected");

    using H = HeaderList;
    QTest::newRow("map: upgrade") << QByteArray("$connection_upgrade") << QByteArray("/")
                                  << H{{"Host", "a"}, {"Upgrade", "websocket"}} << u"upgrade"_s;
    QTest::newRow("map: '' close") << QByteArray("$connection_upgrade") << QByteArray("/") << H{{"Host", "a"}}
                                   << u"close"_s;
    QTest::newRow("hostnames: exact, any case") << QByteArray("$site") << QByteArray("/")
                                                << H{{"Host", "EXAMPLE.com:8080"}} << u"ex"_s;
    QTest::newRow("hostnames: *.x") << QByteArray("$site") << QByteArray("/") << H{{"Host", "a.example.com"}}
                                    << u"wild"_s;
    QTest::newRow("hostnames: x.*") << QByteArray("$site") << QByteArray("/") << H{{"Host", "www.example.org"}}
                                    << u"pre"_s;
    QTest::newRow("hostnames: regex after wildcards") << QByteArray("$site") << QByteArray("/")
                                                      << H{{"Host", "api12.test"}} << u"re"_s;
    QTest::newRow("hostnames: default") << QByteArray("$site") << QByteArray("/") << H{{"Host", "other.net"}}
                                        << u"d"_s;
    QTest::newRow("map value with a variable") << QByteArray("$client") << QByteArray("/") << H{{"Host", "a"}}
                                               << u"ip-192.0.2.7"_s;
    QTest::newRow("map of a map") << QByteArray("$is_ws") << QByteArray("/") << H{{"Upgrade", "websocket"}}
                                  << u"yes"_s;
    QTest::newRow("$host lower-cased, no port") << QByteArray("$host") << QByteArray("/")
                                                << H{{"Host", "Example.COM:8080"}} << u"example.com"_s;
    QTest::newRow("$host falls back to server_name") << QByteArray("$host") << QByteArray("/") << H{}
                                                     << u"main.test"_s;
    QTest::newRow("$http_host as sent") << QByteArray("$http_host") << QByteArray("/")
                                        << H{{"Host", "Example.COM:8080"}} << u"Example.COM:8080"_s;
    QTest::newRow("$proxy_host of an upstream") << QByteArray("$proxy_host") << QByteArray("/") << H{}
                                                << u"backend"_s;
    QTest::newRow("$proxy_add_x_forwarded_for appends")
        << QByteArray("$proxy_add_x_forwarded_for") << QByteArray("/") << H{{"X-Forwarded-For", "10.0.0.1"}}
        << u"10.0.0.1, 192.0.2.7"_s;
    QTest::newRow("$proxy_add_x_forwarded_for alone") << QByteArray("$proxy_add_x_forwarded_for") << QByteArray("/")
                                                      << H{} << u"192.0.2.7"_s;
    QTest::newRow("$request_uri $uri $args") << QByteArray("$request_uri|$uri|$args|$is_args")
                                             << QByteArray("/a%20b?x=1") << H{} << u"/a%20b?x=1|/a b|x=1|?"_s;
    QTest::newRow("$http_x_custom") << QByteArray("[$http_x_custom]") << QByteArray("/")
                                    << H{{"X-Custom", "v"}} << u"[v]"_s;
    QTest::newRow("${var}text") << QByteArray("${scheme}://$server_name:$server_port") << QByteArray("/") << H{}
                                << u"http://main.test:8000"_s;
}

void tst_ConfigCompiler::variables()
{
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, target);
    QFETCH(HeaderList, headers);
    QFETCH(QString, expected);
    const QByteArray conf = "http {\n"
                            "map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                            "map $host $site { hostnames; default d; example.com ex; *.example.com wild;\n"
                            "    www.example.* pre; ~^api\\d+\\.test$ re; }\n"
                            "map $http_x_nothing $client { default ip-$remote_addr; }\n"
                            "map $connection_upgrade $is_ws { upgrade yes; default no; }\n"
                            "upstream backend { server 127.0.0.1:9; }\n"
                            "server { listen 127.0.0.1:8000; server_name main.test other.test;\n"
                            "  location / { proxy_pass http://backend; proxy_set_header X-Test \""
        + value + "\"; } } }";
    const ConfigCompileResult r = compile(conf);
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    const ServerConfig &server = r.config->servers.constFirst();
    const QStringList sent = expandHeaders(server.locations.constFirst(), server, request(target, headers));
    QVERIFY(!sent.isEmpty());
    QCOMPARE(sent.constFirst(), u"X-Test: "_s + expected);
}

void tst_ConfigCompiler::headerInheritance_data()
{
    QTest::addColumn<int>("server");
    QTest::addColumn<int>("location");
    QTest::addColumn<QStringList>("expected");

    // nginx adds its defaults after the configured list: Host $proxy_host,
    // Connection close, and TE/Keep-Alive/Expect/Upgrade emptied (not sent).
    QTest::newRow("location sets none: the server's list") << 0 << 0
                                                           << QStringList{u"B: 2"_s, u"Host: up"_s, u"Connection: close"_s};
    QTest::newRow("location sets one: only its own") << 0 << 1
                                                     << QStringList{u"C: 3"_s, u"Host: up"_s, u"Connection: close"_s};
    QTest::newRow("server sets none: the http list") << 1 << 0
                                                     << QStringList{u"A: 1"_s, u"Host: up"_s, u"Connection: close"_s};
    QTest::newRow("nested location inherits its parent's") << 1 << 1
                                                           << QStringList{u"D: 4"_s, u"Host: up"_s, u"Connection: close"_s};
    QTest::newRow("overriding a default") << 1 << 2 << QStringList{u"Host: h"_s, u"Connection: close"_s};
    QTest::newRow("Upgrade forwarded only when set") << 1 << 3
                                                     << QStringList{u"Upgrade: websocket"_s, u"Host: up"_s,
                                                                    u"Connection: close"_s};
}

void tst_ConfigCompiler::headerInheritance()
{
    QFETCH(int, server);
    QFETCH(int, location);
    QFETCH(QStringList, expected);
    const QByteArray conf = "http {\n"
                            "  upstream up { server 127.0.0.1:9; }\n"
                            "  proxy_set_header A 1;\n"
                            "  server { listen 127.0.0.1:8000;\n"
                            "    proxy_set_header B 2;\n"
                            "    location /x { proxy_pass http://up; }\n"
                            "    location /y { proxy_pass http://up; proxy_set_header C 3; }\n"
                            "  }\n"
                            "  server { listen 127.0.0.1:8001;\n"
                            "    location /x { proxy_pass http://up; }\n"
                            "    location /n { proxy_set_header D 4; location /n/m { proxy_pass http://up; } }\n"
                            "    location /h { proxy_pass http://up; proxy_set_header Host h; }\n"
                            "    location /u { proxy_pass http://up; proxy_set_header Upgrade $http_upgrade; }\n"
                            "  }\n"
                            "}\n";
    const ConfigCompileResult r = compile(conf);
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    const ServerConfig &s = r.config->servers.at(server);
    const LocationConfig *loc = &s.locations.at(location);
    if (!loc->nested.empty())
        loc = &loc->nested.front();
    QCOMPARE(expandHeaders(*loc, s, request("/", {{"Upgrade", "websocket"}, {"TE", "trailers"}})), expected);
}

void tst_ConfigCompiler::serverSelection_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QString>("expected");

    QTest::newRow("exact") << QByteArray("www.example.com") << u"exact"_s;
    QTest::newRow("exact, any case, port and trailing dot ignored") << QByteArray("WWW.Example.com.:80")
                                                                   << u"exact"_s;
    QTest::newRow("longest leading wildcard") << QByteArray("a.b.example.com") << u"*.b.example.com"_s;
    QTest::newRow("leading wildcard") << QByteArray("a.example.com") << u"*.example.com"_s;
    QTest::newRow(".x form matches the bare name") << QByteArray("dot.test") << u".dot.test"_s;
    QTest::newRow("trailing wildcard after leading ones") << QByteArray("mail.example.org") << u"mail.*"_s;
    QTest::newRow("regex last") << QByteArray("api7.test") << u"regex"_s;
    QTest::newRow("no Host: the empty name") << QByteArray() << u"empty"_s;
    QTest::newRow("unknown: default_server") << QByteArray("nobody.test") << u"default"_s;
}

void tst_ConfigCompiler::serverSelection()
{
    QFETCH(QByteArray, host);
    QFETCH(QString, expected);
    const QByteArray conf = "http {\n"
                            "server { listen 127.0.0.1:8000; server_name www.example.com; return 200 exact; }\n"
                            "server { listen 127.0.0.1:8000; server_name *.example.com; return 200 *.example.com; }\n"
                            "server { listen 127.0.0.1:8000; server_name *.b.example.com; return 200 *.b.example.com; }\n"
                            "server { listen 127.0.0.1:8000; server_name .dot.test; return 200 .dot.test; }\n"
                            "server { listen 127.0.0.1:8000; server_name mail.*; return 200 mail.*; }\n"
                            "server { listen 127.0.0.1:8000; server_name ~^api\\d+\\.test$; return 200 regex; }\n"
                            "server { listen 127.0.0.1:8000 default_server; server_name _; return 200 default; }\n"
                            "server { listen 127.0.0.1:8000; server_name \"\"; return 200 empty; }\n"
                            "}\n";
    const ConfigCompileResult r = compile(conf);
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.config->listenGroups.size(), 1);
    HttpRequestHead req;
    if (!host.isNull())
        req.headers.append("Host", host);
    const ServerConfig *s = r.config->selectServer(0, requestHostForRouting(req));
    QVERIFY(s);
    RequestContext ctx;
    QCOMPARE(s->rewrite.size(), size_t(1));
    QCOMPARE(s->rewrite.front().kind, RewriteOp::Kind::Return);
    QCOMPARE(QString::fromUtf8(s->rewrite.front().ret.text.expand(ctx)), expected);
}

// $server_name is the server's first name as nginx keeps it
// (ngx_http_core_merge_srv_conf): a regex with its "~", a ".name" without
// the dot, a plain name lower-cased.
void tst_ConfigCompiler::serverNameVariable_data()
{
    QTest::addColumn<QByteArray>("names");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain, lower-cased") << QByteArray("server_name A.Test b.test;") << QByteArray("a.test");
    QTest::newRow("regex keeps its ~") << QByteArray("server_name ~^EXAMPLE\\.COM$;") << QByteArray("~^EXAMPLE\\.COM$");
    QTest::newRow("dot name without its dot") << QByteArray("server_name .Dot.Example.com;") << QByteArray("dot.example.com");
    QTest::newRow("wildcard as written") << QByteArray("server_name *.wc.example.com;") << QByteArray("*.wc.example.com");
    QTest::newRow("the empty name") << QByteArray("server_name \"\" other.test;") << QByteArray("");
    QTest::newRow("none") << QByteArray() << QByteArray("");
}

void tst_ConfigCompiler::serverNameVariable()
{
    QFETCH(QByteArray, names);
    QFETCH(QByteArray, expected);
    const ConfigCompileResult r = compile("http { server { listen 127.0.0.1:8000; " + names + " } }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.config->servers.constFirst().serverName, expected);
}

void tst_ConfigCompiler::diagnostics_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("loads");

    QTest::newRow("unknown word is an error") << QByteArray("http {\n  foo bar;\n}") << u"t.conf:2:3: error: unknown directive \"foo\""_s << false;
    QTest::newRow("unsupported nginx directive is a warning")
        << QByteArray("http {\n  gzip on;\n  gzip_types text/plain;\n}")
        << u"t.conf:2:3: warning: ignoring nginx directive \"gzip\": wsscope does not support it (further \"gzip\" directives are ignored silently)"_s
        << true;
    // Directives that would change what a client or upstream sees are refused with what would differ.
    QTest::newRow("ssi is refused")
        << QByteArray("http {\n  ssi on;\n}")
        << u"t.conf:2:3: error: \"ssi\" is not supported by wsscope: server-side includes would reach clients "
           u"unprocessed (it usually comes with a static site's server block); remove it, or list it in "
           u"\"wsscope_ignore ssi;\" to run without it"_s
        << false;
    QTest::newRow("limit_conn waits for issue 14")
        << QByteArray("http {\n  limit_conn_zone $binary_remote_addr zone=a:1m;\n  server {\n    limit_conn a 10;\n  }\n}")
        << u"t.conf:4:5: error: \"limit_conn\" is not supported by wsscope: the connection limit would not be "
           u"enforced (limits are issue 14 of wsscope) (it usually comes with a hardening snippet (conf.d/*.conf)); "
           u"remove it, or list it in \"wsscope_ignore limit_conn;\" to run without it"_s
        << false;
    QTest::newRow("proxy_cache is refused")
        << QByteArray("http {\n  proxy_cache_path /tmp/c keys_zone=c:1m;\n  proxy_cache c;\n}")
        << u"t.conf:3:3: error: \"proxy_cache\" is not supported by wsscope: responses would not be cached "
           u"(upstreams see every request); remove it, or list it in \"wsscope_ignore proxy_cache;\" to run "
           u"without it"_s
        << false;
    QTest::newRow("server name *") << QByteArray("http {\n  server { server_name ok.test *; }\n}")
        << u"t.conf:2:32: error: server name \"*\" is invalid"_s << false;
    QTest::newRow("server name *x") << QByteArray("http {\n  server { server_name *x.test; }\n}")
        << u"t.conf:2:24: error: server name \"*x.test\" is invalid"_s << false;
    QTest::newRow("server name .") << QByteArray("http {\n  server { server_name .; }\n}")
        << u"t.conf:2:24: error: server name \".\" is invalid"_s << false;
    QTest::newRow("server name with a slash") << QByteArray("http {\n  server { server_name a/b.test; }\n}")
        << u"t.conf:2:24: warning: server name \"a/b.test\" has suspicious symbols"_s << true;
    QTest::newRow("a refused block, once") << QByteArray("http {\n  geo $g { default 0; }\n}")
        << u"t.conf:2:3: error: \"geo\" is not supported by wsscope: the variables it defines would be unset; "
           u"remove it, or list it in \"wsscope_ignore geo;\" to run without it"_s
        << false;
    QTest::newRow("wsscope_ignore anywhere covers the file")
        << QByteArray("http {\n  ssi on;\n  server {\n    wsscope_ignore ssi auth_basic;\n    auth_basic x;\n  }\n}")
        << QString() << true;
    QTest::newRow("wsscope_ignore at the top")
        << QByteArray("wsscope_ignore sub_filter;\nhttp {\n  sub_filter a b;\n}") << QString() << true;
    QTest::newRow("wsscope_ignore of an unknown word")
        << QByteArray("http {\n  wsscope_ignore ssi sssi;\n}")
        << u"t.conf:2:22: error: unknown directive \"sssi\" in \"wsscope_ignore\""_s << false;
    QTest::newRow("wsscope_ignore of an implemented one")
        << QByteArray("http {\n  wsscope_ignore proxy_pass;\n}")
        << u"t.conf:2:18: warning: \"proxy_pass\" is implemented by wsscope: \"wsscope_ignore\" does not apply to it"_s
        << true;
    QTest::newRow("sendfile stays a warning")
        << QByteArray("http {\n  sendfile on;\n  tcp_nopush on;\n}")
        << u"t.conf:2:3: warning: ignoring nginx directive \"sendfile\": wsscope does not support it (further "
           u"\"sendfile\" directives are ignored silently)"_s
        << true;
    QTest::newRow("directive in the wrong context")
        << QByteArray("http {\n  server {\n    location / {\n      listen 80;\n    }\n  }\n}")
        << u"t.conf:4:7: error: \"listen\" directive is not allowed here"_s << false;
    QTest::newRow("bad time") << QByteArray("http {\n  proxy_read_timeout 5x;\n}")
                              << u"t.conf:2:22: error: \"proxy_read_timeout\" directive invalid value"_s << false;
    QTest::newRow("unknown variable") << QByteArray("http {\n  proxy_set_header X $nope;\n}")
                                      << u"t.conf:2:22: error: unknown \"nope\" variable"_s << false;
    QTest::newRow("CR/LF in a header value")
        << QByteArray("http {\n  proxy_set_header X \"a\\r\\nInjected: 1\";\n}")
        << u"t.conf:2:22: error: a header value may not contain CR, LF or NUL (in \"proxy_set_header\" directive)"_s
        << false;
    QTest::newRow("argument count") << QByteArray("http {\n  proxy_set_header X;\n}")
                                    << u"t.conf:2:3: error: invalid number of arguments in \"proxy_set_header\" directive"_s
                                    << false;
    QTest::newRow("proxy_pass URI in a regex location")
        << QByteArray("http { server {\nlocation ~ ^/ws { proxy_pass http://127.0.0.1:9/x; } } }")
        << u"t.conf:2:30: error: \"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block"_s
        << false;
    QTest::newRow("duplicate location")
        << QByteArray("http { server {\nlocation /a {}\nlocation ^~ /a {}\n} }")
        << u"t.conf:3:1: error: duplicate location \"/a\""_s << false;
    QTest::newRow("nested outside its parent")
        << QByteArray("http { server {\nlocation /a/ {\n  location /b/ {}\n}\n} }")
        << u"t.conf:3:3: error: location \"/b/\" is outside location \"/a/\""_s << false;
    QTest::newRow("upstream with a port")
        << QByteArray("http { upstream b { server 127.0.0.1:9; }\nserver { location / {\n  proxy_pass http://b:80;\n} } }")
        << u"t.conf:3:14: error: upstream \"b\" may not have port 80"_s << false;
    QTest::newRow("empty upstream") << QByteArray("http {\nupstream b { }\n}")
                                    << u"t.conf:2:1: error: no servers are inside upstream \"b\""_s << false;
    QTest::newRow("two default servers")
        << QByteArray("http {\nserver { listen 127.0.0.1:80 default_server; }\nserver { listen 127.0.0.1:80 default_server; }\n}")
        << u"t.conf:3:10: error: a duplicate default server for 127.0.0.1:80"_s << false;
    QTest::newRow("proxy_http_version 2.0")
        << QByteArray("http {\nproxy_http_version 2.0;\n}")
        << u"t.conf:2:20: error: invalid value \"2.0\" in \"proxy_http_version\" directive, it must be \"1.0\" or \"1.1\""_s
        << false;
    QTest::newRow("ws:// in proxy_pass")
        << QByteArray("http { server {\nlocation / { proxy_pass ws://127.0.0.1:9; } } }")
        << u"t.conf:2:25: error: invalid URL prefix in \"ws://127.0.0.1:9\": nginx's proxy_pass takes http:// (WebSocket upgrades travel over it); write \"http://127.0.0.1:9\""_s
        << false;
    QTest::newRow("scheme in an upstream server is a warning")
        << QByteArray("http {\nupstream b { server http://127.0.0.1:9; }\n}")
        << u"t.conf:2:21: warning: nginx rejects a scheme in an upstream server (\"invalid host in upstream\"); wsscope ignores \"http://\": write \"127.0.0.1:9\""_s
        << true;
    QTest::newRow("pasted location") << QByteArray("location / {\n  proxy_pass http://127.0.0.1:9;\n}")
                                     << u"t.conf:1:1: warning: \"location\" directive is not allowed at the top of an nginx.conf; wsscope reads the file's top-level blocks as if they were inside \"http { }\" and \"server { }\""_s
                                     << true;
    QTest::newRow("$connection_upgrade without its map")
        << QByteArray("http {\nproxy_set_header Connection $connection_upgrade;\n}")
        << u"t.conf:2:29: warning: \"$connection_upgrade\" is not an nginx variable: nginx needs \"map $http_upgrade $connection_upgrade { default upgrade; '' close; }\"; wsscope uses that map built in"_s
        << true;
    QTest::newRow("bad regex") << QByteArray("http { server {\nlocation ~ ( {} } }")
                               << u"t.conf:2:12: error: invalid regex \"(\": missing closing parenthesis at offset 1"_s
                               << false;
    QTest::newRow("worker_processes") << QByteArray("worker_processes many;") << u"t.conf:1:18: error: invalid value \"many\" in \"worker_processes\" directive"_s << false;
    QTest::newRow("events") << QByteArray("events {\n  worker_connections 0;\n}") << u"t.conf:2:22: error: invalid value \"0\" in \"worker_connections\" directive"_s << false;
    QTest::newRow("parser errors come through") << QByteArray("http {\n") << QString() << false;
    // error_page's codes as ngx_http_core_error_page checks them
    QTest::newRow("error_page code below 300") << QByteArray("http {\n  error_page 99 /x;\n}") << u"t.conf:2:14: error: value \"99\" must be between 300 and 599"_s << false;
    QTest::newRow("error_page code 600") << QByteArray("http {\n  error_page 404 600 /x;\n}") << u"t.conf:2:18: error: value \"600\" must be between 300 and 599"_s << false;
    QTest::newRow("error_page = first") << QByteArray("http {\n  error_page = /x;\n}") << u"t.conf:2:14: error: invalid value \"=\""_s << false;
    QTest::newRow("error_page bad =code") << QByteArray("http {\n  error_page 404 =2x /x;\n}") << u"t.conf:2:18: error: invalid value \"=2x\""_s << false;
    QTest::newRow("error_page 499") << QByteArray("http {\n  error_page 499 /x;\n}") << u"t.conf:2:14: error: invalid value \"499\""_s << false;
    // allow/deny take ADDRESS, CIDR, unix: or all (ngx_http_access_rule, ngx_ptocidr).
    QTest::newRow("allow a name") << QByteArray("http {\n  allow localhost;\n}") << u"t.conf:2:9: error: invalid parameter \"localhost\""_s << false;
    QTest::newRow("deny a short IPv4") << QByteArray("http {\n  deny 127.1;\n}") << u"t.conf:2:8: error: invalid parameter \"127.1\""_s << false;
    QTest::newRow("deny a mask too long") << QByteArray("http {\n  deny 10.0.0.0/33;\n}") << u"t.conf:2:8: error: invalid parameter \"10.0.0.0/33\""_s << false;
    QTest::newRow("deny an IPv6 mask too long") << QByteArray("http {\n  deny ::1/129;\n}") << u"t.conf:2:8: error: invalid parameter \"::1/129\""_s << false;
    QTest::newRow("low bits are a warning") << QByteArray("http {\n  deny 10.1.2.3/8;\n}") << u"t.conf:2:8: warning: low address bits of 10.1.2.3/8 are meaningless"_s << true;
    QTest::newRow("allow in an if") << QByteArray("http { server { location / {\n  if ($arg_a) { allow all; } } } }") << u"t.conf:2:17: error: \"allow\" directive is not allowed here"_s << false;
    QTest::newRow("limit_except an unknown method") << QByteArray("http { server { location / {\n  limit_except GET FETCH { deny all; } } } }") << u"t.conf:2:20: error: invalid method \"FETCH\""_s << false;
    QTest::newRow("limit_except twice") << QByteArray("http { server { location / {\n  limit_except GET { }\n  limit_except POST { } } } }") << u"t.conf:3:3: error: \"limit_except\" directive is duplicate"_s << false;
    QTest::newRow("limit_except without a block") << QByteArray("http { server { location / {\n  limit_except GET; } } }") << u"t.conf:2:3: error: directive \"limit_except\" has no opening \"{\""_s << false;
    QTest::newRow("limit_except at server level") << QByteArray("http { server {\n  limit_except GET { } } }") << u"t.conf:2:3: error: \"limit_except\" directive is not allowed here"_s << false;
    QTest::newRow("root inside limit_except") << QByteArray("http { server { location / {\n  limit_except GET { root /srv; } } } }") << u"t.conf:2:22: error: \"root\" directive is not allowed here"_s << false;
    // try_files FILE... URI|=CODE|@NAME (ngx_http_try_files): a location's own.
    QTest::newRow("try_files with one argument") << QByteArray("http { server { location / {\n  try_files =404; } } }") << u"t.conf:2:3: error: invalid number of arguments in \"try_files\" directive"_s << false;
    QTest::newRow("try_files with a code that is no number") << QByteArray("http { server { location / {\n  try_files $uri =4x4; } } }") << u"t.conf:2:18: error: invalid code \"=4x4\""_s << false;
    QTest::newRow("try_files with a code over 999") << QByteArray("http { server { location / {\n  try_files $uri =1000; } } }") << u"t.conf:2:18: error: invalid code \"=1000\""_s << false;
    QTest::newRow("try_files twice") << QByteArray("http { server { location / {\n  try_files $uri =404;\n  try_files $uri =403; } } }") << u"t.conf:3:3: error: \"try_files\" directive is duplicate"_s << false;
    QTest::newRow("try_files in an if") << QByteArray("http { server { location / {\n  if ($arg_a) { try_files $uri =404; } } } }") << u"t.conf:2:17: error: \"try_files\" directive is not allowed here"_s << false;
    QTest::newRow("try_files twice at server level") << QByteArray("http { server {\n  try_files $uri =404;\n  try_files $uri =403; } }") << u"t.conf:3:3: error: \"try_files\" directive is duplicate"_s << false;
    QTest::newRow("proxy_pass with a URI inside limit_except") << QByteArray("http { server { location / {\n  limit_except GET { proxy_pass http://127.0.0.1:9/x; } } } }") << u"t.conf:2:33: error: \"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block"_s << false;
}

// The request head's buffers, checked as nginx checks them.
void tst_ConfigCompiler::headBufferDiagnostics_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("loads");
    QTest::newRow("large buffers under the pool size")
        << QByteArray("http {\n  large_client_header_buffers 2 256;\n  server { listen 127.0.0.1:0; }\n}")
        << u"t.conf:3:3: error: the \"large_client_header_buffers\" size must be equal to or greater than \"connection_pool_size\""_s << false;
    QTest::newRow("connection_pool_size not a multiple of 16")
        << QByteArray("http {\n  connection_pool_size 300;\n}") << u"t.conf:2:24: error: the pool size must be a multiple of 16"_s << false;
    QTest::newRow("large_client_header_buffers 0") << QByteArray("http {\n  large_client_header_buffers 0 8k;\n}")
        << u"t.conf:2:31: error: \"large_client_header_buffers\" directive invalid value"_s << false;
}

// proxy_redirect rules are taken literally: what nginx would evaluate is refused.
void tst_ConfigCompiler::proxyRedirectDiagnostics_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("loads");
    QTest::newRow("variables in the replacement")
        << QByteArray("http {\n  proxy_redirect http://b/ $scheme://$host/;\n}") << QString() << true;
    QTest::newRow("an unknown variable in the match") << QByteArray("http {\n  proxy_redirect http://$b/ /;\n}")
        << u"t.conf:2:18: error: unknown \"b\" variable"_s << false;
    QTest::newRow("a regular expression, its captures in the replacement")
        << QByteArray("http {\n  proxy_redirect ~^/a(.*) /b$1;\n}") << QString() << true;
    QTest::newRow("regexes and set variables")
        << QByteArray("http {\n  server { location / { set $v a; proxy_pass http://b;\n"
                      "    proxy_redirect ~*^http://b/(.*) /$1; proxy_redirect http://$v/ /$v/; } }\n}")
        << QString() << true;
    QTest::newRow("an invalid regex")
        << QByteArray("http {\n  server { location / { proxy_pass http://b; proxy_redirect ~(a /; } }\n}") << QString()
        << false;
    QTest::newRow("literal rules load") << QByteArray("http {\n  proxy_redirect http://b/ /;\n}") << QString() << true;
}

void tst_ConfigCompiler::realIpDiagnostics_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("loads");
    QTest::newRow("real_ip_header twice at a level")
        << QByteArray("http {\n  real_ip_header X-Real-IP;\n  real_ip_header X-Forwarded-For;\n}")
        << u"t.conf:3:3: error: \"real_ip_header\" directive is duplicate"_s << false;
    QTest::newRow("real_ip_header again at an inner level")
        << QByteArray("http {\n  real_ip_header X-Real-IP;\n  server { real_ip_header X-Client; }\n}") << QString() << true;
    QTest::newRow("set_real_ip_from with low bits")
        << QByteArray("http {\n  set_real_ip_from 10.1.2.3/8;\n}")
        << u"t.conf:2:20: warning: low address bits of 10.1.2.3/8 are meaningless"_s << true;
    QTest::newRow("set_real_ip_from a host name (resolved at load)")
        << QByteArray("http {\n  set_real_ip_from proxy.test;\n}") << QString() << true;
    QTest::newRow("set_real_ip_from unix: and IPv6") << QByteArray("http {\n  set_real_ip_from unix:;\n  set_real_ip_from 2001:db8::/32;\n}")
                                                   << QString() << true;
    QTest::newRow("real_ip_recursive takes on or off")
        << QByteArray("http {\n  real_ip_recursive yes;\n}")
        << u"t.conf:2:21: error: invalid value \"yes\" in \"real_ip_recursive\" directive, it must be \"on\" or \"off\""_s << false;
}

void tst_ConfigCompiler::requestBodyDiagnostics_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("loads");
    QTest::newRow("client_body_in_file_only takes on, clean or off")
        << QByteArray("http {\n  client_body_in_file_only yes;\n}") << u"t.conf:2:28: error: invalid value \"yes\""_s
        << false;
    QTest::newRow("client_body_buffer_size takes a size")
        << QByteArray("http {\n  client_body_buffer_size 1q;\n}")
        << u"t.conf:2:27: error: \"client_body_buffer_size\" directive invalid value"_s << false;
    QTest::newRow("client_body_temp_path levels are 1 or 2 digits")
        << QByteArray("http {\n  client_body_temp_path /tmp/b 1 3;\n}")
        << u"t.conf:2:34: error: \"client_body_temp_path\" directive invalid value"_s << false;
    QTest::newRow("client_body_temp_path with three levels")
        << QByteArray("http {\n  client_body_temp_path /tmp/b 1 2 2;\n}") << QString() << true;
    QTest::newRow("proxy_request_buffering takes on or off")
        << QByteArray("http {\n  proxy_request_buffering maybe;\n}")
        << u"t.conf:2:27: error: invalid value \"maybe\" in \"proxy_request_buffering\" directive, it must be \"on\" or \"off\""_s
        << false;
    QTest::newRow("a line break in add_header is sent as written")
        << QByteArray("http {\n  add_header X-A \"a\\n\";\n}")
        << u"t.conf:2:18: warning: the value of \"add_header X-A\" contains a line break: it is sent as written, as nginx does"_s
        << true;
    QTest::newRow("limit_rate takes a size")
        << QByteArray("http {\n  limit_rate fast;\n}") << u"t.conf:2:14: error: \"limit_rate\" directive invalid value"_s
        << false;
    QTest::newRow("proxy_ignore_headers takes nginx's names")
        << QByteArray("http {\n  proxy_ignore_headers Vary X-Accel-Nope;\n}")
        << u"t.conf:2:29: error: invalid value \"X-Accel-Nope\""_s << false;
    QTest::newRow("types: an extension given twice, the later wins with a warning")
        << QByteArray("http {\n  types { text/a x; text/b x; }\n}")
        << u"t.conf:2:28: warning: duplicate extension \"x\", content type: \"text/b\", previous content type: \"text/a\""_s
        << true;
    QTest::newRow("types: a block inside") << QByteArray("http {\n  types { text/a { } }\n}")
                                           << u"t.conf:2:11: error: unexpected \"{\""_s << false;
    QTest::newRow("limit_rate_after with a variable is checked per request")
        << QByteArray("http {\n  limit_rate_after $arg_a;\n}") << QString() << true;
}

void tst_ConfigCompiler::clientCertificateDiagnostics_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("loads");
    const QByteArray server = "http {\n  server {\n    listen 127.0.0.1:1 ssl; ssl_certificate c.pem; ssl_certificate_key k.pem;\n";
    QTest::newRow("ssl_verify_client takes nginx's four words")
        << QByteArray(server + "    ssl_verify_client maybe;\n  }\n}")
        << u"t.conf:4:5: error: invalid value \"maybe\" in \"ssl_verify_client\" directive, it must be \"on\", \"off\", "
           u"\"optional\" or \"optional_no_ca\""_s
        << false;
    QTest::newRow("ssl_verify_client on needs ssl_client_certificate (nginx 1.22)")
        << QByteArray(server + "    ssl_verify_client on; ssl_trusted_certificate ca.pem;\n  }\n}")
        << u"t.conf:4:5: error: no ssl_client_certificate for ssl_verify_client"_s << false;
    QTest::newRow("optional_no_ca needs no CA")
        << QByteArray(server + "    ssl_verify_client optional_no_ca;\n  }\n}") << QString() << true;
    QTest::newRow("ssl_verify_depth takes a number")
        << QByteArray(server + "    ssl_verify_depth deep;\n  }\n}")
        << u"t.conf:4:5: error: \"ssl_verify_depth\" directive invalid value"_s << false;
    QTest::newRow("the http level's verification is the server's")
        << QByteArray("http {\n  ssl_verify_client optional; ssl_client_certificate ca.pem;\n" + server.mid(7)
                      + "  }\n}")
        << QString() << true;
}

void tst_ConfigCompiler::diagnostics()
{
    QFETCH(QByteArray, conf);
    QFETCH(QString, expected);
    QFETCH(bool, loads);
    const ConfigCompileResult r = compile(conf);
    const QStringList all = show(r.diagnostics);
    if (!expected.isEmpty())
        QVERIFY2(all.contains(expected), qPrintable(all.join(u'\n')));
    QCOMPARE(r.ok(), loads);
    if (!loads)
        QVERIFY(r.errorCount() > 0);
}

void tst_ConfigCompiler::upstreamBlock()
{
    const ConfigCompileResult r = compile(
        "http { upstream app {\n"
        "  server 127.0.0.1:9001 weight=3 max_fails=2 fail_timeout=30s max_conns=100;\n"
        "  server 127.0.0.1:9002 backup;\n"
        "  server 127.0.0.1:9003 down;\n"
        "  hash $remote_addr consistent;\n" // after `backup`: nginx rejects backup after hash
        "  keepalive 16;\n"
        "}\n"
        "upstream iph { ip_hash; server 127.0.0.1:1; }\n"
        "upstream lc { least_conn; server 127.0.0.1:1; }\n"
        "server { listen 127.0.0.1:8000; location / { proxy_pass http://APP; } } }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.config->upstreams.size(), 3);
    const auto &app = r.config->upstreams.at(0);
    QCOMPARE(app->balancing.method, UpstreamBalancing::Method::Hash);
    QCOMPARE(app->balancing.hashKey, QByteArray("$remote_addr"));
    QVERIFY(app->balancing.consistent);
    QCOMPARE(app->balancing.keepalive, 16);
    QCOMPARE(app->servers.size(), 3);
    const UpstreamServer &s1 = app->servers.at(0);
    QCOMPARE(s1.weight, 3);
    QCOMPARE(s1.maxFails, 2);
    QCOMPARE(s1.failTimeoutMs, 30'000);
    QCOMPARE(s1.maxConns, 100);
    QVERIFY(app->servers.at(1).backup);
    QVERIFY(app->servers.at(2).down);
    QCOMPARE(r.config->upstreams.at(1)->balancing.method, UpstreamBalancing::Method::IpHash);
    QCOMPARE(r.config->upstreams.at(2)->balancing.method, UpstreamBalancing::Method::LeastConn);
    // Upstream names are case-insensitive; $proxy_host is the name as written in proxy_pass.
    const LocationConfig &loc = r.config->servers.constFirst().locations.constFirst();
    QCOMPARE(loc.proxyPass.upstream, app);
    QCOMPARE(loc.proxyPass.proxyHost, QByteArray("APP"));
    // The round-robin skips down servers and uses backups only when needed.
    QList<ConfDiagnostic> built;
    const RuntimeSnapshot runtime = ProxyRuntime::build(r.config, nullptr, &built);
    QVERIFY(runtime && built.isEmpty());
    const std::shared_ptr<UpstreamGroup> group = runtime->group(loc.proxyPass);
    QVERIFY(group);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(group->pick(), 0);
}

// The editor's live check compiles only: a certificate that cannot be read
// is found when the runtime is built (`wsscope -t`, start, reload), at the
// directive naming it; the compile itself opens no file and builds no group.
void tst_ConfigCompiler::compileLoadsNoKeys()
{
    const QByteArray conf = "http {\n"
                            "  server {\n"
                            "    listen 127.0.0.1:0 ssl;\n"
                            "    ssl_certificate /nonexistent/wsscope-test/cert.pem;\n"
                            "    ssl_certificate_key /nonexistent/wsscope-test/key.pem;\n"
                            "    location / { proxy_pass http://127.0.0.1:9; }\n"
                            "  }\n"
                            "}\n";
    ConfigCompileResult r = ConfigCompiler::compileText(conf, QStringLiteral("t.conf"));
    QVERIFY2(r.ok() && r.diagnostics.isEmpty(), qPrintable(show(r.diagnostics).join(u'\n')));
    const ServerTlsSettings &tls = r.config->servers.constFirst().tls;
    QVERIFY(tls.enabled);
    QCOMPARE(tls.certificates.constFirst().path, QStringLiteral("/nonexistent/wsscope-test/cert.pem"));
    QCOMPARE(tls.keys.constFirst().at.line, 5);
    QCOMPARE(r.config->implicitUpstreams.size(), 1);

    const RuntimeSnapshot runtime = ProxyRuntime::build(&r);
    QVERIFY(!runtime);
    QVERIFY(!r.ok());
    QCOMPARE(r.errorCount(), 1);
    const ConfDiagnostic &e = r.diagnostics.constLast();
    QVERIFY2(e.message.contains(QStringLiteral("/nonexistent/wsscope-test/")), qPrintable(e.toString()));
    QCOMPARE(e.location.line, 4); // ssl_certificate: the file the message names
}

// -p and -g are compile options, so a text (the window's Apply, a reload)
// compiles as the file did at start: globals follow the file's directives
// as "command line", relative paths resolve under the prefix.
void tst_ConfigCompiler::prefixAndGlobalsApplyToText()
{
    ConfigCompileOptions options = testOptions();
    options.prefix = u"/srv/w/"_s;
    options.globals = "pid run/w.pid;";
    ConfigCompileResult r = ConfigCompiler::compileText("daemon off;\nhttp { }\n", u"t.conf"_s, options);
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.config->process.pidFile, u"/srv/w/run/w.pid"_s);

    options.globals = "daemon on;";
    r = ConfigCompiler::compileText("daemon off;\nhttp { }\n", u"t.conf"_s, options);
    QVERIFY(!r.ok());
    QCOMPARE(show(r.diagnostics), QStringList{u"command line:1:1: error: \"daemon\" directive is duplicate"_s});
}

// ngx_core_module_init_conf: a file without worker_processes runs one
// worker in nginx (not one per core), so per-worker caches behave the same.
// nginx's listen HOST:PORT-LAST and PORT-LAST: one socket per port, in order.
void tst_ConfigCompiler::listenPortRanges()
{
    const ConfigCompileResult r = compile("http { server { listen 127.0.0.1:8182-8184; listen [::1]:9000-9001;\n"
                                          "  listen 7000-7001 default_server; } }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    const ServerConfig &s = r.config->servers.constFirst();
    QStringList got;
    for (const ListenAddress &l : s.listens)
        got.append(l.address.toString() + u' ' + QString::number(l.port) + (l.defaultServer ? u" default"_s : QString()));
    QCOMPARE(got, (QStringList{u"127.0.0.1 8182"_s, u"127.0.0.1 8183"_s, u"127.0.0.1 8184"_s, u"::1 9000"_s,
                               u"::1 9001"_s, u"0.0.0.0 7000 default"_s, u"0.0.0.0 7001 default"_s}));
}

void tst_ConfigCompiler::listenPortRangeDiagnostics_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<bool>("loads");
    QTest::newRow("listen unix: without a path") << QByteArray("http { server {\n  listen unix:; } }")
        << u"t.conf:2:10: error: no path in the unix domain socket \"unix:\""_s << false;
    QTest::newRow("listen unix: with a path too long for sockaddr_un")
        << QByteArray("http { server {\n  listen unix:/" + QByteArray(120, 'a') + "; } }")
        << u"t.conf:2:10: error: too long path in the unix domain socket \"unix:/"_s + QString(120, u'a') + u"\""_s
        << false;
    QTest::newRow("the same unix socket twice in a server")
        << QByteArray("http { server {\n  listen unix:/tmp/a.sock;\n  listen unix:/tmp/a.sock ssl; } }")
        << u"t.conf:3:3: error: duplicate listen unix:/tmp/a.sock"_s << false;
    QTest::newRow("proxy_pass http://unix: without a path")
        << QByteArray("http { server {\n  location / { proxy_pass http://unix:; } } }")
        << u"t.conf:2:27: error: no path in the unix domain socket \"unix:\""_s << false;
    QTest::newRow("unix sockets in listen, proxy_pass and upstream")
        << QByteArray("http { upstream u { server unix:/tmp/b.sock weight=2; }\n server {\n  listen unix:/tmp/a.sock;\n"
                      "  location / { proxy_pass http://unix:/tmp/c.sock:/x/; }\n  location /u { proxy_pass http://u; } } }")
        << QString() << true;
    QTest::newRow("a range that runs backwards") << QByteArray("http { server {\n  listen 127.0.0.1:90-80; } }")
        << u"t.conf:2:10: error: invalid port range in \"127.0.0.1:90-80\" of the \"listen\" directive"_s << false;
    QTest::newRow("a range that ends past 65535") << QByteArray("http { server {\n  listen 127.0.0.1:80-70000; } }")
        << u"t.conf:2:10: error: invalid port in \"127.0.0.1:80-70000\" of the \"listen\" directive"_s << false;
    QTest::newRow("a range that ends in no number") << QByteArray("http { server {\n  listen 127.0.0.1:80-x; } }")
        << u"t.conf:2:10: error: invalid port in \"127.0.0.1:80-x\" of the \"listen\" directive"_s << false;
    QTest::newRow("listen ... proxy_protocol is read") << QByteArray("http { server {\n  listen 80 proxy_protocol; } }")
        << QString() << true;
    QTest::newRow("a host name with a dash is no range") << QByteArray("http { server {\n  listen my-host; } }")
        << QString() << true;
    QTest::newRow("a range that overlaps a listen of the server")
        << QByteArray("http { server {\n  listen 127.0.0.1:81;\n  listen 127.0.0.1:80-82; } }")
        << u"t.conf:3:3: error: duplicate listen 127.0.0.1:81"_s << false;
}

void tst_ConfigCompiler::workerProcessesDefaultsToOne()
{
    ConfigCompileResult r = compile("http { server { listen 127.0.0.1:0; } }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.config->workerThreads, 1);
    r = compile("worker_processes auto;\nhttp { server { listen 127.0.0.1:0; } }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.config->workerThreads, 0); // one per core
}

void tst_ConfigCompiler::valuesAndUnits()
{
    const ConfigCompileResult r = compile(
        "worker_processes 3;\nworker_shutdown_timeout 15s;\nevents { worker_connections 1024; }\n"
        "http {\n keepalive_timeout 30s;\n proxy_read_timeout 1h;\n"
        " server { listen [::1]:0; listen 127.0.0.1:0 default_server; server_name A.Test;\n"
        "  access_log /var/log/x.log;\n  ssl_certificate /etc/x.pem;\n  ssl_certificate_key /etc/x.key;\n"
        "  location /p { proxy_pass http://127.0.0.1:7000/q/; proxy_connect_timeout 1m30s; proxy_send_timeout 500ms;\n"
        "    send_timeout 7s;\n"
        "    proxy_http_version 1.1; proxy_redirect off; proxy_next_upstream error timeout http_502;\n"
        "    proxy_next_upstream_tries 2; root /srv; index a.html b.html; }\n"
        "  location /r { return 301 https://$host$request_uri; }\n"
        "  location /s { alias /data/; }\n"
        " } }");
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    const ProxyConfig &c = *r.config;
    QCOMPARE(c.workerThreads, 3);
    QCOMPARE(c.workerConnections, 1024);
    QCOMPARE(c.drainTimeoutMs, 15'000);
    const ServerConfig &s = c.servers.constFirst();
    QCOMPARE(s.settings.keepaliveTimeoutMs, 30'000); // the http level's, merged down
    QCOMPARE(s.listens.size(), 2);
    QCOMPARE(s.listens.at(0).address, QHostAddress(QHostAddress::LocalHostIPv6));
    QVERIFY(s.listens.at(1).defaultServer);
    QCOMPARE(s.serverName, QByteArray("a.test"));
    QCOMPARE(s.ssl.size(), 2); // a certificate is checked with its key on any server, as nginx does
    QCOMPARE(s.settings.accessLogs.size(), 1);
    QCOMPARE(c.accessLogFiles.constFirst().path, u"/var/log/x.log"_s);
    QCOMPARE(c.listenGroups.size(), 2);
    const LocationConfig &p = s.locations.at(0);
    QCOMPARE(p.readTimeoutMs, 3'600'000);
    QCOMPARE(p.connectTimeoutMs, 90'000);
    QCOMPARE(p.sendTimeoutMs, 500);
    QCOMPARE(p.clientSendTimeoutMs, 7'000); // send_timeout: the client side, apart from upstream's
    QCOMPARE(p.proxyHttpVersionMinor, 1);
    QCOMPARE(p.redirect, LocationConfig::Redirect::Off);
    QCOMPARE(p.nextUpstream, quint32(NextUpstream::Error | NextUpstream::Timeout | NextUpstream::Http502));
    QCOMPARE(p.nextUpstreamTries, 2);
    QCOMPARE(p.root, QByteArray("/srv"));
    QCOMPARE(p.index, (QList<ValueTemplate>{ValueTemplate::literal("a.html"), ValueTemplate::literal("b.html")}));
    QCOMPARE(p.proxyPass.proxyHost, QByteArray("127.0.0.1:7000"));
    QVERIFY(p.proxyPass.hasUri);
    QCOMPARE(p.proxyPass.uri, QByteArray("/q/"));
    QCOMPARE(s.locations.at(1).rewrite.size(), size_t(1));
    const ReturnAction &ret = s.locations.at(1).rewrite.front().ret;
    QCOMPARE(ret.code, 301);
    HttpRequestHead req = request("/r?x", {{"Host", "a.test"}});
    RequestContext ctx;
    ctx.request = &req;
    const QByteArray response = returnResponse(ret.code, ret.text, ctx);
    QVERIFY2(response.startsWith("HTTP/1.1 301 "), response.constData());
    QVERIFY2(response.contains("\r\nLocation: https://a.test/r?x\r\n"), response.constData());
    QCOMPARE(s.locations.at(2).alias, QByteArray("/data/"));
}

void tst_ConfigCompiler::crlfNeverReachesAHeader()
{
    const ConfigCompileResult r = compile("http { server { listen 127.0.0.1:8000;\n"
                                          "location / { proxy_pass http://127.0.0.1:9; proxy_set_header X $http_evil; } } }");
    QVERIFY(r.ok());
    HttpRequestHead req;
    req.method = "GET";
    req.target = "/";
    req.headers.append("Evil", "a\r\nInjected: yes\nb\0c");
    const ServerConfig &s = r.config->servers.constFirst();
    for (const QString &line : expandHeaders(s.locations.constFirst(), s, req)) {
        QVERIFY(!line.contains(u'\r'));
        QVERIFY(!line.contains(u'\n'));
        QVERIFY(!line.contains(QChar(0)));
    }
}

void tst_ConfigCompiler::seeds_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("upstream");
    QTest::addColumn<qint64>("readTimeoutMs");
    // nginx directives that would change what clients see: refused until
    // wsscope_ignore names them.
    QTest::addColumn<QByteArray>("refused");

    QTest::newRow("000 toymoban") << u"000_toymoban.conf"_s << QByteArray("/chat") << QByteArray("websocket")
                                  << qint64(7'200'000) << QByteArray();
    QTest::newRow("001 jianshu") << u"001_jianshu.conf"_s << QByteArray("/ver/1") << QByteArray("127.0.0.1:19010")
                                 << qint64(86'400'000) << QByteArray();
    QTest::newRow("002 123wordpress") << u"002_123wordpress.conf"_s << QByteArray("/wss") << QByteArray("127.0.0.1:18888")
                                      << qint64(60'000) << QByteArray("fastcgi_pass");
    QTest::newRow("003 jb51") << u"003_jb51.conf"_s << QByteArray("/chat/x") << QByteArray("backend")
                              << qint64(3'600'000) << QByteArray();
    QTest::newRow("004 nginx docs") << u"004_nginx_docs.conf"_s << QByteArray("/chat/") << QByteArray("backend")
                                    << qint64(60'000) << QByteArray();
}

void tst_ConfigCompiler::seeds()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, upstream);
    QFETCH(qint64, readTimeoutMs);
    QFETCH(QByteArray, refused);
    const QString file = seedsDir() + u'/' + fileName;
    ConfigCompileResult r = ConfigCompiler::compileFile(file, testOptions());
    if (!refused.isEmpty()) {
        QVERIFY(!r.ok());
        for (const ConfDiagnostic &d : std::as_const(r.diagnostics)) {
            if (d.isError())
                QVERIFY2(d.message.startsWith(u"\"%1\" is not supported by wsscope: "_s.arg(QString::fromUtf8(refused))),
                         qPrintable(d.toString()));
        }
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        r = ConfigCompiler::compileText(QByteArray(f.readAll() + "\nwsscope_ignore " + refused + ";\n"), file, testOptions());
    }
    QVERIFY2(r.ok(), qPrintable(show(r.diagnostics).join(u'\n')));
    QCOMPARE(r.errorCount(), 0);
    // The first server that has a location for the path proxies it as the article meant.
    const LocationConfig *loc = nullptr;
    for (const ServerConfig &s : r.config->servers) {
        loc = s.matchLocation(path);
        if (loc)
            break;
    }
    QVERIFY(loc);
    QVERIFY(loc->proxyPass.isSet());
    QCOMPARE(loc->proxyPass.proxyHost, upstream);
    QCOMPARE(loc->readTimeoutMs, readTimeoutMs);
}

void tst_ConfigCompiler::badInputNeverCrashes_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::newRow("empty") << QByteArray("");
    QTest::newRow("lone braces") << QByteArray("}}}{{{");
    QTest::newRow("location without args") << QByteArray("http { server { location {} } }");
    QTest::newRow("listen garbage") << QByteArray("http { server { listen [::1; listen :; listen 99999; listen a:b:c; } }");
    QTest::newRow("map garbage") << QByteArray("http { map; map a b; map $a $b { x; y z w; ~( q; } }");
    QTest::newRow("upstream garbage") << QByteArray("http { upstream { } upstream u { server; server x weight=0; hash; } }");
    QTest::newRow("return garbage") << QByteArray("http { server { return; return x y z; return 1000; } }");
    QTest::newRow("proxy_pass garbage") << QByteArray("http { server { location / { proxy_pass; proxy_pass http://; proxy_pass http://[::1; } } }");
    QTest::newRow("deep nesting") << QByteArray("http { server { location /a { location /a/b { location /a/b/c { location = /a/b/c/d { location /x {} } } } } } }");
}

void tst_ConfigCompiler::badInputNeverCrashes()
{
    QFETCH(QByteArray, conf);
    const ConfigCompileResult r = compile(conf);
    for (const ConfDiagnostic &d : r.diagnostics)
        QVERIFY(d.location.isValid() || !d.location.file.isEmpty());
}

QTEST_GUILESS_MAIN(tst_ConfigCompiler)
#include "tst_configcompiler.moc"
