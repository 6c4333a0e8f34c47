// `wsscope attach` and the channel's `subscribe {filter}`: a real headless
// daemon (--no-gui, --inspect-listen with a token file, --capture) in front
// of a real echo upstream (Debian's python3-websockets), real WebSocket
// traffic through it, and `wsscope attach` run as a process. Plus the filter's
// own rules (the command-line syntax, the JSON form, the path glob).

#include "remote/inspectfilter.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

QJsonObject parse(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).object();
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// `wsscope attach ARGS` as a child process; killed when it goes away.
class AttachProcess
{
    Q_DISABLE_COPY_MOVE(AttachProcess)

public:
    AttachProcess() = default;
    ~AttachProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    void start(const QStringList &args)
    {
        m_process.start(TestSupport::wsscopeBinary(), QStringList{QStringLiteral("attach")} + args);
    }
    // Waits until the daemon has taken its subscription (the line on stderr).
    bool waitAttached() { return waitFor(&m_err, QProcess::StandardError, "wsscope attach: attached to "); }
    bool waitForStdout(const QByteArray &needle, int timeoutMs = 10000)
    {
        return waitFor(&m_out, QProcess::StandardOutput, needle, timeoutMs);
    }
    // SIGTERM (what an operator's Ctrl-C or a service stop sends) or just waits; the exit code.
    int finish(bool terminate, int timeoutMs = 15000)
    {
        if (terminate)
            ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(timeoutMs))
            return -1;
        collect();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    QByteArray out() { return collect(), m_out; }
    QByteArray err() { return collect(), m_err; }
    QList<QByteArray> lines() { return out().split('\n'); }

private:
    void collect()
    {
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
    }
    bool waitFor(QByteArray *buffer, QProcess::ProcessChannel, const QByteArray &needle, int timeoutMs = 10000)
    {
        return QTest::qWaitFor([&] {
            collect();
            return buffer->contains(needle) || m_process.state() == QProcess::NotRunning;
        }, timeoutMs) && buffer->contains(needle);
    }

    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

// A client of the inspection channel speaking the protocol by hand.
struct ProtocolClient
{
    QWebSocket socket;
    QList<QJsonObject> messages;

    bool open(quint16 port)
    {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket,
                         [this](const QString &t) { messages << parse(t.toUtf8()); });
        QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
        request.setRawHeader("Authorization", "Bearer attach-test-token");
        socket.open(request);
        return QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 10000);
    }
    // Sends a command and waits for the message that answers its id.
    QJsonObject ask(const QJsonObject &command)
    {
        const int id = command.value(QLatin1String("id")).toInt();
        socket.sendTextMessage(compact(command));
        QJsonObject answer;
        (void)QTest::qWaitFor([&] {
            for (const QJsonObject &m : std::as_const(messages)) {
                if (m.value(QLatin1String("id")).toInt() == id)
                    answer = m;
            }
            return !answer.isEmpty();
        }, 10000);
        return answer;
    }
    // The connection ids of every event received so far.
    QSet<quint64> connectionIds() const
    {
        QSet<quint64> ids;
        for (const QJsonObject &m : messages) {
            for (const QJsonValue &e : m.value(QLatin1String("events")).toArray())
                ids << quint64(e.toObject().value(QLatin1String("connectionId")).toInteger());
        }
        return ids;
    }
};

} // namespace

class tst_Attach final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void filterExpression_data();
    void filterExpression();
    void filterJson_data();
    void filterJson();
    void pathGlob_data();
    void pathGlob();
    void matcherStaysBounded();
    void subscribeFilter();
    void subscribeUpstreamFilter();
    void jsonLinesAreTheCapture();
    void humanLinesShowTheFrames();
    void filterShowsOnlyMatchingPaths();
    void historyThroughTheFilter();
    void harHasTheFrames();
    void pauseAndResumeFromTheTerminal();
    void readOnlyRefusesPause();
    void wrongTokenIsRefused();
    void unreachableExitsOne();
    void lostLinkExitsOne();
    void badUsage_data();
    void badUsage();

private:
    QStringList attachArgs(const QStringList &extra) const;
    // One WebSocket connection through the daemon on `path`: sends each text,
    // waits for its echo, closes; returns false if an echo did not come.
    bool talk(const QString &path, const QStringList &texts);
    // The lines of the daemon's --capture JSONL for connection `id`.
    QList<QJsonObject> capturedEvents(quint64 id);

    QTemporaryDir m_dir;
    QString m_tokenFile;
    TestSupport::PeerProcess m_echo;
    TestSupport::PeerProcess m_daemon;
    quint16 m_inspectPort = 0;
};

