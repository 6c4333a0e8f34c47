// The daemon's inspection channel (app/inspectchannel.cpp) from a client's
// side: pause/resume of the recording (history, --capture, live events), a
// lagging client that loses events while the tunnels and the other clients
// lose nothing, and the rate limit's failed-attempt table. Real proxies on
// loopback with a real echo upstream: in this process where the test needs to
// shorten the channel's budgets, the real binary where --capture is involved.

#include "config/configcompiler.h"
#include "inspectchannel.h"
#include "proxy/proxyserver.h"
#include "remote/localinspectorsource.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

const QByteArray Token = "s3cret-token";

QString configFor(quint16 echoPort)
{
    return QStringLiteral("http {\n"
                          "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
                          "  upstream echo { server 127.0.0.1:%1; }\n"
                          "  server {\n"
                          "    listen 127.0.0.1:0;\n"
                          "    location / {\n"
                          "      proxy_pass http://echo;\n"
                          "      proxy_http_version 1.1;\n"
                          "      proxy_set_header Upgrade $http_upgrade;\n"
                          "      proxy_set_header Connection $connection_upgrade;\n"
                          "      proxy_read_timeout 1h;\n"
                          "    }\n"
                          "  }\n"
                          "}\n")
        .arg(echoPort);
}

QJsonObject parse(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// A protocol client on a QWebSocket: every message it got, and the events'
// sequence numbers checked as they come.
struct ChannelClient
{
    QWebSocket socket;
    QList<QJsonObject> messages;
    QList<QJsonObject> events;
    quint64 nextSeq = 0;  // the seq the next batch must carry (0: the first batch)
    bool seqGap = false;

    ChannelClient()
    {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket, [this](const QString &text) {
            const QJsonObject m = parse(text);
            messages << m;
            if (m.value(QLatin1String("type")).toString() != QLatin1String("events"))
                return;
            const quint64 seq = quint64(m.value(QLatin1String("seq")).toDouble());
            const QJsonArray batch = m.value(QLatin1String("events")).toArray();
            if (nextSeq != 0 && seq != nextSeq && !batch.isEmpty())
                seqGap = true;
            if (!batch.isEmpty())
                nextSeq = seq + quint64(batch.size());
            for (const QJsonValue &e : batch)
                events << e.toObject();
        });
    }
    bool attach(quint16 port)
    {
        QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
        request.setRawHeader("Authorization", "Bearer " + Token);
        socket.open(request);
        if (!QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 10000))
            return false;
        send({{QStringLiteral("type"), QStringLiteral("hello")}, {QStringLiteral("version"), 1}, {QStringLiteral("id"), 1}});
        send({{QStringLiteral("type"), QStringLiteral("history")}, {QStringLiteral("id"), 2}});
        return QTest::qWaitFor([this] { return !answer(QStringLiteral("events"), 2).isEmpty(); }, 10000);
    }
    void send(const QJsonObject &o) { socket.sendTextMessage(compact(o)); }
    // The last message of this type (with this id, when given).
    QJsonObject answer(const QString &type, int id = -1) const
    {
        for (auto it = messages.crbegin(); it != messages.crend(); ++it) {
            if (it->value(QLatin1String("type")).toString() == type
                && (id < 0 || it->value(QLatin1String("id")).toInt() == id))
                return *it;
        }
        return {};
    }
    int count(const QString &type) const
    {
        return int(std::count_if(messages.cbegin(), messages.cend(),
                                 [&](const QJsonObject &m) { return m.value(QLatin1String("type")).toString() == type; }));
    }
    // The text messages' previews, in order ("→ one", "← one").
    QStringList texts() const
    {
        QStringList out;
        for (const QJsonObject &e : events) {
            if (e.value(QLatin1String("kind")).toString() != QLatin1String("message"))
                continue;
            const bool up = e.value(QLatin1String("direction")).toString() == QLatin1String("client-to-upstream");
            out << (up ? QStringLiteral("→ ") : QStringLiteral("← "))
                       + e.value(QLatin1String("message")).toObject().value(QLatin1String("preview")).toString();
        }
        return out;
    }
    // Asks for figures and waits for their answer.
    QJsonObject figures(int id)
    {
        send({{QStringLiteral("type"), QStringLiteral("figures")}, {QStringLiteral("id"), id}});
        if (!QTest::qWaitFor([&] { return !answer(QStringLiteral("figures"), id).isEmpty(); }, 10000))
            return {};
        return answer(QStringLiteral("figures"), id);
    }
};

