#include "remote/remoteinspectorsource.h"

#include "inspect/eventjson.h"
#include "remote/inspectprotocol.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QSslError>
#include <QTimer>
#include <QWebSocket>

RemoteInspectorSource::RemoteInspectorSource(AttachTarget target, QObject *parent)
    : InspectorSource(parent)
    , m_target(std::move(target))
    , m_socket(new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this))
    , m_retry(new QTimer(this))
{
    setIdentity(QString(), false, false); // until the hello says
    setLink(Link::Connecting);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &RemoteInspectorSource::open);
    connect(m_socket, &QWebSocket::connected, this, &RemoteInspectorSource::handleConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &RemoteInspectorSource::handleDisconnected);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &RemoteInspectorSource::handleMessage);
    // Not ignored: the handshake fails. The banner says which certificate
    // check failed and what is trusted, instead of a bare socket error.
    connect(m_socket, &QWebSocket::sslErrors, this,
            [this](const QList<QSslError> &errors) { m_tlsRefusal = InspectProtocol::tlsRefusalText(errors); });
    m_socket->setSslConfiguration(InspectProtocol::clientSslConfiguration());
    QTimer::singleShot(0, this, &RemoteInspectorSource::open);
}

RemoteInspectorSource::~RemoteInspectorSource()
{
    m_socket->disconnect(this);
    m_socket->abort();
}

void RemoteInspectorSource::open()
{
    QNetworkRequest request(m_target.url);
    if (!m_target.tokenFile.isEmpty()) {
        QFile file(m_target.tokenFile);
        if (!file.open(QIODevice::ReadOnly)) {
            scheduleRetry(tr("cannot read the token file %1: %2").arg(m_target.tokenFile, file.errorString()));
            return;
        }
        // Sent in the handshake: the daemon refuses before any event.
        request.setRawHeader("Authorization", "Bearer " + file.readAll().trimmed());
    }
    m_socket->open(request);
}

void RemoteInspectorSource::handleConnected()
{
    send({{QStringLiteral("type"), QStringLiteral("hello")}, {QStringLiteral("version"), InspectProtocol::Version}});
}

void RemoteInspectorSource::handleDisconnected()
{
    QString why = m_socket->errorString();
    if (m_socket->closeCode() != QWebSocketProtocol::CloseCodeNormal && !m_socket->closeReason().isEmpty())
        why = m_socket->closeReason();
    if (!m_tlsRefusal.isEmpty())
        why = std::exchange(m_tlsRefusal, QString());
    // Unanswered commands will not be answered: say so instead of waiting.
    const QHash<quint64, Pending> pending = std::exchange(m_pending, {});
    for (auto it = pending.cbegin(); it != pending.cend(); ++it) {
        ConfigCheckResult lost;
        lost.applyError = tr("the link to the instance was lost");
        emit it.value() == Pending::Apply ? configApplied(it.key(), lost) : configChecked(it.key(), lost);
    }
    scheduleRetry(why);
}

void RemoteInspectorSource::scheduleRetry(const QString &why)
{
    setLink(Link::Lost, why);
    m_retry->start(m_retryMs);
    m_retryMs = std::min(m_retryMs * 2, MaxRetryMs);
}

quint64 RemoteInspectorSource::send(QJsonObject command)
{
    const quint64 request = nextRequest();
    command.insert(QStringLiteral("id"), double(request));
    m_socket->sendTextMessage(QString::fromUtf8(QJsonDocument(command).toJson(QJsonDocument::Compact)));
    return request;
}

void RemoteInspectorSource::handleMessage(const QString &text)
{
    const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = message.value(QLatin1String("type")).toString();
    if (type == QLatin1String("hello"))
        handleHello(message);
    else if (type == QLatin1String("events"))
        handleEvents(quint64(message.value(QLatin1String("seq")).toDouble()), message.value(QLatin1String("events")).toArray());
    else
        handleAnswer(message);
}

void RemoteInspectorSource::handleHello(const QJsonObject &hello)
{
    const QString run = hello.value(QLatin1String("run")).toString();
    if (!m_runId.isEmpty() && run != m_runId) {
        // The daemon restarted: its new connection 1 is not our old one, and
        // the old run's open connections ended with it, whether or not their
        // close reached us before the link went.
        closeEarlierRun(run);
        m_idOffset = m_maxId;
        m_lastSeq = 0;
    }
    m_runId = run;
    m_retryMs = FirstRetryMs;
    const bool readOnly = hello.value(QLatin1String("readonly")).toBool();
    setIdentity(hello.value(QLatin1String("instance")).toString(), !readOnly, !readOnly);
    QStringList listeners;
    for (const QJsonValue &v : hello.value(QLatin1String("listeners")).toArray())
        listeners << v.toString();
    setListeners(listeners);
    // Paused by anyone (also before we attached, or while the link was down).
    RecordingState recording = InspectProtocol::recordingFromJson(hello.value(QLatin1String("paused")), true);
    if (!recording.paused)
        recording.lastNotRecorded = this->recording().lastNotRecorded;
    recording.notRecorded = this->recording().notRecorded; // until its figures say
    setRecording(recording);
    setLink(Link::Up);
    send({{QStringLiteral("type"), QStringLiteral("history")}});
    send({{QStringLiteral("type"), QStringLiteral("config")}});
    refresh();
}

