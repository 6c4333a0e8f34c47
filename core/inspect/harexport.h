#pragma once

#include "inspect/connectionrecord.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

class ConnectionStore;

// HAR 1.2 with Chrome DevTools' WebSocket extension (`_resourceType:
// "websocket"`, `_webSocketMessages`) from the records of a ConnectionStore:
// one entry per exchange (each keep-alive request, and the WebSocket
// upgrade with its messages), each with its own times. `--capture` and the
// window's "Save as HAR" both write through here, so they agree.
namespace HarExport {

struct Options
{
    bool includeControlFrames = true; // ping/pong/close as opcodes 9/10/8 (Chrome shows them)
};

// The entries of these records, ordered by start time (ties in arrival order).
QJsonArray entries(const QList<const ConnectionRecord *> &records, const Options &options = {});
// All records of the store, in its order.
QList<const ConnectionRecord *> records(const ConnectionStore &store);
// A HAR document: {"log": {version, creator, pages, entries, comment, _wsscopeDropped}}.
// `_wsscopeDropped` counts what the store's caps dropped.
QJsonObject document(const QJsonArray &entries, const QString &comment, const ConnectionStore &store);
// The log's comment line for what was kept.
QString keptComment(qint64 entryCount, const ConnectionStore &store);
// Writes `har` to `path` through a QSaveFile: the file on disk is the
// previous complete HAR or the new one, never half of one.
bool write(const QString &path, const QJsonObject &har, QString *error = nullptr);

} // namespace HarExport
