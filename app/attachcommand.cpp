#include "attachcommand.h"

#include "exitcode.h"
#include "inspect/capturewriter.h"
#include "inspect/eventjson.h"
#include "inspect/harexport.h"
#include "ops/signalwatcher.h"
#include "remote/inspectfilter.h"
#include "remote/inspectprotocol.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QTimer>
#include <QWebSocket>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

struct AttachOptions
{
    QUrl url;
    QString tokenFile;
    bool json = false;
    bool history = false;
    InspectFilter filter;
    QString harFile;
    std::optional<bool> pause; // --pause / --resume: switch the recording and exit
};

// How long the link may take to be up (TCP, TLS, WebSocket, hello): a daemon
// that does not answer is a failure, as a refused one is.
constexpr int AttachTimeoutMs = 10'000;

QString arrow(Direction d)
{
    return d == Direction::ClientToUpstream ? u"->"_s : u"<-"_s;
}

// A message's preview on one line: text quoted and cut, binary as hex.
QString preview(const WsMessage &m)
{
    constexpr qsizetype Max = 60;
    if (m.opcode != WsOpcode::Text)
        return QString::fromLatin1(m.preview.left(16).toHex(' ')) + (m.preview.size() > 16 || m.truncated ? u" …"_s : QString());
    QString text = QString::fromUtf8(m.preview);
    const bool cut = text.size() > Max || m.truncated;
    text.truncate(Max);
    for (QChar &c : text) {
        if (!c.isPrint())
            c = u'.';
    }
    return u'"' + text + u'"' + (cut ? u"…"_s : QString());
}

QString closeText(const WsCloseInfo &c)
{
    return (c.code ? QString::number(*c.code) : u"no code"_s) + (c.reason.isEmpty() ? QString() : u" \""_s + c.reason + u'"');
}

// The part of a human line after time and connection (empty: not shown).
QString describe(const InspectEvent &e)
{
    if (const auto *o = e.as<ConnectionOpenedEvent>())
        return u"open from %1:%2 on %3%4"_s.arg(o->clientAddress.toString()).arg(o->clientPort).arg(o->listener,
                                                                                               o->tls ? u" (TLS)"_s : QString());
    if (const auto *r = e.as<RequestHeadEvent>())
        return r->forwarded ? QString() : QString::fromLatin1(r->head.method + ' ' + r->head.target);
    if (const auto *r = e.as<RouteEvent>())
        return u"route to %1 %2"_s.arg(r->upstreamGroup, r->upstreamServer);
    if (const auto *r = e.as<ResponseHeadEvent>())
        return u"%1 %2%3"_s.arg(r->head.status).arg(QString::fromLatin1(r->head.reason), r->fromUpstream ? QString() : u" (wsscope)"_s);
    if (const auto *m = e.as<MessageEvent>())
        return u"%1 %2 %3 B %4%5"_s.arg(arrow(m->direction), wsOpcodeName(m->message.opcode)).arg(m->message.totalLength)
            .arg(preview(m->message), m->injected ? u" (injected)"_s : QString());
    if (const auto *c = e.as<ControlFrameEvent>())
        return u"%1 %2 %3 B%4%5"_s.arg(arrow(c->direction), wsOpcodeName(c->opcode)).arg(c->payload.size())
            .arg(c->close ? u" "_s + closeText(*c->close) : QString(), c->injected ? u" (wsscope's)"_s : QString());
    if (const auto *v = e.as<ViolationEvent>())
        return u"%1 violation: %2"_s.arg(arrow(v->direction), v->violation.text);
    if (const auto *f = e.as<FindingEvent>())
        return f->severity == FindingEvent::Severity::Info ? QString() : u"finding %1: %2"_s.arg(f->code, f->text);
    if (const auto *c = e.as<ClosedEvent>())
        return u"closed: %1%2, %3 B from client, %4 B from upstream, %5 ms"_s
            .arg(QLatin1StringView(closeCauseName(c->cause)), c->detail.isEmpty() ? QString() : u" ("_s + c->detail + u')')
            .arg(c->bytesFromClient).arg(c->bytesFromUpstream).arg(c->durationMs);
    if (const auto *h = e.as<HttpExchangeEvent>())
        return u"exchange %1, %2 B in, %3 B out, %4 ms"_s.arg(h->status).arg(h->requestBodyBytes).arg(h->responseBodyBytes).arg(h->durationMs);
    return {}; // frames (the messages say it), tunnel-established (the 101 says it)
}

void printLine(const QByteArray &line)
{
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout); // a pipe reader sees each event as it comes
}