void tst_Attach::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_tokenFile = m_dir.filePath(QStringLiteral("token"));
    QFile token(m_tokenFile);
    QVERIFY(token.open(QIODevice::WriteOnly) && token.write("attach-test-token\n") > 0);
    token.close();
    QVERIFY2(m_echo.startPython(QStringLiteral("ws_echo_server.py")), m_echo.output().constData());
    m_inspectPort = TestSupport::unusedPort();
    QVERIFY2(m_daemon.startWsscope({m_echo.url()},
                                   {QStringLiteral("--inspect-listen"), QStringLiteral("127.0.0.1:%1").arg(m_inspectPort),
                                    QStringLiteral("--inspect-token-file"), m_tokenFile, QStringLiteral("--inspect-name"),
                                    QStringLiteral("attach-test"), QStringLiteral("--capture"), m_dir.filePath(QStringLiteral("cap"))}),
             m_daemon.output().constData());
    QVERIFY2(m_daemon.waitForOutput("inspection channel listening on"), m_daemon.output().constData());
}

QStringList tst_Attach::attachArgs(const QStringList &extra) const
{
    return QStringList{QStringLiteral("ws://127.0.0.1:%1").arg(m_inspectPort), QStringLiteral("--token-file"), m_tokenFile} + extra;
}

bool tst_Attach::talk(const QString &path, const QStringList &texts)
{
    QWebSocket socket;
    QStringList echoes;
    connect(&socket, &QWebSocket::textMessageReceived, &socket, [&](const QString &t) { echoes << t; });
    socket.open(QUrl(m_daemon.url(QStringLiteral("ws"), path)));
    if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 10000))
        return false;
    for (const QString &t : texts)
        socket.sendTextMessage(t);
    const bool echoed = QTest::qWaitFor([&] { return echoes.size() == texts.size(); }, 10000) && echoes == texts;
    socket.close();
    return QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 10000) && echoed;
}

QList<QJsonObject> tst_Attach::capturedEvents(quint64 id)
{
    QList<QJsonObject> out;
    QFile file(m_dir.filePath(QStringLiteral("cap.jsonl")));
    if (!file.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const QJsonObject e = parse(line);
        if (!line.isEmpty() && quint64(e.value(QLatin1String("connectionId")).toInteger()) == id)
            out << e;
    }
    return out;
}

// --- The filter's rules ---

void tst_Attach::filterExpression_data()
{
    QTest::addColumn<QStringList>("expressions");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("json"); // the subscribe filter it maps to, or part of the error
    QTest::newRow("one path") << QStringList{u"path=/chat*"_s} << true << uR"({"paths":["/chat*"]})"_s;
    QTest::newRow("all keys") << QStringList{u"path=/a, upstream=websocket,conn=12"_s} << true
                              << uR"({"connections":[12],"paths":["/a"],"upstreams":["websocket"]})"_s;
    QTest::newRow("repeated flags widen a list") << QStringList{u"upstream=127.0.0.1:8010"_s, u"upstream=app"_s} << true
                                                 << uR"({"upstreams":["127.0.0.1:8010","app"]})"_s;
    QTest::newRow("unknown key") << QStringList{u"host=x"_s} << false << u"unknown key \"host\""_s;
    QTest::newRow("no value") << QStringList{u"path="_s} << false << u"expected KEY=VALUE"_s;
    QTest::newRow("no equals") << QStringList{u"/chat"_s} << false << u"expected KEY=VALUE"_s;
    QTest::newRow("path without slash") << QStringList{u"path=chat"_s} << false << u"does not start with '/'"_s;
    QTest::newRow("conn not a number") << QStringList{u"conn=abc"_s} << false << u"positive integer"_s;
    QTest::newRow("conn zero") << QStringList{u"conn=0"_s} << false << u"positive integer"_s;
}

