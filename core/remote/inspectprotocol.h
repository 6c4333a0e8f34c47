#pragma once

#include "remote/inspectorsource.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSslConfiguration>
#include <QSslError>

// The inspection channel's messages (version 1), one JSON object per
// WebSocket text message, each with "type"; a command carries "id" and its
// answer the same. docs/inspect-protocol.md describes them with an example
// session. Both ends use these functions: the daemon (InspectChannel) and
// the window (RemoteInspectorSource); events are EventJson's objects, the
// ones `--capture` writes.
namespace InspectProtocol {

constexpr int Version = 1;

// A client's TLS settings for wss://: the system's CAs and the local CA
// (wsscope cert), so a channel with a local-CA certificate needs no question.
QSslConfiguration clientSslConfiguration();

// What a client says when it refuses the instance's certificate: which
// checks failed and what it trusts. The window's banner and `wsscope attach`
// print the same words.
QString tlsRefusalText(const QList<QSslError> &errors);

// The name a client gives itself in `pause` and `resume` ("alice@laptop"),
// so the daemon's log and the other clients say who paused.
QString clientName();

// A `paused` or `resumed` message, or hello's "paused" (an object or false),
// as the state it tells. `resumed` also carries what the pause left out.
RecordingState recordingFromJson(const QJsonValue &message, bool paused);

QJsonObject checkResultToJson(const ConfigCheckResult &result);
ConfigCheckResult checkResultFromJson(const QJsonObject &answer);

QJsonArray figuresToJson(const QList<UpstreamFigures> &figures);
QList<UpstreamFigures> figuresFromJson(const QJsonArray &groups);

QJsonArray targetsToJson(const QList<UpstreamTarget> &targets);
QList<UpstreamTarget> targetsFromJson(const QJsonArray &targets);

} // namespace InspectProtocol
