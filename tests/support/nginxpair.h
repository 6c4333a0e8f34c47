#pragma once

#include "testsupport.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace TestSupport {

// Debian's nginx and wsscope on one configuration, for the differential
// tests: the same text (its listen ports from `config`) in `dir`, nginx on a
// free port, wsscope on port 0 (the port it reports), each with its own pid
// file and error log. Both stop with the object.
class NginxPair
{
    Q_DISABLE_COPY_MOVE(NginxPair)

public:
    NginxPair() = default;
    ~NginxPair();

    // The main context and the head of `http {` every differential config
    // shares: no daemon, one process, pid and error log under `dir`
    // (PIDFILE and ERRORLOG, renamed per product), no access log, the
    // temp paths nginx wants writable.
    static QByteArray prologue(const QString &dir);
    // Writes `content` to `name` under `dir`, making its directories.
    static bool writeFile(const QString &dir, const QString &name, const QByteArray &content);

    // Writes nginx.conf and wsscope.conf from `config(listenPort)` and starts
    // both; nginx is ready once `probe` (a raw request) gets an answer.
    // False with `*why` set when either cannot start.
    bool start(const QString &dir, const std::function<QByteArray(quint16)> &config, const QByteArray &probe,
               QString *why);
    void stop();

    quint16 nginxPort() const { return m_nginxPort; }
    quint16 wsscopePort() const { return m_wsscope.port(); }
    PeerProcess &wsscope() { return m_wsscope; }

private:
    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    quint16 m_nginxPort = 0;
};

} // namespace TestSupport
