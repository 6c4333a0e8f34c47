#include "pingchart.h"

#include "colours.h"

#include <QDateTime>
#include <QPainter>
#include <QPainterPath>

PingChart::PingChart(QWidget *parent)
    : QWidget(parent)
{
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
}

void PingChart::setSamples(const QList<PingSample> &samples)
{
    m_samples = samples;
    update();
}

QString PingChart::summaryText() const
{
    qint64 min = -1;
    qint64 max = 0;
    qint64 sum = 0;
    int count = 0;
    int timeouts = 0;
    for (const PingSample &s : m_samples) {
        if (s.roundTripUs < 0) {
            ++timeouts;
            continue;
        }
        min = min < 0 ? s.roundTripUs : std::min(min, s.roundTripUs);
        max = std::max(max, s.roundTripUs);
        sum += s.roundTripUs;
        ++count;
    }
    if (count == 0 && timeouts == 0)
        return tr("No ping round trips yet");
    auto ms = [](double us) { return QString::number(us / 1000.0, 'f', 2); };
    QString text = count ? tr("%n round trip(s): min %1 ms · avg %2 ms · max %3 ms", nullptr, count)
                               .arg(ms(double(min)), ms(double(sum) / count), ms(double(max)))
                         : QString();
    if (timeouts)
        text += (text.isEmpty() ? QString() : QStringLiteral(" · ")) + tr("%n timeout(s)", nullptr, timeouts);
    return text;
}

void PingChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area = QRectF(rect()).adjusted(56, 28, -16, -28);
    const QColor axis = palette().color(QPalette::Mid);
    const QColor text = palette().color(QPalette::Text);

    p.setPen(text);
    p.drawText(QRectF(8, 4, width() - 16, 20), Qt::AlignLeft | Qt::AlignVCenter, summaryText());
    if (m_samples.isEmpty()) {
        p.setPen(axis);
        p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Pings sent by the client, the upstream or the proxy (ws_ping_interval) and their pongs appear here."));
        return;
    }

    qint64 t0 = m_samples.constFirst().wallMs;
    qint64 t1 = m_samples.constLast().wallMs;
    qint64 maxUs = 1000;
    for (const PingSample &s : m_samples)
        maxUs = std::max(maxUs, s.roundTripUs);
    maxUs = qint64(double(maxUs) * 1.15);
    if (t1 <= t0)
        t1 = t0 + 1000;
    auto x = [&](qint64 t) { return area.left() + area.width() * double(t - t0) / double(t1 - t0); };
    auto y = [&](qint64 us) { return area.bottom() - area.height() * double(us) / double(maxUs); };

    // Axes with three RTT grid lines and the time span.
    p.setPen(axis);
    p.drawLine(area.bottomLeft(), area.bottomRight());
    p.drawLine(area.bottomLeft(), area.topLeft());
    for (int i = 1; i <= 3; ++i) {
        const qint64 us = maxUs * i / 3;
        const double yy = y(us);
        p.setPen(QPen(axis, 1, Qt::DotLine));
        p.drawLine(QPointF(area.left(), yy), QPointF(area.right(), yy));
        p.setPen(text);
        p.drawText(QRectF(0, yy - 9, area.left() - 4, 18), Qt::AlignRight | Qt::AlignVCenter,
                   tr("%1 ms").arg(double(us) / 1000.0, 0, 'f', 1));
    }
    const QString from = QDateTime::fromMSecsSinceEpoch(t0).toString(QStringLiteral("HH:mm:ss"));
    const QString to = QDateTime::fromMSecsSinceEpoch(t1).toString(QStringLiteral("HH:mm:ss"));
    p.drawText(QRectF(area.left(), area.bottom() + 4, 120, 18), Qt::AlignLeft, from);
    p.drawText(QRectF(area.right() - 120, area.bottom() + 4, 120, 18), Qt::AlignRight, to);

    QPainterPath line;
    bool started = false;
    for (const PingSample &s : m_samples) {
        if (s.roundTripUs < 0)
            continue;
        const QPointF pt(x(s.wallMs), y(s.roundTripUs));
        if (!started) {
            line.moveTo(pt);
            started = true;
        } else {
            line.lineTo(pt);
        }
    }
    p.setPen(QPen(Colours::Note, 1.5));
    p.drawPath(line);
    for (const PingSample &s : m_samples) {
        if (s.roundTripUs < 0) {
            // A timeout: a red cross on the time axis.
            const double xx = x(s.wallMs);
            const double yy = area.bottom() - 6;
            p.setPen(QPen(Colours::Error, 2));
            p.drawLine(QPointF(xx - 5, yy - 5), QPointF(xx + 5, yy + 5));
            p.drawLine(QPointF(xx - 5, yy + 5), QPointF(xx + 5, yy - 5));
        } else {
            p.setPen(Qt::NoPen);
            p.setBrush(s.proxy ? Colours::Doctor : Colours::Note);
            p.drawEllipse(QPointF(x(s.wallMs), y(s.roundTripUs)), 3, 3);
        }
    }
}
