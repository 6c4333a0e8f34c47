#include "framesview.h"

#include "colours.h"
#include "connectionsmodel.h"
#include "framesmodel.h"
#include "sendpanel.h"
#include "itemviews.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {

enum DetailTab { TextTab, JsonTab, HexTab };

void addJson(QTreeWidgetItem *parent, QTreeWidget *tree, const QString &key, const QJsonValue &value)
{
    auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree);
    item->setText(0, key);
    if (value.isObject()) {
        const QJsonObject o = value.toObject();
        item->setText(1, FramesView::tr("{%n key(s)}", nullptr, int(o.size())));
        for (auto it = o.begin(); it != o.end(); ++it)
            addJson(item, tree, it.key(), it.value());
    } else if (value.isArray()) {
        const QJsonArray a = value.toArray();
        item->setText(1, FramesView::tr("[%n item(s)]", nullptr, int(a.size())));
        for (qsizetype i = 0; i < a.size(); ++i)
            addJson(item, tree, QString::number(i), a.at(i));
    } else if (value.isString()) {
        item->setText(1, QLatin1Char('"') + value.toString() + QLatin1Char('"'));
    } else if (value.isBool()) {
        item->setText(1, value.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
    } else if (value.isDouble()) {
        item->setText(1, QString::number(value.toDouble(), 'g', 15));
    } else {
        item->setText(1, QStringLiteral("null"));
    }
}

// A frame that is not JSON itself, as a JSON object (Copy as JSON).
QString frameAsJson(const FrameRecord &f)
{
    QJsonObject o;
    o.insert(QStringLiteral("direction"),
             f.direction == Direction::ClientToUpstream ? QStringLiteral("send") : QStringLiteral("receive"));
    o.insert(QStringLiteral("opcode"), int(f.opcode));
    o.insert(QStringLiteral("time"), double(f.wallMs) / 1000.0);
    o.insert(QStringLiteral("length"), qint64(f.length));
    o.insert(QStringLiteral("data"), f.opcode == WsOpcode::Text ? QString::fromUtf8(f.payload)
                                                               : QString::fromLatin1(f.payload.toBase64()));
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

} // namespace

FramesView::FramesView(InspectorSource *source, ConnectionsModel *connections, FramesModel *frames,
                       FramesFilterModel *filter, QWidget *parent)
    : QWidget(parent)
    , m_connections(connections)
    , m_frames(frames)
    , m_filter(filter)
{
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(createSearchBar());
    // Like DevTools: say plainly that the list does not start at the beginning.
    m_dropped = new QLabel(this);
    m_dropped->setObjectName(QStringLiteral("framesDroppedBanner"));
    m_dropped->setStyleSheet(QStringLiteral("background: %1; color: %2; padding: 3px 6px;")
                                 .arg(Colours::css(Colours::Changed), Colours::css(Colours::ChangedText)));
    m_dropped->setWordWrap(true);
    m_dropped->hide();
    layout->addWidget(m_dropped);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("framesSplitter"));
    m_view = makeTableView(m_filter, QStringLiteral("framesView"), QAbstractItemView::SingleSelection, m_splitter);
    m_view->setColumnWidth(FramesModel::ColDirection, 36);
    m_view->setColumnWidth(FramesModel::ColTime, 100);
    m_view->setColumnWidth(FramesModel::ColOpcode, 90);
    m_view->setColumnWidth(FramesModel::ColSize, 70);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &FramesView::handleCurrentFrameChanged);

    QWidget *detail = createDetail();
    m_sendPanel = new SendPanel(source, connections, detail);
    detail->layout()->addWidget(m_sendPanel);
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setSizes({520, 360});
    layout->addWidget(m_splitter, 1);

    // Auto-scroll on its own timer, not on every insert.
    m_autoScrollTimer = new QTimer(this);
    m_autoScrollTimer->setInterval(100);
    connect(m_autoScrollTimer, &QTimer::timeout, this, &FramesView::autoScroll);
    m_autoScrollTimer->start();
}

FramesView::~FramesView() = default;

