// nginx's command line and process directives through the real binary, the
// way nginx's own test suite and service units run nginx: -p/-c/-e/-g, the
// pid file as the readiness signal, -s, -t/-T/-q, -v/-V, daemon, user and
// error_log files with levels and reopening.

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <pwd.h>
#include <unistd.h>

using namespace TestSupport;
using namespace Qt::StringLiterals;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runWsscope(const QStringList &args, int timeoutMs = 15000)
{
    QProcess p;
    p.start(wsscopeBinary(), args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

qint64 pidIn(const QString &path)
{
    return readFile(path).trimmed().toLongLong();
}

bool processAlive(qint64 pid)
{
    return pid > 0 && ::kill(pid_t(pid), 0) == 0;
}

// The line of /proc/PID/status that starts with `key` ("Uid:").
QByteArray procStatus(qint64 pid, const QByteArray &key)
{
    for (const QByteArray &line : readFile(u"/proc/%1/status"_s.arg(pid)).split('\n')) {
        if (line.startsWith(key))
            return line.mid(key.size()).simplified();
    }
    return {};
}

} // namespace

class tst_NginxCommandLine final : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void versionLines();
    void runsAsNginxTestsRunsNginx();
    void errorLogLevelsAndReopen();
    void errorLogOfEachLevel();
    void globalsAreTheMainContext();
    void testDumpAndQuiet();
    void signalNeedsAPidFile();
    void daemonDetachesAndReportsItsStatus();
    void notApplicableSignalsAreIgnored();
    void userDropsPrivileges();
    void unknownUserIsAnError();
    void certificatesOfPlainServersAreLoaded();
    void reloadClosesOldTunnelsAfterShutdownTimeout_data();
    void reloadClosesOldTunnelsAfterShutdownTimeout();

private:
    // nginx.conf in the prefix: pid and error_log relative to it, one server
    // answering `return 200`.
    QByteArray config(quint16 port, const QByteArray &main = "pid nginx.pid;\nerror_log error.log info;\n") const;
    bool startNginxStyle(PeerProcess *p, quint16 port, const QStringList &extra = {});

    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_NginxCommandLine::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // Readable for a process that drops to `nobody` (userDropsPrivileges).
    QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadOther
                                             | QFile::WriteOther | QFile::ExeOther);
}

QByteArray tst_NginxCommandLine::config(quint16 port, const QByteArray &main) const
{
    return main + "daemon off;\nmaster_process off;\nworker_processes 1;\nevents { worker_connections 64; }\n"
                  "http {\n  server {\n    listen 127.0.0.1:" + QByteArray::number(port) + ";\n"
                  "    location / { return 200 \"ok\\n\"; }\n  }\n}\n";
}

bool tst_NginxCommandLine::startNginxStyle(PeerProcess *p, quint16 port, const QStringList &extra)
{
    if (!writeFile(m_dir->filePath(u"nginx.conf"_s), config(port)))
        return false;
    return p->launch(wsscopeBinary(), QStringList{u"-p"_s, m_dir->path() + u'/', u"-c"_s, u"nginx.conf"_s, u"-e"_s,
                                                  u"error.log"_s} + extra);
}

void tst_NginxCommandLine::versionLines()
{
    const Run v = runWsscope({u"-v"_s});
    QCOMPARE(v.exitCode, 0);
    QVERIFY2(QRegularExpression(u"^nginx version: nginx/1\\.22\\.1 \\(wsscope [0-9.]+\\)\n$"_s)
                 .match(QString::fromUtf8(v.err)).hasMatch(),
             v.err.constData());

    const Run V = runWsscope({u"-V"_s});
    QCOMPARE(V.exitCode, 0);
    const QList<QByteArray> lines = V.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines.at(0).startsWith("nginx version: nginx/1.22.1 (wsscope "));
    QVERIFY2(QRegularExpression(u"^built with OpenSSL [0-9]+\\.[0-9]+\\.[0-9]+"_s)
                 .match(QString::fromUtf8(lines.at(1))).hasMatch(),
             lines.at(1).constData());
    QCOMPARE(lines.at(2), "TLS SNI support enabled");
    QVERIFY(lines.at(3).startsWith("configure arguments: "));
    const QList<QByteArray> args = lines.at(3).mid(21).split(' ');
    // What wsscope implements is not --without-; what it lacks is.
    QVERIFY(args.contains("--with-http_ssl_module"));
    for (const char *lacking : {"--without-http_ssi_module", "--without-http-cache", "--without-http_fastcgi_module",
                                "--without-http_limit_conn_module", "--without-http_auth_basic_module"})
        QVERIFY2(args.contains(lacking), lacking);
    for (const char *present : {"proxy", "map", "upstream_hash", "upstream_ip_hash", "upstream_least_conn",
                                "upstream_keepalive", "upstream_zone"})
        QVERIFY2(!args.contains("--without-http_" + QByteArray(present) + "_module"), present);
    QVERIFY(!args.contains("--without-http")); // nginx-tests' has(http)
    QVERIFY(args.contains("--with-http_realip_module")); // an optional module wsscope has
}

