#pragma once

#include "config/configcompiler.h"
#include "remote/inspectorsource.h"

class ProxyServer;

// InspectorSource over a ProxyServer in this process. Construct it before
// the server accepts its first connection: it subscribes to the event bus at
// once, and batches wait in the bus until the event loop delivers them.
//
// The proxy is at hand, so refresh() reads it at once; the answers to the
// configuration commands still come from the event loop, as a remote
// source's do, so the panes meet one order of events whichever source feeds
// them.
class LocalInspectorSource final : public InspectorSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalInspectorSource)

public:
    LocalInspectorSource(ProxyServer *server, QString configText, QString configName, QObject *parent = nullptr);
    ~LocalInspectorSource() override;

    quint64 droppedEvents() const override;
    void refresh() override;
    quint64 checkConfig(const QString &text) override;
    quint64 applyConfig(const QString &text) override;
    void inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload) override;

    // Replaces the text shown in the editor without reloading (the text the
    // running configuration was compiled from, once it is known).
    using InspectorSource::setConfigText;
    // What Check and Apply compile with (-p, -g): the running
    // configuration's own, so relative paths and globals mean the same.
    void setCompileOptions(ConfigCompileOptions options) { m_compileOptions = std::move(options); }
    // The name the window shows for this proxy ("local" until set).
    void setInstanceName(const QString &name) { setIdentity(name, canApply(), canInject()); }

private:
    // Listeners, targets and methods from the running configuration.
    void readRuntime();
    ConfigCheckResult apply(const QString &text);

    ProxyServer *m_server;
    int m_subscription = 0;
    ConfigCompileOptions m_compileOptions;
};
