#include "framesmodel.h"

#include "connectionsmodel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QLocale>
#include <QtEndian>

FramesModel::FramesModel(ConnectionsModel *connections, QObject *parent)
    : QAbstractTableModel(parent)
    , m_store(connections->store())
{
    // Rows follow the store: its trims and removals as they happen, its new
    // frames at the connections model's flush.
    connect(m_store, &ConnectionStore::framesAboutToBeTrimmed, this, &FramesModel::handleAboutToTrim);
    connect(m_store, &ConnectionStore::framesTrimmed, this, &FramesModel::handleTrimmed);
    connect(m_store, &ConnectionStore::connectionAboutToBeRemoved, this, &FramesModel::handleAboutToRemove);
    connect(connections, &ConnectionsModel::flushed, this, &FramesModel::handleFlushed);
    connect(connections, &QAbstractItemModel::modelAboutToBeReset, this, [this] { setConnection(0); });
}

int FramesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_endSeq - m_firstSeq);
}

int FramesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void FramesModel::setConnection(quint64 id)
{
    beginResetModel();
    m_id = id;
    m_record = id ? m_store->record(id) : nullptr;
    if (!m_record)
        m_id = 0;
    m_firstSeq = m_record ? m_record->frameBaseSeq : 0;
    m_endSeq = m_record ? m_record->frameEndSeq() : 0;
    endResetModel();
}

const FrameRecord *FramesModel::frameAt(int row) const
{
    if (!m_record || row < 0 || row >= rowCount())
        return nullptr;
    const quint64 seq = m_firstSeq + quint64(row);
    if (seq < m_record->frameBaseSeq || seq >= m_record->frameEndSeq())
        return nullptr;
    return &m_record->frames[size_t(seq - m_record->frameBaseSeq)];
}

void FramesModel::handleFlushed(const QSet<quint64> &changed)
{
    if (!m_record || !changed.contains(m_id))
        return;
    const quint64 end = m_record->frameEndSeq();
    if (end <= m_endSeq)
        return;
    const int first = rowCount();
    beginInsertRows({}, first, first + int(end - m_endSeq) - 1);
    m_endSeq = end;
    endInsertRows();
}

void FramesModel::handleAboutToTrim(quint64 id, int count)
{
    if (!m_record || id != m_id)
        return;
    const quint64 removedEnd = std::min(m_record->frameBaseSeq + quint64(count), m_endSeq);
    if (removedEnd > m_firstSeq) {
        beginRemoveRows({}, 0, int(removedEnd - m_firstSeq) - 1);
        m_removing = true;
    }
}

void FramesModel::handleTrimmed(quint64 id, int)
{
    if (!m_record || id != m_id)
        return;
    m_firstSeq = std::max(m_firstSeq, m_record->frameBaseSeq);
    m_endSeq = std::max(m_endSeq, m_firstSeq);
    if (m_removing) {
        m_removing = false;
        endRemoveRows();
    }
}

void FramesModel::handleAboutToRemove(quint64 id)
{
    if (id == m_id)
        setConnection(0);
}

QString FramesModel::opcodeText(WsOpcode opcode)
{
    switch (opcode) {
    case WsOpcode::Text: return tr("text");
    case WsOpcode::Binary: return tr("binary");
    case WsOpcode::Close: return tr("close");
    case WsOpcode::Ping: return tr("ping");
    case WsOpcode::Pong: return tr("pong");
    case WsOpcode::Continuation: return tr("continuation");
    }
    return QString::fromLatin1(wsOpcodeName(opcode));
}

