#pragma once

#include "config/proxyconfig.h"

#include <QString>
#include <QStringList>

#include <memory>

// Quick mode is a configuration text generated from the flags and compiled
// like any file (one code path):
//   http { map $http_upgrade $connection_upgrade {...}
//          upstream quick { server HOST:PORT; ... }    (with several --upstream)
//          server { listen ADDR; location / { proxy_pass http://quick[/path];
//                   proxy_http_version 1.1; ...the seeds' headers and timeouts... } } }
struct QuickModeOptions
{
    QStringList listen;      // HOST:PORT, [v6]:PORT
    QStringList upstreams;   // ws://HOST:PORT[/path], http://..., or wss:// / https:// (TLS upstream)
    QString tlsCertificate;  // non-empty: listen with TLS (ssl_certificate, full chain PEM)
    QString tlsKey;          // ssl_certificate_key
    QString upstreamCa;      // non-empty: verify TLS upstreams against this CA (proxy_ssl_verify)
    int workers = 0;
    qint64 connectTimeoutMs = 60'000;
    qint64 readTimeoutMs = 60'000;
    qint64 sendTimeoutMs = 60'000;
    qint64 drainTimeoutMs = 10'000;
    qint64 pingIntervalMs = 0;   // ws_ping_interval (0 = off)
    qint64 pingTimeoutMs = 0;    // ws_ping_timeout (0 = the interval)
    bool inspect = true;         // ws_inspect
};

// The configuration text for the flags; empty with *error (one line) when
// an address or URL is unusable.
QByteArray buildQuickConfigText(const QuickModeOptions &options, QString *error);

// That text compiled; nullptr with *error (one line) when an address or URL
// is unusable or the compiler rejects it.
std::shared_ptr<ProxyConfig> buildQuickConfig(const QuickModeOptions &options, QString *error);

// "HOST:PORT" / "[v6]:PORT" / "PORT" -> address; false with *error.
bool parseListenAddress(const QString &text, ListenAddress *out, QString *error);

// nginx-style duration: "60", "60s", "500ms", "2m", "1h" -> milliseconds, -1 if invalid.
qint64 parseDurationMs(const QString &text);