void tst_Attach::filterExpression()
{
    QFETCH(QStringList, expressions);
    QFETCH(bool, ok);
    QFETCH(QString, json);
    InspectFilter filter;
    QString error;
    bool parsed = true;
    for (const QString &e : expressions)
        parsed = parsed && InspectFilter::parseExpression(e, &filter, &error);
    QCOMPARE(parsed, ok);
    if (ok) {
        QCOMPARE(compact(filter.toJson()), json);
        // The daemon reads back what the command line made.
        QString why;
        QCOMPARE(InspectFilter::fromJson(filter.toJson(), &why), std::optional(filter));
    } else {
        QVERIFY2(error.contains(json), qPrintable(error));
    }
}

void tst_Attach::filterJson_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // empty: accepted
    QTest::newRow("empty: everything") << QByteArray("{}") << QString();
    QTest::newRow("all lists") << QByteArray(R"({"connections":[1,2],"paths":["/x"],"upstreams":["g"]})") << QString();
    QTest::newRow("not an object") << QByteArray(R"({"f":[1]})") << u"filter: not an object"_s;
    QTest::newRow("unknown field") << QByteArray(R"({"f":{"path":["/x"]}})") << u"unknown field \"path\""_s;
    QTest::newRow("connections not an array") << QByteArray(R"({"f":{"connections":3}})") << u"filter.connections: not an array"_s;
    QTest::newRow("connection id negative") << QByteArray(R"({"f":{"connections":[-1]}})") << u"filter.connections"_s;
    QTest::newRow("connection id fraction") << QByteArray(R"({"f":{"connections":[1.5]}})") << u"filter.connections"_s;
    QTest::newRow("path not a string") << QByteArray(R"({"f":{"paths":[7]}})") << u"filter.paths: not a string"_s;
    QTest::newRow("empty upstream") << QByteArray(R"({"f":{"upstreams":[""]}})") << u"filter.upstreams: an empty upstream"_s;
}

void tst_Attach::filterJson()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const QJsonObject o = parse(json);
    const QJsonValue value = o.contains(QLatin1String("f")) ? o.value(QLatin1String("f")) : QJsonValue(o);
    QString why;
    const std::optional<InspectFilter> filter = InspectFilter::fromJson(value, &why);
    QCOMPARE(filter.has_value(), error.isEmpty());
    if (!error.isEmpty())
        QVERIFY2(why.contains(error), qPrintable(why));
}

void tst_Attach::pathGlob_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("matches");
    QTest::newRow("exact") << u"/chat"_s << u"/chat"_s << true;
    QTest::newRow("exact is not a prefix") << u"/chat"_s << u"/chat/1"_s << false;
    QTest::newRow("star tail") << u"/chat*"_s << u"/chat/room/1"_s << true;
    QTest::newRow("star empty") << u"/chat*"_s << u"/chat"_s << true;
    QTest::newRow("star middle") << u"/a*/ws"_s << u"/a/b/c/ws"_s << true;
    QTest::newRow("star middle no end") << u"/a*/ws"_s << u"/a/b/c/wsx"_s << false;
    QTest::newRow("question one char") << u"/v?/ws"_s << u"/v2/ws"_s << true;
    QTest::newRow("question not empty") << u"/v?/ws"_s << u"/v/ws"_s << false;
    QTest::newRow("other path") << u"/chat*"_s << u"/other"_s << false;
}

void tst_Attach::pathGlob()
{
    QFETCH(QString, pattern);
    QFETCH(QString, path);
    QFETCH(bool, matches);
    QCOMPARE(InspectFilter::pathMatches(pattern, path), matches);
}

