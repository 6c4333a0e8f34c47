// Differential test of try_files: one configuration through Debian's nginx
// and through wsscope, over a document tree with files, a directory with an
// index and one without, and an alias tree. Each request must get the same
// answer from both: the file served (its text), the URI and arguments the
// backend was asked for after a fallback, a redirect's Location, or the
// status (and the error_page text when one answers).

#include "testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxTryFilesDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void answersAlike_data();
    void answersAlike();
    void contentTypesAlike_data();
    void contentTypesAlike();

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, const QString &dir);
    // "200 file: TEXT", "200 backend: TARGET", "301 Location: URL", "404" or "404 page: TEXT".
    static QByteArray answer(quint16 port, const QByteArray &method, const QByteArray &target);
    bool writeFile(const QString &name, const QByteArray &content);

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
};

QByteArray tst_NginxTryFilesDifferential::configText(quint16 listenPort, quint16 backendPort, const QString &dir)
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
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
           "    server_name example.test;\n"
           "    root " + d + "/www;\n"
           "    location / { try_files $uri $uri/ /app$uri; }\n"
           "    location /app { proxy_pass " + b + "; }\n"
           "    location /q/ { try_files $uri /app/q?from=try; }\n"
           "    location /args/ { try_files $uri /app/args?$args; }\n"
           "    location /strict/ { try_files $uri =404; }\n"
           "    location /paged/ { error_page 404 /pages/missing.txt; try_files $uri =404; }\n"
           "    location /gone/ { error_page 410 =200 /pages/gone.txt; try_files $uri =410; }\n"
           "    location /named/ { try_files $uri @app; }\n"
           "    location @app { proxy_pass " + b + "; }\n"
           "    location /pick/ { try_files /none.txt /$arg_f /docs/a.txt =404; }\n"
           "    location /dirs/ { try_files /docs/a.txt/ /docs/ =404; }\n"
           "    location /proxied/ { try_files /docs/a.txt /app/none; proxy_pass " + b + "; }\n"
           "    location /al/ {\n"
           "      alias " + d + "/aliased/;\n"
           "      try_files $uri $uri/ =404;\n"
           "      location ~ \\.html$ { try_files $uri /app/html; }\n"
           "    }\n"
           "    location ~ ^/re/(.*)$ { alias " + d + "/aliased; try_files /$1 =404; }\n"
           "    location /loop/ { try_files $uri /loop/again; }\n"
           // index (ngx_http_index_handler): an internal redirect to the file found
           "    location /ix/ { add_header X-URI $uri; }\n"
           "    location /ixabs/ { index /docs/a.txt; }\n"
           "    location /ixloop/ { index /ixloop/; }\n"
           "    location /ixmany/ { alias " + d + "/www/docs/; index none.html a.txt; add_header X-URI $uri; }\n"
           "    location /ixvar/ { alias " + d + "/www/docs/; index $arg_i.txt; add_header X-URI $uri; }\n"
           "    location /ixargs/ { index /app/ix; }\n"
           // types and default_type (the built-in types know html, gif and jpg)
           "    location /t/ { alias " + d + "/typed/; default_type application/x-default;\n"
           "      types { text/css css; application/javascript js mjs; } }\n"
           "    location /builtin/ { alias " + d + "/typed/; }\n"
           "    location /empty/ { alias " + d + "/typed/; types { } }\n"
           "    location /dup/ { alias " + d + "/typed/; types { text/one css; text/two css; } }\n"
           "    location = /file-alias { alias " + d + "/typed/f.html; }\n"
           "    location = /ret.json { default_type application/json; return 200 \"{}\"; }\n"
           "    location = /ret.html { return 200 \"x\"; }\n"
           "    location /ret/ { types { application/json json; } return 200 \"y\"; }\n"
           "  }\n"
           "}\n";
}

bool tst_NginxTryFilesDifferential::writeFile(const QString &name, const QByteArray &content)
{
    QFile f(m_dir.filePath(name));
    return QDir(m_dir.path()).mkpath(QFileInfo(name).path()) && f.open(QIODevice::WriteOnly)
        && f.write(content) == content.size();
}

