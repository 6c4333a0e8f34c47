#include "config/configcompiler.h"
#include "proxy/proxyruntime.h"
#include "proxy/requestrouter.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// nginx's request phases as routeRequest() and redirectRoute() run them:
// the server's rewrite statements, the location search, the location's
// statements (return, rewrite, set, break, if), post-rewrite (a new URI is
// looked up again, at most ten times) and internal redirects to a URI or a
// named location. Pure functions: no socket here.
class tst_RewritePhases final : public QObject
{
    Q_OBJECT

private slots:
    void phases_data();
    void phases();
    void internalRedirect_data();
    void internalRedirect();
    void redirectCycleEndsIn500();
    void fileConditions_data();
    void fileConditions();
    void ifBlockSettings_data();
    void ifBlockSettings();
    void compileErrors_data();
    void compileErrors();
    void serverNameCaptures_data();
    void serverNameCaptures();
    void ifBlockGetsTheUpstreamTlsContext();
    void uninitializedVariableWarning_data();
    void uninitializedVariableWarning();
};

namespace {

ConfigCompileOptions testOptions()
{
    ConfigCompileOptions o;
    o.resolve = [](const QString &, QString *) { return QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}; };
    o.defaultListenPort = 8000;
    return o;
}

ConfigCompileResult compileServer(const QByteArray &body)
{
    const QByteArray text = "http { server { listen 127.0.0.1:8000; server_name example.com;\n" + body + "\n} }";
    return ConfigCompiler::compileText(text,
                                       u"t.conf"_s, testOptions());
}

std::shared_ptr<ProxyConfig> oneServer(const QByteArray &body)
{
    const ConfigCompileResult r = compileServer(body);
    for (const ConfDiagnostic &d : r.diagnostics)
        qWarning().noquote() << d.toString();
    return r.config;
}

struct Request
{
    HttpRequestHead head;
    Route route;
};

RequestContext connectionFor(const HttpRequestHead &head)
{
    RequestContext c;
    c.request = &head;
    c.remoteAddress = QHostAddress(QHostAddress::LocalHost);
    c.remoteAddressText = "127.0.0.1";
    c.serverPort = 8000;
    return c;
}

// What a route comes to, in one line: "return 204", "return 200 text",
// "redirect 302 URL", "proxy TARGET", "static URI", "error 500".
QByteArray outcome(const Route &r)
{
    switch (r.kind) {
    case Route::Kind::Error:
        return "error " + QByteArray::number(r.errorStatus);
    case Route::Kind::Return:
        if (isRedirectStatus(r.returnCode))
            return "redirect " + QByteArray::number(r.returnCode) + ' ' + r.redirectLocation;
        return "return " + QByteArray::number(r.returnCode) + (r.returnText.isNull() ? QByteArray() : ' ' + r.returnText);
    case Route::Kind::Static:
        return "static " + r.context.uri;
    case Route::Kind::Proxy:
        return "proxy " + r.upstreamTarget;
    }
    return "?";
}

HttpRequestHead requestHead(const QByteArray &target, const QByteArray &host = "example.com")
{
    HttpRequestHead head;
    head.method = "GET";
    head.target = target;
    head.headers.append("Host", host);
    return head;
}

QByteArray routeOf(const ProxyConfig &config, const QByteArray &target)
{
    const HttpRequestHead head = requestHead(target);
    return outcome(routeRequest(config, 0, connectionFor(head)));
}

} // namespace

