#pragma once

#include <QWidget>

class ConnectionsModel;
class InspectorSource;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

// Below the frame detail: composes a text, binary (hex), ping or close frame
// and injects it into the selected connection toward the upstream or the
// client (InspectorSource::inject). Checks what RFC 6455 asks of it first.
class SendPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SendPanel)

public:
    SendPanel(InspectorSource *source, ConnectionsModel *connections, QWidget *parent = nullptr);
    ~SendPanel() override;

    // The connection frames go to (0: none).
    void setConnection(quint64 id) { m_connectionId = id; }

signals:
    // A line for the window's log (a frame was injected).
    void messageLogged(const QString &line);

private:
    void handleSend();
    void handleTypeChanged();
    void refreshAllowed();

    InspectorSource *m_source;
    ConnectionsModel *m_connections;
    quint64 m_connectionId = 0;
    QComboBox *m_type = nullptr;
    QComboBox *m_direction = nullptr;
    QPlainTextEdit *m_payload = nullptr;
    QSpinBox *m_closeCode = nullptr;
    QPushButton *m_send = nullptr;
    QLabel *m_status = nullptr;
};
