#include "configcompiler.h"

#include "config/compiler.h"

#include "config/confparser.h"
#include "config/confunits.h"
#include "config/nginxdirectives.h"
#include "http/mapvariable.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QHostInfo>
#include <QSet>
#include <QSysInfo>

#include <algorithm>

#include <unistd.h>

using namespace Qt::StringLiterals;

qsizetype ConfigCompileResult::errorCount() const
{
    return std::count_if(diagnostics.cbegin(), diagnostics.cend(),
                         [](const ConfDiagnostic &d) { return d.severity == ConfDiagnostic::Severity::Error; });
}

qsizetype ConfigCompileResult::warningCount() const
{
    return std::count_if(diagnostics.cbegin(), diagnostics.cend(),
                         [](const ConfDiagnostic &d) { return d.severity == ConfDiagnostic::Severity::Warning; });
}

namespace ConfigCompilerImpl {

Compiler::Compiler(const ConfFile &file, const ConfigCompileOptions &options)
    : m_file(file)
    , m_options(options)
{
    if (!m_options.resolve) {
        m_options.resolve = [](const QString &host, QString *error) {
            const QHostInfo info = QHostInfo::fromName(host);
            if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
                *error = info.errorString();
                return QList<QHostAddress>();
            }
            return info.addresses();
        };
    }
    if (m_options.defaultListenPort == 0)
        m_options.defaultListenPort = ::geteuid() == 0 ? 80 : 8000;
    m_config = std::make_shared<ProxyConfig>();
    m_config->sourceFile = file.fileName;
    // ngx_core_module_init_conf: without worker_processes nginx runs one
    // worker, so per-worker state (the upstream keep-alive cache) is shared
    // by every client connection; `auto` is one per core.
    m_config->workerThreads = 1;
}

ConfigCompileResult Compiler::run()
{
    collectWsscopeIgnore(m_file.directives);
    compileMain();
    finishListens();

    ConfigCompileResult result;
    result.diagnostics = m_file.diagnostics;
    result.diagnostics += m_diagnostics;
    result.files = m_file.files;
    if (!m_file.hasErrors() && !m_hasErrors)
        result.config = m_config;
    return result;
}

void Compiler::report(ConfDiagnostic::Severity severity, const ConfLocation &at, const QString &message)
{
    ConfDiagnostic d;
    d.severity = severity;
    d.location = at;
    d.message = message;
    m_diagnostics.append(d);
    if (severity == ConfDiagnostic::Severity::Error)
        m_hasErrors = true;
}

void Compiler::warning(const ConfLocation &at, const QString &message)
{
    report(ConfDiagnostic::Severity::Warning, at, message);
}

bool Compiler::checkArgs(const ConfDirective &d, int min, int max)
{
    if (d.argCount() < min || d.argCount() > max) {
        error(d.location, u"invalid number of arguments in \"%1\" directive"_s.arg(text(d.name)));
        return false;
    }
    return true;
}

bool Compiler::checkNoBlock(const ConfDirective &d)
{
    if (d.hasBlock) {
        error(d.location, u"directive \"%1\" is not terminated by \";\""_s.arg(text(d.name)));
        return false;
    }
    return true;
}

bool Compiler::checkBlock(const ConfDirective &d)
{
    if (!d.hasBlock) {
        error(d.location, u"directive \"%1\" has no opening \"{\""_s.arg(text(d.name)));
        return false;
    }
    return true;
}

// A directive nobody handled in this context.
void Compiler::unhandled(const ConfDirective &d)
{
    const Command *c = findCommand(d.name);
    if (c && !c->elsewhereIgnored)
        error(d.location, u"\"%1\" directive is not allowed here"_s.arg(text(d.name)));
    else if (isKnownNginxDirective(d.name))
        ignored(d.name, d.location, d.hasBlock);
    else
        error(d.location, u"unknown directive \"%1\""_s.arg(text(d.name)));
}

