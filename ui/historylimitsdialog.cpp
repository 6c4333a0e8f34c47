#include "historylimitsdialog.h"

#include "connectionsmodel.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {

QSpinBox *spinBox(int min, int max, int step, const QString &name, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(min, max);
    box->setSingleStep(step);
    box->setGroupSeparatorShown(true);
    return box;
}

} // namespace

HistoryLimitsDialog::HistoryLimitsDialog(const Limits &limits, QWidget *parent)
    : QDialog(parent)
    , m_framesPerConnection(spinBox(1'000, 1'000'000, 1'000, QStringLiteral("limitFramesPerConnection"), this))
    , m_framesTotal(spinBox(10'000, 10'000'000, 10'000, QStringLiteral("limitFramesTotal"), this))
    , m_frameMemory(spinBox(16, 8'192, 16, QStringLiteral("limitFrameMemory"), this))
    , m_closedConnections(spinBox(100, 200'000, 100, QStringLiteral("limitClosedConnections"), this))
    , m_connections(spinBox(1'000, 200'000, 1'000, QStringLiteral("limitConnections"), this))
{
    setWindowTitle(tr("History limits"));
    setObjectName(QStringLiteral("historyLimitsDialog"));
    m_frameMemory->setSuffix(tr(" MiB"));

    auto *intro = new QLabel(tr("The inspector keeps a bounded history so that its memory stays flat however long it "
                                "runs. When a limit is reached the oldest entries go first: older frames of a "
                                "connection (the frames view says how many were dropped), then the oldest closed "
                                "connections. Open connections are removed only past the limit on all connections."),
                             this);
    intro->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("Frames kept per connection:"), m_framesPerConnection);
    form->addRow(tr("Frames kept in total:"), m_framesTotal);
    form->addRow(tr("Memory for frames, at most:"), m_frameMemory);
    form->addRow(tr("Closed connections kept:"), m_closedConnections);
    form->addRow(tr("Connections kept in total:"), m_connections);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel
                                             | QDialogButtonBox::RestoreDefaults,
                                         this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            [this] { setLimits(defaults()); });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(buttons);
    setLimits(limits);
    resize(480, 0);
}

void HistoryLimitsDialog::setLimits(const Limits &limits)
{
    m_framesPerConnection->setValue(limits.framesPerConnection);
    m_framesTotal->setValue(int(std::min<qint64>(limits.framesTotal, m_framesTotal->maximum())));
    m_frameMemory->setValue(limits.frameMemoryMiB);
    m_closedConnections->setValue(limits.closedConnections);
    m_connections->setValue(limits.connections);
}

HistoryLimitsDialog::Limits HistoryLimitsDialog::limits() const
{
    Limits out;
    out.framesPerConnection = m_framesPerConnection->value();
    out.framesTotal = m_framesTotal->value();
    out.frameMemoryMiB = m_frameMemory->value();
    out.closedConnections = m_closedConnections->value();
    out.connections = m_connections->value();
    return out;
}

HistoryLimitsDialog::Limits HistoryLimitsDialog::defaults()
{
    Limits out;
    out.framesPerConnection = ConnectionsModel::DefaultMaxFramesPerConnection;
    out.framesTotal = ConnectionsModel::DefaultMaxFramesTotal;
    out.frameMemoryMiB = int(ConnectionsModel::DefaultMaxFrameMemory >> 20);
    out.closedConnections = ConnectionsModel::DefaultMaxClosedConnections;
    out.connections = ConnectionsModel::DefaultMaxConnections;
    return out;
}

HistoryLimitsDialog::Limits HistoryLimitsDialog::current(const ConnectionsModel *model)
{
    Limits out;
    out.framesPerConnection = model->maxFramesPerConnection();
    out.framesTotal = model->maxFramesTotal();
    out.frameMemoryMiB = int(model->maxFrameMemory() >> 20);
    out.closedConnections = model->maxClosedConnections();
    out.connections = model->maxConnections();
    return out;
}

void HistoryLimitsDialog::apply(const Limits &limits, ConnectionsModel *model)
{
    model->setMaxFramesPerConnection(limits.framesPerConnection);
    model->setMaxFramesTotal(limits.framesTotal);
    model->setMaxFrameMemory(qint64(limits.frameMemoryMiB) << 20);
    model->setMaxClosedConnections(limits.closedConnections);
    model->setMaxConnections(limits.connections);
    model->flush(); // lowered caps take effect now
}

HistoryLimitsDialog::Limits HistoryLimitsDialog::load(const QSettings &settings)
{
    const Limits d = defaults();
    Limits out;
    out.framesPerConnection = settings.value(QStringLiteral("history/framesPerConnection"), d.framesPerConnection).toInt();
    out.framesTotal = settings.value(QStringLiteral("history/framesTotal"), d.framesTotal).toLongLong();
    out.frameMemoryMiB = settings.value(QStringLiteral("history/frameMemoryMiB"), d.frameMemoryMiB).toInt();
    out.closedConnections = settings.value(QStringLiteral("history/closedConnections"), d.closedConnections).toInt();
    out.connections = settings.value(QStringLiteral("history/connections"), d.connections).toInt();
    return out;
}

void HistoryLimitsDialog::save(const Limits &limits, QSettings *settings)
{
    settings->setValue(QStringLiteral("history/framesPerConnection"), limits.framesPerConnection);
    settings->setValue(QStringLiteral("history/framesTotal"), limits.framesTotal);
    settings->setValue(QStringLiteral("history/frameMemoryMiB"), limits.frameMemoryMiB);
    settings->setValue(QStringLiteral("history/closedConnections"), limits.closedConnections);
    settings->setValue(QStringLiteral("history/connections"), limits.connections);
}
