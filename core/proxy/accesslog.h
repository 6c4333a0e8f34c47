#pragma once

#include "inspect/closecause.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

struct HttpRequestHead;

// The access-log lines (lcAccess) of one client connection. Each is built
// in one buffer with the text QDebug used to make; a finished exchange or
// tunnel costs one allocation, not a stream of QDebug operators.
//   conn N addr:port "GET /x" 200 -> host:port body N N ms
//   conn N addr:port "GET /x" 101 -> host:port tunnel N ms up N down N closed: CAUSE
//   conn N addr:port "GET /x" aborted: CAUSE
class AccessLog final
{
public:
    void setConnection(quint64 id, const QHostAddress &address, quint16 port, bool unixClient = false);
    const QByteArray &addressText() const { return m_addressText; } // address.toString(), made once

    // "conn N addr:port", the prefix of every line about this connection.
    QString describe() const;
    void exchange(const HttpRequestHead &request, int status, const QString &upstream, qint64 bodyBytes,
                  qint64 durationMs) const;
    void tunnel(const HttpRequestHead &request, const QString &upstream, qint64 durationMs, qint64 bytesUp,
                qint64 bytesDown, CloseCause cause) const;
    void aborted(const HttpRequestHead &request, CloseCause cause) const;

private:
    // "conn N addr:port " into `line` (describe() plus the space before the rest).
    void appendDescribe(QString &line) const;
    // conn N addr:port "GET /x"
    void appendRequestPrefix(QString &line, const HttpRequestHead &request) const;

    quint64 m_id = 0;
    QByteArray m_addressText;
    quint16 m_port = 0;
};
