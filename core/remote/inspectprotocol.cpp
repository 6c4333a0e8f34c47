#include "remote/inspectprotocol.h"

#include "tls/certificateauthority.h"

#include <QCoreApplication>
#include <QDir>
#include <QSslCertificate>
#include <QSysInfo>

namespace InspectProtocol {

namespace {

QJsonObject locationToJson(const ConfLocation &l)
{
    return {{QStringLiteral("file"), l.file}, {QStringLiteral("line"), l.line}, {QStringLiteral("column"), l.column}};
}

ConfLocation locationFromJson(const QJsonObject &o)
{
    ConfLocation l;
    l.file = o.value(QLatin1String("file")).toString();
    l.line = o.value(QLatin1String("line")).toInt();
    l.column = o.value(QLatin1String("column")).toInt();
    return l;
}

UpstreamServerFigures::Health healthFromName(const QString &name)
{
    using H = UpstreamServerFigures::Health;
    for (H h : {H::Up, H::Backup, H::Failed, H::Down, H::Unhealthy}) {
        if (name == QLatin1String(upstreamHealthName(h)))
            return h;
    }
    return H::Up;
}

} // namespace

// wss:// to a daemon whose certificate the local CA issued works without
// a question: that CA joins the system's.
QSslConfiguration clientSslConfiguration()
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    const QString ca = QDir(CertificateAuthority::defaultDirectory()).filePath(QLatin1String(CertificateAuthority::CertificateFile));
    QList<QSslCertificate> cas = ssl.caCertificates();
    cas << QSslCertificate::fromPath(ca);
    ssl.setCaCertificates(cas);
    return ssl;
}

QString tlsRefusalText(const QList<QSslError> &errors)
{
    QStringList why;
    for (const QSslError &e : errors)
        why << e.errorString();
    return QCoreApplication::translate("InspectProtocol",
                                       "the instance's TLS certificate is not trusted (%1); trusted are the system's "
                                       "CAs and this machine's local CA (wsscope cert show)")
        .arg(why.join(QLatin1String("; ")));
}

QJsonObject checkResultToJson(const ConfigCheckResult &result)
{
    QJsonArray diagnostics;
    for (const ConfDiagnostic &d : result.diagnostics) {
        QJsonObject o = locationToJson(d.location);
        o.insert(QStringLiteral("severity"), ConfDiagnostic::severityName(d.severity));
        o.insert(QStringLiteral("message"), d.message);
        diagnostics << o;
    }
    QJsonArray findings;
    for (const DoctorFinding &f : result.findings) {
        QJsonObject o = locationToJson(f.location);
        o.insert(QStringLiteral("rule"), f.rule);
        o.insert(QStringLiteral("message"), f.message);
        o.insert(QStringLiteral("fix"), f.fix);
        findings << o;
    }
    return {{QStringLiteral("ok"), result.ok},
            {QStringLiteral("error"), result.applyError},
            {QStringLiteral("diagnostics"), diagnostics},
            {QStringLiteral("findings"), findings}};
}

ConfigCheckResult checkResultFromJson(const QJsonObject &answer)
{
    ConfigCheckResult result;
    result.ok = answer.value(QLatin1String("ok")).toBool();
    result.applyError = answer.value(QLatin1String("error")).toString();
    for (const QJsonValue &v : answer.value(QLatin1String("diagnostics")).toArray()) {
        const QJsonObject o = v.toObject();
        ConfDiagnostic d;
        const QString severity = o.value(QLatin1String("severity")).toString();
        for (auto s : {ConfDiagnostic::Severity::Error, ConfDiagnostic::Severity::Warning, ConfDiagnostic::Severity::Note}) {
            if (severity == ConfDiagnostic::severityName(s))
                d.severity = s;
        }
        d.location = locationFromJson(o);
        d.message = o.value(QLatin1String("message")).toString();
        result.diagnostics << d;
    }
    for (const QJsonValue &v : answer.value(QLatin1String("findings")).toArray()) {
        const QJsonObject o = v.toObject();
        result.findings << DoctorFinding{o.value(QLatin1String("rule")).toString(), locationFromJson(o),
                                         o.value(QLatin1String("message")).toString(),
                                         o.value(QLatin1String("fix")).toString()};
    }
    return result;
}

