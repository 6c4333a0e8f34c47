// Differential test: the same configuration through Debian's nginx and
// through wsscope, with a backend that records the request line and headers
// it receives. For every case the two must deliver the same request.

#include "testsupport.h"

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void sameRequestReachesTheBackend_data();
    void sameRequestReachesTheBackend();
    void redirectsAreRewrittenAlike_data();
    void redirectsAreRewrittenAlike();
    void returnBodyKeepsItsLineBreaks();
    void addHeaderLineBreakGoesOutAsWritten();
    void upstreamVariablesInResponseHeaders();
    void bodyAtHandGoesWithTheHead();
    void unaskedSwitchIsAPlainResponse_data();
    void unaskedSwitchIsAPlainResponse();
    void upstreamHeadersHiddenAlike_data();
    void setBodyReplacesTheClientsBody_data();
    void setBodyReplacesTheClientsBody();
    void proxyMethodChangesTheRequestLine();
    void upstreamHeadersHiddenAlike();

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, quint16 deadPort, const QString &dir);
    // What an upstream on m_deadPort gets in its first recv() for `request` sent through `port`.
    QByteArray firstReadUpstream(quint16 port, const QByteArray &request) const;
    // An upstream on m_deadPort answers `request` (sent through `port`) with
    // `answer`, then closes at once or (`hold`) only when the proxy does.
    // Returns all the client got until the close, or until the proxy
    // sent `enough`, or 8 s.
    QByteArray rawAnswerThrough(quint16 port, const QByteArray &request, const QByteArray &answer, bool hold,
                                const QByteArray &enough, QByteArray *firstRead = nullptr) const;
    // What the backend saw: "GET /path" then "name: value" lines in order.
    static QStringList seenByBackend(quint16 port, const QByteArray &request);

    PeerProcess m_backend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
    quint16 m_deadPort = 0; // nothing listens: a connect there is refused
};

