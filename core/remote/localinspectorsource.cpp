#include "remote/localinspectorsource.h"

#include "config/configcompiler.h"
#include "proxy/proxyserver.h"
#include "upstream/upstreamgroup.h"

#include <QHostAddress>
#include <QTimer>

namespace {

// The editor's live check must not block on DNS: any host name is taken as
// resolvable here; Apply resolves for real.
ConfigCompileOptions checkOptions(ConfigCompileOptions options)
{
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
{
    setIdentity(tr("local"), true, true);
    setConfigText(configText, configName);
    // A 256 MiB budget: when the window cannot keep up, the bus drops and
    // counts batches instead of growing without limit.
    m_subscription = m_server->events().subscribe(
        this, [this](const QList<InspectEvent> &batch) { emit eventsReceived(batch); }, qint64(256) << 20);
    connect(m_server, &ProxyServer::configReloaded, this, &LocalInspectorSource::readRuntime);
    readRuntime();
}

LocalInspectorSource::~LocalInspectorSource()
{
    m_server->events().unsubscribe(m_subscription);
}

void LocalInspectorSource::readRuntime()
{
    QStringList listeners;
    for (const ListenAddress &a : m_server->boundAddresses())
        listeners << a.toString();
    QList<UpstreamTarget> targets;
    QHash<QString, QString> methods;
    if (const RuntimeSnapshot runtime = m_server->runtime()) {
        for (const auto &group : runtime->groups()) {
            const QString name = QString::fromUtf8(group->name());
            methods.insert(name, group->balancing().algorithmName());
            for (const UpstreamServer &s : group->servers())
                targets << UpstreamTarget{name, QString::fromUtf8(s.name), s.down, s.backup, s.weight};
        }
    }
    setListeners(listeners);
    if (targets != upstreamTargets() || methods != methodsByGroup())
        setConfig(configText(), configName(), targets, methods);
}

quint64 LocalInspectorSource::droppedEvents() const
{
    return m_server->events().droppedCount(m_subscription);
}

void LocalInspectorSource::refresh()
{
    readRuntime(); // the listeners of a server started after we were made
    setFigures(m_server->upstreamFigures(), droppedEvents());
}

quint64 LocalInspectorSource::checkConfig(const QString &text)
{
    const quint64 request = nextRequest();
    QTimer::singleShot(0, this, [this, request, text] {
        // Compile only: no key is loaded and no group built per keystroke.
        emit configChecked(request, checkCompiled(ConfigCompiler::compileText(text.toUtf8(), configName(), checkOptions(m_compileOptions))));
    });
    return request;
}

quint64 LocalInspectorSource::applyConfig(const QString &text)
{
    const quint64 request = nextRequest();
    QTimer::singleShot(0, this, [this, request, text] { emit configApplied(request, apply(text)); });
    return request;
}

ConfigCheckResult LocalInspectorSource::apply(const QString &text)
{
    // Apply is `wsscope -t` and a reload: compile, then build the runtime
    // (keys loaded, groups taking the running ones' state over).
    ConfigCompileResult compiled = ConfigCompiler::compileText(text.toUtf8(), configName(), m_compileOptions);
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
    setConfigText(text, configName());
    return result;
}

void LocalInspectorSource::inject(quint64 connectionId, Direction direction, WsOpcode opcode, const QByteArray &payload)
{
    m_server->inject(connectionId, direction, opcode, payload);
}
