#include "inspectchannel.h"

#include "inspect/eventjson.h"
#include "inspect/eventjsonwriter.h"
#include "ops/logging.h"
#include "remote/inspectfilter.h"
#include "remote/inspectorsource.h"
#include "remote/inspectprotocol.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <openssl/crypto.h>

#include <algorithm>

namespace {

// Close codes of a refusal (4000-4999: the application's, RFC 6455 7.4.2).
constexpr auto RefusedToken = QWebSocketProtocol::CloseCode(4401);
constexpr auto RefusedRate = QWebSocketProtocol::CloseCode(4429);

bool sameToken(const QByteArray &given, const QByteArray &expected)
{
    // Constant time over the expected token's length: the comparison does
    // not tell how many leading bytes were right.
    return given.size() == expected.size() && CRYPTO_memcmp(given.constData(), expected.constData(), size_t(expected.size())) == 0;
}

std::optional<WsOpcode> opcodeFrom(const QString &name)
{
    for (WsOpcode op : {WsOpcode::Text, WsOpcode::Binary, WsOpcode::Ping, WsOpcode::Pong, WsOpcode::Close}) {
        if (name == wsOpcodeName(op))
            return op;
    }
    return std::nullopt;
}

} // namespace

InspectChannel::InspectChannel(InspectorSource *source, Settings settings, QObject *parent)
    : QObject(parent)
    , m_source(source)
    , m_settings(std::move(settings))
    , m_runId(QStringLiteral("%1-%2").arg(QCoreApplication::applicationPid()).arg(QDateTime::currentMSecsSinceEpoch()))
    , m_ownPause(std::make_unique<RecordingPause>())
    , m_pause(m_ownPause.get())
    , m_recordingFilter(m_pause)
{
    connect(m_source, &InspectorSource::eventsReceived, this, &InspectChannel::handleEvents);
    connect(m_source, &InspectorSource::configChecked, this,
            [this](quint64 request, const ConfigCheckResult &r) { answerCheck(false, request, r); });
    connect(m_source, &InspectorSource::configApplied, this,
            [this](quint64 request, const ConfigCheckResult &r) { answerCheck(true, request, r); });
    connect(m_source, &InspectorSource::injectRefused, this, [this](quint64 id, const QString &reason) {
        for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it)
            send(it.key(), {{QStringLiteral("type"), QStringLiteral("inject")}, {QStringLiteral("ok"), false},
                            {QStringLiteral("connection"), double(id)}, {QStringLiteral("error"), reason}});
    });
}

InspectChannel::~InspectChannel()
{
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it)
        it.key()->disconnect(this);
}

bool InspectChannel::parseAddress(const QString &text, QHostAddress *host, quint16 *port)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    const QHostAddress h(colon > 0 ? text.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']')) : QString());
    bool portOk = false;
    const uint p = colon > 0 ? text.mid(colon + 1).toUInt(&portOk) : 0;
    if (h.isNull() || !portOk || p > 65535)
        return false;
    *host = h;
    *port = quint16(p);
    return true;
}

bool InspectChannel::listen(const QString &address, QString *error)
{
    QHostAddress host;
    quint16 port = 0;
    if (!parseAddress(address, &host, &port)) {
        *error = QStringLiteral("--inspect-listen %1: not HOST:PORT with a numeric host").arg(address);
        return false;
    }
    return listen(host, port, std::nullopt, error);
}

bool InspectChannel::listen(const QHostAddress &address, quint16 port, const std::optional<QSslConfiguration> &tls,
                            QString *error)
{
    auto *server = new QWebSocketServer(QStringLiteral("wsscope inspect"),
                                        tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode, this);
    if (tls)
        server->setSslConfiguration(*tls);
    bool bound = server->listen(address, port);
    // 127.0.0.1:9901 -> 0.0.0.0:9901: the old socket holds the port.
    if (!bound && m_server && m_server->isListening() && port != 0 && port == m_server->serverPort()) {
        const QHostAddress old = m_server->serverAddress();
        m_server->close();
        bound = server->listen(address, port);
        if (!bound && !m_server->listen(old, port))
            qCWarning(lcProxy).noquote() << "inspection channel: cannot listen on" << old.toString() << "again:"
                                         << m_server->errorString();
    }
    const QString where = (address.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]:%2")
                                                                                : QStringLiteral("%1:%2"))
                              .arg(address.toString());
    if (!bound) {
        *error = QStringLiteral("inspection channel on %1: %2").arg(where.arg(port), server->errorString());
        delete server;
        return false;
    }
    if (m_server) {
        // Its clients were reparented to the channel: they stay.
        m_server->close();
        m_server->deleteLater();
    }
    m_server = server;
    connect(m_server, &QWebSocketServer::newConnection, this, &InspectChannel::handleNewConnection);
    // The line tests and scripts wait for, as the proxy's own "listening on".
    qCInfo(lcProxy).noquote() << "inspection channel listening on" << where.arg(m_server->serverPort())
                              << (tls ? "(wss://)" : "(ws://)");
    return true;
}