QByteArray tst_NginxDifferential::configText(quint16 listenPort, quint16 backendPort, quint16 deadPort,
                                              const QString &dir)
{
    // Written once, used by both: nginx reads the process-level lines too,
    // wsscope warns about the ones it does not use.
    const QByteArray b = QByteArray::number(backendPort);
    return "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "pid " + dir.toUtf8() + "/nginx.pid;\nerror_log " + dir.toUtf8() + "/error.log;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "  access_log off;\n"
           "  client_body_temp_path " + dir.toUtf8() + "/body;\n"
           "  proxy_temp_path " + dir.toUtf8() + "/proxy;\n"
           "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
           "  map $http_x_tier $tier { default standard; gold premium; ~^sil(ver)?$ silverish; }\n"
           "  upstream backend { server 127.0.0.1:" + b + "; }\n"
           "  upstream tried { server 127.0.0.1:" + QByteArray::number(deadPort) + "; server 127.0.0.1:" + b + "; }\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
           "    server_name example.test;\n"
           // nginx's implicit defaults: Host $proxy_host, Connection close
           "    location /plain/ { proxy_pass http://backend; }\n"
           // URI part: the matched prefix is replaced
           "    location /api/ { proxy_pass http://backend/v2/; }\n"
           "    location /short { proxy_pass http://backend/long; }\n"
           "    location = /exact { proxy_pass http://127.0.0.1:" + b + "/exact-target; }\n"
           "    location ~ ^/re/(?<name>\\w+)$ { proxy_pass http://backend; }\n"
           // the seeds' WebSocket headers and friends
           "    location /ws/ {\n"
           "      proxy_pass http://backend;\n"
           "      proxy_http_version 1.1;\n"
           "      proxy_set_header Upgrade $http_upgrade;\n"
           "      proxy_set_header Connection $connection_upgrade;\n"
           "      proxy_set_header Host $host;\n"
           "      proxy_set_header X-Real-IP $remote_addr;\n"
           "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
           "      proxy_set_header X-Forwarded-Proto $scheme;\n"
           "      proxy_set_header X-Tier $tier;\n"
           "      proxy_set_header X-Orig-Host $http_host;\n"
           "      proxy_set_header X-Uri \"$uri|$args|$request_uri|$is_args\";\n"
           "      proxy_set_header X-Session \"$cookie_session|$arg_page|$arg_Missing\";\n"
           "    }\n"
           // inheritance: this level sets one header, so none are inherited
           "    proxy_set_header X-Server-Level outer;\n"
           "    location /inherit/ { proxy_pass http://backend; }\n"
           "    location /override/ { proxy_pass http://backend; proxy_set_header X-Inner inner; }\n"
           "    location /noredir/ { proxy_pass http://backend/v2/; proxy_redirect off; }\n"
           "    location /explicit/ { proxy_pass http://backend; proxy_redirect http://elsewhere/ /moved/; }\n"
           // the upstream side as variables: the servers tried, their answers, the response
           "    location /tried/ {\n"
           "      proxy_pass http://tried;\n"
           "      add_header X-Addr $upstream_addr always;\n"
           "      add_header X-Status $upstream_status always;\n"
           "      add_header X-Sid $upstream_cookie_sid;\n"
           "      add_header X-Theme $upstream_cookie_theme;\n"
           "      add_header X-Upstream-CC $upstream_http_cache_control;\n"
           "      add_header Cache-Control no-store;\n"
           "      add_header X-Sent-CC $sent_http_cache_control;\n"
           "      add_header X-Port $proxy_port;\n"
           "      add_header X-Length $upstream_response_length;\n"
           "      add_header X-Received $upstream_bytes_received;\n"
           "    }\n"
           "    location /nohdr/ { proxy_pass http://backend; proxy_pass_request_headers off; }\n"
           "    location /nobody/ { proxy_pass http://backend; proxy_pass_request_body off;\n"
           "      proxy_set_header Content-Length \"\"; }\n"
           "    location /switch/ { proxy_pass http://127.0.0.1:" + QByteArray::number(deadPort) + ";\n"
           "      proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade;\n"
           "      proxy_set_header Connection Upgrade; proxy_read_timeout 1s; }\n"
           "    location /method/ { proxy_pass http://127.0.0.1:" + QByteArray::number(deadPort) + "; proxy_method $arg_m; }\n"
           "    location /setbody/ { proxy_pass http://127.0.0.1:" + QByteArray::number(deadPort) + ";\n"
           "      proxy_set_body \"n=$arg_n;b=$request_body\"; }\n"
           "    location /hide/ { proxy_pass http://127.0.0.1:" + QByteArray::number(deadPort) + "; }\n"
           "    location /hide2/ { proxy_pass http://127.0.0.1:" + QByteArray::number(deadPort) + ";\n"
           "      proxy_hide_header X-Secret; proxy_hide_header x-kept;\n"
           "      proxy_pass_header Server; proxy_pass_header date; proxy_pass_header X-Accel-Charset; }\n"
           "    location /one-read/ { proxy_pass http://127.0.0.1:" + QByteArray::number(deadPort) + "; }\n"
           "    location = /ret { return 200 \"line one\\nuri=$uri https=[$https]\\n\"; }\n"
           "    location = /lf { add_header X-Lf \"u:$uri\\n\"; return 204; }\n"
           "  }\n"
           "}\n";
}

void tst_NginxDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(QStringLiteral("/usr/sbin/nginx")),
             "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_backend.startPython(QStringLiteral("http_upstream.py")));

    m_nginxPort = unusedPort();
    m_deadPort = unusedPort();
    QFile nginxConf(m_dir.filePath(QStringLiteral("nginx.conf")));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPort, m_backend.port(), m_deadPort, m_dir.path()));
    nginxConf.close();
    // nginx prints nothing when it is ready: start it, then poll its port.
    QVERIFY(m_nginx.launch(QStringLiteral("/usr/sbin/nginx"),
                           {QStringLiteral("-p"), m_dir.path(), QStringLiteral("-c"), nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(httpExchange(m_nginxPort, "GET /plain/ping HTTP/1.1\r\nHost: x\r\n\r\n", 500).ok, 10000);

    QFile wsConf(m_dir.filePath(QStringLiteral("wsscope.conf")));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    // wsscope carries out pid and error_log too: files of its own, and its
    // "listening on" line on stderr as well (-g adds a second error_log).
    wsConf.write(configText(0, m_backend.port(), m_deadPort, m_dir.path())
                     .replace("/nginx.pid", "/wsscope.pid")
                     .replace("/error.log", "/wsscope-error.log"));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), wsConf.fileName(),
                                              QStringLiteral("-g"), QStringLiteral("error_log stderr info;")}));
}