// One attach run: the link, its events printed, the HAR kept.
class AttachClient final : public QObject
{
    Q_DISABLE_COPY_MOVE(AttachClient)

public:
    explicit AttachClient(AttachOptions options)
        : m_options(std::move(options))
        , m_signals({SIGINT, SIGTERM})
        , m_har(m_options.harFile.isEmpty() ? nullptr : std::make_unique<CaptureWriter>(m_options.harFile))
    {
        connect(&m_signals, &SignalWatcher::signalReceived, this, [this] { stop(); });
        connect(&m_socket, &QWebSocket::connected, this, &AttachClient::handleConnected);
        connect(&m_socket, &QWebSocket::disconnected, this, &AttachClient::handleDisconnected);
        connect(&m_socket, &QWebSocket::textMessageReceived, this, &AttachClient::handleMessage);
        // A refused TCP connect may come as an error only; a close the
        // daemon sent (its reason) comes with disconnected, just after.
        // (QWebSocket::error: errorOccurred is Qt 6.5.)
        connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this] {
            QTimer::singleShot(100, this, [this] {
                if (m_socket.state() == QAbstractSocket::UnconnectedState)
                    handleDisconnected();
            });
        });
        // Not ignored: the handshake fails, and the line says why.
        connect(&m_socket, &QWebSocket::sslErrors, this,
                [this](const QList<QSslError> &errors) { m_tlsRefusal = InspectProtocol::tlsRefusalText(errors); });
        m_socket.setSslConfiguration(InspectProtocol::clientSslConfiguration());
        m_timeout.setSingleShot(true);
        connect(&m_timeout, &QTimer::timeout, this, [this] {
            finish(ExitRuntimeError, u"%1: no answer within %2 s"_s.arg(m_options.url.toString()).arg(AttachTimeoutMs / 1000));
        });
    }

    int exec()
    {
        QNetworkRequest request(m_options.url);
        if (!m_options.tokenFile.isEmpty()) {
            QFile file(m_options.tokenFile);
            if (!file.open(QIODevice::ReadOnly))
                return fail(u"cannot read the token file %1: %2"_s.arg(m_options.tokenFile, file.errorString()));
            request.setRawHeader("Authorization", "Bearer " + file.readAll().trimmed());
        }
        m_timeout.start(AttachTimeoutMs);
        m_socket.open(request);
        if (m_exit < 0)
            QCoreApplication::exec();
        return m_exit;
    }

