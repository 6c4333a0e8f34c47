#include "nginxpair.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QThread>

namespace TestSupport {

namespace {

bool writeText(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

} // namespace

NginxPair::~NginxPair()
{
    stop();
}

bool NginxPair::writeFile(const QString &dir, const QString &name, const QByteArray &content)
{
    return QDir(dir).mkpath(QFileInfo(name).path()) && writeText(dir + u'/' + name, content);
}

QByteArray NginxPair::prologue(const QString &dir)
{
    const QByteArray d = dir.toUtf8();
    return "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "pid " + d + "/PIDFILE;\nerror_log " + d + "/ERRORLOG;\n"
           "events { worker_connections 64; }\n"
           "http {\n"
           "  access_log off;\n"
           "  client_body_temp_path " + d + "/body;\n"
           "  proxy_temp_path " + d + "/proxy;\n";
}

bool NginxPair::start(const QString &dir, const std::function<QByteArray(quint16)> &config, const QByteArray &probe,
                      QString *why)
{
    if (!QFileInfo::exists(QStringLiteral("/usr/sbin/nginx"))) {
        *why = QStringLiteral("nginx is the reference: installers/deps-debian.sh --test installs it");
        return false;
    }
    m_nginxPort = unusedPort();
    const QString nginxConf = dir + QStringLiteral("/nginx.conf");
    const QString wsscopeConf = dir + QStringLiteral("/wsscope.conf");
    QByteArray nginxText = config(m_nginxPort);
    nginxText.replace("PIDFILE", "nginx.pid").replace("ERRORLOG", "error.log");
    QByteArray wsscopeText = config(0);
    wsscopeText.replace("PIDFILE", "wsscope.pid").replace("ERRORLOG", "wsscope-error.log");
    if (!writeText(nginxConf, nginxText) || !writeText(wsscopeConf, wsscopeText)) {
        *why = QStringLiteral("cannot write the configurations under ") + dir;
        return false;
    }
    if (!m_nginx.launch(QStringLiteral("/usr/sbin/nginx"), {QStringLiteral("-p"), dir, QStringLiteral("-c"), nginxConf})) {
        *why = QStringLiteral("nginx did not start");
        return false;
    }
    QDeadlineTimer deadline(10000);
    while (!httpExchange(m_nginxPort, probe, 500).ok) {
        if (deadline.hasExpired() || !m_nginx.isRunning()) {
            *why = QStringLiteral("nginx does not answer: ") + QString::fromUtf8(m_nginx.output());
            return false;
        }
        QThread::msleep(50);
    }
    if (!m_wsscope.start(wsscopeBinary(), {QStringLiteral("--no-gui"), QStringLiteral("-c"), wsscopeConf,
                                           QStringLiteral("-g"), QStringLiteral("error_log stderr info;")})) {
        *why = QStringLiteral("wsscope did not start: ") + QString::fromUtf8(m_wsscope.output());
        return false;
    }
    return true;
}

void NginxPair::stop()
{
    if (m_nginx.isRunning())
        m_nginx.terminate(5000);
    if (m_wsscope.isRunning())
        m_wsscope.terminate(5000);
}

} // namespace TestSupport