void tst_NginxDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QStringList tst_NginxDifferential::seenByBackend(quint16 port, const QByteArray &request)
{
    const HttpResult r = httpExchange(port, request);
    if (!r.ok || r.status != 200)
        return {QStringLiteral("status %1: %2").arg(r.status).arg(QString::fromUtf8(r.body.left(200)))};
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    QStringList out{QStringLiteral("GET ") + o.value(QStringLiteral("path")).toString()};
    for (const QJsonValue &h : o.value(QStringLiteral("headers")).toArray())
        out << h.toArray().at(0).toString().toLower() + QStringLiteral(": ") + h.toArray().at(1).toString();
    if (o.contains(u"length"_s)) // a POST: the body it read
        out << u"body of %1 bytes"_s.arg(o.value(u"length"_s).toInt());
    return out;
}

void tst_NginxDifferential::sameRequestReachesTheBackend_data()
{
    QTest::addColumn<QByteArray>("request");
    auto get = [](const QByteArray &target, const QByteArray &headers) {
        return QByteArray("GET " + target + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n");
    };
    QTest::newRow("implicit defaults: Host $proxy_host, Connection close")
        << get("/plain/a?b=c", "Host: example.test\r\nAccept: */*\r\n");
    QTest::newRow("prefix replaced by the proxy_pass URI") << get("/api/users/7?x=1", "Host: example.test\r\n");
    QTest::newRow("prefix without slash replaced literally") << get("/shorter/path", "Host: example.test\r\n");
    QTest::newRow("exact location with a URI") << get("/exact", "Host: example.test\r\n");
    QTest::newRow("regex location passes the URI as is") << get("/re/alpha?q=%20x", "Host: example.test\r\n");
    QTest::newRow("seed headers on an upgrade request")
        << get("/ws/chat", "Host: Example.TEST:8443\r\nUpgrade: websocket\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
    QTest::newRow("seed headers without upgrade: Connection close") << get("/ws/plain", "Host: example.test\r\n");
    QTest::newRow("X-Forwarded-For chain appended")
        << get("/ws/xff", "Host: example.test\r\nX-Forwarded-For: 203.0.113.7, 198.51.100.2\r\n");
    QTest::newRow("two X-Forwarded-For lines joined")
        << get("/ws/xff2", "Host: example.test\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.1.1.1\r\n");
    QTest::newRow("map exact value") << get("/ws/m1", "Host: example.test\r\nX-Tier: gold\r\n");
    QTest::newRow("map regex value") << get("/ws/m2", "Host: example.test\r\nX-Tier: silver\r\n");
    QTest::newRow("map default") << get("/ws/m3", "Host: example.test\r\nX-Tier: bronze\r\n");
    QTest::newRow("host without port, lower-cased") << get("/ws/h", "Host: WWW.Example.test:81\r\n");
    QTest::newRow("uri and args variables") << get("/ws/a%20b/../c?x=1&y=2", "Host: example.test\r\n");
    QTest::newRow("cookie and arg variables")
        << get("/ws/ca?Page=3&x=y&page=4", "Host: example.test\r\nCookie: a=1; session=abc123\r\nCookie: session=later\r\n");
    QTest::newRow("server-level header inherited") << get("/inherit/x", "Host: example.test\r\n");
    QTest::newRow("a level that sets one header inherits none") << get("/override/x", "Host: example.test\r\n");
    QTest::newRow("HTTP/1.0 client") << QByteArray("GET /plain/old HTTP/1.0\r\nHost: example.test\r\n\r\n");
    QTest::newRow("header names with \"_\", \".\" or \"@\" are dropped (ignore_invalid_headers)")
        << get("/plain/x", "Host: example.test\r\nX_Under: 1\r\nX.Dot: 2\r\nX@At: 3\r\nX-Ok: 4\r\n");
    QTest::newRow("proxy_pass_request_headers off: none of the client's")
        << get("/nohdr/x", "Host: example.test\r\nX-Foo: 1\r\nCookie: a=b\r\nUser-Agent: t\r\n");
    const QByteArray post = "POST /nohdr/p HTTP/1.1\r\nHost: example.test\r\nX-Foo: 1\r\nContent-Length: 5\r\n"
                            "Connection: close\r\n\r\nhello";
    QTest::newRow("proxy_pass_request_headers off: the body and its length still go") << post;
    QTest::newRow("proxy_pass_request_body off: the headers, no body")
        << QByteArray(post).replace("/nohdr/", "/nobody/");
}

void tst_NginxDifferential::sameRequestReachesTheBackend()
{
    QFETCH(QByteArray, request);
    const QStringList viaNginx = seenByBackend(m_nginxPort, request);
    const QStringList viaWsscope = seenByBackend(m_wsscope.port(), request);
    if (viaNginx != viaWsscope) {
        qWarning().noquote() << "nginx:  " << viaNginx.join(QStringLiteral(" | "));
        qWarning().noquote() << "wsscope:" << viaWsscope.join(QStringLiteral(" | "));
    }
    QCOMPARE(viaWsscope, viaNginx);
}

void tst_NginxDifferential::redirectsAreRewrittenAlike_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("default: proxy_pass URL with URI -> location") << QByteArray("/api/x?redirect=http://backend/v2/next");
    QTest::newRow("default: without URI part -> /") << QByteArray("/plain/x?redirect=http://backend/here");
    QTest::newRow("default: unrelated URL untouched") << QByteArray("/api/x?redirect=http://other.test/v2/next");
    QTest::newRow("off") << QByteArray("/noredir/x?redirect=http://backend/v2/next");
    QTest::newRow("explicit pair") << QByteArray("/explicit/x?redirect=http://elsewhere/page");
}

void tst_NginxDifferential::redirectsAreRewrittenAlike()
{
    QFETCH(QByteArray, target);
    const QByteArray request = "GET " + target + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n";
    const HttpResult viaNginx = httpExchange(m_nginxPort, request);
    const HttpResult viaWsscope = httpExchange(m_wsscope.port(), request);
    QCOMPARE(viaNginx.status, 302);
    QCOMPARE(viaWsscope.status, 302);
    // Each proxy puts its own listen port into an absolute redirect.
    auto samePort = [this](QByteArray v) {
        return v.replace(QByteArray(":" + QByteArray::number(m_nginxPort) + "/"), QByteArray(":PORT/"));
    };
    auto ownPort = [this](QByteArray v) {
        return v.replace(QByteArray(":" + QByteArray::number(m_wsscope.port()) + "/"), QByteArray(":PORT/"));
    };
    QCOMPARE(ownPort(viaWsscope.header("Location")), samePort(viaNginx.header("Location")));
    QCOMPARE(ownPort(viaWsscope.header("Refresh")), samePort(viaNginx.header("Refresh")));
}

QTEST_GUILESS_MAIN(tst_NginxDifferential)
void tst_NginxDifferential::returnBodyKeepsItsLineBreaks()
{
    // `return 200 "...\n..."`: the escapes become real line breaks in the
    // body (only header values have CR/LF replaced).
    const QByteArray request = "GET /ret HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n";
    const HttpResult viaNginx = httpExchange(m_nginxPort, request);
    const HttpResult viaWsscope = httpExchange(m_wsscope.port(), request);
    QCOMPARE(viaNginx.status, 200);
    QCOMPARE(viaNginx.body, QByteArray("line one\nuri=/ret https=[]\n"));
    QCOMPARE(viaWsscope.status, 200);
    QCOMPARE(viaWsscope.body, viaNginx.body);
}

void tst_NginxDifferential::addHeaderLineBreakGoesOutAsWritten()
{
    // `add_header X-Lf "u:$uri\n"`: the written line break ends the header
    // line early, as nginx sends it (map.t relies on it). The heads are
    // compared byte for byte but for Date and Server.
    const auto rawHead = [](quint16 port) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(5000))
            return QByteArray("no connection");
        s.write("GET /lf HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n");
        QByteArray in;
        while (s.waitForReadyRead(2000))
            in += s.readAll();
        QByteArray out;
        for (const QByteArray &line : in.split('\n')) {
            if (!line.startsWith("Date:") && !line.startsWith("Server:"))
                out += line + '\n';
        }
        return out;
    };
    const QByteArray viaNginx = rawHead(m_nginxPort);
    QVERIFY2(viaNginx.contains("X-Lf: u:/lf\n\r\n"), viaNginx.constData());
    QCOMPARE(rawHead(m_wsscope.port()), viaNginx);
}

