#include "configcompiler.h"

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

namespace {

enum class Ctx : quint8 { Main, Events, Http, Server, Location, Upstream };

QString text(QByteArrayView s)
{
    return QString::fromUtf8(s);
}

bool hasLineBreakOrNul(QByteArrayView s)
{
    return s.contains('\r') || s.contains('\n') || s.contains('\0');
}

// RFC 9110 5.1: field names are tokens.
bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

// What a level hands to the levels inside it: nginx's merge of the
// location configuration (an unset value comes from the enclosing level;
// proxy_set_header is all-or-nothing per level).
struct Scope
{
    LocationSettings values;         // what the level merges down
    QList<HeaderRule> userHeaders;   // proxy_set_header rules in effect (own or inherited)
    ConfLocation headersAt;          // first proxy_set_header of the level that set them
    bool headersSetHere = false;
    bool logsSetHere = false;
    bool redirectsSetHere = false;
    bool proxySslSetHere = false;
    QList<StoredDirective> ssl;
    QList<HeaderShadow> shadows; // levels on the way here that dropped inherited headers
};

class Compiler;

// One entry per directive, as nginx's ngx_command_t: where it is accepted
// (a mask of ConfContext bits), how many arguments it takes, whether it has
// a block, and what sets it: a handler, or a generic slot bound to a field of
// the settings a level merges down. "Is this supported", "which level",
// the unknown/ignored diagnostics and the listing all come from the table.
struct Command
{
    QByteArrayView name;
    quint8 contexts = 0;
    qint16 minArgs = 0;   // -1: checked where the directive is used
    qint16 maxArgs = 0;
    bool block = false;
    bool inherited = false;        // a LocationSettings value, merged into inner levels
    bool elsewhereIgnored = false; // outside its contexts: nginx's ignored/unknown rule, not "not allowed here"
    void (Compiler::*handler)(const ConfDirective &, Ctx, Scope &) = nullptr;
    qint64 LocationSettings::*msec = nullptr;
    bool LocationSettings::*flag = nullptr;
    int LocationSettings::*number = nullptr;
    ConfLocation LocationSettings::*at = nullptr; // where the value was set, when the settings keep it
};

const std::vector<Command> &commands();

constexpr quint8 contextBit(Ctx ctx)
{
    return quint8(1u << int(ctx));
}

// The entry for `name` in `ctx`; nullptr when the directive is not valid there.
const Command *findCommand(QByteArrayView name, Ctx ctx)
{
    for (const Command &c : commands()) {
        if (c.name == name && (c.contexts & contextBit(ctx)))
            return &c;
    }
    return nullptr;
}

// The first entry for `name` in any context.
const Command *findCommand(QByteArrayView name)
{
    for (const Command &c : commands()) {
        if (c.name == name)
            return &c;
    }
    return nullptr;
}

struct ListenEntry
{
    int server;
    ListenAddress address;
};

class Compiler
{
    friend const std::vector<Command> &commands();

public:
    Compiler(const ConfFile &file, const ConfigCompileOptions &options)
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
    }

