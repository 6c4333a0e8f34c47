#pragma once

#include "inspect/inspectevent.h"

#include <QString>
#include <QWidget>

class ConnectionsModel;
class QLabel;
class QTreeWidget;
struct ConnectionRecord;

// The handshake tab: a one-line summary (request line, client, route,
// tunnel, close), the request headers as received and as forwarded with the
// changes coloured, the response head, and the handshake checks (findings
// and protocol violations), plus the WeChat mini-program line when the
// client is one.
class HandshakeView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HandshakeView)

public:
    explicit HandshakeView(ConnectionsModel *connections, QWidget *parent = nullptr);
    ~HandshakeView() override;

    // Shows `r` (nullptr: nothing selected). Cheap to call on every flush:
    // the lists are rebuilt only when something they show has changed.
    void showConnection(const ConnectionRecord *r);
    static QString severityText(FindingEvent::Severity severity);

private:
    void showSummary(const ConnectionRecord &r);
    void showRequest(const ConnectionRecord &r);
    void showResponse(const ConnectionRecord &r);
    void showFindings(const ConnectionRecord &r);
    void showWeChat(const ConnectionRecord &r);

    ConnectionsModel *m_connections;
    QLabel *m_summary = nullptr;
    QLabel *m_wechat = nullptr;
    QTreeWidget *m_requestDiff = nullptr;
    QTreeWidget *m_responseHeaders = nullptr;
    QTreeWidget *m_findings = nullptr;
    QString m_signature; // what is shown, to skip rebuilding the same
};