// $upstream_addr and $upstream_status list every server tried (the refused
// one first, then the one that answered; after that the refused one rests
// for fail_timeout), $upstream_cookie_NAME and $upstream_http_NAME read the
// upstream's response, $sent_http_NAME the head as sent so far.
void tst_NginxDifferential::upstreamVariablesInResponseHeaders()
{
    const auto headersOf = [](const HttpResult &r) {
        QStringList out{QString::number(r.status)};
        for (const QByteArray name : {"X-Addr", "X-Status", "X-Sid", "X-Theme", "X-Upstream-CC", "X-Sent-CC", "X-Port",
                                      "X-Length", "X-Received"})
            out << QString::fromLatin1(name) + u": "_s + QString::fromUtf8(r.header(name));
        return out;
    };
    const QByteArray request = "GET /tried/cookies HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 2; ++i) {
        const QStringList viaNginx = headersOf(httpExchange(m_nginxPort, request));
        const QStringList viaWsscope = headersOf(httpExchange(m_wsscope.port(), request));
        QCOMPARE(viaWsscope, viaNginx);
        if (i == 0) {
            const QByteArray b = QByteArray::number(m_backend.port());
            QCOMPARE(viaNginx.at(1), QString::fromLatin1("X-Addr: 127.0.0.1:" + QByteArray::number(m_deadPort)
                                                         + ", 127.0.0.1:" + b));
            QCOMPARE(viaNginx.at(2), u"X-Status: 502, 200"_s);
        }
    }
}