void tst_RewritePhases::phases_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");

    // return
    QTest::newRow("return with text") << QByteArray("location / { return 200 \"u=$uri\"; }") << QByteArray("/a")
                                      << QByteArray("return 200 u=/a");
    QTest::newRow("return 404: nginx finalizes (no text)") << QByteArray("location / { return 404; }")
                                                           << QByteArray("/") << QByteArray("return 404");
    QTest::newRow("return URL") << QByteArray("location / { return https://x.test$request_uri; }")
                                << QByteArray("/a?b") << QByteArray("redirect 302 https://x.test/a?b");
    QTest::newRow("server return before locations")
        << QByteArray("return 403; location / { return 200 no; }") << QByteArray("/") << QByteArray("return 403");
    // statements run in order; the first return ends them
    QTest::newRow("set then return") << QByteArray("location / { set $a x; set $b \"$a-y\"; return 200 $b; }")
                                     << QByteArray("/") << QByteArray("return 200 x-y");
    QTest::newRow("return stops the script") << QByteArray("location / { return 200 one; return 200 two; }")
                                             << QByteArray("/") << QByteArray("return 200 one");
    // rewrite flags
    QTest::newRow("rewrite without flag: the script goes on, then a new search")
        << QByteArray("location /a { rewrite ^/a(.*) /b$1; set $x seen; } location /b { return 200 \"$uri $x\"; }")
        << QByteArray("/a/1") << QByteArray("return 200 /b/1 seen");
    QTest::newRow("rewrite last: the rest of the script is skipped")
        << QByteArray("location /a { rewrite ^/a(.*) /b$1 last; return 500; } location /b { return 200 $uri; }")
        << QByteArray("/a/1") << QByteArray("return 200 /b/1");
    QTest::newRow("rewrite break: the same location serves the new URI")
        << QByteArray("location /a { rewrite ^/a(.*) /b$1 break; } location /b { return 500; }")
        << QByteArray("/a/1") << QByteArray("static /b/1");
    QTest::newRow("rewrite redirect") << QByteArray("location / { rewrite ^/(.*) /new/$1 redirect; }")
                                      << QByteArray("/x?k=v") << QByteArray("redirect 302 /new/x?k=v");
    QTest::newRow("rewrite permanent") << QByteArray("location / { rewrite ^ /p permanent; }") << QByteArray("/x")
                                       << QByteArray("redirect 301 /p");
    QTest::newRow("rewrite to http:// redirects") << QByteArray("location / { rewrite ^ http://e.test/?c=d; }")
                                                  << QByteArray("/?a=b") << QByteArray("redirect 302 http://e.test/?c=d&a=b");
    QTest::newRow("a final ? drops the arguments") << QByteArray("location / { rewrite ^ http://e.test/? redirect; }")
                                                   << QByteArray("/?a=b") << QByteArray("redirect 302 http://e.test/");
    QTest::newRow("no match: nothing changes")
        << QByteArray("location / { rewrite ^/zzz /b last; return 200 $uri; }") << QByteArray("/a")
        << QByteArray("return 200 /a");
    QTest::newRow("new arguments, then the old ones")
        << QByteArray("location / { rewrite ^(.*)$ /q?x=$1; return 200 \"$uri|$args|$arg_x|$is_args\"; }")
        << QByteArray("/p?y=2") << QByteArray("return 200 /q|x=/p&y=2|/p|?");
    QTest::newRow("captured escapes go back into the arguments escaped")
        << QByteArray("location / { rewrite ^(.*)$ $1?c=$1; return 200 \"$uri|$args\"; }")
        << QByteArray("/%25") << QByteArray("return 200 /%|c=/%25");
    // server level: before the search, and `last` there costs no cycle
    QTest::newRow("server rewrite, then the location search")
        << QByteArray("rewrite ^/old/(.*) /new/$1 last; location / { return 404; } location /new/ { return 200 $uri; }")
        << QByteArray("/old/x") << QByteArray("return 200 /new/x");
    QTest::newRow("server break stops the server's statements only")
        << QByteArray("break; return 403; location / { set $a 1; return 200 a$a; }") << QByteArray("/")
        << QByteArray("return 200 a1");
    // ten cycles at most
    QTest::newRow("rewrite cycle: 500")
        << QByteArray("location /a { rewrite ^ /b last; } location /b { rewrite ^ /a last; }") << QByteArray("/a")
        << QByteArray("error 500");
    QTest::newRow("a zero-length rewritten URI: 500")
        << QByteArray("location / { rewrite ^.*$ \"$arg_none\" last; }") << QByteArray("/a") << QByteArray("error 500");
    // captures
    QTest::newRow("location regex captures") << QByteArray("location ~ ^/u/(\\d+)/(?<tail>.*)$ { return 200 \"$1 $tail\"; }")
                                             << QByteArray("/u/7/t/x") << QByteArray("return 200 7 t/x");
    QTest::newRow("a later regex's captures replace them")
        << QByteArray("location ~ ^/(a)(b)$ { if ($uri ~ ^/(.)) { return 200 \"$1-$2\"; } }") << QByteArray("/ab")
        << QByteArray("return 200 a-");
    QTest::newRow("$1 followed by a digit") << QByteArray("location ~ ^/(\\d)$ { return 200 $10; }")
                                            << QByteArray("/5") << QByteArray("return 200 50");
    // if
    QTest::newRow("if $var: \"0\" is false") << QByteArray("location / { if ($arg_c) { return 204; } return 200 no; }")
                                              << QByteArray("/?c=0") << QByteArray("return 200 no");
    QTest::newRow("if $var: true") << QByteArray("location / { if ($arg_c) { return 204; } return 200 no; }")
                                   << QByteArray("/?c=x") << QByteArray("return 204");
    QTest::newRow("if =") << QByteArray("location / { if ($arg_c = \"a b\") { return 204; } return 200 no; }")
                          << QByteArray("/?c=a b") << QByteArray("return 204");
    QTest::newRow("if !=") << QByteArray("location / { if ($arg_c != 1) { return 204; } return 200 no; }")
                           << QByteArray("/?c=1") << QByteArray("return 200 no");
    QTest::newRow("if ~ is case-sensitive") << QByteArray("location / { if ($arg_c ~ foo) { return 204; } return 200 no; }")
                                            << QByteArray("/?c=FOO") << QByteArray("return 200 no");
    QTest::newRow("if ~* is not") << QByteArray("location / { if ($arg_c ~* foo) { return 204; } return 200 no; }")
                                  << QByteArray("/?c=FOO") << QByteArray("return 204");
    QTest::newRow("if !~") << QByteArray("location / { if ($arg_c !~ foo) { return 204; } return 200 no; }")
                           << QByteArray("/?c=bar") << QByteArray("return 204");
    QTest::newRow("if !~*") << QByteArray("location / { if ($arg_c !~* foo) { return 204; } return 200 no; }")
                            << QByteArray("/?c=FOO") << QByteArray("return 200 no");
    QTest::newRow("statements after a true if's body run too")
        << QByteArray("location / { if ($arg_c) { set $a 1; } return 200 a$a; }") << QByteArray("/?c=1")
        << QByteArray("return 200 a1");
    QTest::newRow("break inside if stops the location's statements")
        << QByteArray("location / { if ($arg_c) { break; } return 200 no; }") << QByteArray("/x?c=1")
        << QByteArray("static /x");
    QTest::newRow("server-level if") << QByteArray("if ($http_host = example.com) { return 301 https://example.com$request_uri; }"
                                                   " location / { return 200 no; }")
                                     << QByteArray("/p") << QByteArray("redirect 301 https://example.com/p");
    // set
    QTest::newRow("set $args") << QByteArray("location / { set $args \"a=1\"; return 200 \"$args $arg_a\"; }")
                               << QByteArray("/?b=2") << QByteArray("return 200 a=1 1");
    QTest::newRow("set of a prefixed variable wins once set")
        << QByteArray("location /t { set $http_x_a mine; return 200 $http_x_a; } location / { return 200 \"[$http_x_a]\"; }")
        << QByteArray("/t") << QByteArray("return 200 mine");
    QTest::newRow("set elsewhere: the header's value stays")
        << QByteArray("location /t { set $http_x_a mine; } location / { return 200 \"[$http_x_a]\"; }")
        << QByteArray("/") << QByteArray("return 200 []");
    QTest::newRow("$arg_: the argument with an empty name") << QByteArray("location / { return 200 \"[$arg_]\"; }")
                                                            << QByteArray("/?a=1&=e") << QByteArray("return 200 [e]");
    QTest::newRow("a variable set later in the file") << QByteArray("location / { return 200 \"[$later]\"; } location /z { set $later 1; }")
                                                      << QByteArray("/") << QByteArray("return 200 []");
}

