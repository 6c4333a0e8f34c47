// Differential test of the rewrite module: one configuration of return,
// rewrite, set, break and if statements through Debian's nginx and through
// wsscope, with a backend that reports the request-target it received. For
// each request both must answer alike: the same status and Location, the
// same `return` body, the same target reaching the backend.

#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

class tst_NginxRewriteDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void answersAlike_data();
    void answersAlike();
    void errorPagesAlike_data();
    void errorPagesAlike();

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, const QString &dir);
    // "302 Location: …", "200 body: …" or "200 backend: TARGET".
    QByteArray answer(quint16 port, const QByteArray &target, const QByteArray &host,
                      const QByteArray &method = "GET") const;

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
};

QByteArray tst_NginxRewriteDifferential::configText(quint16 listenPort, quint16 backendPort, const QString &dir)
{
    const QByteArray b = "http://127.0.0.1:" + QByteArray::number(backendPort);
    const QByteArray d = dir.toUtf8();
    return "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "  access_log off;\n"
           "  client_body_temp_path " + d + "/body;\n"
           "  proxy_temp_path " + d + "/proxy;\n"
           "  map $uri $mapped { ~^/m/(?:x-)?(\\w+)$ \"got-$1\"; default none; }\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
           "    server_name example.test www.example.test;\n"
           // the server level runs first, before any location
           "    if ($host = www.example.test) { return 301 http://example.test$request_uri; }\n"
           "    rewrite ^/legacy/(.*)$ /api/$1 last;\n"
           "    set $level server;\n"
           "    location /api/ {\n"
           "      rewrite ^/api/v1/(.*)$ /api/v2/$1;\n"
           "      proxy_pass " + b + "/backend/;\n"
           "    }\n"
           "    location /strip/ { rewrite ^/strip/(.*)$ /$1 break; proxy_pass " + b + "/ignored/; }\n"
           "    location /args { rewrite ^ /api/args?added=1 last; }\n"
           "    location /noargs { rewrite ^ /api/noargs? last; }\n"
           "    location /go { rewrite ^/go/(.*)$ https://elsewhere.test/$1 permanent; }\n"
           "    location /rel { rewrite ^/rel(.*)$ /api$1 redirect; }\n"
           "    location /loop { rewrite ^ /loop/again last; }\n"
           "    location /if {\n"
           "      if ($arg_mode = proxy) { proxy_pass " + b + "; }\n"
           "      if ($arg_mode ~* ^re(?<rest>.*)$) { return 200 \"regex rest=$rest one=$1\\n\"; }\n"
           "      if ($http_x_flag) { set $flag \"on:$http_x_flag\"; }\n"
           "      if (!-f " + d + "/present) { return 200 \"missing\\n\"; }\n"
           "      return 200 \"flag=[$flag] level=$level uri=$uri args=$args\\n\";\n"
           "    }\n"
           "    location /ifp/ { if ($arg_up) { proxy_pass " + b + "; } }\n"
           "    location /file { if (-f " + d + "/present) { return 200 \"present\\n\"; } return 404; }\n"
           "    location /dir { if (-d " + d + "$uri) { return 200 \"dir\\n\"; } return 200 \"not a dir\\n\"; }\n"
           "    location ~ ^/user/(\\d+)/(?<section>[a-z]+)$ {\n"
           "      set $who \"user $1\";\n"
           "      return 200 \"$who section=$section\\n\";\n"
           "    }\n"
           "    location /setargs { set $args \"x=1&$args\"; return 200 \"$args|$arg_x|$is_args\\n\"; }\n"
           "    location /brk { set $a 1; break; set $a 2; }\n"
           "    location /brkproxy { rewrite ^ /api/brk; break; proxy_pass " + b + "/part/; }\n"
           "    location = /gone { return 410; }\n"
           "    location = /text { return 404 \"not here\\n\"; }\n"
           "    location = /temp { return 307 /elsewhere; }\n"
           "    location ~ ^/m/(.*)$ { return 200 \"$mapped [$1]\\n\"; }\n"
           // error_page (ngx_http_send_error_page) in its forms
           "    location = /ep-page { return 200 \"page $uri $request_method $args\\n\"; }\n"
           "    location /ep/ { error_page 404 /ep-page?from=ep; return 404; }\n"
           "    location /e204/ { error_page 405 /r204; return 405; }\n"
           "    location = /r204 { return 204; }\n"
           "    location /eq/ { error_page 404 =200 /ep-page; return 404; }\n"
           "    location /eb/ { error_page 404 = /ep-bare; return 404; }\n"
           "    location = /ep-bare { return 202 \"bare\\n\"; }\n"
           "    location /en/ { error_page 404 @fallback; return 404; }\n"
           "    location @fallback { return 200 \"named $uri $request_method\\n\"; }\n"
           "    location /eu/ { error_page 404 http://elsewhere.test/gone; return 404; }\n"
           "    location /e301/ { error_page 404 =301 http://elsewhere.test/moved; return 404; }\n"
           "    location /ei/ { proxy_intercept_errors on; error_page 404 500 /ep-page; proxy_pass " + b + "/status/; }\n"
           "    location /eni/ { error_page 404 /ep-page; proxy_pass " + b + "/status/; }\n"
           "    location /er/ { error_page 404 /er-missing; return 404; }\n"
           "    location = /er-missing { error_page 404 /ep-page; return 404; }\n"
           "    location /err/ { recursive_error_pages on; error_page 404 /er-missing; return 404; }\n"
           "    location /int/ { internal; return 200 \"internal $uri\\n\"; }\n"
           "    location /eint/ { error_page 404 /int/page; return 404; }\n"
           "    location /enosuch/ { error_page 404 @nosuch; return 404; }\n"
           "    location /estatic/ { root " + d + "; error_page 404 /ep-page; }\n"
           "    location /edead/ { error_page 502 /ep-page; proxy_pass http://127.0.0.1:1; }\n"
           "  }\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
           "    server_name ~^(?<sub>[a-z]+)\\.apps\\.test$;\n"
           "    location / { return 200 \"sub=$sub one=$1 uri=$uri\\n\"; }\n"
           "  }\n"
           "}\n";
}

