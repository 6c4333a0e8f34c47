#include "websocket/handshakecheck.h"

#include "http/httpheaders.h"

#include <QCryptographicHash>
#include <QStringList>

#include <algorithm>

namespace {

using Severity = WsHandshakeFinding::Severity;

// RFC 6455 1.3 and 4.2.2.
constexpr QByteArrayView AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

QString latin1(QByteArrayView v)
{
    return QString::fromLatin1(v);
}

// "a", "b" for a message.
QString quotedList(const QList<QByteArray> &items)
{
    QStringList quoted;
    for (const QByteArray &item : items)
        quoted.append(u'"' + latin1(item) + u'"');
    return quoted.join(QLatin1String(", "));
}

// Every element of every field of that name, in order.
QList<QByteArray> listElements(const HttpHeaders &headers, QByteArrayView name)
{
    QList<QByteArray> out;
    for (const HttpHeader &h : headers) {
        if (!headerNameEquals(h.name, name))
            continue;
        for (QByteArrayView part : splitHeaderList(h.value))
            out.append(part.toByteArray());
    }
    return out;
}

bool isDigits(QByteArrayView v)
{
    if (v.isEmpty())
        return false;
    for (char c : v) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

QString buildName(WeChatMiniProgram::Build build)
{
    switch (build) {
    case WeChatMiniProgram::Build::DevTools:
        return QCoreApplication::translate("WsHandshakeCheck", "developer tools");
    case WeChatMiniProgram::Build::Development:
        return QCoreApplication::translate("WsHandshakeCheck", "development or trial build");
    case WeChatMiniProgram::Build::Release:
        break;
    }
    return QCoreApplication::translate("WsHandshakeCheck", "release build");
}

void add(WsHandshakeReport &report, Severity severity, const char *code, const QString &text)
{
    report.findings.append(WsHandshakeFinding{severity, QString::fromLatin1(code), text});
}

} // namespace

bool WsHandshakeReport::hasErrors() const
{
    return std::any_of(findings.cbegin(), findings.cend(),
                       [](const WsHandshakeFinding &f) { return f.severity == Severity::Error; });
}

const WsHandshakeFinding *WsHandshakeReport::find(QStringView code) const
{
    for (const WsHandshakeFinding &f : findings) {
        if (f.code == code)
            return &f;
    }
    return nullptr;
}

QByteArray WsHandshakeCheck::expectedAccept(QByteArrayView key)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(key);
    sha1.addData(AcceptGuid);
    return sha1.result().toBase64();
}

WsHandshakeReport WsHandshakeCheck::check(const HttpRequestHead &request, const HttpResponseHead &response)
{
    return check(request.headers, response.status, response.headers);
}

WsHandshakeReport WsHandshakeCheck::check(const HttpHeaders &request, int status, const HttpHeaders &response)
{
    WsHandshakeReport report;
    if (!request.hasToken("Upgrade", "websocket"))
        return report;
    const auto weChat = weChatMiniProgram(request);
    if (weChat) {
        add(report, Severity::Info, "client-wechat-miniprogram",
            tr("Client is a WeChat mini-program (appid %1, %2)").arg(weChat->appId, buildName(weChat->build)));
    }
    const RequestKeys keys = checkRequest(request, report);
    if (!checkStatus(status, keys, response, report))
        return report;
    report.switched = true;
    checkResponse(keys, response, report);
    checkSubprotocol(request, response, weChat.has_value(), report);
    checkExtensions(request, response, report);
    return report;
}

// The request (RFC 6455 4.1).
WsHandshakeCheck::RequestKeys WsHandshakeCheck::checkRequest(const HttpHeaders &request, WsHandshakeReport &report)
{
    RequestKeys keys;
    keys.key = trimmed(request.value("Sec-WebSocket-Key")).toByteArray();
    keys.keyCount = request.count("Sec-WebSocket-Key");
    keys.version = trimmed(request.value("Sec-WebSocket-Version")).toByteArray();
    const QByteArray &key = keys.key;
    const qsizetype keyCount = keys.keyCount;
    const QByteArray &version = keys.version;
    if (keyCount == 0) {
        add(report, Severity::Error, "key-missing", tr("The request has no Sec-WebSocket-Key"));
    } else if (keyCount > 1) {
        add(report, Severity::Error, "key-malformed", tr("The request sends Sec-WebSocket-Key %1 times").arg(keyCount));
    } else {
        // "a randomly selected 16-byte value that has been base64-encoded":
        // 22 characters and "==", canonical padding bits.
        const auto decoded = QByteArray::fromBase64Encoding(key, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || decoded.decoded.size() != 16 || decoded.decoded.toBase64() != key) {
            add(report, Severity::Error, "key-malformed",
                tr("Sec-WebSocket-Key \"%1\" is not 16 bytes in base64; strict servers refuse it")
                    .arg(latin1(key)));
        }
    }

    if (version.isNull()) {
        add(report, Severity::Error, "version-missing", tr("The request has no Sec-WebSocket-Version (must be 13)"));
    } else if (version != "13") {
        add(report, Severity::Error, "version-not-13",
            tr("The request asks for WebSocket version \"%1\"; only 13 is standard").arg(latin1(version)));
    }

    return keys;
}

