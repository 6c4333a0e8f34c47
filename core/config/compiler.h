#pragma once

// The config compiler's inside (ConfigCompiler is its face): one class whose
// member functions live in a file per topic (the driver in configcompiler.cpp,
// the directive table, listen/server, location/proxy, upstream, ssl, map and
// variables, wsscope's own ws_* directives).

#include "config/configcompiler.h"
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
#include <vector>

namespace ConfigCompilerImpl {

using namespace Qt::StringLiterals;

enum class Ctx : quint8 { Main, Events, Http, Server, Location, Upstream, ServerIf, LocationIf };

inline QString text(QByteArrayView s)
{
    return QString::fromUtf8(s);
}

inline bool hasLineBreakOrNul(QByteArrayView s)
{
    return s.contains('\r') || s.contains('\n') || s.contains('\0');
}

// RFC 9110 5.1: field names are tokens.
inline bool isToken(QByteArrayView s)
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
    bool addHeadersSetHere = false;
    bool accessLogsSetHere = false;
    bool errorPagesSetHere = false;
    bool accessRulesSetHere = false;
    bool realIpFromSetHere = false;
    bool realIpHeaderSetHere = false;
    bool hideHeadersSetHere = false;
    bool passHeadersSetHere = false;
    bool ignoreHeadersSetHere = false;
    bool typesSetHere = false;
    quint8 cookieDomainsHere = 0; // proxy_cookie_domain at this level: 0 none, 1 rules, 2 off
    quint8 cookiePathsHere = 0;
    QList<StoredDirective> ssl;      // ssl_* in effect: per name, the level's own or the inherited
    QSet<QByteArray> sslSetHere;     // ssl_* names this level set (each replaces the inherited one)
    QList<HeaderShadow> shadows; // levels on the way here that dropped inherited headers

    // The scope a level inside this one starts from: every value, none
    // counted as set there yet.
    Scope inner() const
    {
        Scope s = *this;
        s.headersSetHere = s.logsSetHere = s.redirectsSetHere = s.proxySslSetHere = s.addHeadersSetHere = s.accessLogsSetHere = s.errorPagesSetHere =
            s.accessRulesSetHere = s.realIpFromSetHere = s.realIpHeaderSetHere = s.hideHeadersSetHere =
                s.passHeadersSetHere = s.ignoreHeadersSetHere = s.typesSetHere = false;
        s.cookieDomainsHere = s.cookiePathsHere = 0;
        s.sslSetHere.clear();
        return s;
    }
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
    const char *note = nullptr; // said after the entry in `wsscope directives`
};

const std::vector<Command> &commands();
// The two halves of the table (directivetable.cpp), in listing order.
std::vector<Command> proxyCommands();
std::vector<Command> tlsAndUpstreamCommands();
std::vector<Command> responseCommands(); // compilerresponse.cpp
std::vector<Command> inspectCommands();  // compilerinspect.cpp
std::vector<Command> errorPageCommands(); // compilererrorpage.cpp
std::vector<Command> accessCommands();    // compileraccess.cpp
std::vector<Command> cookieCommands();    // compilercookie.cpp
std::vector<Command> clientCommands();    // compilerclient.cpp

constexpr quint8 contextBit(Ctx ctx)
{
    return quint8(1u << int(ctx));
}

// The entry for `name` in `ctx`; nullptr when the directive is not valid there.
inline const Command *findCommand(QByteArrayView name, Ctx ctx)
{
    for (const Command &c : commands()) {
        if (c.name == name && (c.contexts & contextBit(ctx)))
            return &c;
    }
    return nullptr;
}

// The first entry for `name` in any context.
inline const Command *findCommand(QByteArrayView name)
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
    friend std::vector<Command> proxyCommands();
    friend std::vector<Command> tlsAndUpstreamCommands();
    friend std::vector<Command> responseCommands();
    friend std::vector<Command> inspectCommands();
    friend std::vector<Command> errorPageCommands();
    friend std::vector<Command> accessCommands();
    friend std::vector<Command> cookieCommands();
    friend std::vector<Command> clientCommands();