// nginx-tests' run(): -p DIR/ -c nginx.conf -e error.log, wait for the pid
// file, connect; stop(): SIGQUIT, wait for the exit.
void tst_NginxCommandLine::runsAsNginxTestsRunsNginx()
{
    const quint16 port = unusedPort();
    PeerProcess proxy;
    QVERIFY(startNginxStyle(&proxy, port));
    const QString pidFile = m_dir->filePath(u"nginx.pid"_s);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(pidFile), 10000);
    QCOMPARE(pidIn(pidFile), proxy.pid());
    // The pid file is the readiness signal: the port answers at once.
    const HttpResult r = httpExchange(port, "GET / HTTP/1.0\r\n\r\n", 3000);
    QVERIFY(r.ok);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, "ok\n");
    // error_log error.log info: under the prefix, with the startup lines.
    QTRY_VERIFY(readFile(m_dir->filePath(u"error.log"_s)).contains("listening on"));
    QVERIFY(!proxy.output().contains("listening on")); // not on stderr as well

    // -s reload (SIGHUP) reads the file again.
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s),
                      config(port).replace("return 200 \"ok\\n\"", "return 200 \"reloaded\\n\"")));
    const Run reload = runWsscope({u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s, u"-s"_s, u"reload"_s});
    QCOMPARE(reload.exitCode, 0);
    QTRY_COMPARE(httpExchange(port, "GET / HTTP/1.0\r\n\r\n", 3000).body, QByteArray("reloaded\n"));

    ::kill(pid_t(proxy.pid()), SIGQUIT);
    QTRY_VERIFY_WITH_TIMEOUT(!proxy.isRunning(), 15000);
    QCOMPARE(proxy.terminate(), 0);
    QVERIFY(!QFile::exists(pidFile)); // removed at exit
}

void tst_NginxCommandLine::errorLogLevelsAndReopen()
{
    const quint16 port = unusedPort();
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s),
                      config(port, "pid nginx.pid;\nerror_log info.log info;\nerror_log errors.log error;\n")));
    PeerProcess proxy;
    QVERIFY(proxy.launch(wsscopeBinary(), {u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(u"nginx.pid"_s)), 10000);
    QTRY_VERIFY(readFile(m_dir->filePath(u"info.log"_s)).contains("listening on"));
    // Info lines stay out of an error-level log (the file exists: opened at start).
    QVERIFY(QFile::exists(m_dir->filePath(u"errors.log"_s)));
    QVERIFY(!readFile(m_dir->filePath(u"errors.log"_s)).contains("listening on"));

    // logrotate: move the file, -s reopen (SIGUSR1), new lines go to a new file.
    QVERIFY(QFile::rename(m_dir->filePath(u"info.log"_s), m_dir->filePath(u"info.log.1"_s)));
    const Run reopen = runWsscope({u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s, u"-s"_s, u"reopen"_s});
    QCOMPARE(reopen.exitCode, 0);
    QTRY_VERIFY(QFile::exists(m_dir->filePath(u"info.log"_s)));
    QVERIFY(httpExchange(port, "GET / HTTP/1.0\r\n\r\n", 3000).ok);
    const Run quit = runWsscope({u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s, u"-s"_s, u"quit"_s});
    QCOMPARE(quit.exitCode, 0);
    QTRY_VERIFY_WITH_TIMEOUT(!proxy.isRunning(), 15000);
    QVERIFY2(readFile(m_dir->filePath(u"info.log"_s)).contains("SIGQUIT received"),
             readFile(m_dir->filePath(u"info.log"_s)).constData());
    QVERIFY(!readFile(m_dir->filePath(u"info.log.1"_s)).contains("SIGQUIT"));

    // A bad level is the file's error, at its place.
    QVERIFY(writeFile(m_dir->filePath(u"bad.conf"_s), config(port, "error_log x.log loud;\n")));
    const Run bad = runWsscope({u"-t"_s, u"-c"_s, m_dir->filePath(u"bad.conf"_s)});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains("bad.conf:1:17: error: invalid log level \"loud\""), bad.err.constData());
}

