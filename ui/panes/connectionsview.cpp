#include "connectionsview.h"

#include "connectionsmodel.h"
#include "itemviews.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSettings>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

ConnectionsView::ConnectionsView(ConnectionsModel *connections, QWidget *parent)
    : QWidget(parent)
    , m_connections(connections)
    , m_filter(new QSortFilterProxyModel(this))
{
    m_filter->setSourceModel(m_connections);
    m_filter->setFilterKeyColumn(-1);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addWidget(createBar());
    m_view = makeTableView(m_filter, QStringLiteral("connectionsView"), QAbstractItemView::ExtendedSelection, this);
    m_view->setAlternatingRowColors(true);
    const int widths[] = {48, 130, 140, 130, 80, 70, 70, 70, 80, 80, 80, 160, 110};
    for (int c = 0; c < ConnectionsModel::ColumnCount; ++c)
        m_view->setColumnWidth(c, widths[c]);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        emit currentConnectionChanged(current.isValid() ? current.data(ConnectionsModel::ConnectionIdRole).toULongLong() : 0);
    });
    m_view->setColumnHidden(ConnectionsModel::ColInstance, true);
    layout->addWidget(m_view);
}

void ConnectionsView::setInstanceColumnVisible(bool visible)
{
    m_view->setColumnHidden(ConnectionsModel::ColInstance, !visible);
}

ConnectionsView::~ConnectionsView() = default;

QWidget *ConnectionsView::createBar()
{
    auto *barWidget = new QWidget(this);
    auto *bar = new QHBoxLayout(barWidget);
    bar->setContentsMargins(0, 0, 0, 0);
    m_filterEdit = new QLineEdit(barWidget);
    m_filterEdit->setObjectName(QStringLiteral("connectionFilter"));
    m_filterEdit->setPlaceholderText(tr("Filter connections (client, path, upstream, state, close cause)"));
    m_filterEdit->setClearButtonEnabled(true);
    connect(m_filterEdit, &QLineEdit::textChanged, m_filter, &QSortFilterProxyModel::setFilterFixedString);
    m_pause = new QToolButton(barWidget);
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_pause->setText(tr("Pause"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Stop capturing: while paused, new connections and frames are not recorded (only "
                           "counted); the rows already shown stay"));
    connect(m_pause, &QToolButton::toggled, this, &ConnectionsView::pauseToggled);
    auto *clear = new QToolButton(barWidget);
    clear->setObjectName(QStringLiteral("clearButton"));
    clear->setText(tr("Clear"));
    connect(clear, &QToolButton::clicked, this, &ConnectionsView::clearRequested);
    m_cap = new QLabel(barWidget);
    m_cap->setObjectName(QStringLiteral("connectionsCapLabel"));
    bar->addWidget(m_filterEdit, 1);
    bar->addWidget(m_pause);
    bar->addWidget(clear);
    bar->addWidget(m_cap);
    return barWidget;
}

bool ConnectionsView::selectConnection(quint64 id)
{
    const int row = m_connections->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_filter->mapFromSource(m_connections->index(row, 0));
    if (!index.isValid())
        return false;
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
    return true;
}

QList<quint64> ConnectionsView::selectedConnectionIds() const
{
    QList<quint64> ids;
    for (const QModelIndex &index : m_view->selectionModel()->selectedRows())
        ids << index.data(ConnectionsModel::ConnectionIdRole).toULongLong();
    return ids;
}

void ConnectionsView::showPaused(bool paused)
{
    const QSignalBlocker blocker(m_pause);
    m_pause->setChecked(paused);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
}

void ConnectionsView::refreshCap()
{
    const QLocale locale;
    m_cap->setText(tr("%1 shown · %2 closed kept of %3 · %4 removed")
                       .arg(locale.toString(m_connections->rowCount()),
                            locale.toString(m_connections->closedConnections()),
                            locale.toString(m_connections->maxClosedConnections()),
                            locale.toString(m_connections->removedConnections())));
    m_cap->setToolTip(tr("History limits (View → History limits…): %1 closed connections, %2 in all; "
                         "%3 frames per connection, %4 frames and %5 MiB in all. Frames now: %6, about %7 MiB.")
                          .arg(locale.toString(m_connections->maxClosedConnections()),
                               locale.toString(m_connections->maxConnections()),
                               locale.toString(m_connections->maxFramesPerConnection()),
                               locale.toString(m_connections->maxFramesTotal()),
                               locale.toString(m_connections->maxFrameMemory() >> 20),
                               locale.toString(m_connections->framesStored()),
                               locale.toString(m_connections->frameMemory() >> 20)));
}

void ConnectionsView::saveSettings(QSettings *settings) const
{
    settings->setValue(QStringLiteral("connections/header"), m_view->horizontalHeader()->saveState());
}

void ConnectionsView::restoreSettings(const QSettings &settings)
{
    m_view->horizontalHeader()->restoreState(settings.value(QStringLiteral("connections/header")).toByteArray());
}
