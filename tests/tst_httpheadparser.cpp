#include "http/httpheadparser.h"

#include <QTest>

using namespace Qt::StringLiterals;

// Every table row is fed three ways — in one piece, cut in two at every byte
// position, and byte by byte — and must give the same outcome each time:
// TCP may deliver a head split anywhere.

namespace {

using Kind = HttpHeadParser::Kind;
using State = HttpHeadParser::State;

// What a caller sees once the parser stops asking for more, as one string so
// that a mismatch between two ways of feeding prints both sides.
struct Outcome
{
    QByteArray text;
    qsizetype consumed = 0;
};

QByteArray describe(const HttpHeadParser &parser, Kind kind)
{
    QByteArray out;
    switch (parser.state()) {
    case State::NeedMore:
        return "NeedMore"_ba;
    case State::Error:
        return "Error " + QByteArray::number(parser.errorStatus()) + " (" + parser.errorMessage() + ')';
    case State::Complete:
        break;
    }
    if (kind == Kind::Request) {
        const HttpRequestHead &r = parser.request();
        out = r.method + ' ' + r.target;
        if (!r.absoluteHost.isEmpty())
            out += " host=" + r.absoluteHost;
        out += " 1." + QByteArray::number(r.versionMinor);
        for (const HttpHeader &h : r.headers)
            out += " | " + h.name + ": " + h.value;
    } else {
        const HttpResponseHead &r = parser.response();
        out = "1." + QByteArray::number(r.versionMinor) + ' ' + QByteArray::number(r.status) + " [" + r.reason + ']';
        for (const HttpHeader &h : r.headers)
            out += " | " + h.name + ": " + h.value;
    }
    return out;
}

// Feeds `input` in pieces of the given sizes (the last piece takes the
// rest) and stops once the parser leaves NeedMore, as Session does.
Outcome feedPieces(Kind kind, const QByteArray &input, const QList<qsizetype> &pieces,
                   HttpHeadParser::Limits limits = {})
{
    HttpHeadParser parser(kind, limits);
    Outcome o;
    qsizetype offset = 0;
    for (qsizetype i = 0; i <= pieces.size() && parser.state() == State::NeedMore && offset < input.size(); ++i) {
        const qsizetype n = i < pieces.size() ? qMin(pieces.at(i), input.size() - offset) : input.size() - offset;
        const qsizetype used = parser.feed(input.constData() + offset, n);
        if (used < 0 || used > n)
            return {"feed() returned " + QByteArray::number(used) + " for " + QByteArray::number(n) + " bytes", 0};
        if (parser.state() == State::NeedMore && used != n)
            return {"NeedMore but consumed only part of a piece"_ba, 0};
        o.consumed += used;
        offset += n;
    }
    // A finished parser takes nothing more.
    if (parser.state() != State::NeedMore && parser.feed("GET", 3) != 0)
        return {"feed() after the end consumed bytes"_ba, 0};
    o.text = describe(parser, kind);
    return o;
}

QList<qsizetype> byteByByte(qsizetype size)
{
    return QList<qsizetype>(size, 1);
}

// Checks that every way of cutting `input` gives `whole`; returns a failure
// description, or an empty string.
QByteArray checkAllSplits(Kind kind, const QByteArray &input, const Outcome &whole, bool compareConsumed,
                          HttpHeadParser::Limits limits = {})
{
    auto differs = [&](const Outcome &o) {
        return o.text != whole.text || (compareConsumed && o.consumed != whole.consumed);
    };
    for (qsizetype cut = 1; cut < input.size(); ++cut) {
        const Outcome o = feedPieces(kind, input, {cut}, limits);
        if (differs(o)) {
            return "split at " + QByteArray::number(cut) + ": " + o.text + " consumed " + QByteArray::number(o.consumed)
                + "\n   whole: " + whole.text + " consumed " + QByteArray::number(whole.consumed);
        }
    }
    const Outcome o = feedPieces(kind, input, byteByByte(input.size()), limits);
    if (differs(o)) {
        return "byte by byte: " + o.text + " consumed " + QByteArray::number(o.consumed) + "\n   whole: " + whole.text
            + " consumed " + QByteArray::number(whole.consumed);
    }
    return {};
}

QByteArray expectedRequest(const QByteArray &method, const QByteArray &target, int minor, const QByteArrayList &headers)
{
    QByteArray out = method + ' ' + target + " 1." + QByteArray::number(minor);
    for (const QByteArray &h : headers)
        out += " | " + h;
    return out;
}

QByteArray expectedResponse(int minor, int status, const QByteArray &reason, const QByteArrayList &headers)
{
    QByteArray out = "1." + QByteArray::number(minor) + ' ' + QByteArray::number(status) + " [" + reason + ']';
    for (const QByteArray &h : headers)
        out += " | " + h;
    return out;
}

// Table helpers: the expected outcome as the string describe() produces.
void okRequest(const char *rule, const QByteArray &head, const QByteArray &method, const QByteArray &target, int minor,
               const QByteArrayList &headers, const QByteArray &after = {})
{
    QTest::newRow(rule) << head << after << expectedRequest(method, target, minor, headers);
}

void badRequest(const char *rule, const QByteArray &head, int status)
{
    QTest::newRow(rule) << head << QByteArray() << ("Error " + QByteArray::number(status));
}

void okResponse(const char *rule, const QByteArray &head, int minor, int status, const QByteArray &reason,
                const QByteArrayList &headers, const QByteArray &after = {})
{
    QTest::newRow(rule) << head << after << expectedResponse(minor, status, reason, headers);
}

void badResponse(const char *rule, const QByteArray &head)
{
    QTest::newRow(rule) << head << QByteArray() << "Error 502"_ba;
}

// A request whose request line (without its line end) is exactly `length` bytes.
QByteArray requestLineOf(qsizetype length)
{
    const QByteArray prefix = "GET /"_ba;
    const QByteArray suffix = " HTTP/1.1"_ba;
    return prefix + QByteArray(length - prefix.size() - suffix.size(), 'a') + suffix;
}

// A request head of exactly `size` bytes, blank line included.
QByteArray requestHeadOf(qsizetype size, const QByteArray &eol = "\r\n"_ba)
{
    const QByteArray start = "GET / HTTP/1.1" + eol + "Host: example.org" + eol + "X-Fill: ";
    const QByteArray end = eol + eol;
    return start + QByteArray(size - start.size() - end.size(), 'f') + end;
}

} // namespace

