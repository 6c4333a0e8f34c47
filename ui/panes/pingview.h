#pragma once

#include <QWidget>

class PingChart;
struct ConnectionRecord;

// The ping timing tab: the selected connection's ping round trips
// (PingChart) and what they mean.
class PingView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PingView)

public:
    explicit PingView(QWidget *parent = nullptr);
    ~PingView() override;

    // Shows `r`'s pings (nullptr: none). The chart is fed only when the
    // samples changed; call reset() first when another connection is selected.
    void showConnection(const ConnectionRecord *r);
    // Forgets what is shown, so the next showConnection() feeds the chart.
    void reset()
    {
        m_count = -1;
        m_newestMs = 0;
    }
    PingChart *chart() const { return m_chart; }

private:
    PingChart *m_chart = nullptr;
    qsizetype m_count = -1; // samples shown; -1: none yet
    qint64 m_newestMs = 0;  // the newest sample's time
};
