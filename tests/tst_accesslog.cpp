// access_log and log_format (ngx_http_log_module): what the compiler
// accepts and refuses, how values are escaped, and the lines written for
// real requests, compared with the lines Debian's nginx writes for the same
// requests under the same configuration.

#include "config/configcompiler.h"
#include "config/proxyconfig.h"
#include "http/variables.h"
#include "testsupport.h"

#include <QFile>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

#include <sys/socket.h>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_AccessLog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void refusedWithAReason_data();
    void refusedWithAReason();
    void levelWithItsOwnLogInheritsNone();
    void valuesEscapedAsNginxDoes_data();
    void valuesEscapedAsNginxDoes();
    void sameLinesAsNginx_data();
    void sameLinesAsNginx();
    void combinedFormatByDefault();
    void ownAnswersKeepTheConnectionAsNginx_data();
    void ownAnswersKeepTheConnectionAsNginx();
    void tunnelLoggedWhenItCloses();
    void clientGoneBeforeTheResponseIs499_data();
    void clientGoneBeforeTheResponseIs499();
    void reopenFollowsARotatedFile();
    void unwritableFileFailsTheCheck();

private:
    static QByteArray configText(quint16 listenPort, quint16 backendPort, quint16 wsPort, const QString &logDir,
                                 const QString &dir);
    // The last line of a log file once it has `count` lines (nginx writes
    // its line after the response has gone out).
    static QByteArray lineNumber(const QString &path, int count);

    PeerProcess m_backend;
    PeerProcess m_wsBackend;
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;
    QTcpServer m_silent; // an upstream that accepts and never answers
    QHash<QString, int> m_lines; // lines seen so far per file
};

namespace {

ConfigCompileResult compile(const QByteArray &http)
{
    return ConfigCompiler::compileText(QByteArray("http { " + http + " }"), u"t.conf"_s, {});
}

QString firstError(const ConfigCompileResult &r)
{
    for (const ConfDiagnostic &d : r.diagnostics) {
        if (d.isError())
            return d.message;
    }
    return {};
}

} // namespace