class tst_HttpHeadParser : public QObject
{
    Q_OBJECT

private slots:
    void headerNameRules_data();
    void headerNameRules();
    void requestHead_data();
    void requestHead();
    void responseHead_data();
    void responseHead();
    void pipelinedRequestsStopAtFirstHead_data();
    void pipelinedRequestsStopAtFirstHead();
    void requestLineLimit_data();
    void requestLineLimit();
    void headLimit_data();
    void headLimit();
    void resetAllowsReuse();

private:
    static void refusedRequestRows(); // requestHead_data's second half
};

// Message framing (RFC 9112 6): Content-Length and Transfer-Encoding.
static void framingRows()
{
    badRequest("Content-Length and Transfer-Encoding together (RFC 9112 6.1)",
               "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"_ba, 400);
    badRequest("Transfer-Encoding before Content-Length (RFC 9112 6.1)",
               "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"_ba, 400);
    badRequest("negative Content-Length (RFC 9110 8.6)", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"_ba,
               400);
    badRequest("Content-Length with a plus sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n"_ba, 400);
    badRequest("Content-Length that is not a number", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n"_ba,
               400);
    badRequest("Content-Length in hex", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n"_ba, 400);
    badRequest("empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"_ba, 400);
    badRequest("Content-Length with inner space", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n"_ba, 400);
    badRequest("Content-Length as a list in one field", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\n"_ba,
               400);
    badRequest("Content-Length with 19 digits overflows", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9999999999999999999\r\n\r\n"_ba,
               400);
    badRequest("conflicting Content-Length (RFC 9110 8.6)",
               "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"_ba, 400);
    badRequest("Transfer-Encoding in HTTP/1.0 (RFC 9112 6.1)",
               "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"_ba, 400);
    badRequest("unknown Transfer-Encoding is 501 (RFC 9112 6.1)",
               "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"_ba, 501);
    badRequest("Transfer-Encoding gzip, chunked is 501 (nginx)",
               "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"_ba, 501);
    badRequest("chunked applied twice in one field is refused (RFC 9112 6.1)",
               "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"_ba, 501);
    badRequest("Transfer-Encoding identity is 501", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n"_ba,
               501);
}

void tst_HttpHeadParser::requestHead_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("after"); // body or next request: must not be consumed
    QTest::addColumn<QByteArray>("expected");

    // Accepted
    okRequest("simple GET with CRLF", "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"_ba, "GET"_ba, "/"_ba, 1,
              {"Host: example.org"_ba});
    okRequest("bare LF line endings are accepted (nginx)", "GET /a HTTP/1.1\nHost: h\nX-A: 1\n\n"_ba, "GET"_ba, "/a"_ba, 1,
              {"Host: h"_ba, "X-A: 1"_ba});
    okRequest("mixed CRLF and LF line endings", "GET / HTTP/1.1\nHost: h\r\nX-A: 1\n\r\n"_ba, "GET"_ba, "/"_ba, 1,
              {"Host: h"_ba, "X-A: 1"_ba});
    okRequest("leading empty lines are ignored (RFC 9112 2.2)", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"_ba, "GET"_ba,
              "/"_ba, 1, {"Host: h"_ba});
    okRequest("leading bare LF lines are ignored (RFC 9112 2.2)", "\n\nGET / HTTP/1.1\nHost: h\n\n"_ba, "GET"_ba, "/"_ba, 1,
              {"Host: h"_ba});
    okRequest("HTTP/1.0 without Host is accepted (RFC 9112 3.2)", "GET /x HTTP/1.0\r\n\r\n"_ba, "GET"_ba, "/x"_ba, 0, {});
    okRequest("HTTP/1.0 with Host", "GET / HTTP/1.0\r\nHost: h\r\n\r\n"_ba, "GET"_ba, "/"_ba, 0, {"Host: h"_ba});
    okRequest("HTTP/1.2 is read as HTTP/1.x (nginx)", "GET / HTTP/1.2\r\nHost: h\r\n\r\n"_ba, "GET"_ba, "/"_ba, 2,
              {"Host: h"_ba});
    okRequest("field value whitespace is trimmed (RFC 9110 5.5)", "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a  b \t\r\n\r\n"_ba,
              "GET"_ba, "/"_ba, 1, {"Host: h"_ba, "X-A: a  b"_ba});
    okRequest("empty field value", "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Blank:   \r\n\r\n"_ba, "GET"_ba, "/"_ba, 1,
              {"Host: h"_ba, "X-Empty: "_ba, "X-Blank: "_ba});
    okRequest("field names keep their spelling", "GET / HTTP/1.1\r\nhOsT: h\r\nSEC-websocket-KEY: k\r\n\r\n"_ba, "GET"_ba,
              "/"_ba, 1, {"hOsT: h"_ba, "SEC-websocket-KEY: k"_ba});
    okRequest("repeated fields keep their order (RFC 9110 5.3)",
              "GET / HTTP/1.1\r\nX-A: 1\r\nHost: h\r\nX-A: 2\r\nx-a: 3\r\n\r\n"_ba, "GET"_ba, "/"_ba, 1,
              {"X-A: 1"_ba, "Host: h"_ba, "X-A: 2"_ba, "x-a: 3"_ba});
    okRequest("colon inside the value", "GET / HTTP/1.1\r\nHost: h:8080\r\nX-Url: http://a:b/c\r\n\r\n"_ba, "GET"_ba,
              "/"_ba, 1, {"Host: h:8080"_ba, "X-Url: http://a:b/c"_ba});
    okRequest("tab inside a value is allowed (RFC 9110 5.5)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb\r\n\r\n"_ba,
              "GET"_ba, "/"_ba, 1, {"Host: h"_ba, "X-A: a\tb"_ba});
    okRequest("obs-text in a value is allowed (RFC 9110 5.5)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xc3\xa9\r\n\r\n"_ba,
              "GET"_ba, "/"_ba, 1, {"Host: h"_ba, "X-A: caf\xc3\xa9"_ba});
    // nginx (ngx_http_parse_header_line): only letters, digits and "-" make
    // a valid name; a line with another tchar is dropped (ignore_invalid_headers).
    okRequest("a name with tchars beyond letters, digits and '-' is dropped",
              "GET / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09azAZ: v\r\nX-Ok-9: w\r\n\r\n"_ba, "GET"_ba, "/"_ba, 1,
              {"Host: h"_ba, "X-Ok-9: w"_ba});
    okRequest("query string stays in the target", "GET /p/q?a=1&b=%20 HTTP/1.1\r\nHost: h\r\n\r\n"_ba, "GET"_ba,
              "/p/q?a=1&b=%20"_ba, 1, {"Host: h"_ba});
    okRequest("non-ASCII octets in the target are allowed (nginx)", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"_ba,
              "GET"_ba, "/caf\xc3\xa9"_ba, 1, {"Host: h"_ba});
    okRequest("absolute-form target: its host replaces Host, the path is the target (RFC 9112 3.2.2, nginx)",
              "GET http://Ex.ORG.:81/p?q HTTP/1.1\r\nHost: h\r\n\r\n"_ba, "GET"_ba, "/p?q host=ex.org"_ba, 1, {"Host: h"_ba});
    okRequest("absolute-form target without a path is \"/\" (nginx)", "GET http://h HTTP/1.0\r\n\r\n"_ba, "GET"_ba,
              "/ host=h"_ba, 0, {});
    okRequest("absolute-form target with a query and no path is \"/?query\" (nginx)", "GET HTTP://A?x HTTP/1.0\r\n\r\n"_ba,
              "GET"_ba, "/?x host=a"_ba, 0, {});
    okRequest("absolute-form IPv6 literal host", "GET https://[::1]:8443/x HTTP/1.1\r\nHost: h\r\n\r\n"_ba, "GET"_ba,
              "/x host=[::1]"_ba, 1, {"Host: h"_ba});
    okRequest("Host with two ports keeps the name before the first (nginx)",
              "GET / HTTP/1.1\r\nHost: 10.0.0.1:9000:80\r\n\r\n"_ba, "GET"_ba, "/"_ba, 1, {"Host: 10.0.0.1:9000:80"_ba});
    okRequest("asterisk-form target (RFC 9112 3.2.4)", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"_ba, "OPTIONS"_ba, "*"_ba, 1,
              {"Host: h"_ba});
    okRequest("extension method token (RFC 9110 9.1)", "M-SEARCH * HTTP/1.1\r\nHost: h\r\n\r\n"_ba, "M-SEARCH"_ba, "*"_ba, 1,
              {"Host: h"_ba});
    okRequest("IPv6 Host with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"_ba, "GET"_ba, "/"_ba, 1,
              {"Host: [::1]:8080"_ba});
    okRequest("WebSocket upgrade request (RFC 6455 4.1)",
              "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"_ba,
              "GET"_ba, "/chat"_ba, 1,
              {"Host: h"_ba, "Upgrade: websocket"_ba, "Connection: Upgrade"_ba,
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="_ba, "Sec-WebSocket-Version: 13"_ba});
    okRequest("body bytes after the head are left to the caller",
              "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"_ba, "POST"_ba, "/u"_ba, 1,
              {"Host: h"_ba, "Content-Length: 5"_ba}, "hello"_ba);
    okRequest("body that looks like a blank line is left to the caller",
              "POST / HTTP/1.1\nHost: h\nContent-Length: 4\n\n"_ba, "POST"_ba, "/"_ba, 1,
              {"Host: h"_ba, "Content-Length: 4"_ba}, "\r\n\r\n"_ba);
    okRequest("Content-Length zero", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"_ba, "POST"_ba, "/"_ba, 1,
              {"Host: h"_ba, "Content-Length: 0"_ba});
    okRequest("Content-Length with 18 digits", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999999\r\n\r\n"_ba,
              "POST"_ba, "/"_ba, 1, {"Host: h"_ba, "Content-Length: 999999999999999999"_ba});
    badRequest("identical repeated Content-Length is a duplicate header line (nginx 1.22)",
               "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"_ba, 400);
    badRequest("repeated Transfer-Encoding chunked is a duplicate header line (nginx 1.22)",
               "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"_ba,
               400);
    badRequest("repeated If-None-Match is a duplicate header line (nginx 1.22)",
               "GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n"_ba, 400);
    okRequest("Transfer-Encoding chunked (case-insensitive)",
              "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"_ba, "POST"_ba, "/"_ba, 1,
              {"Host: h"_ba, "Transfer-Encoding: Chunked"_ba}, "0\r\n\r\n"_ba);
    refusedRequestRows();
}

void tst_HttpHeadParser::refusedRequestRows()
{
    // 400: request line
    badRequest("CONNECT is refused with 405 (nginx 1.21.1)", "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"_ba, 405);
    badRequest("TRACE is refused with 405 (nginx)", "TRACE / HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 405);
    badRequest("Host with \"..\" (nginx: invalid host)", "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n"_ba, 400);
    badRequest("Host with a path separator", "GET / HTTP/1.1\r\nHost: a/b:80\r\n\r\n"_ba, 400);
    badRequest("Host with a control character (nginx 1.21.1)", "GET / HTTP/1.1\r\nHost: a\x02\r\n\r\n"_ba, 400);
    badRequest("empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n"_ba, 400);
    badRequest("absolute-form host with \"..\"", "GET http://a..b/ HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("absolute-form host with a backslash", "GET http://a\\b/ HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("absolute-form IPv6 literal with a slash", "GET http://[::1/]/ HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("absolute-form port with a letter", "GET http://h:8a/ HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("request line starting with a space has no method", " GET / HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("method must be a token (RFC 9110 9.1)", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("method with a non-ASCII octet", "G\xc3\x89T / HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("missing target (HTTP/0.9 is not supported)", "GET HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("HTTP/0.9 simple request", "GET /\r\n\r\n"_ba, 400);
    badRequest("request line with only a method", "GET\r\n\r\n"_ba, 400);
    badRequest("two spaces before the target (RFC 9112 3)", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("space inside the target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("tab inside the target", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("CTL inside the target", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("DEL inside the target", "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("NUL inside the target", "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("bare CR ending the request line", "GET / HTTP/1.1\rHost: h\r\n\r\n"_ba, 400);
    badRequest("origin-form target must start with a slash (RFC 9112 3.2.1)", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"_ba,
               400);
    badRequest("version in lower case (RFC 9112 2.3)", "GET / http/1.1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("version without minor", "GET / HTTP/1\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("version with two-digit minor", "GET / HTTP/1.10\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("version with a letter", "GET / HTTP/1.x\r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("space after the version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n"_ba, 400);
    badRequest("unknown protocol name", "GET / HTCPCP/1.0\r\nHost: h\r\n\r\n"_ba, 400);

    // 505
    badRequest("HTTP/2.0 is 505 (RFC 9110 15.6.6)", "GET / HTTP/2.0\r\nHost: h\r\n\r\n"_ba, 505);
    badRequest("HTTP/3.0 is 505", "GET / HTTP/3.0\r\nHost: h\r\n\r\n"_ba, 505);
    badRequest("HTTP/0.9 spelled out is 505", "GET / HTTP/0.9\r\nHost: h\r\n\r\n"_ba, 505);

    // 400: header fields
    badRequest("field line without a colon (RFC 9112 5)", "GET / HTTP/1.1\r\nHost: h\r\nX-A\r\n\r\n"_ba, 400);
    badRequest("empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n"_ba, 400);
    badRequest("whitespace before colon is rejected (RFC 9112 5.1)", "GET / HTTP/1.1\r\nHost : h\r\n\r\n"_ba, 400);
    badRequest("tab before colon is rejected (RFC 9112 5.1)", "GET / HTTP/1.1\r\nHost: h\r\nX-A\t: v\r\n\r\n"_ba, 400);
    badRequest("obs-fold is rejected (RFC 9112 5.2)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n"_ba, 400);
    badRequest("obs-fold with a tab is rejected (RFC 9112 5.2)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\t2\r\n\r\n"_ba,
               400);
    badRequest("obs-fold on the first field line is rejected", "GET / HTTP/1.1\r\n Host: h\r\n\r\n"_ba, 400);
    okRequest("a name that is no token is dropped too (nginx)", "GET / HTTP/1.1\r\nHost: h\r\nX(A): v\r\n\r\n"_ba,
              "GET"_ba, "/"_ba, 1, {"Host: h"_ba});
    badRequest("a space in a field name (RFC 9110 5.1)", "GET / HTTP/1.1\r\nHost: h\r\nX A: v\r\n\r\n"_ba, 400);
    badRequest("CTL in a field value (RFC 9110 5.5)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n"_ba, 400);
    badRequest("DEL in a field value (RFC 9110 5.5)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fz\r\n\r\n"_ba, 400);
    badRequest("NUL in a field value (RFC 9110 5.5)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0z\r\n\r\n"_ba, 400);
    badRequest("bare CR in a field value (RFC 9112 2.2)", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rz\r\n\r\n"_ba, 400);
    badRequest("missing Host in HTTP/1.1 (RFC 9112 3.2)", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n"_ba, 400);
    badRequest("duplicate Host (RFC 9112 3.2)", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"_ba, 400);
    badRequest("duplicate Host in another case (RFC 9112 3.2)", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"_ba, 400);
    badRequest("Host with a slash (nginx)", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"_ba, 400);
    okRequest("Host with '@' is a name like any other (nginx's validate_host)", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"_ba,
              "GET"_ba, "/"_ba, 1, {"Host: u@a"_ba});
    badRequest("absolute-form host with userinfo (nginx's request line)", "GET http://u@a/ HTTP/1.1\r\nHost: h\r\n\r\n"_ba, 400);

    framingRows();
}

void tst_HttpHeadParser::requestHead()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, after);
    QFETCH(QByteArray, expected);

    const QByteArray input = head + after;
    const Outcome whole = feedPieces(Kind::Request, input, {});
    if (expected.startsWith("Error ")) {
        // The reason text is diagnostics; the status is the contract.
        QCOMPARE(whole.text.left(expected.size()), expected);
    } else {
        QCOMPARE(whole.text, expected);
        QCOMPARE(whole.consumed, head.size());
    }
    const QByteArray mismatch = checkAllSplits(Kind::Request, input, whole, !expected.startsWith("Error "));
    QVERIFY2(mismatch.isEmpty(), mismatch.constData());
}

void tst_HttpHeadParser::responseHead_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("after");
    QTest::addColumn<QByteArray>("expected");

    okResponse("200 OK", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"_ba, 1, 200, "OK"_ba, {"Content-Length: 2"_ba},
               "hi"_ba);
    okResponse("reason phrase with spaces (RFC 9112 4)", "HTTP/1.1 404 Not Found Here\r\n\r\n"_ba, 1, 404,
               "Not Found Here"_ba, {});
    okResponse("no reason phrase and no space (RFC 9112 4)", "HTTP/1.1 204\r\n\r\n"_ba, 1, 204, ""_ba, {});
    okResponse("empty reason phrase after the space (RFC 9112 4)", "HTTP/1.1 200 \r\n\r\n"_ba, 1, 200, ""_ba, {});
    okResponse("HTTP/1.0 response", "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n"_ba, 0, 200, "OK"_ba, {"Server: x"_ba});
    okResponse("101 Switching Protocols (RFC 6455 4.2.2)",
               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"_ba,
               1, 101, "Switching Protocols"_ba,
               {"Upgrade: websocket"_ba, "Connection: Upgrade"_ba, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="_ba},
               "\x81\x02hi"_ba);
    okResponse("bare LF line endings are accepted (nginx)", "HTTP/1.1 200 OK\nX-A: 1\n\n"_ba, 1, 200, "OK"_ba,
               {"X-A: 1"_ba});
    okResponse("100 Continue interim response", "HTTP/1.1 100 Continue\r\n\r\n"_ba, 1, 100, "Continue"_ba, {},
               "HTTP/1.1 200 OK\r\n\r\n"_ba);
    okResponse("status codes up to 999 are read", "HTTP/1.1 599 Custom\r\n\r\n"_ba, 1, 599, "Custom"_ba, {});
    okResponse("responses need no Host; framing is checked by the session", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"_ba, 1, 200,
               "OK"_ba, {"Content-Length: 1"_ba, "Content-Length: 2"_ba});

    badResponse("HTTP/2 status line is 502", "HTTP/2 200 OK\r\n\r\n"_ba);
    badResponse("HTTP/2.0 status line is 502", "HTTP/2.0 200 OK\r\n\r\n"_ba);
    badResponse("lower-case protocol is 502", "http/1.1 200 OK\r\n\r\n"_ba);
    badResponse("letter as minor version is 502", "HTTP/1.x 200 OK\r\n\r\n"_ba);
    badResponse("two-digit status is 502 (RFC 9110 15)", "HTTP/1.1 20 OK\r\n\r\n"_ba);
    badResponse("four-digit status is 502", "HTTP/1.1 2000 OK\r\n\r\n"_ba);
    badResponse("status with a letter is 502", "HTTP/1.1 2x0 OK\r\n\r\n"_ba);
    badResponse("status below 100 is 502", "HTTP/1.1 099 Low\r\n\r\n"_ba);
    badResponse("two spaces after the version is 502", "HTTP/1.1  200 OK\r\n\r\n"_ba);
    badResponse("no space after the version is 502", "HTTP/1.1200 OK\r\n\r\n"_ba);
    badResponse("garbage instead of a status line is 502", "<html>hello</html>\r\n\r\n"_ba);
    badResponse("field line without a colon is 502", "HTTP/1.1 200 OK\r\nX-A\r\n\r\n"_ba);
    badResponse("whitespace before colon is 502 (RFC 9112 5.1)", "HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n"_ba);
    badResponse("obs-fold is 502 (RFC 9112 5.2)", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n"_ba);
    badResponse("CTL in a field value is 502", "HTTP/1.1 200 OK\r\nX-A: a\x01\r\n\r\n"_ba);
}

void tst_HttpHeadParser::responseHead()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, after);
    QFETCH(QByteArray, expected);

    const QByteArray input = head + after;
    const Outcome whole = feedPieces(Kind::Response, input, {});
    if (expected.startsWith("Error ")) {
        QCOMPARE(whole.text.left(expected.size()), expected);
    } else {
        QCOMPARE(whole.text, expected);
        QCOMPARE(whole.consumed, head.size());
    }
    const QByteArray mismatch = checkAllSplits(Kind::Response, input, whole, !expected.startsWith("Error "));
    QVERIFY2(mismatch.isEmpty(), mismatch.constData());
}

void tst_HttpHeadParser::pipelinedRequestsStopAtFirstHead_data()
{
    QTest::addColumn<QByteArray>("first");
    QTest::addColumn<QByteArray>("second");

    QTest::newRow("two GETs with CRLF") << "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"_ba << "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"_ba;
    QTest::newRow("two GETs with bare LF") << "GET /1 HTTP/1.1\nHost: h\n\n"_ba << "GET /2 HTTP/1.1\nHost: h\n\n"_ba;
    QTest::newRow("second request after an empty line (RFC 9112 2.2)")
        << "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"_ba << "\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"_ba;
    QTest::newRow("HTTP/1.0 without headers, then HTTP/1.1") << "GET /1 HTTP/1.0\r\n\r\n"_ba
                                                             << "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"_ba;
}

void tst_HttpHeadParser::pipelinedRequestsStopAtFirstHead()
{
    QFETCH(QByteArray, first);
    QFETCH(QByteArray, second);
    const QByteArray both = first + second;

    // Every cut of the two heads, fed as a caller would: the parser takes the
    // first head only; after reset() the rest (kept by the caller) parses.
    for (qsizetype cut = 0; cut <= both.size(); ++cut) {
        HttpHeadParser parser(Kind::Request);
        QByteArray pending;
        qsizetype fed = 0;
        QList<HttpRequestHead> heads;
        for (const QByteArray &piece : {both.first(cut), both.sliced(cut)}) {
            pending += piece;
            fed += piece.size();
            while (!pending.isEmpty()) {
                const qsizetype used = parser.feed(pending.constData(), pending.size());
                pending.remove(0, used);
                if (parser.state() == State::NeedMore)
                    break;
                QVERIFY2(parser.state() == State::Complete, parser.errorMessage().constData());
                if (heads.isEmpty()) {
                    // The first head ends exactly where it ends.
                    QCOMPARE(pending, both.mid(first.size(), fed - first.size()));
                }
                heads.append(parser.takeRequest());
                parser.reset();
            }
        }
        QCOMPARE(heads.size(), 2);
        QCOMPARE(heads.at(0).target, "/1"_ba);
        QCOMPARE(heads.at(1).target, "/2"_ba);
        QVERIFY(pending.isEmpty());
    }
}

void tst_HttpHeadParser::requestLineLimit_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    // nginx 1.22 (large_client_header_buffers 4 8k), measured: the request
    // line *with* its line end must fit in 8192 bytes. With CRLF, 8190 is
    // accepted and 8191 is 414; with a bare LF, 8191 and 8192.
    const QByteArray crlfHost = "\r\nHost: h\r\n\r\n"_ba;
    const QByteArray lfHost = "\nHost: h\n\n"_ba;
    QTest::newRow("8190-byte line + CRLF = 8192 is accepted (nginx)") << requestLineOf(8190) + crlfHost << "GET /"_ba;
    QTest::newRow("8191-byte line + CRLF = 8193 is 414 (nginx)") << requestLineOf(8191) + crlfHost << "Error 414"_ba;
    QTest::newRow("8191-byte line + LF = 8192 is accepted (nginx)") << requestLineOf(8191) + lfHost << "GET /"_ba;
    QTest::newRow("8192-byte line + LF = 8193 is 414 (nginx)") << requestLineOf(8192) + lfHost << "Error 414"_ba;
    QTest::newRow("8192 bytes without a line end yet: wait") << requestLineOf(8192) << "NeedMore"_ba;
    QTest::newRow("8193 bytes without a line end: 414 before it ends") << requestLineOf(8193) << "Error 414"_ba;
    QTest::newRow("endless request line: 414 before it ends") << requestLineOf(100000) << "Error 414"_ba;
    QTest::newRow("leading empty lines do not count (RFC 9112 2.2)")
        << "\r\n\r\n\r\n"_ba + requestLineOf(8190) + crlfHost << "GET /"_ba;
    QTest::newRow("long header lines do not count toward the request line")
        << "GET / HTTP/1.1\r\nHost: h\r\nX-Long: "_ba + QByteArray(8000, 'x') + "\r\n\r\n"_ba << "GET /"_ba;
}

void tst_HttpHeadParser::requestLineLimit()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);

    const Outcome whole = feedPieces(Kind::Request, input, {});
    QCOMPARE(whole.text.left(expected.size()), expected);
    // Cuts around the limit, in 1000-byte pieces, and byte by byte.
    QList<QList<qsizetype>> ways = {QList<qsizetype>(input.size() / 1000 + 1, 1000), byteByByte(input.size())};
    for (qsizetype cut : {1, 8189, 8190, 8191, 8192, 8193, 8194})
        ways.append(QList<qsizetype>{cut});
    for (const QList<qsizetype> &pieces : ways) {
        const Outcome o = feedPieces(Kind::Request, input, pieces);
        QCOMPARE(o.text, whole.text);
    }
}

void tst_HttpHeadParser::headLimit_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");

    // nginx's buffers (client_header_buffer_size 1k, large_client_header_buffers
    // 4 8k): a line with its end must fit in one 8 KiB buffer (else 494, sent
    // as 400); a line that does not fit where the buffer is filled so far
    // takes the next large buffer, of which there are four.
    const auto lines = [](int count, qsizetype length, const QByteArray &eol = "\r\n"_ba) -> QByteArray {
        QByteArray head = "GET / HTTP/1.1" + eol + "Host: example.org" + eol;
        for (int i = 0; i < count; ++i)
            head += "X-" + QByteArray::number(i) + ": " + QByteArray(length - 5 - eol.size(), 'f') + eol;
        return head + eol;
    };
    QTest::newRow("a header line of 8192 with its CRLF is accepted")
        << int(Kind::Request) << requestHeadOf(8192 + 37) << "GET / 1.1"_ba;
    QTest::newRow("a header line of 8193 with its CRLF is 494")
        << int(Kind::Request) << requestHeadOf(8193 + 37) << "Error 494"_ba;
    QTest::newRow("bare LF: a header line of 8192 with it is accepted")
        << int(Kind::Request) << requestHeadOf(8192 + 34, "\n"_ba) << "GET / 1.1"_ba;
    QTest::newRow("endless header line: 494 before it ends")
        << int(Kind::Request) << requestHeadOf(200000).chopped(4) << "Error 494"_ba;
    QTest::newRow("four 5000-byte lines take the four large buffers")
        << int(Kind::Request) << lines(4, 5000) << "GET / 1.1"_ba;
    QTest::newRow("a fifth one finds none: 494") << int(Kind::Request) << lines(5, 5000) << "Error 494"_ba;
    QTest::newRow("eight 4000-byte lines pack two to a buffer")
        << int(Kind::Request) << lines(8, 4000) << "GET / 1.1"_ba;
    QTest::newRow("nine do not") << int(Kind::Request) << lines(9, 4000) << "Error 494"_ba;
    QTest::newRow("a head in the first buffer followed by a body is accepted")
        << int(Kind::Request) << requestHeadOf(1000) + QByteArray(10000, 'b') << "GET / 1.1"_ba;

    const QByteArray fill = "HTTP/1.1 200 OK\r\nX-Fill: "_ba;
    QTest::newRow("response head of 64 KiB exactly is accepted")
        << int(Kind::Response) << fill + QByteArray(64 * 1024 - fill.size() - 4, 'f') + "\r\n\r\n"_ba << "1.1 200 [OK]"_ba;
    QTest::newRow("response head of 64 KiB + 1 is 502 (nginx: upstream sent too big header)")
        << int(Kind::Response) << fill + QByteArray(64 * 1024 - fill.size() - 3, 'f') + "\r\n\r\n"_ba << "Error 502"_ba;
}

void tst_HttpHeadParser::headLimit()
{
    QFETCH(int, kind);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);

    const Kind k = Kind(kind);
    const Outcome whole = feedPieces(k, input, {});
    QCOMPARE(whole.text.left(expected.size()), expected);
    if (!expected.startsWith("Error"))
        QCOMPARE(whole.consumed, input.indexOf("\n\n") >= 0 ? input.indexOf("\n\n") + 2 : input.indexOf("\r\n\r\n") + 4);
    QList<QList<qsizetype>> ways = {QList<qsizetype>(input.size() / 4096 + 1, 4096), byteByByte(input.size())};
    for (qsizetype cut : {1, 65534, 65535, 65536, 65537})
        ways.append(QList<qsizetype>{cut});
    for (const QList<qsizetype> &pieces : ways) {
        const Outcome o = feedPieces(k, input, pieces);
        QCOMPARE(o.text, whole.text);
        if (!expected.startsWith("Error"))
            QCOMPARE(o.consumed, whole.consumed);
    }
}

void tst_HttpHeadParser::resetAllowsReuse()
{
    HttpHeadParser parser(Kind::Request);
    const QByteArray bad = "GET / HTTP/1.1\r\n\r\n"_ba; // no Host
    parser.feed(bad.constData(), bad.size());
    QCOMPARE(parser.state(), State::Error);
    QCOMPARE(parser.errorStatus(), 400);
    parser.reset();
    QCOMPARE(parser.state(), State::NeedMore);
    QCOMPARE(parser.errorStatus(), 0);
    QCOMPARE(parser.bufferedSize(), 0);
    const QByteArray good = "PUT /x HTTP/1.1\r\nHost: h\r\n\r\n"_ba;
    QCOMPARE(parser.feed(good.constData(), good.size()), good.size());
    QCOMPARE(parser.state(), State::Complete);
    QCOMPARE(parser.request().method, "PUT"_ba);
    QVERIFY(parser.request().headers.contains("host"));
}

// underscores_in_headers and ignore_invalid_headers decide which lines stay.
void tst_HttpHeadParser::headerNameRules_data()
{
    QTest::addColumn<bool>("underscores");
    QTest::addColumn<bool>("ignoreInvalid");
    QTest::addColumn<QByteArrayList>("kept");
    QTest::addColumn<int>("dropped");
    QTest::newRow("nginx's defaults") << false << true << QByteArrayList{"Host", "X-Ok"} << 2;
    QTest::newRow("underscores_in_headers on") << true << true << QByteArrayList{"Host", "X_Under", "X-Ok"} << 1;
    QTest::newRow("ignore_invalid_headers off") << false << false
                                                << QByteArrayList{"Host", "X_Under", "X.Dot", "X-Ok"} << 0;
}

void tst_HttpHeadParser::headerNameRules()
{
    QFETCH(bool, underscores);
    QFETCH(bool, ignoreInvalid);
    QFETCH(QByteArrayList, kept);
    QFETCH(int, dropped);
    HttpHeadParser parser(HttpHeadParser::Kind::Request);
    parser.setHeaderNames(underscores, ignoreInvalid);
    const QByteArray head = "GET / HTTP/1.1\r\nHost: h\r\nX_Under: 1\r\nX.Dot: 2\r\nX-Ok: 3\r\n\r\n";
    parser.feed(head.constData(), head.size());
    QCOMPARE(parser.state(), HttpHeadParser::State::Complete);
    QByteArrayList names;
    for (const HttpHeader &h : parser.request().headers)
        names << h.name;
    QCOMPARE(names, kept);
    QCOMPARE(parser.droppedHeaders().size(), dropped);
}

QTEST_GUILESS_MAIN(tst_HttpHeadParser)
#include "tst_httpheadparser.moc"
