#pragma once

#include "config/confdirective.h"
#include "config/proxyconfig.h"

#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

struct ConfigCompileOptions
{
    // Resolves a host name of `upstream server` / `proxy_pass` / `listen`
    // to its addresses, at load time as nginx does. Empty list and *error
    // when it fails. Default: a blocking QHostInfo lookup.
    std::function<QList<QHostAddress>(const QString &host, QString *error)> resolve;
    // The port of a server without `listen`: nginx uses 80 when started as
    // root and 8000 otherwise; 0 picks by the same rule.
    quint16 defaultListenPort = 0;
    // nginx's -p PREFIX: relative paths of the configuration (pid,
    // error_log, root, ...) are relative to it; empty: to the file's directory.
    QString prefix;
    // nginx's -g DIRECTIVES: main-level directives compiled after the
    // file's, named "command line" in messages.
    QByteArray globals;
};

struct ConfigCompileResult
{
    std::shared_ptr<ProxyConfig> config; // nullptr when there was an error
    QList<ConfDiagnostic> diagnostics;   // the parser's, then the compiler's
    QStringList files;                   // every file read

    bool ok() const { return config != nullptr; }
    qsizetype errorCount() const;
    qsizetype warningCount() const;
};

// nginx's contexts, as bits of DirectiveInfo::contexts.
namespace ConfContext {
enum : quint8 {
    Main = 0x1, Events = 0x2, Http = 0x4, Server = 0x8, Location = 0x10, Upstream = 0x20,
    ServerIf = 0x40,   // inside `if` at server level (nginx's NGX_HTTP_SIF_CONF)
    LocationIf = 0x80, // inside `if` in a location (NGX_HTTP_LIF_CONF)
};
}

// One entry of the compiler's directive table (nginx's ngx_command_t), as
// seen from outside: where the directive is accepted and what it takes.
struct DirectiveInfo
{
    QByteArray name;
    quint8 contexts = 0;           // ConfContext bits
    int minArgs = 0;               // -1: checked by the directive itself
    int maxArgs = 0;
    bool block = false;
    bool inherited = false;        // its value is merged from outer levels into inner ones
    bool elsewhereIgnored = false; // outside its contexts: an ignored nginx directive, not "not allowed here"
};

// Gives a parsed configuration its meaning: ConfFile -> ProxyConfig, with
// nginx's contexts, inheritance and defaults, every mistake reported with
// file:line:column.
//
// Two kinds of input are accepted:
//  - a whole nginx.conf (main context with `events`, `http`, ...);
//  - the blocks a user pastes from one (map/upstream/server/location and
//    proxy_* directives at the top level): those are read as if they were
//    inside one `http { }`, and top-level `location` blocks as if inside
//    one `server { }` without `listen`. A warning says so, since nginx
//    itself would reject such a file.
//
// Directives nginx knows but wsscope does not implement are warnings (a
// real nginx.conf still loads); words nginx does not know are errors.
class ConfigCompiler final
{
public:
    static ConfigCompileResult compile(const ConfFile &file, const ConfigCompileOptions &options = {});
    static ConfigCompileResult compileFile(const QString &path, const ConfigCompileOptions &options = {});
    static ConfigCompileResult compileText(QByteArrayView text, const QString &fileName,
                                           const ConfigCompileOptions &options = {});
    // The directive table, and one line per entry ("proxy_read_timeout (http
    // server location) args 1 inherited"), in table order.
    static QList<DirectiveInfo> directives();
    static QString directiveListing();
};
