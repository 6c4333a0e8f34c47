#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)  // wsscope.proxy: listeners, workers, upstream connects
Q_DECLARE_LOGGING_CATEGORY(lcAccess) // wsscope.access: one line per exchange or tunnel
Q_DECLARE_LOGGING_CATEGORY(lcConfig) // wsscope.config

namespace Logging {

// Installs the stderr handler. verbosity: 0 = info (startup lines and the
// access log), 1 (-v) = wsscope debug, 2 (-vv) = Qt's own debug too.
void install(int verbosity);

} // namespace Logging