void tst_RewritePhases::phases()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, expected);
    const auto config = oneServer(body);
    QVERIFY(config);
    QCOMPARE(routeOf(*config, target), expected);
}

void tst_RewritePhases::internalRedirect_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("to");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<bool>("internal");

    QTest::newRow("to a URI: the location is searched again")
        << QByteArray("location / { return 404; } location /fallback { return 200 \"$uri?$args\"; }")
        << QByteArray("/fallback?x=1") << QByteArray("return 200 /fallback?x=1") << true;
    QTest::newRow("to a URI: the server's statements run again")
        << QByteArray("set $n \"${n}s\"; location / { return 200 $n; }") << QByteArray("/x")
        << QByteArray("return 200 ss") << true;
    QTest::newRow("to a URI without arguments: none")
        << QByteArray("location / { return 200 \"[$args]\"; }") << QByteArray("/x") << QByteArray("return 200 []")
        << true;
    QTest::newRow("to a named location: the URI stays")
        << QByteArray("location / { return 404; } location @app { return 200 \"$uri $args\"; }") << QByteArray("@app")
        << QByteArray("return 200 /orig a=1") << true;
    QTest::newRow("a named location's statements run; the server's do not")
        << QByteArray("set $s server; location @app { set $l loc; return 200 \"$s $l\"; }") << QByteArray("@app")
        << QByteArray("return 200 server loc") << true;
    QTest::newRow("to a named location that proxies")
        << QByteArray("location @app { proxy_pass http://127.0.0.1:9; }") << QByteArray("@app")
        << QByteArray("proxy /orig?a=1") << true;
    QTest::newRow("to a URI that proxies: $uri, escaped, with the arguments")
        << QByteArray("location / { proxy_pass http://127.0.0.1:9; }") << QByteArray("/a b?q=1")
        << QByteArray("proxy /a%20b?q=1") << true;
    QTest::newRow("an unknown named location: 500") << QByteArray("location / { return 404; }") << QByteArray("@none")
                                                     << QByteArray("error 500") << true;
}