// error_log at the http, server and location levels (ngx_http_core_error_log):
// a request's lines go to the log of the location that served it, else the
// server's, else the http level's; a level's own replace the inherited;
// log_not_found off keeps a missing file out; -s reopen covers them all.
void tst_NginxCommandLine::errorLogOfEachLevel()
{
    const quint16 port = unusedPort();
    const QByteArray dir = m_dir->path().toUtf8();
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s),
                      "pid nginx.pid;\nerror_log main.log info;\ndaemon off;\nevents { }\n"
                      "http {\n  error_log http.log;\n  root " + dir + ";\n"
                      "  server {\n    listen 127.0.0.1:" + QByteArray::number(port) + ";\n"
                      "    location /a/ { error_log a.log;\n"
                      "      location /a/quiet/ { log_not_found off; }\n    }\n"
                      "    location /b/ { error_log b.log; error_log b2.log; }\n"
                      "  }\n}\n"));
    PeerProcess proxy;
    QVERIFY(proxy.launch(wsscopeBinary(), {u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(u"nginx.pid"_s)), 10000);
    auto get = [&](const QByteArray &path) {
        return httpExchange(port, "GET " + path + " HTTP/1.0\r\n\r\n", 3000).status;
    };
    auto log = [&](const QString &name) { return readFile(m_dir->filePath(name)); };
    const QByteArray missing = "open() \"" + dir + "/a/gone.html\" failed (2: No such file or directory)";
    QCOMPARE(get("/a/gone.html"), 404);
    QTRY_VERIFY2(log(u"a.log"_s).contains(missing), log(u"a.log"_s).constData());
    QCOMPARE(get("/a/quiet/gone.html"), 404);
    QCOMPARE(get("/b/gone.html"), 404);
    QCOMPARE(get("/elsewhere.html"), 404);
    QTRY_VERIFY(log(u"http.log"_s).contains("/elsewhere.html\" failed"));
    QTRY_VERIFY(log(u"b2.log"_s).contains("/b/gone.html\" failed"));
    QVERIFY(log(u"b.log"_s).contains("/b/gone.html\" failed")); // both of a level's logs
    QVERIFY(!log(u"a.log"_s).contains("quiet"));                 // log_not_found off
    QVERIFY(!log(u"a.log"_s).contains("/b/") && !log(u"http.log"_s).contains("/a/gone"));
    QVERIFY(!log(u"main.log"_s).contains("failed (2"));          // no request line in the main log
    QVERIFY(log(u"main.log"_s).contains("listening on"));

    QVERIFY(QFile::rename(m_dir->filePath(u"a.log"_s), m_dir->filePath(u"a.log.1"_s)));
    QCOMPARE(runWsscope({u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s, u"-s"_s, u"reopen"_s}).exitCode, 0);
    QTRY_VERIFY(QFile::exists(m_dir->filePath(u"a.log"_s)));
    QCOMPARE(get("/a/again.html"), 404);
    QTRY_VERIFY(log(u"a.log"_s).contains("/a/again.html\" failed"));
    QVERIFY(!log(u"a.log.1"_s).contains("again"));
    QCOMPARE(proxy.terminate(), 0);
}

// -g: main-level directives after the file's, named "command line".
void tst_NginxCommandLine::globalsAreTheMainContext()
{
    const quint16 port = unusedPort();
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), config(port, "")));
    const QStringList base{u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s, u"-t"_s};
    const Run ok = runWsscope(base + QStringList{u"-g"_s, u"pid w.pid; error_log stderr;"_s});
    QVERIFY2(ok.exitCode == 0, ok.err.constData());
    const Run unknown = runWsscope(base + QStringList{u"-g"_s, u"pid w.pid; bogus on;"_s});
    QCOMPARE(unknown.exitCode, 2);
    QVERIFY2(unknown.err.contains("command line:1:12: error: unknown directive \"bogus\""), unknown.err.constData());
    const Run duplicate = runWsscope(base + QStringList{u"-g"_s, u"daemon off;"_s});
    QCOMPARE(duplicate.exitCode, 2);
    QVERIFY2(duplicate.err.contains("command line:1:1: error: \"daemon\" directive is duplicate"),
             duplicate.err.constData());
    const Run notHere = runWsscope(base + QStringList{u"-g"_s, u"listen 80;"_s});
    QCOMPARE(notHere.exitCode, 2);
}

