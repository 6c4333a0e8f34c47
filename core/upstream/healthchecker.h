#pragma once

#include <QList>
#include <QObject>

#include <memory>

class QTimer;
class UpstreamGroup;

// wsscope's active health check (`health_check` in an upstream block; off by
// default). Lives on the main thread: one timer per group that has one,
// each tick probes every server not marked `down` with an HTTP GET (2xx/3xx
// is healthy) or a WebSocket handshake (101 is healthy). Results go to
// UpstreamGroup::reportProbe(), which takes a server out after `fails`
// failed probes in a row and back after `passes` good ones.
class UpstreamHealthChecker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamHealthChecker)

public:
    explicit UpstreamHealthChecker(QObject *parent = nullptr);
    ~UpstreamHealthChecker() override;

    // The groups of the running configuration; probes of groups no longer
    // listed stop. Call again after each reload.
    void setGroups(const QList<std::shared_ptr<UpstreamGroup>> &groups);
    int checkedGroupCount() const { return int(m_entries.size()); }

private:
    struct Entry
    {
        std::shared_ptr<UpstreamGroup> group;
        QTimer *timer = nullptr;
        QList<bool> inFlight;
    };
    void checkGroup(Entry *entry);
    void probe(Entry *entry, qsizetype index);

    QList<Entry *> m_entries;
};
