#pragma once

#include <QByteArray>
#include <QString>

struct Options;

// What nginx's master process does around serving, for wsscope's one
// process: the pid file, daemon mode, dropping privileges, and `-s`.
namespace ProcessControl {

// `pid FILE`: "PID\n", written once every listener is bound (tools wait
// for the file, then connect). False with *error.
bool writePidFile(const QString &path, QString *error);
// At exit, only when the file still names this process (a newer instance
// may have taken the path).
void removePidFile(const QString &path);

// `daemon on` (ngx_daemon): forks twice and detaches from the terminal;
// stdin and stdout, and stderr unless a log goes there, become /dev/null.
// The original process waits until the daemon calls reportStarted() and
// exits with that status (so `wsscope` returns 1 when the port is taken, and
// a service manager sees the pid file before the start command returns).
// Returns in the daemon only; -1 with *error when fork fails (still the
// original process).
int detach(QString *error);
// In the daemon: the status the original process exits with.
void reportStarted(int statusFd, int exitCode);

// `user NAME [GROUP]` (ngx_worker_process_init): when running as root,
// initgroups, setgid and setuid to them, for every thread. Without root
// nothing happens, as in nginx. False with *error.
bool dropPrivileges(const QByteArray &user, const QByteArray &group, QString *error);

// `wsscope -s reload|reopen|quit|stop` (ngx_signal_process): reads the
// configuration for its pid directive and signals that process. An exit code.
int signalRunning(const Options &options);

} // namespace ProcessControl