public:
    Compiler(const ConfFile &file, const ConfigCompileOptions &options);
    ConfigCompileResult run();

private:

    // configcompiler.cpp: diagnostics, the main, events and http levels
    void report(ConfDiagnostic::Severity severity, const ConfLocation &at, const QString &message);
    void error(const ConfLocation &at, const QString &message) { report(ConfDiagnostic::Severity::Error, at, message); }
    void warning(const ConfLocation &at, const QString &message);
    bool checkArgs(const ConfDirective &d, int min, int max);
    bool checkNoBlock(const ConfDirective &d);
    bool checkBlock(const ConfDirective &d);

    // A directive nobody handled in this context.
    void unhandled(const ConfDirective &d);

    // An nginx directive wsscope does not support: an error when it would
    // change what a client or upstream sees (unless wsscope_ignore names
    // it), else a warning, once per name.
    void ignored(const QByteArray &name, const ConfLocation &at, bool hasBlock);
    void collectWsscopeIgnore(const QList<ConfDirective> &directives);
    void compileMain();
    // compilerprocess.cpp: pid, daemon, master_process, user, error_log,
    // worker_processes, worker_shutdown_timeout (the main context's
    // ngx_core_module). False when `d` is none of them.
    bool compileProcessDirective(const ConfDirective &d);
    std::optional<Logging::Sink> parseErrorLog(const ConfDirective &d);
    void compileUser(const ConfDirective &d);
    void compileWorkerProcesses(const ConfDirective &d);
    void compileEvents(const ConfDirective &events);
    void compileHttp(const QList<const ConfDirective *> &body);

    // directivetable.cpp: the table's checks and generic slots
    // The directives valid at http, server and location level: the table's
    // entries that carry a handler or a slot (the others are read by the
    // block's own compile function). False when `d` is none of them here.
    bool applyCommon(const ConfDirective &d, Ctx ctx, Scope &scope);

    // Arguments and block as the table says (ngx_conf_handler's checks).
    bool checkArgs(const ConfDirective &d, const Command &c);
    bool checkArgs(const ConfDirective &d, Ctx ctx);

    // The generic slots (ngx_conf_set_msec_slot, _flag_slot, _num_slot).
    void setMsec(const ConfDirective &d, qint64 &out);
    void setFlag(const ConfDirective &d, bool &out);
    void setNumber(const ConfDirective &d, int &out);
    // on|off, the one parser of flags (nginx's ngx_conf_set_flag_slot).
    static std::optional<bool> flagArg(QByteArrayView word) { return ConfUnits::parseFlag(word); }

    // compilerlocation.cpp, compilerws.cpp: the merged-down directives' handlers
    void handleProxySetHeader(const ConfDirective &d, Ctx, Scope &scope);
    void handlePreviewSize(const ConfDirective &d, Ctx, Scope &scope);
    void handlePingInterval(const ConfDirective &d, Ctx, Scope &scope);
    void handleProxyHttpVersion(const ConfDirective &d, Ctx, Scope &scope);
    void handleNextUpstream(const ConfDirective &d, Ctx, Scope &scope);
    void handleProxyRedirect(const ConfDirective &d, Ctx, Scope &scope);
    void handleRoot(const ConfDirective &d, Ctx, Scope &scope);
    void handleAlias(const ConfDirective &d, Ctx, Scope &scope) { scope.values.alias = d.argText(0); }
    void handleIndex(const ConfDirective &d, Ctx, Scope &scope);
    void handleLog(const ConfDirective &d, Ctx, Scope &scope);
    // compileraccesslog.cpp
    void handleLogFormat(const ConfDirective &d, Ctx, Scope &);
    void handleAccessLog(const ConfDirective &d, Ctx, Scope &scope);
    // A log_format by name ("combined" is predefined); nullptr: none.
    std::shared_ptr<const LogFormat> logFormat(const QByteArray &name);
    void handleHttpTimeout(const ConfDirective &d, Ctx ctx, Scope &);
    // resolver ADDRESS... [valid=TIME] [ipv6=on|off]
    void handleResolver(const ConfDirective &d, Ctx, Scope &scope);
    // Read before compiling (collectWsscopeIgnore); nothing to do in place.
    void handleWsscopeIgnore(const ConfDirective &, Ctx, Scope &) {}

    // compilerresponse.cpp: add_header, expires, server_tokens and the client side's limits
    void handleAddHeader(const ConfDirective &d, Ctx, Scope &scope);
    void handleExpires(const ConfDirective &d, Ctx, Scope &scope);
    void handleServerTokens(const ConfDirective &d, Ctx, Scope &scope);
    void handleClientMaxBodySize(const ConfDirective &d, Ctx, Scope &scope);

    // compilererrorpage.cpp: error_page (inherited), try_files and internal (a location's own; false: `c` is neither)
    void handleErrorPage(const ConfDirective &d, Ctx, Scope &scope);
    // `loc` is a location's, or the server's serverLevel (ctx Server: try_files only).
    bool compileFallback(const ConfDirective &c, LocationConfig &loc, Ctx ctx = Ctx::Location);

    // compileraccess.cpp: allow, deny (inherited all-or-nothing per level)
    void handleAccess(const ConfDirective &d, Ctx, Scope &scope);
    // set_real_ip_from (all-or-nothing per level, like allow) and real_ip_header
    void handleSetRealIpFrom(const ConfDirective &d, Ctx, Scope &scope);
    std::optional<AccessRule> addressRule(const ConfArg &arg); // unix: or a CIDR; nullopt: neither
    void handleRealIpHeader(const ConfDirective &d, Ctx, Scope &scope);
    // limit_except blocks of location `d`, after its own settings are known.
    void compileLimitExcept(const ConfDirective &d, const Scope &scope, LocationConfig &loc);
    void compileLimitExceptBlock(const ConfDirective &c, const Scope &scope, LocationConfig &loc);
    // nginx's noname locations (`if`, limit_except), compilerrewrite.cpp: the
    // location's pattern and alias; then, once the block's own directives are
    // in, the location's proxy_pass unless it has one, and `inner`'s settings.
    LocationConfig nonameBlock(const LocationConfig &loc, const ConfLocation &at);
    void mergeNonameBlock(LocationConfig &block, const Scope &inner, const LocationConfig &loc);

    // compilercookie.cpp: proxy_cookie_domain, proxy_cookie_path
    void handleProxyCookie(const ConfDirective &d, Ctx, Scope &scope);

    // compilerclient.cpp: the client connection's keep-alive and head buffers
    void handleKeepaliveTimeout(const ConfDirective &d, Ctx, Scope &scope);
    void handleKeepaliveDisable(const ConfDirective &d, Ctx, Scope &scope);
    void handleHeaderBuffers(const ConfDirective &d, Ctx, Scope &scope);
    void handleClientBody(const ConfDirective &d, Ctx, Scope &scope); // client_body_buffer_size, _in_file_only, _temp_path
    void handleLimitRate(const ConfDirective &d, Ctx, Scope &scope);  // limit_rate, limit_rate_after
    void handleUpstreamHeaders(const ConfDirective &d, Ctx, Scope &scope); // proxy_hide_header, _pass_header, _ignore_headers
    void handleTypes(const ConfDirective &d, Ctx, Scope &scope); // types { }, default_type
    void handleSetBody(const ConfDirective &d, Ctx, Scope &scope); // proxy_set_body, proxy_method

    // compilerinspect.cpp: inspect_* (wsscope's inspection channel, http level)
    void handleInspect(const ConfDirective &d, Ctx, Scope &);
    void inspectListen(const ConfDirective &d);
    void inspectToken(const ConfDirective &d);
    // After the http level: `ssl` takes that level's certificate, if any.
    void finishInspect(const Scope &http);

    // compilerssl.cpp
    // proxy_ssl_*: how TLS toward an https:// upstream is set up.
    void handleProxySsl(const ConfDirective &d, Ctx, Scope &scope);
    void handleServerSsl(const ConfDirective &d, Ctx, Scope &scope);
    void proxySslFile(const ConfDirective &d, UpstreamTlsSettings &o);

    // ssl_protocols / proxy_ssl_protocols words; `args` carry their places
    // (a stored ssl_* directive has only its own: `at`, for every word).
    template<typename Args>
    std::optional<quint8> protocolsArg(const QByteArray &name, const ConfLocation &at, const Args &args);
    static const QByteArray &argWord(const ConfArg &a) { return a.text; }
    static const QByteArray &argWord(const QByteArray &a) { return a; }
    static const ConfLocation &argPlace(const ConfArg &a, const ConfLocation &) { return a.location; }
    static const ConfLocation &argPlace(const QByteArray &, const ConfLocation &at) { return at; }

    // configcompiler.cpp: argument helpers
    // A file name in the configuration: relative ones are relative to the
    // prefix (-p), else to the configuration file's directory (the current
    // one for generated text).
    QString resolvePath(const QByteArray &name) const;
    // "unix:PATH" (the prefix included) to its path, checked as nginx does;
    // false: an error was reported at `at`.
    bool unixSocketPath(const QByteArray &url, const ConfLocation &at, QByteArray *path);
    void proxyPassUnix(const ConfDirective &c, const QByteArray &scheme, const QByteArray &rest, LocationConfig *loc);
    // proxy_pass's URI part, where nginx allows one.
    bool setProxyPassUri(const ConfArg &arg, const QByteArray &uri, const LocationConfig &loc, ProxyPass *pp);
    // The implicit upstream of a proxy_pass to `key` (host:port or unix:PATH), made once.
    std::shared_ptr<const UpstreamConfig> implicitUpstream(const QByteArray &key, const QByteArray &name,
                                                           const QList<UpstreamServer> &servers, const ConfLocation &at);
    std::optional<qint64> timeArg(const ConfDirective &d);
    static StoredDirective stored(const ConfDirective &d);

    // compilermap.cpp: variables and map
    std::optional<ValueTemplate> compileTemplate(QByteArrayView value, const ConfLocation &at);
    void declareMap(const ConfDirective &d);
    void defineMap(const ConfDirective &d);

    // compilerupstream.cpp
    // "host[:port]" with IPv6 in brackets; port is -1 when absent. Port 0
    // ("any free port") only where `allowZero` (listen).
    bool splitHostPort(QByteArrayView s, QByteArray *host, int *port, bool allowZero = false);
    QList<QHostAddress> resolveHost(const QByteArray &host, const ConfLocation &at, const QString &what);
    void compileUpstream(const ConfDirective &d);

    // Explicit upstreams are all compiled before the first proxy_pass, so
    // ids follow ProxyConfig::allUpstreams().
    int nextUpstreamId() const { return int(m_config->upstreams.size() + m_config->implicitUpstreams.size()); }
    bool upstreamServer(const ConfDirective &c, QList<UpstreamServer> *out, bool backupAllowed);
    // keepalive, keepalive_requests, keepalive_timeout, keepalive_time, zone.
    void upstreamKeepalive(const ConfDirective &c, UpstreamBalancing *balancing);

    // health_check [interval=TIME] [uri=URI] [fails=N] [passes=N]
    // [type=http|websocket] [timeout=TIME]: wsscope's active check.
    void compileHealthCheck(const ConfDirective &c, UpstreamHealthCheck *hc);

    // compilerserver.cpp: server, listen, server_name, return, listen groups
    void compileServer(const ConfDirective &d, const Scope &http);
    void listen(const ConfDirective &c, int serverIndex, ServerConfig *server);
    void serverNames(const ConfDirective &c, ServerConfig *server);
    void compileReturn(const ConfDirective &c, ReturnAction *out);

    // compilerrewrite.cpp: the rewrite module (return, rewrite, set, break,
    // if) and the user variables (`set`, named captures)
    void declareUserVariables(const QList<const ConfDirective *> &body);
    void declareUserVariablesIn(const ConfDirective &d);
    void declareNamedCaptures(const QByteArray &pattern);
    int userVariable(QByteArrayView name) const { return m_userVariables.value(name.toByteArray(), -1); }
    QList<QPair<int, int>> namedCaptures(const QRegularExpression &re) const;
    static bool isRewriteStatement(QByteArrayView name);
    // A rewrite-module statement of a level (`if` included: its block is
    // compiled later by compileIfBlocks, once the level's settings are known).
    void rewriteStatement(const ConfDirective &c, Ctx ctx, RewriteScript &script);
    void compileRewrite(const ConfDirective &c, RewriteScript &script);
    void compileSet(const ConfDirective &c, RewriteScript &script);
    bool compileCondition(const ConfDirective &c, RewriteCondition *out);
    bool compileRegex(const QByteArray &pattern, bool caseless, const ConfLocation &at, CaptureRegex *out);
    void compileServerIf(const ConfDirective &c, RewriteOp &op);
    // The implicit locations of a location's `if` blocks: its settings,
    // then each block's own directives.
    void compileIfBlocks(const ConfDirective &d, const Scope &scope, LocationConfig &loc);
    void compileIfBlock(const ConfDirective &c, const Scope &scope, LocationConfig &loc, RewriteOp &op);

    // compilerlocation.cpp: location and proxy_pass
    bool locationPattern(const ConfDirective &d, const LocationConfig *parent, LocationConfig *loc);
    template<typename Container>
    void compileLocation(const ConfDirective &d, const Scope &parentScope, ServerConfig &server,
                         const LocationConfig *parent, Container *out);

    // nginx: a level with any proxy_set_header inherits none from above.
    static void recordShadow(Scope &scope, const QList<HeaderOrigin> &inherited);

    // ngx_http_proxy_merge_headers(): the configured list, then nginx's
    // defaults for the names it does not set.
    static QList<HeaderRule> withProxyDefaults(const QList<HeaderRule> &user);
    void proxyPass(const ConfDirective &c, LocationConfig *loc);
    void finishListens();

    // compilerssl.cpp: ssl_* of the servers
    // The ssl_* settings of the servers on TLS sockets, checked now so that
    // the editor's live check sees them; the runtime loads the files.
    void describeServerTls();
    bool serverTlsSettings(const QList<StoredDirective> &ssl, ServerTlsSettings *o);

    const ConfFile &m_file;
    ConfigCompileOptions m_options;
    std::shared_ptr<ProxyConfig> m_config;
    QList<ConfDiagnostic> m_diagnostics;
    bool m_hasErrors = false;
    bool m_warnedBuiltinMap = false;
    QSet<QByteArray> m_ignoredWarned;
    QSet<QByteArray> m_wsscopeIgnore; // wsscope_ignore's names, for the whole file
    QSet<QByteArray> m_processSet; // main-level directives seen once (nginx's "is duplicate")
    QHash<QByteArray, std::shared_ptr<MapVariable>> m_maps;
    QHash<QByteArray, std::shared_ptr<const LogFormat>> m_logFormats;
    QHash<const ConfDirective *, std::shared_ptr<MapVariable>> m_mapDirectives;
    QHash<QByteArray, std::shared_ptr<UpstreamConfig>> m_upstreams; // by lower-cased name
    QHash<QByteArray, std::shared_ptr<UpstreamConfig>> m_implicitUpstreams; // proxy_pass host:port
    QList<Scope> m_serverScopes;
    QHash<QByteArray, int> m_userVariables; // `set` variables and named captures -> index
    QList<ListenEntry> m_listenEntries;
};

} // namespace ConfigCompilerImpl
