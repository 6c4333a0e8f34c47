#pragma once

#include "config/proxyconfig.h"

#include <QString>
#include <QStringList>


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

// --tls: a leaf from the local development CA for the names a laptop
// client uses plus the listen addresses that are not wildcards, into
// tlsCertificate/tlsKey. Prints what it created; false after printing why not.
bool useLocalCertificate(QuickModeOptions *quick);

// "HOST:PORT" / "[v6]:PORT" / "PORT" -> address; false with *error.
bool parseListenAddress(const QString &text, ListenAddress *out, QString *error);
