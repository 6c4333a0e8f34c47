#include "localinspectorsource.h"

#include "config/configcompiler.h"
#include "proxy/proxyserver.h"
#include "upstream/upstreamgroup.h"

#include <QHostAddress>
#include <QSet>

namespace {

// The editor's live check must not block on DNS: any host name is taken as
// resolvable here; Apply resolves for real.
ConfigCompileOptions checkOptions()
{
    ConfigCompileOptions options;
    options.resolve = [](const QString &host, QString *) -> QList<QHostAddress> {
        const QHostAddress literal(host);
        if (!literal.isNull())
            return {literal};
        return {QHostAddress(QHostAddress::LocalHost)};
    };
    return options;
}

ConfigCheckResult checkCompiled(const ConfigCompileResult &compiled)
{
    ConfigCheckResult result;
    result.ok = compiled.ok();
    result.diagnostics = compiled.diagnostics;
    if (compiled.config)
        result.findings = ConfigDoctor::check(*compiled.config);
    return result;
}

} // namespace

LocalInspectorSource::LocalInspectorSource(ProxyServer *server, QString configText, QString configName, QObject *parent)
    : InspectorSource(parent)
    , m_server(server)
    , m_configText(std::move(configText))
    , m_configName(std::move(configName))
{
    // A 256 MiB budget: when the window cannot keep up, the bus drops and
    // counts batches instead of growing without limit.
    m_subscription = m_server->events().subscribe(
        this, [this](const QList<InspectEvent> &batch) { emit eventsReceived(batch); }, qint64(256) << 20);
    connect(m_server, &ProxyServer::configReloaded, this, &InspectorSource::configChanged);
}

LocalInspectorSource::~LocalInspectorSource()
{
    m_server->events().unsubscribe(m_subscription);
}

QStringList LocalInspectorSource::listeners() const
{
    QStringList out;
    for (const ListenAddress &a : m_server->boundAddresses())
        out << a.toString();
    return out;
}

QString LocalInspectorSource::balancingMethod(const QString &group) const
{
    const RuntimeSnapshot runtime = m_server->runtime();
    if (!runtime)
        return {};
    for (const auto &g : runtime->groups()) {
        if (QString::fromUtf8(g->name()) == group)
            return g->balancing().algorithmName();
    }
    return {};
}

QList<UpstreamFigures> LocalInspectorSource::upstreamFigures() const
{
    return m_server->upstreamFigures();
}

QList<UpstreamTarget> LocalInspectorSource::upstreamTargets() const
{
    QList<UpstreamTarget> out;
    const RuntimeSnapshot runtime = m_server->runtime();
    if (!runtime)
        return out;
    for (const auto &group : runtime->groups()) {
        for (const UpstreamServer &s : group->servers()) {
            UpstreamTarget t;
            t.group = QString::fromUtf8(group->name());
            t.server = QString::fromUtf8(s.name);
            t.down = s.down;
            t.backup = s.backup;
            t.weight = s.weight;
            out << t;
        }
    }
    return out;
}

ConfigCheckResult LocalInspectorSource::checkConfig(const QString &text) const
{
    // Compile only: no key is loaded and no group built per keystroke.
    return checkCompiled(ConfigCompiler::compileText(text.toUtf8(), m_configName, checkOptions()));
}

ConfigCheckResult LocalInspectorSource::applyConfig(const QString &text)
{
    // Apply is `wsscope -t` and a reload: compile, then build the runtime
    // (keys loaded, groups taking the running ones' state over).
    ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), m_configName);
    const RuntimeSnapshot runtime = ProxyRuntime::build(&compiled, m_server->runtime().get());
    ConfigCheckResult result = checkCompiled(compiled);
    if (!result.ok)
        return result;
    QString error;
    if (!m_server->reload(runtime, &error)) {
        result.ok = false;
        result.applyError = error;
        return result;
    }
    m_configText = text;
    return result;
}

void LocalInspectorSource::inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload)
{
    m_server->inject(connectionId, direction, opcode, payload);
}

quint64 LocalInspectorSource::droppedEvents() const
{
    return m_server->events().droppedCount(m_subscription);
}

void LocalInspectorSource::setConfigText(const QString &text, const QString &name)
{
    m_configText = text;
    m_configName = name;
}
