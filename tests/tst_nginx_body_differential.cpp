// Differential test of the request body: the same configuration through
// Debian's nginx and through wsscope, and raw requests with bodies sent to
// both. A body is read whole before the upstream is asked (memory up to
// client_body_buffer_size, else a temporary file), a chunked one reaches the
// upstream with a Content-Length, a retry sends it again, and a body nobody
// reads (`return`) is discarded so the next pipelined request is served.
// For each response both must agree on the status, $request_body, whether
// $request_body_file is set, and what the upstream received (the body's
// length and SHA-256, its Content-Length and Transfer-Encoding).

#include "nginxpair.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxBodyDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void answersAlike_data();
    void answersAlike();
    void fileOnlyKeepsTheFile();

private:
    struct Ports
    {
        quint16 listen = 0;
        quint16 closing = 0; // a server that closes without an answer (return 444)
    };
    QByteArray configText(const Ports &ports, const QString &name) const;
    // Every response on the connection, one line each, until the peer closes.
    static QByteArray answer(quint16 port, const QByteArray &request, const QByteArray &later);
    static QByteArray describe(const HttpResult &r);

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    Ports m_nginxPorts;
    Ports m_wsscopePorts;
};

QByteArray tst_NginxBodyDifferential::configText(const Ports &ports, const QString &name) const
{
    const QByteArray d = m_dir.path().toUtf8();
    const QByteArray n = name.toUtf8();
    const QByteArray backend = "127.0.0.1:" + QByteArray::number(m_backend.port());
    const QByteArray headers = " add_header X-Body \"[$request_body]\" always;"
                               " add_header X-Body-File \"$request_body_file\" always; ";
    // Each product its own body directory, two levels deep.
    return NginxPair::prologue(m_dir.path())
               .replace("PIDFILE", QByteArray(n + ".pid"))
               .replace("ERRORLOG", QByteArray(n + "-error.log info"))
               .replace(QByteArray(d + "/body;"), QByteArray(d + "/" + n + "-body 1 2;"))
        + "  upstream retry { server 127.0.0.1:" + QByteArray::number(ports.closing) + "; server " + backend + " backup; }\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(ports.listen) + ";\n"
           "    server_name localhost;\n"
           "    location /mem/ { client_body_buffer_size 1k;" + headers + "proxy_pass http://" + backend + "; }\n"
           "    location /file/ { client_body_in_file_only clean;" + headers + "proxy_pass http://" + backend + "; }\n"
           "    location /stream/ { proxy_request_buffering off; proxy_http_version 1.1;" + headers
        + "proxy_pass http://" + backend + "; }\n"
           "    location /stream10/ { proxy_request_buffering off;" + headers + "proxy_pass http://" + backend + "; }\n"
           "    location /retry/ {" + headers + "proxy_pass http://retry; }\n"
           "    location /small/ { client_max_body_size 100;" + headers + "proxy_pass http://" + backend + "; }\n"
           "    location /nobody/ { proxy_pass_request_body off; proxy_set_header Content-Length \"\";" + headers
        + "proxy_pass http://" + backend + "; }\n"
           "    location /ret/ { return 200 \"[ret]\"; }\n"
           "    location /ep/ { error_page 502 = /mem/ep; proxy_pass http://127.0.0.1:" + QByteArray::number(ports.closing)
        + "; }\n"
           "    location /header/ { proxy_set_header X-Got \"[$request_body]\"; proxy_pass http://" + backend + "; }\n"
           "  }\n"
           "  server { listen 127.0.0.1:" + QByteArray::number(ports.closing) + "; return 444; }\n"
           "}\n";
}

void tst_NginxBodyDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(QStringLiteral("/usr/sbin/nginx")),
             "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.startPython(QStringLiteral("http_upstream.py")));

    m_nginxPorts = {unusedPort(), unusedPort()};
    QFile nginxConf(m_dir.filePath(QStringLiteral("nginx.conf")));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPorts, QStringLiteral("nginx")));
    nginxConf.close();
    QVERIFY(m_nginx.launch(QStringLiteral("/usr/sbin/nginx"),
                           {QStringLiteral("-p"), m_dir.path(), QStringLiteral("-c"), nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPorts.listen, "GET /ret/ HTTP/1.1\r\nHost: x\r\n\r\n", 500).ok,
                             10000);

    m_wsscopePorts = {unusedPort(), unusedPort()};
    QFile wsConf(m_dir.filePath(QStringLiteral("wsscope.conf")));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    wsConf.write(configText(m_wsscopePorts, QStringLiteral("wsscope")));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), wsConf.fileName(),
                                              QStringLiteral("-g"), QStringLiteral("error_log stderr info;")}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_wsscopePorts.listen, "GET /ret/ HTTP/1.1\r\nHost: x\r\n\r\n", 500).ok,
                             10000);
}

