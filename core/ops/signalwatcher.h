#pragma once

#include <QObject>

class QSocketNotifier;

// Turns Unix signals (SIGTERM, SIGINT, SIGHUP, SIGUSR1) into a Qt signal in
// the main thread, through a self-pipe: the handler only writes one byte.
class SignalWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalWatcher)

public:
    explicit SignalWatcher(const QList<int> &signalNumbers, QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void signalReceived(int signalNumber);

private:
    void handleActivated();
    QSocketNotifier *m_notifier = nullptr;
    QList<int> m_signals;
};
