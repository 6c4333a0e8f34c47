#pragma once

#include "remote/inspectorsource.h"

// Several instances as one source: the way users run N wsscope instances
// behind an L4 balancer, watched in one window. Events of member i come out
// with their connection ids tagged by instance i + 1 (InstanceIds), so the
// window keeps one merged connection list; injection goes back to the
// member that owns the connection, with its own id. Configuration commands
// go to the first member; pausing the recording goes to all; the window gives each member its own config and
// upstreams views over members() instead.
class MergedInspectorSource final : public InspectorSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MergedInspectorSource)

public:
    explicit MergedInspectorSource(QObject *parent = nullptr);
    ~MergedInspectorSource() override;

    // Takes the member over (as its parent); returns its instance number.
    int addMember(InspectorSource *member);
    QList<InspectorSource *> members() const override { return m_members; }

    quint64 droppedEvents() const override;
    void refresh() override;
    quint64 checkConfig(const QString &text) override;
    quint64 applyConfig(const QString &text) override;
    void inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload) override;
    // Pausing pauses every member that can be paused; the merged state is
    // paused while any member is.
    bool canPauseRecording() const override;
    void setRecordingPaused(bool paused) override;

private:
    // Names, permissions, link and listeners summed up over the members.
    void updateSummary();
    void updateRecording();

    QList<InspectorSource *> m_members;
};