void tst_NginxCommandLine::testDumpAndQuiet()
{
    const quint16 port = unusedPort();
    QVERIFY(writeFile(m_dir->filePath(u"extra.conf"_s), "# included\n"));
    const QByteArray main = config(port, "include extra.conf;\n");
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), main));
    const QString conf = m_dir->filePath(u"nginx.conf"_s);
    const Run dump = runWsscope({u"-T"_s, u"-c"_s, conf});
    QCOMPARE(dump.exitCode, 0);
    QVERIFY(dump.err.contains("test is successful"));
    const QByteArray expected = "# configuration file " + conf.toUtf8() + ":\n" + main + "\n# configuration file "
        + m_dir->filePath(u"extra.conf"_s).toUtf8() + ":\n# included\n\n";
    QCOMPARE(dump.out, expected);

    const Run quiet = runWsscope({u"-t"_s, u"-q"_s, u"-c"_s, conf});
    QCOMPARE(quiet.exitCode, 0);
    QVERIFY2(!quiet.err.contains("successful") && !quiet.err.contains("syntax is ok"), quiet.err.constData());
    QVERIFY(quiet.out.isEmpty());
    // -q keeps errors.
    QVERIFY(writeFile(conf, main + "bogus;\n"));
    const Run quietBad = runWsscope({u"-t"_s, u"-q"_s, u"-c"_s, conf});
    QCOMPARE(quietBad.exitCode, 2);
    QVERIFY(quietBad.err.contains("unknown directive \"bogus\""));
}

void tst_NginxCommandLine::signalNeedsAPidFile()
{
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), config(unusedPort(), "")));
    const Run noPid = runWsscope({u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s, u"-s"_s, u"stop"_s});
    QCOMPARE(noPid.exitCode, 1);
    QVERIFY2(noPid.err.contains("has no pid directive"), noPid.err.constData());
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), config(unusedPort())));
    const Run missing = runWsscope({u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s, u"-s"_s, u"stop"_s});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains(QByteArray(QByteArray("cannot read a pid from ") + m_dir->filePath(u"nginx.pid"_s).toUtf8())),
             missing.err.constData());
}

// daemon on: the starting command returns once the daemon listens; the pid
// file names the daemon, not the starter.
void tst_NginxCommandLine::daemonDetachesAndReportsItsStatus()
{
    const quint16 port = unusedPort();
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), config(port).replace("daemon off;", "")));
    const QStringList base{u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s};
    const Run start = runWsscope(base + QStringList{u"-g"_s, u"daemon on;"_s});
    QCOMPARE(start.exitCode, 0);
    const qint64 daemonPid = pidIn(m_dir->filePath(u"nginx.pid"_s));
    QVERIFY(processAlive(daemonPid));
    QVERIFY(httpExchange(port, "GET / HTTP/1.0\r\n\r\n", 3000).ok);
    // A session leader of its own, no terminal.
    QVERIFY(::getsid(pid_t(daemonPid)) != ::getsid(0));

    // A second one cannot bind: the starter says so with the daemon's status.
    QVERIFY(writeFile(m_dir->filePath(u"second.conf"_s),
                      config(port, "pid other.pid;\n").replace("daemon off;", "daemon on;")));
    const Run second = runWsscope({u"-p"_s, m_dir->path(), u"-c"_s, u"second.conf"_s});
    QCOMPARE(second.exitCode, 1);
    QVERIFY(!QFile::exists(m_dir->filePath(u"other.pid"_s)));

    QCOMPARE(runWsscope(base + QStringList{u"-s"_s, u"stop"_s}).exitCode, 0);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(daemonPid), 15000);
    QVERIFY(!QFile::exists(m_dir->filePath(u"nginx.pid"_s)));
}

void tst_NginxCommandLine::notApplicableSignalsAreIgnored()
{
    const quint16 port = unusedPort();
    PeerProcess proxy;
    QVERIFY(startNginxStyle(&proxy, port));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(u"nginx.pid"_s)), 10000);
    ::kill(pid_t(proxy.pid()), SIGUSR2);
    ::kill(pid_t(proxy.pid()), SIGWINCH);
    QTRY_VERIFY(readFile(m_dir->filePath(u"error.log"_s)).contains("SIGWINCH received: not applicable"));
    QVERIFY(readFile(m_dir->filePath(u"error.log"_s)).contains("SIGUSR2 received: not applicable"));
    QVERIFY(proxy.isRunning());
    QVERIFY(httpExchange(port, "GET / HTTP/1.0\r\n\r\n", 3000).ok);
    QCOMPARE(proxy.terminate(), 0);
}

