#include "config/configcompiler.h"
#include "proxy/requestrouter.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// routeRequest() is a pure function of a request head and a compiled
// configuration: every rule here is checked without a socket.
class tst_RequestRouter final : public QObject
{
    Q_OBJECT

private slots:
    void serverSelection_data();
    void serverSelection();
    void locationKinds_data();
    void locationKinds();
    void returnAction_data();
    void returnAction();
    void staticFiles_data();
    void staticFiles();
    void proxyPassTarget_data();
    void proxyPassTarget();
    void tlsName_data();
    void tlsName();
    void badRequests_data();
    void badRequests();
    void noLocationMeansTheServerLevel();
    void contextCompleted();
    void accessRules_data();
    void accessRules();
    void tryFiles_data();
    void tryFiles();
};

namespace {

ConfigCompileOptions testOptions()
{
    ConfigCompileOptions o;
    o.resolve = [](const QString &, QString *) { return QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}; };
    o.defaultListenPort = 8000;
    return o;
}

std::shared_ptr<ProxyConfig> compile(const QByteArray &text)
{
    const ConfigCompileResult r = ConfigCompiler::compileText(text, u"t.conf"_s, testOptions());
    QStringList errors;
    for (const ConfDiagnostic &d : r.diagnostics)
        errors << d.toString();
    if (!r.ok())
        qWarning().noquote() << errors.join(u'\n');
    return r.config;
}

// One server on 127.0.0.1:8000 with `body` inside, and upstream `b`.
std::shared_ptr<ProxyConfig> oneServer(const QByteArray &body)
{
    return compile("http { upstream b { server 127.0.0.1:9; }\n"
                   "server { listen 127.0.0.1:8000; server_name example.com;\n"
                   + body + "\n} }");
}

HttpRequestHead head(const QByteArray &target, const QByteArray &host = "example.com")
{
    HttpRequestHead h;
    h.method = "GET";
    h.target = target;
    if (!host.isNull())
        h.headers.append("Host", host);
    return h;
}

Route route(const ProxyConfig &config, const HttpRequestHead &request, const QByteArray &client = "127.0.0.1")
{
    RequestContext connection;
    connection.request = &request;
    connection.remoteAddress = QHostAddress(QString::fromLatin1(client));
    connection.remoteAddressText = client;
    connection.remotePort = 40000;
    connection.serverPort = 8000;
    return routeRequest(config, 0, std::move(connection));
}

QString kindName(Route::Kind kind)
{
    switch (kind) {
    case Route::Kind::Error: return u"error"_s;
    case Route::Kind::Return: return u"return"_s;
    case Route::Kind::Static: return u"static"_s;
    case Route::Kind::Proxy: return u"proxy"_s;
    }
    return u"?"_s;
}

// "proxy /ws/", "static /", "return -" (server level), "error 404"
QString summary(const Route &r)
{
    if (r.kind == Route::Kind::Error)
        return u"error "_s + QString::number(r.errorStatus);
    return kindName(r.kind) + u' ' + (r.location ? QString::fromUtf8(r.location->prefix) : u"-"_s);
}

} // namespace

void tst_RequestRouter::serverSelection_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("expected");

    // nginx's order: exact, longest leading wildcard, longest trailing
    // wildcard, first regex, else the default server of the address.
    QTest::newRow("exact name") << QByteArray("a.test") << QByteArray("a");
    QTest::newRow("exact name, any case") << QByteArray("A.Test") << QByteArray("a");
    QTest::newRow("port ignored") << QByteArray("a.test:8000") << QByteArray("a");
    QTest::newRow("trailing dot ignored") << QByteArray("a.test.") << QByteArray("a");
    QTest::newRow("leading wildcard") << QByteArray("x.wild.test") << QByteArray("*.wild.test");
    QTest::newRow("longer leading wildcard wins") << QByteArray("x.deep.wild.test") << QByteArray("*.deep.wild.test");
    QTest::newRow("trailing wildcard") << QByteArray("mail.example") << QByteArray("mail.*");
    QTest::newRow("regex") << QByteArray("api7.test") << QByteArray("~^api\\d+\\.test$");
    QTest::newRow("exact beats wildcard") << QByteArray("exact.wild.test") << QByteArray("exact.wild.test");
    QTest::newRow("unknown name: default_server") << QByteArray("nobody.test") << QByteArray("fallback");
    QTest::newRow("no Host: default_server") << QByteArray() << QByteArray("fallback");
}

