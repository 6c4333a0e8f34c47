#include "quickstartdialog.h"

#include "colours.h"

#include "tls/certificateauthority.h"
#include "tls/localcertificate.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QUrl>
#include <QVBoxLayout>

QuickStartDialog::QuickStartDialog(QWidget *parent)
    : QDialog(parent)
    , m_listen(new QLineEdit(QStringLiteral("127.0.0.1:8080"), this))
    , m_upstreams(new QPlainTextEdit(QStringLiteral("ws://127.0.0.1:9000"), this))
    , m_keepHost(new QCheckBox(tr("Pass the client's Host header through (backends that check Origin keep working)"), this))
    , m_ping(new QSpinBox(this))
    , m_tls(new QCheckBox(tr("Serve wss:// (TLS)"), this))
    , m_tlsNote(new QLabel(this))
    , m_error(new QLabel(this))
    , m_caDirectory(CertificateAuthority::defaultDirectory())
    , m_certDirectory(QDir(CertificateAuthority::defaultDirectory()).absoluteFilePath(QStringLiteral("../certs")))
{
    setWindowTitle(tr("Quick start"));
    setObjectName(QStringLiteral("quickStartDialog"));
    m_listen->setObjectName(QStringLiteral("quickListen"));
    m_upstreams->setObjectName(QStringLiteral("quickUpstreams"));
    m_upstreams->setTabChangesFocus(true);
    m_upstreams->setFixedHeight(90);
    m_keepHost->setChecked(true);
    m_ping->setRange(0, 3600);
    m_ping->setSuffix(tr(" s"));
    m_ping->setSpecialValueText(tr("off"));
    m_error->setStyleSheet(QStringLiteral("color: ") + Colours::css(Colours::Error));
    m_error->setWordWrap(true);

    auto *intro = new QLabel(tr("Point a WebSocket client at the listen address; wsscope forwards it to the upstream(s) "
                                "and shows every handshake and frame. Several upstreams make one group; each client keeps reaching the same server."),
                             this);
    intro->setWordWrap(true);
    m_tls->setObjectName(QStringLiteral("quickTls"));
    m_tls->setToolTip(tr("Browsers on https pages and WeChat mini-programs only connect to wss://"));
    m_tlsNote->setObjectName(QStringLiteral("quickTlsNote"));
    m_tlsNote->setWordWrap(true);
    m_tlsNote->setTextFormat(Qt::RichText);
    connect(m_tls, &QCheckBox::toggled, this, &QuickStartDialog::updateTlsNote);
    m_certDirectory = QDir::cleanPath(m_certDirectory);
    updateTlsNote();

    auto *form = new QFormLayout;
    form->addRow(tr("Listen on:"), m_listen);
    form->addRow(tr("Upstream URLs (one per line):"), m_upstreams);
    form->addRow(QString(), m_keepHost);
    form->addRow(tr("Keepalive ping every:"), m_ping);
    form->addRow(QString(), m_tls);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Write configuration"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QuickStartDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QuickStartDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_tlsNote);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    resize(560, 0);
}

void QuickStartDialog::setListen(const QString &address)
{
    m_listen->setText(address);
}

void QuickStartDialog::setUpstreams(const QStringList &urls)
{
    m_upstreams->setPlainText(urls.join(QLatin1Char('\n')));
}

void QuickStartDialog::setTls(bool on)
{
    m_tls->setChecked(on);
}

bool QuickStartDialog::tls() const
{
    return m_tls->isChecked();
}

void QuickStartDialog::setTlsDirectories(const QString &caDirectory, const QString &certificateDirectory)
{
    m_caDirectory = caDirectory;
    m_certDirectory = certificateDirectory;
    updateTlsNote();
}

void QuickStartDialog::updateTlsNote()
{
    const bool haveCa = CertificateAuthority::existsIn(m_caDirectory);
    const QString ca = QDir::toNativeSeparators(m_caDirectory).toHtmlEscaped();
    const QString certs = QDir::toNativeSeparators(m_certDirectory).toHtmlEscaped();
    m_tlsNote->setText((haveCa ? tr("The certificate is issued by the local CA in <tt>%1</tt> (as <tt>wsscope cert "
                                    "issue</tt> does) and written into <tt>%2</tt>.")
                               : tr("The local CA does not exist yet: it is created in <tt>%1</tt> (as <tt>wsscope "
                                    "cert init</tt> does), then the certificate is issued into <tt>%2</tt>."))
                           .arg(ca, certs)
                       + QLatin1Char(' ')
                       + tr("Clients must trust the CA once: <tt>wsscope cert show</tt> says how."));
    m_tlsNote->setVisible(m_tls->isChecked());
}