void tst_NginxRewriteDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(QStringLiteral("/usr/sbin/nginx")),
             "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QFile present(m_dir.filePath(QStringLiteral("present")));
    QVERIFY(present.open(QIODevice::WriteOnly));
    present.close();
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("dir/sub")));
    QVERIFY(m_backend.startPython(QStringLiteral("http_upstream.py")));

    m_nginxPort = unusedPort();
    QFile nginxConf(m_dir.filePath(QStringLiteral("nginx.conf")));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPort, m_backend.port(), m_dir.path()));
    nginxConf.close();
    QVERIFY(m_nginx.launch(QStringLiteral("/usr/sbin/nginx"),
                           {QStringLiteral("-p"), m_dir.path(), QStringLiteral("-c"), nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPort, "GET /gone HTTP/1.1\r\nHost: x\r\n\r\n", 500).ok, 10000);

    QFile wsConf(m_dir.filePath(QStringLiteral("wsscope.conf")));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    // wsscope carries out pid and error_log too: files of its own, and its
    // "listening on" line on stderr as well (-g adds a second error_log).
    wsConf.write(configText(0, m_backend.port(), m_dir.path())
                     .replace("/nginx.pid", "/wsscope.pid")
                     .replace("/error.log", "/wsscope-error.log"));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), wsConf.fileName(),
                                              QStringLiteral("-g"), QStringLiteral("error_log stderr info;")}));
}

void tst_NginxRewriteDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QByteArray tst_NginxRewriteDifferential::answer(quint16 port, const QByteArray &target, const QByteArray &host,
                                                const QByteArray &method) const
{
    const QByteArray body = method == "POST" ? QByteArray("k=v") : QByteArray();
    const QByteArray request = method + ' ' + target + " HTTP/1.1\r\nHost: " + host
        + "\r\nX-Flag: red\r\nConnection: close\r\n"
        + (body.isEmpty() ? QByteArray() : "Content-Length: 3\r\n") + "\r\n" + body;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return "no connection";
    socket.write(request);
    const HttpResult r = readHttpResponse(socket, 10000, method == "HEAD");
    if (!r.ok)
        return "no answer";
    QByteArray out = QByteArray::number(r.status);
    QByteArray location = r.header("Location");
    // Each proxy puts its own listen port into an absolute redirect.
    location.replace(QByteArray(":" + QByteArray::number(port) + "/"), QByteArray(":PORT/"));
    if (!location.isEmpty())
        return out + " Location: " + location;
    if (r.status == 200 && r.body.startsWith('{'))
        return out + " backend: " + QJsonDocument::fromJson(r.body).object().value(QStringLiteral("path")).toString().toUtf8();
    // An empty answer: whether it says its length (a 204 does not).
    if (r.body.isEmpty())
        out += r.header("Content-Length").isNull() ? QByteArray(" no length") : " length " + r.header("Content-Length");
    // The own pages of nginx and wsscope differ (their signature line); a
    // `return` text does not.
    return r.body.startsWith("<html>") ? out : out + " body: " + r.body;
}