// An nginx directive wsscope does not support. One that would change what
// a client or an upstream sees is an error, with what would differ, unless
// `wsscope_ignore` names it; the others are a warning, once per name (a
// pasted nginx.conf repeats fastcgi_param & co).
void Compiler::ignored(const QByteArray &name, const ConfLocation &at, bool hasBlock)
{
    const QString effect = unsupportedEffect(name);
    if (!effect.isEmpty() && !m_wsscopeIgnore.contains(name)) {
        const QString origin = likelyCopiedFrom(name);
        error(at, u"\"%1\" is not supported by wsscope: %2%3; remove it, or list it in \"wsscope_ignore %1;\" to "
                  u"run without it"_s.arg(text(name), effect,
                                         origin.isEmpty() ? QString() : u" (it usually comes with %1)"_s.arg(origin)));
        return;
    }
    if (m_ignoredWarned.contains(name) || m_wsscopeIgnore.contains(name))
        return;
    m_ignoredWarned.insert(name);
    warning(at, u"ignoring nginx directive \"%1\": wsscope does not support it%2 (further "
                u"\"%1\" directives are ignored silently)"_s.arg(
                    text(name), hasBlock ? u" nor anything in its block"_s : QString()));
}

// wsscope_ignore NAME...; anywhere in the file applies to all of it, before
// any directive is compiled. Only nginx directives wsscope does not
// implement may be named (anything else is a mistake worth an error).
void Compiler::collectWsscopeIgnore(const QList<ConfDirective> &directives)
{
    for (const ConfDirective &d : directives) {
        if (d.name != "wsscope_ignore") {
            collectWsscopeIgnore(d.children);
            continue;
        }
        if (d.args.size() > 1024)
            continue; // an argument count error where it stands
        for (const ConfArg &a : d.args) {
            if (findCommand(a.text)) // a warning: a file written before wsscope implemented it still loads
                warning(a.location, u"\"%1\" is implemented by wsscope: \"wsscope_ignore\" does not apply to it"_s.arg(
                                        text(a.text)));
            else if (!isKnownNginxDirective(a.text))
                error(a.location, u"unknown directive \"%1\" in \"wsscope_ignore\""_s.arg(text(a.text)));
            else
                m_wsscopeIgnore.insert(a.text);
        }
    }
}

void Compiler::compileMain()
{
    // Pasted blocks: http-level directives at the top are gathered into
    // one implicit http context.
    QList<const ConfDirective *> httpBody;
    const ConfDirective *firstLoose = nullptr;
    int httpBlocks = 0;
    bool haveEvents = false;
    for (const ConfDirective &d : m_file.directives) {
        if (d.name == "http") {
            if (++httpBlocks > 1) {
                error(d.location, u"\"http\" directive is duplicate"_s);
                continue;
            }
            if (!checkArgs(d, Ctx::Main))
                continue;
            for (const ConfDirective &c : d.children)
                httpBody.append(&c);
        } else if (d.name == "events") {
            if (haveEvents) {
                error(d.location, u"\"events\" directive is duplicate"_s);
                continue;
            }
            haveEvents = true;
            if (checkArgs(d, Ctx::Main))
                compileEvents(d);
        } else if (d.name == "wsscope_ignore") {
            checkArgs(d, Ctx::Main); // its names: collectWsscopeIgnore
        } else if (compileProcessDirective(d)) {
            continue;
        } else if (findCommand(d.name, Ctx::Http)) {
            if (!firstLoose)
                firstLoose = &d;
            httpBody.append(&d);
        } else {
            unhandled(d);
        }
    }
    if (firstLoose) {
        warning(firstLoose->location,
                u"\"%1\" directive is not allowed at the top of an nginx.conf; wsscope reads the file's "
                u"top-level blocks as if they were inside \"http { }\"%2"_s.arg(
                    text(firstLoose->name),
                    firstLoose->name == "location" ? u" and \"server { }\""_s : QString()));
    }
    compileHttp(httpBody);
}

void Compiler::compileEvents(const ConfDirective &events)
{
    for (const ConfDirective &d : events.children) {
        if (d.name == "worker_connections") {
            if (!checkArgs(d, Ctx::Events))
                continue;
            bool ok = false;
            const int n = d.argText(0).toInt(&ok);
            if (!ok || n < 1)
                error(d.args.at(0).location,
                      u"invalid value \"%1\" in \"worker_connections\" directive"_s.arg(text(d.argText(0))));
            else
                m_config->workerConnections = n;
        } else {
            unhandled(d);
        }
    }
}

