#include "logging.h"

#include <QDateTime>

#include <cstdio>

Q_LOGGING_CATEGORY(lcProxy, "wsscope.proxy")
Q_LOGGING_CATEGORY(lcAccess, "wsscope.access")
Q_LOGGING_CATEGORY(lcConfig, "wsscope.config")

namespace {

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
    QByteArray category = context.category ? QByteArray(context.category) : QByteArray("default");
    if (category.startsWith("wsscope."))
        category = category.mid(8);
    const QByteArray line = QDateTime::currentDateTime().toString(Qt::ISODateWithMs).toUtf8() + " [" + level + "] "
        + category + ": " + message.toUtf8() + '\n';
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
