#pragma once

#include "remote/attachtarget.h"
#include "remote/inspectorsource.h"

#include <QHash>
#include <QJsonObject>
#include <QSet>

class QTimer;
class QWebSocket;

// InspectorSource over a daemon's inspection channel (`inspect_listen`): a
// WebSocket carrying the hello, the event stream (the objects `--capture`
// writes, EventJson) and commands answered by request number. Nothing here
// blocks: each command is a message out, each answer a signal.
//
// The link reconnects by itself (FirstRetryMs, doubling up to MaxRetryMs)
// and, once back, asks for the history the daemon kept, so the window shows
// what happened in the gap; events already seen (by the daemon's sequence
// numbers) are skipped. A daemon that restarted numbers its connections from 1
// again: its ids are then moved past the ones seen before, so old and new
// records do not merge, and the old run's open connections are closed.
class RemoteInspectorSource final : public InspectorSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteInspectorSource)

public:
    static constexpr int FirstRetryMs = 500;
    static constexpr int MaxRetryMs = 5000;

    explicit RemoteInspectorSource(AttachTarget target, QObject *parent = nullptr);
    ~RemoteInspectorSource() override;

    QString address() const override { return m_target.url.toString(); }
    quint64 droppedEvents() const override { return m_dropped; }
    void refresh() override;
    quint64 checkConfig(const QString &text) override;
    quint64 applyConfig(const QString &text) override;
    void inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload) override;
    bool canPauseRecording() const override { return link() == Link::Up && canApply(); }
    void setRecordingPaused(bool paused) override;

private:
    enum class Pending : quint8 { Check, Apply };

    void open();
    void handleConnected();
    void handleDisconnected();
    void handleMessage(const QString &text);
    void handleHello(const QJsonObject &hello);
    void handleEvents(quint64 firstSeq, const QJsonArray &events);
    void handleAnswer(const QJsonObject &answer);
    void closeEarlierRun(const QString &newRun);
    void scheduleRetry(const QString &why);
    quint64 send(QJsonObject command);

    AttachTarget m_target;
    QWebSocket *m_socket;
    QTimer *m_retry;
    int m_retryMs = FirstRetryMs;
    QHash<quint64, Pending> m_pending;
    quint64 m_dropped = 0;
    // Skipping what a history replay repeats, and keeping a restarted
    // daemon's ids apart from its previous run's.
    quint64 m_lastSeq = 0;
    quint64 m_maxId = 0;
    quint64 m_idOffset = 0;
    QString m_runId; // the daemon run's identity from its hello
    QString m_tlsRefusal; // why the last wss:// handshake refused the daemon's certificate
    QSet<quint64> m_open; // connections opened and not closed (ours, offset)
};