quint16 InspectChannel::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

bool InspectChannel::isSecure() const
{
    return m_server && m_server->secureMode() == QWebSocketServer::SecureMode;
}

void InspectChannel::setSettings(Settings settings)
{
    const bool newToken = settings.token != m_settings.token;
    m_settings = std::move(settings);
    if (!newToken)
        return;
    const QList<QWebSocket *> admitted = m_clients.keys();
    for (QWebSocket *socket : admitted)
        socket->close(RefusedToken, QStringLiteral("the channel's token changed (reload): attach again"));
    if (!admitted.isEmpty())
        qCInfo(lcProxy).noquote() << "inspection channel: the token changed; closed" << admitted.size()
                                  << "attached client(s)";
}

void InspectChannel::handleNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        if (!admit(socket))
            continue;
        m_clients.insert(socket, Client{});
        connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &t) { handleMessage(socket, t); });
        connect(socket, &QWebSocket::disconnected, this, [this, socket] {
            m_clients.remove(socket);
            socket->deleteLater();
        });
    }
}

// The token check and the rate limit, before anything is sent.
bool InspectChannel::admit(QWebSocket *socket)
{
    const QString peer = socket->peerAddress().toString();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Expired failures are forgotten for every address, and an address with
    // none left leaves the table: it holds only peers that failed within the
    // window, instead of growing with every address that ever connected.
    for (auto it = m_failures.begin(); it != m_failures.end();) {
        it->removeIf([this, now](qint64 t) { return now - t > m_settings.failureWindowMs; });
        it = it->isEmpty() ? m_failures.erase(it) : std::next(it);
    }
    if (m_failures.value(peer).size() >= MaxFailures) {
        qCWarning(lcProxy).noquote() << "inspection channel: refused" << peer << "(too many failed attempts)";
        socket->close(RefusedRate, QStringLiteral("refused: too many failed attempts, wait a minute"));
        socket->deleteLater();
        return false;
    }
    if (m_settings.token.isEmpty())
        return true;
    const QByteArray header = socket->request().rawHeader("Authorization");
    const QByteArray given = header.startsWith("Bearer ") ? header.mid(7).trimmed() : QByteArray();
    if (sameToken(given, m_settings.token)) {
        m_failures.remove(peer);
        return true;
    }
    m_failures[peer] << now;
    qCWarning(lcProxy).noquote() << "inspection channel: refused" << peer << (given.isEmpty() ? "(no token)" : "(wrong token)");
    socket->close(RefusedToken, QStringLiteral("refused: bad or missing token"));
    socket->deleteLater();
    return false;
}

void InspectChannel::send(QWebSocket *socket, const QJsonObject &message)
{
    socket->sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
}

void InspectChannel::handleMessage(QWebSocket *socket, const QString &text)
{
    const QJsonObject command = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = command.value(QLatin1String("type")).toString();
    Client &client = m_clients[socket];
    if (type == QLatin1String("hello")) {
        client.helloDone = true;
        m_source->refresh(); // the listeners as bound now
        send(socket, {{QStringLiteral("type"), QStringLiteral("hello")},
                      {QStringLiteral("version"), InspectProtocol::Version},
                      {QStringLiteral("id"), command.value(QLatin1String("id"))},
                      {QStringLiteral("instance"), m_settings.instanceName},
                      {QStringLiteral("run"), m_runId},
                      {QStringLiteral("readonly"), m_settings.readOnly},
                      {QStringLiteral("listeners"), QJsonArray::fromStringList(m_source->listeners())},
                      {QStringLiteral("paused"), m_pause->state().paused ? QJsonValue(pauseState()) : QJsonValue(false)}});
        return;
    }
    if (!client.helloDone) {
        send(socket, {{QStringLiteral("type"), QStringLiteral("error")}, {QStringLiteral("error"), QStringLiteral("hello first")}});
        return;
    }
    handleCommand(socket, type, command);
}

