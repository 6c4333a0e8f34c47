#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

// Per-upstream figures for the GUI and metrics: plain values, copied out of
// the groups under their locks (ProxyServer::upstreamFigures()).
struct UpstreamServerFigures
{
    enum class Health : quint8 {
        Up,        // available
        Backup,    // a backup server, available, waiting for the primaries to fail
        Failed,    // max_fails reached within fail_timeout: skipped for failedForMs more
        Down,      // marked `down` in the configuration
        Unhealthy, // the active health check took it out
    };

    QString name;              // as configured ("127.0.0.1:9000")
    QString address;           // the resolved address and port
    int weight = 1;
    int maxConns = 0;
    bool backup = false;
    Health health = Health::Up;
    qint64 failedForMs = 0;    // Failed: until nginx tries it again
    int fails = 0;             // failures counted toward max_fails now
    int liveConnections = 0;   // exchanges and tunnels open right now
    quint64 totalConnections = 0; // times the balancer chose it
    quint64 failures = 0;      // failed attempts (connect errors, timeouts, bad responses)
    qint64 bytesToUpstream = 0;
    qint64 bytesFromUpstream = 0;
    double share = 0;          // totalConnections / the group's decisions
    QString lastFailure;
    QString healthDetail;      // the active check's last result, when configured
};

struct UpstreamFigures
{
    QString group;             // upstream name, or host:port of a proxy_pass URL
    QString algorithm;         // "round-robin", "ip_hash", ...
    bool explicitBlock = false;
    bool healthCheck = false;
    quint64 decisions = 0;
    QList<UpstreamServerFigures> servers;
};

const char *upstreamHealthName(UpstreamServerFigures::Health health);
