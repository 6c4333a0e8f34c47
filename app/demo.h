#pragma once

#include <QList>
#include <QObject>
#include <QStringList>
#include <QUrl>

class QTimer;
class QWebSocket;
class QWebSocketServer;

// --demo: two echo upstreams on loopback and a synthetic client that keeps
// talking through the proxy (text, JSON, binary and pings), so a first run
// shows live traffic with nothing else installed.
class Demo final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Demo)

public:
    explicit Demo(QObject *parent = nullptr);
    ~Demo() override;

    // Starts the echo upstreams; returns their ws:// URLs (empty on failure).
    QStringList startUpstreams(QString *error);
    // Starts the synthetic client against the proxy's listener.
    void startClient(const QUrl &proxyUrl);

private:
    void connectClient();
    void sendNext();

    QList<QWebSocketServer *> m_servers;
    QWebSocket *m_client = nullptr;
    QTimer *m_timer = nullptr;
    QUrl m_proxyUrl;
    int m_sent = 0;
    int m_received = 0;
};