void RemoteInspectorSource::handleEvents(quint64 firstSeq, const QJsonArray &events)
{
    QList<InspectEvent> batch;
    batch.reserve(events.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        const quint64 seq = firstSeq + quint64(i);
        if (seq <= m_lastSeq)
            continue; // seen before the reconnect: the history repeats it
        m_lastSeq = seq;
        std::optional<InspectEvent> e = fromJson(events.at(i).toObject());
        if (!e)
            continue;
        e->connectionId += m_idOffset;
        m_maxId = std::max(m_maxId, e->connectionId);
        if (e->as<ConnectionOpenedEvent>())
            m_open.insert(e->connectionId);
        else if (e->as<ClosedEvent>())
            m_open.remove(e->connectionId);
        batch << *e;
    }
    if (!batch.isEmpty())
        emit eventsReceived(batch);
}

void RemoteInspectorSource::closeEarlierRun(const QString &newRun)
{
    QList<InspectEvent> closes;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const quint64 id : std::as_const(m_open)) {
        InspectEvent e;
        e.connectionId = id;
        e.wallMs = now;
        ClosedEvent closed;
        closed.cause = CloseCause::Drain;
        closed.detail = tr("the instance restarted (now run %1); this window did not see the close").arg(newRun);
        e.payload = closed;
        closes << e;
    }
    m_open.clear();
    if (!closes.isEmpty())
        emit eventsReceived(closes);
}

void RemoteInspectorSource::handleAnswer(const QJsonObject &answer)
{
    const QString type = answer.value(QLatin1String("type")).toString();
    const quint64 request = quint64(answer.value(QLatin1String("id")).toDouble());
    if (type == QLatin1String("config")) {
        const QList<UpstreamTarget> targets = InspectProtocol::targetsFromJson(answer.value(QLatin1String("targets")).toArray());
        QHash<QString, QString> methods;
        const QJsonObject m = answer.value(QLatin1String("methods")).toObject();
        for (auto it = m.begin(); it != m.end(); ++it)
            methods.insert(it.key(), it.value().toString());
        setConfig(answer.value(QLatin1String("text")).toString(), answer.value(QLatin1String("name")).toString(), targets,
                  methods);
    } else if (type == QLatin1String("figures")) {
        m_dropped = quint64(answer.value(QLatin1String("dropped")).toDouble());
        RecordingState recording = this->recording();
        recording.notRecorded = quint64(answer.value(QLatin1String("notRecorded")).toDouble());
        setRecording(recording);
        setFigures(InspectProtocol::figuresFromJson(answer.value(QLatin1String("upstreams")).toArray()), m_dropped);
    } else if (type == QLatin1String("check") || type == QLatin1String("reload")) {
        const auto pending = m_pending.find(request);
        if (pending == m_pending.end())
            return;
        const Pending kind = pending.value();
        m_pending.erase(pending);
        const ConfigCheckResult result = InspectProtocol::checkResultFromJson(answer);
        if (kind == Pending::Apply) {
            emit configApplied(request, result);
            if (result.ok)
                send({{QStringLiteral("type"), QStringLiteral("config")}});
        } else {
            emit configChecked(request, result);
        }
    } else if (type == QLatin1String("paused") || type == QLatin1String("resumed")) {
        RecordingState recording = InspectProtocol::recordingFromJson(answer, type == QLatin1String("paused"));
        recording.notRecorded = std::max(this->recording().notRecorded, recording.lastNotRecorded);
        setRecording(recording);
    } else if ((type == QLatin1String("pause") || type == QLatin1String("resume")) && !answer.value(QLatin1String("ok")).toBool(true)) {
        emit recordingRefused(answer.value(QLatin1String("error")).toString());
    } else if (type == QLatin1String("inject") && !answer.value(QLatin1String("ok")).toBool(true)) {
        emit injectRefused(quint64(answer.value(QLatin1String("connection")).toDouble()) + m_idOffset,
                           answer.value(QLatin1String("error")).toString());
    }
}

void RemoteInspectorSource::refresh()
{
    if (link() == Link::Up)
        send({{QStringLiteral("type"), QStringLiteral("figures")}});
}

quint64 RemoteInspectorSource::checkConfig(const QString &text)
{
    if (link() != Link::Up)
        return 0;
    const quint64 request = send({{QStringLiteral("type"), QStringLiteral("check")}, {QStringLiteral("text"), text}});
    m_pending.insert(request, Pending::Check);
    return request;
}

quint64 RemoteInspectorSource::applyConfig(const QString &text)
{
    const quint64 request = nextRequest();
    if (link() != Link::Up) {
        ConfigCheckResult result;
        result.applyError = tr("not connected to the instance");
        QTimer::singleShot(0, this, [this, request, result] { emit configApplied(request, result); });
        return request;
    }
    const quint64 sent = send({{QStringLiteral("type"), QStringLiteral("reload")}, {QStringLiteral("text"), text}});
    m_pending.insert(sent, Pending::Apply);
    return sent;
}

void RemoteInspectorSource::inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload)
{
    if (link() != Link::Up || connectionId <= m_idOffset) {
        emit injectRefused(connectionId, tr("the connection belongs to an earlier run of the instance or the link is down"));
        return;
    }
    send({{QStringLiteral("type"), QStringLiteral("inject")},
          {QStringLiteral("connection"), double(connectionId - m_idOffset)},
          {QStringLiteral("direction"), direction == Direction::ClientToUpstream ? QStringLiteral("send") : QStringLiteral("receive")},
          {QStringLiteral("opcode"), QString(wsOpcodeName(opcode))},
          {QStringLiteral("payload"), QString::fromLatin1(payload.toBase64())}});
}

void RemoteInspectorSource::setRecordingPaused(bool paused)
{
    if (link() != Link::Up) {
        QTimer::singleShot(0, this, [this] { emit recordingRefused(tr("not connected to the instance")); });
        return;
    }
    // The instance tells every client (us too) with paused / resumed.
    send({{QStringLiteral("type"), paused ? QStringLiteral("pause") : QStringLiteral("resume")},
          {QStringLiteral("by"), InspectProtocol::clientName()}});
}
