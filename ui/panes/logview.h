#pragma once

#include "inspect/inspectevent.h"

#include <QList>
#include <QPlainTextEdit>
#include <QStringList>

class ConnectionsModel;

// The log dock: time-stamped lines, one per connection milestone (opened,
// routed, closed, protocol violations, handshake warnings) and per action
// of the window, never one per frame. Lines from events are collected by
// addEvents() and written in one append by flush() (after the connections
// model's flush), at most MaxLinesPerFlush of them.
class LogView final : public QPlainTextEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogView)

public:
    static constexpr qsizetype MaxLinesPerFlush = 200;
    static constexpr int MaxLines = 5000;

    explicit LogView(QWidget *parent = nullptr);
    ~LogView() override;

    // Names connections as the model does ("17@prod-1" in a merged view).
    void setConnections(const ConnectionsModel *connections) { m_connections = connections; }
    void addEvents(const QList<InspectEvent> &batch);
    void flush();
    // One line now, stamped with the time.
    void appendLine(const QString &line);

private:
    QString label(quint64 id) const;

    const ConnectionsModel *m_connections = nullptr;
    QStringList m_pending;
};