void tst_RequestRouter::serverSelection()
{
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, expected);
    const auto config = compile("http {\n"
                                "server { listen 127.0.0.1:8000; server_name a a.test; return 200 a; }\n"
                                "server { listen 127.0.0.1:8000; server_name *.wild.test; return 200 w; }\n"
                                "server { listen 127.0.0.1:8000; server_name *.deep.wild.test; return 200 d; }\n"
                                "server { listen 127.0.0.1:8000; server_name exact.wild.test; return 200 e; }\n"
                                "server { listen 127.0.0.1:8000; server_name mail.*; return 200 m; }\n"
                                "server { listen 127.0.0.1:8000; server_name ~^api\\d+\\.test$; return 200 r; }\n"
                                "server { listen 127.0.0.1:8000 default_server; server_name fallback; return 200 f; }\n"
                                "}");
    QVERIFY(config);
    const Route r = route(*config, head("/", host));
    QVERIFY(r.server);
    QCOMPARE(r.kind, Route::Kind::Return);
    // The server's first name ($server_name; a regex with its "~", as nginx keeps it).
    QCOMPARE(r.server->serverName, expected);
    QCOMPARE(r.context.serverName, expected);
}

void tst_RequestRouter::locationKinds_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("expected");

    const char *rows[][3] = {
        {"exact = wins over prefix", "/exact", "proxy /exact"},
        {"exact only matches exactly", "/exactly", "proxy /"},
        {"longest prefix", "/app/deeper/x", "proxy /app/deeper/"},
        {"shorter prefix", "/app/x", "proxy /app/"},
        {"regex beats a plain prefix", "/app/file.php", "proxy \\.php$"},
        {"^~ stops the regex search", "/static/file.php", "static /static/"},
        {"caseless regex", "/IMG/A.PNG", "proxy \\.png$"},
        {"case-sensitive regex does not match", "/app/FILE.PHP", "proxy /app/"},
        {"nested location inside its prefix", "/app/nested/x", "proxy /app/nested/"},
        {"matched on the normalized URI", "/app/../exact", "proxy /exact"},
        {"matched after percent-decoding", "/%61pp/x", "proxy /app/"},
        {"query string not part of the match", "/exact?x=/app/", "proxy /exact"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[1]) << QString::fromUtf8(row[2]);
}

void tst_RequestRouter::locationKinds()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, expected);
    const auto config = oneServer("location / { proxy_pass http://b; }\n"
                                  "location = /exact { proxy_pass http://b; }\n"
                                  "location /app/ { proxy_pass http://b;\n"
                                  "    location /app/nested/ { proxy_pass http://b; } }\n"
                                  "location /app/deeper/ { proxy_pass http://b; }\n"
                                  "location ^~ /static/ { root /srv; }\n"
                                  "location ~ \\.php$ { proxy_pass http://b; }\n"
                                  "location ~* \\.png$ { proxy_pass http://b; }\n");
    QVERIFY(config);
    QCOMPARE(summary(route(*config, head(target))), expected);
}

