#include "balancers.h"

PeerPicker::PeerPicker(UpstreamGroup &group, UpstreamSelection &selection, qint64 nowMs, QStringList *skipped)
    : m_group(group)
    , m_selection(selection)
    , m_now(nowMs)
    , m_skipped(skipped)
{
}

PeerPicker::Skip PeerPicker::unavailable(int member)
{
    const UpstreamServer &s = server(member);
    const PeerState &st = peer(member);
    if (s.down)
        return Skip::Down;
    if (s.maxFails && st.fails >= s.maxFails && m_now - st.checkedMs <= s.failTimeoutMs)
        return Skip::Failed;
    if (s.maxConns && st.conns >= s.maxConns)
        return Skip::MaxConns;
    if (st.probeDown)
        return Skip::Unhealthy;
    return Skip::None;
}

bool PeerPicker::usable(int member)
{
    const Skip why = unavailable(member);
    if (why == Skip::None)
        return true;
    note(member, why);
    return false;
}

bool PeerPicker::usableSingle(int member)
{
    Skip why = unavailable(member);
    if (why == Skip::Failed)
        why = Skip::None;
    if (why == Skip::None)
        return true;
    note(member, why);
    return false;
}

void PeerPicker::note(int member, Skip why)
{
    const qsizetype index = tier().members.at(member);
    if (!m_skipped || m_noted.contains(index))
        return;
    m_noted.append(index);
    const UpstreamServer &s = server(member);
    const PeerState &st = peer(member);
    QString reason;
    switch (why) {
    case Skip::None:
        return;
    case Skip::Down:
        reason = QStringLiteral("down");
        break;
    case Skip::Failed:
        reason = QStringLiteral("failed: %1 failures, max_fails=%2; retried in %3 ms")
                     .arg(st.fails)
                     .arg(s.maxFails)
                     .arg(qMax<qint64>(0, st.checkedMs + s.failTimeoutMs - m_now));
        break;
    case Skip::MaxConns:
        reason = QStringLiteral("at max_conns=%1").arg(s.maxConns);
        break;
    case Skip::Unhealthy:
        reason = QStringLiteral("health check failed");
        if (!st.probeDetail.isEmpty())
            reason += QStringLiteral(": ") + st.probeDetail;
        break;
    }
    m_skipped->append(m_group.displayName(index) + QStringLiteral(" (") + reason + u')');
}

void PeerPicker::take(int member)
{
    PeerState &st = peer(member);
    ++st.conns;
    ++st.picks;
    if (m_now - st.checkedMs > server(member).failTimeoutMs)
        st.checkedMs = m_now;
    m_selection.tried[size_t(member)] = true;
}

bool PeerPicker::switchToBackups()
{
    if (m_selection.tier != 0 || m_group.m_tiers[1].members.isEmpty())
        return false;
    m_selection.tier = 1;
    std::fill(m_selection.tried.begin(), m_selection.tried.end(), false);
    return true;
}
