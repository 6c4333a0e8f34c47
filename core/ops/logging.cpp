#include "logging.h"

#include <QDateTime>
#include <QFile>
#include <QStringEncoder>
#include <QVarLengthArray>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcProxy, "wsscope.proxy")
Q_LOGGING_CATEGORY(lcAccess, "wsscope.access")
Q_LOGGING_CATEGORY(lcConfig, "wsscope.config")

namespace {

// "2026-11-22T10:11:12" (local time, ISO 8601 as Qt::ISODate writes it) for
// one second. Converting to local time and formatting cost more than the
// rest of an access line, so each thread does it once per second and a line
// only appends its milliseconds. Per thread: no lock between the workers,
// which all log. Local-time offsets change on whole seconds, so a cached
// second is exact.
struct SecondStamp
{
    qint64 second = std::numeric_limits<qint64>::min();
    char text[40] = {};
    qsizetype size = 0;
};

// Most lines fit on the stack; a longer one spills to the heap. (Not a
// thread_local buffer: Qt may still log while a thread's thread_local
// objects are being destroyed.)
using LineBuffer = QVarLengthArray<char, 1024>;

void appendText(LineBuffer &line, const char *text)
{
    line.append(text, qsizetype(std::strlen(text)));
}

void appendTimestamp(LineBuffer &line)
{
    thread_local SecondStamp stamp; // trivially destructible
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    qint64 second = ms / 1000;
    qint64 milli = ms % 1000;
    if (milli < 0) { // before 1970: floor, not truncation
        --second;
        milli += 1000;
    }
    if (second != stamp.second) {
        const QByteArray text = QDateTime::fromSecsSinceEpoch(second).toString(Qt::ISODate).toLatin1();
        stamp.size = std::min<qsizetype>(text.size(), qsizetype(sizeof stamp.text));
        std::memcpy(stamp.text, text.constData(), size_t(stamp.size));
        stamp.second = second;
    }
    const char ms3[4] = {'.', char('0' + milli / 100), char('0' + milli / 10 % 10), char('0' + milli % 10)};
    line.append(stamp.text, stamp.size);
    line.append(ms3, 4);
}

// The sinks in effect. Lines are written by every thread while the main
// thread may change the set (reload) or reopen files (SIGUSR1), so a table
// is immutable once published and swapped by one atomic store; reopen
// dup2()s a new descriptor onto the old number, which is atomic for a
// concurrent write(). Replaced tables are kept (a reload's worth of bytes)
// because a thread may still be reading one.
struct ActiveSink
{
    int fd = STDERR_FILENO;
    Logging::Level level = Logging::Level::Debug;
    QString path; // empty: stderr
};

struct SinkTable
{
    std::vector<ActiveSink> sinks;               // the main level's
    std::vector<std::vector<ActiveSink>> scoped; // the http, server and location levels' sets

    template<typename F> void forEach(F f) const
    {
        for (const ActiveSink &s : sinks)
            f(s);
        for (const std::vector<ActiveSink> &set : scoped) {
            for (const ActiveSink &s : set)
                f(s);
        }
    }
};

std::mutex g_tablesMutex; // only for changes (setSinks, reopen), never per line
std::vector<std::unique_ptr<SinkTable>> g_tables;
std::atomic<const SinkTable *> g_current{nullptr};

const SinkTable *stderrTable()
{
    static const SinkTable table{{ActiveSink{}}};
    return &table;
}

const SinkTable *currentTable()
{
    const SinkTable *t = g_current.load(std::memory_order_acquire);
    return t ? t : stderrTable();
}

Logging::Level levelOf(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return Logging::Level::Debug;
    case QtInfoMsg: return Logging::Level::Info;
    case QtWarningMsg: return Logging::Level::Warn;
    case QtCriticalMsg: return Logging::Level::Error;
    case QtFatalMsg: return Logging::Level::Emerg;
    }
    return Logging::Level::Info;
}

int openLogFile(const QString &path, QString *error)
{
    const int fd = Logging::openForAppend(path);
    if (fd < 0)
        *error = QStringLiteral("cannot open the log file %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    return fd;
}

void writeLine(const LineBuffer &line, Logging::Level level, const std::vector<ActiveSink> &sinks)
{
    for (const ActiveSink &sink : sinks) {
        if (level < sink.level)
            continue;
        // One write per line, so lines from several threads never interleave.
        [[maybe_unused]] const ssize_t n = ::write(sink.fd, line.constData(), size_t(line.size()));
    }
}

// "TIME [LEVEL] CATEGORY: MESSAGE\n"
void formatLine(LineBuffer &line, QtMsgType type, const char *category, const QString &message)
{
    const char *level = "info";
    switch (type) {
    case QtDebugMsg: level = "debug"; break;
    case QtInfoMsg: level = "info"; break;
    case QtWarningMsg: level = "warn"; break;
    case QtCriticalMsg: level = "error"; break;
    case QtFatalMsg: level = "fatal"; break;
    }
    if (std::strncmp(category, "wsscope.", 8) == 0)
        category += 8;
    appendTimestamp(line);
    appendText(line, " [");
    appendText(line, level);
    appendText(line, "] ");
    appendText(line, category);
    appendText(line, ": ");
    // UTF-8 straight into the line, no intermediate QByteArray.
    QStringEncoder utf8(QStringEncoder::Utf8, QStringConverter::Flag::Stateless);
    const qsizetype head = line.size();
    line.resize(head + utf8.requiredSpace(message.size()) + 1);
    char *end = utf8.appendToBuffer(line.data() + head, message);
    *end++ = '\n';
    line.resize(end - line.constData());
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LineBuffer line;
    formatLine(line, type, context.category ? context.category : "default", message);
    writeLine(line, levelOf(type), currentTable()->sinks);
}

bool sameSinks(const std::vector<ActiveSink> &active, const QList<Logging::Sink> &wanted)
{
    if (active.size() != size_t(wanted.size()))
        return false;
    for (size_t i = 0; i < active.size(); ++i) {
        if (active[i].path != wanted.at(qsizetype(i)).path || active[i].level != wanted.at(qsizetype(i)).level)
            return false;
    }
    return true;
}

} // namespace

