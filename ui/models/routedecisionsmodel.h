#pragma once

#include "connectionsmodel.h"

#include <QAbstractTableModel>
#include <QList>

#include <deque>

// The balancer's last decisions (ConnectionsModel::recentDecisions()), newest
// first: when, which connection, which server, and why (method, hash key,
// attempt, servers skipped, client).
//
// setDecisions() is called once per refresh tick; it inserts the decisions
// that are new at the top and removes the ones that fell off the end, so a
// row the user looks at stays where it is. Strings are built in data().
class RouteDecisionsModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RouteDecisionsModel)

public:
    enum Column { ColTime, ColConnection, ColServer, ColWhy, ColumnCount };

    explicit RouteDecisionsModel(QObject *parent = nullptr);
    ~RouteDecisionsModel() override;

    // Oldest first, as ConnectionsModel keeps them.
    void setDecisions(const std::deque<RouteDecision> &decisions);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString whyText(const RouteDecision &decision) const;

    QList<RouteDecision> m_rows; // newest first
};
