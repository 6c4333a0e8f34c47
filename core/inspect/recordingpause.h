#pragma once

#include "inspectevent.h"

#include <QList>
#include <QSet>
#include <QString>

#include <deque>

// The daemon's recording switch: the inspection channel's `pause` and
// `resume` (docs/inspect-protocol.md). While paused, what happens is neither
// kept (the channel's history, --capture's JSONL and HAR) nor sent to
// attached clients; proxying goes on untouched. It is Charles's "stop
// recording", not mitmproxy's intercept: nothing waits.
//
// Several consumers read the event bus, each getting its batches at its own
// moment, so the switch decides by each event's own time (wallMs: the
// workers' monotonic clocks have different origins), not by when a batch
// arrives: every consumer leaves out the same events. Each consumer filters
// through its own Filter, which counts what it left out. As the window's own
// Pause (ConnectionStore::setPaused): a connection that opened while paused
// is left out for its whole life (its later events would describe a
// connection nobody saw open); one recorded before loses its frames and
// messages but keeps its route, response and close, so it does not hang
// open in the history, the capture or a client.
//
// Main thread only.
class RecordingPause final
{
    Q_DISABLE_COPY_MOVE(RecordingPause)

public:
    struct State
    {
        bool paused = false;
        QString by;          // who paused or resumed last, as the client named itself
        QString peer;        // its address ("127.0.0.1:53422")
        qint64 sinceMs = 0;  // when (ms since the epoch)
    };

    RecordingPause() = default;

    // Both return false when nothing changed (already paused, not paused).
    bool pause(const QString &by, const QString &peer, qint64 nowMs);
    bool resume(const QString &by, const QString &peer, qint64 nowMs);
    const State &state() const { return m_state; }
    // Whether an event at this time fell into a pause (the current one
    // included).
    bool pausedAt(qint64 wallMs) const;

    class Filter final
    {
    public:
        explicit Filter(const RecordingPause *pause) : m_pause(pause) {}
        // The events of `batch` to record, in order.
        QList<InspectEvent> recorded(const QList<InspectEvent> &batch);
        // Events left out so far, over all pauses.
        quint64 notRecorded() const { return m_notRecorded; }

    private:
        static constexpr qsizetype MaxHidden = 100'000; // as ConnectionStore's ignored ids

        const RecordingPause *m_pause;
        QSet<quint64> m_hidden; // connections opened while paused, until they close
        quint64 m_notRecorded = 0;
    };

private:
    // Bounded: a batch reaches its consumers well within the last few pauses.
    static constexpr size_t KeptIntervals = 64;

    State m_state;
    // [begin, end) in wallMs; the last one's end is open while paused.
    std::deque<std::pair<qint64, qint64>> m_intervals;
};
