#pragma once

#include <QByteArrayView>
#include <QList>
#include <QLoggingCategory>
#include <QString>

#include <optional>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)  // wsscope.proxy: listeners, workers, upstream connects
Q_DECLARE_LOGGING_CATEGORY(lcAccess) // wsscope.access: one line per exchange or tunnel
Q_DECLARE_LOGGING_CATEGORY(lcConfig) // wsscope.config

namespace Logging {

// nginx's error_log levels, least severe first (ngx_log.c's err_levels).
enum class Level : quint8 { Debug, Info, Notice, Warn, Error, Crit, Alert, Emerg };

// "debug" ... "emerg"; nullopt for any other word.
std::optional<Level> parseLevel(QByteArrayView word);

// Where log lines go (nginx's error_log FILE|stderr LEVEL): lines below
// `level` are dropped.
struct Sink
{
    QString path; // empty: stderr
    Level level = Level::Error;

    bool operator==(const Sink &o) const = default;
};

// Installs the handler, writing to stderr. verbosity: 0 = info (startup
// lines and the access log), 1 (--verbose) = wsscope debug, 2 = Qt's own
// debug too.
void install(int verbosity);

// Sends every later line to `sinks` (files opened for appending, created
// 0644) instead of the current ones; an empty list means stderr, every level.
// False with *error (naming the file) when a file cannot be opened; the
// current sinks then stay.
bool setSinks(const QList<Sink> &sinks, QString *error);
// The same, with the error_log sets of the http, server and location levels
// (nginx's per-level error_log): their files are opened here too, reopened
// by reopen(), and a line written for one goes to them instead (write()).
bool setSinks(const QList<Sink> &sinks, const QList<QList<Sink>> &scoped, QString *error);

// A line of `category` at `type` written to the scoped sinks equal to
// `scope` when setSinks() installed them (a connection configured before a
// reload that dropped them: the main ones), to the main ones when `scope` is
// empty. Formatted as every other line; the category's filter applies.
void write(const QList<Sink> &scope, const QLoggingCategory &category, QtMsgType type, const QString &message);

// nginx's SIGUSR1: the log files opened again by name (after logrotate
// moved them). Lines being written meanwhile go to the old or the new file,
// never nowhere. False with *error when one cannot be opened (it keeps its
// old descriptor).
bool reopen(QString *error);

// The two file operations every log of the process shares (error_log here,
// access_log in core/proxy): a file opened for appending (O_APPEND, so one
// write(2) per line never interleaves with another thread's; O_CREAT 0644,
// O_CLOEXEC), -1 with errno set; and, for rotation, descriptor `fd` pointed
// at a fresh open of `path` in one dup2 (a concurrent write goes to the old
// or the new file), false with errno set and `fd` unchanged.
int openForAppend(const QString &path);
bool reopenOnto(int fd, const QString &path);

// True when some sink writes to stderr (a daemon then keeps its stderr).
bool usesStderr();

} // namespace Logging
