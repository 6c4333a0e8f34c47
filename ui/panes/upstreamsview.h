#pragma once

#include <QWidget>

class ConnectionsModel;
class InspectorSource;
class QTreeView;
class RouteDecisionsModel;
class UpstreamStatsModel;

// The upstreams dock: per group and server the health and the counts
// (UpstreamStatsModel), and the balancer's last decisions below
// (RouteDecisionsModel). refresh() feeds both models from the source (the
// configuration, the balancer's figures) and the connections model (what the
// events say); the window calls it once a second and after a reload.
//
// In a merged window each instance has its own view (`instance` > 0, its
// InstanceIds number): the counts are the instance's balancer's own (the
// events of the merged list mix instances whose groups share names), and
// the decisions are those of its connections.
class UpstreamsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamsView)

public:
    UpstreamsView(InspectorSource *source, ConnectionsModel *connections, int instance = 0, QWidget *parent = nullptr);
    ~UpstreamsView() override;

    void refresh();
    UpstreamStatsModel *statsModel() const { return m_stats; }
    RouteDecisionsModel *decisionsModel() const { return m_decisions; }

private:
    InspectorSource *m_source;
    ConnectionsModel *m_connections;
    int m_instance;
    UpstreamStatsModel *m_stats;
    RouteDecisionsModel *m_decisions;
    QTreeView *m_statsView = nullptr;
    QTreeView *m_decisionsView = nullptr;
};
