#include "diagnosticsmodel.h"

#include "colours.h"
#include "configeditor.h"

#include <QBrush>
#include <QIcon>

namespace {

// A top-level row's internal id is 0; its child's (a fix) is the parent's row + 1.
constexpr quintptr TopLevel = 0;

ConfigEditor::Severity editorSeverity(DiagnosticsModel::Kind kind)
{
    switch (kind) {
    case DiagnosticsModel::Kind::Error: return ConfigEditor::Severity::Error;
    case DiagnosticsModel::Kind::Warning: return ConfigEditor::Severity::Warning;
    case DiagnosticsModel::Kind::Note: return ConfigEditor::Severity::Note;
    case DiagnosticsModel::Kind::Doctor: return ConfigEditor::Severity::Doctor;
    }
    return ConfigEditor::Severity::Note;
}

} // namespace

DiagnosticsModel::DiagnosticsModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

DiagnosticsModel::~DiagnosticsModel() = default;

void DiagnosticsModel::setResult(const ConfigCheckResult &result)
{
    beginResetModel();
    m_entries.clear();
    for (const ConfDiagnostic &d : result.diagnostics) {
        Entry e;
        e.kind = d.severity == ConfDiagnostic::Severity::Error ? Kind::Error
            : d.severity == ConfDiagnostic::Severity::Warning  ? Kind::Warning
                                                               : Kind::Note;
        e.location = d.location;
        e.message = d.message;
        e.detail = d.toString();
        m_entries << e;
    }
    for (const DoctorFinding &f : result.findings) {
        Entry e;
        e.kind = Kind::Doctor;
        e.location = f.location;
        e.message = f.message;
        e.rule = f.rule;
        e.fix = f.fix;
        m_entries << e;
    }
    endResetModel();
}

QModelIndex DiagnosticsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    return createIndex(row, column, parent.isValid() ? quintptr(parent.row() + 1) : TopLevel);
}

QModelIndex DiagnosticsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == TopLevel)
        return {};
    return createIndex(int(child.internalId() - 1), 0, TopLevel);
}

int DiagnosticsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_entries.size());
    if (parent.column() != 0 || parent.internalId() != TopLevel)
        return 0;
    return m_entries.at(parent.row()).kind == Kind::Doctor ? 1 : 0;
}

int DiagnosticsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant DiagnosticsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (index.internalId() != TopLevel) {
        // The fix under a doctor finding.
        const Entry &finding = m_entries.at(int(index.internalId() - 1));
        if (role == Qt::DisplayRole && index.column() == ColMessage)
            return tr("fix: %1").arg(finding.fix);
        return {};
    }
    return entryData(m_entries.at(index.row()), index.column(), role);
}

QVariant DiagnosticsModel::entryData(const Entry &e, int column, int role) const
{
    switch (role) {
    case LineRole: return e.location.line;
    case ColumnRole: return e.location.column;
    case Qt::DisplayRole:
        if (column == ColLine)
            return e.location.isValid() ? QStringLiteral("%1:%2").arg(e.location.line).arg(e.location.column) : QString();
        if (column == ColKind) {
            switch (e.kind) {
            case Kind::Error: return tr("error");
            case Kind::Warning: return tr("warning");
            case Kind::Note: return tr("note");
            case Kind::Doctor: return tr("doctor");
            }
        }
        if (column == ColMessage)
            return e.kind == Kind::Doctor ? QStringLiteral("%1 [%2]").arg(e.message, e.rule) : e.message;
        break;
    case Qt::ToolTipRole:
        if (column == ColMessage && !e.detail.isEmpty())
            return e.detail;
        break;
    case Qt::DecorationRole:
        if (column == ColKind)
            return ConfigEditor::severityIcon(editorSeverity(e.kind));
        break;
    case Qt::ForegroundRole:
        if (column != ColKind)
            break;
        // The line's mark in the editor, darker as text; notes are unmarked.
        if (e.kind == Kind::Error)
            return QBrush(Colours::Removed.darker(250));
        if (e.kind == Kind::Warning)
            return QBrush(Colours::Changed.darker(250));
        if (e.kind == Kind::Doctor)
            return QBrush(Colours::Doctor);
        break;
    default: break;
    }
    return {};
}

QVariant DiagnosticsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    static const char *const titles[ColumnCount] = {QT_TR_NOOP("Line"), QT_TR_NOOP("Kind"), QT_TR_NOOP("Message")};
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return {};
    return tr(titles[section]);
}
