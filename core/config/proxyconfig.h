#pragma once

#include "config/accesslogconfig.h"
#include "config/accessrule.h"
#include "config/confdiagnostic.h"
#include "config/cookierewrite.h"
#include "config/errorpage.h"
#include "config/rewritescript.h"
#include "config/headersfilter.h"
#include "config/tlssettings.h"
#include "config/upstreamconfig.h"
#include "http/headerrewrite.h"
#include "http/returnresponse.h"
#include "http/specialresponse.h"
#include "http/urirewrite.h"
#include "ops/logging.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QRegularExpression>

#include <memory>
#include <vector>

// The compiled, read-only configuration snapshot (see ConfigCompiler): a
// description only. What runs from it (upstream groups with their state,
// OpenSSL contexts) is built by ProxyRuntime in core/proxy; sessions hold
// the runtime they started with, and a reload swaps it for new connections
// only. Every value keeps the place in the configuration it came from, for
// the config doctor and the GUI.

struct ListenAddress
{
    QHostAddress address;
    quint16 port = 0;
    bool defaultServer = false; // `default_server` (or the legacy `default`)
    bool ssl = false;           // `ssl`: TLS on this socket (any server's listen on it may say so)
    bool proxyProtocol = false; // `proxy_protocol`: a PROXY protocol header comes first (the same)
    QByteArray unixPath;        // listen unix:PATH: a unix-domain socket (address and port unset)
    ConfLocation at;

    // "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80", "unix:/run/a.sock"
    QString toString() const;
    bool sameSocket(const ListenAddress &other) const
    {
        return port == other.port && address == other.address && unixPath == other.unixPath;
    }
};

// One `server_name` entry, in nginx's kinds (ngx_http_server_names).
struct ServerName
{
    enum class Kind : quint8 { Exact, LeadingWildcard, TrailingWildcard, Regex };
    Kind kind = Kind::Exact;
    QByteArray text;          // lower-cased; for wildcards without the "*" ("*.a.com" -> ".a.com", "a.*" -> "a.")
    QRegularExpression regex; // for Kind::Regex
    ConfLocation at;
    QList<QPair<int, int>> named; // a regex's named captures (group -> user variable)
};

struct ProxyPass
{
    QByteArray scheme = "http";          // "http" or "https" (TLS toward the upstream)
    std::shared_ptr<const UpstreamConfig> upstream; // the block, or the implicit one of host:port
    QByteArray proxyHost;               // $proxy_host: the upstream name, or host[:port] as written
    bool hasUri = false;                // proxy_pass with a URI part
    QByteArray uri;                     // that URI part ("/", "/api/")
    bool unixSocket = false;            // http://unix:PATH: $proxy_host "localhost", no $proxy_port
    ConfLocation at;                    // invalid when the location has no proxy_pass
    // proxy_pass with variables: the URL evaluated per request (then
    // `upstream` is null; routeRequest() parses it, ngx_http_proxy_eval).
    std::optional<ValueTemplate> urlTemplate;

    bool isSet() const { return upstream != nullptr || urlTemplate.has_value(); }
};

// A proxy_set_header as written, with its origin (for the doctor and the GUI).
struct HeaderOrigin
{
    QByteArray name;
    QByteArray value; // the template source
    ConfLocation at;

    bool operator==(const HeaderOrigin &o) const = default;
};

// A level whose own proxy_set_header list hid headers set further out
// (nginx inherits proxy_set_header only when a level sets none).
struct HeaderShadow
{
    ConfLocation at;              // the level's first proxy_set_header
    QList<HeaderOrigin> dropped;  // the outer headers it did not repeat
};

// A directive that wsscope keeps but does not act on yet (access_log,
// error_log, ssl_*): the words as written.
struct StoredDirective
{
    QByteArray name;
    QList<QByteArray> args;
    ConfLocation at;

    bool operator==(const StoredDirective &o) const = default;
};

// proxy_next_upstream conditions (ngx_http_upstream_next_t). nginx's default
// is "error timeout".
namespace NextUpstream {
enum : quint32 {
    Error = 0x1,
    Timeout = 0x2,
    InvalidHeader = 0x4,
    Http500 = 0x8,
    Http502 = 0x10,
    Http503 = 0x20,
    Http504 = 0x40,
    Http403 = 0x80,
    Http404 = 0x100,
    Http429 = 0x200,
    NonIdempotent = 0x400,
    Off = 0x8000'0000,
};
}

