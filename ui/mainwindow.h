#pragma once

#include <QMainWindow>

class QLabel;

// Placeholder inspector window: shows what the proxy is listening on.
// The full inspector (connections, handshakes, frames) arrives with the GUI issue.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget *parent = nullptr);

    void setStatusText(const QString &text);

private:
    QLabel *m_status = nullptr;
};