    ConfigCompileResult run()
    {
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

private:
    // ------------------------------------------------------------ diagnostics

    void report(ConfDiagnostic::Severity severity, const ConfLocation &at, const QString &message)
    {
        ConfDiagnostic d;
        d.severity = severity;
        d.location = at;
        d.message = message;
        m_diagnostics.append(d);
        if (severity == ConfDiagnostic::Severity::Error)
            m_hasErrors = true;
    }
    void error(const ConfLocation &at, const QString &message) { report(ConfDiagnostic::Severity::Error, at, message); }
    void warning(const ConfLocation &at, const QString &message)
    {
        report(ConfDiagnostic::Severity::Warning, at, message);
    }

    bool checkArgs(const ConfDirective &d, int min, int max)
    {
        if (d.argCount() < min || d.argCount() > max) {
            error(d.location, u"invalid number of arguments in \"%1\" directive"_s.arg(text(d.name)));
            return false;
        }
        return true;
    }
    bool checkNoBlock(const ConfDirective &d)
    {
        if (d.hasBlock) {
            error(d.location, u"directive \"%1\" is not terminated by \";\""_s.arg(text(d.name)));
            return false;
        }
        return true;
    }
    bool checkBlock(const ConfDirective &d)
    {
        if (!d.hasBlock) {
            error(d.location, u"directive \"%1\" has no opening \"{\""_s.arg(text(d.name)));
            return false;
        }
        return true;
    }

    // A directive nobody handled in this context.
    void unhandled(const ConfDirective &d)
    {
        const Command *c = findCommand(d.name);
        if (c && !c->elsewhereIgnored)
            error(d.location, u"\"%1\" directive is not allowed here"_s.arg(text(d.name)));
        else if (isKnownNginxDirective(d.name))
            ignored(d.name, d.location, d.hasBlock);
        else
            error(d.location, u"unknown directive \"%1\""_s.arg(text(d.name)));
    }

    // An nginx directive wsscope does not support: a warning, once per name
    // (a pasted nginx.conf repeats fastcgi_param & co).
    void ignored(const QByteArray &name, const ConfLocation &at, bool hasBlock)
    {
        if (m_ignoredWarned.contains(name))
            return;
        m_ignoredWarned.insert(name);
        warning(at, u"ignoring nginx directive \"%1\": wsscope does not support it%2 (further "
                    u"\"%1\" directives are ignored silently)"_s.arg(
                        text(name), hasBlock ? u" nor anything in its block"_s : QString()));
    }

    // ------------------------------------------------------------ main

    void compileMain()
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
            } else if (d.name == "worker_processes") {
                if (!checkArgs(d, Ctx::Main))
                    continue;
                if (d.argText(0) == "auto") {
                    m_config->workerThreads = 0;
                } else {
                    bool ok = false;
                    const int n = d.argText(0).toInt(&ok);
                    if (!ok || n < 1)
                        error(d.args.at(0).location, u"invalid value \"%1\" in \"worker_processes\" directive"_s.arg(
                                                         text(d.argText(0))));
                    else if (n > 64)
                        error(d.args.at(0).location, u"\"worker_processes\" %1 is more than wsscope's 64 worker threads"_s.arg(n));
                    else
                        m_config->workerThreads = n;
                }
            } else if (d.name == "worker_shutdown_timeout") {
                if (checkArgs(d, Ctx::Main)) {
                    if (const auto ms = timeArg(d))
                        m_config->drainTimeoutMs = *ms;
                }
            } else if (d.name == "error_log") {
                if (checkArgs(d, Ctx::Main))
                    m_config->logs.append(stored(d));
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

    void compileEvents(const ConfDirective &events)
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

    // ------------------------------------------------------------ http

    void compileHttp(const QList<const ConfDirective *> &body)
    {
        // Maps and upstreams may be used before (or after) they are
        // defined, as in nginx: collect them first.
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
        for (const ConfDirective *d : body) {
            if (d->name == "map" || d->name == "upstream" || d->name == "server" || d->name == "location")
                continue;
            if (applyCommon(*d, Ctx::Http, http))
                continue;
            if (d->name.startsWith("ssl_") && isKnownNginxDirective(d->name)) {
                http.ssl.append(stored(*d));
                continue;
            }
            unhandled(*d);
        }

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
                    server.logs = http.values.logs;
                    m_config->servers.append(server);
                    m_serverScopes.append(http);
                }
                compileLocation(*d, m_serverScopes[implicitServer], m_config->servers[implicitServer],
                                nullptr, &m_config->servers[implicitServer].locations);
            }
        }
    }

    // ------------------------------------------------------------ the directive table

    // The directives valid at http, server and location level: the table's
    // entries that carry a handler or a slot (the others are read by the
    // block's own compile function). False when `d` is none of them here.
    bool applyCommon(const ConfDirective &d, Ctx ctx, Scope &scope)
    {
        const Command *c = findCommand(d.name, ctx);
        if (!c || (!c->handler && !c->msec && !c->flag && !c->number))
            return false;
        if (!checkArgs(d, *c))
            return true;
        LocationSettings &v = scope.values;
        if (c->handler)
            (this->*c->handler)(d, ctx, scope);
        else if (c->msec)
            setMsec(d, v.*c->msec);
        else if (c->flag)
            setFlag(d, v.*c->flag);
        else
            setNumber(d, v.*c->number);
        if (c->at)
            v.*c->at = d.location;
        return true;
    }

    // Arguments and block as the table says (ngx_conf_handler's checks).
    bool checkArgs(const ConfDirective &d, const Command &c)
    {
        if (c.minArgs < 0)
            return true; // checked where the directive is used
        if (!checkArgs(d, c.minArgs, c.maxArgs))
            return false;
        return c.block ? checkBlock(d) : checkNoBlock(d);
    }
    bool checkArgs(const ConfDirective &d, Ctx ctx)
    {
        const Command *c = findCommand(d.name, ctx);
        Q_ASSERT(c);
        return checkArgs(d, *c);
    }

    // The generic slots (ngx_conf_set_msec_slot, _flag_slot, _num_slot).
    void setMsec(const ConfDirective &d, qint64 &out)
    {
        if (const auto ms = timeArg(d))
            out = *ms;
    }
    void setFlag(const ConfDirective &d, bool &out)
    {
        if (const auto on = flagArg(d.argText(0)))
            out = *on;
        else
            error(d.args.at(0).location, u"invalid value \"%1\" in \"%2\" directive, it must be \"on\" or \"off\""_s.arg(
                                             text(d.argText(0)), text(d.name)));
    }
    void setNumber(const ConfDirective &d, int &out)
    {
        bool ok = false;
        const int n = d.argText(0).toInt(&ok);
        if (!ok || n < 0)
            error(d.args.at(0).location, u"invalid value \"%1\" in \"%2\" directive"_s.arg(text(d.argText(0)), text(d.name)));
        else
            out = n;
    }
    // on|off, the one parser of flags (nginx's ngx_conf_set_flag_slot).
    static std::optional<bool> flagArg(QByteArrayView word) { return ConfUnits::parseFlag(word); }

    void handleProxySetHeader(const ConfDirective &d, Ctx, Scope &scope)
    {
        LocationSettings &v = scope.values;
        if (!scope.headersSetHere) {
            scope.headersSetHere = true;
            scope.userHeaders.clear();
            v.headerOrigins.clear();
            scope.headersAt = d.location;
        }
        const QByteArray name = d.argText(0);
        const QByteArray value = d.argText(1);
        if (!isToken(name)) {
            error(d.args.at(0).location, u"invalid header name \"%1\" in \"proxy_set_header\" directive"_s.arg(text(name)));
            return;
        }
        if (hasLineBreakOrNul(value)) {
            error(d.args.at(1).location,
                  u"a header value may not contain CR, LF or NUL (in \"proxy_set_header\" directive)"_s);
            return;
        }
        if (auto t = compileTemplate(value, d.args.at(1).location)) {
            scope.userHeaders.append(HeaderRule{name, std::move(*t)});
            v.headerOrigins.append(HeaderOrigin{name, value, d.location});
        }
    }

    void handlePreviewSize(const ConfDirective &d, Ctx, Scope &scope)
    {
        const auto bytes = ConfUnits::parseSize(d.argText(0));
        if (!bytes || *bytes > 64 * 1024 * 1024)
            error(d.args.at(0).location, u"\"ws_preview_size\" directive invalid value (0 to 64m)"_s);
        else
            scope.values.previewBytes = *bytes;
    }

    void handlePingInterval(const ConfDirective &d, Ctx, Scope &scope)
    {
        LocationSettings &v = scope.values;
        const auto ms = timeArg(d);
        if (!ms)
            return;
        quint8 peers = LocationSettings::PingClient | LocationSettings::PingUpstream;
        if (d.args.size() == 2) {
            const QByteArray who = d.argText(1);
            if (who == "client")
                peers = LocationSettings::PingClient;
            else if (who == "upstream")
                peers = LocationSettings::PingUpstream;
            else if (who != "both") {
                error(d.args.at(1).location, u"invalid value \"%1\" in \"ws_ping_interval\" directive, it must be \"client\", \"upstream\" or \"both\""_s.arg(
                                                 text(who)));
                return;
            }
        }
        if (*ms > 0 && *ms < 100) {
            error(d.args.at(0).location, u"\"ws_ping_interval\" must be at least 100ms (or 0 to turn pings off)"_s);
            return;
        }
        v.pingIntervalMs = *ms;
        v.pingPeers = peers;
        v.pingAt = d.location;
    }

    void handleProxyHttpVersion(const ConfDirective &d, Ctx, Scope &scope)
    {
        LocationSettings &v = scope.values;
        if (d.argText(0) == "1.0")
            v.proxyHttpVersionMinor = 0;
        else if (d.argText(0) == "1.1")
            v.proxyHttpVersionMinor = 1;
        else {
            error(d.args.at(0).location, u"invalid value \"%1\" in \"proxy_http_version\" directive, it must be \"1.0\" or \"1.1\""_s.arg(
                                             text(d.argText(0))));
            return;
        }
        v.proxyHttpVersionAt = d.location;
    }

    void handleNextUpstream(const ConfDirective &d, Ctx, Scope &scope)
    {
        static const QHash<QByteArray, quint32> flags = {
            {"error", NextUpstream::Error},          {"timeout", NextUpstream::Timeout},
            {"invalid_header", NextUpstream::InvalidHeader}, {"http_500", NextUpstream::Http500},
            {"http_502", NextUpstream::Http502},     {"http_503", NextUpstream::Http503},
            {"http_504", NextUpstream::Http504},     {"http_403", NextUpstream::Http403},
            {"http_404", NextUpstream::Http404},     {"http_429", NextUpstream::Http429},
            {"non_idempotent", NextUpstream::NonIdempotent}, {"off", NextUpstream::Off},
        };
        quint32 mask = 0;
        for (const ConfArg &a : d.args) {
            const auto it = flags.constFind(a.text);
            if (it == flags.constEnd()) {
                error(a.location, u"invalid value \"%1\" in \"proxy_next_upstream\" directive"_s.arg(text(a.text)));
                return;
            }
            mask |= *it;
        }
        if ((mask & NextUpstream::Off) && mask != NextUpstream::Off) {
            error(d.location, u"\"off\" cannot be combined with other values in \"proxy_next_upstream\""_s);
            return;
        }
        scope.values.nextUpstream = mask;
    }

    void handleProxyRedirect(const ConfDirective &d, Ctx, Scope &scope)
    {
        LocationSettings &v = scope.values;
        if (d.argCount() == 2) {
            // nginx (ngx_http_proxy_merge_loc_conf): a level's own rules
            // replace the inherited ones; they add up within the level.
            if (!scope.redirectsSetHere)
                v.redirectRules.clear();
            scope.redirectsSetHere = true;
            v.redirect = LocationSettings::Redirect::Explicit;
            v.redirectRules.append({d.argText(0), d.argText(1)});
        } else if (d.argText(0) == "default") {
            v.redirect = LocationSettings::Redirect::Default;
        } else if (d.argText(0) == "off") {
            v.redirect = LocationSettings::Redirect::Off;
            v.redirectRules.clear();
        } else {
            error(d.args.at(0).location, u"invalid parameter \"%1\" in \"proxy_redirect\" directive"_s.arg(
                                             text(d.argText(0))));
        }
    }

    void handleRoot(const ConfDirective &d, Ctx, Scope &scope)
    {
        scope.values.root = d.argText(0);
        scope.values.alias.clear();
    }
    void handleAlias(const ConfDirective &d, Ctx, Scope &scope) { scope.values.alias = d.argText(0); }
    void handleIndex(const ConfDirective &d, Ctx, Scope &scope)
    {
        scope.values.index.clear();
        for (const ConfArg &a : d.args)
            scope.values.index.append(a.text);
    }

    void handleLog(const ConfDirective &d, Ctx, Scope &scope)
    {
        if (!scope.logsSetHere) {
            // nginx: a level that sets a log replaces the inherited ones.
            scope.logsSetHere = true;
            scope.values.logs.clear();
        }
        scope.values.logs.append(stored(d));
    }

    void handleHttpTimeout(const ConfDirective &d, Ctx ctx, Scope &)
    {
        const auto ms = timeArg(d);
        if (!ms)
            return;
        if (ctx != Ctx::Http) {
            warning(d.location, u"\"%1\" is applied from the http level only; this one is ignored"_s.arg(text(d.name)));
            return;
        }
        (d.name == "keepalive_timeout" ? m_config->keepaliveTimeoutMs : m_config->clientHeaderTimeoutMs) = *ms;
    }

    // proxy_ssl_*: how TLS toward an https:// upstream is set up.
    void handleProxySsl(const ConfDirective &d, Ctx, Scope &scope)
    {
        LocationSettings &v = scope.values;
        const QByteArray &n = d.name;
        UpstreamTlsSettings &o = v.upstreamTlsOptions;
        // Where a TLS context problem is reported: the first proxy_ssl_* of
        // the innermost level that has one (the level whose settings made it).
        if (!scope.proxySslSetHere)
            v.proxySslAt = d.location;
        scope.proxySslSetHere = true;
        if (n == "proxy_ssl_verify") {
            setFlag(d, o.verify);
        } else if (n == "proxy_ssl_server_name") {
            setFlag(d, v.proxySslServerName);
        } else if (n == "proxy_ssl_session_reuse") {
            bool ignored = true;
            setFlag(d, ignored); // sessions are not cached toward upstreams yet; each connection does a full handshake
        } else if (n == "proxy_ssl_verify_depth") {
            setNumber(d, o.verifyDepth);
        } else if (n == "proxy_ssl_name") {
            if (auto t = compileTemplate(d.argText(0), d.args.at(0).location))
                v.proxySslName = std::move(*t);
        } else if (n == "proxy_ssl_protocols") {
            if (const auto p = protocolsArg(d.name, d.location, d.args))
                o.protocols = *p;
        } else if (n == "proxy_ssl_ciphers") {
            o.ciphers = d.argText(0);
        } else {
            proxySslFile(d, o);
        }
    }

    void proxySslFile(const ConfDirective &d, UpstreamTlsSettings &o)
    {
        const QByteArray &n = d.name;
        if (d.argText(0).contains('$')) {
            error(d.args.at(0).location, u"variables in \"%1\" are not supported"_s.arg(text(n)));
            return;
        }
        const QString path = resolvePath(d.argText(0));
        if (n == "proxy_ssl_trusted_certificate")
            o.trustedCertificateFile = path;
        else if (n == "proxy_ssl_certificate")
            o.certificateFile = path;
        else if (n == "proxy_ssl_certificate_key")
            o.keyFile = path;
        else
            o.passwordFiles = QStringList{path};
    }

    // ssl_protocols / proxy_ssl_protocols words; `args` carry their places
    // (a stored ssl_* directive has only its own: `at`, for every word).
    template<typename Args>
    std::optional<quint8> protocolsArg(const QByteArray &name, const ConfLocation &at, const Args &args)
    {
        quint8 bits = 0;
        for (const auto &a : args) {
            const QByteArray &word = argWord(a);
            const ConfLocation &wordAt = argPlace(a, at);
            const quint8 bit = ConfTlsProtocols::fromWord(word);
            if (word == "SSLv2" || word == "SSLv3") {
                warning(wordAt, u"%1 is insecure and not supported; ignored"_s.arg(text(word)));
                continue;
            }
            if (!bit) {
                error(wordAt, u"invalid value \"%1\" in \"%2\" directive"_s.arg(text(word), text(name)));
                return std::nullopt;
            }
            bits |= bit;
        }
        if (!bits) {
            error(at, u"\"%1\" enables no protocol wsscope supports (TLSv1.2, TLSv1.3)"_s.arg(text(name)));
            return std::nullopt;
        }
        return bits;
    }
    static const QByteArray &argWord(const ConfArg &a) { return a.text; }
    static const QByteArray &argWord(const QByteArray &a) { return a; }
    static const ConfLocation &argPlace(const ConfArg &a, const ConfLocation &) { return a.location; }
    static const ConfLocation &argPlace(const QByteArray &, const ConfLocation &at) { return at; }

    // A file name in the configuration: relative ones are relative to the
    // configuration file's directory (the current one for generated text).
    QString resolvePath(const QByteArray &name) const
    {
        const QString path = QString::fromUtf8(name);
        if (QDir::isAbsolutePath(path))
            return path;
        const QString base = m_file.fileName.isEmpty() ? QDir::currentPath()
                                                       : QFileInfo(m_file.fileName).absolutePath();
        return QDir(base).filePath(path);
    }

    std::optional<qint64> timeArg(const ConfDirective &d)
    {
        const auto ms = ConfUnits::parseMsec(d.argText(0));
        if (!ms)
            error(d.args.at(0).location, u"\"%1\" directive invalid value"_s.arg(text(d.name)));
        return ms;
    }

    static StoredDirective stored(const ConfDirective &d)
    {
        StoredDirective s;
        s.name = d.name;
        for (const ConfArg &a : d.args)
            s.args.append(a.text);
        s.at = d.location;
        return s;
    }

    // ------------------------------------------------------------ variables and map

    std::optional<ValueTemplate> compileTemplate(QByteArrayView value, const ConfLocation &at)
    {
        QString why;
        std::optional<ValueTemplate> t = ValueTemplate::compile(value, &why, [this](QByteArrayView name) {
            return std::shared_ptr<const MapVariable>(m_maps.value(name.toByteArray()));
        });
        if (!t) {
            error(at, why);
            return std::nullopt;
        }
        if (t->usesVariable(ValueTemplate::Variable::ConnectionUpgrade) && !m_warnedBuiltinMap) {
            m_warnedBuiltinMap = true;
            warning(at, u"\"$connection_upgrade\" is not an nginx variable: nginx needs "
                        u"\"map $http_upgrade $connection_upgrade { default upgrade; '' close; }\"; "
                        u"wsscope uses that map built in"_s);
        }
        return t;
    }

    void declareMap(const ConfDirective &d)
    {
        if (!checkArgs(d, Ctx::Http))
            return;
        const ConfArg &var = d.args.at(1);
        if (!var.text.startsWith('$') || var.text.size() < 2) {
            error(var.location, u"invalid variable name \"%1\""_s.arg(text(var.text)));
            return;
        }
        const QByteArray name = var.text.mid(1);
        const auto builtin = ValueTemplate::lookupVariable(name);
        if (builtin && *builtin != ValueTemplate::Variable::ConnectionUpgrade
            && *builtin != ValueTemplate::Variable::HttpHeader) {
            error(var.location, u"the duplicate \"%1\" variable"_s.arg(text(name)));
            return;
        }
        // nginx: a later map of the same variable replaces the earlier one.
        auto map = std::make_shared<MapVariable>(name);
        m_maps.insert(name, map);
        m_mapDirectives.insert(&d, map);
    }

    void defineMap(const ConfDirective &d)
    {
        const std::shared_ptr<MapVariable> map = m_mapDirectives.value(&d);
        if (!map)
            return;
        if (auto source = compileTemplate(d.argText(0), d.args.at(0).location))
            map->setSource(std::move(*source));
        for (const ConfDirective &e : d.children) {
            if (e.name == "hostnames" && e.nameQuote == ConfQuote::None && e.argCount() == 0)
                map->setHostnames(true);
        }
        for (const ConfDirective &e : d.children) {
            const bool bare = e.nameQuote == ConfQuote::None;
            if (bare && (e.name == "hostnames" || e.name == "volatile") && e.argCount() == 0)
                continue;
            if (e.hasBlock || e.argCount() != 1) {
                error(e.location, u"invalid number of the map parameters"_s);
                continue;
            }
            const QByteArray &valueText = e.args.at(0).text;
            if (hasLineBreakOrNul(valueText)) {
                error(e.args.at(0).location, u"a map value may not contain CR, LF or NUL"_s);
                continue;
            }
            auto value = compileTemplate(valueText, e.args.at(0).location);
            if (!value)
                continue;
            QByteArray key = e.name;
            if (bare && key == "default") {
                if (map->hasDefault())
                    error(e.location, u"duplicate default map parameter"_s);
                else
                    map->setDefault(std::move(*value));
                continue;
            }
            if (bare && key.startsWith('~')) {
                const bool caseless = key.startsWith("~*");
                const QByteArray pattern = key.mid(caseless ? 2 : 1);
                QRegularExpression re(QString::fromUtf8(pattern),
                                      caseless ? QRegularExpression::CaseInsensitiveOption
                                               : QRegularExpression::NoPatternOption);
                if (!re.isValid()) {
                    error(e.location, u"invalid regex \"%1\": %2 at offset %3"_s.arg(
                                          text(pattern), re.errorString()).arg(re.patternErrorOffset()));
                    continue;
                }
                map->addRegex(std::move(re), std::move(*value));
                continue;
            }
            if (bare && key.startsWith('\\'))
                key.remove(0, 1);
            bool added = true;
            if (map->hostnames() && bare && key.startsWith("*.")) {
                added = map->addLeadingWildcard(key.mid(1), false, std::move(*value));
            } else if (map->hostnames() && bare && key.startsWith('.') && key.size() > 1) {
                added = map->addLeadingWildcard(key, true, std::move(*value));
            } else if (map->hostnames() && bare && key.endsWith(".*")) {
                added = map->addTrailingWildcard(key.chopped(1), std::move(*value));
            } else {
                if (map->hostnames() && key.endsWith('.'))
                    key.chop(1);
                added = map->addExact(key, std::move(*value));
            }
            if (!added)
                warning(e.location, u"conflicting parameter \"%1\""_s.arg(text(e.name)));
        }
    }

    // ------------------------------------------------------------ upstream

    // "host[:port]" with IPv6 in brackets; port is -1 when absent. Port 0
    // ("any free port") only where `allowZero` (listen).
    bool splitHostPort(QByteArrayView s, QByteArray *host, int *port, bool allowZero = false)
    {
        *port = -1;
        QByteArrayView h = s;
        QByteArrayView p;
        if (s.startsWith('[')) {
            const qsizetype close = s.indexOf(']');
            if (close < 0)
                return false;
            h = s.sliced(0, close + 1);
            QByteArrayView rest = s.sliced(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(':'))
                    return false;
                p = rest.sliced(1);
                if (p.isEmpty())
                    return false;
            }
        } else {
            const qsizetype colon = s.lastIndexOf(':');
            if (colon >= 0) {
                if (s.indexOf(':') != colon)
                    return false; // an IPv6 address needs brackets
                h = s.first(colon);
                p = s.sliced(colon + 1);
                if (p.isEmpty())
                    return false;
            }
        }
        if (h.isEmpty())
            return false;
        if (!p.isEmpty()) {
            bool ok = false;
            const int v = p.toInt(&ok);
            if (!ok || v < (allowZero ? 0 : 1) || v > 65535)
                return false;
            *port = v;
        }
        *host = h.toByteArray();
        return true;
    }

    QList<QHostAddress> resolveHost(const QByteArray &host, const ConfLocation &at, const QString &what)
    {
        QByteArray bare = host;
        if (bare.startsWith('[') && bare.endsWith(']'))
            bare = bare.mid(1, bare.size() - 2);
        QHostAddress literal;
        if (literal.setAddress(QString::fromLatin1(bare)))
            return {literal};
        QString why;
        const QList<QHostAddress> addresses = m_options.resolve(QString::fromUtf8(bare), &why);
        if (addresses.isEmpty())
            error(at, u"host not found in %1 \"%2\"%3"_s.arg(what, text(host),
                                                               why.isEmpty() ? QString() : u" ("_s + why + u')'));
        return addresses;
    }

    void compileUpstream(const ConfDirective &d)
    {
        if (!checkArgs(d, Ctx::Http))
            return;
        const QByteArray name = d.argText(0);
        if (m_upstreams.contains(name.toLower())) {
            error(d.args.at(0).location, u"duplicate upstream \"%1\""_s.arg(text(name)));
            return;
        }
        QList<UpstreamServer> servers;
        UpstreamBalancing balancing;
        bool methodSet = false;
        // nginx: ip_hash, hash and random do not support `backup`. A backup
        // server after the method is an error ("balancing method does not
        // support parameter"); one before it is accepted by nginx, and only
        // reached by the method's round-robin fallback.
        bool backupAllowed = true;
        const ConfDirective *backupBeforeMethod = nullptr;
        auto setMethod = [&](const ConfDirective &c, UpstreamBalancing::Method m) {
            if (methodSet)
                warning(c.location, u"load balancing method redefined"_s);
            methodSet = true;
            balancing.method = m;
            backupAllowed = m == UpstreamBalancing::Method::RoundRobin || m == UpstreamBalancing::Method::LeastConn;
        };
        for (const ConfDirective &c : d.children) {
            if (c.name == "server") {
                if (checkArgs(c, Ctx::Upstream)) {
                    const qsizetype before = servers.size();
                    if (!upstreamServer(c, &servers, backupAllowed))
                        continue;
                    if (servers.size() > before && servers.constLast().backup && !backupBeforeMethod)
                        backupBeforeMethod = &c;
                }
            } else if (c.name == "ip_hash" || c.name == "least_conn") {
                if (checkArgs(c, Ctx::Upstream))
                    setMethod(c, c.name == "ip_hash" ? UpstreamBalancing::Method::IpHash
                                                     : UpstreamBalancing::Method::LeastConn);
            } else if (c.name == "random") {
                if (!checkArgs(c, Ctx::Upstream))
                    continue;
                if (c.argCount() >= 1 && c.argText(0) != "two") {
                    error(c.args.at(0).location, u"invalid parameter \"%1\""_s.arg(text(c.argText(0))));
                    continue;
                }
                if (c.argCount() == 2 && c.argText(1) != "least_conn") {
                    error(c.args.at(1).location, u"invalid parameter \"%1\""_s.arg(text(c.argText(1))));
                    continue;
                }
                setMethod(c, UpstreamBalancing::Method::Random);
                balancing.randomTwo = c.argCount() >= 1;
            } else if (c.name == "hash") {
                if (!checkArgs(c, Ctx::Upstream))
                    continue;
                if (c.argCount() == 2 && c.argText(1) != "consistent") {
                    error(c.args.at(1).location, u"invalid parameter \"%1\""_s.arg(text(c.argText(1))));
                    continue;
                }
                auto key = compileTemplate(c.argText(0), c.args.at(0).location);
                if (!key)
                    continue;
                setMethod(c, UpstreamBalancing::Method::Hash);
                balancing.hashKey = c.argText(0);
                balancing.hashKeyTemplate = std::move(key);
                balancing.consistent = c.argCount() == 2;
            } else if (c.name == "keepalive") {
                if (!checkArgs(c, Ctx::Upstream))
                    continue;
                bool ok = false;
                const int k = c.argText(0).toInt(&ok);
                if (!ok || k < 1)
                    error(c.args.at(0).location, u"invalid value \"%1\" in \"keepalive\" directive"_s.arg(text(c.argText(0))));
                else
                    balancing.keepalive = k;
            } else if (c.name == "health_check") {
                if (checkArgs(c, Ctx::Upstream))
                    compileHealthCheck(c, &balancing.healthCheck);
            } else {
                unhandled(c);
            }
        }
        if (backupBeforeMethod && !backupAllowed) {
            warning(backupBeforeMethod->location,
                    u"\"%1\" does not use backup servers except in its round-robin fallback (nginx accepts "
                    u"\"backup\" only before the method directive, and rejects it after)"_s.arg(
                        balancing.algorithmName()));
        }
        if (servers.isEmpty()) {
            error(d.location, u"no servers are inside upstream \"%1\""_s.arg(text(name)));
            return;
        }
        if (std::all_of(servers.cbegin(), servers.cend(), [](const UpstreamServer &s) { return s.backup; })) {
            // ngx_http_upstream_init_round_robin
            error(d.location, u"no servers in upstream \"%1\" (all are \"backup\")"_s.arg(text(name)));
            return;
        }
        auto upstream = std::make_shared<UpstreamConfig>();
        upstream->name = name;
        upstream->servers = servers;
        upstream->balancing = balancing;
        upstream->isExplicit = true;
        upstream->id = nextUpstreamId();
        upstream->at = d.location;
        m_upstreams.insert(name.toLower(), upstream);
        m_config->upstreams.append(upstream);
    }

    // Explicit upstreams are all compiled before the first proxy_pass, so
    // ids follow ProxyConfig::allUpstreams().
    int nextUpstreamId() const { return int(m_config->upstreams.size() + m_config->implicitUpstreams.size()); }

    bool upstreamServer(const ConfDirective &c, QList<UpstreamServer> *out, bool backupAllowed)
    {
        QByteArray address = c.argText(0);
        if (address.startsWith("unix:")) {
            error(c.args.at(0).location, u"unix domain socket upstreams are not supported yet"_s);
            return false;
        }
        for (const char *scheme : {"http://", "https://", "ws://", "wss://"}) {
            if (address.startsWith(scheme)) {
                // nginx -t fails here ("invalid host in upstream"); the
                // intent is clear, so load it and say what to fix.
                warning(c.args.at(0).location,
                        u"nginx rejects a scheme in an upstream server (\"invalid host in upstream\"); "
                        u"wsscope ignores \"%1\": write \"%2\""_s.arg(QString::fromLatin1(scheme),
                                                                      text(address.mid(qstrlen(scheme)))));
                address = address.mid(qstrlen(scheme));
                break;
            }
        }
        if (address.endsWith('/'))
            address.chop(1);
        QByteArray host;
        int port = 0;
        if (!splitHostPort(address, &host, &port)) {
            error(c.args.at(0).location, u"invalid host in upstream \"%1\""_s.arg(text(c.argText(0))));
            return false;
        }
        UpstreamServer server;
        server.name = port >= 0 ? host + ':' + QByteArray::number(port) : host;
        server.port = quint16(port >= 0 ? port : 80);
        for (qsizetype i = 1; i < c.argCount(); ++i) {
            const ConfArg &a = c.args.at(i);
            const qsizetype eq = a.text.indexOf('=');
            const QByteArray key = eq < 0 ? a.text : a.text.left(eq);
            const QByteArray val = eq < 0 ? QByteArray() : a.text.mid(eq + 1);
            bool ok = eq >= 0;
            if (key == "weight" && ok) {
                server.weight = val.toInt(&ok);
                ok = ok && server.weight > 0;
            } else if (key == "max_fails" && ok) {
                server.maxFails = val.toInt(&ok);
                ok = ok && server.maxFails >= 0;
            } else if (key == "max_conns" && ok) {
                server.maxConns = val.toInt(&ok);
                ok = ok && server.maxConns >= 0;
            } else if (key == "fail_timeout" && ok) {
                const auto s = ConfUnits::parseSec(val);
                ok = s.has_value();
                if (ok)
                    server.failTimeoutMs = *s * 1000;
            } else if (a.text == "backup") {
                if (!backupAllowed) {
                    error(a.location, u"balancing method does not support parameter \"backup\""_s);
                    return false;
                }
                server.backup = true;
                ok = true;
            } else if (a.text == "down") {
                server.down = true;
                ok = true;
            } else if (key == "resolve" || key == "service" || key == "slow_start" || key == "route"
                       || key == "drain") {
                warning(a.location, u"ignoring upstream server parameter \"%1\" (not supported by wsscope)"_s.arg(
                                        text(a.text)));
                ok = true;
            } else {
                ok = false;
            }
            if (!ok) {
                error(a.location, u"invalid parameter \"%1\""_s.arg(text(a.text)));
                return false;
            }
        }
        const QList<QHostAddress> addresses = resolveHost(host, c.args.at(0).location, u"upstream"_s);
        // A name with several addresses is several servers (as nginx does).
        for (const QHostAddress &addr : addresses) {
            UpstreamServer s = server;
            s.address = addr;
            out->append(s);
        }
        return !addresses.isEmpty();
    }

    // health_check [interval=TIME] [uri=URI] [fails=N] [passes=N]
    // [type=http|websocket] [timeout=TIME]: wsscope's active check.
    void compileHealthCheck(const ConfDirective &c, UpstreamHealthCheck *hc)
    {
        hc->enabled = true;
        bool timeoutSet = false;
        for (const ConfArg &a : c.args) {
            const qsizetype eq = a.text.indexOf('=');
            const QByteArray key = eq < 0 ? a.text : a.text.left(eq);
            const QByteArray val = eq < 0 ? QByteArray() : a.text.mid(eq + 1);
            bool ok = eq > 0 && !val.isEmpty();
            if (ok && (key == "interval" || key == "timeout")) {
                const auto ms = ConfUnits::parseMsec(val);
                ok = ms.has_value() && *ms >= 100;
                if (ok && key == "interval")
                    hc->intervalMs = *ms;
                else if (ok) {
                    hc->timeoutMs = *ms;
                    timeoutSet = true;
                }
            } else if (ok && key == "uri") {
                ok = val.startsWith('/') && !val.contains(' ');
                hc->uri = val;
            } else if (ok && (key == "fails" || key == "passes")) {
                const int n = val.toInt(&ok);
                ok = ok && n >= 1;
                (key == "fails" ? hc->fails : hc->passes) = n;
            } else if (ok && key == "type") {
                ok = val == "http" || val == "websocket";
                hc->type = val == "websocket" ? UpstreamHealthCheck::Type::WebSocket : UpstreamHealthCheck::Type::Http;
            } else {
                ok = false;
            }
            if (!ok) {
                error(a.location, u"invalid parameter \"%1\" in \"health_check\" (wsscope takes interval=TIME "
                                  u"uri=/PATH fails=N passes=N type=http|websocket timeout=TIME)"_s.arg(text(a.text)));
                hc->enabled = false;
                return;
            }
        }
        if (!timeoutSet)
            hc->timeoutMs = qMin<qint64>(hc->intervalMs, 5'000);
    }

    // ------------------------------------------------------------ server

    void compileServer(const ConfDirective &d, const Scope &http)
    {
        const int index = int(m_config->servers.size());
        m_config->servers.append(ServerConfig());
        Scope scope = http;
        scope.headersSetHere = false;
        scope.logsSetHere = false;
        scope.redirectsSetHere = false;
        scope.proxySslSetHere = false;
        ServerConfig server;
        server.at = d.location;
        bool haveNames = false;
        bool sslOn = false;
        QSet<QByteArray> sslSetHere; // ssl_* names this level set (each replaces the inherited one)
        const QList<HeaderOrigin> inherited = scope.values.headerOrigins;
        for (const ConfDirective &c : d.children) {
            if (c.name == "location")
                continue;
            if (c.name == "listen") {
                if (checkArgs(c, Ctx::Server))
                    listen(c, index, &server);
            } else if (c.name == "server_name") {
                if (checkArgs(c, Ctx::Server)) {
                    haveNames = true;
                    serverNames(c, &server);
                }
            } else if (c.name == "return") {
                compileReturn(c, &server.returnAction);
            } else if (applyCommon(c, Ctx::Server, scope)) {
            } else if (c.name.startsWith("ssl_") && isKnownNginxDirective(c.name)) {
                if (!sslSetHere.contains(c.name)) {
                    sslSetHere.insert(c.name);
                    scope.ssl.removeIf([&](const StoredDirective &x) { return x.name == c.name; });
                }
                scope.ssl.append(stored(c));
            } else if (c.name == "ssl") {
                // nginx < 1.25.1: "ssl on" made every listen of the server TLS.
                if (checkArgs(c, Ctx::Server)) {
                    sslOn = flagArg(c.argText(0)).value_or(false);
                    warning(c.location, u"the \"ssl\" directive is deprecated (removed in nginx 1.25.1); use the "
                                        u"\"ssl\" parameter of the \"listen\" directive"_s);
                }
            } else {
                unhandled(c);
            }
        }
        recordShadow(scope, inherited);
        if (!haveNames)
            server.names.append(ServerName{ServerName::Kind::Exact, QByteArray(), {}, d.location});
        if (server.serverName.isEmpty() && !server.names.isEmpty() && server.names.constFirst().kind == ServerName::Kind::Exact)
            server.serverName = server.names.constFirst().text;
        server.ssl = scope.ssl;
        server.logs = scope.values.logs;
        if (sslOn) {
            for (ListenAddress &l : server.listens)
                l.ssl = true;
            for (ListenEntry &e : m_listenEntries) {
                if (e.server == index)
                    e.address.ssl = true;
            }
        }
        for (const ConfDirective &c : d.children) {
            if (c.name == "location")
                compileLocation(c, scope, server, nullptr, &server.locations);
        }
        m_config->servers[index] = server;
        m_serverScopes.append(scope);
    }

    void listen(const ConfDirective &c, int serverIndex, ServerConfig *server)
    {
        const ConfArg &first = c.args.at(0);
        QByteArray spec = first.text;
        if (spec.startsWith("unix:")) {
            error(first.location, u"listening on a unix domain socket is not supported yet"_s);
            return;
        }
        QByteArray host;
        int port = -1;
        bool portOnly = false;
        {
            bool ok = false;
            const int p = spec.toInt(&ok);
            if (ok) {
                // Port 0 (a free port, for tests and quick mode) is wsscope's addition.
                if (p < 0 || p > 65535) {
                    error(first.location, u"invalid port in \"%1\" of the \"listen\" directive"_s.arg(text(spec)));
                    return;
                }
                port = p;
                portOnly = true;
            } else if (!splitHostPort(spec, &host, &port, true)) {
                error(first.location, u"invalid host or port in \"%1\" of the \"listen\" directive"_s.arg(text(spec)));
                return;
            }
        }
        if (port < 0)
            port = 80;
        ListenAddress base;
        base.port = quint16(port);
        base.at = c.location;
        for (qsizetype i = 1; i < c.argCount(); ++i) {
            const ConfArg &a = c.args.at(i);
            const QByteArray key = a.text.left(a.text.indexOf('=') < 0 ? a.text.size() : a.text.indexOf('='));
            if (a.text == "default_server" || a.text == "default") {
                base.defaultServer = true;
            } else if (a.text == "ssl") {
                base.ssl = true;
            } else if (a.text == "http2" || a.text == "quic" || a.text == "proxy_protocol") {
                warning(a.location, u"ignoring \"listen\" parameter \"%1\" (not supported by wsscope)"_s.arg(text(a.text)));
            } else if (key == "backlog" || key == "rcvbuf" || key == "sndbuf" || key == "setfib" || key == "fastopen"
                       || key == "accept_filter" || a.text == "deferred" || a.text == "bind" || key == "ipv6only"
                       || a.text == "reuseport" || key == "so_keepalive") {
                // Socket tuning: harmless to ignore.
            } else {
                error(a.location, u"invalid parameter \"%1\""_s.arg(text(a.text)));
                return;
            }
        }
        QList<QHostAddress> addresses;
        if (portOnly || host == "*") {
            addresses.append(QHostAddress(QHostAddress::AnyIPv4));
        } else if (host == "[::]") {
            addresses.append(QHostAddress(QHostAddress::AnyIPv6));
        } else {
            addresses = resolveHost(host, first.location, u"\"listen\""_s);
            if (addresses.isEmpty())
                return;
        }
        for (const QHostAddress &addr : std::as_const(addresses)) {
            ListenAddress l = base;
            l.address = addr;
            for (const ListenAddress &mine : std::as_const(server->listens)) {
                if (mine.sameSocket(l)) {
                    error(c.location, u"duplicate listen %1"_s.arg(l.toString()));
                    return;
                }
            }
            server->listens.append(l);
            m_listenEntries.append(ListenEntry{serverIndex, l});
        }
    }

    void serverNames(const ConfDirective &c, ServerConfig *server)
    {
        for (const ConfArg &a : c.args) {
            QByteArray name = a.text;
            if (name == "$hostname")
                name = QSysInfo::machineHostName().toUtf8();
            if (name.startsWith('~') && a.quote == ConfQuote::None) {
                const QByteArray pattern = name.mid(1);
                QRegularExpression re(QString::fromUtf8(pattern), QRegularExpression::CaseInsensitiveOption);
                if (!re.isValid()) {
                    error(a.location, u"invalid regex \"%1\": %2 at offset %3"_s.arg(text(pattern), re.errorString())
                                          .arg(re.patternErrorOffset()));
                    continue;
                }
                server->names.append(ServerName{ServerName::Kind::Regex, pattern, re, a.location});
                if (server->serverName.isEmpty() && server->names.size() == 1)
                    server->serverName = pattern; // nginx: $server_name is the first name as written
                continue;
            }
            name = name.toLower();
            if (server->names.isEmpty())
                server->serverName = name;
            const qsizetype star = name.indexOf('*');
            if (star >= 0) {
                if (name.startsWith("*.") && name.lastIndexOf('*') == 0) {
                    server->names.append(ServerName{ServerName::Kind::LeadingWildcard, name.mid(1), {}, a.location});
                } else if (name.endsWith(".*") && star == name.size() - 1) {
                    server->names.append(ServerName{ServerName::Kind::TrailingWildcard, name.chopped(1), {}, a.location});
                } else {
                    error(a.location, u"invalid server name or wildcard \"%1\""_s.arg(text(a.text)));
                }
                continue;
            }
            if (name.startsWith('.') && name.size() > 1) {
                // ".example.com": example.com and *.example.com
                server->names.append(ServerName{ServerName::Kind::Exact, name.mid(1), {}, a.location});
                server->names.append(ServerName{ServerName::Kind::LeadingWildcard, name, {}, a.location});
                continue;
            }
            server->names.append(ServerName{ServerName::Kind::Exact, name, {}, a.location});
        }
    }

    void compileReturn(const ConfDirective &c, ReturnAction *out)
    {
        if (!checkArgs(c, Ctx::Location))
            return;
        const QByteArray first = c.argText(0);
        bool ok = false;
        const int code = first.toInt(&ok);
        ReturnAction r;
        r.at = c.location;
        if (!ok) {
            // "return URL": a 302 to it, when it starts like a URL.
            if (c.argCount() != 1
                || !(first.startsWith("http://") || first.startsWith("https://") || first.startsWith("$scheme"))) {
                error(c.args.at(0).location, u"invalid return code \"%1\""_s.arg(text(first)));
                return;
            }
            r.code = 302;
            if (auto t = compileTemplate(first, c.args.at(0).location))
                r.text = *t;
            else
                return;
        } else {
            if (code < 0 || code > 999) {
                error(c.args.at(0).location, u"invalid return code \"%1\""_s.arg(text(first)));
                return;
            }
            r.code = code;
            if (c.argCount() == 2) {
                if (r.isRedirect() && hasLineBreakOrNul(c.argText(1))) {
                    error(c.args.at(1).location, u"a redirect URL may not contain CR, LF or NUL"_s);
                    return;
                }
                if (auto t = compileTemplate(c.argText(1), c.args.at(1).location))
                    r.text = *t;
                else
                    return;
            }
        }
        if (r.code == 0) {
            error(c.args.at(0).location, u"invalid return code \"%1\""_s.arg(text(first)));
            return;
        }
        *out = r;
    }

    // ------------------------------------------------------------ location

    template<typename Container>
    void compileLocation(const ConfDirective &d, const Scope &parentScope, ServerConfig &server,
                         const LocationConfig *parent, Container *out)
    {
        if (!checkBlock(d))
            return;
        if (d.argCount() < 1 || d.argCount() > 2) {
            error(d.location, u"invalid number of arguments in \"location\" directive"_s);
            return;
        }
        LocationConfig loc;
        QByteArray modifier;
        QByteArray name;
        if (d.argCount() == 2) {
            modifier = d.argText(0);
            name = d.argText(1);
        } else {
            name = d.argText(0);
            if (d.args.at(0).quote == ConfQuote::None) {
                // nginx also reads "=/path", "~re" and "~*re" as one word.
                for (const char *m : {"~*", "=", "~"}) {
                    if (name.startsWith(m) && name.size() > qsizetype(qstrlen(m))) {
                        modifier = m;
                        name = name.mid(qstrlen(m));
                        break;
                    }
                }
            }
        }
        using M = LocationConfig::Match;
        if (modifier.isEmpty())
            loc.match = name.startsWith('@') ? M::Named : M::Prefix;
        else if (modifier == "=")
            loc.match = M::Exact;
        else if (modifier == "~")
            loc.match = M::Regex;
        else if (modifier == "~*")
            loc.match = M::RegexCaseless;
        else if (modifier == "^~")
            loc.match = M::PreferPrefix;
        else {
            error(d.args.at(0).location, u"invalid location modifier \"%1\""_s.arg(text(modifier)));
            return;
        }
        loc.prefix = name;
        loc.at = d.location;
        if (loc.isRegex()) {
            loc.regex = QRegularExpression(QString::fromUtf8(name), loc.match == M::RegexCaseless
                                                                         ? QRegularExpression::CaseInsensitiveOption
                                                                         : QRegularExpression::NoPatternOption);
            if (!loc.regex.isValid()) {
                error(d.args.constLast().location, u"invalid regex \"%1\": %2 at offset %3"_s.arg(
                                                       text(name), loc.regex.errorString())
                                                       .arg(loc.regex.patternErrorOffset()));
                return;
            }
            loc.regex.optimize();
        }
        if (parent) {
            if (parent->match == M::Exact) {
                error(d.location, u"location \"%1\" cannot be inside the exact location \"%2\""_s.arg(
                                      text(name), text(parent->prefix)));
                return;
            }
            if (parent->match == M::Named) {
                error(d.location, u"location \"%1\" cannot be inside the named location \"%2\""_s.arg(
                                      text(name), text(parent->prefix)));
                return;
            }
            if (loc.match == M::Named) {
                error(d.location, u"named location \"%1\" can be on the server level only"_s.arg(text(name)));
                return;
            }
            if (!loc.isRegex() && !name.startsWith(parent->prefix)) {
                error(d.location, u"location \"%1\" is outside location \"%2\""_s.arg(text(name), text(parent->prefix)));
                return;
            }
        }
        for (const LocationConfig &sibling : *out) {
            const bool bothPrefixy = (sibling.match == M::Prefix || sibling.match == M::PreferPrefix)
                && (loc.match == M::Prefix || loc.match == M::PreferPrefix);
            if (sibling.prefix == name && (bothPrefixy || (sibling.match == loc.match && !loc.isRegex()))) {
                error(d.location, u"duplicate location \"%1\""_s.arg(text(name)));
                return;
            }
        }

        Scope scope = parentScope;
        scope.headersSetHere = false;
        scope.logsSetHere = false;
        scope.redirectsSetHere = false;
        scope.proxySslSetHere = false;
        const QList<HeaderOrigin> inherited = scope.values.headerOrigins;
        for (const ConfDirective &c : d.children) {
            if (c.name == "location")
                continue;
            if (c.name == "proxy_pass") {
                if (checkArgs(c, Ctx::Location)) {
                    if (loc.proxyPass.at.isValid())
                        error(c.location, u"\"proxy_pass\" directive is duplicate"_s);
                    else
                        proxyPass(c, &loc);
                }
            } else if (c.name == "return") {
                compileReturn(c, &loc.returnAction);
            } else if (applyCommon(c, Ctx::Location, scope)) {
            } else {
                unhandled(c);
            }
        }
        recordShadow(scope, inherited);
        // nginx's merge: the inherited values, overwritten by this level's
        // own, are the location's settings (one assignment: every setting).
        static_cast<LocationSettings &>(loc) = scope.values;
        loc.headers = withProxyDefaults(scope.userHeaders);
        loc.headerShadows = scope.shadows;

        for (const ConfDirective &c : d.children) {
            if (c.name == "location")
                compileLocation(c, scope, server, &loc, &loc.nested);
        }
        out->push_back(std::move(loc));
    }

    // nginx: a level with any proxy_set_header inherits none from above.
    static void recordShadow(Scope &scope, const QList<HeaderOrigin> &inherited)
    {
        if (!scope.headersSetHere || inherited.isEmpty())
            return;
        HeaderShadow shadow;
        shadow.at = scope.headersAt;
        for (const HeaderOrigin &h : inherited) {
            const bool reset = std::any_of(scope.values.headerOrigins.cbegin(), scope.values.headerOrigins.cend(),
                                           [&](const HeaderOrigin &o) {
                                               return o.name.compare(h.name, Qt::CaseInsensitive) == 0;
                                           });
            if (!reset)
                shadow.dropped.append(h);
        }
        if (!shadow.dropped.isEmpty())
            scope.shadows.append(shadow);
    }

    // ngx_http_proxy_merge_headers(): the configured list, then nginx's
    // defaults for the names it does not set.
    static QList<HeaderRule> withProxyDefaults(const QList<HeaderRule> &user)
    {
        static const struct { const char *name; const char *value; } defaults[] = {
            {"Host", "$proxy_host"}, {"Connection", "close"}, {"TE", ""},
            {"Keep-Alive", ""},      {"Expect", ""},          {"Upgrade", ""},
        };
        QList<HeaderRule> rules = user;
        for (const auto &def : defaults) {
            const bool overridden = std::any_of(user.cbegin(), user.cend(), [&](const HeaderRule &r) {
                return r.name.compare(def.name, Qt::CaseInsensitive) == 0;
            });
            if (!overridden)
                rules.append(HeaderRule{QByteArray(def.name), *ValueTemplate::compile(def.value, nullptr)});
        }
        return rules;
    }

    void proxyPass(const ConfDirective &c, LocationConfig *loc)
    {
        const ConfArg &arg = c.args.at(0);
        const QByteArray url = arg.text;
        if (url.contains('$')) {
            error(arg.location, u"\"proxy_pass\" with variables is not supported yet"_s);
            return;
        }
        QByteArray rest;
        QByteArray scheme;
        if (url.startsWith("http://")) {
            scheme = "http";
            rest = url.mid(7);
        } else if (url.startsWith("https://")) {
            scheme = "https";
            rest = url.mid(8);
        } else if (url.startsWith("ws://") || url.startsWith("wss://")) {
            error(arg.location, u"invalid URL prefix in \"%1\": nginx's proxy_pass takes http:// (WebSocket "
                                u"upgrades travel over it); write \"http://%2\""_s.arg(
                                    text(url), text(url.mid(url.indexOf("//") + 2))));
            return;
        } else {
            error(arg.location, u"invalid URL prefix in \"%1\""_s.arg(text(url)));
            return;
        }
        if (rest.startsWith("unix:")) {
            error(arg.location, u"unix domain socket upstreams are not supported yet"_s);
            return;
        }
        const qsizetype slash = rest.indexOf('/');
        const QByteArray authority = slash < 0 ? rest : rest.left(slash);
        QByteArray host;
        int port = -1;
        if (!splitHostPort(authority, &host, &port)) {
            error(arg.location, u"invalid host in upstream \"%1\""_s.arg(text(rest)));
            return;
        }
        ProxyPass pp;
        pp.scheme = scheme;
        pp.at = c.location;
        if (slash >= 0) {
            if (loc->isRegex() || loc->match == LocationConfig::Match::Named) {
                error(arg.location, u"\"proxy_pass\" cannot have URI part in location given by regular expression, "
                                    u"or inside named location, or inside \"if\" statement, or inside "
                                    u"\"limit_except\" block"_s);
                return;
            }
            pp.hasUri = true;
            pp.uri = rest.mid(slash);
        }
        if (const auto upstream = m_upstreams.value(host.toLower())) {
            if (port >= 0) {
                error(arg.location, u"upstream \"%1\" may not have port %2"_s.arg(text(host)).arg(port));
                return;
            }
            pp.upstream = upstream;
            pp.proxyHost = host;
        } else {
            const QList<QHostAddress> addresses = resolveHost(host, arg.location, u"upstream"_s);
            if (addresses.isEmpty())
                return;
            const quint16 defaultPort = scheme == "https" ? 443 : 80;
            const quint16 p = quint16(port >= 0 ? port : defaultPort);
            pp.proxyHost = (port < 0 || port == defaultPort) ? host : host + ':' + QByteArray::number(port);
            QList<UpstreamServer> servers;
            for (const QHostAddress &a : addresses) {
                UpstreamServer s;
                s.name = host + ':' + QByteArray::number(p);
                s.address = a;
                s.port = p;
                servers.append(s);
            }
            // nginx shares one implicit upstream per host:port (ngx_http_upstream_add),
            // so its failure marks and figures are shared too.
            const QByteArray key = host.toLower() + ':' + QByteArray::number(p);
            if (const auto known = m_implicitUpstreams.value(key)) {
                pp.upstream = known;
            } else {
                auto upstream = std::make_shared<UpstreamConfig>();
                upstream->name = pp.proxyHost;
                upstream->servers = servers;
                upstream->id = nextUpstreamId();
                upstream->at = c.location;
                m_implicitUpstreams.insert(key, upstream);
                m_config->implicitUpstreams.append(upstream);
                pp.upstream = upstream;
            }
        }
        loc->proxyPass = pp;
    }

    // ------------------------------------------------------------ listen groups

    void finishListens()
    {
        for (int si = 0; si < m_config->servers.size(); ++si) {
            ServerConfig &s = m_config->servers[si];
            if (s.listens.isEmpty()) {
                // nginx: *:80 as root, *:8000 otherwise.
                ListenAddress l;
                l.address = QHostAddress(QHostAddress::AnyIPv4);
                l.port = m_options.defaultListenPort;
                l.at = s.at;
                s.listens.append(l);
                m_listenEntries.append(ListenEntry{si, l});
            }
        }
        QList<ListenGroup> &groups = m_config->listenGroups;
        for (const ListenEntry &e : std::as_const(m_listenEntries)) {
            ListenGroup *g = nullptr;
            for (ListenGroup &x : groups) {
                if (x.address.sameSocket(e.address)) {
                    g = &x;
                    break;
                }
            }
            if (!g) {
                groups.append(ListenGroup());
                g = &groups.last();
                g->address = e.address;
                g->address.defaultServer = false;
            }
            if (!g->servers.contains(e.server))
                g->servers.append(e.server);
            // nginx: TLS is a property of the socket; one listen saying so is enough.
            g->address.ssl = g->address.ssl || e.address.ssl;
            if (e.address.defaultServer) {
                if (g->defaultServer >= 0 && g->defaultServer != e.server)
                    error(e.address.at, u"a duplicate default server for %1"_s.arg(e.address.toString()));
                else
                    g->defaultServer = e.server;
            }
        }
        describeServerTls();
        // nginx: a name used by two servers on one address: the first keeps it.
        for (const ListenGroup &g : std::as_const(groups)) {
            QSet<QByteArray> seen;
            for (int si : g.servers) {
                for (const ServerName &n : m_config->servers.at(si).names) {
                    const QByteArray key = QByteArray::number(int(n.kind)) + ':' + n.text;
                    if (seen.contains(key))
                        warning(n.at, u"conflicting server name \"%1\" on %2, ignored"_s.arg(
                                          text(n.text), g.address.toString()));
                    seen.insert(key);
                }
            }
        }
    }

    // The ssl_* settings of the servers on TLS sockets, checked now so that
    // the editor's live check sees them; the runtime loads the files.
    void describeServerTls()
    {
        QList<bool> needed(m_config->servers.size(), false);
        for (const ListenEntry &e : std::as_const(m_listenEntries)) {
            if (e.address.ssl)
                needed[e.server] = true;
        }
        for (const ListenGroup &g : std::as_const(m_config->listenGroups)) {
            if (!g.address.ssl)
                continue;
            // The default server answers clients without SNI: it needs a certificate too.
            const int def = g.defaultServer >= 0 ? g.defaultServer : g.servers.constFirst();
            needed[def] = true;
            for (int si : g.servers) {
                for (const StoredDirective &x : std::as_const(m_config->servers[si].ssl)) {
                    if (x.name == "ssl_certificate")
                        needed[si] = true;
                }
            }
        }
        for (int si = 0; si < m_config->servers.size(); ++si) {
            if (!needed.at(si))
                continue;
            ServerConfig &server = m_config->servers[si];
            ConfLocation listenAt = server.at;
            for (const ListenAddress &l : std::as_const(server.listens)) {
                if (l.ssl) {
                    listenAt = l.at;
                    break;
                }
            }
            ServerTlsSettings settings;
            if (!serverTlsSettings(server.ssl, &settings))
                continue;
            if (settings.certificates.isEmpty()) {
                error(listenAt, u"no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive of this "
                                u"server (for local development: wsscope cert issue NAME... prints the lines to add)"_s);
                continue;
            }
            settings.enabled = true;
            server.tls = settings;
        }
    }

    bool serverTlsSettings(const QList<StoredDirective> &ssl, ServerTlsSettings *o)
    {
        bool ok = true;
        const auto bad = [&](const StoredDirective &d, const QString &why) {
            error(d.at, why);
            ok = false;
        };
        const auto onOff = [&](const StoredDirective &d, bool *out) {
            const auto on = d.args.size() == 1 ? flagArg(d.args.at(0)) : std::nullopt;
            if (!on)
                bad(d, u"invalid value in \"%1\" directive, it must be \"on\" or \"off\""_s.arg(text(d.name)));
            else
                *out = *on;
        };
        for (const StoredDirective &d : ssl) {
            const QByteArray &n = d.name;
            if (n == "ssl_certificate" || n == "ssl_certificate_key" || n == "ssl_password_file") {
                if (d.args.size() != 1) {
                    bad(d, u"invalid number of arguments in \"%1\" directive"_s.arg(text(n)));
                    continue;
                }
                if (d.args.at(0).contains('$')) {
                    bad(d, u"variables in \"%1\" are not supported"_s.arg(text(n)));
                    continue;
                }
                if (d.args.at(0).startsWith("data:") || d.args.at(0).startsWith("engine:")) {
                    bad(d, u"\"%1\" takes a PEM file name (data: and engine: are not supported)"_s.arg(text(n)));
                    continue;
                }
                const TlsFileSetting file{resolvePath(d.args.at(0)), d.at};
                if (n == "ssl_certificate")
                    o->certificates << file;
                else if (n == "ssl_certificate_key")
                    o->keys << file;
                else
                    o->passwordFiles << file;
            } else if (n == "ssl_protocols") {
                if (const auto p = protocolsArg(n, d.at, d.args))
                    o->protocols = *p;
                else
                    ok = false;
                o->protocolsAt = d.at;
            } else if (n == "ssl_ciphers") {
                if (d.args.size() != 1)
                    bad(d, u"invalid number of arguments in \"ssl_ciphers\" directive"_s);
                else
                    o->ciphers = d.args.at(0);
            } else if (n == "ssl_prefer_server_ciphers") {
                onOff(d, &o->preferServerCiphers);
            } else if (n == "ssl_session_tickets") {
                onOff(d, &o->sessionTickets);
            } else if (n == "ssl_ecdh_curve") {
                if (d.args.size() != 1)
                    bad(d, u"invalid number of arguments in \"ssl_ecdh_curve\" directive"_s);
                else
                    o->ecdhCurve = d.args.at(0);
            } else if (n == "ssl_session_timeout") {
                const auto ms = d.args.size() == 1 ? ConfUnits::parseMsec(d.args.at(0)) : std::nullopt;
                if (!ms)
                    bad(d, u"\"ssl_session_timeout\" directive invalid value"_s);
                else
                    o->sessionTimeoutS = qMax<qint64>(1, *ms / 1000);
            } else if (n == "ssl_session_cache" || n == "ssl_buffer_size" || n == "ssl_dhparam"
                       || n == "ssl_early_data" || n == "ssl_alpn") {
                // Accepted: OpenSSL's per-context session cache, its buffer
                // sizes and ECDHE key exchange stand in for them.
            } else {
                ignored(n, d.at, false);
            }
        }
        if (o->certificates.size() != o->keys.size()) {
            const bool moreCerts = o->certificates.size() > o->keys.size();
            error(moreCerts ? o->certificates.constFirst().at : o->keys.constFirst().at,
                  u"%1 \"ssl_certificate\" but %2 \"ssl_certificate_key\" directives: each certificate needs its "
                  u"key, in the same order"_s.arg(o->certificates.size()).arg(o->keys.size()));
            return false;
        }
        return ok;
    }

    const ConfFile &m_file;
    ConfigCompileOptions m_options;
    std::shared_ptr<ProxyConfig> m_config;
    QList<ConfDiagnostic> m_diagnostics;
    bool m_hasErrors = false;
    bool m_warnedBuiltinMap = false;
    QSet<QByteArray> m_ignoredWarned;
    QHash<QByteArray, std::shared_ptr<MapVariable>> m_maps;
    QHash<const ConfDirective *, std::shared_ptr<MapVariable>> m_mapDirectives;
    QHash<QByteArray, std::shared_ptr<UpstreamConfig>> m_upstreams; // by lower-cased name
    QHash<QByteArray, std::shared_ptr<UpstreamConfig>> m_implicitUpstreams; // proxy_pass host:port
    QList<Scope> m_serverScopes;
    QList<ListenEntry> m_listenEntries;
};