// client_header_buffer_size and large_client_header_buffers NUMBER SIZE
// (nginx's defaults: 1k, 4 8k); connection_pool_size only bounds `size`
// from below, as in nginx (512 on 64-bit).
struct HeaderBufferSizes
{
    qint64 first = 1024;
    int number = 4;
    qint64 size = 8 * 1024;
    qint64 connectionPool = 512;

    bool operator==(const HeaderBufferSizes &o) const = default;
};

// What a level (http, server, location) hands to the levels inside it:
// every setting nginx merges down (ngx_http_proxy_merge_loc_conf and
// ngx_http_core_merge_loc_conf), in one struct so that the merge is one
// assignment (ConfigCompiler) and no setting can be left out of it. A
// location is its settings plus what is its own (LocationConfig).
// proxy_redirect REDIRECT REPLACEMENT (ngx_http_proxy_rewrite_*_handler): a
// prefix, literal or with variables, replaced by the replacement; or a regex
// (~, ~*) that, when it matches, has the whole value replaced (its captures
// are $1..$9 of the replacement).
struct RedirectRule
{
    ValueTemplate pattern; // a prefix rule's
    CaptureRegex regex;    // set: a regex rule
    ValueTemplate replacement;

    bool operator==(const RedirectRule &o) const
    {
        return pattern == o.pattern && regex.regex == o.regex.regex && replacement == o.replacement;
    }
};

struct LocationSettings
{
    QList<HeaderOrigin> headerOrigins; // proxy_set_header as written (all-or-nothing per level)
    int proxyHttpVersionMinor = 0;     // proxy_http_version: nginx's default is 1.0
    ConfLocation proxyHttpVersionAt;
    qint64 connectTimeoutMs = 60'000;
    qint64 readTimeoutMs = 60'000;
    qint64 sendTimeoutMs = 60'000;       // proxy_send_timeout: writes toward upstream
    qint64 clientSendTimeoutMs = 60'000; // send_timeout: writes toward the client
    ConfLocation readTimeoutAt;
    // proxy_redirect: default / off / explicit rules.
    enum class Redirect : quint8 { Default, Off, Explicit };
    Redirect redirect = Redirect::Default;
    QList<RedirectRule> redirectRules;
    quint32 nextUpstream = NextUpstream::Error | NextUpstream::Timeout;
    int nextUpstreamTries = 0;          // 0: unlimited
    qint64 nextUpstreamTimeoutMs = 0;   // 0: unlimited
    QByteArray root = "html";           // nginx's default root; relative to the config file's directory
    QByteArray alias;
    // index: tried in order for a URI ending in "/" (ngx_http_index_module:
    // the first that exists is an internal redirect; may hold variables).
    QList<ValueTemplate> index{ValueTemplate::literal("index.html")};
    // error_log of the http, server or location level in effect here (a
    // level's own replace the inherited ones); empty: the main level's.
    QList<Logging::Sink> errorLog;
    bool logNotFound = true;            // log_not_found: a missing file is logged at error
    bool ignoreClientAbort = false;     // proxy_ignore_client_abort: a client gone does not end the request
    QList<AccessLogTarget> accessLogs;  // access_log in effect here (none configured, or `off`: empty)
    ResolverSettings resolver;          // resolver: for proxy_pass with variables
    qint64 resolverTimeoutMs = 30'000;  // resolver_timeout

    // proxy_ssl_*: TLS toward an https:// upstream (inherited like proxy_*).
    UpstreamTlsSettings upstreamTlsOptions;
    bool proxySslServerName = false;    // proxy_ssl_server_name: nginx's default is off (no SNI)
    bool proxySslSessionReuse = true;   // proxy_ssl_session_reuse: a peer's last session is offered again
    std::optional<ValueTemplate> proxySslName; // proxy_ssl_name; unset: the host of $proxy_host
    ConfLocation proxySslAt;            // the first proxy_ssl_* of the innermost level that has one

    // wsscope's own directives (not nginx's), inherited like proxy_* ones.
    enum PingPeer : quint8 { PingClient = 0x1, PingUpstream = 0x2 };
    bool inspect = true;                // ws_inspect on|off: frames observed and reported
    qint64 previewBytes = 64 * 1024;    // ws_preview_size: payload kept per message for display
    qint64 pingIntervalMs = 0;          // ws_ping_interval TIME [client|upstream|both]; 0 = off
    quint8 pingPeers = PingClient | PingUpstream;
    qint64 pingTimeoutMs = 0;           // ws_ping_timeout TIME; 0 = same as the interval
    ConfLocation pingAt;

