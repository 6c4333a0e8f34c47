// Differential test of a request no location matches: nginx serves it with
// the server's own configuration (its root, add_header, expires,
// error_page, allow/deny, try_files; ngx_http_core_find_location
// declined). Servers without `location /` or with no location at all, through Debian's
// nginx and through wsscope; each request must get the same status, the
// same added headers and the same file or page text.

#include "nginxpair.h"
#include "testsupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxServerLevelDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void answersAlike_data();
    void answersAlike();

private:
    static QByteArray configText(quint16 listenPort, const QString &dir);
    // "STATUS [X-Level: v] [Expires: set] [Location: L] body: TEXT" (nginx's own pages: "html").
    static QByteArray answer(quint16 port, const QByteArray &head);

    QTemporaryDir m_dir;
    NginxPair m_pair;
};

QByteArray tst_NginxServerLevelDifferential::configText(quint16 listenPort, const QString &dir)
{
    const QByteArray d = dir.toUtf8();
    const QByteArray listen = "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n";
    return NginxPair::prologue(dir)
        + "  server {\n" + listen
        + "    server_name site;\n"
          "    absolute_redirect off;\n"
          "    root " + d + "/www;\n"
          "    add_header X-Level server;\n"
          "    expires 1h;\n"
          "    error_page 404 /pages/404.txt;\n"
          "    location /api/ { add_header X-Level api; return 200 \"api $uri\\n\"; }\n"
          "    location = /exact { return 204; }\n"
          "    location ~ \\.php$ { return 403; }\n"
          "  }\n"
          "  server {\n" + listen
        + "    server_name bare;\n"
          "    root " + d + "/www;\n"
          "    deny 127.0.0.2;\n"
          "  }\n"
          "  server {\n" + listen
        + "    server_name closed;\n"
          "    root " + d + "/www;\n"
          "    deny all;\n"
          "  }\n"
          "  server {\n" + listen
        + "    server_name spa;\n"
          "    root " + d + "/www;\n"
          "    try_files $uri $uri/ /index.html;\n"
          "    location /strict/ { return 200 \"strict $uri\\n\"; }\n"
          "  }\n"
          "}\n";
}

void tst_NginxServerLevelDifferential::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(NginxPair::writeFile(m_dir.path(), u"www/index.html"_s, "the index\n"));
    QVERIFY(NginxPair::writeFile(m_dir.path(), u"www/top.txt"_s, "top\n"));
    QVERIFY(NginxPair::writeFile(m_dir.path(), u"www/dir/inner.txt"_s, "inner\n"));
    QVERIFY(NginxPair::writeFile(m_dir.path(), u"www/pages/404.txt"_s, "the 404 page\n"));
    const QString dir = m_dir.path();
    QString why;
    QVERIFY2(m_pair.start(dir, [&](quint16 port) { return configText(port, dir); },
                          "GET /top.txt HTTP/1.1\r\nHost: site\r\n\r\n", &why),
             qPrintable(why));
}

QByteArray tst_NginxServerLevelDifferential::answer(quint16 port, const QByteArray &head)
{
    const HttpResult r = httpExchange(port, head, 10000);
    if (!r.ok)
        return "no answer";
    QByteArray out = QByteArray::number(r.status);
    if (r.head.contains("\nX-Level:"))
        out += " X-Level: " + r.header("X-Level");
    if (r.head.contains("\nExpires:"))
        out += " Expires: set";
    if (r.head.contains("\nLocation:"))
        out += " Location: " + r.header("Location");
    out += " body: " + (r.body.contains("<html>") ? QByteArray("html") : r.body);
    return out;
}

void tst_NginxServerLevelDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("head");
    const char *rows[][2] = {
        {"a file under the server's root", "GET /top.txt HTTP/1.1\r\nHost: site\r\n"},
        {"HEAD of it", "HEAD /top.txt HTTP/1.1\r\nHost: site\r\n"},
        {"the index of /", "GET / HTTP/1.1\r\nHost: site\r\n"},
        {"a nested file", "GET /dir/inner.txt HTTP/1.1\r\nHost: site\r\n"},
        {"a directory without its slash", "GET /dir HTTP/1.1\r\nHost: site\r\n"},
        {"a directory without an index", "GET /dir/ HTTP/1.1\r\nHost: site\r\n"},
        {"a missing file: the server's error_page", "GET /none.txt HTTP/1.1\r\nHost: site\r\n"},
        {"POST to a file", "POST /top.txt HTTP/1.1\r\nHost: site\r\nContent-Length: 0\r\n"},
        {"a matching prefix location", "GET /api/x HTTP/1.1\r\nHost: site\r\n"},
        {"the prefix without its slash is no match", "GET /api HTTP/1.1\r\nHost: site\r\n"},
        {"an exact location", "GET /exact HTTP/1.1\r\nHost: site\r\n"},
        {"longer than the exact one: the server level", "GET /exact/more HTTP/1.1\r\nHost: site\r\n"},
        {"a regex location", "GET /a.php HTTP/1.1\r\nHost: site\r\n"},
        {"no location at all: a file", "GET /top.txt HTTP/1.1\r\nHost: bare\r\n"},
        {"no location at all: missing", "GET /none HTTP/1.1\r\nHost: bare\r\n"},
        {"no location at all: the server's deny", "GET /top.txt HTTP/1.1\r\nHost: closed\r\n"},
        {"the server's try_files: a file", "GET /top.txt HTTP/1.1\r\nHost: spa\r\n"},
        {"the server's try_files: a directory", "GET /dir/ HTTP/1.1\r\nHost: spa\r\n"},
        {"the server's try_files: the fallback", "GET /app/route?x=1 HTTP/1.1\r\nHost: spa\r\n"},
        {"the server's try_files does not reach a location", "GET /strict/none HTTP/1.1\r\nHost: spa\r\n"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << (QByteArray(row[1]) + "Connection: close\r\n\r\n");
}

void tst_NginxServerLevelDifferential::answersAlike()
{
    QFETCH(QByteArray, head);
    const QByteArray viaNginx = answer(m_pair.nginxPort(), head);
    const QByteArray viaWsscope = answer(m_pair.wsscopePort(), head);
    QCOMPARE(viaWsscope, viaNginx);
}

QTEST_GUILESS_MAIN(tst_NginxServerLevelDifferential)
#include "tst_nginx_serverlevel_differential.moc"
