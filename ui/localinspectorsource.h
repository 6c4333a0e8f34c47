#pragma once

#include "inspectorsource.h"

class ProxyServer;

// InspectorSource over a ProxyServer in this process. Construct it before
// the server accepts its first connection: it subscribes to the event bus at
// once, and batches wait in the bus until the event loop delivers them.
class LocalInspectorSource final : public InspectorSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalInspectorSource)

public:
    LocalInspectorSource(ProxyServer *server, QString configText, QString configName, QObject *parent = nullptr);
    ~LocalInspectorSource() override;

    QStringList listeners() const override;
    QString configText() const override { return m_configText; }
    QString configName() const override { return m_configName; }
    QString balancingMethod(const QString &group) const override;
    QList<UpstreamTarget> upstreamTargets() const override;
    QList<UpstreamFigures> upstreamFigures() const override;
    ConfigCheckResult checkConfig(const QString &text) const override;
    ConfigCheckResult applyConfig(const QString &text) override;
    void inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload) override;
    quint64 droppedEvents() const override;

    // Replaces the text shown in the editor without reloading (the text the
    // running configuration was compiled from, once it is known).
    void setConfigText(const QString &text, const QString &name);

private:
    ProxyServer *m_server;
    QString m_configText;
    QString m_configName;
    int m_subscription = 0;
};
