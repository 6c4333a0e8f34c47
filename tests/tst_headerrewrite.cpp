#include "http/headerrewrite.h"
#include "http/httpheadparser.h"
#include "http/variables.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// "Name: value" -> a field; everything after the first ": " (or ":") is the
// value, so tests can build values the head parser would refuse.
HttpHeaders headersFrom(const QByteArrayList &lines)
{
    HttpHeaders h;
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        QByteArray value = line.sliced(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
        h.append(line.first(colon), value);
    }
    return h;
}

QByteArrayList linesOf(const HttpHeaders &headers)
{
    QByteArrayList out;
    for (const HttpHeader &h : headers)
        out.append(h.name + ": " + h.value);
    return out;
}

// "Name template" as in `proxy_set_header Name template;` (empty template allowed).
QList<HeaderRule> rulesFrom(const QByteArrayList &lines, QString *error)
{
    QList<HeaderRule> rules;
    for (const QByteArray &line : lines) {
        const qsizetype space = line.indexOf(' ');
        const std::optional<ValueTemplate> value = ValueTemplate::compile(QByteArrayView(line).sliced(space + 1), error);
        if (!value)
            return {};
        rules.append(HeaderRule{line.first(space), *value});
    }
    return rules;
}

RequestContext contextFor(const HttpRequestHead &request)
{
    RequestContext c;
    c.request = &request;
    c.remoteAddress = QHostAddress(QStringLiteral("192.0.2.7"));
    c.remotePort = 54321;
    c.scheme = "http"_ba;
    c.serverPort = 8080;
    c.serverName = "example.org"_ba;
    c.proxyHost = "backend:9000"_ba;
    return c;
}

// The seeds' nginx location (seeds/nginx.conf: proxy_set_header lines).
const QByteArrayList kSeedRules = {
    "Upgrade $http_upgrade"_ba,
    "Connection $connection_upgrade"_ba,
    "Host $host"_ba,
    "X-Real-IP $remote_addr"_ba,
    "X-Forwarded-For $proxy_add_x_forwarded_for"_ba,
    "X-Forwarded-Proto $scheme"_ba,
};

// A serialized head must be exactly its lines: no CR, LF or NUL anywhere
// else, so no value can start a header line of its own.
QByteArray injectionProblem(const QByteArray &serialized, qsizetype fieldCount)
{
    if (serialized.count("\r\n") != fieldCount + 2)
        return "line count: " + serialized.toPercentEncoding();
    QByteArray stripped = serialized;
    stripped.replace("\r\n", "|");
    if (stripped.contains('\r') || stripped.contains('\n') || stripped.contains('\0'))
        return "stray CR/LF/NUL: " + serialized.toPercentEncoding();
    return {};
}

} // namespace

class tst_HeaderRewrite : public QObject
{
    Q_OBJECT

private slots:
    void hopByHopNames_data();
    void hopByHopNames();
    void requestForUpstream_data();
    void requestForUpstream();
    void responseForClient_data();
    void responseForClient();
    void literalCannotInject();
    void templateErrors_data();
    void templateErrors();
};

void tst_HeaderRewrite::hopByHopNames_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("hopByHop");

    // RFC 9110 7.6.1 (plus Proxy-Connection, which browsers still send)
    QTest::newRow("Connection") << "Connection"_ba << true;
    QTest::newRow("connection (names are case-insensitive, RFC 9110 5.1)") << "connection"_ba << true;
    QTest::newRow("Keep-Alive") << "KEEP-ALIVE"_ba << true;
    QTest::newRow("Proxy-Connection") << "Proxy-Connection"_ba << true;
    QTest::newRow("TE") << "te"_ba << true;
    QTest::newRow("Trailer") << "Trailer"_ba << true;
    QTest::newRow("Transfer-Encoding") << "Transfer-Encoding"_ba << true;
    QTest::newRow("Upgrade") << "Upgrade"_ba << true;
    QTest::newRow("Trailers is not Trailer") << "Trailers"_ba << false;
    QTest::newRow("Content-Length is end-to-end") << "Content-Length"_ba << false;
    QTest::newRow("Host is end-to-end") << "Host"_ba << false;
    QTest::newRow("Sec-WebSocket-Key is end-to-end") << "Sec-WebSocket-Key"_ba << false;
    QTest::newRow("X-Connection is not Connection") << "X-Connection"_ba << false;
    QTest::newRow("Upgrade-Insecure-Requests is not Upgrade") << "Upgrade-Insecure-Requests"_ba << false;
}

