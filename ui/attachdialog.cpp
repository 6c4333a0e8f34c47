#include "attachdialog.h"

#include "colours.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

AttachDialog::AttachDialog(const QList<AttachTarget> &recent, QWidget *parent)
    : QDialog(parent)
    , m_recent(recent)
{
    setWindowTitle(tr("Attach to server"));
    setObjectName(QStringLiteral("attachDialog"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Watch and drive a headless wsscope: the address of its inspection channel "
                                "(<tt>--inspect-listen</tt>), "
                                "e.g. <tt>ws://127.0.0.1:9901</tt> through <tt>ssh -L 9901:127.0.0.1:9901 "
                                "server</tt>. A <tt>wss://</tt> certificate from the local CA (<tt>wsscope cert</tt>) "
                                "is trusted automatically."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_url = new QComboBox(this);
    m_url->setObjectName(QStringLiteral("attachUrl"));
    m_url->setEditable(true);
    m_url->setInsertPolicy(QComboBox::NoInsert);
    m_url->setMinimumContentsLength(32);
    for (const AttachTarget &t : std::as_const(m_recent))
        m_url->addItem(t.url.toString());
    m_url->lineEdit()->setPlaceholderText(QStringLiteral("ws://127.0.0.1:9901"));
    form->addRow(tr("Channel URL:"), m_url);
    auto *tokenRow = new QHBoxLayout;
    m_tokenFile = new QLineEdit(this);
    m_tokenFile->setObjectName(QStringLiteral("attachTokenFile"));
    m_tokenFile->setPlaceholderText(tr("the file given to --inspect-token-file, copied from the server"));
    auto *browse = new QPushButton(tr("Browse…"), this);
    tokenRow->addWidget(m_tokenFile, 1);
    tokenRow->addWidget(browse);
    form->addRow(tr("Token file:"), tokenRow);
    layout->addLayout(form);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("attachError"));
    m_error->setStyleSheet(QStringLiteral("color: ") + Colours::css(Colours::Error));
    m_error->hide();
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Attach"));
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &AttachDialog::handleAccept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_url, &QComboBox::activated, this, &AttachDialog::handleRecentChosen);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Token file"), m_tokenFile->text());
        if (!path.isEmpty())
            m_tokenFile->setText(path);
    });
    if (!m_recent.isEmpty())
        setTarget(m_recent.constFirst());
}

AttachDialog::~AttachDialog() = default;

AttachTarget AttachDialog::target() const
{
    return AttachTarget{QUrl(m_url->currentText().trimmed()), m_tokenFile->text().trimmed()};
}

void AttachDialog::setTarget(const AttachTarget &target)
{
    m_url->setCurrentText(target.url.toString());
    m_tokenFile->setText(target.tokenFile);
}

void AttachDialog::handleRecentChosen(int index)
{
    if (index >= 0 && index < m_recent.size())
        setTarget(m_recent.at(index));
}

QString AttachDialog::check(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss")))
        return tr("\"%1\" is not a ws:// or wss:// URL with a host.").arg(url.toString());
    return {};
}

void AttachDialog::handleAccept()
{
    const AttachTarget t = target();
    QString error = check(t.url);
    if (error.isEmpty() && !t.tokenFile.isEmpty() && !QFileInfo::exists(t.tokenFile))
        error = tr("The token file %1 does not exist.").arg(t.tokenFile);
    if (!error.isEmpty()) {
        m_error->setText(error);
        m_error->show();
        return;
    }
    accept();
}

QList<AttachTarget> AttachDialog::load(const QSettings &settings)
{
    QList<AttachTarget> out;
    const QStringList urls = settings.value(QStringLiteral("attach/urls")).toStringList();
    const QStringList tokens = settings.value(QStringLiteral("attach/tokenFiles")).toStringList();
    for (qsizetype i = 0; i < urls.size(); ++i)
        out << AttachTarget{QUrl(urls.at(i)), tokens.value(i)};
    return out;
}

void AttachDialog::remember(const AttachTarget &used, QSettings *settings)
{
    QList<AttachTarget> recent = load(*settings);
    recent.removeAll(used);
    recent.prepend(used);
    QStringList urls;
    QStringList tokens;
    for (qsizetype i = 0; i < recent.size() && i < MaxRecent; ++i) {
        urls << recent.at(i).url.toString();
        tokens << recent.at(i).tokenFile;
    }
    settings->setValue(QStringLiteral("attach/urls"), urls);
    settings->setValue(QStringLiteral("attach/tokenFiles"), tokens);
}