// The id of the connection whose request went to `path` (0: none seen).
quint64 connectionOf(const ChannelClient &c, const QString &path)
{
    for (const QJsonObject &e : c.events) {
        if (e.value(QLatin1String("kind")).toString() == QLatin1String("request-received")
            && e.value(QLatin1String("head")).toObject().value(QLatin1String("target")).toString() == path)
            return quint64(e.value(QLatin1String("connectionId")).toDouble());
    }
    return 0;
}

bool hasEvent(const ChannelClient &c, quint64 connection, const QString &kind)
{
    return std::any_of(c.events.cbegin(), c.events.cend(), [&](const QJsonObject &e) {
        return quint64(e.value(QLatin1String("connectionId")).toDouble()) == connection
            && e.value(QLatin1String("kind")).toString() == kind;
    });
}

// A client of the proxy that sends texts and collects the echoes.
struct EchoClient
{
    QWebSocket socket;
    QStringList received;

    bool open(quint16 port, const QString &path)
    {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket, [this](const QString &m) { received << m; });
        socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(port).arg(path)));
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 10000);
    }
    bool say(const QString &text)
    {
        const qsizetype before = received.size();
        socket.sendTextMessage(text);
        return QTest::qWaitFor([&] { return received.size() > before; }, 10000) && received.constLast() == text;
    }
};

// A WebSocket client written by hand over a socket of our own, for what a
// QWebSocket cannot do: connect from another loopback address (127.0.0.2),
// and stop reading while the daemon goes on sending (a small receive buffer,
// then Qt's read buffer capped so the kernel's window closes).
class RawClient
{
public:
    // Connects from `from` and does the handshake; false if it did not get 101.
    bool open(quint16 port, const QByteArray &token, const char *from = "127.0.0.1", int receiveBuffer = 0)
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return false;
        if (receiveBuffer > 0)
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &local.sin_addr);
        sockaddr_in remote{};
        remote.sin_family = AF_INET;
        remote.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0
            || ::connect(fd, reinterpret_cast<sockaddr *>(&remote), sizeof remote) != 0 || !m_socket.setSocketDescriptor(fd)) {
            ::close(fd);
            return false;
        }
        QByteArray request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        if (!token.isEmpty())
            request += "Authorization: Bearer " + token + "\r\n";
        m_socket.write(request + "\r\n");
        if (!QTest::qWaitFor([this] { return pump(), m_buffer.contains("\r\n\r\n"); }, 10000))
            return false;
        const qsizetype end = m_buffer.indexOf("\r\n\r\n") + 4;
        const bool upgraded = m_buffer.startsWith("HTTP/1.1 101");
        m_buffer.remove(0, end);
        return upgraded;
    }
    // Stops reading: what the daemon sends piles up in the kernel, then in its own buffer.
    void stopReading() { m_socket.setReadBufferSize(1); }
    void startReading() { m_socket.setReadBufferSize(0); }
    // A text message, masked as a client's must be (RFC 6455 5.3).
    void sendText(const QByteArray &payload)
    {
        QByteArray frame(1, char(0x81));
        if (payload.size() < 126) {
            frame += char(0x80 | payload.size());
        } else {
            frame += char(0x80 | 126);
            frame += char(payload.size() >> 8);
            frame += char(payload.size() & 0xff);
        }
        const quint32 key = QRandomGenerator::global()->generate();
        const QByteArray mask(reinterpret_cast<const char *>(&key), 4);
        frame += mask;
        for (qsizetype i = 0; i < payload.size(); ++i)
            frame += char(payload[i] ^ mask[i % 4]);
        m_socket.write(frame);
    }
    // The next whole message (continuations joined): opcode and payload.
    std::optional<std::pair<int, QByteArray>> nextMessage(int timeoutMs = 10000)
    {
        std::optional<std::pair<int, QByteArray>> message;
        (void)QTest::qWaitFor([&] { return pump(), (message = takeMessage()).has_value(); }, timeoutMs);
        return message;
    }
    bool isOpen() const { return m_socket.state() == QAbstractSocket::ConnectedState; }