QByteArray tst_AccessLog::configText(quint16 listenPort, quint16 backendPort, quint16 wsPort, const QString &logDir,
                                     const QString &dir)
{
    const QByteArray l = logDir.toUtf8();
    return "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "pid " + dir.toUtf8() + "/pid;\nerror_log " + dir.toUtf8() + "/error.log;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "  client_body_temp_path " + dir.toUtf8() + "/body;\n"
           "  proxy_temp_path " + dir.toUtf8() + "/proxy;\n"
           "  log_format plain '$request|$status|$body_bytes_sent|$request_method|$uri|$args|$http_x_test|'\n"
           "                   '$remote_user|$upstream_status|$content_length|$connection_requests';\n"
           "  log_format js escape=json '{\"q\":\"$http_x_test\",\"s\":$status,\"u\":\"$upstream_status\"}';\n"
           "  log_format raw escape=none '$http_x_test';\n"
           "  log_format pipe '$uri $pipe $connection_requests $status';\n"
           "  log_format tunnel '$uri $status $body_bytes_sent';\n"
           "  log_format gone '$uri|$status|$upstream_status|$upstream_header_time|$body_bytes_sent';\n"
           "  log_format sent '$uri|$sent_http_cache_control|$sent_http_x_added|$sent_http_content_type';\n"
           "  log_format found '$uri|$is_args|$args|$arg_x|$https|$se|$cookie_c|$http_x_test|$request_uri';\n"
           "  map $status $loggable { ~^2 0; default 1; }\n"
           "  map $uri $refused { '' 1; default 0; }\n"
           "  log_format refused '[$uri]|$status|$request|$args|$request_uri';\n"
           "  access_log " + l + "/refused.log refused if=$refused;\n"
           "  access_log " + l + "/all.log plain;\n"
           "  server {\n"
           "    listen 127.0.0.1:" + QByteArray::number(listenPort) + ";\n"
           "    server_name log.test;\n"
           "    location /p/ { proxy_pass http://127.0.0.1:" + QByteArray::number(backendPort) + "; }\n"
           "    location = /ret { return 204; }\n"
           "    location /json/ { access_log " + l + "/json.log js; proxy_pass http://127.0.0.1:"
        + QByteArray::number(backendPort) + "; }\n"
           "    location /raw/ { access_log " + l + "/raw.log raw; return 200 ok; }\n"
           "    location /errors/ { access_log " + l + "/errors.log plain if=$loggable; proxy_pass http://127.0.0.1:"
        + QByteArray::number(backendPort) + "/; }\n"
           "    location /combined/ { access_log " + l + "/combined.log; return 200 ok; }\n"
           "    location /quiet/ { access_log off; return 200 ok; }\n"
           "    location = /e404 { return 404; }\n"
           "    location /ws/ { access_log " + l + "/ws.log tunnel; proxy_pass http://127.0.0.1:"
        + QByteArray::number(wsPort) + "; proxy_http_version 1.1;\n"
           "      proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; }\n"
           "    location = /e500 { return 500; }\n"
           "    location /pipe/ { access_log " + l + "/pipe.log pipe; return 204; }\n"
           "    location /gone/ { access_log " + l + "/gone.log gone; proxy_pass http://127.0.0.1:SILENT; }\n"
           "    location /gone-ignored/ { access_log " + l + "/gone.log gone; proxy_ignore_client_abort on;\n"
           "      proxy_read_timeout 1s; proxy_pass http://127.0.0.1:SILENT; }\n"
           "    location /found/ { set $se \"\"; access_log " + l + "/found.log found; return 200 ok; }\n"
           "    location /sent/ { access_log " + l + "/sent.log sent; add_header Cache-Control a; add_header Cache-Control b;\n"
           "      add_header X-Added own; return 200 ok; }\n"
           "    location /sentp/ { access_log " + l + "/sent.log sent; add_header X-Added proxied; proxy_pass http://127.0.0.1:"
        + QByteArray::number(backendPort) + "; }\n"
           "  }\n"
           "}\n";
}

QByteArray tst_AccessLog::lineNumber(const QString &path, int count)
{
    QList<QByteArray> lines;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 5000) {
        QFile f(path);
        if (f.open(QIODevice::ReadOnly)) {
            lines = f.readAll().split('\n');
            lines.removeLast(); // after the last '\n'
            if (lines.size() >= count)
                return lines.at(count - 1);
        }
        QTest::qWait(20);
    }
    return "(" + QByteArray::number(lines.size()) + " lines in " + path.toUtf8() + ")";
}

void tst_AccessLog::initTestCase()
{
    QVERIFY2(QFileInfo::exists(u"/usr/sbin/nginx"_s), "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(QDir(m_dir.path()).mkpath(u"nginx"_s) && QDir(m_dir.path()).mkpath(u"wsscope"_s));
    QVERIFY(m_backend.startPython(u"http_upstream.py"_s));
    QVERIFY(m_wsBackend.startPython(u"ws_echo_server.py"_s));
    m_nginxPort = unusedPort();
    QVERIFY(m_silent.listen(QHostAddress::LocalHost));
    QFile nginxConf(m_dir.filePath(u"nginx.conf"_s));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    const QByteArray silent = QByteArray::number(m_silent.serverPort());
    nginxConf.write(configText(m_nginxPort, m_backend.port(), m_wsBackend.port(), m_dir.filePath(u"nginx"_s), m_dir.filePath(u"nginx"_s))
                        .replace("SILENT", silent));
    nginxConf.close();
    QVERIFY(m_nginx.launch(u"/usr/sbin/nginx"_s, {u"-p"_s, m_dir.path(), u"-c"_s, nginxConf.fileName()}));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_dir.filePath(u"nginx/pid"_s)), 10000);
    QFile wsConf(m_dir.filePath(u"wsscope.conf"_s));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    wsConf.write(configText(0, m_backend.port(), m_wsBackend.port(), m_dir.filePath(u"wsscope"_s), m_dir.filePath(u"wsscope"_s))
                     .replace("SILENT", silent));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, wsConf.fileName(), u"-g"_s, u"error_log stderr info;"_s}));
}

