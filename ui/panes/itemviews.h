#pragma once

#include <QString>

#include <QAbstractItemView>

class QAbstractItemModel;
class QTableView;
class QTreeView;
class QTreeWidget;
class QWidget;

// The panes' lists share one look. Trees: flat, uniform rows, alternating
// colours, interactive column widths. Tables: whole rows selected, no row
// numbers, rows one line high, the last column stretched.
QTreeWidget *makeTreeWidget(const QStringList &headers, const QString &objectName, QWidget *parent);
QTreeView *makeTreeView(QAbstractItemModel *model, const QString &objectName, QWidget *parent);
QTableView *makeTableView(QAbstractItemModel *model, const QString &objectName,
                          QAbstractItemView::SelectionMode selectionMode, QWidget *parent);
