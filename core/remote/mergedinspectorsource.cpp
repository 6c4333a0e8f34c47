#include "remote/mergedinspectorsource.h"

#include <algorithm>

MergedInspectorSource::MergedInspectorSource(QObject *parent)
    : InspectorSource(parent)
{
    setLink(Link::Connecting);
}

MergedInspectorSource::~MergedInspectorSource() = default;

int MergedInspectorSource::addMember(InspectorSource *member)
{
    member->setParent(this);
    m_members << member;
    const int instance = int(m_members.size());
    connect(member, &InspectorSource::eventsReceived, this, [this, instance](const QList<InspectEvent> &batch) {
        QList<InspectEvent> tagged = batch;
        for (InspectEvent &e : tagged)
            e.connectionId = InstanceIds::make(instance, e.connectionId);
        emit eventsReceived(tagged);
    });
    connect(member, &InspectorSource::injectRefused, this, [this, instance](quint64 id, const QString &reason) {
        emit injectRefused(InstanceIds::make(instance, id), reason);
    });
    connect(member, &InspectorSource::upstreamsChanged, this, &InspectorSource::upstreamsChanged);
    connect(member, &InspectorSource::recordingChanged, this, &MergedInspectorSource::updateRecording);
    connect(member, &InspectorSource::recordingRefused, this, [this, member](const QString &reason) {
        emit recordingRefused(member->instanceName() + QStringLiteral(": ") + reason);
    });
    connect(member, &InspectorSource::configChanged, this, &MergedInspectorSource::updateSummary);
    connect(member, &InspectorSource::linkChanged, this, &MergedInspectorSource::updateSummary);
    if (instance == 1) {
        connect(member, &InspectorSource::configChecked, this, &InspectorSource::configChecked);
        connect(member, &InspectorSource::configApplied, this, &InspectorSource::configApplied);
    }
    updateSummary();
    updateRecording();
    emit membersChanged();
    return instance;
}

void MergedInspectorSource::updateSummary()
{
    QStringList names;
    QStringList listeners;
    bool canApply = false;
    bool canInject = false;
    bool allUp = !m_members.isEmpty();
    bool anyLost = false;
    for (const InspectorSource *m : std::as_const(m_members)) {
        names << m->instanceName();
        for (const QString &l : m->listeners())
            listeners << m->instanceName() + QLatin1Char(' ') + l;
        canApply = canApply || m->canApply();
        canInject = canInject || m->canInject();
        allUp = allUp && (m->link() == Link::Up || m->link() == Link::Local);
        anyLost = anyLost || m->link() == Link::Lost;
    }
    setIdentity(names.join(QStringLiteral(", ")), canApply, canInject);
    setLink(allUp ? Link::Up : anyLost ? Link::Lost : Link::Connecting);
    setListeners(listeners);
    if (!m_members.isEmpty()) {
        const InspectorSource *first = m_members.constFirst();
        setConfig(first->configText(), first->configName(), first->upstreamTargets(), first->methodsByGroup());
    }
}

quint64 MergedInspectorSource::droppedEvents() const
{
    quint64 sum = 0;
    for (const InspectorSource *m : m_members)
        sum += m->droppedEvents();
    return sum;
}

void MergedInspectorSource::refresh()
{
    for (InspectorSource *m : std::as_const(m_members))
        m->refresh();
}

quint64 MergedInspectorSource::checkConfig(const QString &text)
{
    return m_members.isEmpty() ? 0 : m_members.constFirst()->checkConfig(text);
}

quint64 MergedInspectorSource::applyConfig(const QString &text)
{
    return m_members.isEmpty() ? 0 : m_members.constFirst()->applyConfig(text);
}

void MergedInspectorSource::inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload)
{
    const int instance = InstanceIds::instance(connectionId);
    if (instance < 1 || instance > m_members.size()) {
        emit injectRefused(connectionId, tr("no such instance"));
        return;
    }
    m_members.at(instance - 1)->inject(InstanceIds::local(connectionId), direction, opcode, payload);
}

void MergedInspectorSource::updateRecording()
{
    RecordingState merged;
    for (const InspectorSource *m : std::as_const(m_members)) {
        const RecordingState r = m->recording();
        if (r.paused && !merged.paused) {
            const RecordingState sums = merged;
            merged = r;
            merged.lastNotRecorded += sums.lastNotRecorded;
            merged.notRecorded += sums.notRecorded;
        } else {
            merged.lastNotRecorded += r.lastNotRecorded;
            merged.notRecorded += r.notRecorded;
        }
    }
    setRecording(merged);
}

bool MergedInspectorSource::canPauseRecording() const
{
    return std::any_of(m_members.cbegin(), m_members.cend(), [](const InspectorSource *m) { return m->canPauseRecording(); });
}

void MergedInspectorSource::setRecordingPaused(bool paused)
{
    for (InspectorSource *m : std::as_const(m_members)) {
        if (m->canPauseRecording())
            m->setRecordingPaused(paused);
    }
}
