#include "mapvariable.h"

namespace {

// A map whose value names itself (directly or through other maps) would
// recurse forever; nginx reports "cycle while evaluating variable".
thread_local int t_depth = 0;
constexpr int kMaxDepth = 16;

} // namespace

bool MapVariable::addExact(const QByteArray &key, ValueTemplate value)
{
    const QByteArray k = key.toLower();
    if (m_exact.contains(k))
        return false;
    m_exact.insert(k, std::move(value));
    return true;
}

bool MapVariable::addLeadingWildcard(const QByteArray &suffix, bool includesBare, ValueTemplate value)
{
    const QByteArray k = suffix.toLower();
    for (const Leading &e : std::as_const(m_leading)) {
        if (e.suffix == k)
            return false;
    }
    m_leading.append(Leading{k, includesBare, std::move(value)});
    return true;
}

bool MapVariable::addTrailingWildcard(const QByteArray &prefix, ValueTemplate value)
{
    const QByteArray k = prefix.toLower();
    for (const auto &e : std::as_const(m_trailing)) {
        if (e.first == k)
            return false;
    }
    m_trailing.append({k, std::move(value)});
    return true;
}

void MapVariable::addRegex(QRegularExpression regex, ValueTemplate value)
{
    m_regexes.append({std::move(regex), std::move(value)});
}

QByteArray MapVariable::evaluate(const RequestContext &context) const
{
    if (t_depth >= kMaxDepth)
        return QByteArray();
    ++t_depth;
    const QByteArray source = m_source.expand(context);
    QByteArray value = lookup(source, context);
    --t_depth;
    return value;
}

QByteArray MapVariable::lookup(QByteArrayView sourceValue, const RequestContext &context) const
{
    if (t_depth > kMaxDepth)
        return QByteArray();
    QByteArrayView v = sourceValue;
    // With `hostnames` a trailing dot of the value is ignored.
    if (m_hostnames && v.endsWith('.'))
        v.chop(1);
    const QByteArray lower = v.toByteArray().toLower();
    const auto exact = m_exact.constFind(lower);
    const ValueTemplate *hit = exact != m_exact.constEnd() ? &exact.value() : nullptr;
    if (!hit && m_hostnames) {
        qsizetype bestLen = -1;
        for (const Leading &e : m_leading) {
            // ".example.com" also matches example.com itself.
            const bool match = (lower.size() > e.suffix.size() && lower.endsWith(e.suffix))
                || (e.includesBare && lower == QByteArrayView(e.suffix).sliced(1));
            if (match && e.suffix.size() > bestLen) {
                hit = &e.value;
                bestLen = e.suffix.size();
            }
        }
        if (!hit) {
            for (const auto &e : m_trailing) {
                if (lower.size() > e.first.size() && lower.startsWith(e.first) && e.first.size() > bestLen) {
                    hit = &e.second;
                    bestLen = e.first.size();
                }
            }
        }
    }
    if (!hit && !m_regexes.isEmpty()) {
        const QString text = QString::fromUtf8(v);
        for (const auto &e : m_regexes) {
            const QRegularExpressionMatch m = e.first.match(text);
            if (!m.hasMatch())
                continue;
            hit = &e.second;
            // ngx_http_regex_exec: the match's groups are the request's
            // $1..$9 from now on ("$1" in the value among them).
            if (e.first.captureCount() > 0) {
                context.captures.clear();
                for (int i = 0; i <= m.lastCapturedIndex(); ++i)
                    context.captures.append(m.captured(i).toUtf8());
            }
            break;
        }
    }
    if (!hit)
        hit = &m_default;
    ++t_depth;
    QByteArray out = hit->expand(context);
    --t_depth;
    return out;
}