void tst_AccessLog::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

void tst_AccessLog::refusedWithAReason_data()
{
    QTest::addColumn<QByteArray>("http");
    QTest::addColumn<QString>("error");
    QTest::newRow("unknown format") << QByteArray("access_log /tmp/x.log nope;") << u"unknown log format \"nope\""_s;
    QTest::newRow("format defined twice")
        << QByteArray("log_format a '$status'; log_format a '$uri';") << u"duplicate \"log_format\" name \"a\""_s;
    QTest::newRow("combined is predefined")
        << QByteArray("log_format combined '$status';") << u"duplicate \"log_format\" name \"combined\""_s;
    QTest::newRow("bad escaping") << QByteArray("log_format a escape=xml '$status';")
                                  << u"unknown log format escaping \"xml\""_s;
    QTest::newRow("escape without a format") << QByteArray("log_format a escape=json;")
                                             << u"invalid number of arguments in \"log_format\" directive"_s;
    QTest::newRow("unknown variable") << QByteArray("log_format a '$no_such_thing';") << u"unknown \"no_such_thing\" variable"_s;
    QTest::newRow("gzip") << QByteArray("access_log /tmp/x.log combined gzip;")
                          << u"wsscope does not compress access logs (\"gzip\")"_s;
    QTest::newRow("syslog") << QByteArray("access_log syslog:server=127.0.0.1;")
                            << u"wsscope writes access logs to files only, not to syslog"_s;
    QTest::newRow("variables in the path") << QByteArray("access_log /tmp/$host.log;")
                                           << u"variables in the access_log path are not supported by wsscope"_s;
    QTest::newRow("flush without buffer") << QByteArray("access_log /tmp/x.log combined flush=5s;")
                                          << u"no buffer is defined for access_log \"/tmp/x.log\""_s;
    QTest::newRow("bad buffer size") << QByteArray("access_log /tmp/x.log combined buffer=lots;")
                                     << u"invalid buffer size \"lots\""_s;
    QTest::newRow("unknown parameter") << QByteArray("access_log /tmp/x.log combined rotate=1d;")
                                       << u"invalid parameter \"rotate=1d\""_s;
    QTest::newRow("off takes nothing else") << QByteArray("access_log off combined;") << u"invalid parameter \"combined\""_s;
    QTest::newRow("log_format in a server")
        << QByteArray("server { listen 127.0.0.1:0; log_format a '$status'; }") << u"not allowed here"_s;
}

void tst_AccessLog::refusedWithAReason()
{
    QFETCH(QByteArray, http);
    QFETCH(QString, error);
    const ConfigCompileResult r = compile(http);
    QVERIFY(!r.ok());
    QVERIFY2(firstError(r).contains(error), qPrintable(firstError(r)));
}

void tst_AccessLog::levelWithItsOwnLogInheritsNone()
{
    const ConfigCompileResult r = compile("log_format a '$status'; access_log /tmp/one.log a; access_log /tmp/two.log;"
                                          "server { listen 127.0.0.1:0;"
                                          "  location /inherits/ { }"
                                          "  location /own/ { access_log /tmp/one.log combined; }"
                                          "  location /off/ { access_log off; } }");
    QVERIFY2(r.ok(), qPrintable(firstError(r)));
    const ProxyConfig &c = *r.config;
    QCOMPARE(c.accessLogFiles.size(), 2); // one.log is named twice, opened once
    const QList<LocationConfig> &locs = c.servers.constFirst().locations;
    QCOMPARE(locs.at(0).accessLogs.size(), 2);
    QCOMPARE(locs.at(0).accessLogs.at(0).format->name, QByteArray("a"));
    QCOMPARE(locs.at(0).accessLogs.at(1).format->name, QByteArray("combined"));
    QCOMPARE(locs.at(1).accessLogs.size(), 1);
    QCOMPARE(locs.at(1).accessLogs.at(0).file, locs.at(0).accessLogs.at(0).file);
    QVERIFY(locs.at(2).accessLogs.isEmpty());
}

