#include "upstreamstatsmodel.h"

#include "colours.h"

#include <QBrush>
#include <QFont>
#include <QHash>
#include <QMap>

QList<UpstreamStatsModel::Group> UpstreamStatsModel::groups(const QList<UpstreamTarget> &targets,
                                                            const QList<UpstreamStats> &stats,
                                                            const QList<UpstreamFigures> &figures)
{
    QHash<QString, const UpstreamServerFigures *> figuresByServer; // "group\nserver"
    for (const UpstreamFigures &g : figures) {
        for (const UpstreamServerFigures &f : g.servers)
            figuresByServer.insert(g.group + QLatin1Char('\n') + f.name, &f);
    }
    // Each server's event figures, taken by the first configured entry that names it.
    QMap<QString, UpstreamStats> unclaimed;
    for (const UpstreamStats &s : stats)
        unclaimed.insert(s.group + QLatin1Char('\n') + s.server, s);

    auto makeServer = [&](const UpstreamTarget &target, const UpstreamStats &s) {
        Server server;
        server.name = target.server;
        server.live = s.live;
        server.total = s.total;
        server.eventFailures = s.failures;
        server.failures = s.failures;
        if (const UpstreamServerFigures *fig = figuresByServer.value(target.group + QLatin1Char('\n') + target.server)) {
            switch (fig->health) {
            case UpstreamServerFigures::Health::Up: server.health = Health::Up; break;
            case UpstreamServerFigures::Health::Backup: server.health = Health::Backup; break;
            case UpstreamServerFigures::Health::Failed: server.health = Health::Failed; break;
            case UpstreamServerFigures::Health::Down: server.health = Health::Down; break;
            case UpstreamServerFigures::Health::Unhealthy: server.health = Health::Unhealthy; break;
            }
            server.failedForMs = fig->failedForMs;
            server.healthTip = fig->lastFailure.isEmpty() ? fig->healthDetail : fig->lastFailure;
            server.failures = qint64(qMax<quint64>(fig->failures, quint64(s.failures)));
        } else if (target.down) {
            server.health = Health::Down;
        } else if (s.failures > 0 && s.failures >= s.total) {
            server.health = Health::Failing;
        } else if (target.backup) {
            server.health = Health::Backup;
        }
        return server;
    };

    QMap<QString, Group> byName;
    for (const UpstreamTarget &t : targets) {
        Group &group = byName[t.group];
        group.name = t.group;
        group.servers << makeServer(t, unclaimed.take(t.group + QLatin1Char('\n') + t.server));
    }
    for (const UpstreamStats &s : std::as_const(unclaimed)) {
        UpstreamTarget t;
        t.group = s.group;
        t.server = s.server;
        Group &group = byName[s.group];
        group.name = s.group;
        group.servers << makeServer(t, s);
    }
    return byName.values();
}

QColor UpstreamStatsModel::healthColour(Health health)
{
    return health == Health::Up ? Colours::Healthy : Colours::Error;
}

QString UpstreamStatsModel::healthText(Health health, qint64 failedForMs)
{
    switch (health) {
    case Health::Up: return tr("up");
    case Health::Backup: return tr("backup");
    case Health::Failed: return tr("failed (%1 s)").arg((failedForMs + 999) / 1000);
    case Health::Down: return tr("down");
    case Health::Unhealthy: return tr("unhealthy");
    case Health::Failing: return tr("failing");
    }
    return {};
}

UpstreamStatsModel::UpstreamStatsModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

UpstreamStatsModel::~UpstreamStatsModel() = default;

// Makes `rows` (under `parent`) hold the keys of `wanted` in order with the
// fewest removals and insertions: rows whose key is gone go, a row found
// later than its place is moved by taking it out and inserting it anew, new
// keys are inserted where they belong. Rows that stay are not touched (their
// values are the caller's business).
template<typename Rows, typename Key, typename Make>
void UpstreamStatsModel::syncRows(const QModelIndex &parent, Rows &rows, const QStringList &wanted, Key key, Make make)
{
    auto removeRow = [&](int row) {
        beginRemoveRows(parent, row, row);
        rows.erase(rows.begin() + row);
        endRemoveRows();
    };
    for (int row = int(rows.size()) - 1; row >= 0; --row) {
        if (!wanted.contains(key(rows[size_t(row)])))
            removeRow(row);
    }
    for (int i = 0; i < int(wanted.size()); ++i) {
        if (i < int(rows.size()) && key(rows[size_t(i)]) == wanted.at(i))
            continue;
        for (int later = i + 1; later < int(rows.size()); ++later) {
            if (key(rows[size_t(later)]) == wanted.at(i)) {
                removeRow(later);
                break;
            }
        }
        beginInsertRows(parent, i, i);
        rows.insert(rows.begin() + i, make(i));
        endInsertRows();
    }
    // Keys named twice (the same server listed twice) leave extra rows behind.
    while (int(rows.size()) > int(wanted.size()))
        removeRow(int(rows.size()) - 1);
}