void tst_NginxBodyDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QByteArray tst_NginxBodyDifferential::describe(const HttpResult &r)
{
    QByteArray out = QByteArray::number(r.status);
    if (!r.header("X-Body").isNull())
        out += " body=" + r.header("X-Body");
    if (!r.header("X-Body-File").isEmpty())
        out += " in-file";
    const QJsonObject json = QJsonDocument::fromJson(r.body).object();
    if (json.contains(u"sha256")) {
        out += " upstream got " + QByteArray::number(json.value(u"length").toInt()) + " bytes "
            + json.value(u"sha256").toString().left(12).toLatin1();
        for (const QJsonValue &h : json.value(u"headers").toArray()) {
            const QString name = h.toArray().at(0).toString();
            if (name.compare(u"Content-Length", Qt::CaseInsensitive) == 0
                || name.compare(u"Transfer-Encoding", Qt::CaseInsensitive) == 0
                || name.compare(u"X-Got", Qt::CaseInsensitive) == 0)
                out += ' ' + name.toLatin1() + '=' + h.toArray().at(1).toString().toLatin1();
        }
    } else if (r.body.startsWith('[')) {
        out += ' ' + r.body;
    }
    return out;
}

QByteArray tst_NginxBodyDifferential::answer(quint16 port, const QByteArray &request, const QByteArray &later)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return "no connection";
    socket.write(request);
    socket.flush();
    if (!later.isEmpty()) {
        // The rest of the body after a pause: read in two parts.
        socket.waitForBytesWritten(1000);
        QThread::msleep(150);
        socket.write(later);
    }
    // Every row ends the connection (Connection: close or an error), so
    // reading until the peer closes sees every response; they are split by
    // their Content-Length (the upstream's, nginx's pages, `return`).
    QByteArray received;
    QElapsedTimer timer;
    timer.start();
    while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 5000) {
        socket.waitForReadyRead(100);
        received += socket.readAll();
    }
    received += socket.readAll();
    QByteArray out;
    while (!received.isEmpty()) {
        const qsizetype end = received.indexOf("\r\n\r\n");
        if (end < 0)
            return out + "incomplete head";
        HttpResult r;
        r.head = received.left(end + 2);
        r.status = r.head.mid(9, 3).toInt();
        const qsizetype length = r.header("Content-Length").toLongLong();
        r.body = received.mid(end + 4, length);
        received.remove(0, end + 4 + length);
        out += describe(r) + " / ";
    }
    return out;
}

void tst_NginxBodyDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("later");
    auto post = [](const QByteArray &path, const QByteArray &body, const QByteArray &connection = "close") -> QByteArray {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: " + connection
            + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    auto chunked = [](const QByteArray &path, const QList<QByteArray> &chunks,
                      const QByteArray &connection = "close") -> QByteArray {
        QByteArray out = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: " + connection
            + "\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (const QByteArray &c : chunks)
            out += QByteArray::number(c.size(), 16) + "\r\n" + c + "\r\n";
        return out + "0\r\n\r\n";
    };
    const QByteArray big = QByteArray("0123456789").repeated(300);

    QTest::newRow("a small body stays in memory") << post("/mem/", "0123456789") << QByteArray();
    QTest::newRow("a body over client_body_buffer_size goes to a file") << post("/mem/", big) << QByteArray();
    QTest::newRow("a body in two reads") << post("/mem/", "01234").replace("Length: 5", "Length: 10")
                                         << QByteArray("56789");
    QTest::newRow("a chunked body reaches the upstream with a Content-Length")
        << chunked("/mem/", {"abc", "defgh"}) << QByteArray();
    QTest::newRow("an empty chunked body") << chunked("/mem/", {}) << QByteArray();
    QTest::newRow("a chunked body over the buffer goes to a file") << chunked("/mem/", {big, big}) << QByteArray();
    QTest::newRow("client_body_in_file_only: even a small body is in a file")
        << post("/file/", "0123456789") << QByteArray();
    QTest::newRow("proxy_request_buffering off: a chunked body streams as chunked")
        << chunked("/stream/", {"abc", "defgh"}) << QByteArray();
    QTest::newRow("proxy_request_buffering off with HTTP/1.0: a chunked body is read first")
        << chunked("/stream10/", {"abc", "defgh"}) << QByteArray();
    QTest::newRow("proxy_request_buffering off: a Content-Length body streams")
        << post("/stream/", big) << QByteArray();
    QTest::newRow("the next upstream gets the body again") << post("/retry/", "0123456789") << QByteArray();
    QTest::newRow("a chunked body over client_max_body_size is 413") << chunked("/small/", {big}) << QByteArray();
    QTest::newRow("proxy_pass_request_body off") << post("/nobody/", "0123456789") << QByteArray();
    QTest::newRow("proxy_request_buffering off: a body in two reads streams")
        << post("/stream/", "01234").replace("Length: 5", "Length: 10") << QByteArray("56789");
    QTest::newRow("proxy_request_buffering off: a chunked body in two reads streams as chunked")
        << QByteArray("POST /stream/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n")
        << QByteArray("5\r\ndefgh\r\n0\r\n\r\n");
    QTest::newRow("$request_body in proxy_set_header") << post("/header/", "abc") << QByteArray();
    QTest::newRow("an error_page redirect keeps the body read") << post("/ep/", "0123456789") << QByteArray();
    QTest::newRow("pipelined bodies to a return are discarded")
        << QByteArray(post("/ret/", "abc", "keep-alive") + post("/ret/", big, "keep-alive") + post("/ret/", "x"))
        << QByteArray();
    QTest::newRow("pipelined chunked bodies to a return are discarded")
        << QByteArray(chunked("/ret/", {"abc"}, "keep-alive") + chunked("/ret/", {big}, "keep-alive")
                      + post("/ret/", "x"))
        << QByteArray();
    QTest::newRow("a body discarded as it arrives")
        << QByteArray(post("/ret/", "01234", "keep-alive").replace("Length: 5", "Length: 10"))
        << QByteArray("56789" + post("/ret/", "x"));
    QTest::newRow("pipelined bodies to a proxy")
        << QByteArray(post("/mem/", "abc", "keep-alive") + chunked("/mem/", {big}, "keep-alive") + post("/mem/", "x"))
        << QByteArray();
    QTest::newRow("an invalid chunked body to a return is 400")
        << QByteArray("POST /ret/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nSEE-THIS\r\n0\r\n\r\n")
        << QByteArray();
    QTest::newRow("an invalid chunked body to a proxy is 400")
        << QByteArray("POST /mem/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nSEE-THIS\r\n0\r\n\r\n")
        << QByteArray();
    QTest::newRow("Expect: 100-continue to a return")
        << QByteArray("POST /ret/ HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
                      "Connection: close\r\n\r\nab")
        << QByteArray();
    QTest::newRow("Transfer-Encoding twice is 400")
        << QByteArray("POST /mem/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        << QByteArray();
    QTest::newRow("Content-Length twice is 400")
        << QByteArray("POST /mem/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na")
        << QByteArray();
}

void tst_NginxBodyDifferential::answersAlike()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, later);
    const QByteArray viaNginx = answer(m_nginxPorts.listen, request, later);
    const QByteArray viaWsscope = answer(m_wsscopePorts.listen, request, later);
    QVERIFY2(!viaNginx.isEmpty(), "nginx answered nothing");
    QCOMPARE(viaWsscope, viaNginx);
}

