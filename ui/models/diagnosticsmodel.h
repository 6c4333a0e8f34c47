#pragma once

#include "remote/inspectorsource.h"

#include <QAbstractItemModel>
#include <QList>

// The configuration dock's list: the compiler's diagnostics in order, then
// the config doctor's findings, each finding with its fix as a child row.
// One check replaces the whole list (a reset: it is a new document, not a
// live update). Strings and colours are derived in data().
class DiagnosticsModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiagnosticsModel)

public:
    enum Column { ColLine, ColKind, ColMessage, ColumnCount };
    // The location a row points at (1-based; 0: none), on every column of a top-level row.
    enum Role { LineRole = Qt::UserRole, ColumnRole };
    enum class Kind : quint8 { Error, Warning, Note, Doctor };

    struct Entry
    {
        Kind kind = Kind::Note;
        ConfLocation location;
        QString message;
        QString detail; // the tooltip: the whole compiler line
        QString rule;   // Doctor: the rule's id
        QString fix;    // Doctor: the fix, shown as the child row
    };

    explicit DiagnosticsModel(QObject *parent = nullptr);
    ~DiagnosticsModel() override;

    void setResult(const ConfigCheckResult &result);
    const QList<Entry> &entries() const { return m_entries; }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant entryData(const Entry &entry, int column, int role) const;

    QList<Entry> m_entries;
};