QLayout *FramesView::createSearchBar()
{
    auto *bar = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("frameSearch"));
    m_search->setPlaceholderText(tr("Search this connection's frames"));
    m_search->setClearButtonEnabled(true);
    m_regex = new QCheckBox(tr("Regex"), this);
    m_regex->setObjectName(QStringLiteral("frameRegex"));
    m_showControl = new QCheckBox(tr("Control frames"), this);
    m_showControl->setObjectName(QStringLiteral("showControlFrames"));
    m_showControl->setChecked(true);
    m_showControl->setToolTip(tr("Show ping, pong and close frames"));
    m_autoScroll = new QCheckBox(tr("Auto-scroll"), this);
    m_autoScroll->setObjectName(QStringLiteral("autoScroll"));
    m_autoScroll->setChecked(true);
    m_cap = new QLabel(this);
    m_cap->setObjectName(QStringLiteral("framesCapLabel"));
    connect(m_search, &QLineEdit::textChanged, this, &FramesView::handleSearchChanged);
    connect(m_regex, &QCheckBox::toggled, this, &FramesView::handleSearchChanged);
    connect(m_showControl, &QCheckBox::toggled, m_filter, &FramesFilterModel::setShowControlFrames);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_regex);
    bar->addWidget(m_showControl);
    bar->addWidget(m_autoScroll);
    bar->addWidget(m_cap);
    return bar;
}

QWidget *FramesView::createDetail()
{
    auto *detail = new QWidget(m_splitter);
    auto *dl = new QVBoxLayout(detail);
    dl->setContentsMargins(0, 0, 0, 0);
    m_info = new QLabel(tr("Select a frame"), detail);
    m_info->setObjectName(QStringLiteral("frameInfo"));
    m_info->setWordWrap(true);
    dl->addWidget(m_info);
    m_detail = new QTabWidget(detail);
    m_detail->setObjectName(QStringLiteral("frameDetail"));
    m_text = new QPlainTextEdit(m_detail);
    m_text->setObjectName(QStringLiteral("frameText"));
    m_text->setReadOnly(true);
    m_json = makeTreeWidget({tr("Key"), tr("Value")}, QStringLiteral("frameJson"), m_detail);
    m_json->setRootIsDecorated(true);
    m_json->setColumnWidth(0, 160);
    m_hex = new QPlainTextEdit(m_detail);
    m_hex->setObjectName(QStringLiteral("frameHex"));
    m_hex->setReadOnly(true);
    m_hex->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_hex->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->insertTab(TextTab, m_text, tr("Text"));
    m_detail->insertTab(JsonTab, m_json, tr("JSON"));
    m_detail->insertTab(HexTab, m_hex, tr("Hex"));
    dl->addWidget(m_detail, 1);
    auto *copyBar = new QHBoxLayout;
    copyBar->addWidget(new QLabel(tr("Copy as:"), detail));
    const std::pair<QString, QString> copies[] = {
        {tr("Text"), QStringLiteral("text")}, {tr("JSON"), QStringLiteral("json")}, {tr("Hex"), QStringLiteral("hex")}};
    for (const auto &[label, format] : copies) {
        auto *button = new QPushButton(label, detail);
        button->setObjectName(QStringLiteral("copy_") + format);
        const QString f = format;
        connect(button, &QPushButton::clicked, this, [this, f] { copyFrame(f); });
        copyBar->addWidget(button);
    }
    copyBar->addStretch();
    dl->addLayout(copyBar);
    return detail;
}

void FramesView::setConnection(quint64 id)
{
    m_sendPanel->setConnection(id);
    handleCurrentFrameChanged();
}

void FramesView::refreshCaps()
{
    const QLocale locale;
    m_cap->setText(tr("%1 of %2 frames · limit %3 per connection")
                       .arg(locale.toString(m_filter->rowCount()), locale.toString(m_frames->rowCount()),
                            locale.toString(m_connections->maxFramesPerConnection())));
    const ConnectionRecord *r = m_frames->connection();
    QStringList banner;
    if (r && r->framesDropped > 0)
        banner << tr("%Ln older frame(s) dropped (history limits)", nullptr, int(std::min<quint64>(r->framesDropped, INT_MAX)));
    if (r && r->framesNotCaptured > 0)
        banner << tr("%Ln frame(s) not captured while paused", nullptr,
                     int(std::min<quint64>(r->framesNotCaptured, INT_MAX)));
    const QString text = banner.join(QStringLiteral(" · "));
    if (text != m_dropped->text())
        m_dropped->setText(text);
    m_dropped->setVisible(!text.isEmpty());
}

void FramesView::handleSearchChanged()
{
    const bool valid = m_filter->setSearch(m_search->text(), m_regex->isChecked());
    m_search->setStyleSheet(valid ? QString() : QStringLiteral("background: ") + Colours::css(Colours::Removed));
    m_search->setToolTip(valid ? QString() : tr("Invalid regular expression"));
    refreshCaps();
}