    // The rewrite module's flags (its statements are a level's own: RewriteScript).
    bool rewriteLog = false;                // rewrite_log: each rewrite's match and result, at notice level
    bool uninitializedVariableWarn = true;  // uninitialized_variable_warn: a `set` variable read before any set
    // What the location's responses carry (ngx_http_headers_module:
    // add_header all-or-nothing per level, expires) and server_tokens.
    HeadersFilter headersFilter;
    ServerTokens serverTokens = ServerTokens::On;
    // A Location starting with "/" made absolute (ngx_http_header_filter):
    // absolute_redirect, with the server's name instead of the request's
    // host (server_name_in_redirect) and the port unless it is the scheme's
    // own (port_in_redirect).
    bool absoluteRedirect = true;
    bool serverNameInRedirect = false;
    bool portInRedirect = true;
    qint64 clientMaxBodySize = 1024 * 1024; // client_max_body_size: nginx's 1m; 0 = no limit (413 above it)
    // The request body (ngx_http_read_client_request_body): read whole before
    // the upstream is asked (proxy_request_buffering), in memory up to
    // client_body_buffer_size, else in a file under client_body_temp_path
    // (kept after the request with client_body_in_file_only on).
    enum class BodyInFile : quint8 { Off, Clean, On };
    bool requestBuffering = true;          // proxy_request_buffering
    qint64 clientBodyBufferSize = 16384;   // client_body_buffer_size (nginx's two pages)
    BodyInFile clientBodyInFileOnly = BodyInFile::Off;
    bool clientBodyInSingleBuffer = false; // client_body_in_single_buffer (a memory body is one buffer anyway)
    QString clientBodyTempPath;            // client_body_temp_path (empty: the system's temporary directory)
    QList<int> clientBodyTempLevels;
    qint64 clientBodyTimeoutMs = 60'000;   // client_body_timeout: between two reads of the body (408)
    // limit_rate / limit_rate_after: sizes, variables allowed (evaluated at
    // the response's first write); empty: 0, no limit.
    ValueTemplate limitRate;
    ValueTemplate limitRateAfter;
    // proxy_buffering: wsscope relays every body as it comes either way;
    // off (as in nginx) also means no limit_rate for proxied responses.
    bool proxyBuffering = true;
    // proxy_hide_header / proxy_pass_header as written (each list inherited
    // whole by a level without one): nginx hides Date, Server, X-Pad and
    // X-Accel-* by default, plus these, less the passed ones.
    QList<QByteArray> hideHeaders;
    QList<QByteArray> passHeaders;
    // proxy_ignore_headers: the upstream headers not acted on.
    enum IgnoreHeader : quint16 {
        IgnoreXAccelRedirect = 1, IgnoreXAccelExpires = 2, IgnoreXAccelLimitRate = 4, IgnoreXAccelBuffering = 8,
        IgnoreXAccelCharset = 16, IgnoreExpires = 32, IgnoreCacheControl = 64, IgnoreSetCookie = 128, IgnoreVary = 256,
    };
    quint16 ignoreHeaders = 0;
    // types: lower-case extension -> content type; null: nginx's built-in
    // three (html, gif, jpg). default_type for any other.
    struct Types
    {
        std::shared_ptr<const QHash<QByteArray, QByteArray>> map; // shared by the levels that inherit it
        bool operator==(const Types &o) const { return map == o.map || (map && o.map && *map == *o.map); }
    };
    Types types;
    QByteArray defaultType = "text/plain";
    // ngx_http_set_exten + ngx_http_set_content_type: by what follows the
    // last '.' of the URI's last segment.
    QByteArray contentTypeFor(QByteArrayView uri) const;
    // Whether the client gets the upstream's header `name` (case-insensitive).
    bool passesUpstreamHeader(QByteArrayView name) const;
    // error_page: a level that sets any inherits none (ngx_http_core_merge_loc_conf).
    QList<ErrorPage> errorPages;
    bool recursiveErrorPages = false; // recursive_error_pages: an error page's own error may redirect again
    bool interceptErrors = false;     // proxy_intercept_errors: an upstream answer >= 300 with an error_page is replaced
    // allow/deny: a level that has any inherits none; checked after the rewrite phases.
    QList<AccessRule> accessRules;
    // The realip module: when the connection comes from an address in
    // set_real_ip_from, the client address is taken from real_ip_header
    // (nginx runs it once with the server's settings before the rewrite
    // phases, and with the location's before the access phase). A level with
    // any set_real_ip_from inherits none; empty: off.
    enum class RealIpSource : quint8 { XRealIp, XForwardedFor, ProxyProtocol, Header };
    QList<AccessRule> realIpFrom;
    RealIpSource realIpSource = RealIpSource::XRealIp;
    QByteArray realIpHeader;      // RealIpSource::Header: the field's name
    bool realIpRecursive = false; // real_ip_recursive: skip trusted addresses from the right
    // proxy_cookie_domain, proxy_cookie_path: the upstream's Set-Cookie rewritten.
    CookieRewrites cookieRewrites;

