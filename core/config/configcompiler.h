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
};
