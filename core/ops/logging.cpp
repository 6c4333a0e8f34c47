#include "logging.h"

#include <QDateTime>
#include <QStringEncoder>
#include <QVarLengthArray>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

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

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const char *level = "info";
    switch (type) {
    case QtDebugMsg: level = "debug"; break;
    case QtInfoMsg: level = "info"; break;
    case QtWarningMsg: level = "warn"; break;
    case QtCriticalMsg: level = "error"; break;
    case QtFatalMsg: level = "fatal"; break;
    }
    const char *category = context.category ? context.category : "default";
    if (std::strncmp(category, "wsscope.", 8) == 0)
        category += 8;

    LineBuffer line;
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
    // One write per line, so lines from several threads never interleave.
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
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
