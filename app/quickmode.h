#pragma once

#include "config/proxyconfig.h"

#include <QString>
#include <QStringList>

#include <memory>

// Turns the quick-mode flags into a configuration snapshot, exactly as if
// the user had written:
//   upstream quick { server HOST:PORT; ... }
//   server { listen ADDR; location / { proxy_pass http://quick[/path]; ...seed headers... } }
struct QuickModeOptions
{
    QStringList listen;      // HOST:PORT, [v6]:PORT
    QStringList upstreams;   // ws://HOST:PORT[/path] or http://...
    int workers = 0;
    qint64 connectTimeoutMs = 60'000;
    qint64 readTimeoutMs = 60'000;
    qint64 sendTimeoutMs = 60'000;
    qint64 drainTimeoutMs = 10'000;
};

// nullptr with *error (one line) when an address or URL is unusable.
std::shared_ptr<ProxyConfig> buildQuickConfig(const QuickModeOptions &options, QString *error);

// "HOST:PORT" / "[v6]:PORT" / "PORT" -> address; false with *error.
bool parseListenAddress(const QString &text, ListenAddress *out, QString *error);

// nginx-style duration: "60", "60s", "500ms", "2m", "1h" -> milliseconds, -1 if invalid.
qint64 parseDurationMs(const QString &text);
