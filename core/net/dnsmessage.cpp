#include "dnsmessage.h"

namespace Dns {

namespace {

constexpr qsizetype HeaderSize = 12;
constexpr quint16 ClassIn = 1;

quint16 be16(QByteArrayView p, qsizetype at)
{
    return quint16((uchar(p.at(at)) << 8) | uchar(p.at(at + 1)));
}

quint32 be32(QByteArrayView p, qsizetype at)
{
    return (quint32(be16(p, at)) << 16) | be16(p, at + 2);
}

// Reads the (possibly compressed, RFC 1035 4.1.4) name at *at into *out,
// dotted, and moves *at past it. False on a malformed name; pointers are
// followed at most 64 times, so a loop ends.
bool readName(QByteArrayView p, qsizetype *at, QByteArray *out)
{
    out->clear();
    qsizetype pos = *at;
    bool jumped = false;
    for (int hops = 0; hops < 64;) {
        if (pos >= p.size())
            return false;
        const uchar len = uchar(p.at(pos));
        if (len == 0) {
            if (!jumped)
                *at = pos + 1;
            return true;
        }
        if ((len & 0xc0) == 0xc0) {
            if (pos + 1 >= p.size())
                return false;
            if (!jumped)
                *at = pos + 2;
            jumped = true;
            pos = be16(p, pos) & 0x3fff;
            ++hops;
            continue;
        }
        if ((len & 0xc0) != 0 || pos + 1 + len > p.size() || out->size() + len > 1024)
            return false;
        if (!out->isEmpty())
            *out += '.';
        out->append(p.sliced(pos + 1, len).data(), len);
        pos += 1 + len;
    }
    return false;
}

} // namespace

QString errorText(int code)
{
    switch (code) {
    case FormErr: return QStringLiteral("Format error");
    case ServFail: return QStringLiteral("Server failure");
    case NxDomain: return QStringLiteral("Host not found");
    case NotImp: return QStringLiteral("Unimplemented");
    case Refused: return QStringLiteral("Operation refused");
    case TimedOut: return QStringLiteral("Operation timed out");
    default: return QStringLiteral("Unknown error");
    }
}

QByteArray encodeQuery(quint16 id, QByteArrayView name, quint16 type)
{
    QByteArray q;
    q.reserve(HeaderSize + name.size() + 6);
    // id, flags RD (recursion desired), one question, no other records
    const char header[HeaderSize] = {char(id >> 8), char(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    q.append(header, HeaderSize);
    QByteArrayView rest = name;
    if (rest.endsWith('.'))
        rest.chop(1);
    if (rest.isEmpty())
        return QByteArray();
    while (!rest.isEmpty()) {
        const qsizetype dot = rest.indexOf('.');
        const QByteArrayView label = dot < 0 ? rest : rest.first(dot);
        if (label.isEmpty() || label.size() > 63)
            return QByteArray();
        q += char(label.size());
        q.append(label.data(), label.size());
        rest = dot < 0 ? QByteArrayView() : rest.sliced(dot + 1);
    }
    q += '\0';
    const char tail[4] = {char(type >> 8), char(type & 0xff), 0, char(ClassIn)};
    q.append(tail, 4);
    return q;
}

quint16 messageId(QByteArrayView packet)
{
    return packet.size() < HeaderSize ? 0 : be16(packet, 0);
}

Reply parseReply(QByteArrayView p, QByteArrayView name, quint16 type)
{
    Reply r;
    if (p.size() < HeaderSize) {
        r.invalidReason = QStringLiteral("short DNS response");
        return r;
    }
    const quint16 flags = be16(p, 2);
    // A response (QR) to a standard query (opcode 0), nginx's 0xf870 test.
    if ((flags & 0xf870) != 0x8000) {
        r.invalidReason = QStringLiteral("invalid DNS response flags %1").arg(flags, 4, 16, QLatin1Char('0'));
        return r;
    }
    r.truncated = flags & 0x0200;
    r.code = flags & 0xf;
    const quint16 questions = be16(p, 4);
    const quint16 answers = be16(p, 6);
    if (questions != 1) {
        r.invalidReason = QStringLiteral("invalid number of questions in DNS response");
        return r;
    }
    qsizetype at = HeaderSize;
    QByteArray owner;
    if (!readName(p, &at, &owner) || at + 4 > p.size()) {
        r.invalidReason = QStringLiteral("invalid name in DNS response");
        return r;
    }
    QByteArrayView asked = name;
    if (asked.endsWith('.'))
        asked.chop(1);
    if (QByteArrayView(owner).compare(asked, Qt::CaseInsensitive) != 0 || be16(p, at) != type
        || be16(p, at + 2) != ClassIn) {
        r.invalidReason = QStringLiteral("unexpected response for %1").arg(QString::fromUtf8(owner));
        return r;
    }
    at += 4;
    r.status = Reply::Status::Answered;
    if (r.code != NoError)
        return r;
    if (answers == 0) {
        r.code = NxDomain;
        return r;
    }
    const qsizetype addressSize = type == A ? 4 : 16;
    bool haveTtl = false;
    QByteArray cname;
    for (quint16 i = 0; i < answers; ++i) {
        if (!readName(p, &at, &owner) || at + 10 > p.size()) {
            r.status = Reply::Status::Invalid;
            r.invalidReason = QStringLiteral("short DNS response");
            return r;
        }
        const quint16 rtype = be16(p, at);
        const quint32 rawTtl = be32(p, at + 4);
        const quint32 ttl = rawTtl & 0x80000000u ? 0 : rawTtl; // RFC 2181 8: the top bit set means zero
        const quint16 rdlen = be16(p, at + 8);
        at += 10;
        if (at + rdlen > p.size()) {
            r.status = Reply::Status::Invalid;
            r.invalidReason = QStringLiteral("short DNS response");
            return r;
        }
        if (rtype == type) {
            if (rdlen != addressSize) {
                // nginx: "invalid address length in DNS response", the reply is dropped
                r.status = Reply::Status::Invalid;
                r.invalidReason = QStringLiteral("invalid address length in DNS response");
                return r;
            }
            const uchar *d = reinterpret_cast<const uchar *>(p.data() + at);
            r.addresses.append(type == A ? QHostAddress(quint32((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]))
                                         : QHostAddress(d));
        } else if (rtype == CNAME) {
            qsizetype target = at;
            if (!readName(p, &target, &cname)) {
                r.status = Reply::Status::Invalid;
                r.invalidReason = QStringLiteral("invalid CNAME in DNS response");
                return r;
            }
        } else {
            at += rdlen; // DNAME and others: their CNAME carries the answer
            continue;
        }
        r.ttl = haveTtl ? qMin(r.ttl, ttl) : ttl;
        haveTtl = true;
        at += rdlen;
    }
    if (r.addresses.isEmpty()) {
        r.cname = cname;
        if (cname.isEmpty())
            r.code = NxDomain; // nginx: "no A or CNAME types in DNS response"
    }
    return r;
}

} // namespace Dns
