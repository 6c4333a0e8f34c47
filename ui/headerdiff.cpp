#include "headerdiff.h"

#include <QSet>

namespace {

QList<QByteArray> uniqueNames(const HttpHeaders &headers)
{
    QList<QByteArray> names;
    QSet<QByteArray> seen;
    for (const HttpHeader &h : headers) {
        const QByteArray key = h.name.toLower();
        if (!seen.contains(key)) {
            seen.insert(key);
            names << h.name;
        }
    }
    return names;
}

} // namespace

QList<HeaderDiffRow> diffHeaders(const HttpHeaders &received, const HttpHeaders &forwarded)
{
    QList<HeaderDiffRow> rows;
    for (const QByteArray &name : uniqueNames(received)) {
        HeaderDiffRow row;
        row.name = QString::fromLatin1(name);
        row.received = QString::fromUtf8(received.combinedValue(name));
        if (forwarded.contains(name)) {
            row.forwarded = QString::fromUtf8(forwarded.combinedValue(name));
            row.change = row.received == row.forwarded ? HeaderDiffRow::Change::Same : HeaderDiffRow::Change::Changed;
        } else {
            row.change = HeaderDiffRow::Change::Removed;
        }
        rows << row;
    }
    for (const QByteArray &name : uniqueNames(forwarded)) {
        if (received.contains(name))
            continue;
        HeaderDiffRow row;
        row.name = QString::fromLatin1(name);
        row.forwarded = QString::fromUtf8(forwarded.combinedValue(name));
        row.change = HeaderDiffRow::Change::Added;
        rows << row;
    }
    return rows;
}
