#pragma once

#include "inspect/connectionrecord.h"

#include <QAbstractTableModel>
#include <QRegularExpression>
#include <QSet>
#include <QSortFilterProxyModel>

class ConnectionStore;
class ConnectionsModel;

// The frames of one connection, read from the ConnectionStore behind a
// ConnectionsModel (its bounded per-connection history). New frames become rows at the model's flush (one
// beginInsertRows per flush); trimmed frames leave in one beginRemoveRows.
class FramesModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FramesModel)

public:
    enum Column { ColDirection, ColTime, ColOpcode, ColSize, ColPreview, ColumnCount };
    enum Role { IsControlRole = Qt::UserRole + 1, SearchTextRole, SequenceRole };

    explicit FramesModel(ConnectionsModel *connections, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // 0: none.
    void setConnection(quint64 id);
    quint64 connectionId() const { return m_id; }
    const FrameRecord *frameAt(int row) const;
    const ConnectionRecord *connection() const { return m_record; }

    // Display helpers shared with the detail view.
    static QString opcodeText(WsOpcode opcode);
    static QString previewText(const FrameRecord &frame, int maxChars = 160);
    static QString hexDump(const QByteArray &data);

private:
    void handleFlushed(const QSet<quint64> &changed);
    void handleAboutToTrim(quint64 id, int count);
    void handleTrimmed(quint64 id, int count);
    void handleAboutToRemove(quint64 id);

    const ConnectionStore *m_store;
    quint64 m_id = 0;
    const ConnectionRecord *m_record = nullptr;
    quint64 m_firstSeq = 0; // seq of row 0
    quint64 m_endSeq = 0;   // one past the last row's seq
    bool m_removing = false;
};

// Control-frame toggle and text/regex search over a FramesModel.
class FramesFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FramesFilterModel)

public:
    explicit FramesFilterModel(QObject *parent = nullptr);

    void setShowControlFrames(bool show);
    bool showControlFrames() const { return m_showControl; }
    // Returns false (and filters nothing out) when `regex` and the pattern is invalid.
    bool setSearch(const QString &text, bool regex, bool caseSensitive = false);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_showControl = true;
    QString m_text;
    QRegularExpression m_regex;
    bool m_useRegex = false;
    Qt::CaseSensitivity m_case = Qt::CaseInsensitive;
};
