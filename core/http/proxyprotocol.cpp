#include "proxyprotocol.h"

#include <QtEndian>

#include <cstring>

namespace ProxyProtocol {
namespace {

constexpr char Signature[] = "\r\n\r\n\0\r\nQUIT\n"; // 12 bytes
constexpr qsizetype SignatureSize = 12;
constexpr qsizetype V1MaxHeader = 107;

// `data` is a (possibly partial) prefix of `whole`.
bool isPrefixOf(QByteArrayView data, QByteArrayView whole)
{
    const qsizetype n = qMin(data.size(), whole.size());
    return data.first(n) == whole.first(n);
}

bool parsePort(QByteArrayView text, quint16 *port)
{
    if (text.isEmpty() || text.size() > 5)
        return false;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    if (value > 65535)
        return false;
    *port = quint16(value);
    return true;
}

Result invalid(QByteArray *why, const char *text)
{
    if (why)
        *why = text;
    return Result::Invalid;
}

Result parseV1(QByteArrayView data, ProxyProtocolHeader *out, qsizetype *length, QByteArray *why)
{
    const qsizetype lf = data.first(qMin(data.size(), V1MaxHeader)).indexOf('\n');
    if (lf < 0)
        return data.size() >= V1MaxHeader ? invalid(why, "a version 1 header longer than 107 bytes") : Result::NeedMore;
    if (lf < 1 || data[lf - 1] != '\r')
        return invalid(why, "a version 1 header not ended by CRLF");
    const QByteArrayView line = data.first(lf - 1);
    *length = lf + 1;
    const QList<QByteArrayView> words = [&line] {
        QList<QByteArrayView> w;
        qsizetype start = 0;
        for (qsizetype i = 0; i <= line.size(); ++i) {
            if (i == line.size() || line[i] == ' ') {
                w.append(line.sliced(start, i - start));
                start = i + 1;
            }
        }
        return w;
    }();
    // "PROXY UNKNOWN" may carry anything up to the CRLF.
    if (words.size() >= 2 && words.at(1) == "UNKNOWN") {
        *out = {};
        return Result::Done;
    }
    if (words.size() != 6 || (words.at(1) != "TCP4" && words.at(1) != "TCP6"))
        return invalid(why, "a version 1 header that is not PROXY TCP4|TCP6 src dst sport dport");
    // nginx 1.22 takes either family's address after TCP4 or TCP6.
    ProxyProtocolHeader h;
    h.hasAddresses = true;
    if (!h.source.setAddress(QString::fromLatin1(words.at(2))) || !h.destination.setAddress(QString::fromLatin1(words.at(3))))
        return invalid(why, "a version 1 header with an invalid address");
    if (!parsePort(words.at(4), &h.sourcePort) || !parsePort(words.at(5), &h.destinationPort))
        return invalid(why, "a version 1 header with an invalid port");
    *out = std::move(h);
    return Result::Done;
}

quint16 be16(const char *p)
{
    return quint16((uchar(p[0]) << 8) | uchar(p[1]));
}

Result parseV2(QByteArrayView data, ProxyProtocolHeader *out, qsizetype *length, QByteArray *why)
{
    if (data.size() < 16)
        return Result::NeedMore;
    const uchar versionCommand = uchar(data[12]);
    if ((versionCommand >> 4) != 2)
        return invalid(why, "a version 2 signature with another version");
    const int command = versionCommand & 0x0f;
    if (command > 1)
        return invalid(why, "a version 2 header with an unknown command");
    const qsizetype payload = be16(data.data() + 14);
    if (16 + payload > MaxHeader)
        return invalid(why, "a version 2 header larger than 4096 bytes");
    if (data.size() < 16 + payload)
        return Result::NeedMore;
    *length = 16 + payload;
    ProxyProtocolHeader h;
    const uchar family = uchar(data[13]) >> 4;
    const char *p = data.data() + 16;
    qsizetype addresses = 0;
    if (command == 1 && (family == 1 || family == 2)) {
        addresses = family == 1 ? 12 : 36;
        if (payload < addresses)
            return invalid(why, "a version 2 header too short for its addresses");
        if (family == 1) {
            quint32 src, dst;
            std::memcpy(&src, p, 4);
            std::memcpy(&dst, p + 4, 4);
            h.source.setAddress(qFromBigEndian(src));
            h.destination.setAddress(qFromBigEndian(dst));
            h.sourcePort = be16(p + 8);
            h.destinationPort = be16(p + 10);
        } else {
            h.source.setAddress(reinterpret_cast<const quint8 *>(p));
            h.destination.setAddress(reinterpret_cast<const quint8 *>(p + 16));
            h.sourcePort = be16(p + 32);
            h.destinationPort = be16(p + 34);
        }
        h.hasAddresses = true;
    }
    // LOCAL (a health check) or another family: no addresses (nginx too).
    if (command == 1) {
        qsizetype at = (family == 1 || family == 2) ? addresses : payload; // TLVs follow known addresses only
        while (at < payload) {
            if (payload - at < 3)
                return invalid(why, "a version 2 header with a truncated TLV");
            const quint8 type = uchar(p[at]);
            const qsizetype len = be16(p + at + 1);
            if (payload - at - 3 < len)
                return invalid(why, "a version 2 header with a truncated TLV");
            h.tlvs.append({type, QByteArray(p + at + 3, len)});
            at += 3 + len;
        }
    }
    *out = std::move(h);
    return Result::Done;
}

} // namespace

Result parse(QByteArrayView data, ProxyProtocolHeader *out, qsizetype *length, QByteArray *why)
{
    if (data.isEmpty())
        return Result::NeedMore;
    if (isPrefixOf(data, QByteArrayView(Signature, SignatureSize)))
        return data.size() < SignatureSize ? Result::NeedMore : parseV2(data, out, length, why);
    if (isPrefixOf(data, "PROXY "))
        return data.size() < 6 ? Result::NeedMore : parseV1(data, out, length, why);
    return invalid(why, "no PROXY protocol header");
}

} // namespace ProxyProtocol