void tst_NginxCommandLine::userDropsPrivileges()
{
    if (::geteuid() != 0)
        QSKIP("needs root: `user` only switches users when started as root");
    const passwd *nobody = ::getpwnam("nobody");
    if (!nobody)
        QSKIP("no user nobody");
    const QByteArray uid = QByteArray::number(nobody->pw_uid);
    const quint16 port = unusedPort();
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), config(port, "pid nginx.pid;\nuser nobody nogroup;\n")));
    PeerProcess proxy;
    QVERIFY(proxy.launch(wsscopeBinary(), {u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(u"nginx.pid"_s)), 10000);
    // Every thread (the workers serve the request) runs as nobody.
    QTRY_COMPARE(procStatus(proxy.pid(), "Uid:"), uid + ' ' + uid + ' ' + uid + ' ' + uid);
    for (const QString &task : QDir(u"/proc/%1/task"_s.arg(proxy.pid())).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        QVERIFY(readFile(u"/proc/%1/task/%2/status"_s.arg(proxy.pid()).arg(task)).contains(QByteArray(QByteArray("Uid:\t") + uid + '\t')));
    QVERIFY(httpExchange(port, "GET / HTTP/1.0\r\n\r\n", 3000).ok);
    QCOMPARE(proxy.terminate(), 0);
}

void tst_NginxCommandLine::unknownUserIsAnError()
{
    if (::geteuid() != 0)
        QSKIP("nginx checks `user` only when started as root");
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), config(unusedPort(), "user no-such-user-here;\n")));
    const Run r = runWsscope({u"-t"_s, u"-c"_s, m_dir->filePath(u"nginx.conf"_s)});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("nginx.conf:1:6: error: getpwnam(\"no-such-user-here\") failed"), r.err.constData());
}

// nginx loads the certificates of every server that has them, TLS socket or
// not, so -t refuses a missing one there too (and a password pipe is read).
void tst_NginxCommandLine::certificatesOfPlainServersAreLoaded()
{
    const QByteArray missing = m_dir->filePath(u"missing.crt"_s).toUtf8();
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s),
                      config(unusedPort(), "").replace("location / {", QByteArray("ssl_certificate " + missing
                                                                           + ";\n    ssl_certificate_key k.pem;\n    location / {"))));
    const Run r = runWsscope({u"-t"_s, u"-c"_s, m_dir->filePath(u"nginx.conf"_s)});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QByteArray("error: cannot read certificate \"" + missing + "\"")), r.err.constData());
}

void tst_NginxCommandLine::reloadClosesOldTunnelsAfterShutdownTimeout_data()
{
    QTest::addColumn<QByteArray>("mainLevel");
    QTest::addColumn<bool>("closed");
    // nginx: after a reload the old workers close what is left after
    // worker_shutdown_timeout; without it, tunnels run on until they end.
    QTest::newRow("worker_shutdown_timeout 100ms") << QByteArray("worker_shutdown_timeout 100ms;\n") << true;
    QTest::newRow("without it") << QByteArray() << false;
}

void tst_NginxCommandLine::reloadClosesOldTunnelsAfterShutdownTimeout()
{
    QFETCH(QByteArray, mainLevel);
    QFETCH(bool, closed);
    PeerProcess echo;
    QVERIFY(echo.startPython(u"ws_echo_server.py"_s));
    const quint16 port = unusedPort();
    const QByteArray proxying = "proxy_pass http://127.0.0.1:" + QByteArray::number(echo.port())
        + "; proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade;";
    const QByteArray conf = config(port, QByteArray("pid nginx.pid;\n" + mainLevel)).replace("return 200 \"ok\\n\";", proxying);
    QVERIFY(writeFile(m_dir->filePath(u"nginx.conf"_s), conf));
    PeerProcess proxy;
    QVERIFY(proxy.launch(wsscopeBinary(), {u"-p"_s, m_dir->path(), u"-c"_s, u"nginx.conf"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(u"nginx.pid"_s)), 10000);

    QTcpSocket tunnel;
    tunnel.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(tunnel.waitForConnected(3000));
    tunnel.write("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    const HttpResult upgraded = readHttpResponse(tunnel, 5000, true);
    QCOMPARE(upgraded.status, 101);

    ::kill(pid_t(proxy.pid()), SIGHUP);
    // Closed soon after the timeout, or still open well after it.
    const bool gone = QTest::qWaitFor([&] { return !tunnel.waitForReadyRead(50) && tunnel.state() != QTcpSocket::ConnectedState; },
                                      3000);
    QCOMPARE(gone, closed);
    tunnel.abort();
    QCOMPARE(proxy.terminate(), 0);
}

QTEST_GUILESS_MAIN(tst_NginxCommandLine)
#include "tst_nginxcommandline.moc"