QByteArray tst_NginxDifferential::firstReadUpstream(quint16 port, const QByteArray &request) const
{
    QByteArray got;
    rawAnswerThrough(port, request, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", false, {},
                     &got);
    return got;
}

QByteArray tst_NginxDifferential::rawAnswerThrough(quint16 port, const QByteArray &request, const QByteArray &answer,
                                                   bool hold, const QByteArray &enough, QByteArray *firstRead) const
{
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(m_deadPort);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(listener, 4) != 0) {
        ::close(listener);
        return "cannot listen";
    }
    // Blocking, as a simple upstream is: one recv() as soon as the connection is there.
    std::thread upstream([&] {
        const timeval limit{5, 0};
        ::setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        const int c = ::accept(listener, nullptr, nullptr);
        if (c < 0)
            return;
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        char buffer[4096];
        ssize_t n = ::recv(c, buffer, sizeof buffer, 0);
        if (n > 0 && firstRead)
            *firstRead = QByteArray(buffer, n);
        [[maybe_unused]] const ssize_t w = ::send(c, answer.constData(), answer.size(), MSG_NOSIGNAL);
        while (hold && n > 0) // until the proxy closes (or 5 s)
            n = ::recv(c, buffer, sizeof buffer, 0);
        ::close(c);
    });
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QByteArray received;
    if (client.waitForConnected(5000)) {
        client.write(request);
        QDeadlineTimer deadline(8000);
        while (!deadline.hasExpired() && (enough.isEmpty() || !received.contains(enough))) {
            if (!client.waitForReadyRead(int(deadline.remainingTime())) && client.state() != QTcpSocket::ConnectedState)
                break;
            received += client.readAll();
        }
    }
    upstream.join();
    ::close(listener);
    return received;
}

