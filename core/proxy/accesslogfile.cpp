#include "accesslogfile.h"

#include "ops/logging.h"

#include <QDateTime>
#include <QHash>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unistd.h>

namespace {

std::mutex g_filesMutex;
QHash<QString, std::weak_ptr<AccessLogFile>> g_files; // by path, every file some configuration holds
std::atomic<qint64> g_lastFailureReportMs{0};

QString openError(const QString &path, int err)
{
    return QStringLiteral("open() \"%1\" failed (%2: %3)").arg(path).arg(err).arg(QString::fromLocal8Bit(std::strerror(err)));
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
    const int fd = Logging::openForAppend(path);
    if (fd < 0) {
        if (error)
            *error = openError(path, errno);
        return nullptr;
    }
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
        // The same descriptor, a new file: a worker writing at this moment
        // writes to the old or the new one, never to a closed or reused descriptor.
        if (!Logging::reopenOnto(file->m_fd, file->m_path)) {
            if (ok && error)
                *error = openError(file->m_path, errno);
            ok = false;
        }
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
