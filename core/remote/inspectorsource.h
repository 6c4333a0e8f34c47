#pragma once

#include "config/confdiagnostic.h"
#include "config/configdoctor.h"
#include "inspect/inspectevent.h"
#include "remote/instanceids.h"
#include "upstream/upstreamfigures.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

// What the window needs from a proxy, and nothing more: the event stream,
// injection, the configuration as text, listeners and counters. Only value
// types cross it, and nothing in it blocks: the getters return what the
// source last learnt, and every command answers later with a signal. So it
// is implemented over an in-process ProxyServer (LocalInspectorSource) and
// over a network connection to a headless instance (RemoteInspectorSource)
// alike, and the panes cannot tell which one feeds them.

// The result of checking (or applying) a configuration text.
struct ConfigCheckResult
{
    bool ok = false;                    // compiled without errors (and, for apply, reloaded)
    QList<ConfDiagnostic> diagnostics;  // the compiler's, in order
    QList<DoctorFinding> findings;      // the config doctor's, when it compiled
    QString applyError;                 // apply only: why the reload failed (e.g. address in use)
};

// One server of an upstream group as configured (for the upstreams pane).
struct UpstreamTarget
{
    QString group;   // "websocket", or the proxy_pass host for an implicit group
    QString server;  // "127.0.0.1:8010"
    bool down = false;
    bool backup = false;
    int weight = 1;

    bool operator==(const UpstreamTarget &) const = default;
};

// The instance's recording switch (the channel's pause/resume,
// docs/inspect-protocol.md): while paused the instance keeps and sends
// nothing; proxying goes on.
struct RecordingState
{
    bool paused = false;
    QString by;                // who switched it last, as that client named itself
    QString peer;              // its address
    qint64 sinceMs = 0;        // when (ms since the epoch)
    quint64 lastNotRecorded = 0; // events the last finished pause left out
    quint64 notRecorded = 0;     // over all pauses, as far as they reached the instance's channel (its figures)

    bool operator==(const RecordingState &) const = default;
};

class InspectorSource : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InspectorSource)

public:
    // Local: the proxy runs in this process. The others are a remote link's.
    enum class Link : quint8 { Local, Connecting, Up, Lost };

    using QObject::QObject;
    ~InspectorSource() override = default;

    // --- What the source last learnt (never blocks) ---
    QString instanceName() const { return m_instance; }
    Link link() const { return m_link; }
    // Why the link is not up (the error, "refused: bad token"); empty when up.
    QString linkDetail() const { return m_linkDetail; }
    // "127.0.0.1:8080", ...
    QStringList listeners() const { return m_listeners; }
    QString configText() const { return m_configText; }
    QString configName() const { return m_configName; }
    QList<UpstreamTarget> upstreamTargets() const { return m_targets; }
    QString balancingMethod(const QString &group) const { return m_methods.value(group); }
    QHash<QString, QString> methodsByGroup() const { return m_methods; }
    // The balancer's own view (health, failures, live connections); empty
    // when the source cannot tell, and the window falls back to events.
    QList<UpstreamFigures> upstreamFigures() const { return m_figures; }
    // Events the source could not deliver to us (our budget was full).
    virtual quint64 droppedEvents() const { return m_dropped; }
    // Whether Apply and the send panel may be used (a read-only channel refuses both).
    bool canApply() const { return m_canApply; }
    bool canInject() const { return m_canInject; }
    // The instance's recording switch as last heard; canPauseRecording():
    // whether setRecordingPaused may be asked (a remote link that is up and
    // not read-only; the window's own Pause is separate, ConnectionStore).
    RecordingState recording() const { return m_recording; }
    virtual bool canPauseRecording() const { return false; }
    // Where the source is ("wss://server:9901"); empty for a local one.
    virtual QString address() const { return {}; }
    // The instances a merged source shows (instance i + 1 is members()[i]);
    // empty for a source of one proxy.
    virtual QList<InspectorSource *> members() const { return {}; }

    // --- Commands: each answers with a signal, later ---
    // Asks for fresh upstream figures and counters (upstreamsChanged).
    virtual void refresh() = 0;
    // Compiles and runs the doctor without applying anything (configChecked
    // with the returned request number).
    virtual quint64 checkConfig(const QString &text) = 0;
    // Validated reload: applied only when it compiles and every listener
    // binds (configApplied with the returned request number).
    virtual quint64 applyConfig(const QString &text) = 0;
    // Sends a frame into a live connection toward the upstream or the client
    // (injectRefused when the source says no).
    virtual void inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload) = 0;
    // Pauses or resumes the instance's recording (recordingChanged when it
    // switched, recordingRefused when the instance says no).
    virtual void setRecordingPaused(bool paused) { Q_UNUSED(paused) }

signals:
    // Batches of events in arrival order, on the source's thread.
    void eventsReceived(const QList<InspectEvent> &batch);
    // Listeners, configuration text or upstream targets changed.
    void configChanged();
    // New upstream figures or counters.
    void upstreamsChanged();
    void configChecked(quint64 request, const ConfigCheckResult &result);
    void configApplied(quint64 request, const ConfigCheckResult &result);
    void injectRefused(quint64 connectionId, const QString &reason);
    // recording() changed: paused or resumed, by this client or another.
    void recordingChanged();
    void recordingRefused(const QString &reason);
    // Link state, its detail, the instance name or the permissions changed.
    void linkChanged();
    // A merged source gained an instance.
    void membersChanged();

protected:
    quint64 nextRequest() { return ++m_lastRequest; }
    void setLink(Link link, const QString &detail = {});
    void setIdentity(const QString &instance, bool canApply, bool canInject);
    void setListeners(const QStringList &listeners);
    // The configuration as text and what it configured; emits configChanged.
    void setConfig(const QString &text, const QString &name, const QList<UpstreamTarget> &targets,
                   const QHash<QString, QString> &methods);
    void setConfigText(const QString &text, const QString &name);
    // Figures and the dropped count; emits upstreamsChanged.
    void setFigures(const QList<UpstreamFigures> &figures, quint64 dropped);
    // Emits recordingChanged when it differs.
    void setRecording(const RecordingState &state);

private:
    QString m_instance;
    Link m_link = Link::Local;
    QString m_linkDetail;
    QStringList m_listeners;
    QString m_configText;
    QString m_configName;
    QList<UpstreamTarget> m_targets;
    QHash<QString, QString> m_methods;
    QList<UpstreamFigures> m_figures;
    quint64 m_dropped = 0;
    RecordingState m_recording;
    bool m_canApply = true;
    bool m_canInject = true;
    quint64 m_lastRequest = 0;
};
