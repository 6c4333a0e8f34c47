#include "demo.h"

#include "ops/logging.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

Demo::Demo(QObject *parent)
    : QObject(parent)
{
}

Demo::~Demo()
{
    if (m_client)
        m_client->abort();
}

QStringList Demo::startUpstreams(QString *error)
{
    QStringList urls;
    for (int i = 0; i < 2; ++i) {
        auto *server = new QWebSocketServer(QStringLiteral("wsscope-demo-echo-%1").arg(i + 1),
                                            QWebSocketServer::NonSecureMode, this);
        if (!server->listen(QHostAddress::LocalHost, 0)) {
            *error = QStringLiteral("demo upstream: %1").arg(server->errorString());
            return {};
        }
        connect(server, &QWebSocketServer::newConnection, server, [server] {
            while (QWebSocket *s = server->nextPendingConnection()) {
                s->setParent(server);
                connect(s, &QWebSocket::textMessageReceived, s, [s](const QString &m) { s->sendTextMessage(m); });
                connect(s, &QWebSocket::binaryMessageReceived, s,
                        [s](const QByteArray &m) { s->sendBinaryMessage(m); });
                connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
            }
        });
        m_servers.append(server);
        urls.append(QStringLiteral("ws://127.0.0.1:%1").arg(server->serverPort()));
        qCInfo(lcProxy).noquote() << "demo echo upstream" << (i + 1) << "on" << urls.constLast();
    }
    return urls;
}

void Demo::startClient(const QUrl &proxyUrl)
{
    m_proxyUrl = proxyUrl;
    m_timer = new QTimer(this);
    m_timer->setInterval(700);
    connect(m_timer, &QTimer::timeout, this, &Demo::sendNext);
    connectClient();
}

void Demo::connectClient()
{
    if (m_client)
        m_client->deleteLater();
    m_client = new QWebSocket(QStringLiteral("http://wsscope-demo.local"), QWebSocketProtocol::VersionLatest, this);
    m_sent = 0;
    connect(m_client, &QWebSocket::connected, this, [this] { m_timer->start(); });
    connect(m_client, &QWebSocket::textMessageReceived, this, [this] { ++m_received; });
    connect(m_client, &QWebSocket::binaryMessageReceived, this, [this] { ++m_received; });
    connect(m_client, &QWebSocket::disconnected, this, [this] {
        m_timer->stop();
        // Reconnect after a pause: the balancer alternates between upstreams.
        QTimer::singleShot(1500, this, &Demo::connectClient);
    });
    m_client->open(m_proxyUrl);
}

void Demo::sendNext()
{
    if (!m_client || m_client->state() != QAbstractSocket::ConnectedState)
        return;
    switch (m_sent % 5) {
    case 0:
        m_client->sendTextMessage(QStringLiteral("hello from the wsscope demo #%1").arg(m_sent));
        break;
    case 1: {
        QJsonObject o;
        o.insert(QStringLiteral("type"), QStringLiteral("chat"));
        o.insert(QStringLiteral("seq"), m_sent);
        o.insert(QStringLiteral("text"), QStringLiteral("你好, こんにちは"));
        m_client->sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
        break;
    }
    case 2: {
        QByteArray bin(32, '\0');
        for (int i = 0; i < bin.size(); ++i)
            bin[i] = char(i * 7 + m_sent);
        m_client->sendBinaryMessage(bin);
        break;
    }
    case 3:
        m_client->ping(QByteArrayLiteral("demo-ping"));
        break;
    default:
        m_client->sendTextMessage(QStringLiteral("{\"type\":\"heartbeat\",\"seq\":%1}").arg(m_sent));
        break;
    }
    ++m_sent;
    if (m_sent >= 20)
        m_client->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("demo session done"));
}