void tst_AccessLog::valuesEscapedAsNginxDoes_data()
{
    QTest::addColumn<int>("escape");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("line");
    const int def = int(LogEscape::Default), json = int(LogEscape::Json), none = int(LogEscape::None);
    QTest::newRow("default: quote, backslash, control, 8-bit")
        << def << QByteArray("a\"b\\c\td\xc3\xa9") << QByteArray("[a\\x22b\\x5Cc\\x09d\\xC3\\xA9]");
    QTest::newRow("default: empty is -") << def << QByteArray() << QByteArray("[-]");
    QTest::newRow("json: string escapes") << json << QByteArray("a\"b\\c\nd\x01") << QByteArray("[a\\\"b\\\\c\\nd\\u0001]");
    QTest::newRow("json: empty is empty") << json << QByteArray() << QByteArray("[]");
    QTest::newRow("none: as is") << none << QByteArray("a\"b\\c") << QByteArray("[a\"b\\c]");
}

void tst_AccessLog::valuesEscapedAsNginxDoes()
{
    QFETCH(int, escape);
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, line);
    QString error;
    const std::optional<ValueTemplate> t = ValueTemplate::compile("[$http_x_test]", &error);
    QVERIFY2(t, qPrintable(error));
    HttpRequestHead req;
    req.method = "GET";
    req.target = "/";
    if (!value.isNull())
        req.headers.append("X-Test", value);
    RequestContext ctx;
    ctx.request = &req;
    QCOMPARE(t->expandLog(ctx, LogEscape(escape)), line);
}

void tst_AccessLog::sameLinesAsNginx_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("request");
    const QByteArray close = "Connection: close\r\n\r\n";
    QTest::newRow("proxied GET with args and a header")
        << u"all.log"_s << "GET /p/a%20b?x=1&y=2 HTTP/1.1\r\nHost: log.test\r\nX-Test: say \"hi\"\r\n" + close;
    QTest::newRow("proxied POST with a body and a user")
        << u"all.log"_s
        << "POST /p/form HTTP/1.1\r\nHost: log.test\r\nAuthorization: Basic dXNlcjpzZWNyZXQ=\r\nContent-Length: 5\r\n" + close
            + "hello";
    QTest::newRow("upstream error status") << u"all.log"_s << "GET /p/status/503 HTTP/1.1\r\nHost: log.test\r\n" + close;
    QTest::newRow("own response") << u"all.log"_s << "GET /ret HTTP/1.1\r\nHost: log.test\r\n" + close;
    QTest::newRow("HTTP/1.0") << u"all.log"_s << QByteArray("GET /ret HTTP/1.0\r\n\r\n");
    QTest::newRow("json escaping") << u"json.log"_s << "GET /json/x HTTP/1.1\r\nHost: log.test\r\nX-Test: a\"b\\c\r\n" + close;
    QTest::newRow("no escaping") << u"raw.log"_s << "GET /raw/x HTTP/1.1\r\nHost: log.test\r\nX-Test: a\"b\r\n" + close;
    QTest::newRow("if= skips 2xx") << u"errors.log"_s << "GET /errors/ok HTTP/1.1\r\nHost: log.test\r\n" + close;
    QTest::newRow("if= keeps a 404") << u"errors.log"_s << "GET /errors/status/404 HTTP/1.1\r\nHost: log.test\r\n" + close;
    QTest::newRow("$sent_http_ of an own answer: add_header's, repeated Cache-Control joined")
        << u"sent.log"_s << "GET /sent/x HTTP/1.1\r\nHost: log.test\r\n" + close;
    QTest::newRow("$sent_http_ of a proxied answer: the head as the client got it")
        << u"sent.log"_s << "GET /sentp/x HTTP/1.1\r\nHost: log.test\r\n" + close;
    // ngx_http_log_variable: "-" for a variable not found, nothing for one found empty.
    QTest::newRow("found empty is nothing, not found is -")
        << u"found.log"_s << "GET /found/x HTTP/1.1\r\nHost: log.test\r\n" + close;
    QTest::newRow("an empty query and empty values") << u"found.log"_s
        << "GET /found/y? HTTP/1.1\r\nHost: log.test\r\nCookie: c=\r\nX-Test:\r\n" + close;
    QTest::newRow("a refused request: its $uri found empty")
        << u"refused.log"_s << QByteArray("GET /../bad?a=1 HTTP/1.0\r\n\r\n");
}

