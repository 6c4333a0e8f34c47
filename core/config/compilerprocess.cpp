#include "config/compiler.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace ConfigCompilerImpl {

// The main context's process directives (ngx_core_module's commands and
// error_log of ngx_log.c). They describe the process around the proxy; the
// application carries them out (pid file, daemon, privileges, log files).
bool Compiler::compileProcessDirective(const ConfDirective &d)
{
    static const QByteArrayView Names[] = {"pid", "daemon", "master_process", "user", "error_log",
                                           "worker_processes", "worker_shutdown_timeout"};
    if (std::find(std::begin(Names), std::end(Names), QByteArrayView(d.name)) == std::end(Names))
        return false;
    if (!checkArgs(d, Ctx::Main))
        return true;
    // ngx_conf_set_*_slot: a second one is an error (error_log may repeat).
    if (d.name != "error_log" && m_processSet.contains(d.name)) {
        error(d.location, u"\"%1\" directive is duplicate"_s.arg(text(d.name)));
        return true;
    }
    m_processSet.insert(d.name);
    ProcessSettings &p = m_config->process;
    if (d.name == "pid") {
        p.pidFile = resolvePath(d.argText(0));
    } else if (d.name == "daemon" || d.name == "master_process") {
        bool on = false;
        setFlag(d, on);
        if (d.name == "daemon") {
            p.daemon = on;
            p.daemonAt = d.location;
        }
        // master_process: wsscope is one process with worker threads either way.
    } else if (d.name == "user") {
        compileUser(d);
    } else if (d.name == "error_log") {
        if (const std::optional<Logging::Sink> sink = parseErrorLog(d))
            m_config->process.errorLogs.append(*sink);
        m_config->logs.append(stored(d));
    } else if (d.name == "worker_processes") {
        compileWorkerProcesses(d);
    } else if (const auto ms = timeArg(d)) {
        m_config->drainTimeoutMs = *ms; // worker_shutdown_timeout
        p.shutdownTimeoutSet = true;
    }
    return true;
}

// error_log FILE|stderr [LEVEL] (ngx_log_set_log). nginx also knows
// syslog: and memory: targets; wsscope writes those lines to stderr.
std::optional<Logging::Sink> Compiler::parseErrorLog(const ConfDirective &d)
{
    Logging::Sink sink;
    const QByteArray target = d.argText(0);
    if (d.argCount() > 1) {
        QByteArray word = d.argText(1);
        if (word.startsWith("debug_"))
            word = "debug"; // debug_core, debug_http...: wsscope has one debug level
        const std::optional<Logging::Level> level = Logging::parseLevel(word);
        if (!level) {
            error(d.args.at(1).location, u"invalid log level \"%1\""_s.arg(text(d.argText(1))));
            return std::nullopt;
        }
        sink.level = *level;
    }
    if (target.startsWith("syslog:") || target.startsWith("memory:")) {
        warning(d.args.at(0).location,
                u"wsscope writes no %1 log: these lines go to stderr"_s.arg(text(target.left(target.indexOf(':')))));
    } else if (target != "stderr") {
        sink.path = resolvePath(target);
    }
    return sink;
}

// user NAME [GROUP]: checked as nginx checks it (ngx_set_user), only when
// running as root; otherwise nginx ignores it, and so does wsscope.
void Compiler::compileUser(const ConfDirective &d)
{
    ProcessSettings &p = m_config->process;
    p.user = d.argText(0);
    p.group = d.argCount() > 1 ? d.argText(1) : QByteArray();
    if (::geteuid() != 0)
        return;
    if (!::getpwnam(p.user.constData()))
        error(d.args.at(0).location, u"getpwnam(\"%1\") failed: no such user"_s.arg(text(p.user)));
    const QByteArray group = p.group.isEmpty() ? p.user : p.group;
    if (!::getgrnam(group.constData()))
        error(d.args.at(d.argCount() - 1).location, u"getgrnam(\"%1\") failed: no such group"_s.arg(text(group)));
}

void Compiler::compileWorkerProcesses(const ConfDirective &d)
{
    if (d.argText(0) == "auto") {
        m_config->workerThreads = 0;
        return;
    }
    bool ok = false;
    const int n = d.argText(0).toInt(&ok);
    if (!ok || n < 1)
        error(d.args.at(0).location,
              u"invalid value \"%1\" in \"worker_processes\" directive"_s.arg(text(d.argText(0))));
    else if (n > 64)
        error(d.args.at(0).location, u"\"worker_processes\" %1 is more than wsscope's 64 worker threads"_s.arg(n));
    else
        m_config->workerThreads = n;
}

} // namespace ConfigCompilerImpl
