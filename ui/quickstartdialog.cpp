#include "quickstartdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
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
    , m_error(new QLabel(this))
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
    m_error->setStyleSheet(QStringLiteral("color: #c01c28"));
    m_error->setWordWrap(true);

    auto *intro = new QLabel(tr("Point a WebSocket client at the listen address; wsscope forwards it to the upstream(s) "
                                "and shows every handshake and frame. Several upstreams make one group; each client keeps reaching the same server."),
                             this);
    intro->setWordWrap(true);
    auto *tls = new QLabel(tr("TLS listeners (certificates from <tt>wsscope cert</tt>) arrive with the TLS work; "
                              "this dialog writes plain ws:// listeners."),
                           this);
    tls->setWordWrap(true);
    tls->setEnabled(false);

    auto *form = new QFormLayout;
    form->addRow(tr("Listen on:"), m_listen);
    form->addRow(tr("Upstream URLs (one per line):"), m_upstreams);
    form->addRow(QString(), m_keepHost);
    form->addRow(tr("Keepalive ping every:"), m_ping);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Write configuration"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QuickStartDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QuickStartDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(tls);
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

QString QuickStartDialog::configText(QString *error) const
{
    const QStringList urls = m_upstreams->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return buildConfig(m_listen->text().trimmed(), urls, m_keepHost->isChecked(), m_ping->value(), error);
}

void QuickStartDialog::accept()
{
    QString error;
    if (configText(&error).isEmpty()) {
        m_error->setText(error);
        return;
    }
    QDialog::accept();
}

QString QuickStartDialog::buildConfig(const QString &listen, const QStringList &upstreamUrls, bool keepHost,
                                      int pingIntervalSeconds, QString *error)
{
    // The listen address: HOST:PORT, [v6]:PORT or PORT.
    const qsizetype colon = listen.lastIndexOf(QLatin1Char(':'));
    const QString host = colon < 0 ? QStringLiteral("127.0.0.1") : listen.left(colon);
    bool portOk = false;
    const int port = (colon < 0 ? listen : listen.mid(colon + 1)).toInt(&portOk);
    QString bareHost = host;
    if (bareHost.startsWith(QLatin1Char('[')) && bareHost.endsWith(QLatin1Char(']')))
        bareHost = bareHost.mid(1, bareHost.size() - 2);
    if (!portOk || port < 0 || port > 65535 || (QHostAddress(bareHost).isNull() && bareHost != QLatin1String("localhost"))) {
        *error = tr("The listen address \"%1\" is not HOST:PORT (for example 127.0.0.1:8080).").arg(listen);
        return {};
    }

    QStringList servers;
    QString path;
    for (const QString &raw : upstreamUrls) {
        const QString text = raw.trimmed();
        if (text.isEmpty())
            continue;
        const QUrl url(text, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || url.host().isEmpty() || (scheme != QLatin1String("ws") && scheme != QLatin1String("http"))) {
            *error = scheme == QLatin1String("wss") || scheme == QLatin1String("https")
                ? tr("\"%1\": TLS upstreams are not supported yet; use ws:// or http://.").arg(text)
                : tr("\"%1\" is not a ws:// or http:// URL with a host.").arg(text);
            return {};
        }
        const QString urlHost = url.host().contains(QLatin1Char(':')) ? QLatin1Char('[') + url.host() + QLatin1Char(']')
                                                                       : url.host();
        servers << QStringLiteral("%1:%2").arg(urlHost).arg(url.port(80));
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
                          "    server {\n"
                          "        listen %1;\n\n"
                          "        location / {\n"
                          "            proxy_pass http://quickstart%2;\n"
                          "            proxy_http_version 1.1;\n")
               .arg(listen, path);
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