void tst_RequestRouter::returnAction_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("code");

    QTest::newRow("server level: before any location")
        << QByteArray("return 403; location / { proxy_pass http://b; }") << QByteArray("/x") << u"return -"_s << 403;
    QTest::newRow("server level: even with no location")
        << QByteArray("return 301 https://example.com$request_uri;") << QByteArray("/x") << u"return -"_s << 301;
    QTest::newRow("location level")
        << QByteArray("location / { proxy_pass http://b; } location /gone { return 410; }") << QByteArray("/gone/x")
        << u"return /gone"_s << 410;
    QTest::newRow("location level: return beats proxy_pass")
        << QByteArray("location / { proxy_pass http://b; return 200 ok; }") << QByteArray("/") << u"return /"_s << 200;
    QTest::newRow("location level: another location proxies")
        << QByteArray("location / { proxy_pass http://b; } location /gone { return 410; }") << QByteArray("/x")
        << u"proxy /"_s << 0;
}

void tst_RequestRouter::returnAction()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, target);
    QFETCH(QString, expected);
    QFETCH(int, code);
    const auto config = oneServer(body);
    QVERIFY(config);
    const Route r = route(*config, head(target));
    QCOMPARE(summary(r), expected);
    if (code) {
        QVERIFY(r.returnAction);
        QCOMPARE(r.returnAction->code, code);
    } else {
        QVERIFY(!r.returnAction);
    }
}

void tst_RequestRouter::staticFiles_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("root");
    QTest::addColumn<QByteArray>("alias");
    QTest::addColumn<QByteArray>("uri");

    QTest::newRow("root") << QByteArray("location /files/ { root /srv/www; }") << QByteArray("/files/a.txt?v=1")
                          << QByteArray("/srv/www") << QByteArray() << QByteArray("/files/a.txt");
    QTest::newRow("alias") << QByteArray("location /img/ { alias /srv/pictures/; }") << QByteArray("/img/b.png")
                           << QByteArray("html") << QByteArray("/srv/pictures/") << QByteArray("/img/b.png");
    QTest::newRow("no proxy_pass, no root: nginx's default root")
        << QByteArray("location / { }") << QByteArray("/index.html") << QByteArray("html") << QByteArray()
        << QByteArray("/index.html");
    QTest::newRow("uri normalized") << QByteArray("location /files/ { root /srv/www; }")
                                    << QByteArray("/files/x/../%62.txt") << QByteArray("/srv/www") << QByteArray()
                                    << QByteArray("/files/b.txt");
}

void tst_RequestRouter::staticFiles()
{
    QFETCH(QByteArray, location);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, root);
    QFETCH(QByteArray, alias);
    QFETCH(QByteArray, uri);
    const auto config = oneServer(location);
    QVERIFY(config);
    const Route r = route(*config, head(target));
    QCOMPARE(r.kind, Route::Kind::Static);
    QVERIFY(r.location);
    QCOMPARE(r.location->root, root);
    QCOMPARE(r.location->alias, alias);
    QCOMPARE(r.context.uri, uri); // what resolveStaticFile() maps onto the file system
    QVERIFY(r.upstreamTarget.isNull());
}

void tst_RequestRouter::proxyPassTarget_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QByteArray>("proxyPass");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");

    // ngx_http_proxy_create_request: without a URI part the client's target
    // is passed unchanged; with one, the location's prefix is replaced.
    QTest::newRow("no URI part: passed as sent") << QByteArray("/ws/") << QByteArray("http://b")
                                                << QByteArray("/ws/chat?x=1") << QByteArray("/ws/chat?x=1");
    QTest::newRow("no URI part: not normalized") << QByteArray("/a/") << QByteArray("http://b")
                                                << QByteArray("/a//x/../y") << QByteArray("/a//x/../y");
    QTest::newRow("/ replaces the prefix") << QByteArray("/ws/") << QByteArray("http://b/") << QByteArray("/ws/chat?x=1")
                                           << QByteArray("/chat?x=1");
    QTest::newRow("URI part with a path") << QByteArray("/ws/") << QByteArray("http://b/socket/")
                                          << QByteArray("/ws/x") << QByteArray("/socket/x");
    QTest::newRow("escapes re-escaped") << QByteArray("/a/") << QByteArray("http://b/c/") << QByteArray("/a/x%20y")
                                        << QByteArray("/c/x%20y");
    QTest::newRow("normalized before the cut") << QByteArray("/a/") << QByteArray("http://b/c/")
                                               << QByteArray("/a//x/../y") << QByteArray("/c/y");
    QTest::newRow("host:port upstream") << QByteArray("/") << QByteArray("http://127.0.0.1:9/up/")
                                        << QByteArray("/p?q") << QByteArray("/up/p?q");
}

