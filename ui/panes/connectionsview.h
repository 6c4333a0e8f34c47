#pragma once

#include <QList>
#include <QWidget>

class ConnectionsModel;
class QLabel;
class QLineEdit;
class QSettings;
class QSortFilterProxyModel;
class QTableView;
class QToolButton;

// The connections list on top of the window: a filter over every column,
// Pause (stop capturing) and Clear, the history-limits label, and the table
// (ConnectionsModel through a QSortFilterProxyModel). It reports which
// connection is current; the window decides what that means for the panes.
class ConnectionsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionsView)

public:
    explicit ConnectionsView(ConnectionsModel *connections, QWidget *parent = nullptr);
    ~ConnectionsView() override;

    // Makes the connection current (the filter permitting); false if it is not shown.
    bool selectConnection(quint64 id);
    QList<quint64> selectedConnectionIds() const;
    // Shows the pause state on the button (checked, "Resume"), without pauseToggled.
    void showPaused(bool paused);
    // "N shown · N closed kept of N · N removed", with the limits as tooltip.
    void refreshCap();
    void saveSettings(QSettings *settings) const;
    void restoreSettings(const QSettings &settings);
    // The Instance column: shown in an attached window, hidden for a local proxy.
    void setInstanceColumnVisible(bool visible);

signals:
    void currentConnectionChanged(quint64 id); // 0: none
    void pauseToggled(bool paused);
    void clearRequested();

private:
    QWidget *createBar();

    ConnectionsModel *m_connections;
    QSortFilterProxyModel *m_filter;
    QLineEdit *m_filterEdit = nullptr;
    QToolButton *m_pause = nullptr;
    QLabel *m_cap = nullptr;
    QTableView *m_view = nullptr;
};
