#include "processcontrol.h"

#include "commandline.h"
#include "configsource.h"
#include "exitcode.h"
#include "ops/logging.h"

#include <QFile>
#include <QHash>
#include <QSaveFile>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

void nullOnto(int fd)
{
    const int null = ::open("/dev/null", O_RDWR);
    if (null < 0)
        return;
    ::dup2(null, fd);
    if (null != fd)
        ::close(null);
}

// The original process: the daemon's status byte, or 1 when it died first.
[[noreturn]] void waitForDaemon(int readFd)
{
    unsigned char status = ExitRuntimeError;
    ssize_t n;
    do {
        n = ::read(readFd, &status, 1);
    } while (n < 0 && errno == EINTR);
    ::_exit(n == 1 ? int(status) : int(ExitRuntimeError));
}

} // namespace

namespace ProcessControl {

bool writePidFile(const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QByteArray::number(::getpid()) + '\n') < 0 || !file.commit()) {
        *error = u"cannot write the pid file %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    // QSaveFile creates 0600; nginx's pid file is world-readable.
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    return true;
}

void removePidFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return;
    if (file.readAll().trimmed() == QByteArray::number(::getpid()))
        QFile::remove(path);
}

int detach(QString *error)
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) < 0) {
        *error = u"daemon: pipe() failed: %1"_s.arg(errnoText());
        return -1;
    }
    const pid_t first = ::fork();
    if (first < 0) {
        *error = u"daemon: fork() failed: %1"_s.arg(errnoText());
        return -1;
    }
    if (first > 0) {
        ::close(pipeFds[1]);
        // The intermediate child exits at once; reap it, then wait for the daemon.
        ::waitpid(first, nullptr, 0);
        waitForDaemon(pipeFds[0]);
    }
    ::close(pipeFds[0]);
    ::setsid();
    // A second fork: the daemon is no session leader, so it can never get a
    // controlling terminal again.
    const pid_t second = ::fork();
    if (second != 0)
        ::_exit(second < 0 ? ExitRuntimeError : ExitOk);
    ::umask(022);
    nullOnto(STDIN_FILENO);
    nullOnto(STDOUT_FILENO);
    if (!Logging::usesStderr())
        nullOnto(STDERR_FILENO);
    return pipeFds[1];
}

void reportStarted(int statusFd, int exitCode)
{
    if (statusFd < 0)
        return;
    const unsigned char status = static_cast<unsigned char>(exitCode);
    [[maybe_unused]] const ssize_t n = ::write(statusFd, &status, 1);
    ::close(statusFd);
}

bool dropPrivileges(const QByteArray &user, const QByteArray &group, QString *error)
{
    if (user.isEmpty() || ::geteuid() != 0)
        return true;
    const passwd *pw = ::getpwnam(user.constData());
    const QByteArray groupName = group.isEmpty() ? user : group;
    const struct group *gr = ::getgrnam(groupName.constData());
    if (!pw || !gr) {
        *error = u"user %1: no such %2"_s.arg(QString::fromUtf8(pw ? groupName : user), pw ? u"group"_s : u"user"_s);
        return false;
    }
    if (pw->pw_uid == 0 && gr->gr_gid == 0)
        return true; // `user root;`
    // glibc applies each of these to every thread of the process.
    if (::initgroups(user.constData(), gr->gr_gid) < 0 || ::setgid(gr->gr_gid) < 0 || ::setuid(pw->pw_uid) < 0) {
        *error = u"cannot switch to user %1: %2"_s.arg(QString::fromUtf8(user), errnoText());
        return false;
    }
    return true;
}

int signalRunning(const Options &options)
{
    static const QHash<QString, int> signalNumbers = {
        {u"reload"_s, SIGHUP}, {u"reopen"_s, SIGUSR1}, {u"quit"_s, SIGQUIT}, {u"stop"_s, SIGTERM}};
    int exitCode = ExitOk;
    const std::optional<ConfigSource> source = ConfigSource::fromOptions(options, options.quick, &exitCode);
    if (!source)
        return exitCode;
    const ConfigCompileResult compiled = source->compile();
    if (!compiled.ok()) {
        for (const ConfDiagnostic &d : compiled.diagnostics) {
            if (d.isError())
                std::fprintf(stderr, "%s\n", qPrintable(d.toString()));
        }
        return ExitUsage;
    }
    const QString pidFile = compiled.config->process.pidFile;
    if (pidFile.isEmpty()) {
        std::fprintf(stderr, "wsscope: -s %s: %s has no pid directive, so no running wsscope can be found\n",
                     qPrintable(options.signal), qPrintable(source->name));
        return ExitRuntimeError;
    }
    QFile file(pidFile);
    bool ok = false;
    const qint64 pid = file.open(QIODevice::ReadOnly) ? file.readAll().trimmed().toLongLong(&ok) : 0;
    if (!ok || pid <= 0) {
        std::fprintf(stderr, "wsscope: -s %s: cannot read a pid from %s%s\n", qPrintable(options.signal),
                     qPrintable(pidFile), file.error() != QFile::NoError ? qPrintable(u": "_s + file.errorString()) : "");
        return ExitRuntimeError;
    }
    if (::kill(pid_t(pid), signalNumbers.value(options.signal)) < 0) {
        std::fprintf(stderr, "wsscope: -s %s: kill(%lld) failed: %s\n", qPrintable(options.signal), pid,
                     qPrintable(errnoText()));
        return ExitRuntimeError;
    }
    return ExitOk;
}

} // namespace ProcessControl
