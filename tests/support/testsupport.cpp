#include "testsupport.h"

#include <QFileInfo>

namespace TestSupport {

QString systemPython()
{
    return QFileInfo::exists(QStringLiteral("/usr/bin/python3")) ? QStringLiteral("/usr/bin/python3")
                                                                 : QStringLiteral("python3");
}

QString peersDir()
{
    return qEnvironmentVariable("WSSCOPE_PEERS");
}

QString wsscopeBinary()
{
    return qEnvironmentVariable("WSSCOPE_BIN");
}

} // namespace TestSupport