// Connections whose close never comes (closed while the recording was
// paused) do not grow the matcher's table without end; a matching one is
// still shown in full.
void tst_Attach::matcherStaysBounded()
{
    InspectFilter filter;
    filter.paths << u"/keep*"_s;
    InspectFilterMatcher matcher(filter);
    QList<InspectFilterMatcher::Sequenced> shown;
    quint64 seq = 0;
    auto open = [&](quint64 id, const QString &path) {
        matcher.feed(++seq, {{u"kind"_s, u"connection-opened"_s}, {u"connectionId"_s, double(id)}}, &shown);
        matcher.feed(++seq, {{u"kind"_s, u"request-received"_s}, {u"connectionId"_s, double(id)},
                             {u"head"_s, QJsonObject{{u"target"_s, path}}}}, &shown);
    };
    for (quint64 id = 1; id <= quint64(InspectFilterMatcher::MaxTracked) + 100; ++id)
        open(id, u"/drop"_s);
    QVERIFY(shown.isEmpty());
    QVERIFY(matcher.trackedConnections() <= InspectFilterMatcher::MaxTracked);
    open(999'999, u"/keep/1?x=1"_s);
    matcher.feed(++seq, {{u"kind"_s, u"closed"_s}, {u"connectionId"_s, 999'999.0}}, &shown);
    QCOMPARE(shown.size(), 3); // opened (held until the request), request, closed
    QCOMPARE(shown.first().second.value(QLatin1String("kind")).toString(), u"connection-opened"_s);
}

// --- The channel's subscribe, as any WebSocket client speaks it ---

void tst_Attach::subscribeFilter()
{
    ProtocolClient channel;
    QVERIFY(channel.open(m_inspectPort));
    auto ask = [&](const QJsonObject &command) { return channel.ask(command); };
    QList<QJsonObject> &messages = channel.messages;
    QWebSocket &client = channel.socket;
    QVERIFY(!ask({{u"type"_s, u"hello"_s}, {u"version"_s, 1}, {u"id"_s, 1}}).isEmpty());

    // A bad filter: an error answer, the link stays and the next command works.
    const QJsonObject bad = ask({{u"type"_s, u"subscribe"_s}, {u"id"_s, 2}, {u"filter"_s, QJsonObject{{u"paths"_s, QJsonArray{u"chat"_s}}}}});
    QCOMPARE(bad.value(QLatin1String("ok")).toBool(true), false);
    QVERIFY2(bad.value(QLatin1String("error")).toString().contains(QLatin1String("filter.paths")), qPrintable(compact(bad)));
    const QJsonObject notObject = ask({{u"type"_s, u"subscribe"_s}, {u"id"_s, 3}, {u"filter"_s, u"paths=/x"_s}});
    QCOMPARE(notObject.value(QLatin1String("error")).toString(), QStringLiteral("filter: not an object"));
    QCOMPARE(client.state(), QAbstractSocket::ConnectedState);

    const QJsonObject ok = ask({{u"type"_s, u"subscribe"_s}, {u"id"_s, 4}, {u"filter"_s, QJsonObject{{u"paths"_s, QJsonArray{u"/sub/keep*"_s}}}}});
    QCOMPARE(ok.value(QLatin1String("ok")).toBool(), true);
    messages.clear();
    QVERIFY(talk(QStringLiteral("/sub/drop"), {QStringLiteral("dropped-1")}));
    QVERIFY(talk(QStringLiteral("/sub/keep?room=1"), {QStringLiteral("kept-1")}));
    QSet<quint64> ids;
    QStringList previews;
    QList<quint64> seqs;
    bool sawClose = false;
    bool everyNumbered = true;
    QVERIFY(QTest::qWaitFor([&] {
        ids.clear();
        previews.clear();
        seqs.clear();
        for (const QJsonObject &m : std::as_const(messages)) {
            if (m.value(QLatin1String("type")).toString() != QLatin1String("events"))
                continue;
            const QJsonArray events = m.value(QLatin1String("events")).toArray();
            const QJsonArray numbers = m.value(QLatin1String("seqs")).toArray();
            everyNumbered = everyNumbered && numbers.size() == events.size(); // a filtered stream numbers every event
            for (qsizetype i = 0; i < events.size(); ++i) {
                const QJsonObject e = events.at(i).toObject();
                ids << quint64(e.value(QLatin1String("connectionId")).toInteger());
                seqs << quint64(numbers.at(i).toInteger());
                previews << e.value(QLatin1String("message")).toObject().value(QLatin1String("preview")).toString();
                sawClose = sawClose || e.value(QLatin1String("kind")).toString() == QLatin1String("closed");
            }
        }
        return sawClose;
    }, 10000));
    QVERIFY(everyNumbered);
    QCOMPARE(ids.size(), 1); // the kept connection only, from its connection-opened on
    QVERIFY(previews.contains(QStringLiteral("kept-1")));
    QVERIFY(!previews.contains(QStringLiteral("dropped-1")));
    QVERIFY(std::is_sorted(seqs.cbegin(), seqs.cend()));

    // history with a connection filter: that connection's events, numbered as they were.
    const quint64 kept = *ids.cbegin();
    const QJsonObject history = ask({{u"type"_s, u"history"_s}, {u"id"_s, 5}, {u"filter"_s, QJsonObject{{u"connections"_s, QJsonArray{double(kept)}}}}});
    const QJsonArray replay = history.value(QLatin1String("events")).toArray();
    QVERIFY(!replay.isEmpty());
    for (const QJsonValue &e : replay)
        QCOMPARE(quint64(e.toObject().value(QLatin1String("connectionId")).toInteger()), kept);
    QCOMPARE(quint64(history.value(QLatin1String("seqs")).toArray().first().toInteger()), seqs.first());
}

// An upstream filter by server: the connections routed there pass, a filter
// naming another upstream lets nothing through.
void tst_Attach::subscribeUpstreamFilter()
{
    const QString echo = QStringLiteral("127.0.0.1:%1").arg(m_echo.port());
    ProtocolClient there;
    ProtocolClient elsewhere;
    QVERIFY(there.open(m_inspectPort) && elsewhere.open(m_inspectPort));
    for (ProtocolClient *c : {&there, &elsewhere})
        QVERIFY(!c->ask({{u"type"_s, u"hello"_s}, {u"version"_s, 1}, {u"id"_s, 1}}).isEmpty());
    QVERIFY(there.ask({{u"type"_s, u"subscribe"_s}, {u"id"_s, 2},
                       {u"filter"_s, QJsonObject{{u"upstreams"_s, QJsonArray{u"10.0.0.1:1"_s, echo}}}}})
                .value(QLatin1String("ok")).toBool());
    QVERIFY(elsewhere.ask({{u"type"_s, u"subscribe"_s}, {u"id"_s, 2},
                           {u"filter"_s, QJsonObject{{u"upstreams"_s, QJsonArray{u"10.0.0.1:1"_s}}}}})
                .value(QLatin1String("ok")).toBool());
    QVERIFY(talk(QStringLiteral("/routed"), {QStringLiteral("routed-1")}));
    QVERIFY(QTest::qWaitFor([&] {
        for (const QJsonObject &m : std::as_const(there.messages)) {
            for (const QJsonValue &e : m.value(QLatin1String("events")).toArray()) {
                if (e.toObject().value(QLatin1String("kind")).toString() == QLatin1String("closed"))
                    return true;
            }
        }
        return false;
    }, 10000));
    QCOMPARE(there.connectionIds().size(), 1);
    // The daemon sent that close to both clients in one pass; an answer on the
    // other link comes after anything it was sent before.
    QVERIFY(!elsewhere.ask({{u"type"_s, u"figures"_s}, {u"id"_s, 3}}).isEmpty());
    QVERIFY(elsewhere.connectionIds().isEmpty());
}

// --- wsscope attach ---

void tst_Attach::jsonLinesAreTheCapture()
{
    AttachProcess attach;
    attach.start(attachArgs({QStringLiteral("--json")}));
    QVERIFY2(attach.waitAttached(), attach.err().constData());
    QVERIFY(talk(QStringLiteral("/json"), {QStringLiteral("one"), QStringLiteral("two")}));
    QVERIFY2(attach.waitForStdout("\"kind\":\"closed\""), attach.out().constData());
    QCOMPARE(attach.finish(true), 0);

    QList<QJsonObject> seen;
    for (const QByteArray &line : attach.lines()) {
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        QVERIFY2(error.error == QJsonParseError::NoError && doc.isObject(), line.constData()); // one object per line
        seen << doc.object();
    }
    QVERIFY(!seen.isEmpty());
    const quint64 id = quint64(seen.constFirst().value(QLatin1String("connectionId")).toInteger());
    QCOMPARE(seen.constFirst().value(QLatin1String("kind")).toString(), QStringLiteral("connection-opened"));
    // The daemon's own capture of the same connection, line for line (it is
    // flushed per batch: wait for its close).
    QList<QJsonObject> captured;
    QVERIFY(QTest::qWaitFor([&] {
        captured = capturedEvents(id);
        return !captured.isEmpty() && captured.constLast().value(QLatin1String("kind")).toString() == QLatin1String("closed");
    }, 10000));
    QCOMPARE(seen, captured);
}

void tst_Attach::humanLinesShowTheFrames()
{
    AttachProcess attach;
    attach.start(attachArgs({}));
    QVERIFY2(attach.waitAttached(), attach.err().constData());
    QVERIFY(talk(QStringLiteral("/human"), {QStringLiteral("hello-human")}));
    QVERIFY2(attach.waitForStdout("closed: "), attach.out().constData());
    QCOMPARE(attach.finish(true), 0);
    const QByteArray out = attach.out();
    QVERIFY2(out.contains(" open from 127.0.0.1:"), out.constData());
    QVERIFY2(out.contains(" GET /human\n"), out.constData());
    QVERIFY2(out.contains(" 101 Switching Protocols"), out.constData());
    QVERIFY2(out.contains(" -> text 11 B \"hello-human\""), out.constData());
    QVERIFY2(out.contains(" <- text 11 B \"hello-human\""), out.constData());
    QVERIFY2(out.contains(" -> close 2 B 1000"), out.constData());
    // Each line: HH:MM:SS.mmm #ID ...
    for (const QByteArray &line : attach.lines()) {
        if (!line.isEmpty())
            QVERIFY2(QRegularExpression(QStringLiteral("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} #\\d+ ")).match(QString::fromUtf8(line)).hasMatch(),
                     line.constData());
    }
}

void tst_Attach::filterShowsOnlyMatchingPaths()
{
    AttachProcess attach;
    attach.start(attachArgs({QStringLiteral("--filter"), QStringLiteral("path=/chat*")}));
    QVERIFY2(attach.waitAttached(), attach.err().constData());
    QVERIFY(talk(QStringLiteral("/other"), {QStringLiteral("not-this")}));
    QVERIFY(talk(QStringLiteral("/chat/room"), {QStringLiteral("this-one")}));
    QVERIFY2(attach.waitForStdout("closed: "), attach.out().constData());
    QCOMPARE(attach.finish(true), 0);
    const QByteArray out = attach.out();
    QVERIFY2(out.contains(" GET /chat/room"), out.constData());
    QVERIFY2(out.contains("\"this-one\""), out.constData());
    QVERIFY2(!out.contains("/other") && !out.contains("not-this"), out.constData());
    QCOMPARE(out.count("open from"), 1);
}

void tst_Attach::historyThroughTheFilter()
{
    QVERIFY(talk(QStringLiteral("/before"), {QStringLiteral("from-history")}));
    AttachProcess attach;
    attach.start(attachArgs({QStringLiteral("--history"), QStringLiteral("--filter"), QStringLiteral("path=/before")}));
    QVERIFY2(attach.waitAttached(), attach.err().constData());
    QVERIFY2(attach.waitForStdout("closed: "), attach.out().constData());
    QCOMPARE(attach.finish(true), 0);
    const QByteArray out = attach.out();
    QVERIFY2(out.contains("\"from-history\""), out.constData());
    QVERIFY2(!out.contains("GET /json") && !out.contains("GET /human"), out.constData()); // earlier tests' connections
}

void tst_Attach::harHasTheFrames()
{
    const QString har = m_dir.filePath(QStringLiteral("attach.har"));
    AttachProcess attach;
    attach.start(attachArgs({QStringLiteral("--har"), har}));
    QVERIFY2(attach.waitAttached(), attach.err().constData());
    QVERIFY(talk(QStringLiteral("/har"), {QStringLiteral("har-1"), QStringLiteral("har-2")}));
    QVERIFY2(attach.waitForStdout("closed: "), attach.out().constData());
    QCOMPARE(attach.finish(true), 0); // SIGTERM: exit 0, HAR written
    QFile file(har);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject log = parse(file.readAll()).value(QLatin1String("log")).toObject();
    QCOMPARE(log.value(QLatin1String("version")).toString(), QStringLiteral("1.2"));
    const QJsonArray entries = log.value(QLatin1String("entries")).toArray();
    QCOMPARE(entries.size(), 1); // only what this attach saw
    const QJsonObject entry = entries.first().toObject();
    QCOMPARE(entry.value(QLatin1String("_resourceType")).toString(), QStringLiteral("websocket"));
    QVERIFY(entry.value(QLatin1String("request")).toObject().value(QLatin1String("url")).toString().endsWith(QLatin1String("/har")));
    QStringList messages;
    for (const QJsonValue &m : entry.value(QLatin1String("_webSocketMessages")).toArray()) {
        if (m.toObject().value(QLatin1String("opcode")).toInt() == 1)
            messages << m.toObject().value(QLatin1String("type")).toString() + QLatin1Char(' ')
                            + m.toObject().value(QLatin1String("data")).toString();
    }
    QCOMPARE(messages, QStringList({u"send har-1"_s, u"send har-2"_s, u"receive har-1"_s, u"receive har-2"_s}));
}

// `attach --pause` / `--resume` switch the daemon's recording for everyone:
// a streaming attach is told on stderr and gets none of the traffic of the
// pause, and resumes with the traffic after it.
void tst_Attach::pauseAndResumeFromTheTerminal()
{
    AttachProcess watcher;
    watcher.start(attachArgs({}));
    QVERIFY2(watcher.waitAttached(), watcher.err().constData());
    // The same conversation, recorded: how many events one such connection
    // makes (its --capture lines, once its close is in).
    QVERIFY(talk(QStringLiteral("/reference"), {QStringLiteral("unseen")}));
    QVERIFY2(watcher.waitForStdout(" GET /reference"), watcher.out().constData());
    const QRegularExpressionMatch ref = QRegularExpression(QStringLiteral("#(\\d+) GET /reference")).match(QString::fromUtf8(watcher.out()));
    QVERIFY(ref.hasMatch());
    QList<QJsonObject> reference;
    QVERIFY(QTest::qWaitFor([&] {
        reference = capturedEvents(ref.captured(1).toULongLong());
        return !reference.isEmpty() && reference.constLast().value(QLatin1String("kind")).toString() == QLatin1String("closed");
    }, 10000));

    // `attach --pause|--resume` once: its exit code and what it printed.
    auto switchRecording = [this](const QString &flag) {
        AttachProcess once;
        once.start(attachArgs({flag}));
        const int rc = once.finish(false);
        return std::make_pair(rc, once.out());
    };
    QCOMPARE(switchRecording(QStringLiteral("--pause")), std::make_pair(0, QByteArray("attach-test: paused now\n")));
    QVERIFY2(QTest::qWaitFor([&] { return watcher.err().contains("recording paused on attach-test by "); }, 10000),
             watcher.err().constData());
    QCOMPARE(switchRecording(QStringLiteral("--pause")), std::make_pair(0, QByteArray("attach-test: already paused\n")));

    // What the daemon left out, from its figures: once the paused
    // connection's events have reached the channel, the resume counts them all.
    ProtocolClient channel;
    QVERIFY(channel.open(m_inspectPort));
    QVERIFY(!channel.ask({{u"type"_s, u"hello"_s}, {u"version"_s, 1}, {u"id"_s, 1}}).isEmpty());
    int askId = 100;
    auto notRecorded = [&] {
        return channel.ask({{u"type"_s, u"figures"_s}, {u"id"_s, ++askId}}).value(QLatin1String("notRecorded")).toInteger(-1);
    };
    const qint64 before = notRecorded();
    QVERIFY(before >= 0);
    QVERIFY(talk(QStringLiteral("/while-paused"), {QStringLiteral("unseen")}));
    const qint64 left = reference.size();
    QVERIFY(QTest::qWaitFor([&] { return notRecorded() == before + left; }, 10000));
    QCOMPARE(switchRecording(QStringLiteral("--resume")), std::make_pair(0, QByteArray("attach-test: recording now\n")));
    QVERIFY2(QTest::qWaitFor([&] { return watcher.err().contains("recording resumed on attach-test by "); }, 10000),
             watcher.err().constData());
    const QRegularExpression counted(QStringLiteral("(\\d+) events were not recorded"));
    const QRegularExpressionMatch m = counted.match(QString::fromUtf8(watcher.err()));
    QVERIFY2(m.hasMatch(), watcher.err().constData());
    QCOMPARE(m.captured(1).toLongLong(), left);

    QVERIFY(talk(QStringLiteral("/after-pause"), {QStringLiteral("seen-again")}));
    QVERIFY2(watcher.waitForStdout("\"seen-again\""), watcher.out().constData());
    QVERIFY2(watcher.waitForStdout("closed: "), watcher.out().constData());
    QCOMPARE(watcher.finish(true), 0);
    const QByteArray out = watcher.out();
    QVERIFY2(!out.contains("/while-paused"), out.constData());
    QCOMPARE(out.count("\"unseen\""), 2); // the reference's own, there and back
    QVERIFY2(out.contains(" GET /after-pause"), out.constData());
}

void tst_Attach::readOnlyRefusesPause()
{
    TestSupport::PeerProcess daemon;
    const quint16 port = TestSupport::unusedPort();
    QVERIFY(daemon.startWsscope({m_echo.url()}, {QStringLiteral("--inspect-listen"), QStringLiteral("127.0.0.1:%1").arg(port),
                                                 QStringLiteral("--inspect-readonly")}));
    QVERIFY2(daemon.waitForOutput("inspection channel listening on"), daemon.output().constData());
    AttachProcess attach;
    attach.start({QStringLiteral("ws://127.0.0.1:%1").arg(port), QStringLiteral("--pause")});
    QCOMPARE(attach.finish(false), 1);
    QVERIFY2(attach.err().contains("the daemon refused to pause the recording: the channel is read-only"), attach.err().constData());
    QVERIFY(attach.out().isEmpty());
}

void tst_Attach::wrongTokenIsRefused()
{
    const QString wrong = m_dir.filePath(QStringLiteral("wrong"));
    QFile file(wrong);
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write("not-the-token") > 0);
    file.close();
    AttachProcess attach;
    attach.start({QStringLiteral("ws://127.0.0.1:%1").arg(m_inspectPort), QStringLiteral("--token-file"), wrong});
    QCOMPARE(attach.finish(false), 1);
    QVERIFY2(attach.err().contains("refused: bad or missing token"), attach.err().constData());
    QVERIFY(attach.out().isEmpty());
    // Without a token at all: the same.
    AttachProcess none;
    none.start({QStringLiteral("ws://127.0.0.1:%1").arg(m_inspectPort)});
    QCOMPARE(none.finish(false), 1);
    QVERIFY2(none.err().contains("refused: bad or missing token"), none.err().constData());
}

void tst_Attach::unreachableExitsOne()
{
    AttachProcess attach;
    attach.start({QStringLiteral("ws://127.0.0.1:%1").arg(TestSupport::unusedPort())});
    QCOMPARE(attach.finish(false), 1); // once, no reconnecting
    QVERIFY2(attach.err().contains("Connection refused"), attach.err().constData());
}

void tst_Attach::lostLinkExitsOne()
{
    TestSupport::PeerProcess daemon;
    const quint16 port = TestSupport::unusedPort();
    QVERIFY(daemon.startWsscope({m_echo.url()}, {QStringLiteral("--inspect-listen"), QStringLiteral("127.0.0.1:%1").arg(port)}));
    QVERIFY2(daemon.waitForOutput("inspection channel listening on"), daemon.output().constData());
    AttachProcess attach;
    attach.start({QStringLiteral("ws://127.0.0.1:%1").arg(port)});
    QVERIFY2(attach.waitAttached(), attach.err().constData());
    QCOMPARE(daemon.terminate(), 0);
    QCOMPARE(attach.finish(false), 1);
    QVERIFY2(attach.err().contains("the link was lost"), attach.err().constData());
}

void tst_Attach::badUsage_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("no URL") << QStringList{} << QByteArray("exactly one URL");
    QTest::newRow("two URLs") << QStringList{u"ws://127.0.0.1:1"_s, u"ws://127.0.0.1:2"_s} << QByteArray("exactly one URL");
    QTest::newRow("not ws") << QStringList{u"http://127.0.0.1:1"_s} << QByteArray("not a ws:// or wss:// URL");
    QTest::newRow("unknown option") << QStringList{u"ws://127.0.0.1:1"_s, u"--jsn"_s} << QByteArray("Unknown option");
    QTest::newRow("bad filter key") << QStringList{u"ws://127.0.0.1:1"_s, u"--filter"_s, u"room=1"_s} << QByteArray("unknown key");
    QTest::newRow("pause and resume") << QStringList{u"ws://127.0.0.1:1"_s, u"--pause"_s, u"--resume"_s} << QByteArray("exclude each other");
    QTest::newRow("pause with json") << QStringList{u"ws://127.0.0.1:1"_s, u"--pause"_s, u"--json"_s} << QByteArray("--json does not go with");
    QTest::newRow("bad filter conn") << QStringList{u"ws://127.0.0.1:1"_s, u"--filter"_s, u"conn=x"_s} << QByteArray("conn needs");
}

void tst_Attach::badUsage()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    AttachProcess attach;
    attach.start(args);
    QCOMPARE(attach.finish(false), 2);
    QVERIFY2(attach.err().contains(message), attach.err().constData());
    QVERIFY2(attach.err().contains("Try 'wsscope attach --help'"), attach.err().constData());
}

QTEST_GUILESS_MAIN(tst_Attach)
#include "tst_attach.moc"
