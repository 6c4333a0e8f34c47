#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

// A location's file-serving settings (root, alias), as the configuration
// gives them.
struct StaticFileRoot
{
    QByteArray prefix;       // the location's name, cut off the URI by `alias`
    QByteArray root;
    QByteArray alias;
};

// ngx_http_map_uri_to_path: root + $uri, or the location prefix replaced by
// the alias; a relative root or alias is under `baseDir`.
QString staticFilePath(const StaticFileRoot &location, const QString &baseDir, const QByteArray &uri);

// Where a request for a location with `root`/`alias` leads, by nginx's
// rules (the index module has run: a URI ending in "/" here is a directory
// without an index file, 403, or no directory, 404); a directory without
// the slash is redirected (301) to the URI with one.
struct StaticFileResult
{
    int status = 404;          // 200, 301, 403, 404 or 405
    QString path;              // the file to send (status 200)
    qint64 size = 0;
    QDateTime lastModified;
    QByteArray location;       // for 301
    QByteArray reason;         // one line for the error body and the log (nginx's wording)
};

// `baseDir` resolves a relative root/alias (the configuration file's
// directory). `uri` is the normalized, decoded path ($uri).
StaticFileResult resolveStaticFile(const StaticFileRoot &location, const QString &baseDir, const QByteArray &method,
                                   const QByteArray &uri);
