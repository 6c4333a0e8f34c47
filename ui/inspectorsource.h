#pragma once

#include "config/confdiagnostic.h"
#include "config/configdoctor.h"
#include "inspect/inspectevent.h"
#include "upstream/upstreamfigures.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

// What the window needs from a proxy, and nothing more: the event stream,
// injection, the configuration as text, listeners and counters. Only value
// types cross it, so it can be implemented over a network connection to a
// headless instance (remote attach) as well as over an in-process
// ProxyServer (LocalInspectorSource).

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
};

class InspectorSource : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InspectorSource)

public:
    using QObject::QObject;
    ~InspectorSource() override = default;

    // "127.0.0.1:8080", ...
    virtual QStringList listeners() const = 0;
    virtual QString configText() const = 0;
    virtual QString configName() const = 0;
    virtual QString balancingMethod(const QString &group) const = 0;
    virtual QList<UpstreamTarget> upstreamTargets() const = 0;
    // The balancer's own view (health, failures, live connections); empty
    // when the source cannot tell, and the window falls back to events.
    virtual QList<UpstreamFigures> upstreamFigures() const { return {}; }
    // Compiles and runs the doctor without applying anything.
    virtual ConfigCheckResult checkConfig(const QString &text) const = 0;
    // Validated reload: applied only when it compiles and every listener binds.
    virtual ConfigCheckResult applyConfig(const QString &text) = 0;
    // Sends a frame into a live connection toward the upstream or the client.
    virtual void inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload) = 0;
    // Events the source could not deliver to us (our budget was full).
    virtual quint64 droppedEvents() const = 0;

signals:
    // Batches of events in arrival order, on the source's thread.
    void eventsReceived(const QList<InspectEvent> &batch);
    void configChanged();
};
