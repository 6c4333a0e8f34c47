#include "http/httpheaders.h"
#include "websocket/handshakecheck.h"

#include <QTest>

namespace {

// RFC 6455 1.3: the sample handshake.
constexpr char SampleKey[] = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr char SampleAccept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// Starts from `base` and applies `changes`, one per line: "Name: value"
// replaces every field of that name (or adds it), "+Name: value" adds one
// more field, "-Name" removes the field.
HttpHeaders headers(const QByteArray &base, const QByteArray &changes)
{
    HttpHeaders h;
    const auto apply = [&h](const QByteArray &text, bool isBase) {
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty())
                continue;
            if (line.startsWith('-')) {
                h.remove(line.mid(1));
                continue;
            }
            const bool add = isBase || line.startsWith('+');
            const QByteArray field = line.startsWith('+') ? line.mid(1) : line;
            const qsizetype colon = field.indexOf(':');
            const QByteArray name = field.left(colon);
            const QByteArray value = field.mid(colon + 1).trimmed();
            add ? h.append(name, value) : h.set(name, value);
        }
    };
    apply(base, true);
    apply(changes, false);
    return h;
}

const QByteArray BaseRequest = QByteArray("Host: example.com\nUpgrade: websocket\nConnection: Upgrade\n"
                                          "Sec-WebSocket-Key: ") + SampleKey + "\nSec-WebSocket-Version: 13\n";
const QByteArray BaseResponse = QByteArray("Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: ")
                              + SampleAccept + '\n';

QStringList summary(const WsHandshakeReport &report)
{
    QStringList out;
    for (const WsHandshakeFinding &f : report.findings) {
        const char *sev = f.severity == WsHandshakeFinding::Severity::Error     ? "E:"
                        : f.severity == WsHandshakeFinding::Severity::Warning ? "W:"
                                                                              : "I:";
        out.append(QLatin1String(sev) + f.code);
    }
    return out;
}

} // namespace

class tst_HandshakeCheck : public QObject
{
    Q_OBJECT

private slots:
    void expectedAcceptMatchesRfcSample();
    void check_data();
    void check();
    void findingTexts();
    void reportCarriesNegotiation();
    void headsOverload();
    void weChatReferer_data();
    void weChatReferer();
};

void tst_HandshakeCheck::expectedAcceptMatchesRfcSample()
{
    QCOMPARE(WsHandshakeCheck::expectedAccept(SampleKey), QByteArray(SampleAccept));
}