void InspectChannel::handleCommand(QWebSocket *socket, const QString &type, const QJsonObject &command)
{
    const QJsonValue id = command.value(QLatin1String("id"));
    auto refuse = [&](const QString &why) {
        send(socket, {{QStringLiteral("type"), type}, {QStringLiteral("id"), id}, {QStringLiteral("ok"), false},
                      {QStringLiteral("error"), why}});
    };
    if (type == QLatin1String("history") || type == QLatin1String("subscribe")) {
        if (const QString error = subscribe(socket, type, command); !error.isEmpty())
            return refuse(error);
    } else if (type == QLatin1String("config")) {
        QJsonObject answer = configMessage();
        answer.insert(QStringLiteral("id"), id);
        send(socket, answer);
    } else if (type == QLatin1String("figures")) {
        m_source->refresh(); // in-process: at once
        send(socket, {{QStringLiteral("type"), type}, {QStringLiteral("id"), id},
                      {QStringLiteral("upstreams"), InspectProtocol::figuresToJson(m_source->upstreamFigures())},
                      {QStringLiteral("dropped"), double(m_clients.value(socket).dropped)},
                      {QStringLiteral("notRecorded"), double(m_recordingFilter.notRecorded())}});
    } else if (type == QLatin1String("check")) {
        m_waiting.insert(m_source->checkConfig(command.value(QLatin1String("text")).toString()), {socket, id.toDouble()});
    } else if (type == QLatin1String("reload")) {
        if (m_settings.readOnly)
            return refuse(QStringLiteral("the channel is read-only (--inspect-readonly)"));
        m_waiting.insert(m_source->applyConfig(command.value(QLatin1String("text")).toString()), {socket, id.toDouble()});
    } else if (type == QLatin1String("inject")) {
        const std::optional<WsOpcode> op = opcodeFrom(command.value(QLatin1String("opcode")).toString());
        if (m_settings.readOnly)
            return refuse(QStringLiteral("the channel is read-only (--inspect-readonly)"));
        if (!op)
            return refuse(QStringLiteral("unknown opcode"));
        const bool toUpstream = command.value(QLatin1String("direction")).toString() == QLatin1String("send");
        m_source->inject(quint64(command.value(QLatin1String("connection")).toDouble()),
                         toUpstream ? Direction::ClientToUpstream : Direction::UpstreamToClient, *op,
                         QByteArray::fromBase64(command.value(QLatin1String("payload")).toString().toLatin1()));
    } else if (type == QLatin1String("pause") || type == QLatin1String("resume")) {
        if (m_settings.readOnly)
            return refuse(QStringLiteral("the channel is read-only (--inspect-readonly)"));
        handlePause(socket, type, command);
    } else {
        refuse(QStringLiteral("unknown command"));
    }
}

QJsonObject InspectChannel::configMessage() const
{
    QJsonObject methods;
    const QHash<QString, QString> byGroup = m_source->methodsByGroup();
    for (auto it = byGroup.cbegin(); it != byGroup.cend(); ++it)
        methods.insert(it.key(), it.value());
    return {{QStringLiteral("type"), QStringLiteral("config")},
            {QStringLiteral("text"), m_source->configText()},
            {QStringLiteral("name"), m_source->configName()},
            {QStringLiteral("targets"), InspectProtocol::targetsToJson(m_source->upstreamTargets())},
            {QStringLiteral("methods"), methods}};
}

void InspectChannel::answerCheck(bool apply, quint64 request, const ConfigCheckResult &result)
{
    const auto waiting = m_waiting.take(request);
    if (!waiting.first || !m_clients.contains(waiting.first))
        return;
    QJsonObject answer = InspectProtocol::checkResultToJson(result);
    answer.insert(QStringLiteral("type"), apply ? QStringLiteral("reload") : QStringLiteral("check"));
    answer.insert(QStringLiteral("id"), waiting.second);
    send(waiting.first, answer);
}

