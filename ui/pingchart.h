#pragma once

#include "inspect/connectionrecord.h"

#include <QList>
#include <QWidget>

// Round-trip times of one connection's pings over time, drawn with QPainter:
// a line of RTTs, timeouts marked in red, min/avg/max in the corner.
class PingChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PingChart)

public:
    explicit PingChart(QWidget *parent = nullptr);

    void setSamples(const QList<PingSample> &samples);
    const QList<PingSample> &samples() const { return m_samples; }
    // "min 0.21 ms · avg 0.40 ms · max 1.02 ms · 2 timeouts"
    QString summaryText() const;

    QSize sizeHint() const override { return {480, 220}; }
    QSize minimumSizeHint() const override { return {200, 120}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QList<PingSample> m_samples;
};
