#pragma once

#include <QDialog>
#include <QStringList>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

// Asks for a listen address and one or more upstream URLs and writes the
// equivalent nginx configuration (the seeds' WebSocket location), which the
// window then applies as a validated reload.
class QuickStartDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QuickStartDialog)

public:
    explicit QuickStartDialog(QWidget *parent = nullptr);

    void setListen(const QString &address);
    void setUpstreams(const QStringList &urls);
    // The configuration text, or empty with *error when an input is unusable.
    QString configText(QString *error) const;
    // The same, for callers without a dialog.
    static QString buildConfig(const QString &listen, const QStringList &upstreams, bool keepHost,
                               int pingIntervalSeconds, QString *error);

    void accept() override;

private:
    QLineEdit *m_listen;
    QPlainTextEdit *m_upstreams;
    QCheckBox *m_keepHost;
    QSpinBox *m_ping;
    QLabel *m_error;
};