    // The client connection's keep-alive: the location that served a request
    // decides whether the connection stays open after it
    // (ngx_http_update_location_config clears r->keepalive) and how long it
    // then waits for the next request (ngx_http_set_keepalive).
    enum KeepaliveDisable : quint8 { KeepaliveDisableMsie6 = 0x1, KeepaliveDisableSafari = 0x2 };
    qint64 keepaliveTimeoutMs = 75'000;   // keepalive_timeout: the idle wait; 0 disables keep-alive
    qint64 keepaliveHeaderSec = 0;        // its second argument: "Keep-Alive: timeout=N" (0: no header)
    int keepaliveRequests = 1000;         // keepalive_requests: requests per connection
    qint64 keepaliveTimeMs = 3'600'000;   // keepalive_time: no new request kept after the connection is this old
    quint8 keepaliveDisable = KeepaliveDisableMsie6; // keepalive_disable: browsers that get no keep-alive
    // The request head's buffers (server level in nginx: ngx_http_core_srv_conf_t;
    // ngx_http_alloc_large_header_buffer): the first buffer, then at most
    // `number` of `size` bytes; one request line or header line must fit in one.
    HeaderBufferSizes headerBuffers;
    // proxy_pass_request_headers / proxy_pass_request_body: the client's
    // header fields and body go upstream (ngx_http_proxy_create_request; off:
    // of the headers only Content-Length, the body read and dropped).
    bool passRequestHeaders = true;
    bool passRequestBody = true;
    // proxy_set_body: the body upstreams get instead of the client's (which
    // is read and dropped), with its Content-Length.
    std::optional<ValueTemplate> setBody;
    // The address's default server's (nginx reads them before Host picks a
    // server): merge_slashes, underscores_in_headers, ignore_invalid_headers.
    bool mergeSlashes = true;
    bool underscoresInHeaders = false;
    bool ignoreInvalidHeaders = true;
    bool sendsClientBody() const { return passRequestBody && !setBody; }
    // proxy_method: the upstream request's method (variables allowed); $request_method stays the client's.
    std::optional<ValueTemplate> proxyMethod;

    bool operator==(const LocationSettings &o) const = default;
};

struct LocationConfig : LocationSettings
{
    // How the location's pattern matches, in nginx's terms.
    enum class Match : quint8 {
        Prefix,          // location /path
        PreferPrefix,    // location ^~ /path (no regex check when it is the longest prefix)
        Exact,           // location = /path
        Regex,           // location ~ re
        RegexCaseless,   // location ~* re
        Named,           // location @name (only an internal redirect reaches it)
    };

    QByteArray prefix = "/"; // the pattern as written (prefix, exact path, regex or @name)
    Match match = Match::Prefix;
    QRegularExpression regex;
    ConfLocation at; // of the `location` directive (invalid for an implicit one)

