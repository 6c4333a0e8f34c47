#include "logview.h"

#include "connectionsmodel.h"
#include "handshakeview.h"

#include <QDateTime>
#include <QFontDatabase>

namespace {

QString stamp()
{
    return QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss "));
}

} // namespace

LogView::LogView(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("logView"));
    setReadOnly(true);
    setMaximumBlockCount(MaxLines);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
}

LogView::~LogView() = default;

QString LogView::label(quint64 id) const
{
    return m_connections ? m_connections->connectionLabel(id) : QString::number(id);
}

void LogView::addEvents(const QList<InspectEvent> &batch)
{
    for (const InspectEvent &e : batch) {
        if (m_pending.size() >= MaxLinesPerFlush)
            break;
        if (const auto *opened = e.as<ConnectionOpenedEvent>()) {
            m_pending << tr("#%1 connection from %2 on %3")
                             .arg(label(e.connectionId))
                             .arg(opened->clientAddress.toString() + QLatin1Char(':') + QString::number(opened->clientPort),
                                  opened->listener);
        } else if (const auto *route = e.as<RouteEvent>()) {
            m_pending << tr("#%1 routed to %2 (%3, location %4)")
                             .arg(label(e.connectionId))
                             .arg(route->upstreamServer, route->algorithm, route->location);
        } else if (const auto *closed = e.as<ClosedEvent>()) {
            m_pending << tr("#%1 closed: %2 after %3 ms, %4 bytes up, %5 bytes down")
                             .arg(label(e.connectionId))
                             .arg(ConnectionsModel::causeText(closed->cause))
                             .arg(closed->durationMs)
                             .arg(closed->bytesFromClient)
                             .arg(closed->bytesFromUpstream);
        } else if (const auto *v = e.as<ViolationEvent>()) {
            m_pending << tr("#%1 protocol violation: %2").arg(label(e.connectionId)).arg(v->violation.text);
        } else if (const auto *f = e.as<FindingEvent>()) {
            if (f->severity != FindingEvent::Severity::Info)
                m_pending << tr("#%1 handshake %2: %3")
                                 .arg(label(e.connectionId))
                                 .arg(HandshakeView::severityText(f->severity), f->text);
        }
    }
}

void LogView::flush()
{
    if (m_pending.isEmpty())
        return;
    const QString now = stamp();
    QString text;
    for (const QString &line : std::as_const(m_pending))
        text += now + line + QLatin1Char('\n');
    text.chop(1);
    appendPlainText(text);
    m_pending.clear();
}

void LogView::appendLine(const QString &line)
{
    appendPlainText(stamp() + line);
}
