// attach_readers: N clients attached to a daemon's inspection channel
// (--inspect-listen), each reading the live events as the window would
// (hello, history, then the stream), for tests/bench/attach. Not a test.
//
//   attach_readers --url ws://127.0.0.1:9901 [--token-file F] [--clients 3] [--seconds 20]
//
// Prints "attach_readers: attached N" once every client has its history,
// then, when the time is up (or on SIGTERM), one JSON line: per client the
// events and bytes received and the events the daemon dropped for it (its
// figures).

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QSocketNotifier>
#include <QTimer>
#include <QWebSocket>

#include <csignal>
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const ssize_t n = ::write(g_signalPipe[1], &c, 1);
}

struct Reader
{
    std::unique_ptr<QWebSocket> socket = std::make_unique<QWebSocket>();
    qint64 events = 0;
    qint64 bytes = 0;
    bool attached = false;
    double dropped = -1; // from figures
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOptions({{u"url"_s, u"the channel"_s, u"URL"_s},
                       {u"token-file"_s, u"the token"_s, u"FILE"_s},
                       {u"clients"_s, u"how many"_s, u"N"_s, u"3"_s},
                       {u"seconds"_s, u"how long"_s, u"S"_s, u"20"_s}});
    parser.process(app);
    QByteArray token;
    if (parser.isSet(u"token-file"_s)) {
        QFile f(parser.value(u"token-file"_s));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "attach_readers: cannot read the token file\n");
            return 2;
        }
        token = f.readAll().trimmed();
    }
    const int clients = parser.value(u"clients"_s).toInt();
    std::vector<Reader> readers(size_t(std::max(0, clients)));
    int attached = 0;
    int answered = 0;

    auto finish = [&] {
        QJsonArray out;
        for (const Reader &r : readers)
            out << QJsonObject{{u"events"_s, double(r.events)}, {u"bytes"_s, double(r.bytes)}, {u"dropped"_s, r.dropped}};
        std::printf("%s\n", QJsonDocument(QJsonObject{{u"clients"_s, out}}).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        app.quit();
    };
    // At the end each client asks for its figures (the dropped count).
    bool asked = false;
    auto askFigures = [&] {
        if (std::exchange(asked, true))
            return;
        if (readers.empty())
            return finish();
        for (Reader &r : readers)
            r.socket->sendTextMessage(uR"({"type":"figures","id":3})"_s);
        QTimer::singleShot(5000, &app, finish); // a client that cannot answer
    };

    for (Reader &r : readers) {
        QWebSocket *s = r.socket.get();
        QObject::connect(s, &QWebSocket::textMessageReceived, s, [&, s, reader = &r](const QString &text) {
            reader->bytes += text.size();
            const QJsonObject m = QJsonDocument::fromJson(text.toUtf8()).object();
            const QString type = m.value(QLatin1String("type")).toString();
            if (type == QLatin1String("hello")) {
                s->sendTextMessage(uR"({"type":"history","id":2})"_s);
            } else if (type == QLatin1String("events")) {
                if (m.value(QLatin1String("id")).toInt() == 2 && !reader->attached) {
                    reader->attached = true;
                    if (++attached == int(readers.size())) {
                        std::fprintf(stderr, "attach_readers: attached %d\n", attached);
                        std::fflush(stderr);
                    }
                    return; // the history is not live traffic
                }
                reader->events += m.value(QLatin1String("events")).toArray().size();
            } else if (type == QLatin1String("figures")) {
                reader->dropped = m.value(QLatin1String("dropped")).toDouble();
                if (++answered == int(readers.size()))
                    finish();
            }
        });
        QObject::connect(s, &QWebSocket::connected, s, [s] { s->sendTextMessage(uR"({"type":"hello","version":1,"id":1})"_s); });
        QNetworkRequest request{QUrl(parser.value(u"url"_s))};
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token);
        s->open(request);
    }
    if (readers.empty())
        std::fprintf(stderr, "attach_readers: attached 0\n");

    // SIGTERM ends the run early, with figures.
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) == 0) {
        auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [&, notifier] {
            notifier->setEnabled(false);
            askFigures();
        });
        std::signal(SIGTERM, onSignal);
    }
    QTimer::singleShot(int(parser.value(u"seconds"_s).toDouble() * 1000), &app, askFigures);
    return app.exec();
}
