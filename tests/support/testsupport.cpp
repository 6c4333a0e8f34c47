#include "testsupport.h"

#include "http/bodyframer.h"
#include "http/httpheadparser.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <csignal>

namespace TestSupport {

QString systemPython()
{
    return QFileInfo::exists(QStringLiteral("/usr/bin/python3")) ? QStringLiteral("/usr/bin/python3")
                                                                 : QStringLiteral("python3");
}

QString peersDir()
{
    return qEnvironmentVariable("WSSCOPE_PEERS", QStringLiteral(WSSCOPE_DEFAULT_PEERS));
}

QString wsscopeBinary()
{
    return qEnvironmentVariable("WSSCOPE_BIN", QStringLiteral(WSSCOPE_DEFAULT_BIN));
}

quint16 unusedPort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    const quint16 port = s.serverPort();
    s.close();
    return port;
}

PeerProcess::~PeerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

void PeerProcess::collect()
{
    m_output += m_process.readAllStandardOutput();
    m_output += m_process.readAllStandardError();
}

QByteArray PeerProcess::output()
{
    collect();
    return m_output;
}

bool PeerProcess::start(const QString &program, const QStringList &arguments, int timeoutMs)
{
    m_process.setProgram(program);
    m_process.setArguments(arguments);
    m_process.start();
    if (!m_process.waitForStarted(timeoutMs))
        return false;
    static const QRegularExpression re(QStringLiteral("listening on \\[?([0-9a-fA-F:.]+)\\]?:(\\d+)"));
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        m_process.waitForReadyRead(50);
        collect();
        const QRegularExpressionMatch m = re.match(QString::fromUtf8(m_output));
        if (m.hasMatch()) {
            m_port = quint16(m.captured(2).toUInt());
            return true;
        }
        if (m_process.state() == QProcess::NotRunning)
            break;
    }
    qWarning("peer %s did not start: %s", qPrintable(program), m_output.constData());
    return false;
}

bool PeerProcess::launch(const QString &program, const QStringList &arguments)
{
    m_process.setProgram(program);
    m_process.setArguments(arguments);
    m_process.start();
    return m_process.waitForStarted(10000);
}

bool PeerProcess::startWsscope(const QStringList &upstreams, const QStringList &extra)
{
    QStringList args{QStringLiteral("--no-gui"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")};
    for (const QString &u : upstreams)
        args << QStringLiteral("--upstream") << u;
    args << extra;
    return start(wsscopeBinary(), args);
}

bool PeerProcess::startPython(const QString &script, const QStringList &arguments)
{
    return start(systemPython(), QStringList{peersDir() + QLatin1Char('/') + script} + arguments);
}

QString PeerProcess::url(const QString &scheme, const QString &path) const
{
    return QStringLiteral("%1://127.0.0.1:%2%3").arg(scheme).arg(m_port).arg(path);
}

bool PeerProcess::waitForOutput(const QByteArray &needle, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        collect();
        if (m_output.contains(needle))
            return true;
        if (m_process.state() == QProcess::NotRunning)
            return m_output.contains(needle);
        // Spin the event loop: in-process peers (QWebSocketServer) must keep running.
        QTest::qWait(20);
    }
    collect();
    return m_output.contains(needle);
}

int PeerProcess::terminate(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return m_process.exitCode();
    ::kill(pid_t(m_process.processId()), SIGTERM);
    if (!m_process.waitForFinished(timeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(5000);
        collect();
        return -1;
    }
    collect();
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == name.toLower())
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

HttpResult readHttpResponse(QTcpSocket &socket, int timeoutMs, bool headRequest)
{
    HttpResult r;
    HttpHeadParser parser(HttpHeadParser::Kind::Response);
    HttpBodyFramer framer;
    QByteArray pending;
    bool haveHead = false;
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        if (socket.bytesAvailable() == 0) {
            if (socket.state() != QAbstractSocket::ConnectedState || !socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())))) {
                if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0) {
                    r.closedByPeer = true;
                    if (haveHead && framer.mode() == HttpBodyFramer::Mode::UntilClose)
                        r.ok = true;
                    return r;
                }
                if (deadline.hasExpired())
                    return r;
                continue;
            }
        }
        pending += socket.readAll();
        if (!haveHead) {
            const qsizetype used = parser.feed(pending.constData(), pending.size());
            r.head += pending.left(used);
            pending.remove(0, used);
            if (parser.state() == HttpHeadParser::State::Error)
                return r;
            if (parser.state() != HttpHeadParser::State::Complete)
                continue;
            haveHead = true;
            const HttpResponseHead &h = parser.response();
            r.status = h.status;
            if (headRequest || h.status == 204 || h.status == 304 || h.status == 101 || h.status < 200)
                framer.reset(HttpBodyFramer::Mode::None);
            else if (h.headers.hasToken("Transfer-Encoding", "chunked"))
                framer.reset(HttpBodyFramer::Mode::Chunked);
            else if (h.headers.contains("Content-Length"))
                framer.reset(HttpBodyFramer::Mode::Length, h.headers.value("Content-Length").toLongLong());
            else
                framer.reset(HttpBodyFramer::Mode::UntilClose);
        }
        const qsizetype used = framer.consume(pending.constData(), pending.size(), &r.body);
        pending.remove(0, used);
        if (framer.hasError())
            return r;
        if (framer.isDone()) {
            r.ok = true;
            return r;
        }
    }
}

QByteArray readAtLeast(QTcpSocket &socket, qsizetype count, int timeoutMs)
{
    QByteArray out = socket.readAll();
    QDeadlineTimer deadline(timeoutMs);
    while (out.size() < count && !deadline.hasExpired()) {
        socket.waitForReadyRead(100);
        out += socket.readAll();
    }
    return out;
}

HttpResult httpExchange(quint16 port, const QByteArray &request, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    socket.write(request);
    socket.waitForBytesWritten(timeoutMs);
    return readHttpResponse(socket, timeoutMs, request.startsWith("HEAD "));
}

} // namespace TestSupport