void tst_RequestRouter::proxyPassTarget()
{
    QFETCH(QByteArray, location);
    QFETCH(QByteArray, proxyPass);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, expected);
    const auto config = oneServer("location " + location + " { proxy_pass " + proxyPass + "; }");
    QVERIFY(config);
    const Route r = route(*config, head(target));
    QCOMPARE(summary(r), u"proxy "_s + QString::fromUtf8(location));
    QCOMPARE(r.upstreamTarget, expected);
    QVERIFY(!r.upstreamTls);
    QVERIFY(r.tlsName.isNull());
}

void tst_RequestRouter::tlsName_data()
{
    QTest::addColumn<QByteArray>("directives");
    QTest::addColumn<QByteArray>("proxyHost");
    QTest::addColumn<QByteArray>("expected");

    // proxy_ssl_name's default is $proxy_host's host part.
    QTest::newRow("upstream name") << QByteArray("proxy_pass https://b;") << QByteArray("b") << QByteArray("b");
    QTest::newRow("host without port") << QByteArray("proxy_pass https://api.example;") << QByteArray("api.example")
                                       << QByteArray("api.example");
    QTest::newRow("host:port: port cut") << QByteArray("proxy_pass https://api.example:8443;")
                                         << QByteArray("api.example:8443") << QByteArray("api.example");
    QTest::newRow("IPv4:port") << QByteArray("proxy_pass https://127.0.0.1:8443;") << QByteArray("127.0.0.1:8443")
                               << QByteArray("127.0.0.1");
    QTest::newRow("[IPv6]:port: brackets and port cut") << QByteArray("proxy_pass https://[::1]:8443;")
                                                        << QByteArray("[::1]:8443") << QByteArray("::1");
    QTest::newRow("[IPv6] without port: brackets cut") << QByteArray("proxy_pass https://[::1];")
                                                       << QByteArray("[::1]") << QByteArray("::1");
    QTest::newRow("proxy_ssl_name literal") << QByteArray("proxy_pass https://b; proxy_ssl_name origin.test;")
                                            << QByteArray("b") << QByteArray("origin.test");
    QTest::newRow("proxy_ssl_name $host") << QByteArray("proxy_pass https://b; proxy_ssl_name $host;")
                                          << QByteArray("b") << QByteArray("example.com");
    // ngx_http_upstream_ssl_name: an evaluated name loses its port too.
    QTest::newRow("proxy_ssl_name $proxy_host: the port cut")
        << QByteArray("proxy_pass https://api.example:8443; proxy_ssl_name $proxy_host;")
        << QByteArray("api.example:8443") << QByteArray("api.example");
    QTest::newRow("proxy_ssl_name literal with a port: cut")
        << QByteArray("proxy_pass https://b; proxy_ssl_name origin.test:9443;") << QByteArray("b")
        << QByteArray("origin.test");
}

void tst_RequestRouter::tlsName()
{
    QFETCH(QByteArray, directives);
    QFETCH(QByteArray, proxyHost);
    QFETCH(QByteArray, expected);
    const auto config = oneServer("location / { " + directives + " }");
    QVERIFY(config);
    const Route r = route(*config, head("/x"));
    QCOMPARE(r.kind, Route::Kind::Proxy);
    QVERIFY(r.upstreamTls);
    QCOMPARE(r.context.proxyHost, proxyHost);
    QCOMPARE(r.tlsName, expected);
    if (!directives.contains("proxy_ssl_name"))
        QCOMPARE(tlsNameFromProxyHost(proxyHost), expected);
}