QString QuickStartDialog::configText(QString *error)
{
    const QStringList urls = m_upstreams->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const QString listen = m_listen->text().trimmed();
    std::optional<TlsFiles> files;
    if (m_tls->isChecked()) {
        QString host;
        int port = 0;
        // An unusable address is reported by buildConfig below.
        if (parseListen(listen, &host, &port)) {
            // Check the rest first: no certificate for a configuration that is not written.
            if (buildConfig(listen, urls, m_keepHost->isChecked(), m_ping->value(), error).isEmpty())
                return {};
            files = issueCertificate(host, m_caDirectory, m_certDirectory, error);
            if (!files)
                return {};
        }
    }
    const QString text = buildConfig(listen, urls, m_keepHost->isChecked(), m_ping->value(), error, files);
    m_tlsFiles = text.isEmpty() ? std::nullopt : files;
    return text;
}

void QuickStartDialog::accept()
{
    QString error;
    m_generated = configText(&error);
    if (m_generated.isEmpty()) {
        m_error->setText(error);
        return;
    }
    QDialog::accept();
}

bool QuickStartDialog::parseListen(const QString &listen, QString *host, int *port)
{
    const qsizetype colon = listen.lastIndexOf(QLatin1Char(':'));
    const bool bracketed = listen.startsWith(QLatin1Char('['));
    // "::1" alone is an address without a port, not host ":" and port "1".
    if (colon >= 0 && !bracketed && listen.count(QLatin1Char(':')) > 1)
        return false;
    QString bareHost = colon < 0 ? QStringLiteral("127.0.0.1") : listen.left(colon);
    bool portOk = false;
    const int number = (colon < 0 ? listen : listen.mid(colon + 1)).toInt(&portOk);
    if (bareHost.startsWith(QLatin1Char('[')) && bareHost.endsWith(QLatin1Char(']')))
        bareHost = bareHost.mid(1, bareHost.size() - 2);
    if (!portOk || number < 0 || number > 65535
        || (QHostAddress(bareHost).isNull() && bareHost != QLatin1String("localhost")))
        return false;
    *host = bareHost;
    *port = number;
    return true;
}