void UpstreamStatsModel::setGroups(const QList<Group> &groups)
{
    qint64 decisions = 0;
    for (const Group &g : groups) {
        for (const Server &s : g.servers)
            decisions += s.total;
    }
    const bool shareChanged = decisions != m_decisions;
    m_decisions = decisions;

    QStringList names;
    for (const Group &g : groups)
        names << g.name;
    syncRows(QModelIndex(), m_groups, names, [](const std::unique_ptr<GroupNode> &node) { return node->name; },
             [&](int i) {
                 auto node = std::make_unique<GroupNode>();
                 node->name = groups.at(i).name;
                 return node;
             });

    int first = -1;
    int last = -1;
    for (int row = 0; row < int(groups.size()); ++row) {
        if (updateGroup(row, groups.at(row), shareChanged)) {
            first = first < 0 ? row : first;
            last = row;
        }
    }
    if (first >= 0)
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

bool UpstreamStatsModel::updateGroup(int row, const Group &group, bool shareChanged)
{
    GroupNode &node = *m_groups[size_t(row)];
    const QModelIndex parent = index(row, 0);
    QStringList names;
    for (const Server &s : group.servers)
        names << s.name;
    syncRows(parent, node.servers, names, [](const Server &s) { return s.name; },
             [&](int i) { return group.servers.at(i); });

    int first = -1;
    int last = -1;
    qint64 live = 0;
    qint64 total = 0;
    qint64 failures = 0;
    for (int i = 0; i < int(group.servers.size()); ++i) {
        const Server &wanted = group.servers.at(i);
        Server &server = node.servers[size_t(i)];
        if (shareChanged || server != wanted) {
            server = wanted;
            first = first < 0 ? i : first;
            last = i;
        }
        live += wanted.live;
        total += wanted.total;
        failures += wanted.eventFailures;
    }
    if (first >= 0)
        emit dataChanged(index(first, 0, parent), index(last, ColumnCount - 1, parent));

    const bool changed = shareChanged || node.method != group.method || node.live != live || node.total != total
        || node.failures != failures;
    node.method = group.method;
    node.live = live;
    node.total = total;
    node.failures = failures;
    return changed;
}

QModelIndex UpstreamStatsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    // Top-level rows carry no pointer; a server row carries its group's node,
    // which stays put while the group exists (groups are held by pointer).
    if (!parent.isValid())
        return createIndex(row, column, nullptr);
    return createIndex(row, column, m_groups[size_t(parent.row())].get());
}

QModelIndex UpstreamStatsModel::parent(const QModelIndex &child) const
{
    const auto *group = child.isValid() ? static_cast<const GroupNode *>(child.internalPointer()) : nullptr;
    if (!group)
        return {};
    return createIndex(groupRow(group), 0, nullptr);
}

int UpstreamStatsModel::groupRow(const GroupNode *group) const
{
    for (size_t row = 0; row < m_groups.size(); ++row) {
        if (m_groups[row].get() == group)
            return int(row);
    }
    return -1;
}

int UpstreamStatsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_groups.size());
    if (parent.column() != 0 || parent.internalPointer())
        return 0; // servers have no children
    return int(m_groups[size_t(parent.row())]->servers.size());
}

int UpstreamStatsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant UpstreamStatsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (const auto *group = static_cast<const GroupNode *>(index.internalPointer()))
        return serverData(group->servers[size_t(index.row())], index.column(), role);
    return groupData(*m_groups[size_t(index.row())], index.column(), role);
}

QString UpstreamStatsModel::shareText(qint64 total) const
{
    if (!m_decisions)
        return QStringLiteral("–");
    return QStringLiteral("%1 %").arg(100.0 * double(total) / double(m_decisions), 0, 'f', 0);
}

QVariant UpstreamStatsModel::groupData(const GroupNode &group, int column, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (column) {
        case ColName: return group.name;
        case ColHealth: return group.method;
        case ColLive: return QString::number(group.live);
        case ColTotal: return QString::number(group.total);
        case ColShare: return shareText(group.total);
        case ColFailures: return QString::number(group.failures);
        }
    } else if (role == Qt::ToolTipRole && column == ColName && !group.method.isEmpty()) {
        return tr("balancing: %1").arg(group.method);
    } else if (role == Qt::FontRole && column == ColName) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    return {};
}

QVariant UpstreamStatsModel::serverData(const Server &server, int column, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (column) {
        case ColName: return server.name;
        case ColHealth: return healthText(server.health, server.failedForMs);
        case ColLive: return QString::number(server.live);
        case ColTotal: return QString::number(server.total);
        case ColShare: return shareText(server.total);
        case ColFailures: return QString::number(server.failures);
        }
    } else if (role == Qt::ToolTipRole && column == ColHealth && !server.healthTip.isEmpty()) {
        return server.healthTip;
    } else if (role == Qt::ForegroundRole && column == ColHealth) {
        return QBrush(healthColour(server.health));
    } else if (role == HealthRole) {
        return int(server.health);
    }
    return {};
}

QVariant UpstreamStatsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    static const char *const titles[ColumnCount] = {QT_TR_NOOP("Group / server"), QT_TR_NOOP("Health"), QT_TR_NOOP("Live"), QT_TR_NOOP("Total"), QT_TR_NOOP("Share"), QT_TR_NOOP("Failures")};
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    return tr(titles[section]);
}