// The status: false when the upstream did not switch (no response checks then).
bool WsHandshakeCheck::checkStatus(int status, const RequestKeys &keys, const HttpHeaders &response,
                                   WsHandshakeReport &report)
{
    const QByteArray &version = keys.version;
    if (status == 426) {
        // RFC 6455 4.4: the server lists the versions it can speak.
        const QList<QByteArray> supported = listElements(response, "Sec-WebSocket-Version");
        add(report, Severity::Error, "version-refused",
            supported.isEmpty()
                ? tr("The upstream answered 426 Upgrade Required without listing the WebSocket versions it supports")
                : tr("The upstream answered 426 Upgrade Required: it speaks WebSocket %1, the client asked for %2")
                      .arg(quotedList(supported), version.isNull() ? tr("none") : latin1(version)));
        return false;
    }
    if (status != 101) {
        add(report, Severity::Warning, "not-switched",
            tr("The upstream answered %1 instead of 101 Switching Protocols; the client gets no WebSocket")
                .arg(status));
        return false;
    }
    return true;
}

// The 101 response (RFC 6455 4.1, the client's checks 1-6).
void WsHandshakeCheck::checkResponse(const RequestKeys &keys, const HttpHeaders &response, WsHandshakeReport &report)
{
    const QByteArray upgrade = response.value("Upgrade");
    if (upgrade.isNull()) {
        add(report, Severity::Error, "upgrade-token", tr("The 101 response has no Upgrade header; clients fail the connection"));
    } else if (!headerNameEquals(trimmed(upgrade), "websocket")) {
        add(report, Severity::Error, "upgrade-token",
            tr("The 101 response says Upgrade: %1, not websocket; clients fail the connection").arg(latin1(upgrade)));
    }
    if (!response.hasToken("Connection", "upgrade")) {
        add(report, Severity::Error, "connection-token",
            tr("The 101 response's Connection header lacks \"Upgrade\"; clients fail the connection"));
    }

    if (keys.keyCount == 1) {
        const qsizetype acceptCount = response.count("Sec-WebSocket-Accept");
        const QByteArray expected = expectedAccept(keys.key);
        const QByteArray accept = trimmed(response.value("Sec-WebSocket-Accept")).toByteArray();
        if (acceptCount == 0) {
            add(report, Severity::Error, "accept-mismatch",
                tr("The 101 response has no Sec-WebSocket-Accept (expected %1); clients fail the connection")
                    .arg(latin1(expected)));
        } else if (acceptCount > 1) {
            add(report, Severity::Error, "accept-mismatch",
                tr("The 101 response sends Sec-WebSocket-Accept %1 times; clients fail the connection")
                    .arg(acceptCount));
        } else if (accept != expected) {
            add(report, Severity::Error, "accept-mismatch",
                tr("Sec-WebSocket-Accept is %1 but the key gives %2; clients fail the connection")
                    .arg(latin1(accept), latin1(expected)));
        }
    }
}

// The subprotocol (RFC 6455 4.1 check 6, 4.2.2 point 5.5).
void WsHandshakeCheck::checkSubprotocol(const HttpHeaders &request, const HttpHeaders &response, bool weChat,
                                        WsHandshakeReport &report)
{
    const QList<QByteArray> offered = listElements(request, "Sec-WebSocket-Protocol");
    const QList<QByteArray> selected = listElements(response, "Sec-WebSocket-Protocol");
    if (selected.size() > 1) {
        add(report, Severity::Error, "subprotocol-multiple",
            tr("The upstream selected %1 subprotocols (%2); exactly one is allowed")
                .arg(selected.size()).arg(quotedList(selected)));
    } else if (selected.size() == 1) {
        report.subprotocol = selected.first();
        if (offered.isEmpty()) {
            add(report, Severity::Error, "subprotocol-not-offered",
                tr("The upstream selected subprotocol \"%1\" but the client offered none; clients fail the connection")
                    .arg(latin1(report.subprotocol)));
        } else if (!offered.contains(report.subprotocol)) {
            add(report, Severity::Error, "subprotocol-not-offered",
                tr("The upstream selected subprotocol \"%1\", which the client did not offer (%2)")
                    .arg(latin1(report.subprotocol), quotedList(offered)));
        } else {
            add(report, Severity::Info, "subprotocol-selected",
                tr("Subprotocol \"%1\" selected").arg(latin1(report.subprotocol)));
        }
    } else if (!offered.isEmpty()) {
        add(report, Severity::Warning, "subprotocol-not-echoed",
            weChat ? tr("The client offered subprotocol %1 and the upstream echoed none; WeChat mini-programs "
                        "like this client fail the connection unless one is echoed")
                         .arg(quotedList(offered))
                   : tr("The client offered subprotocol %1 and the upstream echoed none; WeChat mini-programs "
                        "and some browsers fail the connection unless one is echoed")
                         .arg(quotedList(offered)));
    }
}