    ProxyPass proxyPass;
    // The effective header rules sent upstream: the level's proxy_set_header
    // list (own, or inherited when the level sets none), then nginx's
    // implicit defaults it did not override (Host $proxy_host, Connection
    // close, and the emptied TE, Keep-Alive, Expect, Upgrade).
    QList<HeaderRule> headers;
    QList<HeaderShadow> headerShadows; // outer headers dropped on the way to this location
    // The rewrite module's statements (return, rewrite, set, break, if), in
    // order; a level's own, never inherited by nested locations.
    RewriteScript rewrite;
    QList<QPair<int, int>> regexNames; // a regex location's named captures (group -> user variable)
    // The implicit locations of its `if` blocks (nginx's noname locations):
    // the location's settings, then the block's own. An `if` block has the
    // prefix and match of its location (proxy_pass cuts that prefix).
    std::vector<LocationConfig> ifBlocks;
    bool isIfBlock = false;
    // Whether this level itself says how content is made (nginx's
    // clcf->handler: its own proxy_pass). An `if` block inherits the
    // location's proxy_pass without being one.
    bool proxyHandler = false;
    // nginx's clcf->auto_redirect: a prefix or exact location ending in "/"
    // with proxy_pass; the URI without that slash answers 301 to it.
    bool autoRedirect = false;
    bool internal = false; // `internal`: only an internal redirect reaches it (else 404)
    // nginx's clcf->alias: how much of $uri the alias replaces (the name of
    // the location that set it: a nested location inherits it with the
    // alias); -1: a regex location's alias, the whole path.
    qsizetype aliasLength = 0;
    TryFiles tryFiles;     // try_files (a location's own, never inherited: nginx does not merge it)
    // limit_except METHOD... { ... } (ngx_http_core_limit_except): a request
    // whose method flag is in `limitExceptMethods` is served by the block
    // (the location's settings, then the block's own allow/deny,
    // access_log, proxy_pass) instead; nothing when the vector is empty.
    quint32 limitExceptMethods = 0;
    std::vector<LocationConfig> limitExcept;
    bool isLimitExcept = false;

    std::vector<LocationConfig> nested; // locations inside this one

    bool isRegex() const { return match == Match::Regex || match == Match::RegexCaseless; }
    bool isNamed() const { return match == Match::Named; }
};

struct ServerConfig
{
    QList<ListenAddress> listens;
    QByteArray serverName;        // the first name ($server_name)
    QList<ServerName> names;
    QList<LocationConfig> locations;
    // The server level's rewrite statements: they run before a location is
    // looked up (NGX_HTTP_SERVER_REWRITE_PHASE), and again after an
    // internal redirect.
    RewriteScript rewrite;
    bool hasRegexCaptures = false;          // a regex server_name with groups (routing sets its captures)
    bool rewriteLog = false;                // the server level's rewrite_log (for `rewrite`)
    bool uninitializedVariableWarn = true;
    QList<StoredDirective> ssl;   // ssl_* directives in effect (own, else inherited per name)
    ServerTlsSettings tls;        // what they say, when the server answers on a TLS socket
    LocationSettings settings;    // the server level's own and inherited (answers made before a location)
    // The server level as a location (nginx's server "null location",
    // cscf->ctx->loc_conf): what a URI no location matches is served with
    // (static files under its root, its error_page, add_header...). Its
    // name is empty; the location rewrite phase skips it (the server's
    // statements ran already).
    LocationConfig serverLevel;
    ConfLocation at;              // of the `server` directive (invalid for an implicit one)

    // nginx's location lookup (ngx_http_core_find_location): an exact `=`
    // match wins; otherwise the longest prefix, searched again inside it for
    // nested locations; unless that prefix is `^~`, the regex locations are
    // then tried in order (those nested in the chosen prefix first) and the
    // first match wins. `path` is the normalized URI ($uri). nullptr when
    // nothing matches.
    // `autoRedirect` (optional) is set when the answer is nginx's auto
    // redirect: `path` plus "/" names the location found, which has one.
    const LocationConfig *matchLocation(QByteArrayView path, bool *autoRedirect = nullptr) const;
    // `location @name` (ngx_http_named_location); nullptr when there is none.
    const LocationConfig *namedLocation(QByteArrayView name) const;
    // The regex name that chose this server for `host`, when no exact or
    // wildcard name of it matches (its captures become $1..$9 and named
    // variables, as nginx's ngx_http_find_virtual_server); nullptr otherwise.
    const ServerName *regexNameFor(QByteArrayView host) const;
};

// The servers sharing one listening socket address:port. Several server
// blocks may listen on the same address; the Host header picks one.
struct ListenGroup
{
    ListenAddress address;  // what is bound (defaultServer unused here; ssl: TLS on this socket)
    QList<int> servers;     // indexes into ProxyConfig::servers, in file order
    int defaultServer = -1; // the `default_server` one, else the first
    // A server here has large_client_header_buffers other than the default
    // server's: a Host line switches them (ngx_http_alloc_large_header_buffer).
    bool largeBuffersDiffer = false;

    // nginx's order: exact name, longest leading wildcard ("*.x"), longest
    // trailing wildcard ("x.*"), the first matching regex in file order,
    // else the default server. `host` is lower-cased, without port.
    int selectServer(const QList<ServerConfig> &all, QByteArrayView host) const;
};