void tst_NginxTryFilesDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(u"/usr/sbin/nginx"_s), "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.startPython(u"http_upstream.py"_s));
    QVERIFY(writeFile(u"www/top.txt"_s, "top\n"));
    QVERIFY(writeFile(u"www/docs/a.txt"_s, "docs a\n"));
    QVERIFY(writeFile(u"www/docs/index.html"_s, "docs index\n"));
    QVERIFY(writeFile(u"www/strict/s.txt"_s, "strict s\n"));
    QVERIFY(writeFile(u"www/pages/missing.txt"_s, "the missing page\n"));
    QVERIFY(writeFile(u"www/pages/gone.txt"_s, "the gone page\n"));
    QVERIFY(writeFile(u"aliased/b.txt"_s, "aliased b\n"));
    QVERIFY(writeFile(u"aliased/c.html"_s, "aliased c\n"));
    QVERIFY(writeFile(u"aliased/sub/index.html"_s, "aliased sub index\n"));
    QVERIFY(QDir(m_dir.path()).mkpath(u"www/empty"_s));
    QVERIFY(writeFile(u"www/ix/index.html"_s, "ix index\n"));
    for (const char *name : {"a.css", "b.JS", "c.mjs", "d.bin", "e", "f.html", "g.GIF"})
        QVERIFY(writeFile(u"typed/"_s + QLatin1String(name), "typed\n"));

    m_nginxPort = unusedPort();
    QFile nginxConf(m_dir.filePath(u"nginx.conf"_s));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPort, m_backend.port(), m_dir.path()));
    nginxConf.close();
    QVERIFY(m_nginx.launch(u"/usr/sbin/nginx"_s, {u"-p"_s, m_dir.path(), u"-c"_s, nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPort, "GET /top.txt HTTP/1.1\r\nHost: x\r\n\r\n", 500).ok, 10000);

    QFile wsConf(m_dir.filePath(u"wsscope.conf"_s));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    wsConf.write(configText(0, m_backend.port(), m_dir.path())
                     .replace("/nginx.pid", "/wsscope.pid")
                     .replace("/error.log", "/wsscope-error.log"));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, wsConf.fileName(), u"-g"_s, u"error_log stderr info;"_s}));
}

