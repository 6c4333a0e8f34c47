// A production-shaped nginx.conf (issue 13's "Why": user, pid, mime.types, log_format +
// access_log, security and CORS headers, an `if ($host = www...)` redirect,
// `rewrite ... break` toward an upstream with keepalive, try_files,
// error_page, client_max_body_size, limit_conn) through Debian's nginx and
// through wsscope, both started the way a service unit starts nginx
// (-p/-c, the pid file as the readiness signal). Every directive of the file
// is either implemented, and then the responses match nginx's for the table
// of requests, or refused by `wsscope -t` with the reason (asserted); a row
// whose directives are refused is skipped with that reason, and wsscope runs
// the file with `wsscope_ignore` for them.

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <pwd.h>
#include <unistd.h>

using namespace TestSupport;
using namespace Qt::StringLiterals;

namespace {

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

QByteArray currentUser()
{
    const passwd *pw = ::getpwuid(::geteuid());
    return pw ? QByteArray(pw->pw_name) : QByteArray("root");
}

// What a response shows a client, without what differs by product
// (Server, Date, error page wording): status, the headers the file adds or
// sets, and the body when `withBody`.
// `addedHeaders`: the ones add_header adds (left out while wsscope refuses add_header).
QStringList visible(const HttpResult &r, bool withBody, bool addedHeaders)
{
    QStringList out{u"status %1"_s.arg(r.status)};
    QList<const char *> names{"Location", "Content-Type"};
    if (addedHeaders)
        names << "X-Frame-Options" << "X-Content-Type-Options" << "Access-Control-Allow-Origin";
    for (const char *name : std::as_const(names)) {
        const QByteArray v = r.header(name);
        if (!v.isNull())
            out << QString::fromLatin1(name) + u": "_s + QString::fromUtf8(v);
    }
    if (withBody) {
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        // From the backend: the path it saw; else the body itself.
        out << (o.contains(u"path"_s) ? u"backend saw "_s + o.value(u"path"_s).toString() : QString::fromUtf8(r.body));
    }
    return out;
}

} // namespace

class tst_NginxProduction final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void refusesWhatItDoesNotImplement();
    void sameResponses_data();
    void sameResponses();

private:
    QByteArray configText(quint16 port) const;

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
    quint16 m_wsscopePort = 0;
    QSet<QByteArray> m_refused; // directives `wsscope -t` refuses in this file
    QByteArray m_testOutput;    // what `wsscope -t` printed
};

QByteArray tst_NginxProduction::configText(quint16 port) const
{
    const QByteArray d = m_dir.path().toUtf8();
    return "user " + currentUser() + ";\nworker_processes 1;\npid " + d + "/PROC.pid;\nerror_log " + d
        + "/PROC-error.log;\ndaemon off;\nmaster_process off;\nevents { worker_connections 256; }\n"
          "http {\n"
          "  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
          "  client_body_temp_path " + d + "/body;\n  proxy_temp_path " + d + "/proxy;\n"
          "  log_format main '$remote_addr \"$request\" $status $body_bytes_sent';\n"
          "  access_log " + d + "/PROC-access.log main;\n"
          "  limit_conn_zone $binary_remote_addr zone=perip:1m;\n"
          "  upstream app {\n    server 127.0.0.1:" + QByteArray::number(m_backend.port()) + ";\n    keepalive 16;\n  }\n"
          "  server {\n"
          "    listen 127.0.0.1:" + QByteArray::number(port) + ";\n"
          "    server_name example.test www.example.test;\n"
          "    root " + d + "/www;\n"
          "    client_max_body_size 1k;\n"
          "    add_header X-Frame-Options SAMEORIGIN always;\n"
          "    add_header X-Content-Type-Options nosniff always;\n"
          "    add_header Access-Control-Allow-Origin \"https://app.example.test\" always;\n"
          "    limit_conn perip 20;\n"
          "    error_page 404 /404.html;\n"
          "    if ($host = www.example.test) {\n      return 301 http://example.test$request_uri;\n    }\n"
          "    location / {\n      try_files $uri $uri/ /index.html;\n    }\n"
          "    location /static/ {\n      try_files $uri =404;\n    }\n"
          "    location = /404.html {\n      internal;\n    }\n"
          "    location /api/ {\n"
          "      rewrite ^/api/(.*)$ /$1 break;\n"
          "      proxy_pass http://app;\n"
          "      proxy_http_version 1.1;\n"
          "      proxy_set_header Connection \"\";\n"
          "      proxy_set_header Host $host;\n"
          "    }\n"
          "  }\n"
          "}\n";
}