private:
    static int fail(const QString &why)
    {
        std::fprintf(stderr, "wsscope attach: %s\n", qPrintable(why));
        return ExitRuntimeError;
    }

    void send(const QJsonObject &o) { m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact))); }

    void handleConnected()
    {
        send({{u"type"_s, u"hello"_s}, {u"id"_s, 1}, {u"version"_s, InspectProtocol::Version}});
    }

    void handleDisconnected()
    {
        if (m_stopping)
            return finish(ExitOk, {});
        QString why = m_socket.errorString();
        if (m_socket.closeCode() != QWebSocketProtocol::CloseCodeNormal && !m_socket.closeReason().isEmpty())
            why = m_socket.closeReason(); // the daemon's own: "refused: bad or missing token"
        else if (!m_tlsRefusal.isEmpty())
            why = m_tlsRefusal;
        else if (m_attached)
            why = u"the link was lost (%1)"_s.arg(why);
        finish(ExitRuntimeError, u"%1: %2"_s.arg(m_options.url.toString(), why));
    }

    void handleMessage(const QString &text)
    {
        const QJsonObject m = QJsonDocument::fromJson(text.toUtf8()).object();
        const QString type = m.value("type"_L1).toString();
        const int id = m.value("id"_L1).toInt();
        if (type == "hello"_L1)
            return handleHello(m);
        if (m_options.pause && id == 3)
            return handlePauseAnswer(m);
        if (type == "paused"_L1 || type == "resumed"_L1)
            return tellRecording(type == "paused"_L1, m);
        if (type == "events"_L1)
            handleEvents(m);
        if (!m_attached && id == 2) {
            if (type != "events"_L1 && !m.value("ok"_L1).toBool())
                return finish(ExitRuntimeError, u"the daemon refused the subscription: %1"_s.arg(m.value("error"_L1).toString()));
            m_attached = true;
            m_timeout.stop();
            // The line scripts (and tests) wait for: from here on, events come.
            std::fprintf(stderr, "wsscope attach: attached to %s (%s)\n", qPrintable(m_instance), qPrintable(m_options.url.toString()));
        }
    }

    void handleHello(const QJsonObject &hello)
    {
        if (hello.value("version"_L1).toInt() != InspectProtocol::Version)
            return finish(ExitRuntimeError, u"the daemon speaks protocol version %1, this wsscope %2"_s
                                                .arg(hello.value("version"_L1).toInt()).arg(InspectProtocol::Version));
        m_instance = hello.value("instance"_L1).toString();
        if (m_options.pause) {
            send({{u"type"_s, *m_options.pause ? u"pause"_s : u"resume"_s}, {u"id"_s, 3}, {u"by"_s, InspectProtocol::clientName()}});
            return;
        }
        if (hello.value("paused"_L1).isObject())
            tellRecording(true, hello.value("paused"_L1).toObject());
        // history: the daemon's recent events first, through the same filter.
        send({{u"type"_s, m_options.history ? u"history"_s : u"subscribe"_s}, {u"id"_s, 2},
              {u"filter"_s, m_options.filter.toJson()}});
    }

    // --pause / --resume: the daemon's answer ends the run.
    void handlePauseAnswer(const QJsonObject &answer)
    {
        const bool pause = *m_options.pause;
        if (!answer.value("ok"_L1).toBool())
            return finish(ExitRuntimeError, u"the daemon refused to %1 the recording: %2"_s
                                                .arg(pause ? u"pause"_s : u"resume"_s, answer.value("error"_L1).toString()));
        const bool changed = answer.value("changed"_L1).toBool();
        const QString state = pause ? u"paused"_s : u"recording"_s;
        printLine((changed ? u"%1: %2 now"_s : u"%1: already %2"_s).arg(m_instance, state).toUtf8());
        m_stopping = true;
        finish(ExitOk, {});
    }

    // Said on stderr, so --json's stdout stays the --capture schema.
    void tellRecording(bool paused, const QJsonObject &m)
    {
        const RecordingState r = InspectProtocol::recordingFromJson(m, paused);
        const QString since = QDateTime::fromMSecsSinceEpoch(r.sinceMs).toString(u"HH:mm:ss"_s);
        if (paused)
            std::fprintf(stderr, "wsscope attach: recording paused on %s by %s (%s) since %s: no events come until it resumes\n",
                         qPrintable(m_instance), qPrintable(r.by), qPrintable(r.peer), qPrintable(since));
        else
            std::fprintf(stderr, "wsscope attach: recording resumed on %s by %s (%s) at %s; %llu events were not recorded\n",
                         qPrintable(m_instance), qPrintable(r.by), qPrintable(r.peer), qPrintable(since),
                         static_cast<unsigned long long>(r.lastNotRecorded));
    }

    void handleEvents(const QJsonObject &message)
    {
        const QJsonArray events = message.value("events"_L1).toArray();
        const QJsonArray seqs = message.value("seqs"_L1).toArray();
        const quint64 first = quint64(message.value("seq"_L1).toInteger());
        QList<InspectEvent> batch;
        for (qsizetype i = 0; i < events.size(); ++i) {
            // A filtered stream numbers each event; live batches can repeat
            // what a history answer already had.
            const quint64 seq = seqs.isEmpty() ? first + quint64(i) : quint64(seqs.at(i).toInteger());
            if (seq <= m_lastSeq)
                continue;
            m_lastSeq = seq;
            QString error;
            const std::optional<InspectEvent> e = fromJson(events.at(i).toObject(), &error);
            if (!e) {
                std::fprintf(stderr, "wsscope attach: an event the daemon sent does not parse: %s\n", qPrintable(error));
                continue;
            }
            print(*e);
            batch << *e;
        }
        if (m_har && !batch.isEmpty())
            m_har->consume(batch);
    }

    void print(const InspectEvent &e)
    {
        if (m_options.json)
            return printLine(QJsonDocument(toJson(e)).toJson(QJsonDocument::Compact)); // --capture's encoder
        const QString what = describe(e);
        if (!what.isEmpty())
            printLine((QDateTime::fromMSecsSinceEpoch(e.wallMs).toString(u"HH:mm:ss.zzz"_s) + u" #"_s
                       + QString::number(e.connectionId) + u' ' + what).toUtf8());
    }

    void stop()
    {
        m_stopping = true;
        if (m_socket.state() == QAbstractSocket::UnconnectedState)
            return finish(ExitOk, {});
        m_socket.close(); // disconnected follows, then finish
        QTimer::singleShot(2000, this, [this] { finish(ExitOk, {}); });
    }

    void finish(int code, const QString &why)
    {
        if (m_exit >= 0)
            return;
        m_exit = code;
        if (!why.isEmpty())
            fail(why);
        if (m_har) {
            QString error;
            if (!HarExport::write(m_options.harFile, m_har->harDocument(), &error))
                m_exit = fail(u"cannot write %1: %2"_s.arg(m_options.harFile, error));
        }
        m_socket.disconnect(this);
        m_socket.abort();
        QCoreApplication::exit(m_exit);
    }

    AttachOptions m_options;
    QWebSocket m_socket;
    SignalWatcher m_signals;
    QTimer m_timeout;
    std::unique_ptr<CaptureWriter> m_har; // its store and HarExport, as --capture's HAR
    QString m_instance;
    QString m_tlsRefusal; // why the wss:// handshake refused the daemon's certificate
    quint64 m_lastSeq = 0;
    bool m_attached = false;
    bool m_stopping = false;
    int m_exit = -1;
};

