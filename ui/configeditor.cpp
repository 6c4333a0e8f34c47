#include "configeditor.h"

#include "colours.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QIcon>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QTextBlock>
#include <QToolTip>

#include <algorithm>

// The margin itself: all painting and input is delegated to the editor,
// which knows the layout of its blocks.
class ConfigEditorGutter final : public QWidget
{
public:
    explicit ConfigEditorGutter(ConfigEditor *editor)
        : QWidget(editor)
        , m_editor(editor)
    {
        setObjectName(QStringLiteral("configEditorGutter"));
        setMouseTracking(true);
    }

    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintGutter(event); }

    bool event(QEvent *event) override
    {
        if (event->type() == QEvent::ToolTip) {
            auto *help = static_cast<QHelpEvent *>(event);
            const QString tip = m_editor->markerToolTip(m_editor->lineAtGutterPosition(help->pos()));
            if (tip.isEmpty()) {
                QToolTip::hideText();
                event->ignore();
            } else {
                QToolTip::showText(help->globalPos(), tip, this);
            }
            return true;
        }
        return QWidget::event(event);
    }

    void mouseMoveEvent(QMouseEvent *event) override
    {
        const int line = m_editor->lineAtGutterPosition(event->position().toPoint());
        setCursor(m_editor->markersOnLine(line).isEmpty() ? Qt::ArrowCursor : Qt::PointingHandCursor);
        QWidget::mouseMoveEvent(event);
    }

    void mousePressEvent(QMouseEvent *event) override
    {
        if (event->button() != Qt::LeftButton)
            return QWidget::mousePressEvent(event);
        const int line = m_editor->lineAtGutterPosition(event->position().toPoint());
        if (line <= 0)
            return;
        m_editor->jumpToMarker(line);
        if (!m_editor->markersOnLine(line).isEmpty())
            emit m_editor->markerActivated(line);
    }

private:
    ConfigEditor *m_editor;
};

namespace {

constexpr int Padding = 4;

QColor severityColour(ConfigEditor::Severity severity)
{
    switch (severity) {
    case ConfigEditor::Severity::Error: return Colours::Error;
    case ConfigEditor::Severity::Warning: return Colours::WarningIcon;
    case ConfigEditor::Severity::Doctor: return Colours::Doctor;
    case ConfigEditor::Severity::Note: return Colours::Note;
    }
    return Qt::gray;
}

// Error: a red disc with a white cross. Warning: an amber triangle with "!".
// Doctor: a purple disc with a white medical cross. Note: a blue disc with "i".
void paintSeverity(QPainter *p, const QRectF &box, ConfigEditor::Severity severity)
{
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    const QColor colour = severityColour(severity);
    const qreal s = std::min(box.width(), box.height());
    const QRectF r(box.center().x() - s / 2, box.center().y() - s / 2, s, s);
    const QPointF c = r.center();
    QPen white(Qt::white, std::max<qreal>(1.5, s / 7), Qt::SolidLine, Qt::RoundCap);
    switch (severity) {
    case ConfigEditor::Severity::Error:
        p->setPen(Qt::NoPen);
        p->setBrush(colour);
        p->drawEllipse(r.adjusted(0.5, 0.5, -0.5, -0.5));
        p->setPen(white);
        p->drawLine(QPointF(c.x() - s * 0.2, c.y() - s * 0.2), QPointF(c.x() + s * 0.2, c.y() + s * 0.2));
        p->drawLine(QPointF(c.x() + s * 0.2, c.y() - s * 0.2), QPointF(c.x() - s * 0.2, c.y() + s * 0.2));
        break;
    case ConfigEditor::Severity::Warning: {
        QPainterPath triangle;
        triangle.moveTo(c.x(), r.top() + 0.5);
        triangle.lineTo(r.right() - 0.5, r.bottom() - 0.5);
        triangle.lineTo(r.left() + 0.5, r.bottom() - 0.5);
        triangle.closeSubpath();
        p->setPen(Qt::NoPen);
        p->setBrush(colour);
        p->drawPath(triangle);
        QPen dark(Colours::WarningIconMark, std::max<qreal>(1.5, s / 8), Qt::SolidLine, Qt::RoundCap);
        p->setPen(dark);
        p->drawLine(QPointF(c.x(), r.top() + s * 0.35), QPointF(c.x(), r.top() + s * 0.65));
        p->drawPoint(QPointF(c.x(), r.top() + s * 0.8));
        break;
    }
    case ConfigEditor::Severity::Doctor:
        p->setPen(Qt::NoPen);
        p->setBrush(colour);
        p->drawEllipse(r.adjusted(0.5, 0.5, -0.5, -0.5));
        p->setPen(white);
        p->drawLine(QPointF(c.x(), c.y() - s * 0.25), QPointF(c.x(), c.y() + s * 0.25));
        p->drawLine(QPointF(c.x() - s * 0.25, c.y()), QPointF(c.x() + s * 0.25, c.y()));
        break;
    case ConfigEditor::Severity::Note:
        p->setPen(Qt::NoPen);
        p->setBrush(colour);
        p->drawEllipse(r.adjusted(0.5, 0.5, -0.5, -0.5));
        p->setPen(white);
        p->drawLine(QPointF(c.x(), c.y() - s * 0.05), QPointF(c.x(), c.y() + s * 0.25));
        p->drawPoint(QPointF(c.x(), c.y() - s * 0.25));
        break;
    }
    p->restore();
}

} // namespace