namespace Logging {

void install(int verbosity)
{
    QByteArray rules = "*.debug=false\nqt.*.info=false\nwsscope.*.info=true\n";
    if (verbosity >= 1)
        rules += "wsscope.*.debug=true\n";
    if (verbosity >= 2)
        rules += "qt.*.debug=true\n";
    QLoggingCategory::setFilterRules(QString::fromUtf8(rules));
    qInstallMessageHandler(handler);
}

} // namespace Logging

namespace Logging {

std::optional<Level> parseLevel(QByteArrayView word)
{
    static const char *const names[] = {"debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"};
    for (size_t i = 0; i < std::size(names); ++i) {
        if (word == names[i])
            return Level(i);
    }
    return std::nullopt;
}

bool setSinks(const QList<Sink> &sinks, QString *error)
{
    return setSinks(sinks, {}, error);
}

bool setSinks(const QList<Sink> &sinks, const QList<QList<Sink>> &scoped, QString *error)
{
    std::lock_guard<std::mutex> lock(g_tablesMutex);
    const SinkTable *old = currentTable();
    auto next = std::make_unique<SinkTable>();
    std::vector<ActiveSink> opened; // files this call opened
    // A file already open keeps its descriptor (a reload of the same file,
    // one file named at several levels).
    auto descriptorFor = [&](const QString &path) {
        int fd = -1;
        const auto find = [&](const ActiveSink &o) {
            if (fd < 0 && o.path == path)
                fd = o.fd;
        };
        std::for_each(opened.cbegin(), opened.cend(), find);
        old->forEach(find);
        if (fd < 0 && (fd = openLogFile(path, error)) >= 0)
            opened.push_back(ActiveSink{fd, Level::Debug, path});
        return fd;
    };
    auto activate = [&](const QList<Sink> &set, std::vector<ActiveSink> *out) {
        for (const Sink &s : set) {
            ActiveSink a{STDERR_FILENO, s.level, s.path};
            if (!s.path.isEmpty() && (a.fd = descriptorFor(s.path)) < 0)
                return false;
            out->push_back(a);
        }
        return true;
    };
    bool ok = activate(sinks, &next->sinks);
    for (qsizetype i = 0; ok && i < scoped.size(); ++i)
        ok = activate(scoped.at(i), &next->scoped.emplace_back());
    if (!ok) {
        for (const ActiveSink &o : opened)
            ::close(o.fd);
        return false;
    }
    if (next->sinks.empty())
        next->sinks.push_back(ActiveSink{});
    g_current.store(next.get(), std::memory_order_release);
    // Files no longer used: /dev/null over them, not close(), as another
    // thread may be writing to that number right now and it must not be reused.
    old->forEach([&](const ActiveSink &o) {
        bool kept = false;
        next->forEach([&](const ActiveSink &n) { kept = kept || n.fd == o.fd; });
        if (!kept && !o.path.isEmpty()) {
            const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
            if (null >= 0) {
                ::dup2(null, o.fd);
                ::close(null);
            }
        }
    });
    g_tables.push_back(std::move(next));
    return true;
}

void write(const QList<Sink> &scope, const QLoggingCategory &category, QtMsgType type, const QString &message)
{
    if (!category.isEnabled(type))
        return;
    const SinkTable *table = currentTable();
    const std::vector<ActiveSink> *sinks = &table->sinks;
    if (!scope.isEmpty()) {
        const auto found = std::find_if(table->scoped.cbegin(), table->scoped.cend(),
                                        [&](const std::vector<ActiveSink> &set) { return sameSinks(set, scope); });
        if (found != table->scoped.cend())
            sinks = &*found;
    }
    LineBuffer line;
    formatLine(line, type, category.categoryName(), message);
    writeLine(line, levelOf(type), *sinks);
}

bool reopen(QString *error)
{
    std::lock_guard<std::mutex> lock(g_tablesMutex);
    bool ok = true;
    std::vector<int> done; // a file named at several levels has one descriptor
    currentTable()->forEach([&](const ActiveSink &s) {
        if (s.path.isEmpty() || std::find(done.cbegin(), done.cend(), s.fd) != done.cend())
            return;
        done.push_back(s.fd);
        if (!reopenOnto(s.fd, s.path)) {
            *error = QStringLiteral("cannot open the log file %1: %2").arg(s.path, QString::fromLocal8Bit(std::strerror(errno)));
            ok = false;
        }
    });
    return ok;
}

int openForAppend(const QString &path)
{
    return ::open(QFile::encodeName(path).constData(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

bool reopenOnto(int fd, const QString &path)
{
    const int fresh = openForAppend(path);
    if (fresh < 0)
        return false;
    ::dup2(fresh, fd); // atomic for a concurrent write(); it clears FD_CLOEXEC on fd, so set again
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::close(fresh);
    return true;
}

bool usesStderr()
{
    bool any = false;
    currentTable()->forEach([&](const ActiveSink &s) { any = any || s.path.isEmpty(); });
    return any;
}

} // namespace Logging