int usage(const QString &message)
{
    std::fprintf(stderr, "wsscope attach: %s\nTry 'wsscope attach --help' for more information.\n", qPrintable(message));
    return ExitUsage;
}

} // namespace

int AttachCommand::run(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.setApplicationDescription(
        u"Prints the live events of a wsscope daemon's inspection channel (--inspect-listen): one compact line per "
        "event (time, #connection, direction, opcode, size, preview; opens and closes with their cause), or with "
        "--json one JSON object per line, the lines --capture writes to its .jsonl.\n"
        "Runs until SIGINT/SIGTERM (exit 0). Exit 1: the link was refused (e.g. a wrong token) or lost, or no "
        "answer within 10 s; it does not reconnect. Exit 2: bad usage.\n"
        "With --pause or --resume it switches the daemon's recording (nothing is kept or sent while paused; "
        "proxying goes on; every attached client is told) and exits: 0 done or already so, 1 refused "
        "(a read-only channel) or no link."_s);
    parser.addPositionalArgument(u"URL"_s, u"The channel: ws://127.0.0.1:9901 (e.g. through ssh -L) or wss://host:9901."_s);
    const QCommandLineOption help({u"h"_s, u"help"_s}, u"Show this help."_s);
    const QCommandLineOption tokenOpt(u"token-file"_s, u"The channel's token (as the daemon's --inspect-token-file)."_s, u"FILE"_s);
    const QCommandLineOption jsonOpt(u"json"_s, u"One JSON object per event and line (the --capture .jsonl schema)."_s);
    const QCommandLineOption filterOpt(
        u"filter"_s,
        u"Only these connections: comma-separated path=GLOB ('*', '?'; the query left out), upstream=GROUP or "
        "HOST:PORT, conn=ID. Different keys must all match, repeated ones (also across repeated --filter) any."_s,
        u"EXPR"_s);
    const QCommandLineOption harOpt(u"har"_s, u"On exit, write what was seen as HAR 1.2 (as --capture's .har) to FILE."_s, u"FILE"_s);
    const QCommandLineOption historyOpt(u"history"_s, u"First the events the daemon kept (up to 20,000), then live ones."_s);
    const QCommandLineOption pauseOpt(u"pause"_s, u"Pause the daemon's recording, then exit."_s);
    const QCommandLineOption resumeOpt(u"resume"_s, u"Resume the daemon's recording, then exit."_s);
    parser.addOptions({help, tokenOpt, jsonOpt, filterOpt, harOpt, historyOpt, pauseOpt, resumeOpt});
    if (!parser.parse(args))
        return usage(parser.errorText());
    if (parser.isSet(help)) {
        QString text = parser.helpText();
        text.replace(QCoreApplication::arguments().constFirst(), u"wsscope attach"_s);
        std::fputs(qPrintable(text), stdout);
        return ExitOk;
    }
    if (parser.positionalArguments().size() != 1)
        return usage(u"attach needs exactly one URL"_s);
    AttachOptions options;
    options.url = QUrl(parser.positionalArguments().constFirst(), QUrl::StrictMode);
    if (!options.url.isValid() || (options.url.scheme() != "ws"_L1 && options.url.scheme() != "wss"_L1) || options.url.host().isEmpty())
        return usage(u"%1 is not a ws:// or wss:// URL with a host"_s.arg(parser.positionalArguments().constFirst()));
    options.tokenFile = parser.value(tokenOpt);
    options.json = parser.isSet(jsonOpt);
    options.history = parser.isSet(historyOpt);
    options.harFile = parser.value(harOpt);
    for (const QString &expression : parser.values(filterOpt)) {
        QString error;
        if (!InspectFilter::parseExpression(expression, &options.filter, &error))
            return usage(error);
    }
    if (parser.isSet(pauseOpt) || parser.isSet(resumeOpt)) {
        if (parser.isSet(pauseOpt) && parser.isSet(resumeOpt))
            return usage(u"--pause and --resume exclude each other"_s);
        for (const QCommandLineOption *o : {&jsonOpt, &filterOpt, &harOpt, &historyOpt}) {
            if (parser.isSet(*o))
                return usage(u"--%1 does not go with --pause or --resume (they print no events)"_s.arg(o->names().constFirst()));
        }
        options.pause = parser.isSet(pauseOpt);
    }
    AttachClient client(std::move(options));
    return client.exec();
}
