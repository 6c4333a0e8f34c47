// Differential test of unix-domain sockets: `listen unix:PATH`, proxy_pass
// http://unix:PATH[:URI] and `server unix:PATH` in an upstream block, through
// Debian's nginx and through wsscope (each on sockets of its own). A client
// over a unix socket is "unix:" in $remote_addr with no port, matched by
// allow/deny unix: and trusted by set_real_ip_from unix:; the proxied
// request's Host and $proxy_host are "localhost", $proxy_port is empty, and
// $upstream_addr names the socket. Both must answer each request alike.

#include "nginxpair.h"
#include "testsupport.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxUnixDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void answersAlike_data();
    void answersAlike();
    void socketFilesGoWhenTheServerStops();

private:
    static QByteArray configText(quint16 listenPort, const QString &dir);
    // Status, body and X-Up, the socket names made the same for both.
    static QByteArray answer(quint16 port, const QByteArray &head);

    QTemporaryDir m_dir;
    NginxPair m_pair;
};

QByteArray tst_NginxUnixDifferential::configText(quint16 listenPort, const QString &dir)
{
    // Each product binds its own sockets: their names carry its port (0 for wsscope).
    const QByteArray sock = dir.toUtf8() + "/u" + QByteArray::number(listenPort);
    return NginxPair::prologue(dir)
        + "  upstream viaunix { server unix:" + sock + "b.sock; }\n"
          "  server {\n"
          "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
          "    add_header X-Up $upstream_addr always;\n"
          "    location /direct/ { proxy_pass http://unix:" + sock + "a.sock:/inner/; }\n"
          "    location /plain/ { proxy_pass http://unix:" + sock + "a.sock; }\n"
          "    location /group/ { proxy_pass http://viaunix; }\n"
          "    location /vars/ { proxy_pass http://unix:" + sock + "a.sock;"
          " proxy_set_header X-PH \"$proxy_host|$proxy_port\"; }\n"
          "    location /real/ { proxy_pass http://unix:" + sock + "a.sock; proxy_set_header X-Real-IP 192.0.2.7; }\n"
          "  }\n"
          "  server {\n"
          "    listen unix:" + sock + "a.sock;\n"
          "    listen unix:" + sock + "b.sock;\n"
          "    set_real_ip_from unix:;\n"
          "    root " + dir.toUtf8() + "/www;\n"
          "    location / { return 200 \"[$remote_addr|$remote_port|$uri|$http_host|$http_x_ph]\"; }\n"
          "    location /inner/deny/ { deny unix:; }\n"
          "    location /inner/allow/ { allow unix:; deny all; }\n"
          "    location /real/ { return 200 \"[$remote_addr from $realip_remote_addr]\"; }\n"
          "  }\n"
          "}\n";
}

void tst_NginxUnixDifferential::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString why;
    const QString dir = m_dir.path();
    QVERIFY2(m_pair.start(dir, [&](quint16 port) { return configText(port, dir); },
                          "GET /direct/ HTTP/1.0\r\n\r\n", &why),
             qPrintable(why));
}

QByteArray tst_NginxUnixDifferential::answer(quint16 port, const QByteArray &head)
{
    const HttpResult r = httpExchange(port, head, 10000);
    if (!r.ok)
        return "no answer";
    const QByteArray body = r.body.startsWith('[') ? r.body : QByteArray(); // our `return` bodies
    QString out = QString::fromUtf8(QByteArray::number(r.status) + ' ' + body + " up=" + r.header("X-Up"));
    // ".../u<port>a.sock": each product's own sockets.
    return out.replace(QRegularExpression(u"/u\\d+([ab])\\.sock"_s), u"/uPORT\\1.sock"_s).toUtf8();
}

void tst_NginxUnixDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("expected"); // in nginx's answer
    const char *rows[][3] = {
        {"proxy_pass to a unix socket with a URI", "GET /direct/x HTTP/1.1\r\nHost: front\r\n",
         "200 [unix:||/inner/x|localhost|] up=unix:"},
        {"proxy_pass to a unix socket without one", "GET /plain/y?a=1 HTTP/1.1\r\nHost: front\r\n",
         "200 [unix:||/plain/y|localhost|]"},
        {"an upstream block's unix server", "GET /group/z HTTP/1.1\r\nHost: front\r\n", "/uPORTb.sock"},
        {"$proxy_host and $proxy_port of a unix upstream", "GET /vars/ HTTP/1.1\r\nHost: front\r\n",
         "|localhost|]"},
        {"deny unix: refuses a unix client", "GET /direct/deny/x HTTP/1.1\r\nHost: front\r\n", "403 "},
        {"allow unix: lets it in before deny all", "GET /direct/allow/x HTTP/1.1\r\nHost: front\r\n", "404 "},
        {"set_real_ip_from unix: trusts the socket", "GET /real/ HTTP/1.1\r\nHost: front\r\n",
         "[192.0.2.7 from unix:]"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << (QByteArray(row[1]) + "Connection: close\r\n\r\n") << QByteArray(row[2]);
}

void tst_NginxUnixDifferential::answersAlike()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, expected);
    const QByteArray viaNginx = answer(m_pair.nginxPort(), head);
    const QByteArray viaWsscope = answer(m_pair.wsscopePort(), head);
    QVERIFY2(viaNginx.contains(expected), viaNginx.constData());
    QCOMPARE(viaWsscope, viaNginx);
}

void tst_NginxUnixDifferential::socketFilesGoWhenTheServerStops()
{
    // nginx removes the socket files it listened on when it stops; so does
    // wsscope (a restart can bind them again).
    const QString a = m_dir.filePath(u"u0a.sock"_s);
    QVERIFY2(QFileInfo::exists(a), qPrintable(a));
    QCOMPARE(m_pair.wsscope().terminate(10000), 0);
    QVERIFY(!QFileInfo::exists(a));
    QVERIFY(!QFileInfo::exists(m_dir.filePath(u"u0b.sock"_s)));
}

QTEST_GUILESS_MAIN(tst_NginxUnixDifferential)
#include "tst_nginx_unix_differential.moc"