// A body that arrived with its head reaches the upstream in the same read as
// the head, as nginx sends a buffered body (an upstream that reads once,
// like nginx-tests' proxy_pass_request.t backend, sees both).
void tst_NginxDifferential::bodyAtHandGoesWithTheHead()
{
    const QByteArray request = "POST /one-read/x HTTP/1.1\r\nHost: example.test\r\nContent-Length: 11\r\n"
                               "Connection: close\r\n\r\nhello world";
    const QByteArray viaNginx = firstReadUpstream(m_nginxPort, request);
    QVERIFY2(viaNginx.endsWith("\r\n\r\nhello world"), viaNginx.constData());
    const QByteArray viaWsscope = firstReadUpstream(m_wsscope.port(), request);
    QVERIFY2(viaWsscope.endsWith("\r\n\r\nhello world"), viaWsscope.constData());
}

// ngx_http_proxy_process_header: a 101 to a request that did not ask to
// upgrade is no tunnel but an ordinary response, read until the upstream
// closes and buffered (proxy_buffering): a body the upstream never finishes
// is never sent, one it ends with the close is.
void tst_NginxDifferential::unaskedSwitchIsAPlainResponse_data()
{
    QTest::addColumn<bool>("hold");
    QTest::addColumn<bool>("bodyArrives");
    QTest::newRow("upstream keeps the connection: read timeout, no body") << true << false;
    QTest::newRow("upstream closes: the body follows") << false << true;
}

void tst_NginxDifferential::unaskedSwitchIsAPlainResponse()
{
    QFETCH(bool, hold);
    QFETCH(bool, bodyArrives);
    const QByteArray request = "GET /switch/ HTTP/1.1\r\nHost: example.test\r\nConnection: Upgrade\r\n\r\n";
    const QByteArray answer = "HTTP/1.1 101 Switching\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nhandshaked\r\n";
    for (const quint16 port : {m_nginxPort, m_wsscope.port()}) {
        const QByteArray got = rawAnswerThrough(port, request, answer, hold, "handshaked\r\n");
        const QByteArray what = QByteArray(port == m_nginxPort ? "nginx: " : "wsscope: ") + got;
        QVERIFY2(got.startsWith("HTTP/1.1 101 Switching\r\n"), what.constData());
        QVERIFY2(got.contains("\r\nUpgrade: foo\r\n"), what.constData());
        QVERIFY2(got.endsWith("\r\n\r\nhandshaked\r\n") == bodyArrives, what.constData());
        QVERIFY2(got.contains("handshaked") == bodyArrives, what.constData());
    }
}

// ngx_http_proxy_hide_headers: Date, Server, X-Pad and the X-Accel-*
// headers stay with the proxy (Server and Date are its own), proxy_hide_header
// adds names, proxy_pass_header takes them off, names in any letter case.
void tst_NginxDifferential::upstreamHeadersHiddenAlike_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArrayList>("present");
    QTest::addColumn<QByteArrayList>("absent");
    QTest::newRow("the defaults") << QByteArray("/hide/")
                                  << QByteArrayList{"Server: own", "Date: own", "X-Secret: s", "X-Kept: k"}
                                  << QByteArrayList{"X-Pad", "X-Accel-Expires", "X-Accel-Charset", "X-Accel-Buffering"};
    QTest::newRow("proxy_hide_header and proxy_pass_header")
        << QByteArray("/hide2/")
        << QByteArrayList{"Server: upstream/9", "Date: Mon, 01 Jan 2001 00:00:00 GMT", "X-Accel-Charset: utf-8"}
        << QByteArrayList{"X-Secret", "X-Kept", "X-Pad", "X-Accel-Expires"};
}

