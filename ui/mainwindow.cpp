#include "mainwindow.h"

#include <QLabel>
#include <QStatusBar>
#include <QVBoxLayout>

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("wsscope"));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    auto *title = new QLabel(tr("<h2>wsscope</h2><p>WebSocket reverse proxy and inspector.</p>"), central);
    m_status = new QLabel(central);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(title);
    layout->addWidget(m_status);
    layout->addStretch();
    setCentralWidget(central);
    resize(720, 420);
}

void MainWindow::setStatusText(const QString &text)
{
    m_status->setText(text);
    statusBar()->showMessage(text);
}