// The extensions (RFC 6455 4.1 check 5, RFC 7692).
void WsHandshakeCheck::checkExtensions(const HttpHeaders &request, const HttpHeaders &response,
                                       WsHandshakeReport &report)
{
    const QByteArray requestExtensions = request.combinedValue("Sec-WebSocket-Extensions");
    const QByteArray responseExtensions = response.combinedValue("Sec-WebSocket-Extensions");
    QString error;
    const auto answered = WsPerMessageDeflate::parseExtensions(responseExtensions, &error);
    if (!answered) {
        add(report, Severity::Error, "extensions-malformed",
            tr("The response's Sec-WebSocket-Extensions cannot be parsed: %1").arg(error));
        return;
    }
    const auto asked = WsPerMessageDeflate::parseExtensions(requestExtensions);
    for (const WsExtension &ext : *answered) {
        if (headerNameEquals(ext.name, WsPerMessageDeflate::ExtensionName))
            continue; // judged by the negotiation below
        const bool wasOffered = asked && std::any_of(asked->cbegin(), asked->cend(), [&ext](const WsExtension &a) {
            return headerNameEquals(a.name, ext.name);
        });
        if (!wasOffered) {
            add(report, Severity::Error, "extension-not-offered",
                tr("The upstream enabled extension %1, which the client did not offer").arg(latin1(ext.name)));
        }
    }

    report.deflate = WsPerMessageDeflate::negotiate(requestExtensions, responseExtensions);
    for (const QString &problem : std::as_const(report.deflate.offerProblems))
        add(report, Severity::Warning, "extension-offer-malformed", tr("Unusable extension offer, a server must decline it: %1").arg(problem));
    switch (report.deflate.status) {
    case WsDeflateNegotiation::Status::NotOffered:
        break;
    case WsDeflateNegotiation::Status::Declined:
        add(report, Severity::Info, "deflate-declined",
            tr("The upstream declined permessage-deflate; messages are not compressed"));
        break;
    case WsDeflateNegotiation::Status::Invalid:
        add(report, Severity::Error, "deflate-invalid",
            tr("Invalid permessage-deflate response: %1").arg(report.deflate.error));
        break;
    case WsDeflateNegotiation::Status::Accepted: {
        const auto describe = [](const WsDeflateDirectionParams &p) {
            return p.noContextTakeover ? tr("%1-bit window, reset per message").arg(p.maxWindowBits)
                                       : tr("%1-bit window, context kept").arg(p.maxWindowBits);
        };
        add(report, Severity::Info, "deflate-negotiated",
            tr("permessage-deflate negotiated: client %1; server %2")
                .arg(describe(report.deflate.params.client), describe(report.deflate.params.server)));
        break;
    }
    }
}

std::optional<WeChatMiniProgram> WsHandshakeCheck::weChatMiniProgram(const HttpHeaders &request)
{
    const QByteArray referer = request.value("Referer");
    if (referer.isNull())
        return std::nullopt;
    return weChatMiniProgramFromReferer(trimmed(referer));
}

std::optional<WeChatMiniProgram> WsHandshakeCheck::weChatMiniProgramFromReferer(QByteArrayView referer)
{
    constexpr QByteArrayView prefix = "https://servicewechat.com/";
    constexpr QByteArrayView suffix = "/page-frame.html";
    if (referer.size() <= prefix.size() + suffix.size() || !headerNameEquals(referer.first(prefix.size()), prefix)
        || !referer.endsWith(suffix)) {
        return std::nullopt;
    }
    const QByteArrayView middle = referer.sliced(prefix.size(), referer.size() - prefix.size() - suffix.size());
    const qsizetype slash = middle.indexOf('/');
    if (slash <= 0 || middle.indexOf('/', slash + 1) >= 0)
        return std::nullopt;
    const QByteArrayView appId = middle.first(slash);
    const QByteArrayView version = middle.sliced(slash + 1);
    for (char c : appId) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return std::nullopt;
    }

    WeChatMiniProgram mp;
    mp.appId = latin1(appId);
    mp.version = latin1(version);
    if (version == "devtools")
        mp.build = WeChatMiniProgram::Build::DevTools;
    else if (version == "0")
        mp.build = WeChatMiniProgram::Build::Development;
    else if (isDigits(version) && version.front() != '0')
        mp.build = WeChatMiniProgram::Build::Release;
    else
        return std::nullopt;
    return mp;
}