void tst_RequestRouter::badRequests_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("transferEncoding");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("message");

    // nginx answers these with 400 before any location is looked up.
    QTest::newRow("\"..\" above the root") << QByteArray("/../etc/passwd") << QByteArray() << 400
                                          << QByteArray("invalid request target");
    QTest::newRow("bad percent escape") << QByteArray("/a%zz") << QByteArray() << 400
                                        << QByteArray("invalid request target");
    QTest::newRow("escaped NUL") << QByteArray("/a%00b") << QByteArray() << 400 << QByteArray("invalid request target");
    QTest::newRow("escaped \"..\" above the root") << QByteArray("/%2e%2e/x") << QByteArray() << 400
                                                  << QByteArray("invalid request target");
}

void tst_RequestRouter::badRequests()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, transferEncoding);
    QFETCH(int, status);
    QFETCH(QByteArray, message);
    const auto config = oneServer("location /ws/ { proxy_pass http://b; }");
    QVERIFY(config);
    HttpRequestHead request = head(target);
    if (!transferEncoding.isEmpty())
        request.headers.append("Transfer-Encoding", transferEncoding);
    const Route r = route(*config, request);
    QCOMPARE(r.kind, Route::Kind::Error);
    QCOMPARE(r.errorStatus, status);
    QCOMPARE(r.errorMessage, message);
}

void tst_RequestRouter::noLocationMeansTheServerLevel()
{
    // ngx_http_core_find_location declining leaves the server's own
    // configuration: static files under its root, its add_header; the
    // location rewrite phase skips it (its script is not the server's).
    const auto config = oneServer("root /srv/site; add_header X-Level server; set $n \"$n+\";\n"
                                  "location /ws/ { proxy_pass http://b; }");
    QVERIFY(config);
    const ServerConfig &server = config->servers.constFirst();
    const Route r = route(*config, head("/other"));
    QCOMPARE(r.kind, Route::Kind::Static);
    QCOMPARE(r.location, &server.serverLevel);
    QVERIFY(r.location->prefix.isEmpty());
    QCOMPARE(r.location->root, QByteArray("/srv/site"));
    QVERIFY(!r.location->headersFilter.isEmpty());
    QVERIFY(r.location->rewrite.empty());
    // A location that matches is still chosen over it.
    QCOMPARE(route(*config, head("/ws/x")).kind, Route::Kind::Proxy);
}

void tst_RequestRouter::contextCompleted()
{
    // Header rewriting, `return` and the balancer's hash key read these.
    const auto config = oneServer("location /ws/ { proxy_pass http://b/; proxy_http_version 1.1; }");
    QVERIFY(config);
    HttpRequestHead request = head("/ws/%63hat?room=1");
    request.headers.append("Transfer-Encoding", "chunked"); // fine with proxy_http_version 1.1
    const Route r = route(*config, request);
    QCOMPARE(r.kind, Route::Kind::Proxy);
    QCOMPARE(r.context.request, &request);
    QCOMPARE(r.context.serverName, QByteArray("example.com"));
    QCOMPARE(r.context.uri, QByteArray("/ws/chat"));
    QCOMPARE(r.context.proxyHost, QByteArray("b"));
    QCOMPARE(r.context.remotePort, quint16(40000));
    QCOMPARE(r.context.serverPort, quint16(8000));
    QCOMPARE(r.upstreamTarget, QByteArray("/chat?room=1"));
}

