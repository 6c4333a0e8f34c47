#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

#include <mutex>

// The mutable part of one upstream server: nginx's ngx_http_upstream_rr_peer_t
// fields that change at run time, plus the figures wsscope reports. Guarded
// by the group's GroupRuntime::mutex. Shared (by pointer) with the same
// server in the next generation of the group after a reload, so sessions
// that still run on the old configuration count in the same place.
struct PeerState
{
    int currentWeight = 0;     // smooth weighted round-robin position
    int effectiveWeight = 1;   // lowered on failures, climbs back by one per pick
    int conns = 0;             // live connections and tunnels
    int fails = 0;             // failures since the last success (max_fails)
    qint64 checkedMs = 0;      // nginx's peer->checked
    qint64 accessedMs = 0;     // nginx's peer->accessed (last failure)

    // Active health check (wsscope's extension).
    bool probeDown = false;
    int probeFailsInARow = 0;
    int probePassesInARow = 0;
    QString probeDetail;

    // Figures.
    quint64 picks = 0;
    quint64 failures = 0;
    qint64 bytesToUpstream = 0;
    qint64 bytesFromUpstream = 0;
    QString lastFailure;
};

// State of a whole group that is shared across its generations.
struct GroupRuntime
{
    std::mutex mutex;
    quint64 decisions = 0;
};

// The primaries or the backups of a group (nginx's ngx_http_upstream_rr_peers_t).
struct PeerTier
{
    QList<qsizetype> members;  // indexes into the group's servers, in config order
    int totalWeight = 0;       // all members, `down` ones included (as nginx)
    int tries = 0;             // members not `down`
    bool single = false;       // one primary and no backups: never marked failed
};