ConfigEditor::ConfigEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_gutter(new ConfigEditorGutter(this))
{
    connect(this, &QPlainTextEdit::blockCountChanged, this, &ConfigEditor::updateGutterWidth);
    connect(this, &QPlainTextEdit::updateRequest, this,
            [this](const QRect &rect, int dy) { updateGutter(rect, dy); });
    updateGutterWidth();
}

ConfigEditor::~ConfigEditor() = default;

QWidget *ConfigEditor::gutter() const
{
    return m_gutter;
}

int ConfigEditor::iconSize() const
{
    return std::clamp(fontMetrics().height() - 2, 10, 18);
}

int ConfigEditor::gutterWidth() const
{
    int digits = 1;
    for (int max = std::max(1, blockCount()); max >= 10; max /= 10)
        ++digits;
    digits = std::max(digits, 2);
    return Padding + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits + Padding + iconSize() + Padding;
}

void ConfigEditor::updateGutterWidth()
{
    setViewportMargins(gutterWidth(), 0, 0, 0);
}

void ConfigEditor::updateGutter(const QRect &rect, int dy)
{
    if (dy)
        m_gutter->scroll(0, dy);
    else
        m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
    if (rect.contains(viewport()->rect()))
        updateGutterWidth();
}

void ConfigEditor::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    const QRect cr = contentsRect();
    m_gutter->setGeometry(QRect(cr.left(), cr.top(), gutterWidth(), cr.height()));
}

void ConfigEditor::setMarkers(const QList<Marker> &markers)
{
    m_markers = markers;
    // Most severe first, then by position: the icon and the jump use the first.
    std::stable_sort(m_markers.begin(), m_markers.end(), [](const Marker &a, const Marker &b) {
        if (a.line != b.line)
            return a.line < b.line;
        if (a.severity != b.severity)
            return a.severity < b.severity;
        return a.column < b.column;
    });
    m_gutter->update();
}

QList<ConfigEditor::Marker> ConfigEditor::markersOnLine(int line) const
{
    QList<Marker> out;
    for (const Marker &m : m_markers) {
        if (m.line == line)
            out << m;
    }
    return out;
}

QString ConfigEditor::markerToolTip(int line) const
{
    QStringList lines;
    for (const Marker &m : markersOnLine(line)) {
        QString kind;
        switch (m.severity) {
        case Severity::Error: kind = tr("error"); break;
        case Severity::Warning: kind = tr("warning"); break;
        case Severity::Doctor: kind = tr("doctor"); break;
        case Severity::Note: kind = tr("note"); break;
        }
        lines << (m.column > 0 ? tr("%1:%2: %3: %4").arg(line).arg(m.column).arg(kind, m.message)
                               : tr("%1: %2: %3").arg(line).arg(kind, m.message));
    }
    return lines.join(QLatin1Char('\n'));
}

