#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

class QSslSocket;
class QTimer;

struct TlsCheckOptions
{
    QString host;
    quint16 port = 443;
    QString serverName;  // SNI and the name the certificate must match; default: host
    QString path;        // non-empty: try a WebSocket handshake on this path
    QString subprotocol; // requested in Sec-WebSocket-Protocol (implies a handshake, on "/" if no path)
    QString caFile;      // extra trusted roots (PEM), e.g. the wsscope local CA
    bool systemRoots = true;
    int timeoutMs = 10000;

    QString effectiveServerName() const { return serverName.isEmpty() ? host : serverName; }
};

struct TlsFinding
{
    enum class Severity : quint8 { Info, Warning, Error };
    Severity severity = Severity::Info;
    QString code;    // stable identifier, e.g. "chain-incomplete"
    QString message; // what is wrong
    QString fix;     // the one-line fix (empty for Info)
};

struct TlsCertificateInfo
{
    QString subject;
    QString issuer;
    QStringList altNames; // "DNS:..." / "IP:..."
    QDateTime notBefore;
    QDateTime notAfter;
    QString keyType; // "RSA", "EC", "ED25519", ...
    int keyBits = 0;
    QString signatureAlgorithm;
    bool isCa = false;
    bool selfSigned = false;
    QString sha256;
};

struct TlsCheckReport
{
    QString target;     // host:port
    QString serverName; // SNI / name checked
    bool connected = false;
    QString connectError;

    QString protocol; // "TLSv1.3", "TLSv1.2", or "older than TLSv1.2"
    QString cipher;
    bool forwardSecret = false;
    QString alpn;

    QList<TlsCertificateInfo> chain; // as served, leaf first
    bool chainComplete = false;
    bool trusted = false;
    QString verifyError;
    bool nameMatches = false;
    qint64 daysLeft = 0;

    bool atsCompatible = false;    // iOS App Transport Security
    bool wechatCompatible = false; // WeChat mini-program wss:// requirements
    QStringList compatibilityProblems;

    bool wsAttempted = false;
    int wsStatus = 0;
    bool wsAcceptValid = false;
    QString wsRequestedProtocol;
    QString wsProtocol;

    QList<TlsFinding> findings;

    bool hasErrors() const;
    QJsonObject toJson() const;
    QString toText() const;
    void add(TlsFinding::Severity severity, const QString &code, const QString &message, const QString &fix = {});
};

// The certificate part of the check, without a network: analyses a served
// chain (DER, leaf first) for `serverName` against the system roots and/or
// `caFile`, as of `now`. Fills chain, trust, name, expiry and key/signature
// findings; the compatibility verdict needs the protocol too (finalize()).
namespace TlsChainAnalysis {
void analyze(const QList<QByteArray> &servedDer, const TlsCheckOptions &options, const QDateTime &now,
             TlsCheckReport *report);
// Derives atsCompatible/wechatCompatible from everything collected.
void finalize(TlsCheckReport *report);
} // namespace TlsChainAnalysis

// Connects like a client (QSslSocket, without verification so that a broken
// chain can still be examined), optionally performs a WebSocket handshake,
// and reports what WeChat / iOS clients would object to. Asynchronous:
// start(), then finished() once report() is complete.
class TlsChecker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TlsChecker)

public:
    explicit TlsChecker(QObject *parent = nullptr);
    ~TlsChecker() override;

    void start(const TlsCheckOptions &options);
    const TlsCheckReport &report() const { return m_report; }
    bool isFinished() const { return m_finished; }

signals:
    void finished();

private:
    void handleEncrypted();
    void handleReadyRead();
    void handleError();
    void handleTimeout();
    void finish();

    TlsCheckOptions m_options;
    TlsCheckReport m_report;
    QSslSocket *m_socket = nullptr;
    QTimer *m_timer = nullptr;
    QByteArray m_wsKey;
    QByteArray m_response;
    bool m_encrypted = false;
    bool m_finished = false;
};
