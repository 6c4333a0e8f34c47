#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QString>

// DNS messages as a stub resolver needs them (RFC 1035 4.1): one question
// out, the answer section of the reply read back. Pure functions, no
// sockets; DnsClient sends and receives them.
namespace Dns {

enum Type : quint16 { A = 1, CNAME = 5, AAAA = 28 };

// RFC 1035 4.1.1 RCODE values, as nginx's NGX_RESOLVE_* codes, plus a
// timeout (nginx reports NGX_ETIMEDOUT, 110, with its own text).
enum Code : int { NoError = 0, FormErr = 1, ServFail = 2, NxDomain = 3, NotImp = 4, Refused = 5, TimedOut = 110 };

// The text nginx logs for a code (ngx_resolver_strerror).
QString errorText(int code);

// A standard query with recursion desired; empty when `name` cannot be
// encoded (an empty label, a label over 63 bytes).
QByteArray encodeQuery(quint16 id, QByteArrayView name, quint16 type);

// The identifier of a message (0 when shorter than a header).
quint16 messageId(QByteArrayView packet);

struct Reply
{
    enum class Status : quint8 {
        Invalid,  // not a reply to this question: ignored, as nginx ignores it
        Answered, // code (NoError with addresses, a CNAME to follow, or an error code)
    };
    Status status = Status::Invalid;
    QString invalidReason;
    int code = NoError;
    bool truncated = false;        // TC: the answer did not fit in UDP
    QList<QHostAddress> addresses; // of the asked type (A or AAAA)
    QByteArray cname;              // a CNAME target when no address came with it
    quint32 ttl = 0;               // the smallest TTL of the records used
};

// Reads a reply to the question (`name`, `type`). Addresses are taken from
// every A/AAAA record of the answer section whatever its owner name (a
// CNAME chain answered in one reply names the alias); DNAME records are
// skipped. A NOERROR reply with no answer counts as NXDOMAIN, as in nginx.
Reply parseReply(QByteArrayView packet, QByteArrayView name, quint16 type);

} // namespace Dns