void ConfigEditor::jumpToMarker(int line)
{
    const QTextBlock block = document()->findBlockByNumber(line - 1);
    if (!block.isValid())
        return;
    const QList<Marker> here = markersOnLine(line);
    const int column = here.isEmpty() ? 0 : std::max(0, here.constFirst().column - 1);
    QTextCursor cursor(block);
    cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, std::min(column, block.length() - 1));
    setTextCursor(cursor);
    centerCursor();
    setFocus();
}

QRect ConfigEditor::markerIconRect(int line) const
{
    if (markersOnLine(line).isEmpty())
        return {};
    const QTextBlock block = document()->findBlockByNumber(line - 1);
    if (!block.isValid() || !block.isVisible())
        return {};
    const QRectF geometry = blockBoundingGeometry(block).translated(contentOffset());
    if (geometry.bottom() < 0 || geometry.top() > viewport()->height())
        return {};
    const int size = iconSize();
    const int lineHeight = fontMetrics().height();
    const int top = int(geometry.top()) + (lineHeight - size) / 2;
    return {gutterWidth() - Padding - size, top, size, size};
}

int ConfigEditor::lineAtGutterPosition(const QPoint &pos) const
{
    QTextBlock block = firstVisibleBlock();
    qreal top = blockBoundingGeometry(block).translated(contentOffset()).top();
    while (block.isValid() && top <= viewport()->height()) {
        const qreal bottom = top + blockBoundingRect(block).height();
        if (block.isVisible() && pos.y() >= top && pos.y() < bottom)
            return block.blockNumber() + 1;
        block = block.next();
        top = bottom;
    }
    return 0;
}

void ConfigEditor::paintGutter(QPaintEvent *event)
{
    QPainter painter(m_gutter);
    const QPalette pal = palette();
    painter.fillRect(event->rect(), pal.color(QPalette::Window));
    painter.setPen(pal.color(QPalette::Mid));
    painter.drawLine(m_gutter->width() - 1, event->rect().top(), m_gutter->width() - 1, event->rect().bottom());

    const int size = iconSize();
    const int numberRight = gutterWidth() - Padding - size - Padding;
    const int lineHeight = fontMetrics().height();
    const int current = textCursor().blockNumber();
    QTextBlock block = firstVisibleBlock();
    qreal top = blockBoundingGeometry(block).translated(contentOffset()).top();
    auto marker = std::lower_bound(m_markers.cbegin(), m_markers.cend(), block.blockNumber() + 1,
                                   [](const Marker &m, int line) { return m.line < line; });
    while (block.isValid() && top <= event->rect().bottom()) {
        const qreal bottom = top + blockBoundingRect(block).height();
        const int line = block.blockNumber() + 1;
        while (marker != m_markers.cend() && marker->line < line)
            ++marker;
        if (block.isVisible() && bottom >= event->rect().top()) {
            QFont font = painter.font();
            font.setBold(block.blockNumber() == current);
            painter.setFont(font);
            painter.setPen(block.blockNumber() == current ? pal.color(QPalette::Text) : pal.color(QPalette::PlaceholderText));
            painter.drawText(0, int(top), numberRight, lineHeight, Qt::AlignRight | Qt::AlignVCenter, QString::number(line));
            if (marker != m_markers.cend() && marker->line == line) {
                const QRectF icon(numberRight + Padding, top + (lineHeight - size) / 2.0, size, size);
                paintSeverity(&painter, icon, marker->severity);
            }
        }
        block = block.next();
        top = bottom;
    }
}

QIcon ConfigEditor::severityIcon(Severity severity)
{
    QIcon icon;
    for (int size : {16, 32}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        paintSeverity(&painter, QRectF(0, 0, size, size), severity);
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}