void tst_RewritePhases::internalRedirect()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, to);
    QFETCH(QByteArray, expected);
    QFETCH(bool, internal);
    const auto config = oneServer(body);
    QVERIFY(config);
    const HttpRequestHead head = requestHead("/orig?a=1");
    const Route first = routeRequest(*config, 0, connectionFor(head));
    QVERIFY(!first.internal);
    const Route second = redirectRoute(*config, first, to);
    QCOMPARE(outcome(second), expected);
    QCOMPARE(second.internal, internal);
    QCOMPARE(second.uriChanges, first.uriChanges - 1);
}

void tst_RewritePhases::redirectCycleEndsIn500()
{
    // error_page to a location that fails again: nginx allows ten changes.
    const auto config = oneServer("location / { return 404; }");
    QVERIFY(config);
    const HttpRequestHead head = requestHead("/");
    Route r = routeRequest(*config, 0, connectionFor(head));
    int redirects = 0;
    while (r.kind == Route::Kind::Return && redirects < 20) {
        r = redirectRoute(*config, r, "/again");
        ++redirects;
    }
    // uri_changes starts at 11: ten redirects are answered, the eleventh is the cycle.
    QCOMPARE(redirects, 11);
    QCOMPARE(outcome(r), QByteArray("error 500"));
    QVERIFY(r.errorMessage.startsWith("rewrite or internal redirection cycle while internally redirecting to"));
    QVERIFY(!r.notes.isEmpty());
    QCOMPARE(r.notes.constLast().level, RouteNote::Level::Error);
}

void tst_RewritePhases::fileConditions_data()
{
    QTest::addColumn<QByteArray>("test");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("expected");
    QTest::newRow("-f file") << QByteArray("-f") << QByteArray("file") << true;
    QTest::newRow("-f dir") << QByteArray("-f") << QByteArray("dir") << false;
    QTest::newRow("!-f dir") << QByteArray("!-f") << QByteArray("dir") << true;
    QTest::newRow("-d dir") << QByteArray("-d") << QByteArray("dir") << true;
    QTest::newRow("-d file") << QByteArray("-d") << QByteArray("file") << false;
    QTest::newRow("-e file") << QByteArray("-e") << QByteArray("file") << true;
    QTest::newRow("-e dir") << QByteArray("-e") << QByteArray("dir") << true;
    QTest::newRow("-e missing") << QByteArray("-e") << QByteArray("nx") << false;
    QTest::newRow("!-e missing") << QByteArray("!-e") << QByteArray("nx") << true;
    QTest::newRow("-x plain file") << QByteArray("-x") << QByteArray("file") << false;
    QTest::newRow("-x dir") << QByteArray("-x") << QByteArray("dir") << true;
    QTest::newRow("!-x file") << QByteArray("!-x") << QByteArray("file") << true;
}

