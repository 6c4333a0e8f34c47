#include "accesslogfile.h"

#include "ops/logging.h"

#include <QDateTime>
#include <QHash>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

namespace {

std::mutex g_filesMutex;
QHash<QString, std::weak_ptr<AccessLogFile>> g_files; // by path, every file some configuration holds
std::atomic<qint64> g_lastFailureReportMs{0};

int openForAppend(const QString &path, QString *error)
{
    const QByteArray name = path.toLocal8Bit();
    const int fd = ::open(name.constData(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && error)
        *error = QStringLiteral("open() \"%1\" failed (%2: %3)").arg(path).arg(errno).arg(QString::fromLocal8Bit(std::strerror(errno)));
    return fd;
}

} // namespace

AccessLogFile::AccessLogFile(QString path, int fd)
    : m_path(std::move(path))
    , m_fd(fd)
{
}

AccessLogFile::~AccessLogFile()
{
    ::close(m_fd);
}

std::shared_ptr<AccessLogFile> AccessLogFile::open(const QString &path, QString *error)
{
    std::lock_guard<std::mutex> lock(g_filesMutex);
    if (std::shared_ptr<AccessLogFile> open = g_files.value(path).lock())
        return open;
    const int fd = openForAppend(path, error);
    if (fd < 0)
        return nullptr;
    std::shared_ptr<AccessLogFile> file(new AccessLogFile(path, fd));
    g_files.insert(path, file);
    return file;
}

bool AccessLogFile::reopenAll(QString *error)
{
    std::lock_guard<std::mutex> lock(g_filesMutex);
    bool ok = true;
    for (auto it = g_files.begin(); it != g_files.end();) {
        const std::shared_ptr<AccessLogFile> file = it.value().lock();
        if (!file) {
            it = g_files.erase(it);
            continue;
        }
        ++it;
        QString why;
        const int fd = openForAppend(file->m_path, &why);
        if (fd < 0) {
            if (ok && error)
                *error = why;
            ok = false;
            continue;
        }
        // dup2 swaps the file under the same descriptor in one step: a
        // worker writing at this moment writes to the old or the new file,
        // never to a closed or reused descriptor.
        ::dup2(fd, file->m_fd);
        ::close(fd);
    }
    return ok;
}

void AccessLogFile::write(const QByteArray &line) const
{
    const ssize_t n = ::write(m_fd, line.constData(), size_t(line.size()));
    if (n == ssize_t(line.size()))
        return;
    const int err = n < 0 ? errno : ENOSPC;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 last = g_lastFailureReportMs.load();
    if (now - last < 60'000 || !g_lastFailureReportMs.compare_exchange_strong(last, now))
        return;
    qCCritical(lcProxy).noquote() << QStringLiteral("write() to \"%1\" failed (%2: %3)")
                                        .arg(m_path)
                                        .arg(err)
                                        .arg(QString::fromLocal8Bit(std::strerror(err)));
}