void tst_NginxBodyDifferential::fileOnlyKeepsTheFile()
{
    // client_body_in_file_only on: the file stays after the request (clean
    // removes it), in the levels client_body_temp_path names.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const quint16 port = unusedPort();
    QFile conf(dir.filePath(QStringLiteral("keep.conf")));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("events {}\nhttp { access_log off; client_body_temp_path " + dir.path().toUtf8()
               + "/t 1 2;\n server { listen 127.0.0.1:" + QByteArray::number(port) + ";\n"
               "  location /keep/ { client_body_in_file_only on; add_header X-File $request_body_file;"
               " proxy_pass http://127.0.0.1:" + QByteArray::number(m_backend.port()) + "; }\n"
               "  location /clean/ { client_body_in_file_only clean; add_header X-File $request_body_file;"
               " proxy_pass http://127.0.0.1:" + QByteArray::number(m_backend.port()) + "; }\n }\n}\n");
    conf.close();
    PeerProcess wsscope;
    QVERIFY(wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), conf.fileName(),
                                            QStringLiteral("-g"), QStringLiteral("error_log stderr info;")}));
    auto send = [&](const QByteArray &path) {
        return httpExchange(port, "POST " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
    };
    const HttpResult kept = send("/keep/");
    QCOMPARE(kept.status, 200);
    const QString keptName = QString::fromUtf8(kept.header("X-File"));
    QVERIFY2(keptName.startsWith(dir.path() + QStringLiteral("/t/")), qPrintable(keptName));
    // Levels 1 and 2: t/<last digit>/<two digits before it>/<ten digits>.
    const QString base = QFileInfo(keptName).fileName();
    QCOMPARE(base.size(), 10);
    QCOMPARE(keptName, dir.path() + u"/t/"_s + base.right(1) + u'/' + base.mid(7, 2) + u'/' + base);
    QFile keptFile(keptName);
    QVERIFY(keptFile.open(QIODevice::ReadOnly));
    QCOMPARE(keptFile.readAll(), QByteArray("hello"));

    const HttpResult cleaned = send("/clean/");
    QCOMPARE(cleaned.status, 200);
    QVERIFY(!cleaned.header("X-File").isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(QString::fromUtf8(cleaned.header("X-File"))), 2000);
    QCOMPARE(wsscope.terminate(5000), 0);
}

QTEST_GUILESS_MAIN(tst_NginxBodyDifferential)
#include "tst_nginx_body_differential.moc"