void tst_AccessLog::sameLinesAsNginx()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, request);
    const HttpResult viaNginx = httpExchange(m_nginxPort, request);
    const HttpResult viaWsscope = httpExchange(m_wsscope.port(), request);
    QVERIFY(viaNginx.ok && viaWsscope.ok);
    QCOMPARE(viaWsscope.status, viaNginx.status);
    // The if= row that skips: the file stays as it was; the next row's line follows.
    if (QByteArray(QTest::currentDataTag()) == "if= skips 2xx") {
        QTest::qWait(200);
        QCOMPARE(QFile(m_dir.filePath(u"wsscope/"_s + file)).size(), QFile(m_dir.filePath(u"nginx/"_s + file)).size());
        return;
    }
    const int n = ++m_lines[file];
    const QByteArray nginxLine = lineNumber(m_dir.filePath(u"nginx/"_s + file), n);
    QCOMPARE(lineNumber(m_dir.filePath(u"wsscope/"_s + file), n), nginxLine);
}

// ngx_http_upstream_check_broken_connection: a client that closes while the
// upstream has not answered ends the request, logged 499 with no upstream
// status or header time; with proxy_ignore_client_abort the request goes on
// (here to proxy_read_timeout's 504).
void tst_AccessLog::clientGoneBeforeTheResponseIs499_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("halfClose");
    QTest::newRow("closed") << QByteArray("/gone/x") << false;
    QTest::newRow("half-closed (FIN after the request)") << QByteArray("/gone/y") << true;
    QTest::newRow("proxy_ignore_client_abort on") << QByteArray("/gone-ignored/z") << true;
}

void tst_AccessLog::clientGoneBeforeTheResponseIs499()
{
    QFETCH(QByteArray, path);
    QFETCH(bool, halfClose);
    QList<QTcpSocket *> held; // the silent upstream's side, closed at the end
    auto abandon = [&](quint16 port) {
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, port);
        if (!client.waitForConnected(3000))
            return false;
        client.write("GET " + path + " HTTP/1.1\r\nHost: log.test\r\n\r\n");
        client.flush();
        QElapsedTimer t;
        t.start();
        while (!m_silent.hasPendingConnections() && t.elapsed() < 3000)
            m_silent.waitForNewConnection(50);
        if (!m_silent.hasPendingConnections())
            return false;
        held.append(m_silent.nextPendingConnection());
        QTest::qWait(100);
        if (halfClose) {
            ::shutdown(int(client.socketDescriptor()), SHUT_WR);
            client.waitForDisconnected(3000); // nginx closes; with ignore, after the 504
        }
        client.abort();
        return true;
    };
    QVERIFY(abandon(m_nginxPort));
    QVERIFY(abandon(m_wsscope.port()));
    const int n = ++m_lines[u"gone.log"_s];
    const QByteArray nginxLine = lineNumber(m_dir.filePath(u"nginx/gone.log"_s), n);
    const QByteArray wsscopeLine = lineNumber(m_dir.filePath(u"wsscope/gone.log"_s), n);
    qDeleteAll(held);
    // All but $body_bytes_sent (wsscope's error pages carry a reason): no header time, no upstream status for a 499.
    QCOMPARE(wsscopeLine.left(wsscopeLine.lastIndexOf('|')), nginxLine.left(nginxLine.lastIndexOf('|')));
    const QByteArray expected = path + (path.startsWith("/gone/") ? "|499|-|-|" : "|504|504|-|");
    QVERIFY2(nginxLine.startsWith(expected), nginxLine.constData());
}