// nginx's contexts for the table below.
constexpr quint8 Main = contextBit(Ctx::Main), Events = contextBit(Ctx::Events), Http = contextBit(Ctx::Http),
                 Server = contextBit(Ctx::Server), Location = contextBit(Ctx::Location),
                 Upstream = contextBit(Ctx::Upstream), Levels = Http | Server | Location;
static_assert(Main == ConfContext::Main && Events == ConfContext::Events && Http == ConfContext::Http
                  && Server == ConfContext::Server && Location == ConfContext::Location
                  && Upstream == ConfContext::Upstream,
              "the public context bits are the table's");

const std::vector<Command> &commands()
{
    using C = Compiler;
    using S = LocationSettings;
    static const std::vector<Command> table = {
        // main and events (compileMain, compileEvents)
        {.name = "worker_processes", .contexts = Main, .minArgs = 1, .maxArgs = 1},
        {.name = "worker_shutdown_timeout", .contexts = Main, .minArgs = 1, .maxArgs = 1},
        {.name = "error_log", .contexts = Main, .minArgs = 1, .maxArgs = 2},
        {.name = "events", .contexts = Main, .block = true},
        {.name = "http", .contexts = Main, .block = true},
        {.name = "worker_connections", .contexts = Events, .minArgs = 1, .maxArgs = 1},
        // http blocks (compileHttp, compileServer, compileLocation)
        {.name = "map", .contexts = Http, .minArgs = 2, .maxArgs = 2, .block = true},
        {.name = "upstream", .contexts = Http, .minArgs = 1, .maxArgs = 1, .block = true},
        {.name = "server", .contexts = Http, .block = true},
        {.name = "location", .contexts = Levels, .minArgs = -1, .maxArgs = 2, .block = true},
        {.name = "listen", .contexts = Server, .minArgs = 1, .maxArgs = 16},
        {.name = "server_name", .contexts = Server, .minArgs = 1, .maxArgs = 256},
        {.name = "ssl", .contexts = Server, .minArgs = 1, .maxArgs = 1, .elsewhereIgnored = true},
        {.name = "return", .contexts = Server | Location, .minArgs = 1, .maxArgs = 2},
        {.name = "proxy_pass", .contexts = Location, .minArgs = 1, .maxArgs = 1},
        // merged down from http to server to location
        {.name = "proxy_set_header", .contexts = Levels, .minArgs = 2, .maxArgs = 2, .inherited = true,
         .handler = &C::handleProxySetHeader},
        {.name = "proxy_http_version", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxyHttpVersion},
        {.name = "proxy_connect_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::connectTimeoutMs},
        {.name = "proxy_read_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::readTimeoutMs, .at = &S::readTimeoutAt},
        {.name = "proxy_send_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::sendTimeoutMs},
        {.name = "proxy_redirect", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handleProxyRedirect},
        {.name = "proxy_next_upstream", .contexts = Levels, .minArgs = 1, .maxArgs = 12, .inherited = true,
         .handler = &C::handleNextUpstream},
        {.name = "proxy_next_upstream_tries", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .number = &S::nextUpstreamTries},
        {.name = "proxy_next_upstream_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::nextUpstreamTimeoutMs},
        {.name = "root", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true, .handler = &C::handleRoot},
        {.name = "alias", .contexts = Location, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleAlias},
        {.name = "index", .contexts = Levels, .minArgs = 1, .maxArgs = 64, .inherited = true,
         .handler = &C::handleIndex},
        {.name = "access_log", .contexts = Levels, .minArgs = 1, .maxArgs = 8, .inherited = true,
         .handler = &C::handleLog},
        {.name = "error_log", .contexts = Levels, .minArgs = 1, .maxArgs = 8, .inherited = true,
         .handler = &C::handleLog},
        {.name = "proxy_ssl_verify", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_trusted_certificate", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_verify_depth", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_server_name", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_name", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_protocols", .contexts = Levels, .minArgs = 1, .maxArgs = 6, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_ciphers", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_certificate", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_certificate_key", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_password_file", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handleProxySsl},
        {.name = "proxy_ssl_session_reuse", .contexts = Levels, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleProxySsl},
        // http-wide, warned about below it
        {.name = "keepalive_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .handler = &C::handleHttpTimeout},
        {.name = "client_header_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1,
         .handler = &C::handleHttpTimeout},
        // wsscope's own (not nginx's)
        {.name = "ws_inspect", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true, .flag = &S::inspect},
        {.name = "ws_preview_size", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .handler = &C::handlePreviewSize},
        {.name = "ws_ping_interval", .contexts = Levels, .minArgs = 1, .maxArgs = 2, .inherited = true,
         .handler = &C::handlePingInterval},
        {.name = "ws_ping_timeout", .contexts = Levels, .minArgs = 1, .maxArgs = 1, .inherited = true,
         .msec = &S::pingTimeoutMs},
        // upstream blocks (compileUpstream)
        {.name = "server", .contexts = Upstream, .minArgs = 1, .maxArgs = 16},
        {.name = "ip_hash", .contexts = Upstream},
        {.name = "least_conn", .contexts = Upstream},
        {.name = "random", .contexts = Upstream, .minArgs = 0, .maxArgs = 2},
        {.name = "hash", .contexts = Upstream, .minArgs = 1, .maxArgs = 2},
        {.name = "keepalive", .contexts = Upstream, .minArgs = 1, .maxArgs = 1},
        {.name = "health_check", .contexts = Upstream, .minArgs = 0, .maxArgs = 7, .elsewhereIgnored = true},
    };
    return table;
}

} // namespace

QList<DirectiveInfo> ConfigCompiler::directives()
{
    QList<DirectiveInfo> out;
    for (const Command &c : commands())
        out.append(DirectiveInfo{c.name.toByteArray(), c.contexts, c.minArgs, c.maxArgs, c.block, c.inherited,
                                 c.elsewhereIgnored});
    return out;
}

QString ConfigCompiler::directiveListing()
{
    static const struct { quint8 bit; const char *name; } contexts[] = {
        {ConfContext::Main, "main"}, {ConfContext::Events, "events"}, {ConfContext::Http, "http"},
        {ConfContext::Server, "server"}, {ConfContext::Location, "location"}, {ConfContext::Upstream, "upstream"},
    };
    QString out;
    for (const DirectiveInfo &d : directives()) {
        QStringList where;
        for (const auto &c : contexts) {
            if (d.contexts & c.bit)
                where << QLatin1String(c.name);
        }
        const QString args = d.minArgs < 0 ? u"1..%1"_s.arg(d.maxArgs)
            : d.minArgs == d.maxArgs       ? QString::number(d.minArgs)
                                           : u"%1..%2"_s.arg(d.minArgs).arg(d.maxArgs);
        out += u"%1 (%2) args %3%4%5\n"_s.arg(text(d.name), where.join(u' '), args,
                                            d.block ? u" {block}"_s : QString(),
                                            d.inherited ? u" inherited"_s : QString());
    }
    return out;
}

ConfigCompileResult ConfigCompiler::compile(const ConfFile &file, const ConfigCompileOptions &options)
{
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