void tst_NginxProduction::initTestCase()
{
    QVERIFY2(QFileInfo::exists(u"/usr/sbin/nginx"_s), "nginx is the reference: installers/deps-debian.sh --test");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.startPython(u"http_upstream.py"_s));
    const QDir dir(m_dir.path());
    QVERIFY(dir.mkpath(u"www/docs"_s) && dir.mkpath(u"www/static"_s));
    QVERIFY(writeFile(dir.filePath(u"www/index.html"_s), "the app\n"));
    QVERIFY(writeFile(dir.filePath(u"www/docs/index.html"_s), "the docs\n"));
    QVERIFY(writeFile(dir.filePath(u"www/static/app.css"_s), "body {}\n"));
    QVERIFY(writeFile(dir.filePath(u"www/404.html"_s), "not here\n"));

    m_nginxPort = unusedPort();
    QVERIFY(writeFile(dir.filePath(u"nginx.conf"_s), configText(m_nginxPort).replace("PROC", "nginx")));
    QVERIFY(m_nginx.launch(u"/usr/sbin/nginx"_s, {u"-p"_s, m_dir.path() + u'/', u"-c"_s, u"nginx.conf"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath(u"nginx.pid"_s)), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPort, "GET / HTTP/1.0\r\nHost: example.test\r\n\r\n", 500).ok, 10000);

    // The file as written: what wsscope -t refuses, and why.
    m_wsscopePort = unusedPort();
    const QByteArray text = configText(m_wsscopePort).replace("PROC", "wsscope");
    QVERIFY(writeFile(dir.filePath(u"wsscope-as-written.conf"_s), text));
    QProcess check;
    check.start(wsscopeBinary(), {u"-t"_s, u"-c"_s, dir.filePath(u"wsscope-as-written.conf"_s)});
    QVERIFY(check.waitForFinished(30000));
    m_testOutput = check.readAllStandardError();
    static const QRegularExpression refusal(u": error: \"([a-z_]+)\" is not supported by wsscope: "_s);
    for (auto it = refusal.globalMatch(QString::fromUtf8(m_testOutput)); it.hasNext();)
        m_refused.insert(it.next().captured(1).toUtf8());
    QCOMPARE(check.exitCode(), m_refused.isEmpty() ? 0 : 2);
    if (!m_refused.isEmpty())
        qInfo().noquote() << "refused by wsscope -t (rows using them are skipped):"
                          << QByteArrayList(m_refused.cbegin(), m_refused.cend()).join(' ');

    // The file with wsscope_ignore for those, started as nginx is.
    QByteArray ignore;
    for (const QByteArray &name : std::as_const(m_refused))
        ignore += ' ' + name;
    QVERIFY(writeFile(dir.filePath(u"wsscope.conf"_s),
                      ignore.isEmpty() ? text : QByteArray(text).replace("http {\n", QByteArray("http {\n  wsscope_ignore" + ignore + ";\n"))));
    QVERIFY(m_wsscope.launch(wsscopeBinary(), {u"-p"_s, m_dir.path() + u'/', u"-c"_s, u"wsscope.conf"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath(u"wsscope.pid"_s)) || !m_wsscope.isRunning(), 15000);
    QVERIFY2(m_wsscope.isRunning(), m_wsscope.output().constData());
}

void tst_NginxProduction::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

