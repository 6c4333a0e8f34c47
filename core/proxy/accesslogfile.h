#pragma once

#include <QByteArray>
#include <QString>

#include <memory>

// An access log file, open for appending: each line goes out in one
// write(2) on an O_APPEND descriptor, so lines from several worker threads
// (and from a previous configuration still finishing its requests) never
// interleave. Files are shared by path between configurations, and
// reopenAll() (SIGUSR1, `-s reopen`) points every open one at a fresh file
// of the same name after log rotation, as nginx's reopen does.
class AccessLogFile final
{
    Q_DISABLE_COPY_MOVE(AccessLogFile)

public:
    // The file at `path`, the one already open if some configuration has
    // it; nullptr with *error ("open() "PATH" failed (13: Permission denied)").
    static std::shared_ptr<AccessLogFile> open(const QString &path, QString *error);
    // Reopens every open file by its name; false with *error naming the
    // first that failed (that one keeps writing where it did).
    static bool reopenAll(QString *error);

    ~AccessLogFile();
    const QString &path() const { return m_path; }
    // One line, '\n' included. A failed write is counted and reported once
    // per minute at most (a full disk must not flood the error log).
    void write(const QByteArray &line) const;

private:
    AccessLogFile(QString path, int fd);

    QString m_path;
    int m_fd = -1;
};
