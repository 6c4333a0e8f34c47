// Differential test of the rewrite module: one configuration of return,
// rewrite, set, break and if statements through Debian's nginx and through
// wsscope, with a backend that reports the request-target it received. For
// each request both must answer alike: the same status and Location, the
// same `return` body, the same target reaching the backend.

#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
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

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, const QString &dir);
    // "302 Location: …", "200 body: …" or "200 backend: TARGET".
    QByteArray answer(quint16 port, const QByteArray &target, const QByteArray &host) const;

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

QByteArray tst_NginxRewriteDifferential::answer(quint16 port, const QByteArray &target, const QByteArray &host) const
{
    const QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: " + host
        + "\r\nX-Flag: red\r\nConnection: close\r\n\r\n";
    const HttpResult r = httpExchange(port, request);
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
    // The error pages of nginx and wsscope differ; a `return` text does not.
    return r.status >= 400 && !r.body.contains("not here") ? out : out + " body: " + r.body;
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

QTEST_GUILESS_MAIN(tst_NginxRewriteDifferential)
#include "tst_nginx_rewrite_differential.moc"
