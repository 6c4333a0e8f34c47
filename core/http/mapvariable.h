#pragma once

#include "variables.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QRegularExpression>

// A `map $source $name { ... }` variable (ngx_http_map_module), compiled
// once at load. Lookup order as nginx: exact keys (case-insensitive), then
// with `hostnames` the longest "*.x" / ".x" wildcard and the longest "x.*"
// wildcard, then the regexes in order, else the default (empty when none).
class MapVariable final
{
    Q_DISABLE_COPY_MOVE(MapVariable)

public:
    explicit MapVariable(QByteArray name)
        : m_name(std::move(name))
    {
    }

    const QByteArray &name() const { return m_name; }

    // Building, by the config compiler only (before the snapshot is shared).
    void setSource(ValueTemplate source) { m_source = std::move(source); }
    void setHostnames(bool on) { m_hostnames = on; }
    void setDefault(ValueTemplate value) { m_default = std::move(value); m_hasDefault = true; }
    // False when the key is already there (nginx: "duplicate" or "conflicting").
    bool addExact(const QByteArray &key, ValueTemplate value);
    // "*.example.com" (suffix ".example.com") or ".example.com" (the same,
    // plus example.com itself: `includesBare`).
    bool addLeadingWildcard(const QByteArray &suffix, bool includesBare, ValueTemplate value);
    bool addTrailingWildcard(const QByteArray &prefix, ValueTemplate value); // "www.example."
    void addRegex(QRegularExpression regex, ValueTemplate value);
    bool hasDefault() const { return m_hasDefault; }
    bool hostnames() const { return m_hostnames; }
    const ValueTemplate &source() const { return m_source; }

    QByteArray evaluate(const RequestContext &context) const;
    // The value for an already-evaluated source (for tests and the GUI).
    QByteArray lookup(QByteArrayView sourceValue, const RequestContext &context) const;

private:
    QByteArray m_name;
    ValueTemplate m_source;
    bool m_hostnames = false;
    bool m_hasDefault = false;
    ValueTemplate m_default;
    QHash<QByteArray, ValueTemplate> m_exact;
    struct Leading
    {
        QByteArray suffix; // starts with "."
        bool includesBare;
        ValueTemplate value;
    };
    QList<Leading> m_leading;
    QList<QPair<QByteArray, ValueTemplate>> m_trailing; // prefixes, ending with "."
    QList<QPair<QRegularExpression, ValueTemplate>> m_regexes;
};
