#pragma once

#include "inspect/recordingpause.h"
#include "remote/inspectfilter.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QString>

#include <deque>
#include <memory>
#include <optional>

class InspectorSource;
class QHostAddress;
class QWebSocket;
class QWebSocketServer;
struct InspectEvent;
struct ConfigCheckResult;

// The daemon's end of the inspection channel (--inspect-listen): the
// InspectorSource of this process's proxy (a LocalInspectorSource), served
// as InspectProtocol messages over a WebSocket, so an attached window sees
// what a local one would. It keeps the last HistoryEvents events for a
// client that attaches mid-session.
//
// A client's token comes in the handshake (Authorization: Bearer); a wrong
// or absent one is refused before anything is sent, logged with the peer's
// address (never the token), and an address that failed MaxFailures times
// within FailureWindowMs is refused without a check until the window has
// passed. A client that reads too slowly loses events (counted, and sent
// back in its figures) instead of slowing the proxy or the other clients.
//
// `subscribe` {filter} (and `history` {filter}) narrow one client's events to
// some connections (InspectFilterMatcher, its own per client); the history
// and the other clients keep everything.
//
// `pause` and `resume` switch the daemon's recording (RecordingPause): while
// paused the history, --capture (when the owner shares its RecordingPause)
// and every client's live events leave out what happens, counted; every
// client is told who paused and resumed, and when.
class InspectChannel final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InspectChannel)

public:
    struct Settings
    {
        QString instanceName;
        QByteArray token;      // empty: none asked
        bool readOnly = false;
        // Production keeps the defaults; tests shorten them.
        qint64 failureWindowMs = FailureWindowMs;
        qint64 clientBacklogBytes = ClientBacklogBytes;
    };
    static constexpr int HistoryEvents = 20'000;
    static constexpr qint64 ClientBacklogBytes = qint64(8) << 20;
    static constexpr int MaxFailures = 5;
    static constexpr qint64 FailureWindowMs = 60'000;
    // A frame or message event's JSON is ~300-450 bytes: a batch's buffer is
    // reserved at this much per event so it is seldom reallocated.
    static constexpr qsizetype EstimatedEventBytes = 448;

    InspectChannel(InspectorSource *source, Settings settings, QObject *parent = nullptr);
    ~InspectChannel() override;

    // Listens on address:port (port 0: any free one), wss:// with `tls`,
    // ws:// without. Called again (a reload), it binds the new socket
    // before it lets the old one go, so a failure keeps the channel where it
    // was; the clients attached meanwhile stay. Only a move to another
    // address on the same port closes the old socket first (both cannot be
    // bound), and takes it again if the new one fails.
    bool listen(const QHostAddress &address, quint16 port, const std::optional<QSslConfiguration> &tls,
                QString *error);
    // "127.0.0.1:9901", "[::1]:0" (a numeric host): plain ws://.
    bool listen(const QString &address, QString *error);
    // HOST:PORT with a numeric host ([IPv6] bracketed); false when it is not.
    static bool parseAddress(const QString &text, QHostAddress *host, quint16 *port);
    quint16 port() const;
    // The recording switch `pause` and `resume` act on, shared with the
    // owner's other recorders (--capture); by default the channel's own.
    void setRecordingPause(RecordingPause *pause);
    // Addresses with failed attempts within the window (the rate limit's table).
    qsizetype addressesWithFailures() const { return m_failures.size(); }
    bool isSecure() const;
    // A reload's inspect_* (or the flags over them): the name and
    // read-only apply at once; a new token closes the clients let in by the
    // old one (they attach again with the new one, or are refused).
    void setSettings(Settings settings);

private:
    struct Client
    {
        bool helloDone = false;
        bool subscribed = false; // after its history: live events follow it
        quint64 dropped = 0;
        std::optional<InspectFilterMatcher> filter; // subscribe {filter}; none: everything
    };

    void handleNewConnection();
    bool admit(QWebSocket *socket);
    void handleMessage(QWebSocket *socket, const QString &text);
    void handleCommand(QWebSocket *socket, const QString &type, const QJsonObject &command);
    void handleEvents(const QList<InspectEvent> &batch);
    void answerCheck(bool apply, quint64 request, const ConfigCheckResult &result);
    void send(QWebSocket *socket, const QJsonObject &message);
    QJsonObject configMessage() const;
    void handlePause(QWebSocket *socket, const QString &type, const QJsonObject &command);
    QJsonObject pauseState() const;
    void sendResumed();
    void broadcast(const QJsonObject &message);
    QString subscribe(QWebSocket *socket, const QString &type, const QJsonObject &command);
    template<typename It>
    static QByteArray eventsMessage(It first, It last, quint64 firstSeq, const QJsonValue &id = QJsonValue(QJsonValue::Undefined));
    static std::optional<QJsonObject> filteredEvents(InspectFilterMatcher *matcher, quint64 firstSeq, const QJsonArray &events,
                                                     const QJsonValue &id);

    InspectorSource *m_source;
    Settings m_settings;
    QWebSocketServer *m_server = nullptr; // the listening one (a rebind replaces it)
    QHash<QWebSocket *, Client> m_clients;
    std::deque<InspectEvent> m_history; // values: encoded when a client asks for them
    quint64 m_nextSeq = 1;   // the number of the next event (the history's first is m_nextSeq - size)
    QHash<QString, QList<qint64>> m_failures; // by peer address: times of failed attempts
    // Commands waiting for the source: its request number → who asked, with what id.
    QHash<quint64, std::pair<QWebSocket *, double>> m_waiting;
    QString m_runId;
    std::unique_ptr<RecordingPause> m_ownPause;
    RecordingPause *m_pause;
    RecordingPause::Filter m_recordingFilter;
    quint64 m_notRecordedAtPause = 0; // the filter's count when the current pause began
    // Events reach the channel some 50 ms (a worker's flush) after they
    // happen: `resumed` waits ResumeSettleMs, so its count covers the pause's
    // last events too.
    static constexpr int ResumeSettleMs = 250;
    std::optional<QJsonObject> m_pendingResumed;
};
