#include "config/confglob.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

using namespace Qt::StringLiterals;

bool ConfGlob::hasMagic(QStringView pattern)
{
    return pattern.contains(u'*') || pattern.contains(u'?') || pattern.contains(u'[');
}

namespace {

// Matches a bracket expression starting after "[" at p; on success sets `end`
// to the index after "]" and `matched` to whether c is in the set.
bool matchBracket(QStringView pattern, qsizetype p, QChar c, qsizetype *end, bool *matched)
{
    bool negate = false;
    if (p < pattern.size() && (pattern[p] == u'!' || pattern[p] == u'^')) {
        negate = true;
        ++p;
    }
    bool in = false;
    bool first = true;
    while (p < pattern.size()) {
        QChar lo = pattern[p];
        if (lo == u']' && !first) {
            *end = p + 1;
            *matched = in != negate;
            return true;
        }
        first = false;
        if (lo == u'\\' && p + 1 < pattern.size())
            lo = pattern[++p];
        ++p;
        QChar hi = lo;
        if (p + 1 < pattern.size() && pattern[p] == u'-' && pattern[p + 1] != u']') {
            hi = pattern[p + 1];
            if (hi == u'\\' && p + 2 < pattern.size()) {
                hi = pattern[p + 2];
                ++p;
            }
            p += 2;
        }
        if (lo <= c && c <= hi)
            in = true;
    }
    return false; // no closing "]": the "[" is an ordinary character
}

bool matchFrom(QStringView pattern, qsizetype p, QStringView name, qsizetype n)
{
    while (p < pattern.size()) {
        const QChar pc = pattern[p];
        if (pc == u'*') {
            while (p < pattern.size() && pattern[p] == u'*')
                ++p;
            if (p == pattern.size())
                return true;
            for (qsizetype k = n; k <= name.size(); ++k) {
                if (matchFrom(pattern, p, name, k))
                    return true;
            }
            return false;
        }
        if (n >= name.size())
            return false;
        if (pc == u'?') {
            ++p;
            ++n;
            continue;
        }
        if (pc == u'[') {
            qsizetype end = 0;
            bool matched = false;
            if (matchBracket(pattern, p + 1, name[n], &end, &matched)) {
                if (!matched)
                    return false;
                p = end;
                ++n;
                continue;
            }
            // unterminated "[": literal
        }
        QChar literal = pc;
        if (pc == u'\\' && p + 1 < pattern.size())
            literal = pattern[++p];
        if (literal != name[n])
            return false;
        ++p;
        ++n;
    }
    return n == name.size();
}

QString unescapeLiteral(QStringView component)
{
    QString out;
    for (qsizetype i = 0; i < component.size(); ++i) {
        if (component[i] == u'\\' && i + 1 < component.size())
            ++i;
        out.append(component[i]);
    }
    return out;
}

QString joinPath(const QString &base, const QString &name)
{
    if (base.isEmpty())
        return name;
    if (base.endsWith(u'/'))
        return base + name;
    return base + u'/' + name;
}

} // namespace

bool ConfGlob::matchName(QStringView pattern, QStringView name)
{
    // glob(3): a leading "." is only matched by a literal "."
    if (name.startsWith(u'.') && !pattern.startsWith(u'.'))
        return false;
    return matchFrom(pattern, 0, name, 0);
}

QStringList ConfGlob::expand(const QString &pattern)
{
    const QString normalized = QDir::fromNativeSeparators(pattern);
    QStringList components = normalized.split(u'/');
    QStringList current;

    if (normalized.startsWith(u'/')) {
        current.append(u"/"_s);
        components.removeFirst();
    } else if (components.size() > 1 && components.first().size() == 2 && components.first().at(1) == u':') {
        current.append(components.takeFirst() + u'/'); // a Windows drive
    } else {
        current.append(QString());
    }

    for (qsizetype i = 0; i < components.size(); ++i) {
        const QString &component = components.at(i);
        const bool last = i == components.size() - 1;
        if (component.isEmpty())
            continue; // "a//b"
        QStringList next;
        for (const QString &base : std::as_const(current)) {
            if (!hasMagic(component)) {
                const QString path = joinPath(base, unescapeLiteral(component));
                if (last ? QFileInfo::exists(path) : QFileInfo(path).isDir())
                    next.append(path);
                continue;
            }
            const QDir dir(base.isEmpty() ? u"."_s : base);
            const QStringList entries = dir.entryList(
                QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::NoSort);
            for (const QString &entry : entries) {
                if (!matchName(component, entry))
                    continue;
                const QString path = joinPath(base, entry);
                if (!last && !QFileInfo(path).isDir())
                    continue;
                next.append(path);
            }
        }
        current = next;
        if (current.isEmpty())
            break;
    }

    if (current.size() == 1 && (current.first().isEmpty() || current.first() == u"/"_s))
        return {};
    std::sort(current.begin(), current.end(), [](const QString &a, const QString &b) {
        return QFile::encodeName(a) < QFile::encodeName(b);
    });
    return current;
}
