#pragma once

#include "connectionsmodel.h"
#include "remote/inspectorsource.h"

#include <QAbstractItemModel>
#include <QList>
#include <QString>

#include <memory>
#include <vector>

// The upstreams pane's tree: one top-level row per upstream group (its
// balancing method and sums), one child row per server (health, live and
// total connections, share of the decisions, failures).
//
// setGroups() is called once per refresh tick with the whole picture; it
// updates the rows in place: rows whose group or server is gone are removed,
// new ones inserted where they belong, and changed values reported with one
// dataChanged per parent over the changed range. Rows that stay keep their
// place, so the view's expansion and selection survive; nothing is rebuilt.
//
// Health is a state (Health), never a string: the text and the colour are
// both derived from it in data(), so the colour is right in every language.
class UpstreamStatsModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamStatsModel)

public:
    enum Column { ColName, ColHealth, ColLive, ColTotal, ColShare, ColFailures, ColumnCount };
    enum Role { HealthRole = Qt::UserRole + 1 };

    enum class Health : quint8 {
        Up,        // available (also: nothing says otherwise)
        Backup,    // a backup server
        Failed,    // max_fails reached: skipped for failedForMs more
        Down,      // marked `down` in the configuration
        Unhealthy, // the active health check took it out
        Failing,   // no balancer figures, but every attempt seen in events failed
    };

    struct Server
    {
        QString name;           // as configured ("127.0.0.1:9000")
        Health health = Health::Up;
        qint64 failedForMs = 0; // Failed: for how long still
        QString healthTip;      // the last failure or the health check's detail
        qint64 live = 0;
        qint64 total = 0;
        qint64 failures = 0;    // shown: the balancer's count when it has one
        qint64 eventFailures = 0; // counted from events (the group's sum adds these)

        bool operator==(const Server &) const = default;
    };

    struct Group
    {
        QString name;
        QString method;         // "round-robin", "ip_hash", ...; may be empty
        QList<Server> servers;
    };

    // The picture from what the source and the events say: groups by name;
    // per group the configured servers in order, then servers seen only in
    // events (configured no more after a reload). Health comes from the
    // balancer's figures when the source has them, else from the
    // configuration and the events. Methods are left empty for the caller.
    static QList<Group> groups(const QList<UpstreamTarget> &targets, const QList<UpstreamStats> &stats,
                               const QList<UpstreamFigures> &figures);
    static QColor healthColour(Health health);
    static QString healthText(Health health, qint64 failedForMs);

    explicit UpstreamStatsModel(QObject *parent = nullptr);
    ~UpstreamStatsModel() override;

    void setGroups(const QList<Group> &groups);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct GroupNode
    {
        QString name;
        QString method;
        std::vector<Server> servers;
        qint64 live = 0;
        qint64 total = 0;
        qint64 failures = 0;
    };

    template<typename Rows, typename Key, typename Make>
    void syncRows(const QModelIndex &parent, Rows &rows, const QStringList &wanted, Key key, Make make);
    // Updates group `row`'s servers and sums; true when its own row changed.
    bool updateGroup(int row, const Group &group, bool shareChanged);
    QVariant groupData(const GroupNode &group, int column, int role) const;
    QVariant serverData(const Server &server, int column, int role) const;
    QString shareText(qint64 total) const;
    int groupRow(const GroupNode *group) const;

    std::vector<std::unique_ptr<GroupNode>> m_groups;
    qint64 m_decisions = 0; // all servers' totals: the denominator of the share
};