void tst_HandshakeCheck::check_data()
{
    QTest::addColumn<QByteArray>("request");  // changes to BaseRequest
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("response"); // changes to BaseResponse
    QTest::addColumn<QStringList>("findings");

    const auto row = [](const char *name, const char *request, int status, const char *response,
                        std::initializer_list<const char *> findings) {
        QStringList codes;
        for (const char *f : findings)
            codes.append(QLatin1String(f));
        QTest::newRow(name) << QByteArray(request) << status << QByteArray(response) << codes;
    };

    row("rfc 6455 sample handshake", "", 101, "", {});
    row("not an upgrade: nothing to check", "-Upgrade", 101, "-Sec-WebSocket-Accept", {});

    // Accept (RFC 6455 4.2.2 5.4, 4.1 check 4).
    row("wrong accept", "", 101, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOx=", {"E:accept-mismatch"});
    row("accept of another key", "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==", 101, "", {"E:accept-mismatch"});
    row("missing accept", "", 101, "-Sec-WebSocket-Accept", {"E:accept-mismatch"});
    row("accept sent twice", "", 101, QByteArray("+Sec-WebSocket-Accept: ").append(SampleAccept).constData(),
        {"E:accept-mismatch"});
    row("accept with surrounding space", "", 101, "Sec-WebSocket-Accept:   s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  ", {});

    // The key's shape (RFC 6455 4.1 point 7).
    row("key missing", "-Sec-WebSocket-Key", 101, "", {"E:key-missing"});
    row("key too short", "Sec-WebSocket-Key: c2hvcnQ=", 101,
        "Sec-WebSocket-Accept: placeholder", {"E:key-malformed", "E:accept-mismatch"});
    row("key not base64", "Sec-WebSocket-Key: not*base64*at*all*here!", 101, "", {"E:key-malformed", "E:accept-mismatch"});
    row("key sent twice", "+Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==", 101, "", {"E:key-malformed"});

    // Version (RFC 6455 4.1 point 9, 4.4).
    row("version missing", "-Sec-WebSocket-Version", 101, "", {"E:version-missing"});
    row("version 8", "Sec-WebSocket-Version: 8", 101, "", {"E:version-not-13"});
    row("426 with versions", "Sec-WebSocket-Version: 25", 426, "-Upgrade\n-Connection\n-Sec-WebSocket-Accept\n"
        "Sec-WebSocket-Version: 13, 8", {"E:version-not-13", "E:version-refused"});
    row("426 without versions", "", 426, "-Upgrade\n-Sec-WebSocket-Accept", {"E:version-refused"});
    row("refused with 403", "", 403, "-Upgrade\n-Connection\n-Sec-WebSocket-Accept", {"W:not-switched"});

    // Upgrade and Connection in the response (RFC 6455 4.1 checks 2-3).
    row("response without Upgrade", "", 101, "-Upgrade", {"E:upgrade-token"});
    row("response upgrades to something else", "", 101, "Upgrade: h2c", {"E:upgrade-token"});
    row("response Upgrade is case-insensitive", "", 101, "Upgrade: WebSocket", {});
    row("response without Connection", "", 101, "-Connection", {"E:connection-token"});
    row("response Connection keep-alive only", "", 101, "Connection: keep-alive", {"E:connection-token"});
    row("response Connection list", "", 101, "Connection: keep-alive, upgrade", {});

    // Subprotocols (RFC 6455 4.1 check 6, 4.2.2 5.5).
    row("subprotocol echoed", "Sec-WebSocket-Protocol: chat, superchat", 101, "Sec-WebSocket-Protocol: superchat",
        {"I:subprotocol-selected"});
    row("subprotocol offered in two fields", "Sec-WebSocket-Protocol: chat\n+Sec-WebSocket-Protocol: mqtt", 101,
        "Sec-WebSocket-Protocol: mqtt", {"I:subprotocol-selected"});
    row("subprotocol not echoed", "Sec-WebSocket-Protocol: chat", 101, "", {"W:subprotocol-not-echoed"});
    row("subprotocol selected but none offered", "", 101, "Sec-WebSocket-Protocol: chat", {"E:subprotocol-not-offered"});
    row("subprotocol selected that was not offered", "Sec-WebSocket-Protocol: chat", 101,
        "Sec-WebSocket-Protocol: mqtt", {"E:subprotocol-not-offered"});
    row("subprotocol names are case-sensitive", "Sec-WebSocket-Protocol: chat", 101, "Sec-WebSocket-Protocol: Chat",
        {"E:subprotocol-not-offered"});
    row("several subprotocols selected", "Sec-WebSocket-Protocol: chat, mqtt", 101, "Sec-WebSocket-Protocol: chat, mqtt",
        {"E:subprotocol-multiple"});
    row("several subprotocol fields", "Sec-WebSocket-Protocol: chat, mqtt", 101,
        "Sec-WebSocket-Protocol: chat\n+Sec-WebSocket-Protocol: mqtt", {"E:subprotocol-multiple"});

    // Extensions (RFC 6455 4.1 check 5, RFC 7692).
    row("deflate negotiated", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", 101,
        "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        {"I:deflate-negotiated"});
    row("deflate declined", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", 101, "",
        {"I:deflate-declined"});
    row("deflate not offered", "", 101, "Sec-WebSocket-Extensions: permessage-deflate", {"E:deflate-invalid"});
    row("deflate bad window bits", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", 101,
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=7", {"E:deflate-invalid"});
    row("deflate parameter the client did not allow", "Sec-WebSocket-Extensions: permessage-deflate", 101,
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10", {"E:deflate-invalid"});
    row("malformed deflate offer", "Sec-WebSocket-Extensions: permessage-deflate; bogus=1", 101, "",
        {"W:extension-offer-malformed", "I:deflate-declined"});
    row("unoffered extension", "", 101, "Sec-WebSocket-Extensions: x-webkit-deflate-frame",
        {"E:extension-not-offered"});
    row("offered other extension", "Sec-WebSocket-Extensions: x-webkit-deflate-frame", 101,
        "Sec-WebSocket-Extensions: x-webkit-deflate-frame", {});
    row("unparsable response extensions", "Sec-WebSocket-Extensions: permessage-deflate", 101,
        "Sec-WebSocket-Extensions: permessage-deflate; =", {"E:extensions-malformed"});

    // WeChat mini-programs: recognised, and named in the missing-echo warning.
    row("wechat client, echo missing",
        "Referer: https://servicewechat.com/wx1234567890abcdef/0/page-frame.html\nSec-WebSocket-Protocol: graphql-ws",
        101, "", {"I:client-wechat-miniprogram", "W:subprotocol-not-echoed"});
    row("wechat client, echoed",
        "Referer: https://servicewechat.com/wx1234567890abcdef/12/page-frame.html\nSec-WebSocket-Protocol: graphql-ws",
        101, "Sec-WebSocket-Protocol: graphql-ws", {"I:client-wechat-miniprogram", "I:subprotocol-selected"});

    row("everything wrong at once", "Sec-WebSocket-Protocol: chat", 101,
        "-Upgrade\n-Connection\nSec-WebSocket-Accept: x\nSec-WebSocket-Protocol: a, b",
        {"E:upgrade-token", "E:connection-token", "E:accept-mismatch", "E:subprotocol-multiple"});
}

void tst_HandshakeCheck::check()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, response);
    QFETCH(QStringList, findings);

    const WsHandshakeReport report =
        WsHandshakeCheck::check(headers(BaseRequest, request), status, headers(BaseResponse, response));
    QCOMPARE(summary(report), findings);
    QCOMPARE(report.hasErrors(), findings.join(u' ').contains(QLatin1String("E:")));
    for (const WsHandshakeFinding &f : report.findings) {
        QVERIFY(!f.text.isEmpty());
        QVERIFY2(!f.text.contains(u'\n'), qPrintable(f.text));
    }
}

void tst_HandshakeCheck::findingTexts()
{
    // The lines users read name what was expected.
    WsHandshakeReport r = WsHandshakeCheck::check(headers(BaseRequest, ""), 101,
                                                  headers(BaseResponse, "Sec-WebSocket-Accept: wrong="));
    QVERIFY(r.find(u"accept-mismatch"));
    QVERIFY2(r.find(u"accept-mismatch")->text.contains(QLatin1String(SampleAccept)), qPrintable(r.findings.first().text));

    r = WsHandshakeCheck::check(headers(BaseRequest, "Sec-WebSocket-Protocol: chat, superchat"), 101,
                                headers(BaseResponse, ""));
    const WsHandshakeFinding *echo = r.find(u"subprotocol-not-echoed");
    QVERIFY(echo);
    QCOMPARE(echo->severity, WsHandshakeFinding::Severity::Warning);
    QVERIFY2(echo->text.contains(QLatin1String("\"chat\", \"superchat\"")), qPrintable(echo->text));
    QVERIFY2(echo->text.contains(QLatin1String("WeChat")), qPrintable(echo->text));

    r = WsHandshakeCheck::check(headers(BaseRequest, "Sec-WebSocket-Version: 7"), 426,
                                headers(BaseResponse, "Sec-WebSocket-Version: 13\n+Sec-WebSocket-Version: 8"));
    const WsHandshakeFinding *refused = r.find(u"version-refused");
    QVERIFY(refused);
    QVERIFY2(refused->text.contains(QLatin1String("\"13\", \"8\"")), qPrintable(refused->text));
    QVERIFY(!r.switched);
}

void tst_HandshakeCheck::reportCarriesNegotiation()
{
    const WsHandshakeReport r = WsHandshakeCheck::check(
        headers(BaseRequest, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\n"
                             "Sec-WebSocket-Protocol: chat"),
        101,
        headers(BaseResponse, "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                              "client_max_window_bits=10\nSec-WebSocket-Protocol: chat"));
    QVERIFY(r.switched);
    QVERIFY(!r.hasErrors());
    QCOMPARE(r.subprotocol, QByteArray("chat"));
    QVERIFY(r.deflate.isAccepted());
    QCOMPARE(r.deflate.params.client, (WsDeflateDirectionParams{10, false}));
    QCOMPARE(r.deflate.params.server, (WsDeflateDirectionParams{15, true}));
}

void tst_HandshakeCheck::headsOverload()
{
    HttpRequestHead request;
    request.method = "GET";
    request.target = "/chat";
    request.headers = headers(BaseRequest, "");
    HttpResponseHead response;
    response.status = 101;
    response.headers = headers(BaseResponse, "Sec-WebSocket-Accept: nope");
    QCOMPARE(summary(WsHandshakeCheck::check(request, response)), QStringList{QStringLiteral("E:accept-mismatch")});
}

void tst_HandshakeCheck::weChatReferer_data()
{
    QTest::addColumn<QByteArray>("referer");
    QTest::addColumn<bool>("recognised");
    QTest::addColumn<QString>("appId");
    QTest::addColumn<QString>("version");
    QTest::addColumn<WeChatMiniProgram::Build>("build");

    using B = WeChatMiniProgram::Build;
    QTest::newRow("release") << QByteArray("https://servicewechat.com/wx1234567890abcdef/23/page-frame.html") << true
                             << QStringLiteral("wx1234567890abcdef") << QStringLiteral("23") << B::Release;
    QTest::newRow("development or trial") << QByteArray("https://servicewechat.com/wxabcdef0123456789/0/page-frame.html")
                                          << true << QStringLiteral("wxabcdef0123456789") << QStringLiteral("0")
                                          << B::Development;
    QTest::newRow("developer tools") << QByteArray("https://servicewechat.com/wx1234567890abcdef/devtools/page-frame.html")
                                     << true << QStringLiteral("wx1234567890abcdef") << QStringLiteral("devtools")
                                     << B::DevTools;
    QTest::newRow("host case-insensitive") << QByteArray("https://ServiceWechat.com/wx1/5/page-frame.html") << true
                                           << QStringLiteral("wx1") << QStringLiteral("5") << B::Release;
    QTest::newRow("other site") << QByteArray("https://example.com/wx1234567890abcdef/1/page-frame.html") << false
                                << QString() << QString() << B::Release;
    QTest::newRow("plain http") << QByteArray("http://servicewechat.com/wx1234567890abcdef/1/page-frame.html") << false
                                << QString() << QString() << B::Release;
    QTest::newRow("other page") << QByteArray("https://servicewechat.com/wx1234567890abcdef/1/index.html") << false
                                << QString() << QString() << B::Release;
    QTest::newRow("missing version") << QByteArray("https://servicewechat.com/wx1234567890abcdef/page-frame.html")
                                     << false << QString() << QString() << B::Release;
    QTest::newRow("extra segment") << QByteArray("https://servicewechat.com/wx1/2/3/page-frame.html") << false
                                   << QString() << QString() << B::Release;
    QTest::newRow("version with leading zero") << QByteArray("https://servicewechat.com/wx1/01/page-frame.html")
                                               << false << QString() << QString() << B::Release;
    QTest::newRow("version not a number") << QByteArray("https://servicewechat.com/wx1/beta/page-frame.html") << false
                                          << QString() << QString() << B::Release;
    QTest::newRow("appid with a dot") << QByteArray("https://servicewechat.com/wx.1/1/page-frame.html") << false
                                      << QString() << QString() << B::Release;
    QTest::newRow("empty") << QByteArray() << false << QString() << QString() << B::Release;
}

void tst_HandshakeCheck::weChatReferer()
{
    QFETCH(QByteArray, referer);
    QFETCH(bool, recognised);
    QFETCH(QString, appId);
    QFETCH(QString, version);
    QFETCH(WeChatMiniProgram::Build, build);

    HttpHeaders h;
    if (!referer.isEmpty())
        h.append("Referer", referer);
    const auto mp = WsHandshakeCheck::weChatMiniProgram(h);
    QCOMPARE(mp.has_value(), recognised);
    if (!mp)
        return;
    QCOMPARE(mp->appId, appId);
    QCOMPARE(mp->version, version);
    QCOMPARE(mp->build, build);
}

QTEST_GUILESS_MAIN(tst_HandshakeCheck)
#include "tst_handshakecheck.moc"