void tst_HeaderRewrite::hopByHopNames()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, hopByHop);
    QCOMPARE(isHopByHopHeader(name), hopByHop);
}

void tst_HeaderRewrite::requestForUpstream_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("versionMinor");
    QTest::addColumn<QByteArrayList>("client");
    QTest::addColumn<QByteArrayList>("rules");
    QTest::addColumn<bool>("chunked");
    QTest::addColumn<QByteArrayList>("expected");

    const QByteArray t = "/"_ba;

    // Hop-by-hop fields (RFC 9110 7.6.1)
    QTest::newRow("hop-by-hop fields are removed (RFC 9110 7.6.1)")
        << t << 1
        << QByteArrayList{"Host: h"_ba, "Connection: keep-alive"_ba, "Keep-Alive: timeout=5"_ba,
                          "Proxy-Connection: keep-alive"_ba, "TE: trailers"_ba, "Trailer: X-Sum"_ba,
                          "Transfer-Encoding: chunked"_ba, "Upgrade: websocket"_ba, "Accept: */*"_ba}
        << QByteArrayList{} << false << QByteArrayList{"Host: h"_ba, "Accept: */*"_ba};
    QTest::newRow("fields named by Connection are removed (RFC 9110 7.6.1)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Connection: close, X-Secret"_ba, "X-Secret: 1"_ba, "X-Keep: 2"_ba}
        << QByteArrayList{} << false << QByteArrayList{"Host: h"_ba, "X-Keep: 2"_ba};
    QTest::newRow("Connection options: any case, lists, several fields (RFC 9110 7.6.1)")
        << t << 1
        << QByteArrayList{"Host: h"_ba, "Connection: x-a ,X-B"_ba, "X-A: 1"_ba, "x-b: 2"_ba, "connection: X-c"_ba,
                          "X-C: 3"_ba, "X-D: 4"_ba}
        << QByteArrayList{} << false << QByteArrayList{"Host: h"_ba, "X-D: 4"_ba};
    QTest::newRow("Connection cannot remove Content-Length or Host (request smuggling)")
        << "/upload"_ba << 1
        << QByteArrayList{"Host: h"_ba, "Connection: Content-Length, Host"_ba, "Content-Length: 5"_ba}
        << QByteArrayList{} << false << QByteArrayList{"Host: h"_ba, "Content-Length: 5"_ba};
    QTest::newRow("Expect is removed: the proxy answers 100-continue (nginx)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Expect: 100-continue"_ba, "Content-Length: 3"_ba}
        << QByteArrayList{} << false << QByteArrayList{"Host: h"_ba, "Content-Length: 3"_ba};

    // proxy_set_header
    QTest::newRow("rules come first, then the client's fields (nginx order)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Accept: */*"_ba, "User-Agent: ua"_ba}
        << QByteArrayList{"X-A lit"_ba, "X-B $remote_port"_ba} << false
        << QByteArrayList{"X-A: lit"_ba, "X-B: 54321"_ba, "Host: h"_ba, "Accept: */*"_ba, "User-Agent: ua"_ba};
    QTest::newRow("a rule replaces the client's field of that name, any case")
        << t << 1 << QByteArrayList{"Host: h"_ba, "x-real-ip: 6.6.6.6"_ba, "Accept: */*"_ba}
        << QByteArrayList{"X-Real-IP $remote_addr"_ba} << false
        << QByteArrayList{"X-Real-IP: 192.0.2.7"_ba, "Host: h"_ba, "Accept: */*"_ba};
    QTest::newRow("a rule replaces every repeated client field")
        << t << 1 << QByteArrayList{"X-A: 1"_ba, "Host: h"_ba, "X-A: 2"_ba} << QByteArrayList{"X-A new"_ba} << false
        << QByteArrayList{"X-A: new"_ba, "Host: h"_ba};
    QTest::newRow("an empty value means the field is not sent (nginx)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Accept-Encoding: gzip"_ba, "Accept: */*"_ba}
        << QByteArrayList{"Accept-Encoding "_ba} << false << QByteArrayList{"Host: h"_ba, "Accept: */*"_ba};
    QTest::newRow("an empty expansion means the field is not sent (nginx)")
        << t << 1 << QByteArrayList{"Host: h"_ba} << QByteArrayList{"X-Up $http_upgrade"_ba, "X-B $http_x_b"_ba}
        << false << QByteArrayList{"Host: h"_ba};

    // The seeds' header set
    QTest::newRow("seeds' header set on a WebSocket upgrade")
        << "/ws"_ba << 1
        << QByteArrayList{"Host: Example.COM:8080"_ba, "Upgrade: websocket"_ba, "Connection: keep-alive, Upgrade"_ba,
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="_ba, "Sec-WebSocket-Version: 13"_ba,
                          "X-Forwarded-For: 203.0.113.1"_ba}
        << kSeedRules << false
        << QByteArrayList{"Upgrade: websocket"_ba, "Connection: upgrade"_ba, "Host: example.com"_ba,
                          "X-Real-IP: 192.0.2.7"_ba, "X-Forwarded-For: 203.0.113.1, 192.0.2.7"_ba,
                          "X-Forwarded-Proto: http"_ba, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="_ba,
                          "Sec-WebSocket-Version: 13"_ba};
    QTest::newRow("seeds' header set on a plain GET: Connection close, no Upgrade")
        << "/index.html"_ba << 1 << QByteArrayList{"Host: h"_ba, "Connection: keep-alive"_ba, "Accept: */*"_ba}
        << kSeedRules << false
        << QByteArrayList{"Connection: close"_ba, "Host: h"_ba, "X-Real-IP: 192.0.2.7"_ba,
                          "X-Forwarded-For: 192.0.2.7"_ba, "X-Forwarded-Proto: http"_ba, "Accept: */*"_ba};
    QTest::newRow("seeds' header set with a chunked body")
        << "/upload"_ba << 1 << QByteArrayList{"Host: h"_ba, "Transfer-Encoding: chunked"_ba} << kSeedRules << true
        << QByteArrayList{"Connection: close"_ba, "Host: h"_ba, "X-Real-IP: 192.0.2.7"_ba,
                          "X-Forwarded-For: 192.0.2.7"_ba, "X-Forwarded-Proto: http"_ba,
                          "Transfer-Encoding: chunked"_ba};

    // Variables
    QTest::newRow("$proxy_add_x_forwarded_for joins several client fields (nginx)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "X-Forwarded-For: 1.1.1.1"_ba, "X-Forwarded-For: 2.2.2.2, 3.3.3.3"_ba}
        << QByteArrayList{"X-Forwarded-For $proxy_add_x_forwarded_for"_ba} << false
        << QByteArrayList{"X-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, 192.0.2.7"_ba, "Host: h"_ba};
    QTest::newRow("$host strips the port and lower-cases (nginx)")
        << t << 1 << QByteArrayList{"Host: WWW.Example.ORG:8443"_ba} << QByteArrayList{"X-H $host"_ba} << false
        << QByteArrayList{"X-H: www.example.org"_ba, "Host: WWW.Example.ORG:8443"_ba};
    QTest::newRow("$host keeps IPv6 brackets")
        << t << 1 << QByteArrayList{"Host: [2001:DB8::1]:8080"_ba} << QByteArrayList{"Host $host"_ba} << false
        << QByteArrayList{"Host: [2001:db8::1]"_ba};
    QTest::newRow("$host drops a trailing dot (nginx)")
        << t << 1 << QByteArrayList{"Host: example.org."_ba} << QByteArrayList{"Host $host"_ba} << false
        << QByteArrayList{"Host: example.org"_ba};
    QTest::newRow("$host is server_name without Host (HTTP/1.0, nginx)")
        << t << 0 << QByteArrayList{} << QByteArrayList{"Host $host"_ba} << false
        << QByteArrayList{"Host: example.org"_ba};
    QTest::newRow("$host comes from an absolute-form target (RFC 9112 3.2.2, nginx)")
        << "http://Abs.Example:81/p"_ba << 1 << QByteArrayList{"Host: other"_ba} << QByteArrayList{"Host $host"_ba}
        << false << QByteArrayList{"Host: abs.example"_ba};
    QTest::newRow("$http_host keeps port and case")
        << t << 1 << QByteArrayList{"Host: WWW.Example.ORG:8443"_ba} << QByteArrayList{"Host $http_host"_ba} << false
        << QByteArrayList{"Host: WWW.Example.ORG:8443"_ba};
    QTest::newRow("$http_x_custom_id names the field X-Custom-Id (nginx)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "x-CUSTOM-id: 42"_ba} << QByteArrayList{"X-Copy $http_x_custom_id"_ba}
        << false << QByteArrayList{"X-Copy: 42"_ba, "Host: h"_ba, "x-CUSTOM-id: 42"_ba};
    QTest::newRow("$http_cookie joins repeated fields with \"; \" (RFC 6265 5.4, nginx)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Cookie: a=1"_ba, "Cookie: b=2; c=3"_ba}
        << QByteArrayList{"Cookie $http_cookie"_ba} << false << QByteArrayList{"Cookie: a=1; b=2; c=3"_ba, "Host: h"_ba};
    QTest::newRow("$http_NAME of another repeated field is the first value (nginx 1.22)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "X-A: 1"_ba, "X-A: 2"_ba} << QByteArrayList{"X-Copy $http_x_a"_ba}
        << false << QByteArrayList{"X-Copy: 1"_ba, "Host: h"_ba, "X-A: 1"_ba, "X-A: 2"_ba};
    QTest::newRow("$connection_upgrade is upgrade whenever Upgrade is sent")
        << t << 1 << QByteArrayList{"Host: h"_ba, "upgrade: h2c"_ba} << QByteArrayList{"X-C $connection_upgrade"_ba}
        << false << QByteArrayList{"X-C: upgrade"_ba, "Host: h"_ba};
    QTest::newRow("$connection_upgrade is close for an empty Upgrade (map: '' close)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Upgrade:"_ba} << QByteArrayList{"X-C $connection_upgrade"_ba}
        << false << QByteArrayList{"X-C: close"_ba, "Host: h"_ba};
    QTest::newRow("literals and variables concatenate, ${name} too")
        << "/p?q=1"_ba << 1 << QByteArrayList{"Host: H:81"_ba}
        << QByteArrayList{"X-Url $scheme://${host}:${server_port}$request_uri"_ba} << false
        << QByteArrayList{"X-Url: http://h:8080/p?q=1"_ba, "Host: H:81"_ba};
    QTest::newRow("request variables ($request_method $uri $args ...)")
        << "/a%20b?x=1"_ba << 1 << QByteArrayList{"Host: h"_ba}
        << QByteArrayList{"X-I $request_method $uri $args$is_args $server_protocol $remote_port $proxy_host $server_name"_ba}
        << false << QByteArrayList{"X-I: GET /a b x=1? HTTP/1.1 54321 backend:9000 example.org"_ba, "Host: h"_ba};

    // Request body framing
    QTest::newRow("Transfer-Encoding: chunked is re-added for a chunked body (RFC 9112 6.1)")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Transfer-Encoding: chunked"_ba, "Accept: */*"_ba} << QByteArrayList{}
        << true << QByteArrayList{"Host: h"_ba, "Accept: */*"_ba, "Transfer-Encoding: chunked"_ba};
    QTest::newRow("no Transfer-Encoding without a chunked body")
        << t << 1 << QByteArrayList{"Host: h"_ba, "Content-Length: 2"_ba} << QByteArrayList{} << false
        << QByteArrayList{"Host: h"_ba, "Content-Length: 2"_ba};

    // CR/LF injection: a value can never start a header line of its own.
    QTest::newRow("CR LF from a client field via $http_ cannot inject")
        << t << 1 << QByteArrayList{"Host: h"_ba, "X-Evil: a\r\nInjected: 1"_ba}
        << QByteArrayList{"X-Evil $http_x_evil"_ba} << false
        << QByteArrayList{"X-Evil: a  Injected: 1"_ba, "Host: h"_ba};
    QTest::newRow("bare LF from a client field cannot inject")
        << t << 1 << QByteArrayList{"Host: h"_ba, "X-Evil: a\nInjected: 1"_ba}
        << QByteArrayList{"X-Evil [$http_x_evil]"_ba} << false
        << QByteArrayList{"X-Evil: [a Injected: 1]"_ba, "Host: h"_ba};
    QTest::newRow("percent-encoded CR LF decoded by $uri cannot inject")
        << "/a%0D%0AInjected:%201"_ba << 1 << QByteArrayList{"Host: h"_ba} << QByteArrayList{"X-Uri $uri"_ba} << false
        << QByteArrayList{"X-Uri: /a  Injected: 1"_ba, "Host: h"_ba};
    QTest::newRow("percent-encoded NUL decoded by $uri is replaced")
        << "/a%00b"_ba << 1 << QByteArrayList{"Host: h"_ba} << QByteArrayList{"X-Uri pre-$uri-post"_ba} << false
        << QByteArrayList{"X-Uri: pre-/a b-post"_ba, "Host: h"_ba};
    QTest::newRow("CR LF in a Host field cannot inject through $host")
        << t << 1 << QByteArrayList{"Host: h\r\nInjected: 1"_ba} << QByteArrayList{"Host $host"_ba} << false
        << QByteArrayList{"Host: h  injected"_ba};
    QTest::newRow("CR LF in a literal value cannot inject")
        << t << 1 << QByteArrayList{"Host: h"_ba} << QByteArrayList{"X-Lit a\r\nInjected: 1"_ba} << false
        << QByteArrayList{"X-Lit: a  Injected: 1"_ba, "Host: h"_ba};
}

void tst_HeaderRewrite::requestForUpstream()
{
    QFETCH(QByteArray, target);
    QFETCH(int, versionMinor);
    QFETCH(QByteArrayList, client);
    QFETCH(QByteArrayList, rules);
    QFETCH(bool, chunked);
    QFETCH(QByteArrayList, expected);

    // The request line as the parser reads it (an absolute-form target is
    // cut to its path, its host kept); the rest of the head from the row.
    HttpHeadParser parser(HttpHeadParser::Kind::Request);
    const QByteArray line = "GET " + target + " HTTP/1.0\r\n\r\n";
    parser.feed(line.constData(), line.size());
    QCOMPARE(parser.state(), HttpHeadParser::State::Complete);
    HttpRequestHead request = parser.request();
    request.versionMinor = versionMinor;
    request.headers = headersFrom(client);
    QString error;
    const QList<HeaderRule> compiled = rulesFrom(rules, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    const HttpRequestHead out =
        rewriteRequestForUpstream(request, contextFor(request), compiled, "/upstream"_ba + request.target, chunked);
    QCOMPARE(linesOf(out.headers), expected);
    QCOMPARE(out.method, request.method);
    QCOMPARE(out.target, "/upstream"_ba + request.target);
    QCOMPARE(out.versionMinor, 1);
    const QByteArray problem = injectionProblem(out.serialize(), out.headers.size());
    QVERIFY2(problem.isEmpty(), problem.constData());
}

void tst_HeaderRewrite::responseForClient_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArrayList>("upstream");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("chunked");
    QTest::addColumn<QByteArrayList>("expected");

    QTest::newRow("101 keeps Upgrade and sets Connection: upgrade (RFC 9110 7.8)")
        << 101 << QByteArrayList{"Upgrade: websocket"_ba, "Connection: Upgrade"_ba, "Sec-WebSocket-Accept: acc"_ba}
        << true << false
        << QByteArrayList{"Sec-WebSocket-Accept: acc"_ba, "Upgrade: websocket"_ba, "Connection: upgrade"_ba};
    QTest::newRow("101 drops the other hop-by-hop fields")
        << 101
        << QByteArrayList{"Connection: Upgrade, X-Hop"_ba, "X-Hop: 1"_ba, "Keep-Alive: timeout=5"_ba,
                          "Proxy-Connection: keep-alive"_ba, "TE: trailers"_ba, "Trailer: X"_ba, "Upgrade: websocket"_ba,
                          "Sec-WebSocket-Protocol: chat"_ba}
        << false << false
        << QByteArrayList{"Sec-WebSocket-Protocol: chat"_ba, "Upgrade: websocket"_ba, "Connection: upgrade"_ba};
    QTest::newRow("101 ignores keep-alive and chunked")
        << 101 << QByteArrayList{"Upgrade: websocket"_ba} << false << true
        << QByteArrayList{"Upgrade: websocket"_ba, "Connection: upgrade"_ba};
    QTest::newRow("101 without Upgrade sends none")
        << 101 << QByteArrayList{"Connection: Upgrade"_ba} << true << false << QByteArrayList{"Connection: upgrade"_ba};
    QTest::newRow("200 kept alive: Connection: keep-alive")
        << 200 << QByteArrayList{"Content-Length: 2"_ba, "Connection: close"_ba} << true << false
        << QByteArrayList{"Content-Length: 2"_ba, "Connection: keep-alive"_ba};
    QTest::newRow("200 closed: Connection: close")
        << 200 << QByteArrayList{"Content-Length: 2"_ba, "Connection: keep-alive"_ba, "Keep-Alive: timeout=5"_ba} << false
        << false << QByteArrayList{"Content-Length: 2"_ba, "Connection: close"_ba};
    QTest::newRow("200 relayed chunked re-adds Transfer-Encoding")
        << 200 << QByteArrayList{"Transfer-Encoding: chunked"_ba, "Content-Type: text/plain"_ba} << true << true
        << QByteArrayList{"Content-Type: text/plain"_ba, "Transfer-Encoding: chunked"_ba, "Connection: keep-alive"_ba};
    QTest::newRow("200 de-chunked for HTTP/1.0 drops Transfer-Encoding")
        << 200 << QByteArrayList{"Transfer-Encoding: chunked"_ba, "Content-Type: text/plain"_ba} << false << false
        << QByteArrayList{"Content-Type: text/plain"_ba, "Connection: close"_ba};
    QTest::newRow("fields named by Connection are removed from a response (RFC 9110 7.6.1)")
        << 200 << QByteArrayList{"Connection: X-Internal"_ba, "X-Internal: 1"_ba, "Content-Length: 0"_ba} << true << false
        << QByteArrayList{"Content-Length: 0"_ba, "Connection: keep-alive"_ba};
    QTest::newRow("Connection cannot remove a response's Content-Length")
        << 200 << QByteArrayList{"Connection: content-length"_ba, "Content-Length: 4"_ba} << true << false
        << QByteArrayList{"Content-Length: 4"_ba, "Connection: keep-alive"_ba};
    QTest::newRow("Upgrade in a non-101 response is dropped")
        << 426 << QByteArrayList{"Upgrade: websocket"_ba, "Content-Length: 0"_ba} << true << false
        << QByteArrayList{"Content-Length: 0"_ba, "Connection: keep-alive"_ba};
    QTest::newRow("end-to-end fields keep order and repeats")
        << 200 << QByteArrayList{"Set-Cookie: a=1"_ba, "Content-Length: 0"_ba, "Set-Cookie: b=2"_ba} << true << false
        << QByteArrayList{"Set-Cookie: a=1"_ba, "Content-Length: 0"_ba, "Set-Cookie: b=2"_ba, "Connection: keep-alive"_ba};
}

void tst_HeaderRewrite::responseForClient()
{
    QFETCH(int, status);
    QFETCH(QByteArrayList, upstream);
    QFETCH(bool, keepAlive);
    QFETCH(bool, chunked);
    QFETCH(QByteArrayList, expected);

    HttpResponseHead response;
    response.versionMinor = 0; // the client is always answered in HTTP/1.1
    response.status = status;
    response.reason = "Upstream Reason"_ba;
    response.headers = headersFrom(upstream);

    const HttpResponseHead out = rewriteResponseForClient(response, keepAlive, chunked);
    QCOMPARE(linesOf(out.headers), expected);
    QCOMPARE(out.status, status);
    QCOMPARE(out.reason, response.reason);
    QCOMPARE(out.versionMinor, 1);
}

void tst_HeaderRewrite::literalCannotInject()
{
    // variables.h: expand() never yields CR, LF or NUL, literal or not.
    const ValueTemplate literal = ValueTemplate::literal("a\r\nInjected: 1\0z"_ba);
    const HttpRequestHead request;
    const QByteArray value = literal.expand(contextFor(request));
    QCOMPARE(value, "a  Injected: 1 z"_ba);
    QVERIFY(literal.isConstant());
    QCOMPARE(ValueTemplate::literal("plain"_ba).expand(contextFor(request)), "plain"_ba);
}

void tst_HeaderRewrite::templateErrors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");

    QTest::newRow("plain text") << "text"_ba << true;
    QTest::newRow("known variable") << "$remote_addr"_ba << true;
    QTest::newRow("braced variable") << "a${host}b"_ba << true;
    QTest::newRow("any $http_NAME") << "$http_anything_at_all"_ba << true;
    QTest::newRow("unknown variable is refused (nginx: unknown variable)") << "$no_such_variable"_ba << false;
    QTest::newRow("$http_, $arg_ and $cookie_ without a name are accepted (nginx: prefix variables)")
        << "$http_:$arg_:$cookie_"_ba << true;
    QTest::newRow("missing closing brace is refused") << "${host"_ba << false;
    QTest::newRow("lone dollar is refused") << "cost $"_ba << false;
    QTest::newRow("empty braces are refused") << "${}"_ba << false;
}

void tst_HeaderRewrite::templateErrors()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QString error;
    const std::optional<ValueTemplate> t = ValueTemplate::compile(text, &error);
    QCOMPARE(t.has_value(), valid);
    QCOMPARE(error.isEmpty(), valid);
}

QTEST_GUILESS_MAIN(tst_HeaderRewrite)
#include "tst_headerrewrite.moc"
