#include "upstreamsview.h"

#include "connectionsmodel.h"
#include "itemviews.h"
#include "remote/inspectorsource.h"
#include "routedecisionsmodel.h"
#include "upstreamstatsmodel.h"

#include <QLabel>
#include <QTreeView>
#include <QVBoxLayout>

UpstreamsView::UpstreamsView(InspectorSource *source, ConnectionsModel *connections, int instance, QWidget *parent)
    : QWidget(parent)
    , m_source(source)
    , m_connections(connections)
    , m_instance(instance)
    , m_stats(new UpstreamStatsModel(this))
    , m_decisions(new RouteDecisionsModel(this))
{
    auto *layout = new QVBoxLayout(this);
    m_statsView = makeTreeView(m_stats, QStringLiteral("upstreamsTree"), this);
    m_statsView->setRootIsDecorated(true);
    m_statsView->setColumnWidth(UpstreamStatsModel::ColName, 170);
    for (int c = UpstreamStatsModel::ColHealth; c < UpstreamStatsModel::ColumnCount; ++c)
        m_statsView->setColumnWidth(c, 60);
    // A group shows its servers when it appears; collapsing it then sticks.
    connect(m_stats, &UpstreamStatsModel::rowsInserted, m_statsView, [this](const QModelIndex &parent, int first, int last) {
        if (parent.isValid())
            return;
        for (int row = first; row <= last; ++row)
            m_statsView->expand(m_stats->index(row, 0));
    });
    layout->addWidget(m_statsView, 1);
    layout->addWidget(new QLabel(tr("<b>Last decisions</b>"), this));
    m_decisionsView = makeTreeView(m_decisions, QStringLiteral("decisionsList"), this);
    m_decisionsView->setColumnWidth(RouteDecisionsModel::ColTime, 70);
    m_decisionsView->setColumnWidth(RouteDecisionsModel::ColConnection, 60);
    m_decisionsView->setColumnWidth(RouteDecisionsModel::ColServer, 110);
    layout->addWidget(m_decisionsView, 1);
}

UpstreamsView::~UpstreamsView() = default;

namespace {

// An instance's counts as its balancer keeps them.
QList<UpstreamStats> statsFromFigures(const QList<UpstreamFigures> &figures)
{
    QList<UpstreamStats> out;
    for (const UpstreamFigures &g : figures) {
        for (const UpstreamServerFigures &f : g.servers)
            out << UpstreamStats{g.group, f.name, f.liveConnections, qint64(f.totalConnections), qint64(f.failures)};
    }
    return out;
}

} // namespace

void UpstreamsView::refresh()
{
    const QList<UpstreamFigures> figures = m_source->upstreamFigures();
    const QList<UpstreamStats> stats = m_instance > 0 ? statsFromFigures(figures) : m_connections->upstreamStats();
    QList<UpstreamStatsModel::Group> groups = UpstreamStatsModel::groups(m_source->upstreamTargets(), stats, figures);
    for (UpstreamStatsModel::Group &group : groups)
        group.method = m_source->balancingMethod(group.name);
    m_stats->setGroups(groups);
    if (m_instance == 0) {
        m_decisions->setDecisions(m_connections->recentDecisions());
        return;
    }
    std::deque<RouteDecision> mine;
    for (const RouteDecision &d : m_connections->recentDecisions()) {
        if (InstanceIds::instance(d.connectionId) == m_instance)
            mine.push_back(d);
    }
    m_decisions->setDecisions(mine);
}
