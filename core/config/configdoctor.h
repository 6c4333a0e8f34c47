#pragma once

#include "config/confdiagnostic.h"
#include "config/proxyconfig.h"

#include <QList>
#include <QString>
#include <QStringList>

// One classic WebSocket-proxying mistake found in a configuration: where,
// what goes wrong, and the one-line fix. Plain data, for `wsscope -t` and
// for the GUI (or a remote client) to show next to the line.
struct DoctorFinding
{
    QString rule;          // stable id, e.g. "ws-http-version"
    ConfLocation location; // the directive to change
    QString message;
    QString fix;           // one line

    // "file:line:col: warning: message [rule]" and "file:line:col: note: fix: ..."
    QList<ConfDiagnostic> toDiagnostics() const;
};

// The config doctor: rules drawn from the seed articles and real outages.
// It reads a compiled snapshot (whose values remember where they were set).
//
//   ws-http-version      WebSocket location without proxy_http_version 1.1
//   ws-upgrade-headers   ... without Upgrade / Connection forwarded
//   connection-constant  Connection "upgrade" where $connection_upgrade is meant
//   read-timeout         proxy_read_timeout <= 60 s on a WebSocket location, no ping
//   header-inheritance   a level's proxy_set_header hides the outer level's headers
//   header-underscore    a header name with "_" (dropped by nginx and others)
//   host-proxy-host      Host $proxy_host (nginx's default) on a WebSocket location
//   trailing-slash       location / proxy_pass URI slash mismatch rewriting to a 404
//   sticky               several upstream servers without stickiness for WebSocket
//   inspect-no-tls       inspect_listen off loopback without ssl (token and frames in clear)
//   inspect-no-token     inspect_listen off loopback without any token (anyone may watch)
class ConfigDoctor final
{
public:
    static QList<DoctorFinding> check(const ProxyConfig &config);
    // The inspect-* rules alone, for a channel the command line opened too
    // (the application prints them at start; `location` may be invalid).
    static QList<DoctorFinding> checkInspect(const InspectChannelConfig &channel);
    static QStringList rules();
    // Whether a location looks like it carries WebSocket traffic: it
    // forwards Upgrade/Connection, or its path says so (/ws, /socket.io, ...).
    static bool isWebSocketLocation(const LocationConfig &location);
};
