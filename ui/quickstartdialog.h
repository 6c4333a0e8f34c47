#pragma once

#include <QDialog>
#include <QStringList>

#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

// Asks for a listen address and one or more upstream URLs and writes the
// equivalent nginx configuration (the seeds' WebSocket location), which the
// window then applies as a validated reload. With "Serve wss:// (TLS)" it
// also makes the certificate, as `wsscope cert init` and `wsscope cert issue`
// would: the local CA is created if there is none, and a certificate for the
// listen host is issued and written next to it.
class QuickStartDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QuickStartDialog)

public:
    // The files `ssl_certificate` and `ssl_certificate_key` name.
    struct TlsFiles
    {
        QString certificate; // leaf + CA chain (PEM)
        QString key;         // PKCS#8 (PEM), mode 0600
        QStringList hosts;   // subjectAltName
    };

    explicit QuickStartDialog(QWidget *parent = nullptr);

    void setListen(const QString &address);
    void setUpstreams(const QStringList &urls);
    void setTls(bool on);
    bool tls() const;
    // Where the CA lives (default: the one `wsscope cert` uses) and where
    // the issued certificate goes (default: "certs" beside the CA).
    void setTlsDirectories(const QString &caDirectory, const QString &certificateDirectory);
    QString caDirectory() const { return m_caDirectory; }
    QString certificateDirectory() const { return m_certDirectory; }

    // The configuration text, or empty with *error when an input is unusable.
    // With TLS on, this creates the CA if needed and issues the certificate.
    QString configText(QString *error);
    // What accept() generated (the dialog generates once, when accepted).
    QString generatedConfig() const { return m_generated; }
    const std::optional<TlsFiles> &tlsFiles() const { return m_tlsFiles; }

    // The same, for callers without a dialog. `tls`: serve TLS with these files.
    static QString buildConfig(const QString &listen, const QStringList &upstreams, bool keepHost,
                               int pingIntervalSeconds, QString *error, const std::optional<TlsFiles> &tls = {});
    // "HOST:PORT", "[v6]:PORT" or "PORT" -> the bare host ("127.0.0.1" for a
    // port alone) and the port; false when it is neither.
    static bool parseListen(const QString &listen, QString *host, int *port);
    // Creates the CA in `caDirectory` if it has none, issues a certificate for
    // the listen host (for a loopback or wildcard address also for localhost,
    // 127.0.0.1 and ::1) and writes it into `certificateDirectory`.
    static std::optional<TlsFiles> issueCertificate(const QString &listenHost, const QString &caDirectory,
                                                    const QString &certificateDirectory, QString *error);

    void accept() override;

private:
    void updateTlsNote();

    QLineEdit *m_listen;
    QPlainTextEdit *m_upstreams;
    QCheckBox *m_keepHost;
    QSpinBox *m_ping;
    QCheckBox *m_tls;
    QLabel *m_tlsNote;
    QLabel *m_error;
    QString m_caDirectory;
    QString m_certDirectory;
    QString m_generated;
    std::optional<TlsFiles> m_tlsFiles;
};
