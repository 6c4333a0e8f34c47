#include "realip.h"

#include "http/proxyprotocol.h"

#include "config/proxyconfig.h"
#include "http/variables.h"

namespace RealIp {

namespace {

// How a walk over the header's addresses ended: none taken, all the way
// (or the one, not recursive), or stopped at an untrusted or unparsable one
// after taking some (nginx's NGX_DECLINED, NGX_OK, NGX_DONE).
enum class Walk : quint8 { Declined, Found, Stopped };

bool separator(char c)
{
    return c == ' ' || c == ',';
}

// ngx_parse_addr: a dotted-quad IPv4 address or an IPv6 one, nothing else.
bool parseAddress(QByteArrayView text, QHostAddress *out)
{
    if (text.isEmpty() || text.contains('%'))
        return false;
    if (!text.contains(':')) {
        int parts = 1;
        for (const char c : text) {
            if (c == '.')
                ++parts;
            else if (c < '0' || c > '9')
                return false;
        }
        if (parts != 4)
            return false;
    }
    QHostAddress a;
    if (!a.setAddress(QString::fromLatin1(text)))
        return false;
    *out = a;
    return true;
}

// ngx_parse_addr_port: ADDRESS, IPv4:PORT or [IPv6]:PORT (port 1..65535).
bool parseAddressPort(QByteArrayView text, QHostAddress *address, quint16 *port)
{
    if (parseAddress(text, address)) {
        *port = 0;
        return true;
    }
    qsizetype colon;
    QByteArrayView host;
    if (text.startsWith('[')) {
        const qsizetype close = text.indexOf(']');
        if (close < 0 || close + 1 >= text.size() || text.at(close + 1) != ':')
            return false;
        host = text.sliced(1, close - 1);
        colon = close + 1;
    } else {
        colon = text.indexOf(':');
        if (colon < 0)
            return false;
        host = text.first(colon);
    }
    const QByteArrayView digits = text.sliced(colon + 1);
    if (digits.isEmpty() || digits.size() > 5)
        return false;
    int value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535 || !parseAddress(host, address))
        return false;
    *port = quint16(value);
    return true;
}

// One field value: the rightmost address replaces the current one while
// the current one is trusted (all of them, right to left, when recursive).
Walk walk(QByteArrayView value, const QList<AccessRule> &trusted, bool recursive, QHostAddress *address,
          quint16 *port, bool unixClient)
{
    bool found = false;
    qsizetype len = value.size();
    qsizetype p = 0;
    do {
        // A unix: client has no address; the ones the header gives do.
        if (!AccessRules::matches(trusted, *address, unixClient && address->isNull()))
            return found ? Walk::Stopped : Walk::Declined;
        for (p = len - 1; p > 0 && separator(value.at(p)); --p)
            --len;
        for (; p > 0; --p) {
            if (separator(value.at(p))) {
                ++p;
                break;
            }
        }
        QHostAddress next;
        quint16 nextPort = 0;
        if (len <= p || !parseAddressPort(value.sliced(p, len - p), &next, &nextPort))
            return found ? Walk::Stopped : Walk::Declined;
        *address = next;
        *port = nextPort;
        found = true;
        len = p - 1;
    } while (recursive && p > 0);
    return Walk::Found;
}

// ngx_http_get_forwarded_addr: X-Forwarded-For lines from the last one up.
Walk walkLines(const QList<QByteArray> &lines, const QList<AccessRule> &trusted, bool recursive,
               QHostAddress *address, quint16 *port, bool unixClient)
{
    Walk w = Walk::Declined;
    bool found = false;
    for (qsizetype i = lines.size() - 1; i >= 0; --i) {
        w = walk(lines.at(i), trusted, recursive, address, port, unixClient);
        if (!recursive)
            break;
        if (w == Walk::Declined && found)
            return Walk::Stopped;
        if (w != Walk::Found)
            break;
        found = true;
    }
    return w;
}

} // namespace

bool apply(const LocationSettings &settings, RequestContext &context)
{
    using Source = LocationSettings::RealIpSource;
    if (settings.realIpFrom.isEmpty() || context.realIpSet || !context.request)
        return false;
    const HttpHeaders &headers = context.request->headers;
    QList<QByteArray> lines;
    if (settings.realIpSource == Source::ProxyProtocol) {
        // ngx_http_realip_handler: the header's source address and port.
        if (!context.proxyProtocol || !context.proxyProtocol->hasAddresses)
            return false;
        lines.append(context.proxyProtocol->source.toString().toLatin1());
    } else if (settings.realIpSource == Source::XForwardedFor) {
        for (const HttpHeader &h : headers) {
            if (headerNameEquals(h.name, "X-Forwarded-For"))
                lines.append(h.value);
        }
    } else {
        const QByteArray v = headers.value(settings.realIpSource == Source::XRealIp ? QByteArrayView("X-Real-IP")
                                                                                     : QByteArrayView(settings.realIpHeader));
        if (!v.isNull())
            lines.append(v);
    }
    if (lines.isEmpty())
        return false;
    QHostAddress address = context.remoteAddress;
    quint16 port = context.remotePort;
    if (walkLines(lines, settings.realIpFrom, settings.realIpRecursive, &address, &port, context.unixClient)
        == Walk::Declined)
        return false;
    context.realIpSet = true;
    context.unixClient = false;
    context.peerAddressText = context.remoteAddressOrText();
    context.peerPort = context.remotePort;
    context.remoteAddress = address;
    context.remoteAddressText = address.toString().toLatin1();
    context.remotePort = settings.realIpSource == Source::ProxyProtocol ? context.proxyProtocol->sourcePort : port;
    return true;
}

} // namespace RealIp