void InspectChannel::handleEvents(const QList<InspectEvent> &published)
{
    // What a pause leaves out is neither kept nor sent (nor numbered).
    const QList<InspectEvent> batch = m_recordingFilter.recorded(published);
    if (batch.isEmpty())
        return;
    // The history keeps the values and encodes them only when a client asks
    // (tests/bench/attach: the encoding is most of the channel's cost).
    for (const InspectEvent &e : batch)
        m_history.push_back(e);
    while (m_history.size() > size_t(HistoryEvents))
        m_history.pop_front();
    const quint64 firstSeq = m_nextSeq;
    m_nextSeq += quint64(batch.size());
    bool unfiltered = false;
    bool filtered = false;
    for (const Client &c : std::as_const(m_clients)) {
        unfiltered |= c.subscribed && !c.filter;
        filtered |= c.subscribed && c.filter.has_value();
    }
    // Every unfiltered client gets the same message, written once straight
    // to UTF-8 (EventJson::appendEvent, no QJsonObject); a filtered client's
    // matcher reads the events' objects, built only when one is attached.
    const QString message = unfiltered ? QString::fromUtf8(eventsMessage(batch.cbegin(), batch.cend(), firstSeq))
                                       : QString();
    QJsonArray events;
    if (filtered) {
        for (const InspectEvent &e : batch)
            events << toJson(e);
    }
    for (auto it = m_clients.begin(); it != m_clients.end(); ++it) {
        if (!it->subscribed)
            continue;
        // A filtered client gets its own message (fed even when it lags, so
        // the filter's judgement of each connection stays right).
        std::optional<QJsonObject> filteredMessage;
        if (it->filter) {
            filteredMessage = filteredEvents(&*it->filter, firstSeq, events, QJsonValue(QJsonValue::Undefined));
            if (!filteredMessage)
                continue; // none of this batch is for it
        }
        const qsizetype shown =
            filteredMessage ? filteredMessage->value(QLatin1String("events")).toArray().size() : batch.size();
        // A client this far behind loses the batch (counted), so neither the
        // proxy nor the other clients wait for it.
        if (it.key()->bytesToWrite() > m_settings.clientBacklogBytes) {
            it->dropped += quint64(shown);
            continue;
        }
        if (filteredMessage)
            send(it.key(), *filteredMessage);
        else
            it.key()->sendTextMessage(message);
    }
}

// {"events":[...],"id":ID,"seq":N,"type":"events"}: what
// QJsonDocument(QJsonObject{...}) would write (its members sorted by key),
// the events written by EventJson::appendEvent. No id: a live batch.
template<typename It>
QByteArray InspectChannel::eventsMessage(It first, It last, quint64 firstSeq, const QJsonValue &id)
{
    QByteArray out;
    out.reserve(qsizetype(std::distance(first, last)) * EstimatedEventBytes + 64);
    out.append("{\"events\":[");
    for (It e = first; e != last; ++e) {
        if (e != first)
            out.append(',');
        EventJson::appendEvent(out, *e);
    }
    out.append("],");
    if (!id.isUndefined()) {
        // The client's id as it gave it (any JSON value): Qt writes it.
        const QByteArray array = QJsonDocument(QJsonArray{id}).toJson(QJsonDocument::Compact);
        out.append("\"id\":").append(array.mid(1, array.size() - 2)).append(',');
    }
    out.append("\"seq\":").append(QByteArray::number(firstSeq)).append(",\"type\":\"events\"}");
    return out;
}

void InspectChannel::setRecordingPause(RecordingPause *pause)
{
    m_pause = pause;
    m_recordingFilter = RecordingPause::Filter(pause);
    m_ownPause.reset();
}

QJsonObject InspectChannel::pauseState() const
{
    const RecordingPause::State &s = m_pause->state();
    return {{QStringLiteral("by"), s.by}, {QStringLiteral("peer"), s.peer}, {QStringLiteral("at"), double(s.sinceMs)}};
}

void InspectChannel::broadcast(const QJsonObject &message)
{
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it) {
        if (it->helloDone)
            send(it.key(), message);
    }
}

// `pause` / `resume` {by}: the switch is the daemon's, not the client's, so
// every attached client is told (and a client attaching later reads it in
// hello). Asking for the state it is already in is answered ok and changes
// nothing.
void InspectChannel::handlePause(QWebSocket *socket, const QString &type, const QJsonObject &command)
{
    const bool pause = type == QLatin1String("pause");
    const QString peer = QStringLiteral("%1:%2").arg(socket->peerAddress().toString()).arg(socket->peerPort());
    // The name a client gives itself ("alice@laptop"), kept short and on one
    // line: it goes into the log.
    QString by = command.value(QLatin1String("by")).toString().left(64);
    for (QChar &c : by) {
        if (!c.isPrint())
            c = QLatin1Char('?');
    }
    if (by.isEmpty())
        by = peer;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const RecordingPause::State before = m_pause->state();
    const bool changed = pause ? m_pause->pause(by, peer, now) : m_pause->resume(by, peer, now);
    send(socket, {{QStringLiteral("type"), type}, {QStringLiteral("id"), command.value(QLatin1String("id"))},
                  {QStringLiteral("ok"), true}, {QStringLiteral("changed"), changed}});
    if (!changed)
        return;
    QJsonObject told = pauseState();
    if (pause) {
        sendResumed(); // a resume still settling is told first: clients see the switches in order
        m_notRecordedAtPause = m_recordingFilter.notRecorded();
        qCInfo(lcProxy).noquote() << "inspection channel: recording paused by" << by << "from" << peer;
        told.insert(QStringLiteral("type"), QStringLiteral("paused"));
        broadcast(told);
        return;
    }
    told.insert(QStringLiteral("type"), QStringLiteral("resumed"));
    told.insert(QStringLiteral("pausedBy"), before.by);
    told.insert(QStringLiteral("pausedAt"), double(before.sinceMs));
    m_pendingResumed = told;
    QTimer::singleShot(ResumeSettleMs, this, &InspectChannel::sendResumed);
}