void tst_NginxDifferential::upstreamHeadersHiddenAlike()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArrayList, present);
    QFETCH(QByteArrayList, absent);
    const QByteArray answer = "HTTP/1.1 200 OK\r\nServer: upstream/9\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\n"
                              "X-Pad: avoid browser bug\r\nX-Accel-Expires: 10\r\nX-Accel-Charset: utf-8\r\n"
                              "X-Accel-Buffering: yes\r\nX-Secret: s\r\nX-Kept: k\r\nContent-Length: 2\r\n"
                              "Connection: close\r\n\r\nok";
    const QByteArray request = "GET " + path + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n";
    // The head's lines, sorted; the proxy's own Server and Date as "own".
    auto headerLines = [&](quint16 port) {
        const QByteArray got = rawAnswerThrough(port, request, answer, false, "\r\n\r\nok");
        QByteArrayList lines = got.left(got.indexOf("\r\n\r\n")).split('\n');
        lines.removeFirst();
        for (QByteArray &line : lines) {
            line = line.trimmed();
            if ((line.startsWith("Server: ") && !line.contains("upstream")) || (line.startsWith("Date: ") && !line.contains("2001")))
                line = line.left(line.indexOf(':')) + ": own";
        }
        std::sort(lines.begin(), lines.end());
        return lines;
    };
    const QByteArrayList viaNginx = headerLines(m_nginxPort);
    const QByteArray seen = viaNginx.join(" | ");
    for (const QByteArray &line : present)
        QVERIFY2(viaNginx.contains(line), QByteArray(line + " not in " + seen).constData());
    for (const QByteArray &name : absent) {
        const QByteArray prefix = name + ':';
        QVERIFY2(std::none_of(viaNginx.cbegin(), viaNginx.cend(), [&](const QByteArray &l) { return l.startsWith(prefix); }),
                 QByteArray(name + " in " + seen).constData());
    }
    QCOMPARE(headerLines(m_wsscope.port()), viaNginx);
}

// proxy_method: the upstream's request line gets the method (variables
// allowed); an empty value is sent empty, as nginx does.
void tst_NginxDifferential::proxyMethodChangesTheRequestLine()
{
    for (const quint16 port : {m_nginxPort, m_wsscope.port()}) {
        const char *who = port == m_nginxPort ? "nginx" : "wsscope";
        QByteArray got = firstReadUpstream(port, "GET /method/?m=PROPFIND HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n");
        QVERIFY2(got.startsWith("PROPFIND /method/?m=PROPFIND HTTP/1.0\r\n"), QByteArray(who + (": " + got)).constData());
        got = firstReadUpstream(port, "POST /method/ HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        QVERIFY2(got.startsWith(" /method/ HTTP/1.0\r\n"), QByteArray(who + (": " + got)).constData());
    }
}

// proxy_set_body: the upstream gets the value (after the client's body was
// read: $request_body is there) with its own Content-Length, never chunked.
void tst_NginxDifferential::setBodyReplacesTheClientsBody_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("body");
    const QByteArray head = "Host: example.test\r\nConnection: close\r\n";
    QTest::newRow("a POST's body replaced") << "POST /setbody/?n=1 HTTP/1.1\r\n" + head + "Content-Length: 5\r\n\r\nhello"
                                            << QByteArray("n=1;b=hello");
    QTest::newRow("a GET gets one") << "GET /setbody/?n=2 HTTP/1.1\r\n" + head + "\r\n" << QByteArray("n=2;b=");
    QTest::newRow("a chunked body read whole first")
        << "POST /setbody/?n=3 HTTP/1.1\r\n" + head + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        << QByteArray("n=3;b=abcde");
}

void tst_NginxDifferential::setBodyReplacesTheClientsBody()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, body);
    for (const quint16 port : {m_nginxPort, m_wsscope.port()}) {
        const QByteArray got = firstReadUpstream(port, request);
        const QByteArray what = QByteArray(port == m_nginxPort ? "nginx: " : "wsscope: ") + got;
        const qsizetype end = got.indexOf("\r\n\r\n");
        QVERIFY2(end > 0, what.constData());
        QCOMPARE(got.mid(end + 4), body);
        const QByteArray lowerHead = got.left(end).toLower();
        const QByteArray length = QByteArray("\r\ncontent-length: ") + QByteArray::number(body.size());
        QVERIFY2(lowerHead.contains(QByteArray(length + "\r\n")) || lowerHead.endsWith(length), what.constData());
        QVERIFY2(!lowerHead.contains("transfer-encoding"), what.constData());
    }
}

#include "tst_nginx_differential.moc"
