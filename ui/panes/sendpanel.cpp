#include "sendpanel.h"

#include "connectionsmodel.h"
#include "framesmodel.h"
#include "remote/inspectorsource.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtEndian>

SendPanel::SendPanel(InspectorSource *source, ConnectionsModel *connections, QWidget *parent)
    : QWidget(parent)
    , m_source(source)
    , m_connections(connections)
{
    setObjectName(QStringLiteral("sendPanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 6, 0, 0);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("<b>Send</b>"), this));
    m_type = new QComboBox(this);
    m_type->setObjectName(QStringLiteral("sendType"));
    m_type->addItem(tr("Text"), int(WsOpcode::Text));
    m_type->addItem(tr("Binary (hex)"), int(WsOpcode::Binary));
    m_type->addItem(tr("Ping"), int(WsOpcode::Ping));
    m_type->addItem(tr("Close"), int(WsOpcode::Close));
    m_direction = new QComboBox(this);
    m_direction->setObjectName(QStringLiteral("sendDirection"));
    m_direction->addItem(tr("to the upstream"), int(Direction::ClientToUpstream));
    m_direction->addItem(tr("to the client"), int(Direction::UpstreamToClient));
    m_closeCode = new QSpinBox(this);
    m_closeCode->setObjectName(QStringLiteral("sendCloseCode"));
    m_closeCode->setRange(1000, 4999);
    m_closeCode->setValue(1000);
    m_closeCode->setPrefix(tr("code "));
    m_closeCode->setEnabled(false);
    m_send = new QPushButton(tr("Send"), this);
    m_send->setObjectName(QStringLiteral("sendButton"));
    row->addWidget(m_type);
    row->addWidget(m_direction);
    row->addWidget(m_closeCode);
    row->addStretch();
    row->addWidget(m_send);
    layout->addLayout(row);
    m_payload = new QPlainTextEdit(this);
    m_payload->setObjectName(QStringLiteral("sendPayload"));
    m_payload->setPlaceholderText(tr("Message text, hex bytes, ping payload or close reason"));
    m_payload->setFixedHeight(fontMetrics().height() * 4);
    layout->addWidget(m_payload);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("sendStatus"));
    layout->addWidget(m_status);
    connect(m_send, &QPushButton::clicked, this, &SendPanel::handleSend);
    connect(m_type, &QComboBox::currentIndexChanged, this, &SendPanel::handleTypeChanged);
    connect(m_source, &InspectorSource::linkChanged, this, &SendPanel::refreshAllowed);
    connect(m_source, &InspectorSource::injectRefused, this, [this](quint64 id, const QString &reason) {
        m_status->setText(tr("#%1: not sent: %2").arg(m_connections->connectionLabel(id), reason));
        emit messageLogged(tr("#%1 injection refused: %2").arg(m_connections->connectionLabel(id), reason));
    });
    refreshAllowed();
}

void SendPanel::refreshAllowed()
{
    const bool allowed = m_source->canInject();
    m_send->setEnabled(allowed);
    m_send->setToolTip(allowed ? QString() : tr("This inspection channel is read-only (--inspect-readonly): it refuses injection"));
}

SendPanel::~SendPanel() = default;

void SendPanel::handleTypeChanged()
{
    const auto op = WsOpcode(m_type->currentData().toInt());
    m_closeCode->setEnabled(op == WsOpcode::Close);
}

void SendPanel::handleSend()
{
    const ConnectionRecord *r = m_connections->record(m_connectionId);
    if (!r || !r->tunnel || r->closed) {
        m_status->setText(tr("Select an open WebSocket connection first."));
        return;
    }
    const auto op = WsOpcode(m_type->currentData().toInt());
    const auto direction = Direction(m_direction->currentData().toInt());
    const QString text = m_payload->toPlainText();
    QByteArray payload;
    switch (op) {
    case WsOpcode::Binary: {
        QString hex = text;
        hex.remove(QRegularExpression(QStringLiteral("\\s|0x|,")));
        if (hex.size() % 2 != 0 || hex.contains(QRegularExpression(QStringLiteral("[^0-9A-Fa-f]")))) {
            m_status->setText(tr("Binary payloads are hex bytes, e.g. \"01 02 ff\"."));
            return;
        }
        payload = QByteArray::fromHex(hex.toLatin1());
        break;
    }
    case WsOpcode::Close: {
        // RFC 6455 5.5.1: a close body starts with the status code, network order.
        payload.resize(2);
        qToBigEndian<quint16>(quint16(m_closeCode->value()), payload.data());
        payload += text.toUtf8();
        break;
    }
    default:
        payload = text.toUtf8();
        break;
    }
    if (wsIsControlOpcode(op) && payload.size() > 125) {
        m_status->setText(tr("Control frames carry at most 125 bytes (RFC 6455 5.5)."));
        return;
    }
    m_source->inject(m_connectionId, direction, op, payload);
    const QString where = direction == Direction::ClientToUpstream ? tr("to the upstream") : tr("to the client");
    m_status->setText(tr("Sent %1 (%n byte(s)) %2", nullptr, int(payload.size())).arg(FramesModel::opcodeText(op), where));
    emit messageLogged(tr("#%1 injected %2 frame (%3 bytes) %4")
                           .arg(m_connections->connectionLabel(m_connectionId))
                           .arg(FramesModel::opcodeText(op))
                           .arg(payload.size())
                           .arg(where));
}