void tst_AccessLog::combinedFormatByDefault()
{
    const QByteArray request = "GET /combined/x?q=1 HTTP/1.1\r\nHost: log.test\r\nReferer: http://r.test/\r\n"
                               "User-Agent: tst/1.0\r\nConnection: close\r\n\r\n";
    QVERIFY(httpExchange(m_nginxPort, request).ok);
    QVERIFY(httpExchange(m_wsscope.port(), request).ok);
    // The time differs by a moment: compared without it, and checked for nginx's shape.
    const auto withoutTime = [](const QByteArray &line) {
        const qsizetype open = line.indexOf('['), close = line.indexOf(']');
        return open < 0 || close < open ? line : line.left(open) + "[TIME]" + line.mid(close + 1);
    };
    const QByteArray nginxLine = lineNumber(m_dir.filePath(u"nginx/combined.log"_s), 1);
    const QByteArray wsscopeLine = lineNumber(m_dir.filePath(u"wsscope/combined.log"_s), 1);
    QCOMPARE(withoutTime(wsscopeLine), withoutTime(nginxLine));
    const QByteArray time = wsscopeLine.mid(wsscopeLine.indexOf('[') + 1, wsscopeLine.indexOf(']') - wsscopeLine.indexOf('[') - 1);
    QVERIFY2(QRegularExpression(u"^\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}$"_s).match(QString::fromLatin1(time)).hasMatch(),
             time);
    // access_log off: nothing anywhere.
    const qint64 before = QFile(m_dir.filePath(u"wsscope/all.log"_s)).size();
    QVERIFY(httpExchange(m_wsscope.port(), "GET /quiet/x HTTP/1.1\r\nHost: log.test\r\nConnection: close\r\n\r\n").ok);
    QTest::qWait(200);
    QCOMPARE(QFile(m_dir.filePath(u"wsscope/all.log"_s)).size(), before);
}

// ngx_http_special_response_handler: most answers the server makes itself
// keep the connection (a pipelined request behind them is served, "p" in
// $pipe); 400, 413, 500 and a few others end it.
void tst_AccessLog::ownAnswersKeepTheConnectionAsNginx_data()
{
    QTest::addColumn<QByteArray>("first");
    QTest::newRow("return 204") << QByteArray("/pipe/a");
    QTest::newRow("error page 404") << QByteArray("/e404");
    QTest::newRow("error page 500 closes") << QByteArray("/e500");
    QTest::newRow("bad request closes") << QByteArray("/bad\x01target");
}

void tst_AccessLog::ownAnswersKeepTheConnectionAsNginx()
{
    QFETCH(QByteArray, first);
    const QByteArray request = "GET " + first + " HTTP/1.1\r\nHost: log.test\r\n\r\n"
                               "GET /pipe/b HTTP/1.1\r\nHost: log.test\r\nConnection: close\r\n\r\n";
    // Status lines and Connection headers of everything that came back before the close.
    const auto answers = [&request](quint16 port) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (!s.waitForConnected(5000))
            return QList<QByteArray>{"no connection"};
        s.write(request);
        QByteArray all;
        while (s.state() == QAbstractSocket::ConnectedState && s.waitForReadyRead(3000))
            all += s.readAll();
        all += s.readAll();
        QList<QByteArray> out;
        for (const QByteArray &line : all.split('\n')) {
            if (line.startsWith("HTTP/1.1 ") || line.startsWith("Connection:"))
                out << line.trimmed();
        }
        return out;
    };
    const QList<QByteArray> viaNginx = answers(m_nginxPort);
    QCOMPARE(answers(m_wsscope.port()), viaNginx);
    QVERIFY(!viaNginx.isEmpty());
    if (QByteArray(QTest::currentDataTag()) == "return 204") {
        QCOMPARE(viaNginx.size(), 4); // both answered
        const QByteArray nginxLog = lineNumber(m_dir.filePath(u"nginx/pipe.log"_s), 2);
        QCOMPARE(nginxLog, QByteArray("/pipe/b p 2 204"));
        QCOMPARE(lineNumber(m_dir.filePath(u"wsscope/pipe.log"_s), 2), nginxLog);
    }
}