void tst_NginxRewriteDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("host");
    const QByteArray h = "example.test";
    QTest::newRow("server-level if redirects www") << QByteArray("/a?b=1") << QByteArray("www.example.test");
    QTest::newRow("server-level rewrite last") << QByteArray("/legacy/x?k=v") << h;
    QTest::newRow("location rewrite, then proxy_pass's URI part") << QByteArray("/api/v1/users?id=7") << h;
    QTest::newRow("rewritten URI with an escape") << QByteArray("/api/v1/a%20b") << h;
    QTest::newRow("rewrite break: the whole new URI upstream") << QByteArray("/strip/deep/path?q=1") << h;
    QTest::newRow("new arguments before the old ones") << QByteArray("/args?orig=2") << h;
    QTest::newRow("a final ? drops the arguments") << QByteArray("/noargs?orig=2") << h;
    QTest::newRow("permanent redirect with a capture") << QByteArray("/go/place?x=1") << h;
    QTest::newRow("relative redirect made absolute") << QByteArray("/rel/p?x=1") << h;
    QTest::newRow("rewrite cycle") << QByteArray("/loop") << h;
    QTest::newRow("if: a later return wins over proxy_pass inside if") << QByteArray("/if/x?mode=proxy") << h;
    QTest::newRow("if: regex with a named capture") << QByteArray("/if/x?mode=REstful") << h;
    QTest::newRow("if: header set, later statements run") << QByteArray("/if/y?mode=plain") << h;
    QTest::newRow("if: proxy_pass inside a true if") << QByteArray("/ifp/x?up=1") << h;
    QTest::newRow("if: a false if leaves the static location") << QByteArray("/ifp/x") << h;
    QTest::newRow("if -f on a present file") << QByteArray("/file") << h;
    QTest::newRow("if -d on a directory") << QByteArray("/dir/sub") << h;
    QTest::newRow("if -d on a missing one") << QByteArray("/dir/none") << h;
    QTest::newRow("location regex captures, set") << QByteArray("/user/42/posts") << h;
    QTest::newRow("set $args") << QByteArray("/setargs?y=2") << h;
    QTest::newRow("set $args without arguments") << QByteArray("/setargs") << h;
    QTest::newRow("break ends the statements") << QByteArray("/brk") << h;
    QTest::newRow("break with a new URI: proxy_pass's URI part unused") << QByteArray("/brkproxy?z=1") << h;
    QTest::newRow("return 410") << QByteArray("/gone") << h;
    QTest::newRow("return 404 with text") << QByteArray("/text") << h;
    QTest::newRow("return 307 relative") << QByteArray("/temp") << h;
    QTest::newRow("map regex captures in the value") << QByteArray("/m/x-abc") << h;
    QTest::newRow("map default") << QByteArray("/m/a-b") << h;
    QTest::newRow("server_name regex captures") << QByteArray("/x") << QByteArray("shop.apps.test");
}

void tst_NginxRewriteDifferential::answersAlike()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, host);
    const QByteArray viaNginx = answer(m_nginxPort, target, host);
    const QByteArray viaWsscope = answer(m_wsscope.port(), target, host);
    QCOMPARE(viaWsscope, viaNginx);
}

// error_page: an internal redirect (POST becomes GET, HEAD stays, the
// error's status kept), =CODE and a bare =, a named location, a URL,
// proxy_intercept_errors, recursive_error_pages, internal, and an unknown
// @name. Both must answer alike.
void tst_NginxRewriteDifferential::errorPagesAlike_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    const char *rows[][3] = {
        {"redirect keeps the 404, its args", "GET", "/ep/x?orig=1"},
        {"POST becomes GET", "POST", "/ep/x"},
        {"return 204: no length", "GET", "/r204"},
        {"to a return 204: the 405 goes with a length", "GET", "/e204/x"},
        {"HEAD stays HEAD", "HEAD", "/ep/x"},
        {"=200", "GET", "/eq/x"},
        {"bare = takes the page's status", "GET", "/eb/x"},
        {"named location keeps the method and URI", "POST", "/en/x"},
        {"a URL is a 302", "GET", "/eu/x"},
        {"=301 with a URL", "GET", "/e301/x"},
        {"intercepted 404 from upstream", "GET", "/ei/404"},
        {"intercepted 500 from upstream", "GET", "/ei/500"},
        {"an upstream 200 is not intercepted", "GET", "/ei/200"},
        {"without proxy_intercept_errors the upstream's 404 passes", "GET", "/eni/404"},
        {"the page's own error is not redirected again", "GET", "/er/x"},
        {"recursive_error_pages on redirects again", "GET", "/err/x"},
        {"internal refuses a client's own URI", "GET", "/int/x"},
        {"internal reached by an error page", "GET", "/eint/x"},
        {"unknown named location", "GET", "/enosuch/x"},
        {"static 404 redirected", "GET", "/estatic/none.txt"},
        {"dead upstream's 502 redirected", "GET", "/edead/x"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[1]) << QByteArray(row[2]);
}

void tst_NginxRewriteDifferential::errorPagesAlike()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    const QByteArray viaNginx = answer(m_nginxPort, target, "example.test", method);
    const QByteArray viaWsscope = answer(m_wsscope.port(), target, "example.test", method);
    QVERIFY2(viaNginx.front() >= '1' && viaNginx.front() <= '5', viaNginx.constData()); // nginx answered
    QCOMPARE(viaWsscope, viaNginx);
}

QTEST_GUILESS_MAIN(tst_NginxRewriteDifferential)
#include "tst_nginx_rewrite_differential.moc"
