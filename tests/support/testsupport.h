#pragma once

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>

class QTcpSocket;

namespace TestSupport {

// Debian's interpreter, which has python3-websockets (the first python3 on
// PATH may be another one without Debian's modules).
QString systemPython();
// Directory holding the Python peers (tests/peers).
QString peersDir();
// Path of the built wsscope binary (set by CTest).
QString wsscopeBinary();
// A loopback port that was free a moment ago (nothing listens on it).
quint16 unusedPort();

// A child process that announces "listening on HOST:PORT" on stdout or
// stderr once it is ready: wsscope itself and the Python peers. Killed
// when the object goes away, so a failing test leaves nothing running.
class PeerProcess
{
    Q_DISABLE_COPY_MOVE(PeerProcess)

public:
    PeerProcess() = default;
    ~PeerProcess();

    bool start(const QString &program, const QStringList &arguments, int timeoutMs = 15000);
    // Starts a program that announces nothing (nginx); the caller polls it.
    bool launch(const QString &program, const QStringList &arguments);
    // wsscope --no-gui --listen 127.0.0.1:0 --upstream URL... plus extra flags.
    bool startWsscope(const QStringList &upstreams, const QStringList &extra = {});
    // A script from tests/peers run with Debian's python.
    bool startPython(const QString &script, const QStringList &arguments = {});

    quint16 port() const { return m_port; }
    QString url(const QString &scheme = QStringLiteral("ws"), const QString &path = QStringLiteral("/")) const;
    // Everything the process printed so far (both channels).
    QByteArray output();
    // Waits until `needle` appears in the output.
    bool waitForOutput(const QByteArray &needle, int timeoutMs = 10000);
    // SIGTERM, then wait; returns the exit code, or -1 if it had to be killed.
    int terminate(int timeoutMs = 15000);
    void setEnvironment(const QProcessEnvironment &env) { m_process.setProcessEnvironment(env); }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    qint64 pid() const { return m_process.processId(); }

private:
    void collect();

    QProcess m_process;
    QByteArray m_output;
    quint16 m_port = 0;
};

struct HttpResult
{
    bool ok = false;         // a complete response was read
    int status = 0;
    QByteArray head;         // status line + headers as received
    QByteArray body;         // de-chunked body
    bool closedByPeer = false;
    QByteArray header(const QByteArray &name) const;
};

// Reads one HTTP response from an open socket (blocking; test code only).
HttpResult readHttpResponse(QTcpSocket &socket, int timeoutMs = 10000, bool headRequest = false);
// Reads from an open socket until `count` bytes arrived or the time is up.
QByteArray readAtLeast(QTcpSocket &socket, qsizetype count, int timeoutMs = 5000);
// Connects, sends `request` raw, reads one response.
HttpResult httpExchange(quint16 port, const QByteArray &request, int timeoutMs = 10000);

} // namespace TestSupport
