#include "remote/inspectfilter.h"

#include <QJsonArray>

#include <algorithm>

namespace {

QJsonArray strings(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

// A JSON array of strings under `name`, each checked by `valid` (which says why not).
template <typename Check>
bool readStrings(const QJsonObject &o, const QString &name, QStringList *into, QString *error, Check valid)
{
    const QJsonValue v = o.value(name);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isArray()) {
        *error = QStringLiteral("filter.%1: not an array").arg(name);
        return false;
    }
    for (const QJsonValue &item : v.toArray()) {
        const QString why = item.isString() ? valid(item.toString()) : QStringLiteral("not a string");
        if (!why.isEmpty()) {
            *error = QStringLiteral("filter.%1: %2").arg(name, why);
            return false;
        }
        *into << item.toString();
    }
    return true;
}

QString checkPath(const QString &p)
{
    return p.startsWith(QLatin1Char('/')) || p.startsWith(QLatin1Char('*')) ? QString()
                                                                            : QStringLiteral("\"%1\" does not start with '/'").arg(p);
}

QString checkUpstream(const QString &u)
{
    return u.isEmpty() ? QStringLiteral("an empty upstream") : QString();
}

bool readId(const QJsonValue &v, quint64 *id)
{
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 1 || d > 9007199254740992.0 || d != double(qint64(d)))
        return false;
    *id = quint64(d);
    return true;
}

bool readId(const QString &text, quint64 *id)
{
    bool ok = false;
    *id = text.toULongLong(&ok);
    return ok && *id > 0;
}

} // namespace

QJsonObject InspectFilter::toJson() const
{
    QJsonObject o;
    if (!connections.isEmpty()) {
        QJsonArray ids;
        for (quint64 id : connections)
            ids << double(id);
        o.insert(QStringLiteral("connections"), ids);
    }
    if (!paths.isEmpty())
        o.insert(QStringLiteral("paths"), strings(paths));
    if (!upstreams.isEmpty())
        o.insert(QStringLiteral("upstreams"), strings(upstreams));
    return o;
}

std::optional<InspectFilter> InspectFilter::fromJson(const QJsonValue &value, QString *error)
{
    InspectFilter f;
    if (value.isUndefined() || value.isNull())
        return f;
    if (!value.isObject()) {
        *error = QStringLiteral("filter: not an object");
        return std::nullopt;
    }
    const QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != QLatin1String("connections") && it.key() != QLatin1String("paths") && it.key() != QLatin1String("upstreams")) {
            *error = QStringLiteral("filter: unknown field \"%1\" (connections, paths, upstreams)").arg(it.key());
            return std::nullopt;
        }
    }
    const QJsonValue ids = o.value(QLatin1String("connections"));
    if (!ids.isUndefined() && !ids.isNull() && !ids.isArray()) {
        *error = QStringLiteral("filter.connections: not an array");
        return std::nullopt;
    }
    for (const QJsonValue &v : ids.toArray()) {
        quint64 id = 0;
        if (!readId(v, &id)) {
            *error = QStringLiteral("filter.connections: not a connection id (a positive integer)");
            return std::nullopt;
        }
        f.connections << id;
    }
    if (!readStrings(o, QStringLiteral("paths"), &f.paths, error, checkPath)
        || !readStrings(o, QStringLiteral("upstreams"), &f.upstreams, error, checkUpstream))
        return std::nullopt;
    return f;
}

bool InspectFilter::parseExpression(const QString &expression, InspectFilter *filter, QString *error)
{
    for (const QString &term : expression.split(QLatin1Char(','))) {
        const qsizetype eq = term.indexOf(QLatin1Char('='));
        const QString key = term.left(eq).trimmed();
        const QString value = eq < 0 ? QString() : term.mid(eq + 1).trimmed();
        QString why;
        quint64 id = 0;
        if (eq < 0 || value.isEmpty()) {
            why = QStringLiteral("expected KEY=VALUE");
        } else if (key == QLatin1String("path")) {
            why = checkPath(value);
            filter->paths << value;
        } else if (key == QLatin1String("upstream")) {
            filter->upstreams << value;
        } else if (key == QLatin1String("conn")) {
            if (!readId(value, &id))
                why = QStringLiteral("conn needs a connection id (a positive integer)");
            filter->connections << id;
        } else {
            why = QStringLiteral("unknown key \"%1\" (path, upstream, conn)").arg(key);
        }
        if (!why.isEmpty()) {
            *error = QStringLiteral("--filter \"%1\": %2").arg(term.trimmed(), why);
            return false;
        }
    }
    return true;
}

