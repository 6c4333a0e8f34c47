#pragma once

#include <QDateTime>
#include <QHash>
#include <QLabel>

class InspectorSource;
class QTimer;

// The strip above an attached window's connections: per instance its name,
// where it is, and the link's state (connecting, connected, lost with how
// long so far, refused and why, its recording paused by whom), and after a reconnect the gap it had (when
// and how long no event could arrive). Hidden for a local proxy.
class LinkBanner final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinkBanner)

public:
    explicit LinkBanner(InspectorSource *source, QWidget *parent = nullptr);
    ~LinkBanner() override;

    // The last gap of an instance's link (ms; 0: none yet).
    qint64 lastGapMs(const InspectorSource *instance) const;

signals:
    // A line for the window's log (link lost, link back after a gap).
    void messageLogged(const QString &line);

private:
    struct Gap
    {
        QDateTime lostAt;    // valid while the link is down after having been up
        QDateTime lastFrom;  // the last gap, once the link came back
        qint64 lastMs = 0;
        bool wasUp = false;
        // The recording switch as last logged (figures change its counts often).
        bool loggedPaused = false;
        qint64 loggedSinceMs = 0;
    };

    void watch(InspectorSource *instance);
    void handleLink(InspectorSource *instance);
    void handleRecording(InspectorSource *instance);
    QString instanceLine(const InspectorSource *instance) const;
    void refresh();

    InspectorSource *m_source;
    QHash<const InspectorSource *, Gap> m_gaps;
    QTimer *m_tick = nullptr;
};