const FrameRecord *FramesView::currentFrame() const
{
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    if (!current.isValid())
        return nullptr;
    return m_frames->frameAt(m_filter->mapToSource(current).row());
}

void FramesView::handleCurrentFrameChanged()
{
    const FrameRecord *f = currentFrame();
    m_json->clear();
    if (!f) {
        m_info->setText(tr("Select a frame"));
        m_text->clear();
        m_hex->clear();
        return;
    }
    QStringList info;
    info << (f->direction == Direction::ClientToUpstream ? tr("client → upstream") : tr("upstream → client"));
    info << FramesModel::opcodeText(f->opcode);
    info << tr("%n byte(s)", nullptr, int(std::min<quint64>(f->length, INT_MAX)));
    info << QDateTime::fromMSecsSinceEpoch(f->wallMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    if (f->compressed)
        info << (f->inflated ? tr("compressed (permessage-deflate), shown inflated") : tr("compressed (permessage-deflate)"));
    if (f->truncated)
        info << tr("preview: first %n byte(s)", nullptr, int(f->payload.size()));
    if (f->injected)
        info << tr("injected by the inspector or the proxy");
    if (f->swallowed)
        info << tr("answered the proxy's ping; not relayed");
    if (f->roundTripUs >= 0)
        info << tr("round trip %1 ms").arg(double(f->roundTripUs) / 1000.0, 0, 'f', 2);
    m_info->setText(info.join(QStringLiteral(" · ")));

    const bool textual = f->opcode != WsOpcode::Binary;
    m_text->setPlainText(textual ? QString::fromUtf8(f->payload)
                                 : tr("(binary: %n byte(s); see Hex)", nullptr, int(f->payload.size())));
    m_hex->setPlainText(FramesModel::hexDump(f->payload));
    showJson(f->payload, textual);
}

void FramesView::showJson(const QByteArray &payload, bool textual)
{
    QJsonParseError error;
    const QJsonDocument doc = textual ? QJsonDocument::fromJson(payload, &error) : QJsonDocument();
    const bool json = textual && error.error == QJsonParseError::NoError && !doc.isNull();
    m_detail->setTabEnabled(JsonTab, json);
    if (json) {
        if (doc.isObject()) {
            const QJsonObject o = doc.object();
            for (auto it = o.begin(); it != o.end(); ++it)
                addJson(nullptr, m_json, it.key(), it.value());
        } else {
            const QJsonArray a = doc.array();
            for (qsizetype i = 0; i < a.size(); ++i)
                addJson(nullptr, m_json, QString::number(i), a.at(i));
        }
        m_json->expandToDepth(0);
    }
    if (!json && m_detail->currentIndex() == JsonTab)
        m_detail->setCurrentIndex(textual ? TextTab : HexTab);
    if (!textual && m_detail->currentIndex() == TextTab)
        m_detail->setCurrentIndex(HexTab);
}

bool FramesView::copyFrame(const QString &format)
{
    const FrameRecord *f = currentFrame();
    if (!f)
        return false;
    QString text;
    if (format == QLatin1String("hex")) {
        text = QString::fromLatin1(f->payload.toHex(' '));
    } else if (format == QLatin1String("json")) {
        const QJsonDocument doc = QJsonDocument::fromJson(f->payload);
        text = doc.isNull() ? frameAsJson(*f) : QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
    } else {
        text = f->opcode == WsOpcode::Binary ? QString::fromLatin1(f->payload.toHex(' ')) : QString::fromUtf8(f->payload);
    }
    QApplication::clipboard()->setText(text);
    emit frameCopied();
    return true;
}

void FramesView::autoScroll()
{
    if (!m_autoScroll->isChecked() || !m_view->isVisible())
        return;
    QScrollBar *bar = m_view->verticalScrollBar();
    if (bar->value() != bar->maximum())
        m_view->scrollToBottom();
}

void FramesView::saveSettings(QSettings *settings) const
{
    settings->setValue(QStringLiteral("window/framesSplitter"), m_splitter->saveState());
    settings->setValue(QStringLiteral("frames/showControl"), m_showControl->isChecked());
    settings->setValue(QStringLiteral("frames/autoScroll"), m_autoScroll->isChecked());
}

void FramesView::restoreSettings(const QSettings &settings)
{
    m_splitter->restoreState(settings.value(QStringLiteral("window/framesSplitter")).toByteArray());
    m_showControl->setChecked(settings.value(QStringLiteral("frames/showControl"), true).toBool());
    m_autoScroll->setChecked(settings.value(QStringLiteral("frames/autoScroll"), true).toBool());
}