void Compiler::compileHttp(const QList<const ConfDirective *> &body)
{
    // Maps, upstreams and user variables may be used before (or after)
    // they are defined, as in nginx: collect them first.
    declareUserVariables(body);
    for (const ConfDirective *d : body) {
        if (d->name == "map")
            declareMap(*d);
    }
    for (const ConfDirective *d : body) {
        if (d->name == "map")
            defineMap(*d);
    }
    for (const ConfDirective *d : body) {
        if (d->name == "upstream")
            compileUpstream(*d);
    }

    Scope http;
    // nginx's NGX_HTTP_CLIENT_TEMP_PATH under the prefix (-p); without one
    // the system's temporary directory (a configuration's own directory,
    // /etc/wsscope, is seldom writable by the user the server runs as).
    if (!m_options.prefix.isEmpty())
        http.values.clientBodyTempPath = resolvePath("client_body_temp");
    for (const ConfDirective *d : body) {
        if (d->name == "map" || d->name == "upstream" || d->name == "server" || d->name == "location")
            continue;
        if (applyCommon(*d, Ctx::Http, http))
            continue;
        if (d->name.startsWith("ssl_") && isKnownNginxDirective(d->name)) {
            handleServerSsl(*d, Ctx::Http, http);
            continue;
        }
        unhandled(*d);
    }
    finishInspect(http);

    int implicitServer = -1;
    for (const ConfDirective *d : body) {
        if (d->name == "server") {
            if (checkArgs(*d, Ctx::Http))
                compileServer(*d, http);
        } else if (d->name == "location") {
            // A pasted location: give it a server of its own (one for all).
            if (implicitServer < 0) {
                implicitServer = int(m_config->servers.size());
                ServerConfig server;
                server.names.append(ServerName{ServerName::Kind::Exact, QByteArray(), {}, {}});
                server.ssl = http.ssl;
                server.settings = http.values;
                m_config->servers.append(server);
                m_serverScopes.append(http);
            }
            compileLocation(*d, m_serverScopes[implicitServer], m_config->servers[implicitServer],
                            nullptr, &m_config->servers[implicitServer].locations);
        }
    }
}

// Arguments and block as the table says (ngx_conf_handler's checks).
bool Compiler::checkArgs(const ConfDirective &d, const Command &c)
{
    if (c.minArgs < 0)
        return true; // checked where the directive is used
    if (!checkArgs(d, c.minArgs, c.maxArgs))
        return false;
    return c.block ? checkBlock(d) : checkNoBlock(d);
}

bool Compiler::checkArgs(const ConfDirective &d, Ctx ctx)
{
    const Command *c = findCommand(d.name, ctx);
    Q_ASSERT(c);
    return checkArgs(d, *c);
}

// A file name in the configuration: relative ones are relative to the
// configuration file's directory (the current one for generated text).
QString Compiler::resolvePath(const QByteArray &name) const
{
    const QString path = QString::fromUtf8(name);
    if (QDir::isAbsolutePath(path))
        return path;
    // nginx's -p: paths are relative to the prefix (ngx_conf_full_name).
    const QString base = !m_options.prefix.isEmpty() ? m_options.prefix
        : m_file.fileName.isEmpty()                  ? QDir::currentPath()
                                                     : QFileInfo(m_file.fileName).absolutePath();
    return QDir(base).filePath(path);
}

std::optional<qint64> Compiler::timeArg(const ConfDirective &d)
{
    const auto ms = ConfUnits::parseMsec(d.argText(0));
    if (!ms)
        error(d.args.at(0).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
    return ms;
}

StoredDirective Compiler::stored(const ConfDirective &d)
{
    StoredDirective s;
    s.name = d.name;
    for (const ConfArg &a : d.args)
        s.args.append(a.text);
    s.at = d.location;
    return s;
}

} // namespace ConfigCompilerImpl

using namespace ConfigCompilerImpl;

ConfigCompileResult ConfigCompiler::compile(const ConfFile &file, const ConfigCompileOptions &options)
{
    if (!options.globals.isEmpty()) {
        // nginx -g: parsed as the main context's ("... in command line").
        ConfFile withGlobals = file;
        ConfFile line = ConfParser::parseText(options.globals, QStringLiteral("command line"));
        withGlobals.directives += line.directives;
        withGlobals.diagnostics += line.diagnostics;
        Compiler compiler(withGlobals, options);
        return compiler.run();
    }
    Compiler compiler(file, options);
    return compiler.run();
}

ConfigCompileResult ConfigCompiler::compileFile(const QString &path, const ConfigCompileOptions &options)
{
    return compile(ConfParser::parseFile(path), options);
}

ConfigCompileResult ConfigCompiler::compileText(QByteArrayView text, const QString &fileName,
                                                const ConfigCompileOptions &options)
{
    return compile(ConfParser::parseText(text, fileName), options);
}
