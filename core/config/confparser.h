#pragma once

#include "config/confdirective.h"

#include <QByteArrayView>
#include <QString>

struct ConfParseOptions
{
    // Where a relative `include` pattern is looked up.
    enum class IncludeBase : quint8 {
        // The directory of the main file, for every include at any depth.
        // This is what nginx does (ngx_conf_full_name() with its conf
        // prefix; checked with nginx 1.22 `-t`), and what Debian's layout
        // relies on: sites-enabled/default includes
        // snippets/fastcgi-php.conf, which includes fastcgi.conf, both
        // meant relative to /etc/nginx.
        MainFile,
        // The directory of the file that holds the include directive.
        IncludingFile,
    };

    // Expand `include` in place; when false it stays a plain directive
    // (an editor may want the file as written).
    bool followIncludes = true;
    IncludeBase includeBase = IncludeBase::MainFile;
};

// Reads the nginx configuration syntax into a tree (see conflexer.h for the
// lexical rules). Diagnostics read like a compiler's and carry
// file:line:column; the parser recovers where it can, so one run lists
// several problems. Only syntax and `include` are handled here: what a
// directive means, and whether it is allowed where it stands, is the
// config compiler's business.
class ConfParser final
{
public:
    static ConfFile parseFile(const QString &path, const ConfParseOptions &options = {});
    // For the editor and tests: `fileName` names the text in diagnostics and
    // relative includes are looked up from its directory.
    static ConfFile parseText(QByteArrayView text, const QString &fileName,
                              const ConfParseOptions &options = {});
};
