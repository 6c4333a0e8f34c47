#pragma once

#include <QDialog>

class ConnectionsModel;
class QSettings;
class QSpinBox;

// The history caps of the connections model (frames per connection, frames
// in total, memory for frames, closed connections kept, all connections),
// edited in a dialog and kept in QSettings under "history/".
class HistoryLimitsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryLimitsDialog)

public:
    struct Limits
    {
        int framesPerConnection = 0;
        qint64 framesTotal = 0;
        int frameMemoryMiB = 0;
        int closedConnections = 0;
        int connections = 0;
    };

    explicit HistoryLimitsDialog(const Limits &limits, QWidget *parent = nullptr);

    Limits limits() const;

    static Limits defaults();
    static Limits current(const ConnectionsModel *model);
    static void apply(const Limits &limits, ConnectionsModel *model);
    static Limits load(const QSettings &settings);
    static void save(const Limits &limits, QSettings *settings);

private:
    void setLimits(const Limits &limits);

    QSpinBox *m_framesPerConnection;
    QSpinBox *m_framesTotal;
    QSpinBox *m_frameMemory;
    QSpinBox *m_closedConnections;
    QSpinBox *m_connections;
};
