#include "recordingpause.h"

#include <limits>

bool RecordingPause::pause(const QString &by, const QString &peer, qint64 nowMs)
{
    if (m_state.paused)
        return false;
    m_state = State{true, by, peer, nowMs};
    m_intervals.emplace_back(nowMs, std::numeric_limits<qint64>::max());
    while (m_intervals.size() > KeptIntervals)
        m_intervals.pop_front();
    return true;
}

bool RecordingPause::resume(const QString &by, const QString &peer, qint64 nowMs)
{
    if (!m_state.paused)
        return false;
    m_state = State{false, by, peer, nowMs};
    m_intervals.back().second = nowMs;
    return true;
}

bool RecordingPause::pausedAt(qint64 wallMs) const
{
    for (auto it = m_intervals.crbegin(); it != m_intervals.crend(); ++it) {
        if (wallMs >= it->second)
            return false; // after this pause, and the earlier ones ended before it
        if (wallMs >= it->first)
            return true;
    }
    return false;
}

QList<InspectEvent> RecordingPause::Filter::recorded(const QList<InspectEvent> &batch)
{
    // Never paused: the batch as it is.
    if (m_pause->m_intervals.empty() && m_hidden.isEmpty())
        return batch;
    QList<InspectEvent> kept;
    kept.reserve(batch.size());
    for (const InspectEvent &e : batch) {
        const bool closes = e.as<ClosedEvent>() != nullptr;
        bool out = m_hidden.contains(e.connectionId);
        if (!out && m_pause->pausedAt(e.wallMs)) {
            if (e.as<ConnectionOpenedEvent>()) {
                if (m_hidden.size() >= MaxHidden)
                    m_hidden.clear(); // closes we never saw (the bus dropped them): do not grow
                m_hidden.insert(e.connectionId);
                out = true;
            } else {
                // A connection recorded before the pause keeps its route,
                // response and close (it must not hang open), not its traffic.
                out = e.as<MessageEvent>() || e.as<ControlFrameEvent>() || e.as<FrameEvent>();
            }
        }
        if (closes)
            m_hidden.remove(e.connectionId);
        if (out)
            ++m_notRecorded;
        else
            kept << e;
    }
    return kept;
}
