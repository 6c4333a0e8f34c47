#include "healthchecker.h"

#include "upstreamgroup.h"

#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>

UpstreamHealthChecker::UpstreamHealthChecker(QObject *parent)
    : QObject(parent)
{
}

UpstreamHealthChecker::~UpstreamHealthChecker()
{
    qDeleteAll(m_entries);
}

void UpstreamHealthChecker::setGroups(const QList<std::shared_ptr<UpstreamGroup>> &groups)
{
    for (Entry *e : std::as_const(m_entries))
        delete e->timer;
    qDeleteAll(m_entries);
    m_entries.clear();
    // Probes in flight belong to the sockets' parent (this) and finish on
    // their own; their results still count for the servers' shared state.
    for (const auto &group : groups) {
        if (!group || !group->balancing().healthCheck.enabled)
            continue;
        auto *entry = new Entry;
        entry->group = group;
        entry->inFlight = QList<bool>(group->servers().size(), false);
        entry->timer = new QTimer(this);
        entry->timer->setInterval(int(qMin<qint64>(group->balancing().healthCheck.intervalMs, 24 * 3600 * 1000)));
        connect(entry->timer, &QTimer::timeout, this, [this, entry] { checkGroup(entry); });
        entry->timer->start();
        m_entries.append(entry);
        // The first round at once, so a dead server is known before traffic.
        QTimer::singleShot(0, entry->timer, [this, entry] { checkGroup(entry); });
    }
}

void UpstreamHealthChecker::checkGroup(Entry *entry)
{
    for (qsizetype i = 0; i < entry->group->servers().size(); ++i) {
        const UpstreamServer &s = entry->group->servers().at(i);
        if (!s.down && s.unixPath.isEmpty() && !entry->inFlight.at(i)) // unix: servers: passive checks only
            probe(entry, i);
    }
}

void UpstreamHealthChecker::probe(Entry *entry, qsizetype index)
{
    const std::shared_ptr<UpstreamGroup> group = entry->group;
    const UpstreamHealthCheck &hc = group->balancing().healthCheck;
    const UpstreamServer &server = group->servers().at(index);
    const bool websocket = hc.type == UpstreamHealthCheck::Type::WebSocket;

    QByteArray request = "GET " + hc.uri + " HTTP/1.1\r\nHost: " + server.name
        + "\r\nUser-Agent: wsscope-health-check\r\n";
    if (websocket) {
        QByteArray key(16, Qt::Uninitialized);
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(key.data()), 4);
        request += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
            + key.toBase64() + "\r\n\r\n";
    } else {
        request += "Connection: close\r\n\r\n";
    }

    entry->inFlight[index] = true;
    auto *socket = new QTcpSocket(this);
    auto *timer = new QTimer(socket);
    auto buffer = std::make_shared<QByteArray>();
    // One result per probe; the entry may be gone (reload) by then.
    auto done = [this, socket, group, index, entry](bool ok, const QString &detail) {
        if (socket->property("done").toBool())
            return;
        socket->setProperty("done", true);
        group->reportProbe(index, ok, detail);
        if (m_entries.contains(entry) && entry->group == group)
            entry->inFlight[index] = false;
        socket->abort();
        socket->deleteLater();
    };
    connect(timer, &QTimer::timeout, socket, [done, hc] {
        done(false, QStringLiteral("no answer within %1 ms").arg(hc.timeoutMs));
    });
    connect(socket, &QTcpSocket::connected, socket, [socket, request] { socket->write(request); });
    connect(socket, &QTcpSocket::errorOccurred, socket, [socket, done](QAbstractSocket::SocketError) {
        done(false, socket->errorString());
    });
    connect(socket, &QTcpSocket::readyRead, socket, [socket, buffer, done, websocket] {
        buffer->append(socket->readAll());
        const qsizetype eol = buffer->indexOf("\r\n");
        if (eol < 0) {
            if (buffer->size() > 8192)
                done(false, QStringLiteral("no status line"));
            return;
        }
        // "HTTP/1.1 200 OK"
        const QList<QByteArray> parts = buffer->left(eol).split(' ');
        bool ok = false;
        const int status = parts.size() >= 2 && parts.at(0).startsWith("HTTP/") ? parts.at(1).toInt(&ok) : 0;
        if (!ok) {
            done(false, QStringLiteral("not an HTTP response"));
            return;
        }
        const bool healthy = websocket ? status == 101 : status >= 200 && status < 400;
        done(healthy, QStringLiteral("HTTP %1").arg(status));
    });
    timer->setSingleShot(true);
    timer->start(int(hc.timeoutMs));
    socket->connectToHost(server.address, server.port);
}
