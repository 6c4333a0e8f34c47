#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>

#include <utility>

// The PROXY protocol header a load balancer (HAProxy, an AWS NLB...) puts in
// front of a connection (haproxy.org's proxy-protocol.txt; nginx's
// ngx_proxy_protocol_read): version 1, one text line
// "PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n" of at most 107 bytes, or
// version 2, a 16-byte binary head (signature, version and command, family,
// length) followed by the addresses and TLVs.
struct ProxyProtocolHeader
{
    // false: "UNKNOWN", a v2 LOCAL command or a family without addresses
    // (unix, unspecified): the connection's own addresses stand.
    bool hasAddresses = false;
    QHostAddress source;
    quint16 sourcePort = 0;
    QHostAddress destination;
    quint16 destinationPort = 0;
    QList<std::pair<quint8, QByteArray>> tlvs; // v2 only: type and value, in order
};

namespace ProxyProtocol {

enum class Result { NeedMore, Done, Invalid };

// Nothing longer is read (nginx's NGX_PROXY_PROTOCOL_MAX_HEADER).
constexpr qsizetype MaxHeader = 4096;

// Parses the header at the start of `data`. Done: *out filled and *length
// the header's bytes (what follows is the client's); NeedMore: a prefix of a
// valid header; Invalid: anything else (*why says what).
Result parse(QByteArrayView data, ProxyProtocolHeader *out, qsizetype *length, QByteArray *why);

} // namespace ProxyProtocol