namespace {

// nginx quoting for a path: bare when it is one plain token.
QString configWord(const QString &text)
{
    static const QString special = QStringLiteral(" \t;{}#\"'$\\");
    bool plain = !text.isEmpty();
    for (QChar c : text)
        plain = plain && !special.contains(c);
    if (plain)
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace

std::optional<QuickStartDialog::TlsFiles> QuickStartDialog::issueCertificate(const QString &listenHost,
                                                                             const QString &caDirectory,
                                                                             const QString &certificateDirectory,
                                                                             QString *error)
{
    // A loopback or wildcard listener is reached as localhost, 127.0.0.1 or ::1.
    QStringList hosts;
    const QHostAddress address(listenHost);
    if (listenHost == QLatin1String("localhost") || address.isLoopback()
        || address == QHostAddress(QHostAddress::AnyIPv4) || address == QHostAddress(QHostAddress::AnyIPv6)) {
        hosts = {QStringLiteral("localhost"), QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
        if (address.isLoopback() && !hosts.contains(address.toString()))
            hosts << address.toString();
    } else {
        hosts = {listenHost};
    }
    QString name = listenHost;
    name.replace(QLatin1Char(':'), QLatin1Char('_'));
    // The CA is created if there is none; the certificate is reused while it
    // covers these names and has a month left (as quick mode's --tls does).
    LocalCertificate cert;
    QString why;
    if (!LocalCertificate::ensure(hosts, caDirectory, &cert, &why,
                                  QDir(certificateDirectory).absoluteFilePath(QStringLiteral("quickstart-%1").arg(name)))) {
        *error = tr("Cannot issue a certificate for %1 from the local CA in %2: %3")
                     .arg(hosts.join(QStringLiteral(", ")), QDir::toNativeSeparators(caDirectory), why);
        return std::nullopt;
    }
    TlsFiles files;
    files.certificate = cert.chainFile;
    files.key = cert.keyFile;
    files.hosts = cert.hosts;
    return files;
}

QString QuickStartDialog::buildConfig(const QString &listen, const QStringList &upstreamUrls, bool keepHost,
                                      int pingIntervalSeconds, QString *error, const std::optional<TlsFiles> &tls)
{
    QString bareHost;
    int port = 0;
    if (!parseListen(listen, &bareHost, &port)) {
        *error = tr("The listen address \"%1\" is not HOST:PORT (for example 127.0.0.1:8080).").arg(listen);
        return {};
    }

    QStringList servers;
    QString path;
    QString firstHost;
    std::optional<bool> upstreamTls; // wss:// / https:// for the whole group, or none
    for (const QString &raw : upstreamUrls) {
        const QString text = raw.trimmed();
        if (text.isEmpty())
            continue;
        const QUrl url(text, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        const bool secure = scheme == QLatin1String("wss") || scheme == QLatin1String("https");
        if (!url.isValid() || url.host().isEmpty()
            || (!secure && scheme != QLatin1String("ws") && scheme != QLatin1String("http"))) {
            *error = tr("\"%1\" is not a ws://, wss://, http:// or https:// URL with a host.").arg(text);
            return {};
        }
        if (upstreamTls && *upstreamTls != secure) {
            *error = tr("The upstreams must all use TLS (wss://) or all not (ws://).");
            return {};
        }
        upstreamTls = secure;
        if (firstHost.isEmpty())
            firstHost = url.host();
        const QString urlHost = url.host().contains(QLatin1Char(':')) ? QLatin1Char('[') + url.host() + QLatin1Char(']')
                                                                       : url.host();
        servers << QStringLiteral("%1:%2").arg(urlHost).arg(url.port(secure ? 443 : 80));
        const QString urlPath = url.path(QUrl::FullyEncoded);
        if (!urlPath.isEmpty() && urlPath != QLatin1String("/"))
            path = urlPath;
    }
    if (servers.isEmpty()) {
        *error = tr("Give at least one upstream URL, for example ws://127.0.0.1:9000.");
        return {};
    }

    QString out;
    out += QStringLiteral("# Written by the wsscope Quick start dialog: the WebSocket location of the\n"
                          "# nginx articles, with the client's headers forwarded for the upgrade.\n"
                          "http {\n"
                          "    map $http_upgrade $connection_upgrade {\n"
                          "        default upgrade;\n"
                          "        ''      close;\n"
                          "    }\n\n"
                          "    upstream quickstart {\n");
    for (const QString &s : std::as_const(servers))
        out += QStringLiteral("        server %1;\n").arg(s);
    if (servers.size() > 1)
        out += QStringLiteral("        hash $remote_addr consistent;   # the same client reaches the same server\n");
    out += QStringLiteral("    }\n\n"
                          "    server {\n");
    if (tls) {
        out += QStringLiteral("        listen %1 ssl;\n"
                              "        # Issued by the local CA (wsscope cert) for %2\n"
                              "        ssl_certificate     %3;\n"
                              "        ssl_certificate_key %4;\n\n")
                   .arg(listen, tls->hosts.join(QStringLiteral(", ")), configWord(tls->certificate), configWord(tls->key));
    } else {
        out += QStringLiteral("        listen %1;\n\n").arg(listen);
    }
    out += QStringLiteral("        location / {\n"
                          "            proxy_pass %1://quickstart%2;\n"
                          "            proxy_http_version 1.1;\n")
               .arg(upstreamTls.value_or(false) ? QStringLiteral("https") : QStringLiteral("http"), path);
    if (upstreamTls.value_or(false)) {
        // TLS toward the upstream: SNI with its own name (not "quickstart").
        out += QStringLiteral("            proxy_ssl_server_name on;\n"
                              "            proxy_ssl_name %1;\n")
                   .arg(configWord(firstHost));
    }
    out += keepHost ? QStringLiteral("            proxy_set_header Host $http_host;\n")
                    : QStringLiteral("            proxy_set_header Host $proxy_host;\n");
    out += QStringLiteral("            proxy_set_header Upgrade $http_upgrade;\n"
                          "            proxy_set_header Connection $connection_upgrade;\n"
                          "            proxy_set_header X-Real-IP $remote_addr;\n"
                          "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                          "            proxy_set_header X-Forwarded-Proto $scheme;\n"
                          "            proxy_read_timeout 1h;\n"
                          "            proxy_send_timeout 1h;\n");
    if (pingIntervalSeconds > 0)
        out += QStringLiteral("            ws_ping_interval %1s;\n").arg(pingIntervalSeconds);
    out += QStringLiteral("        }\n"
                          "    }\n"
                          "}\n");
    return out;
}