// allow/deny decide after the rewrite phases, first match wins, a level
// with rules inherits none; limit_except swaps in its block for the methods
// it does not name (GET brings HEAD).
void tst_RequestRouter::accessRules_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("client");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("expected");

    const char *rows[][5] = {
        {"server rule inherited: allowed", "GET", "127.0.0.1", "/inherit/", "proxy /inherit/"},
        {"server rule inherited: denied", "GET", "127.0.0.3", "/inherit/", "error 403"},
        {"own rules replace the server's", "GET", "127.0.0.3", "/own/", "proxy /own/"},
        {"own rules: deny all after allow", "GET", "127.0.0.2", "/own/", "error 403"},
        {"CIDR /31 covers .1", "GET", "127.0.0.1", "/net/", "error 403"},
        {"CIDR /31 leaves .2", "GET", "127.0.0.2", "/net/", "proxy /net/"},
        {"first match wins", "GET", "127.0.0.2", "/order/", "proxy /order/"},
        {"first match wins: the later deny", "GET", "127.0.0.1", "/order/", "error 403"},
        {"an IPv6 rule leaves IPv4 alone", "GET", "127.0.0.1", "/v6/", "proxy /v6/"},
        {"an IPv6 rule for an IPv6 client", "GET", "::1", "/v6/", "error 403"},
        {"IPv4-mapped IPv6 is checked as IPv4", "GET", "::ffff:127.0.0.3", "/inherit/", "error 403"},
        {"return comes before access", "GET", "127.0.0.3", "/ret/", "return /ret/"},
        {"limit_except: a named method passes", "GET", "127.0.0.1", "/lmt/", "proxy /lmt/"},
        {"limit_except: GET brings HEAD", "HEAD", "127.0.0.1", "/lmt/", "proxy /lmt/"},
        {"limit_except: another method is denied", "POST", "127.0.0.1", "/lmt/", "error 403"},
        {"limit_except: an unknown method is denied", "BREW", "127.0.0.1", "/lmt/", "error 403"},
        {"limit_except: its allow lets one in", "POST", "127.0.0.2", "/lmt/", "proxy /lmt/"},
        {"limit_except: the location's rules still hold for GET", "GET", "127.0.0.3", "/lmt/", "error 403"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[1]) << QByteArray(row[2]) << QByteArray(row[3]) << QString::fromUtf8(row[4]);
}

void tst_RequestRouter::accessRules()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, client);
    QFETCH(QByteArray, target);
    QFETCH(QString, expected);
    const auto config = oneServer("deny 127.0.0.3;\n"
                                  "location /inherit/ { proxy_pass http://b; }\n"
                                  "location /own/ { allow 127.0.0.3; allow 127.0.0.1; deny all; proxy_pass http://b; }\n"
                                  "location /net/ { deny 127.0.0.0/31; proxy_pass http://b; }\n"
                                  "location /order/ { allow 127.0.0.2; deny 127.0.0.0/24; proxy_pass http://b; }\n"
                                  "location /v6/ { deny ::1; proxy_pass http://b; }\n"
                                  "location /ret/ { deny all; return 200 ok; }\n"
                                  "location /lmt/ { proxy_pass http://b; limit_except GET { allow 127.0.0.2; deny all; } }\n");
    QVERIFY(config);
    HttpRequestHead h = head(target);
    h.method = method;
    QCOMPARE(summary(route(*config, h, client)), expected);
}