void tst_NginxTryFilesDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QByteArray tst_NginxTryFilesDifferential::answer(quint16 port, const QByteArray &method, const QByteArray &target)
{
    const HttpResult r = httpExchange(
        port, method + ' ' + target + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n", 10000);
    if (!r.ok)
        return "no answer";
    const QByteArray status = QByteArray::number(r.status);
    if (method == "HEAD")
        return status + " length: " + r.header("Content-Length");
    if (r.body.startsWith('{'))
        return status + " backend: " + QJsonDocument::fromJson(r.body).object().value(u"path"_s).toString().toUtf8();
    if (r.status >= 300 && r.status < 400) // each proxy puts its own port into the Location
        return status + " Location: " + r.header("Location").replace(QByteArray(":" + QByteArray::number(port) + "/"), QByteArray(":PORT/"));
    // The two products' own error pages differ (HTML); the files do not.
    if (r.body.contains("<html>"))
        return status;
    const QByteArray uri = r.head.contains("\nX-URI:") ? " uri: " + r.header("X-URI") : QByteArray();
    return status + uri + (r.status >= 400 ? " page: " : " file: ") + r.body;
}

void tst_NginxTryFilesDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    const char *rows[][3] = {
        {"a file that exists", "GET", "/top.txt"},
        {"a file, HEAD", "HEAD", "/top.txt"},
        {"$uri/: a directory with its index", "GET", "/docs/"},
        {"$uri/ for a directory without the slash: the static module's 301", "GET", "/docs"},
        {"a directory without an index: 403", "GET", "/empty/"},
        {"neither: the last argument, evaluated; the request's args are dropped", "GET", "/nothing/here?a=1&b=2"},
        {"$args passed on explicitly", "GET", "/args/none?a=1&b=2"},
        {"the fallback's own args replace the request's", "GET", "/q/none?a=1"},
        {"=404 when none exists", "GET", "/strict/none.txt"},
        {"a file under =404 still served", "GET", "/strict/s.txt"},
        {"=404 goes through error_page", "GET", "/paged/none"},
        {"=410 through error_page =200", "GET", "/gone/none"},
        {"@name: the named location gets the URI and args unchanged", "GET", "/named/x/y?k=v"},
        {"a variable in a name", "GET", "/pick/?f=top.txt"},
        {"a variable naming nothing: the next name", "GET", "/pick/?f=none"},
        {"a file does not match a directory test; the directory does", "GET", "/dirs/"},
        {"the found file's URI goes to proxy_pass", "GET", "/proxied/x?z=1"},
        {"alias: a file under it", "GET", "/al/b.txt"},
        {"alias: a directory with $uri/ and its index", "GET", "/al/sub/"},
        {"alias: none, =404", "GET", "/al/none.txt"},
        {"alias inherited by a nested regex location", "GET", "/al/c.html"},
        {"alias nested: fallback", "GET", "/al/none.html?h=1"},
        {"a regex location's alias with a capture", "GET", "/re/b.txt"},
        {"a regex location's alias: none", "GET", "/re/none.txt"},
        {"a redirect cycle: 500", "GET", "/loop/x"},
        {"POST to a found static file: 405", "POST", "/top.txt"},
        {"index: an internal redirect to the file ($uri changes)", "GET", "/ix/"},
        {"index: a name starting with '/' is a URI", "GET", "/ixabs/"},
        {"index: a redirect loop is 500", "GET", "/ixloop/"},
        {"index: the first that exists, under an alias", "GET", "/ixmany/"},
        {"index: a variable name", "GET", "/ixvar/?i=a"},
        {"index: a variable name naming nothing: 403", "GET", "/ixvar/?i=none"},
        {"index: no such directory: 404", "GET", "/ixmany/nodir/"},
        {"index: the arguments go along", "GET", "/ixargs/?k=v"},
        {"index, HEAD", "HEAD", "/ix/"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[1]) << QByteArray(row[2]);
}

void tst_NginxTryFilesDifferential::answersAlike()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    const QByteArray viaNginx = answer(m_nginxPort, method, target);
    const QByteArray viaWsscope = answer(m_wsscope.port(), method, target);
    QCOMPARE(viaWsscope, viaNginx);
}

// ngx_http_set_content_type: by the extension of the URI's last segment (any
// letter case), from the level's types, else default_type; `return` text too.
void tst_NginxTryFilesDifferential::contentTypesAlike_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");
    const char *rows[][2] = {
        {"/t/a.css", "text/css"},
        {"/t/b.JS", "application/javascript"},
        {"/t/c.mjs", "application/javascript"},
        {"/t/d.bin", "application/x-default"},
        {"/t/e", "application/x-default"},
        {"/t/f.html", "application/x-default"}, // the level's types replace the built-in ones
        {"/builtin/f.html", "text/html"},
        {"/builtin/g.GIF", "image/gif"},
        {"/builtin/a.css", "text/plain"},
        {"/empty/f.html", "text/plain"},
        {"/dup/a.css", "text/two"},
        {"/file-alias", "text/plain"},
        {"/ret.json", "application/json"},
        {"/ret.html", "text/html"},
        {"/ret/a.json", "application/json"},
        {"/ret/a.txt", "text/plain"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QByteArray(row[0]) << QByteArray(row[1]);
}

void tst_NginxTryFilesDifferential::contentTypesAlike()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, expected);
    const QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n";
    const HttpResult viaNginx = httpExchange(m_nginxPort, request);
    QCOMPARE(viaNginx.status, 200);
    QCOMPARE(viaNginx.header("Content-Type"), expected);
    const HttpResult viaWsscope = httpExchange(m_wsscope.port(), request);
    QCOMPARE(viaWsscope.status, 200);
    QCOMPARE(viaWsscope.header("Content-Type"), expected);
}

QTEST_GUILESS_MAIN(tst_NginxTryFilesDifferential)
#include "tst_nginx_tryfiles_differential.moc"