private:
    void pump() { m_buffer += m_socket.readAll(); }
    std::optional<std::pair<int, QByteArray>> takeMessage()
    {
        // Server frames are not masked; the whole message must be here.
        qsizetype at = 0;
        int opcode = -1;
        QByteArray payload;
        while (at + 2 <= m_buffer.size()) {
            const auto b0 = quint8(m_buffer[at]);
            quint64 length = quint8(m_buffer[at + 1]) & 0x7f;
            qsizetype header = 2;
            if (length == 126) {
                if (at + 4 > m_buffer.size())
                    return std::nullopt;
                length = (quint64(quint8(m_buffer[at + 2])) << 8) | quint8(m_buffer[at + 3]);
                header = 4;
            } else if (length == 127) {
                if (at + 10 > m_buffer.size())
                    return std::nullopt;
                length = 0;
                for (int i = 0; i < 8; ++i)
                    length = (length << 8) | quint8(m_buffer[at + 2 + i]);
                header = 10;
            }
            if (at + header + qsizetype(length) > m_buffer.size())
                return std::nullopt;
            if (opcode < 0)
                opcode = b0 & 0x0f;
            payload += m_buffer.mid(at + header, qsizetype(length));
            at += header + qsizetype(length);
            if (b0 & 0x80) {
                m_buffer.remove(0, at);
                return std::pair{opcode, payload};
            }
        }
        return std::nullopt;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// The close code of a close frame's payload (RFC 6455 5.5.1).
int closeCode(const std::optional<std::pair<int, QByteArray>> &message)
{
    if (!message || message->first != 0x8 || message->second.size() < 2)
        return -1;
    return (quint8(message->second[0]) << 8) | quint8(message->second[1]);
}

} // namespace

class tst_InspectChannel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void pauseStopsRecordingAndTellsEveryClient();
    void readOnlyChannelRefusesPauseAndResume();
    void laggingClientLosesEventsWhileOthersDoNot();
    void failedAttemptsExpireAndTheAddressIsAdmittedAgain();
    void expiredFailuresLeaveTheTable();

private:
    // A proxy and its channel in this process.
    struct InProcess
    {
        std::unique_ptr<ProxyServer> server;
        std::unique_ptr<LocalInspectorSource> source;
        std::unique_ptr<InspectChannel> channel;
        quint16 proxyPort = 0;
    };
    bool startInProcess(InProcess *p, InspectChannel::Settings settings);

    QTemporaryDir m_dir;
    QString m_tokenFile;
    QWebSocketServer *m_echo = nullptr;
};

void tst_InspectChannel::initTestCase()
{
    m_echo = new QWebSocketServer(QStringLiteral("echo"), QWebSocketServer::NonSecureMode, this);
    QVERIFY(m_echo->listen(QHostAddress::LocalHost, 0));
    connect(m_echo, &QWebSocketServer::newConnection, m_echo, [this] {
        while (QWebSocket *s = m_echo->nextPendingConnection()) {
            s->setParent(m_echo);
            connect(s, &QWebSocket::textMessageReceived, s, [s](const QString &m) { s->sendTextMessage(m); });
            connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
        }
    });
    QVERIFY(m_dir.isValid());
    m_tokenFile = m_dir.filePath(QStringLiteral("token"));
    QFile token(m_tokenFile);
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write(Token + '\n');
}

bool tst_InspectChannel::startInProcess(InProcess *p, InspectChannel::Settings settings)
{
    const QString text = configFor(m_echo->serverPort());
    ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), QStringLiteral("inprocess.conf"));
    const RuntimeSnapshot runtime = ProxyRuntime::build(&compiled);
    if (!compiled.ok())
        return false;
    p->server = std::make_unique<ProxyServer>();
    p->source = std::make_unique<LocalInspectorSource>(p->server.get(), text, QStringLiteral("inprocess.conf"));
    settings.token = Token;
    p->channel = std::make_unique<InspectChannel>(p->source.get(), settings);
    QString error;
    if (!p->server->start(runtime, &error) || !p->channel->listen(QStringLiteral("127.0.0.1:0"), &error)) {
        qWarning() << error;
        return false;
    }
    p->proxyPort = p->server->boundAddresses().constFirst().port;
    return true;
}

