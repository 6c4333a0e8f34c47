#include "itemviews.h"

#include <QHeaderView>
#include <QTableView>
#include <QTreeView>
#include <QTreeWidget>

namespace {

void styleTree(QTreeView *tree, const QString &objectName)
{
    tree->setObjectName(objectName);
    tree->setRootIsDecorated(false);
    tree->setUniformRowHeights(true);
    tree->setAlternatingRowColors(true);
    tree->header()->setSectionResizeMode(QHeaderView::Interactive);
}

} // namespace

QTreeWidget *makeTreeWidget(const QStringList &headers, const QString &objectName, QWidget *parent)
{
    auto *tree = new QTreeWidget(parent);
    styleTree(tree, objectName);
    tree->setHeaderLabels(headers);
    return tree;
}

QTreeView *makeTreeView(QAbstractItemModel *model, const QString &objectName, QWidget *parent)
{
    auto *tree = new QTreeView(parent);
    styleTree(tree, objectName);
    tree->setModel(model);
    return tree;
}

QTableView *makeTableView(QAbstractItemModel *model, const QString &objectName,
                          QAbstractItemView::SelectionMode selectionMode, QWidget *parent)
{
    auto *table = new QTableView(parent);
    table->setObjectName(objectName);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(selectionMode);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setWordWrap(false);
    return table;
}