QString FramesModel::hexDump(const QByteArray &data)
{
    QString out;
    out.reserve(data.size() * 4 + 16);
    for (qsizetype offset = 0; offset < data.size(); offset += 16) {
        out += QStringLiteral("%1  ").arg(offset, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (int i = 0; i < 16; ++i) {
            if (offset + i < data.size()) {
                const uchar c = uchar(data.at(offset + i));
                out += QStringLiteral("%1 ").arg(c, 2, 16, QLatin1Char('0'));
                ascii += (c >= 0x20 && c < 0x7f) ? QLatin1Char(char(c)) : QLatin1Char('.');
            } else {
                out += QLatin1String("   ");
            }
            if (i == 7)
                out += QLatin1Char(' ');
        }
        out += QLatin1Char(' ') + ascii + QLatin1Char('\n');
    }
    return out;
}

QString FramesModel::previewText(const FrameRecord &frame, int maxChars)
{
    QString text;
    switch (frame.opcode) {
    case WsOpcode::Text:
    case WsOpcode::Ping:
    case WsOpcode::Pong:
        text = QString::fromUtf8(frame.payload.left(maxChars * 4));
        break;
    case WsOpcode::Close:
        if (frame.payload.size() >= 2) {
            text = QString::number(qFromBigEndian<quint16>(frame.payload.constData()));
            if (frame.payload.size() > 2)
                text += QLatin1Char(' ') + QString::fromUtf8(frame.payload.mid(2));
        }
        break;
    default:
        text = QString::fromLatin1(frame.payload.left(maxChars / 3).toHex(' '));
        break;
    }
    text.replace(QLatin1Char('\n'), QChar(0x23CE)).replace(QLatin1Char('\r'), QLatin1Char(' '));
    if (text.size() > maxChars)
        text = text.left(maxChars) + QChar(0x2026);
    if (frame.roundTripUs >= 0)
        text += QLatin1Char(' ') + tr("(RTT %1 ms)").arg(double(frame.roundTripUs) / 1000.0, 0, 'f', 2);
    if (frame.injected)
        text += QLatin1Char(' ') + tr("(injected)");
    if (frame.swallowed)
        text += QLatin1Char(' ') + tr("(not relayed)");
    return text;
}

QVariant FramesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FrameRecord *f = frameAt(index.row());
    if (!f)
        return {};
    const bool up = f->direction == Direction::ClientToUpstream;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ColDirection: return up ? QStringLiteral("→") : QStringLiteral("←");
        case ColTime:
            return QDateTime::fromMSecsSinceEpoch(f->wallMs).toString(QStringLiteral("HH:mm:ss.zzz"));
        case ColOpcode: {
            QString text = opcodeText(f->opcode);
            if (f->inflated)
                text += QLatin1Char(' ') + tr("(inflated)");
            return text;
        }
        case ColSize: return QLocale().toString(qint64(f->length));
        case ColPreview: return previewText(*f);
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ColDirection)
            return up ? tr("client → upstream") : tr("upstream → client");
        if (f->truncated)
            return tr("Preview truncated: %1 of %2 bytes kept").arg(f->payload.size()).arg(f->length);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == ColDirection)
            return QBrush(up ? QColor(0x1a, 0x7f, 0x37) : QColor(0x1f, 0x5f, 0xbf));
        if (f->isControl())
            return QBrush(QColor(0x80, 0x80, 0x80));
        return {};
    case Qt::FontRole:
        if (f->injected) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == ColSize)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        if (index.column() == ColDirection)
            return QVariant::fromValue(Qt::AlignCenter);
        return {};
    case IsControlRole: return f->isControl();
    case SearchTextRole:
        if (f->opcode == WsOpcode::Binary)
            return QString(QString::fromLatin1(f->payload.toHex(' ')) + QLatin1Char('\n') + QString::fromUtf8(f->payload));
        return QString::fromUtf8(f->payload);
    case SequenceRole: return QVariant::fromValue(m_firstSeq + quint64(index.row()));
    default: return {};
    }
}

QVariant FramesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ColDirection: return tr("Dir");
    case ColTime: return tr("Time");
    case ColOpcode: return tr("Opcode");
    case ColSize: return tr("Size");
    case ColPreview: return tr("Preview");
    }
    return {};
}

FramesFilterModel::FramesFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(false);
}

void FramesFilterModel::setShowControlFrames(bool show)
{
    if (show == m_showControl)
        return;
    m_showControl = show;
    invalidateFilter();
}

bool FramesFilterModel::setSearch(const QString &text, bool regex, bool caseSensitive)
{
    m_text = text;
    m_useRegex = regex && !text.isEmpty();
    m_case = caseSensitive ? Qt::CaseSensitive : Qt::CaseInsensitive;
    bool valid = true;
    if (m_useRegex) {
        m_regex = QRegularExpression(text, caseSensitive ? QRegularExpression::NoPatternOption
                                                         : QRegularExpression::CaseInsensitiveOption);
        valid = m_regex.isValid();
        if (!valid)
            m_text.clear();
        m_useRegex = valid;
    }
    invalidateFilter();
    return valid;
}

bool FramesFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_showControl && index.data(FramesModel::IsControlRole).toBool())
        return false;
    if (m_text.isEmpty())
        return true;
    const QString haystack = index.data(FramesModel::SearchTextRole).toString();
    if (m_useRegex)
        return m_regex.match(haystack).hasMatch();
    return haystack.contains(m_text, m_case);
}