QJsonArray figuresToJson(const QList<UpstreamFigures> &figures)
{
    QJsonArray groups;
    for (const UpstreamFigures &g : figures) {
        QJsonArray servers;
        for (const UpstreamServerFigures &f : g.servers) {
            servers << QJsonObject{{QStringLiteral("name"), f.name},
                                   {QStringLiteral("backup"), f.backup},
                                   {QStringLiteral("weight"), f.weight},
                                   {QStringLiteral("health"), QLatin1String(upstreamHealthName(f.health))},
                                   {QStringLiteral("failedForMs"), double(f.failedForMs)},
                                   {QStringLiteral("liveConnections"), f.liveConnections},
                                   {QStringLiteral("totalConnections"), double(f.totalConnections)},
                                   {QStringLiteral("failures"), double(f.failures)},
                                   {QStringLiteral("lastFailure"), f.lastFailure},
                                   {QStringLiteral("healthDetail"), f.healthDetail}};
        }
        groups << QJsonObject{{QStringLiteral("group"), g.group},
                              {QStringLiteral("algorithm"), g.algorithm},
                              {QStringLiteral("decisions"), double(g.decisions)},
                              {QStringLiteral("servers"), servers}};
    }
    return groups;
}

QList<UpstreamFigures> figuresFromJson(const QJsonArray &groups)
{
    QList<UpstreamFigures> out;
    for (const QJsonValue &gv : groups) {
        const QJsonObject g = gv.toObject();
        UpstreamFigures figures;
        figures.group = g.value(QLatin1String("group")).toString();
        figures.algorithm = g.value(QLatin1String("algorithm")).toString();
        figures.decisions = quint64(g.value(QLatin1String("decisions")).toDouble());
        for (const QJsonValue &sv : g.value(QLatin1String("servers")).toArray()) {
            const QJsonObject s = sv.toObject();
            UpstreamServerFigures f;
            f.name = s.value(QLatin1String("name")).toString();
            f.backup = s.value(QLatin1String("backup")).toBool();
            f.weight = s.value(QLatin1String("weight")).toInt(1);
            f.health = healthFromName(s.value(QLatin1String("health")).toString());
            f.failedForMs = qint64(s.value(QLatin1String("failedForMs")).toDouble());
            f.liveConnections = s.value(QLatin1String("liveConnections")).toInt();
            f.totalConnections = quint64(s.value(QLatin1String("totalConnections")).toDouble());
            f.failures = quint64(s.value(QLatin1String("failures")).toDouble());
            f.lastFailure = s.value(QLatin1String("lastFailure")).toString();
            f.healthDetail = s.value(QLatin1String("healthDetail")).toString();
            figures.servers << f;
        }
        out << figures;
    }
    return out;
}

QJsonArray targetsToJson(const QList<UpstreamTarget> &targets)
{
    QJsonArray out;
    for (const UpstreamTarget &t : targets) {
        out << QJsonObject{{QStringLiteral("group"), t.group}, {QStringLiteral("server"), t.server},
                           {QStringLiteral("down"), t.down},   {QStringLiteral("backup"), t.backup},
                           {QStringLiteral("weight"), t.weight}};
    }
    return out;
}

QList<UpstreamTarget> targetsFromJson(const QJsonArray &targets)
{
    QList<UpstreamTarget> out;
    for (const QJsonValue &v : targets) {
        const QJsonObject t = v.toObject();
        out << UpstreamTarget{t.value(QLatin1String("group")).toString(), t.value(QLatin1String("server")).toString(),
                              t.value(QLatin1String("down")).toBool(), t.value(QLatin1String("backup")).toBool(),
                              t.value(QLatin1String("weight")).toInt(1)};
    }
    return out;
}

QString clientName()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("USERNAME"); // Windows
    const QString host = QSysInfo::machineHostName();
    return user.isEmpty() ? host : user + QLatin1Char('@') + host;
}

RecordingState recordingFromJson(const QJsonValue &message, bool paused)
{
    RecordingState state;
    if (!message.isObject())
        return state;
    const QJsonObject o = message.toObject();
    state.paused = paused;
    state.by = o.value(QLatin1String("by")).toString();
    state.peer = o.value(QLatin1String("peer")).toString();
    state.sinceMs = qint64(o.value(QLatin1String("at")).toDouble());
    state.lastNotRecorded = quint64(o.value(QLatin1String("notRecorded")).toDouble());
    return state;
}

} // namespace InspectProtocol
