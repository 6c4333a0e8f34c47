#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

// What one attached client asked to see (`subscribe {filter}` on the
// inspection channel, `wsscope attach --filter`): connections by id, by the
// path of their request, or by the upstream they were routed to. Each list
// empty means "any"; a value matches when it equals one of its list's
// entries; all non-empty lists must match. A filter with every list empty
// shows everything.
struct InspectFilter
{
    QList<quint64> connections; // the daemon's connection ids
    QStringList paths;          // "/chat*": '*' any run of characters, '?' one; the query is not part of the path
    QStringList upstreams;      // a group name ("websocket") or a server ("127.0.0.1:8010")

    bool isEmpty() const { return connections.isEmpty() && paths.isEmpty() && upstreams.isEmpty(); }
    bool operator==(const InspectFilter &) const = default;

    // {"connections":[12], "paths":["/chat*"], "upstreams":["websocket"]}
    QJsonObject toJson() const;
    // Strict: unknown fields and values of the wrong type are errors (a typo
    // must not silently show everything). `error` says which field.
    static std::optional<InspectFilter> fromJson(const QJsonValue &value, QString *error);
    // The command-line form: comma-separated KEY=VALUE, KEY one of path,
    // upstream, conn ("path=/chat*,upstream=websocket,conn=12"); added to
    // `filter`, so repeated --filter flags widen each list.
    static bool parseExpression(const QString &expression, InspectFilter *filter, QString *error);
    // Glob match of a request path ('*' and '?').
    static bool pathMatches(const QString &pattern, const QString &path);
};

// Applies an InspectFilter to the event stream (events in their JSON form,
// as the channel keeps and sends them). A connection is judged once what the
// filter asks about is known: its id at once, its path at its first
// `request-received`, its upstream at its first `route`. Its earlier events
// (the `connection-opened`) are held until then, and dropped with the
// connection if it does not match or closes undecided (e.g. a path filter
// and no request, an upstream filter and an answer of the proxy's own).
// Later keep-alive requests of a judged connection follow its verdict.
class InspectFilterMatcher final
{
public:
    using Sequenced = std::pair<quint64, QJsonObject>; // the channel's event number, the event

    explicit InspectFilterMatcher(InspectFilter filter = {});

    const InspectFilter &filter() const { return m_filter; }
    // Feeds one event; appends to `out` what may be shown now (held events
    // of its connection first, in their order).
    void feed(quint64 seq, const QJsonObject &event, QList<Sequenced> *out);
    // Connections judged or waiting (for tests: the state stays bounded).
    qsizetype trackedConnections() const { return m_connections.size(); }

    // Events held per undecided connection at most; beyond, the connection
    // is judged not to match (a connection that never tells its request).
    static constexpr int MaxHeld = 64;
    // Connections tracked at most. A connection whose close never reaches the
    // channel (it closed while the recording was paused) would stay for the
    // client's lifetime; past this many, the ones judged not to match are
    // forgotten, and if that is not enough, all (a connection forgotten
    // while live is judged anew, and without its request it no longer shows).
    static constexpr int MaxTracked = 50'000;

private:
    enum class Verdict : quint8 { Undecided, Match, NoMatch };
    struct Connection
    {
        Verdict verdict = Verdict::Undecided;
        bool pathKnown = false;
        bool pathOk = false;
        bool upstreamKnown = false;
        bool upstreamOk = false;
        QList<Sequenced> held;
    };

    void learn(Connection &c, const QJsonObject &event) const;
    Verdict judge(const Connection &c) const;

    InspectFilter m_filter;
    QHash<quint64, Connection> m_connections;
};