// The `resumed` message with what the pause left out, as far as the events
// have reached the channel; figures' notRecorded is the total.
void InspectChannel::sendResumed()
{
    if (!m_pendingResumed)
        return;
    QJsonObject told = *std::exchange(m_pendingResumed, std::nullopt);
    const quint64 notRecorded = m_recordingFilter.notRecorded() - m_notRecordedAtPause;
    told.insert(QStringLiteral("notRecorded"), double(notRecorded));
    const qint64 at = qint64(told.value(QLatin1String("at")).toDouble());
    qCInfo(lcProxy).noquote() << "inspection channel: recording resumed by" << told.value(QLatin1String("by")).toString()
                              << "from" << told.value(QLatin1String("peer")).toString() << "after"
                              << (at - qint64(told.value(QLatin1String("pausedAt")).toDouble())) / 1000.0 << "s,"
                              << notRecorded << "events not recorded";
    broadcast(told);
}

// `history` and `subscribe` {filter}: from now on live events reach this
// client, through its filter when it gave one (subscribe replaces the
// filter, history without one keeps it). The history is run through a new
// filter either way, so connections opened before it are judged by their
// request; `history` sends what passes, `subscribe` only answers ok. A
// filtered client's events messages list each event's number in "seqs" (they
// are no longer consecutive). Returns why not (a bad filter), else empty.
QString InspectChannel::subscribe(QWebSocket *socket, const QString &type, const QJsonObject &command)
{
    const QJsonValue id = command.value(QLatin1String("id"));
    Client &client = m_clients[socket];
    const bool history = type == QLatin1String("history");
    const QJsonValue given = command.value(QLatin1String("filter"));
    if (!history || !given.isUndefined()) {
        QString error;
        const std::optional<InspectFilter> filter = InspectFilter::fromJson(given, &error);
        if (!filter)
            return error;
        client.filter = filter->isEmpty() ? std::nullopt : std::optional(InspectFilterMatcher(*filter));
    } else if (client.filter) {
        client.filter = InspectFilterMatcher(client.filter->filter());
    }
    client.subscribed = true;
    const QJsonObject ok{{QStringLiteral("type"), type}, {QStringLiteral("id"), id}, {QStringLiteral("ok"), true}};
    if (!history && !client.filter) {
        send(socket, ok);
        return {};
    }
    const quint64 firstSeq = m_nextSeq - m_history.size();
    if (!client.filter) { // a history without a filter: all of it, encoded directly
        socket->sendTextMessage(QString::fromUtf8(eventsMessage(m_history.cbegin(), m_history.cend(), firstSeq, id)));
        return {};
    }
    QJsonArray events;
    for (const InspectEvent &e : m_history)
        events << toJson(e);
    const QJsonObject answer = *filteredEvents(&*client.filter, firstSeq, events, id);
    send(socket, history ? answer : ok);
    return {};
}

// The events of `events` (numbered from firstSeq) that `matcher` lets
// through, as one events message; nullopt when none passed and no id asks
// for an answer.
std::optional<QJsonObject> InspectChannel::filteredEvents(InspectFilterMatcher *matcher, quint64 firstSeq,
                                                           const QJsonArray &events, const QJsonValue &id)
{
    QList<InspectFilterMatcher::Sequenced> shown;
    for (qsizetype i = 0; i < events.size(); ++i)
        matcher->feed(firstSeq + quint64(i), events.at(i).toObject(), &shown);
    if (shown.isEmpty() && id.isUndefined())
        return std::nullopt;
    QJsonArray seqs;
    QJsonArray out;
    for (const auto &[seq, event] : shown) {
        seqs << double(seq);
        out << event;
    }
    QJsonObject message{{QStringLiteral("type"), QStringLiteral("events")},
                        {QStringLiteral("seq"), double(shown.isEmpty() ? firstSeq + quint64(events.size()) : shown.first().first)},
                        {QStringLiteral("seqs"), seqs},
                        {QStringLiteral("events"), out}};
    if (!id.isUndefined())
        message.insert(QStringLiteral("id"), id);
    return message;
}
