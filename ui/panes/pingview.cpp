#include "pingview.h"

#include "inspect/connectionrecord.h"
#include "pingchart.h"

#include <QLabel>
#include <QVBoxLayout>

PingView::PingView(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    m_chart = new PingChart(this);
    m_chart->setObjectName(QStringLiteral("pingChart"));
    layout->addWidget(m_chart, 1);
    auto *note = new QLabel(tr("Round trips of pings and their pongs on this connection: the client's or upstream's own "
                               "pings (matched by payload) and the proxy's keepalive pings (ws_ping_interval, "
                               "purple). Red crosses: pings that were never answered."),
                            this);
    note->setWordWrap(true);
    layout->addWidget(note);
}

PingView::~PingView() = default;

void PingView::showConnection(const ConnectionRecord *r)
{
    if (!r) {
        m_chart->setSamples({});
        reset();
        return;
    }
    // Samples are only appended, the oldest dropped at the cap: the count and
    // the newest sample's time tell whether the chart changed (the count
    // alone stops changing once the cap is reached).
    const qint64 newest = r->pings.isEmpty() ? 0 : r->pings.constLast().wallMs;
    if (r->pings.size() == m_count && newest == m_newestMs)
        return;
    m_count = r->pings.size();
    m_newestMs = newest;
    m_chart->setSamples(r->pings);
}