void tst_InspectChannel::pauseStopsRecordingAndTellsEveryClient()
{
    // The real binary, so --capture's files are the daemon's own.
    const QString conf = m_dir.filePath(QStringLiteral("pause.conf"));
    QFile file(conf);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(configFor(m_echo->serverPort()).toUtf8());
    file.close();
    const QString capture = m_dir.filePath(QStringLiteral("pause-capture"));
    const quint16 inspectPort = TestSupport::unusedPort();
    TestSupport::PeerProcess daemon;
    QVERIFY2(daemon.start(TestSupport::wsscopeBinary(),
                          {QStringLiteral("--no-gui"), QStringLiteral("-c"), conf, QStringLiteral("--capture"), capture,
                           QStringLiteral("--inspect-listen"), QStringLiteral("127.0.0.1:%1").arg(inspectPort),
                           QStringLiteral("--inspect-token-file"), m_tokenFile}),
             daemon.output().constData());
    QVERIFY(daemon.waitForOutput("inspection channel listening on"));
    ChannelClient alice;
    ChannelClient bob;
    QVERIFY(alice.attach(inspectPort));
    QVERIFY(bob.attach(inspectPort));
    QCOMPARE(alice.answer(QStringLiteral("hello")).value(QLatin1String("paused")), QJsonValue(false));

    EchoClient before;
    QVERIFY(before.open(daemon.port(), QStringLiteral("/before")));
    QVERIFY(before.say(QStringLiteral("one")));
    EchoClient closing; // recorded, then closed while paused
    QVERIFY(closing.open(daemon.port(), QStringLiteral("/closing")));
    QTRY_COMPARE_WITH_TIMEOUT(alice.texts().size(), 2, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(connectionOf(alice, QStringLiteral("/closing")) != 0, 10000);
    const quint64 closingId = connectionOf(alice, QStringLiteral("/closing"));

    alice.send({{QStringLiteral("type"), QStringLiteral("pause")}, {QStringLiteral("id"), 10}, {QStringLiteral("by"), QStringLiteral("alice")}});
    QTRY_VERIFY_WITH_TIMEOUT(!alice.answer(QStringLiteral("pause"), 10).isEmpty(), 10000);
    QVERIFY(alice.answer(QStringLiteral("pause"), 10).value(QLatin1String("ok")).toBool());
    QTRY_COMPARE_WITH_TIMEOUT(bob.count(QStringLiteral("paused")), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(alice.count(QStringLiteral("paused")), 1, 10000);
    const QJsonObject paused = bob.answer(QStringLiteral("paused"));
    QCOMPARE(paused.value(QLatin1String("by")).toString(), QStringLiteral("alice"));
    QVERIFY2(paused.value(QLatin1String("peer")).toString().startsWith(QStringLiteral("127.0.0.1:")), qPrintable(compact(paused)));
    QVERIFY(qAbs(qint64(paused.value(QLatin1String("at")).toDouble()) - QDateTime::currentMSecsSinceEpoch()) < 60'000);
    // Pausing again changes nothing and tells nobody.
    bob.send({{QStringLiteral("type"), QStringLiteral("pause")}, {QStringLiteral("id"), 11}});
    QTRY_VERIFY_WITH_TIMEOUT(!bob.answer(QStringLiteral("pause"), 11).isEmpty(), 10000);
    QCOMPARE(bob.answer(QStringLiteral("pause"), 11).value(QLatin1String("changed")).toBool(), false);

    // The proxy goes on: an open connection and a new one both talk, unseen.
    for (int i = 1; i <= 5; ++i)
        QVERIFY(before.say(QStringLiteral("during-%1").arg(i)));
    EchoClient opened;
    QVERIFY(opened.open(daemon.port(), QStringLiteral("/opened-while-paused")));
    QVERIFY(opened.say(QStringLiteral("hidden-1")));
    QVERIFY(closing.say(QStringLiteral("during-close")));
    closing.socket.close();
    // Its close is recorded, paused or not: it must not hang open.
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(alice, closingId, QStringLiteral("closed")), 10000);
    // A client attaching now learns of the pause in hello.
    ChannelClient carol;
    QVERIFY(carol.attach(inspectPort));
    QCOMPARE(carol.answer(QStringLiteral("hello")).value(QLatin1String("paused")).toObject().value(QLatin1String("by")).toString(),
             QStringLiteral("alice"));
    // Every event of the pause is counted (they reach the channel in batches).
    QTRY_VERIFY_WITH_TIMEOUT(carol.figures(100 + int(carol.messages.size())).value(QLatin1String("notRecorded")).toDouble() >= 10 + 2 + 2 + 1, 10000);

    bob.send({{QStringLiteral("type"), QStringLiteral("resume")}, {QStringLiteral("id"), 12}, {QStringLiteral("by"), QStringLiteral("bob\nforged log line")}});
    for (ChannelClient *c : {&alice, &bob, &carol})
        QTRY_COMPARE_WITH_TIMEOUT(c->count(QStringLiteral("resumed")), 1, 10000);
    const QJsonObject resumed = alice.answer(QStringLiteral("resumed"));
    QCOMPARE(resumed.value(QLatin1String("by")).toString(), QStringLiteral("bob?forged log line")); // one line in the log
    QCOMPARE(resumed.value(QLatin1String("pausedBy")).toString(), QStringLiteral("alice"));
    QCOMPARE(resumed.value(QLatin1String("pausedAt")), paused.value(QLatin1String("at")));
    // 5 round trips on /before, /closing's, and at least /opened-while-paused's opening and its round trip.
    QVERIFY2(resumed.value(QLatin1String("notRecorded")).toDouble() >= 15, qPrintable(compact(resumed)));

    // After resume: the old connection is recorded again; the one opened
    // while paused stays out for its whole life, closing included.
    QVERIFY(before.say(QStringLiteral("after")));
    QVERIFY(opened.say(QStringLiteral("hidden-2")));
    opened.socket.close();
    QTRY_COMPARE_WITH_TIMEOUT(alice.texts().size(), 4, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(alice.figures(200).value(QLatin1String("notRecorded")).toDouble() >= 10 + 2 + 4 + 2, 10000);
    const QStringList expected{QStringLiteral("→ one"), QStringLiteral("← one"), QStringLiteral("→ after"), QStringLiteral("← after")};
    QCOMPARE(alice.texts(), expected);
    QCOMPARE(bob.texts(), expected);
    QVERIFY(!alice.seqGap && !bob.seqGap); // what was left out was never numbered
    // Carol's history holds what was recorded, no more.
    QCOMPARE(carol.texts(), expected);
    for (ChannelClient *c : {&alice, &bob, &carol}) {
        for (const QJsonObject &e : c->events) {
            const QString json = compact(e);
            QVERIFY2(!json.contains(QStringLiteral("opened-while-paused")) && !json.contains(QStringLiteral("during-"))
                         && !json.contains(QStringLiteral("hidden-")),
                     qPrintable(json));
        }
    }

    before.socket.close();
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(alice.events.cbegin(), alice.events.cend(),
                                         [](const QJsonObject &e) { return e.value(QLatin1String("kind")).toString() == QLatin1String("closed"); }),
                             10000);
    QCOMPARE(daemon.terminate(), 0);
    QVERIFY(daemon.output().contains("recording paused by alice"));
    QVERIFY(daemon.output().contains("recording resumed by bob?forged log line"));
    // --capture left out the same events: its JSONL and its HAR.
    QFile jsonl(capture + QStringLiteral(".jsonl"));
    QVERIFY(jsonl.open(QIODevice::ReadOnly));
    const QByteArray lines = jsonl.readAll();
    QVERIFY(lines.contains("\"preview\":\"one\"") && lines.contains("\"preview\":\"after\""));
    QVERIFY(!lines.contains("during-") && !lines.contains("hidden-") && !lines.contains("opened-while-paused"));
    QFile har(capture + QStringLiteral(".har"));
    QVERIFY(har.open(QIODevice::ReadOnly));
    const QByteArray harText = har.readAll();
    QVERIFY(harText.contains("/before") && harText.contains("after"));
    QVERIFY(!harText.contains("during-") && !harText.contains("opened-while-paused"));
}

void tst_InspectChannel::readOnlyChannelRefusesPauseAndResume()
{
    InspectChannel::Settings settings;
    settings.readOnly = true;
    InProcess p;
    QVERIFY(startInProcess(&p, settings));
    ChannelClient client;
    QVERIFY(client.attach(p.channel->port()));
    int id = 20;
    for (const QString &type : {QStringLiteral("pause"), QStringLiteral("resume")}) {
        client.send({{QStringLiteral("type"), type}, {QStringLiteral("id"), ++id}});
        QTRY_VERIFY_WITH_TIMEOUT(!client.answer(type, id).isEmpty(), 10000);
        const QJsonObject answer = client.answer(type, id);
        QCOMPARE(answer.value(QLatin1String("ok")).toBool(true), false);
        QVERIFY2(answer.value(QLatin1String("error")).toString().contains(QStringLiteral("read-only")), qPrintable(compact(answer)));
    }
    // Still recording: traffic shows up.
    EchoClient echo;
    QVERIFY(echo.open(p.proxyPort, QStringLiteral("/ro")));
    QVERIFY(echo.say(QStringLiteral("seen")));
    QTRY_COMPARE_WITH_TIMEOUT(client.texts(), QStringList({QStringLiteral("→ seen"), QStringLiteral("← seen")}), 10000);
    QCOMPARE(client.count(QStringLiteral("paused")), 0);
}

void tst_InspectChannel::laggingClientLosesEventsWhileOthersDoNot()
{
    // A smaller budget so the test need not push 8 MiB past the kernel's
    // buffers; still above one batch (at most 1000 events), so a client that
    // reads is never behind by more than what the loop has not flushed yet.
    InspectChannel::Settings settings;
    settings.clientBacklogBytes = 1 << 20;
    InProcess p;
    QVERIFY(startInProcess(&p, settings));
    ChannelClient reader;
    QVERIFY(reader.attach(p.channel->port()));
    RawClient lagging;
    QVERIFY(lagging.open(p.channel->port(), Token, "127.0.0.1", 4096));
    lagging.sendText(R"({"type":"hello","version":1,"id":1})");
    const auto hello = lagging.nextMessage();
    QVERIFY(hello && parse(QString::fromUtf8(hello->second)).value(QLatin1String("type")).toString() == QLatin1String("hello"));
    lagging.sendText(R"({"type":"history","id":2})");
    const auto history = lagging.nextMessage();
    QVERIFY(history && parse(QString::fromUtf8(history->second)).value(QLatin1String("id")).toInt() == 2);
    lagging.stopReading();

    // Echo traffic through the proxy: 200-byte messages, 50 in flight at a time.
    EchoClient echo;
    QVERIFY(echo.open(p.proxyPort, QStringLiteral("/busy")));
    constexpr int Messages = 4000;
    QStringList sent;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < Messages; ++i) {
        sent << QStringLiteral("%1:").arg(i, 5, 10, QLatin1Char('0')) + QString(194, QLatin1Char('x'));
        echo.socket.sendTextMessage(sent.constLast());
        if (i % 50 == 49)
            QVERIFY(QTest::qWaitFor([&] { return echo.received.size() == i + 1; }, 20000));
    }
    QCOMPARE(echo.received, sent); // the tunnel lost nothing, in order
    // Every event reaches the reader, numbered without a gap.
    QTRY_COMPARE_WITH_TIMEOUT(reader.texts().size(), 2 * Messages, 30000);
    QVERIFY(!reader.seqGap);
    const int readerEvents = int(reader.events.size());
    qInfo() << "proxied" << Messages << "round trips in" << clock.elapsed() << "ms;" << readerEvents << "events";
    QVERIFY(lagging.isOpen());

    // The lagging client asks for its figures and reads everything it was sent.
    lagging.sendText(R"({"type":"figures","id":3})");
    lagging.startReading();
    qint64 received = 0;
    QJsonObject figures;
    while (figures.isEmpty()) {
        const auto m = lagging.nextMessage(20000);
        QVERIFY(m && m->first == 0x1);
        const QJsonObject o = parse(QString::fromUtf8(m->second));
        if (o.value(QLatin1String("type")).toString() == QLatin1String("events"))
            received += o.value(QLatin1String("events")).toArray().size();
        else if (o.value(QLatin1String("type")).toString() == QLatin1String("figures"))
            figures = o;
    }
    const qint64 dropped = qint64(figures.value(QLatin1String("dropped")).toDouble());
    qInfo() << "the lagging client got" << received << "events and lost" << dropped;
    QVERIFY2(dropped > 0, qPrintable(compact(figures)));
    // Whole batches: what it got and what it lost are everything the reader got.
    QCOMPARE(received + dropped, qint64(readerEvents) - qint64(reader.answer(QStringLiteral("events"), 2)
                                                                  .value(QLatin1String("events")).toArray().size()));
    echo.socket.close();
}

void tst_InspectChannel::failedAttemptsExpireAndTheAddressIsAdmittedAgain()
{
    InspectChannel::Settings settings;
    settings.failureWindowMs = 1500;
    InProcess p;
    QVERIFY(startInProcess(&p, settings));
    QElapsedTimer sinceFirst;
    for (int i = 0; i < InspectChannel::MaxFailures; ++i) {
        RawClient wrong;
        QVERIFY(wrong.open(p.channel->port(), "wrong", "127.0.0.3"));
        if (i == 0)
            sinceFirst.start();
        QCOMPARE(closeCode(wrong.nextMessage()), 4401);
    }
    // The limit: the right token is refused too, unchecked, within the window.
    RawClient limited;
    QVERIFY(limited.open(p.channel->port(), Token, "127.0.0.3"));
    QCOMPARE(closeCode(limited.nextMessage()), 4429);
    QVERIFY2(sinceFirst.elapsed() < settings.failureWindowMs, "the host was too slow to test the window");
    // Another address is not limited.
    RawClient other;
    QVERIFY(other.open(p.channel->port(), Token, "127.0.0.4"));
    other.sendText(R"({"type":"hello","version":1,"id":1})");
    const auto otherHello = other.nextMessage();
    QVERIFY(otherHello && otherHello->first == 0x1);

    // Once the failures are older than the window, the address is admitted.
    QTest::qWait(int(settings.failureWindowMs - sinceFirst.elapsed()) + 100);
    RawClient again;
    QVERIFY(again.open(p.channel->port(), Token, "127.0.0.3"));
    again.sendText(R"({"type":"hello","version":1,"id":1})");
    const auto hello = again.nextMessage();
    QVERIFY(hello && hello->first == 0x1);
    QCOMPARE(parse(QString::fromUtf8(hello->second)).value(QLatin1String("type")).toString(), QStringLiteral("hello"));
}

void tst_InspectChannel::expiredFailuresLeaveTheTable()
{
    InspectChannel::Settings settings;
    settings.failureWindowMs = 1000;
    InProcess p;
    QVERIFY(startInProcess(&p, settings));
    for (const char *from : {"127.0.0.6", "127.0.0.7"}) {
        RawClient wrong;
        QVERIFY(wrong.open(p.channel->port(), "wrong", from));
        QCOMPARE(closeCode(wrong.nextMessage()), 4401);
    }
    QTRY_COMPARE(p.channel->addressesWithFailures(), 2);
    // Past the window, the next attempt from anywhere (here a third address,
    // which succeeds) sweeps both out.
    QTest::qWait(int(settings.failureWindowMs) + 100);
    RawClient later;
    QVERIFY(later.open(p.channel->port(), Token, "127.0.0.8"));
    QTRY_COMPARE(p.channel->addressesWithFailures(), 0);
}

QTEST_GUILESS_MAIN(tst_InspectChannel)
#include "tst_inspectchannel.moc"
