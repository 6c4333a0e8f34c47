#include "handshakeview.h"

#include "colours.h"
#include "connectionsmodel.h"
#include "headerdiff.h"
#include "itemviews.h"
#include "websocket/handshakecheck.h"

#include <QLabel>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {

QString requestLine(const HttpRequestHead &head)
{
    return QString::fromLatin1(head.method) + QLatin1Char(' ') + QString::fromUtf8(head.target)
        + QStringLiteral(" HTTP/1.%1").arg(head.versionMinor);
}

void setRowBackground(QTreeWidgetItem *item, const QColor &colour)
{
    for (int c = 0; c < item->treeWidget()->columnCount(); ++c)
        item->setBackground(c, colour);
}

} // namespace

HandshakeView::HandshakeView(ConnectionsModel *connections, QWidget *parent)
    : QWidget(parent)
    , m_connections(connections)
{
    auto *layout = new QVBoxLayout(this);
    m_summary = new QLabel(tr("Select a connection to see its handshake."), this);
    m_summary->setObjectName(QStringLiteral("handshakeSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_wechat = new QLabel(this);
    m_wechat->setObjectName(QStringLiteral("wechatLabel"));
    m_wechat->setWordWrap(true);
    m_wechat->hide();
    layout->addWidget(m_summary);
    layout->addWidget(m_wechat);

    auto *split = new QSplitter(Qt::Horizontal, this);
    auto *requestBox = new QWidget(split);
    auto *rl = new QVBoxLayout(requestBox);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addWidget(new QLabel(tr("<b>Request</b>: as the client sent it, and as it went upstream "
                                "(<span style='background:%1'>added</span>, "
                                "<span style='background:%2'>removed</span>, "
                                "<span style='background:%3'>changed</span>)")
                                 .arg(Colours::css(Colours::Added), Colours::css(Colours::Removed),
                                      Colours::css(Colours::Changed)),
                             requestBox));
    m_requestDiff = makeTreeWidget({tr("Header"), tr("As received"), tr("As forwarded"), tr("Change")},
                                   QStringLiteral("requestDiff"), requestBox);
    m_requestDiff->setColumnWidth(0, 170);
    m_requestDiff->setColumnWidth(1, 230);
    m_requestDiff->setColumnWidth(2, 230);
    rl->addWidget(m_requestDiff);
    auto *right = new QWidget(split);
    auto *rr = new QVBoxLayout(right);
    rr->setContentsMargins(0, 0, 0, 0);
    rr->addWidget(new QLabel(tr("<b>Response</b>"), right));
    m_responseHeaders = makeTreeWidget({tr("Header"), tr("Value")}, QStringLiteral("responseHeaders"), right);
    m_responseHeaders->setColumnWidth(0, 170);
    rr->addWidget(m_responseHeaders, 3);
    rr->addWidget(new QLabel(tr("<b>Handshake checks</b>"), right));
    m_findings = makeTreeWidget({tr("Severity"), tr("Finding"), tr("Code")}, QStringLiteral("findingsList"), right);
    m_findings->setColumnWidth(0, 80);
    m_findings->setColumnWidth(1, 320);
    m_findings->setWordWrap(true);
    rr->addWidget(m_findings, 2);
    split->addWidget(requestBox);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
}

HandshakeView::~HandshakeView() = default;

QString HandshakeView::severityText(FindingEvent::Severity severity)
{
    switch (severity) {
    case FindingEvent::Severity::Info: return tr("info");
    case FindingEvent::Severity::Warning: return tr("warning");
    case FindingEvent::Severity::Error: return tr("error");
    }
    return {};
}

void HandshakeView::showConnection(const ConnectionRecord *r)
{
    if (!r) {
        m_summary->setText(tr("Select a connection to see its handshake."));
        m_requestDiff->clear();
        m_responseHeaders->clear();
        m_findings->clear();
        m_wechat->hide();
        m_signature.clear();
        return;
    }
    // Rebuild only when something the pane shows has changed.
    const QString signature = QStringLiteral("%1/%2%3%4/%5/%6/%7/%8")
                                  .arg(r->id)
                                  .arg(r->received ? 1 : 0)
                                  .arg(r->forwarded ? 1 : 0)
                                  .arg(r->route ? 1 : 0)
                                  .arg(r->response ? r->response->head.status : 0)
                                  .arg(r->findings.size())
                                  .arg(r->violations.size())
                                  .arg(r->closed ? 1 : 0);
    if (signature == m_signature)
        return;
    m_signature = signature;
    showSummary(*r);
    showRequest(*r);
    showResponse(*r);
    showFindings(*r);
    showWeChat(*r);
}

void HandshakeView::showSummary(const ConnectionRecord &r)
{
    QStringList summary;
    if (r.received)
        summary << QStringLiteral("<b>%1</b>").arg(requestLine(*r.received).toHtmlEscaped());
    if (r.opened)
        summary << tr("from %1 on %2").arg(r.clientText().toHtmlEscaped(), r.opened->listener.toHtmlEscaped());
    if (r.route) {
        QString route = tr("location <tt>%1</tt> → %2 in group %3 (%4)")
                            .arg(r.route->location.toHtmlEscaped(), r.route->upstreamServer.toHtmlEscaped(),
                                 r.route->upstreamGroup.toHtmlEscaped(), r.route->algorithm.toHtmlEscaped());
        if (r.route->attempt > 1)
            route += QLatin1Char(' ') + tr("attempt %1").arg(r.route->attempt);
        summary << route;
    }
    if (r.tunnel) {
        QStringList t;
        if (!r.tunnel->subprotocol.isEmpty())
            t << tr("subprotocol %1").arg(r.tunnel->subprotocol.toHtmlEscaped());
        if (!r.tunnel->extensions.isEmpty())
            t << tr("extensions %1").arg(r.tunnel->extensions.toHtmlEscaped());
        summary << (t.isEmpty() ? tr("tunnel open") : tr("tunnel open: %1").arg(t.join(QStringLiteral(", "))));
    }
    if (r.closed) {
        QString close = tr("closed: %1").arg(m_connections->closeText(r).toHtmlEscaped());
        if (!r.closed->detail.isEmpty())
            close += QStringLiteral(" (%1)").arg(r.closed->detail.toHtmlEscaped());
        summary << close;
    }
    m_summary->setText(summary.join(QStringLiteral(" · ")));
}

void HandshakeView::showRequest(const ConnectionRecord &r)
{
    m_requestDiff->clear();
    if (!r.received)
        return;
    auto *line = new QTreeWidgetItem(m_requestDiff);
    line->setText(0, tr("(request line)"));
    line->setText(1, requestLine(*r.received));
    line->setText(2, r.forwarded ? requestLine(*r.forwarded) : tr("(not forwarded)"));
    if (r.forwarded && line->text(1) != line->text(2)) {
        line->setText(3, tr("changed"));
        setRowBackground(line, Colours::Changed);
    }
    if (!r.forwarded) {
        for (const HttpHeader &h : r.received->headers) {
            auto *item = new QTreeWidgetItem(m_requestDiff);
            item->setText(0, QString::fromLatin1(h.name));
            item->setText(1, QString::fromUtf8(h.value));
        }
        return;
    }
    for (const HeaderDiffRow &row : diffHeaders(r.received->headers, r.forwarded->headers)) {
        auto *item = new QTreeWidgetItem(m_requestDiff);
        item->setText(0, row.name);
        item->setText(1, row.received);
        item->setText(2, row.forwarded);
        item->setToolTip(1, row.received);
        item->setToolTip(2, row.forwarded);
        item->setData(3, Qt::UserRole, int(row.change));
        switch (row.change) {
        case HeaderDiffRow::Change::Same: break;
        case HeaderDiffRow::Change::Added:
            item->setText(3, tr("added"));
            setRowBackground(item, Colours::Added);
            break;
        case HeaderDiffRow::Change::Removed:
            item->setText(3, tr("removed"));
            setRowBackground(item, Colours::Removed);
            break;
        case HeaderDiffRow::Change::Changed:
            item->setText(3, tr("changed"));
            setRowBackground(item, Colours::Changed);
            break;
        }
    }
}

void HandshakeView::showResponse(const ConnectionRecord &r)
{
    m_responseHeaders->clear();
    if (!r.response)
        return;
    const HttpResponseHead &head = r.response->head;
    auto *status = new QTreeWidgetItem(m_responseHeaders);
    status->setText(0, r.response->fromUpstream ? tr("(status line)") : tr("(answered by the proxy)"));
    status->setText(1, QStringLiteral("HTTP/1.%1 %2 %3").arg(head.versionMinor).arg(head.status).arg(QString::fromLatin1(head.reason)));
    for (const HttpHeader &h : head.headers) {
        auto *item = new QTreeWidgetItem(m_responseHeaders);
        item->setText(0, QString::fromLatin1(h.name));
        item->setText(1, QString::fromUtf8(h.value));
    }
}

void HandshakeView::showFindings(const ConnectionRecord &r)
{
    m_findings->clear();
    for (const FindingEvent &f : r.findings) {
        auto *item = new QTreeWidgetItem(m_findings);
        item->setText(0, severityText(f.severity));
        item->setText(1, f.text);
        item->setToolTip(1, f.text);
        item->setText(2, f.code);
        if (f.severity == FindingEvent::Severity::Error)
            item->setForeground(0, Colours::Error);
        else if (f.severity == FindingEvent::Severity::Warning)
            item->setForeground(0, Colours::Warning);
    }
    for (const ViolationEvent &v : r.violations) {
        auto *item = new QTreeWidgetItem(m_findings);
        item->setText(0, tr("violation"));
        item->setText(1, v.violation.text);
        item->setText(2, QString::fromLatin1(wsViolationKindName(v.violation.kind)));
        item->setForeground(0, Colours::Error);
    }
    if (r.received && r.findings.isEmpty() && r.violations.isEmpty() && r.response) {
        auto *item = new QTreeWidgetItem(m_findings);
        item->setText(0, tr("ok"));
        item->setText(1, tr("No problems found in the handshake"));
    }
}

void HandshakeView::showWeChat(const ConnectionRecord &r)
{
    const std::optional<WeChatMiniProgram> wechat =
        r.received ? WsHandshakeCheck::weChatMiniProgram(r.received->headers) : std::nullopt;
    if (!wechat) {
        m_wechat->hide();
        return;
    }
    QString build;
    switch (wechat->build) {
    case WeChatMiniProgram::Build::DevTools: build = tr("WeChat DevTools simulator"); break;
    case WeChatMiniProgram::Build::Development: build = tr("development or trial build"); break;
    case WeChatMiniProgram::Build::Release: build = tr("release build"); break;
    }
    m_wechat->setText(tr("<b>WeChat mini-program</b>: appid <tt>%1</tt>, version %2 (%3)")
                          .arg(wechat->appId.toHtmlEscaped(), wechat->version.toHtmlEscaped(), build));
    m_wechat->show();
}
