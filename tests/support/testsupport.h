#pragma once

#include <QByteArray>
#include <QString>

namespace TestSupport {

// Debian's interpreter, which has python3-websockets (the first python3 on
// PATH may be another one without Debian's modules).
QString systemPython();
// Directory holding the Python peers (tests/peers).
QString peersDir();
// Path of the built wsscope binary (set by CTest).
QString wsscopeBinary();

} // namespace TestSupport
