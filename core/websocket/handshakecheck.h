#pragma once

#include "websocket/permessagedeflate.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <optional>

class HttpHeaders;
struct HttpRequestHead;
struct HttpResponseHead;

// One thing the handshake check noticed, with the line a user reads.
struct WsHandshakeFinding
{
    enum class Severity : quint8 { Info, Warning, Error };

    Severity severity = Severity::Info;
    QString code; // stable id for filters and tests: "accept-mismatch", "subprotocol-not-echoed", ...
    QString text; // one line, translated

    friend bool operator==(const WsHandshakeFinding &, const WsHandshakeFinding &) = default;
};

struct WsHandshakeReport
{
    QList<WsHandshakeFinding> findings;
    WsDeflateNegotiation deflate; // what permessage-deflate came to (for the inflaters)
    QByteArray subprotocol;       // the one the server selected, empty for none
    bool switched = false;        // the server answered 101

    bool hasErrors() const;
    const WsHandshakeFinding *find(QStringView code) const;
};

// A WeChat mini-program's WebView announces itself in the Referer:
// https://servicewechat.com/{appid}/{version}/page-frame.html
struct WeChatMiniProgram
{
    enum class Build : quint8 {
        DevTools,    // version "devtools": the WeChat developer tools' simulator
        Development, // version "0": a development or trial build on a phone
        Release,     // a positive version number: the published mini-program
    };

    QString appId;   // "wx1234567890abcdef"
    QString version; // as written
    Build build = Build::Release;
};

class WsHandshakeCheck final
{
    Q_DECLARE_TR_FUNCTIONS(WsHandshakeCheck)

public:
    WsHandshakeCheck() = delete;

    // RFC 6455 4.2.2 point 5.4: base64(SHA-1(key + the GUID)).
    static QByteArray expectedAccept(QByteArrayView key);

    // Checks the upgrade request (as sent upstream) against the upstream's
    // response. Findings come in a fixed order: request, status, response
    // tokens, accept, subprotocol, extensions. A request that is not a
    // WebSocket upgrade gives an empty report.
    static WsHandshakeReport check(const HttpRequestHead &request, const HttpResponseHead &response);
    static WsHandshakeReport check(const HttpHeaders &request, int status, const HttpHeaders &response);

    // Recognises a WeChat mini-program client from its request headers.
    static std::optional<WeChatMiniProgram> weChatMiniProgram(const HttpHeaders &request);
    static std::optional<WeChatMiniProgram> weChatMiniProgramFromReferer(QByteArrayView referer);

private:
    // The request's key and version, read once for the checks that follow.
    struct RequestKeys
    {
        QByteArray key;
        qsizetype keyCount = 0;
        QByteArray version;
    };
    // check()'s parts, in the order their findings appear.
    static RequestKeys checkRequest(const HttpHeaders &request, WsHandshakeReport &report);
    static bool checkStatus(int status, const RequestKeys &keys, const HttpHeaders &response, WsHandshakeReport &report);
    static void checkResponse(const RequestKeys &keys, const HttpHeaders &response, WsHandshakeReport &report);
    static void checkSubprotocol(const HttpHeaders &request, const HttpHeaders &response, bool weChat,
                                 WsHandshakeReport &report);
    static void checkExtensions(const HttpHeaders &request, const HttpHeaders &response, WsHandshakeReport &report);
};