// A WebSocket tunnel is one request: logged when it closes, status 101, and
// $body_bytes_sent the bytes sent after the 101 head (nginx 1.7.11 on).
void tst_AccessLog::tunnelLoggedWhenItCloses()
{
    const auto talk = [](quint16 port) {
        QWebSocket ws;
        QSignalSpy echoed(&ws, &QWebSocket::textMessageReceived);
        QSignalSpy closed(&ws, &QWebSocket::disconnected);
        ws.open(QUrl(u"ws://127.0.0.1:%1/ws/echo"_s.arg(port)));
        if (!QTest::qWaitFor([&] { return ws.state() == QAbstractSocket::ConnectedState; }, 5000))
            return false;
        ws.sendTextMessage(u"hello, tunnel"_s);
        if (!QTest::qWaitFor([&] { return echoed.size() == 1; }, 5000))
            return false;
        ws.close();
        return QTest::qWaitFor([&] { return closed.size() == 1; }, 5000);
    };
    QVERIFY(talk(m_nginxPort));
    QVERIFY(talk(m_wsscope.port()));
    const QByteArray nginxLine = lineNumber(m_dir.filePath(u"nginx/ws.log"_s), 1);
    QVERIFY2(nginxLine.startsWith("/ws/echo 101 ") && !nginxLine.endsWith(" 0"), nginxLine);
    // The echo is one 15-byte frame; the upstream's 4-byte close frame is
    // counted or not depending on whether the client's FIN reaches the proxy
    // first (nginx then ends the request at once), so the last number is the
    // echo alone or with the close, never the 101 head's bytes.
    const QByteArray line = lineNumber(m_dir.filePath(u"wsscope/ws.log"_s), 1);
    QVERIFY2(line == "/ws/echo 101 15" || line == "/ws/echo 101 19", line);
    QVERIFY2(nginxLine == "/ws/echo 101 15" || nginxLine == "/ws/echo 101 19", nginxLine);
}

void tst_AccessLog::reopenFollowsARotatedFile()
{
    // logrotate's way: rename, then SIGUSR1; the next line is in a new file of the old name.
    const QString log = m_dir.filePath(u"wsscope/all.log"_s);
    const QString rotated = log + u".1"_s;
    QVERIFY(QFile::rename(log, rotated));
    const QByteArray request = "GET /ret?rotated HTTP/1.1\r\nHost: log.test\r\nConnection: close\r\n\r\n";
    QVERIFY(::kill(pid_t(m_wsscope.pid()), SIGUSR1) == 0);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(log), 5000);
    QVERIFY(httpExchange(m_wsscope.port(), request).ok);
    QVERIFY(lineNumber(log, 1).startsWith("GET /ret?rotated HTTP/1.1|204|"));
    QVERIFY(!QFile(rotated).open(QIODevice::ReadOnly) || !QFile(rotated).readAll().contains("rotated"));
}

void tst_AccessLog::unwritableFileFailsTheCheck()
{
    // nginx -t opens the logs: a file that cannot be opened fails the check, at its access_log.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile conf(dir.filePath(u"t.conf"_s));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("events {}\nhttp {\n  access_log " + dir.filePath(u"missing/dir/a.log"_s).toUtf8()
               + ";\n  server { listen 127.0.0.1:0; }\n}\n");
    conf.close();
    QProcess check;
    check.start(wsscopeBinary(), {u"-t"_s, u"-c"_s, conf.fileName()});
    QVERIFY(check.waitForFinished(15000));
    const QByteArray out = check.readAllStandardError() + check.readAllStandardOutput();
    QCOMPARE(check.exitCode(), 2); // README "Exit codes": a bad configuration
    const QByteArray expected = "t.conf:3:3: error: open() \"" + dir.filePath(u"missing/dir/a.log"_s).toUtf8()
        + "\" failed (2: No such file or directory)";
    QVERIFY2(out.contains(expected), out);
}

QTEST_GUILESS_MAIN(tst_AccessLog)
#include "tst_accesslog.moc"