// Every error of `wsscope -t` on the file is a refusal with its reason; the
// limit belongs to issue 14 and is refused until then.
void tst_NginxProduction::refusesWhatItDoesNotImplement()
{
    const QList<QByteArray> lines = m_testOutput.split('\n');
    for (const QByteArray &line : lines) {
        if (line.contains(": error: "))
            QVERIFY2(line.contains("is not supported by wsscope: ") && line.contains("wsscope_ignore"), line.constData());
    }
    QVERIFY2(m_refused.contains("limit_conn"), m_testOutput.constData());
    QVERIFY2(m_testOutput.contains("the connection limit would not be enforced"), m_testOutput.constData());
    // What the file uses besides: implemented or refused, never silently ignored.
    for (const char *name : {"add_header", "try_files", "error_page", "client_max_body_size", "internal", "rewrite",
                             "if", "keepalive", "user", "pid"}) {
        const QByteArray warned = "ignoring nginx directive \"" + QByteArray(name) + '"';
        QVERIFY2(!m_testOutput.contains(warned), m_testOutput.constData());
    }
}

void tst_NginxProduction::sameResponses_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArrayList>("needs"); // the file's directives the row depends on
    QTest::addColumn<bool>("withBody");
    auto get = [](const QByteArray &target, const QByteArray &host = "example.test") {
        return QByteArray("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    };
    QTest::newRow("www redirect (if + return 301)")
        << get("/pricing?plan=pro", "www.example.test") << QByteArrayList{"if"} << false;
    QTest::newRow("api path rewritten before proxy_pass")
        << get("/api/users/7?x=1") << QByteArrayList{"rewrite"} << true;
    QTest::newRow("api root rewritten") << get("/api/") << QByteArrayList{"rewrite"} << true;
    QTest::newRow("a static file with the security headers") << get("/index.html") << QByteArrayList{} << true;
    QTest::newRow("try_files: app route falls back to /index.html")
        << get("/dashboard/settings") << QByteArrayList{"try_files"} << true;
    QTest::newRow("try_files: $uri/ then the directory's index")
        << get("/docs/") << QByteArrayList{"try_files"} << true;
    // Its Content-Type comes from mime.types (nginx's default types know html, gif and jpg only).
    QTest::newRow("try_files: a file that exists") << get("/static/app.css") << QByteArrayList{"try_files", "types"}
                                                  << true;
    QTest::newRow("try_files =404 -> error_page 404 /404.html")
        << get("/static/none.css") << QByteArrayList{"try_files", "error_page", "internal"} << true;
    QTest::newRow("an internal location from outside -> 404 page")
        << get("/404.html") << QByteArrayList{"internal", "error_page"} << true;
    QTest::newRow("body over client_max_body_size -> 413")
        << QByteArray("POST /api/upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 2048\r\nConnection: close\r\n\r\n"
                      + QByteArray(2048, 'x'))
        << QByteArrayList{"client_max_body_size"} << false;
    QTest::newRow("body under the limit reaches the backend")
        << QByteArray("POST /api/upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                      "0123456789")
        << QByteArrayList{"client_max_body_size", "rewrite"} << false;
}

void tst_NginxProduction::sameResponses()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArrayList, needs);
    QFETCH(bool, withBody);
    for (const QByteArray &name : needs) {
        if (m_refused.contains(name))
            QSKIP(qPrintable(u"\"%1\" is refused by wsscope -t (refusesWhatItDoesNotImplement asserts the reason)"_s.arg(
                QString::fromUtf8(name))));
    }
    const HttpResult viaNginx = httpExchange(m_nginxPort, request);
    const HttpResult viaWsscope = httpExchange(m_wsscopePort, request);
    QVERIFY(viaNginx.ok);
    QVERIFY(viaWsscope.ok);
    const bool added = !m_refused.contains("add_header");
    QCOMPARE(visible(viaWsscope, withBody, added), visible(viaNginx, withBody, added));
}

QTEST_GUILESS_MAIN(tst_NginxProduction)
#include "tst_nginx_production.moc"