void tst_RequestRouter::tryFiles_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("expected"); // summary(): kind and location, or the error status
    QTest::addColumn<QByteArray>("uri");   // $uri the content handler gets
    QTest::addColumn<QByteArray>("args");
    QTest::addColumn<bool>("addUriToAlias");

    const struct { const char *name, *target, *expected, *uri, *args; bool addUri; } rows[] = {
        {"a file that exists is $uri", "/a.html", "static /", "/a.html", "", false},
        {"none exists: internal redirect, args dropped", "/none?x=1", "proxy /fallback", "/fallback", "", false},
        {"the redirect's own args", "/own/none?x=1", "proxy /fallback", "/fallback", "y=2", false},
        {"$args passed on explicitly", "/keep/none?x=1", "proxy /fallback", "/fallback", "x=1", false},
        {"a file is not a directory", "/file-as-dir/", "error 404", "/file-as-dir/", "", false},
        {"a directory wanted with a trailing slash", "/dir", "static /dir", "/dir", "", false},
        {"a directory is not a file", "/dir-as-file/", "error 404", "/dir-as-file/", "", false},
        {"the first that exists wins", "/order/", "static /order/", "/dir/a.html", "", false},
        {"a variable names the file", "/var/?f=a.html", "static /var/", "/a.html", "f=a.html", false},
        {"=CODE when none exists", "/code/x", "error 410", "/code/x", "", false},
        {"@name keeps $uri and args", "/named/x?q=1", "proxy @back", "/named/x", "q=1", false},
        {"alias: the location's name is cut, then put back", "/al/b.txt", "static /al/", "/al/b.txt", "", false},
        {"alias inherited by a nested regex location", "/al/b.html", "static html$", "/al/b.html", "", false},
        {"a regex location's alias gets $uri added", "/b.txt", "static ^/b\\.txt$", "/b.txt", "", true},
        {"a found file goes to proxy_pass", "/p/x", "proxy /p/", "/a.html", "", false},
        {"a redirect cycle ends in 500", "/loop/x", "error 500", "/loop/again", "", false},
    };
    for (const auto &r : rows)
        QTest::newRow(r.name) << QByteArray(r.target) << QString::fromUtf8(r.expected) << QByteArray(r.uri)
                              << QByteArray(r.args) << r.addUri;
}

void tst_RequestRouter::tryFiles()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, expected);
    QFETCH(QByteArray, uri);
    QFETCH(QByteArray, args);
    QFETCH(bool, addUriToAlias);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray root = dir.path().toUtf8();
    QVERIFY(QDir(dir.path()).mkpath(u"dir"_s));
    QVERIFY(QDir(dir.path()).mkpath(u"sub"_s));
    for (const QString &name : {u"a.html"_s, u"dir/a.html"_s, u"sub/b.txt"_s, u"sub/b.html"_s}) {
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    const auto config = oneServer("root " + root + ";\n"
                                  "location / { try_files $uri /fallback; }\n"
                                  "location /own/ { try_files $uri /fallback?y=2; }\n"
                                  "location /keep/ { try_files $uri /fallback?$args; }\n"
                                  "location /fallback { proxy_pass http://b; }\n"
                                  "location /file-as-dir/ { try_files /a.html/ =404; }\n"
                                  "location /dir { try_files $uri/ =404; }\n"
                                  "location /dir-as-file/ { try_files /dir =404; }\n"
                                  "location /order/ { try_files /none.html /dir/a.html /a.html =404; }\n"
                                  "location /var/ { try_files /$arg_f =404; }\n"
                                  "location /code/ { try_files $uri =410; }\n"
                                  "location /named/ { try_files $uri @back; }\n"
                                  "location @back { proxy_pass http://b; }\n"
                                  "location /al/ { alias " + root + "/sub/; try_files $uri =404;\n"
                                  "  location ~ html$ { try_files $uri =404; } }\n"
                                  "location ~ ^/b\\.txt$ { alias " + root + "/sub; try_files $uri =404; }\n"
                                  "location /p/ { try_files /a.html =404; proxy_pass http://b; }\n"
                                  "location /loop/ { try_files $uri /loop/again; }\n");
    QVERIFY(config);
    const Route r = route(*config, head(target));
    QCOMPARE(summary(r), expected);
    QCOMPARE(r.context.uri, uri);
    QCOMPARE(currentArgs(r.context), args);
    QCOMPARE(r.addUriToAlias, addUriToAlias);
}

QTEST_GUILESS_MAIN(tst_RequestRouter)
#include "tst_requestrouter.moc"