bool InspectFilter::pathMatches(const QString &pattern, const QString &path)
{
    // Iterative glob with one backtrack point (the last '*'): linear in
    // practice, no regular expression built per event.
    qsizetype p = 0, s = 0, star = -1, mark = 0;
    while (s < path.size()) {
        if (p < pattern.size() && (pattern.at(p) == QLatin1Char('?') || pattern.at(p) == path.at(s))) {
            ++p;
            ++s;
        } else if (p < pattern.size() && pattern.at(p) == QLatin1Char('*')) {
            star = p++;
            mark = s;
        } else if (star >= 0) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern.at(p) == QLatin1Char('*'))
        ++p;
    return p == pattern.size();
}

InspectFilterMatcher::InspectFilterMatcher(InspectFilter filter)
    : m_filter(std::move(filter))
{
}

void InspectFilterMatcher::learn(Connection &c, const QJsonObject &event) const
{
    const QString kind = event.value(QLatin1String("kind")).toString();
    if (kind == QLatin1String("request-received") && !c.pathKnown) {
        QString path = event.value(QLatin1String("head")).toObject().value(QLatin1String("target")).toString();
        path.truncate(path.indexOf(QLatin1Char('?')) < 0 ? path.size() : path.indexOf(QLatin1Char('?')));
        c.pathKnown = true;
        c.pathOk = m_filter.paths.isEmpty()
            || std::any_of(m_filter.paths.cbegin(), m_filter.paths.cend(), [&](const QString &p) { return InspectFilter::pathMatches(p, path); });
    } else if (kind == QLatin1String("route") && !c.upstreamKnown) {
        const QString group = event.value(QLatin1String("upstreamGroup")).toString();
        const QString server = event.value(QLatin1String("upstreamServer")).toString();
        c.upstreamKnown = true;
        c.upstreamOk = m_filter.upstreams.isEmpty() || m_filter.upstreams.contains(group) || m_filter.upstreams.contains(server);
    }
}

InspectFilterMatcher::Verdict InspectFilterMatcher::judge(const Connection &c) const
{
    const bool needPath = !m_filter.paths.isEmpty();
    const bool needUpstream = !m_filter.upstreams.isEmpty();
    if ((needPath && c.pathKnown && !c.pathOk) || (needUpstream && c.upstreamKnown && !c.upstreamOk))
        return Verdict::NoMatch;
    if ((!needPath || c.pathKnown) && (!needUpstream || c.upstreamKnown))
        return Verdict::Match;
    return c.held.size() >= MaxHeld ? Verdict::NoMatch : Verdict::Undecided;
}

void InspectFilterMatcher::feed(quint64 seq, const QJsonObject &event, QList<Sequenced> *out)
{
    const quint64 id = quint64(event.value(QLatin1String("connectionId")).toInteger());
    if (!m_filter.connections.isEmpty() && !m_filter.connections.contains(id))
        return; // judged by its id alone: nothing to remember
    if (m_filter.paths.isEmpty() && m_filter.upstreams.isEmpty()) {
        out->append({seq, event});
        return;
    }
    const bool closed = event.value(QLatin1String("kind")).toString() == QLatin1String("closed");
    if (m_connections.size() >= MaxTracked && !m_connections.contains(id)) {
        m_connections.removeIf([](const auto &entry) { return entry.value().verdict == Verdict::NoMatch; });
        if (m_connections.size() >= MaxTracked)
            m_connections.clear();
    }
    Connection &c = m_connections[id];
    if (c.verdict == Verdict::Undecided) {
        learn(c, event);
        c.held.append({seq, event});
        c.verdict = judge(c);
        if (c.verdict == Verdict::Match)
            out->append(std::exchange(c.held, {}));
        else if (c.verdict == Verdict::NoMatch)
            c.held.clear();
    } else if (c.verdict == Verdict::Match) {
        out->append({seq, event});
    }
    if (closed)
        m_connections.remove(id);
}