void tst_RewritePhases::fileConditions()
{
    QFETCH(QByteArray, test);
    QFETCH(QByteArray, name);
    QFETCH(bool, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile file(dir.filePath(u"file"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    QVERIFY(QDir(dir.path()).mkdir(u"dir"_s));
    const QByteArray root = dir.path().toUtf8();
    const auto config = oneServer("location / { if (" + test + ' ' + root + "/$arg_c) { return 204; } return 200; }");
    QVERIFY(config);
    QCOMPARE(routeOf(*config, "/?c=" + name), QByteArray(expected ? "return 204" : "return 200"));
}

void tst_RewritePhases::ifBlockSettings_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");

    const QByteArray uriPart = "location /p { proxy_pass http://127.0.0.1:9/rep; if ($arg_if) { } }";
    QTest::newRow("proxy_pass's URI part") << uriPart << QByteArray("/p/x") << QByteArray("proxy /rep/x");
    QTest::newRow("inherited by a true if, with the location's name")
        << uriPart << QByteArray("/p/x?if=1") << QByteArray("proxy /rep/x?if=1");
    QTest::newRow("proxy_pass inside if") << QByteArray("location / { if ($arg_up) { proxy_pass http://127.0.0.1:9; } }")
                                          << QByteArray("/a?up=1") << QByteArray("proxy /a?up=1");
    QTest::newRow("proxy_pass inside a false if") << QByteArray("location / { if ($arg_up) { proxy_pass http://127.0.0.1:9; } }")
                                                  << QByteArray("/a") << QByteArray("static /a");
    QTest::newRow("proxy inside if, then an if without a handler: 500")
        << QByteArray("location / { set $t 1; if ($t) { proxy_pass http://127.0.0.1:9; } if ($t) { } }")
        << QByteArray("/a") << QByteArray("error 500");
    QTest::newRow("rewrite break then proxy_pass: the whole new URI, no URI part")
        << QByteArray("location / { rewrite ^ /other break; proxy_pass http://127.0.0.1:9/part; }")
        << QByteArray("/x?q=1") << QByteArray("proxy /other?q=1");
    QTest::newRow("break with a new URI: the same")
        << QByteArray("location / { rewrite ^ /other; break; proxy_pass http://127.0.0.1:9/part; }")
        << QByteArray("/x") << QByteArray("proxy /other");
    QTest::newRow("rewrite last into a proxied location: its URI part")
        << QByteArray("location / { rewrite ^/(.*)$ /api/$1 last; } location /api/ { proxy_pass http://127.0.0.1:9/v1/; }")
        << QByteArray("/x%20y") << QByteArray("proxy /v1/x%20y");
}

void tst_RewritePhases::ifBlockSettings()
{
    phases(); // the same columns, the same check
}

void tst_RewritePhases::compileErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");
    QTest::newRow("bad flag") << QByteArray("location / { rewrite ^ /x sideways; }")
                              << u"t.conf:2:27: error: invalid parameter \"sideways\""_s;
    QTest::newRow("bad regex") << QByteArray("location / { rewrite ^( /x; }") << u"t.conf:2:22: error: invalid regex"_s;
    QTest::newRow("set without $") << QByteArray("location / { set a 1; }")
                                   << u"t.conf:2:18: error: invalid variable name \"a\""_s;
    QTest::newRow("set of a built-in") << QByteArray("location / { set $uri 1; }")
                                       << u"t.conf:2:18: error: the duplicate \"uri\" variable"_s;
    QTest::newRow("if without parentheses") << QByteArray("location / { if $a { } }")
                                            << u"t.conf:2:17: error: invalid condition \"$a\""_s;
    QTest::newRow("unknown operator") << QByteArray("location / { if ($arg_a <> b) { } }")
                                      << u"t.conf:2:17: error: unexpected \"<>\" in condition"_s;
    QTest::newRow("unknown variable") << QByteArray("location / { if ($nope) { } }")
                                      << u"t.conf:2:17: error: unknown \"nope\" variable"_s;
    QTest::newRow("if inside if") << QByteArray("location / { if ($arg_a) { if ($arg_b) { } } }")
                                  << u"t.conf:2:28: error: \"if\" directive is not allowed here"_s;
    QTest::newRow("proxy_set_header inside if") << QByteArray("location / { if ($arg_a) { proxy_set_header A b; } }")
                                                << u"t.conf:2:28: error: \"proxy_set_header\" directive is not allowed here"_s;
    QTest::newRow("proxy_pass with a URI inside if")
        << QByteArray("location / { if ($arg_a) { proxy_pass http://127.0.0.1:9/x; } }")
        << u"t.conf:2:39: error: \"proxy_pass\" cannot have URI part"_s;
    QTest::newRow("empty replacement") << QByteArray("location / { rewrite ^ \"\"; }")
                                       << u"t.conf:2:24: error: empty replacement"_s;
}

void tst_RewritePhases::compileErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    const ConfigCompileResult r = compileServer(body);
    QVERIFY(!r.ok());
    QStringList all;
    for (const ConfDiagnostic &d : r.diagnostics)
        all << d.toString();
    QVERIFY2(std::any_of(all.cbegin(), all.cend(), [&](const QString &s) { return s.startsWith(error); }),
             qPrintable(all.join(u'\n')));
}

