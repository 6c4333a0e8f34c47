#include "accesslog.h"

#include "http/httpheaders.h"
#include "ops/logging.h"

#include <charconv>

namespace {

void appendNumber(QString &s, qint64 v)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    s.append(QLatin1StringView(buf, qsizetype(r.ptr - buf)));
}

// QHostAddress::toString() costs ~4k instructions; a dotted quad is cheap.
QByteArray dottedAddress(const QHostAddress &address)
{
    if (address.protocol() != QAbstractSocket::IPv4Protocol)
        return address.toString().toLatin1();
    const quint32 ip = address.toIPv4Address();
    char buf[24];
    char *p = buf;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const unsigned octet = (ip >> shift) & 0xff;
        if (octet >= 100)
            *p++ = char('0' + octet / 100);
        if (octet >= 10)
            *p++ = char('0' + octet / 10 % 10);
        *p++ = char('0' + octet % 10);
        if (shift)
            *p++ = '.';
    }
    return QByteArray(buf, qsizetype(p - buf));
}

void emitLine(const QString &line)
{
    const QMessageLogContext context(nullptr, 0, nullptr, lcAccess().categoryName());
    qt_message_output(QtInfoMsg, context, line);
}

} // namespace

void AccessLog::setConnection(quint64 id, const QHostAddress &address, quint16 port, bool unixClient)
{
    m_id = id;
    m_addressText = unixClient ? QByteArray("unix:") : dottedAddress(address);
    m_port = port;
}

QString AccessLog::describe() const
{
    QString s;
    s.reserve(48);
    appendDescribe(s);
    s.chop(1);
    return s;
}

void AccessLog::appendDescribe(QString &line) const
{
    line.append(QLatin1StringView("conn "));
    appendNumber(line, qint64(m_id));
    line.append(u' ');
    line.append(QLatin1StringView(m_addressText));
    line.append(u':');
    appendNumber(line, m_port);
    line.append(u' ');
}

void AccessLog::appendRequestPrefix(QString &line, const HttpRequestHead &request) const
{
    appendDescribe(line);
    line.append(u'"');
    line.append(QString::fromUtf8(request.method));
    line.append(u' ');
    line.append(QString::fromUtf8(request.target));
    line.append(u'"');
}

void AccessLog::exchange(const HttpRequestHead &request, int status, const QString &upstream, qint64 bodyBytes,
                         qint64 durationMs) const
{
    if (!lcAccess().isInfoEnabled())
        return;
    QString line;
    line.reserve(160);
    appendRequestPrefix(line, request);
    line.append(u' ');
    appendNumber(line, status);
    line.append(QLatin1StringView(" -> "));
    line.append(upstream);
    line.append(QLatin1StringView(" body "));
    appendNumber(line, bodyBytes);
    line.append(u' ');
    appendNumber(line, durationMs);
    line.append(QLatin1StringView(" ms"));
    emitLine(line);
}

void AccessLog::tunnel(const HttpRequestHead &request, const QString &upstream, qint64 durationMs, qint64 bytesUp,
                       qint64 bytesDown, CloseCause cause) const
{
    if (!lcAccess().isInfoEnabled())
        return;
    QString line;
    line.reserve(160);
    appendRequestPrefix(line, request);
    line.append(QLatin1StringView(" 101 -> "));
    line.append(upstream);
    line.append(QLatin1StringView(" tunnel "));
    appendNumber(line, durationMs);
    line.append(QLatin1StringView(" ms up "));
    appendNumber(line, bytesUp);
    line.append(QLatin1StringView(" down "));
    appendNumber(line, bytesDown);
    line.append(QLatin1StringView(" closed: "));
    line.append(QString::fromUtf8(closeCauseName(cause)));
    emitLine(line);
}

void AccessLog::aborted(const HttpRequestHead &request, CloseCause cause) const
{
    if (!lcAccess().isInfoEnabled())
        return;
    QString line;
    line.reserve(160);
    appendRequestPrefix(line, request);
    line.append(QLatin1StringView(" aborted: "));
    line.append(QString::fromUtf8(closeCauseName(cause)));
    emitLine(line);
}