// The main context's process directives (ngx_core_module): what the
// application does around the proxy, not the proxy itself.
struct ProcessSettings
{
    QString pidFile;                // pid: written once every listener is bound; empty: none
    bool daemon = false;            // daemon on|off; wsscope's default is off (nginx's is on)
    ConfLocation daemonAt;
    QByteArray user;                // user NAME [GROUP]: dropped to after binding, when root
    QByteArray group;               // empty: the group named like the user, as nginx
    QList<Logging::Sink> errorLogs; // main-level error_log, in order (empty: -e, else stderr)
    // worker_shutdown_timeout given: after a reload, connections still on the
    // previous configuration are closed once it has passed, as nginx's old
    // workers close theirs; without it they run on until they end.
    bool shutdownTimeoutSet = false;
};

// wsscope's inspection channel (inspect_* at http level, not nginx's): where
// an attached window or `wsscope attach` reaches this instance. The
// command line's --inspect-* flags override these field by field
// (app/inspectendpoint.cpp).
struct InspectChannelConfig
{
    bool enabled = false;        // inspect_listen given (or --inspect-listen)
    ListenAddress listen;        // inspect_listen ADDR:PORT [ssl]; `at` invalid when a flag set it
    QByteArray host;             // ADDR as written (a name the local CA's certificate covers)
    ServerTlsSettings tls;       // with ssl: the http level's ssl_certificate/_key (none: the local CA's)
    QByteArray token;            // inspect_token, or inspect_token_file's content (trimmed); empty: none
    ConfLocation tokenAt;        // the directive that set it
    bool readOnly = false;       // inspect_readonly on
    QString name;                // inspect_name (empty: the host name)
};

struct ProxyConfig
{
    ProcessSettings process;
    int workerThreads = 0;        // worker_processes: 0 = one per core ("auto")
    int workerConnections = 0;    // events { worker_connections }: client connections per worker, 0 = no cap
    QList<ServerConfig> servers;
    QList<ListenGroup> listenGroups;
    QList<std::shared_ptr<const UpstreamConfig>> upstreams;         // the `upstream` blocks
    QList<std::shared_ptr<const UpstreamConfig>> implicitUpstreams; // one per proxy_pass host:port
    qint64 clientHeaderTimeoutMs = 60'000;
    qint64 drainTimeoutMs = 10'000; // worker_shutdown_timeout
    qint64 maxBufferedPerDirection = 1024 * 1024;
    QString sourceFile;             // the file it was compiled from (empty for generated text)
    QList<StoredDirective> logs;    // main/http level error_log
    QList<AccessLogFileSpec> accessLogFiles; // every file an access_log names, once (AccessLogTarget::file)
    QList<QByteArray> userVariables; // `set` variables and named captures, by index (RequestContext::userValues)
    InspectChannelConfig inspect;   // inspect_*: the inspection channel

    // Where a listener that accepted on `group` should route a request
    // for `host` (see ListenGroup::selectServer). Falls back to the first
    // server for an out-of-range group.
    const ServerConfig *selectServer(int group, QByteArrayView host) const;
    // Every distinct error_log set of the http, server and location levels
    // (LocationSettings::errorLog), for Logging::setSinks.
    QList<QList<Logging::Sink>> scopedErrorLogs() const;
    const ServerConfig *defaultServer(int group) const;
    // The server whose TLS context answers a connection accepted on `group`
    // (the default server's; SNI may switch it); -1 for a plain socket.
    int tlsServer(int group) const;
    // Every upstream, explicit ones first, each at the place of its `id`.
    QList<std::shared_ptr<const UpstreamConfig>> allUpstreams() const { return upstreams + implicitUpstreams; }
};

using ConfigSnapshot = std::shared_ptr<const ProxyConfig>;

// The upstream request-target for a client target under proxy_pass rules
// (ngx_http_proxy_create_request): without a URI part the target is passed
// unchanged; with one, the location's name is cut off the normalized URI
// and the URI part put in its place (see rewriteProxyTarget).
QByteArray upstreamTargetFor(const LocationConfig &location, const QByteArray &clientTarget);

// The proxy_redirect rules in effect: the explicit pairs, none for `off`;
// `default` is the proxy_pass URL -> the location prefix (or "URL/" -> "/"
// without a URI part) and nothing for regex and named locations.
QList<RedirectRule> proxyRedirectRules(const LocationConfig &location);

// proxy_redirect on a response from upstream (nginx): Location and Refresh
// values rewritten by the rules above (their variables read from
// `context`); true when the Location was.
bool applyProxyRedirect(const LocationConfig &location, HttpHeaders &headers, const RequestContext &context);