void tst_RewritePhases::serverNameCaptures_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("the regex chose the server: its captures") << QByteArray("Shop.Apps.test")
                                                              << QByteArray("return 200 sub=shop 1=shop");
    QTest::newRow("an exact name chose it: none") << QByteArray("apps.test") << QByteArray("return 200 sub= 1=");
}

void tst_RewritePhases::serverNameCaptures()
{
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, expected);
    const ConfigCompileResult r = ConfigCompiler::compileText(
        "http { server { listen 127.0.0.1:8000; server_name apps.test ~^(?<sub>[a-z]+)\\.apps\\.test$;\n"
        "location / { return 200 \"sub=$sub 1=$1\"; } } }",
        u"t.conf"_s, testOptions());
    QVERIFY(r.ok());
    const HttpRequestHead head = requestHead("/", host);
    QCOMPARE(outcome(routeRequest(*r.config, 0, connectionFor(head))), expected);
}

void tst_RewritePhases::ifBlockGetsTheUpstreamTlsContext()
{
    // An `if` block that inherits proxy_pass https:// is where the session
    // looks up the TLS client context (ProxyRuntime::upstreamTls).
    ConfigCompileResult r = compileServer("location /s { proxy_pass https://127.0.0.1:9/o; if ($arg_if) { } }");
    QVERIFY(r.ok());
    const RuntimeSnapshot runtime = ProxyRuntime::build(&r);
    QVERIFY(runtime);
    const HttpRequestHead head = requestHead("/s?if=1");
    const Route route = routeRequest(*r.config, 0, connectionFor(head));
    QCOMPARE(outcome(route), QByteArray("proxy /o?if=1"));
    QVERIFY(route.location && route.location->isIfBlock);
    QVERIFY(runtime->upstreamTls(*route.location));
}

void tst_RewritePhases::uninitializedVariableWarning_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("warnings");
    QTest::newRow("read before any set") << QByteArray("location / { return 200 $v; } location /z { set $v 1; }") << 1;
    QTest::newRow("set first") << QByteArray("location / { set $v 1; return 200 $v; }") << 0;
    QTest::newRow("uninitialized_variable_warn off")
        << QByteArray("uninitialized_variable_warn off; location / { return 200 $v; } location /z { set $v 1; }") << 0;
    QTest::newRow("a prefixed one falls back to the header")
        << QByteArray("location / { return 200 $http_x; } location /z { set $http_x 1; }") << 0;
}

void tst_RewritePhases::uninitializedVariableWarning()
{
    QFETCH(QByteArray, body);
    QFETCH(int, warnings);
    const auto config = oneServer(body);
    QVERIFY(config);
    const HttpRequestHead head = requestHead("/");
    const Route r = routeRequest(*config, 0, connectionFor(head));
    const auto count = std::count_if(r.notes.cbegin(), r.notes.cend(), [](const RouteNote &n) {
        return n.level == RouteNote::Level::Warning && n.text.startsWith("using uninitialized \"");
    });
    QCOMPARE(int(count), warnings);
}

QTEST_GUILESS_MAIN(tst_RewritePhases)
#include "tst_rewritephases.moc"
