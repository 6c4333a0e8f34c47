#include "routedecisionsmodel.h"

#include "remote/instanceids.h"

#include <QDateTime>

namespace {

// A decision is one route event of one connection: an attempt number tells
// the next-upstream retries apart.
bool sameDecision(const RouteDecision &a, const RouteDecision &b)
{
    return a.connectionId == b.connectionId && a.wallMs == b.wallMs && a.route.attempt == b.route.attempt
        && a.route.upstreamServer == b.route.upstreamServer;
}

} // namespace

RouteDecisionsModel::RouteDecisionsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

RouteDecisionsModel::~RouteDecisionsModel() = default;

void RouteDecisionsModel::setDecisions(const std::deque<RouteDecision> &decisions)
{
    const QList<RouteDecision> wanted(decisions.rbegin(), decisions.rend());
    // Where the newest row we show is now: everything before it is new.
    qsizetype fresh = wanted.size();
    if (!m_rows.isEmpty()) {
        for (qsizetype i = 0; i < wanted.size(); ++i) {
            if (sameDecision(wanted.at(i), m_rows.constFirst())) {
                fresh = i;
                break;
            }
        }
    }
    if (fresh == wanted.size() && !m_rows.isEmpty()) {
        // None of ours is left (cleared, or more new ones than the cap).
        beginRemoveRows({}, 0, int(m_rows.size()) - 1);
        m_rows.clear();
        endRemoveRows();
    }
    if (fresh > 0) {
        beginInsertRows({}, 0, int(fresh) - 1);
        m_rows = wanted.first(fresh) + m_rows;
        endInsertRows();
    }
    if (m_rows.size() > wanted.size()) {
        beginRemoveRows({}, int(wanted.size()), int(m_rows.size()) - 1);
        m_rows.resize(wanted.size());
        endRemoveRows();
    }
}

int RouteDecisionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RouteDecisionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RouteDecisionsModel::whyText(const RouteDecision &decision) const
{
    QStringList why;
    why << decision.route.algorithm;
    if (!decision.route.key.isEmpty())
        why << tr("key %1").arg(decision.route.key);
    if (decision.route.attempt > 1)
        why << tr("attempt %1").arg(decision.route.attempt);
    if (!decision.route.skipped.isEmpty())
        why << tr("skipped %1").arg(decision.route.skipped.join(QStringLiteral(", ")));
    why << tr("client %1").arg(decision.client);
    return why.join(QStringLiteral("; "));
}

QVariant RouteDecisionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || role != Qt::DisplayRole)
        return {};
    const RouteDecision &d = m_rows.at(index.row());
    switch (index.column()) {
    case ColTime: return QDateTime::fromMSecsSinceEpoch(d.wallMs).toString(QStringLiteral("HH:mm:ss"));
    case ColConnection: return QStringLiteral("#%1").arg(InstanceIds::local(d.connectionId));
    case ColServer: return d.route.upstreamServer;
    case ColWhy: return whyText(d);
    }
    return {};
}

QVariant RouteDecisionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    static const char *const titles[ColumnCount] = {QT_TR_NOOP("Time"), QT_TR_NOOP("Connection"), QT_TR_NOOP("Server"), QT_TR_NOOP("Why")};
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    return tr(titles[section]);
}
