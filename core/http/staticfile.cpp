#include "staticfile.h"

#include <QDir>
#include <QFileInfo>

QString staticFilePath(const StaticFileRoot &location, const QString &baseDir, const QByteArray &uri)
{
    // The normalized URI never holds "..", so it cannot leave the root.
    auto absolute = [&baseDir](const QByteArray &dir) {
        const QString d = QString::fromUtf8(dir);
        return QDir::isAbsolutePath(d) ? d : QDir(baseDir).filePath(d);
    };
    if (!location.alias.isEmpty() && uri.startsWith(location.prefix))
        return absolute(location.alias) + QString::fromUtf8(uri.mid(location.prefix.size()));
    return absolute(location.root) + QString::fromUtf8(uri);
}

StaticFileResult resolveStaticFile(const StaticFileRoot &location, const QString &baseDir, const QByteArray &method,
                                   const QByteArray &uri)
{
    StaticFileResult r;
    // ngx_http_static_handler: POST gets as far as the file (a missing one
    // is 404, a directory 301) and is refused only then.
    if (method != "GET" && method != "HEAD" && method != "POST") {
        r.status = 405;
        r.reason = "only GET and HEAD are allowed on static files";
        return r;
    }
    const QString path = staticFilePath(location, baseDir, uri);
    QFileInfo info(path);
    if (uri.endsWith('/')) {
        if (!info.isDir()) {
            r.reason = '"' + path.toUtf8() + "\" is not found (2: No such file or directory)";
            return r;
        }
        // nginx: a directory without an index (and no autoindex) is 403.
        r.status = 403;
        r.reason = "directory index of \"" + path.toUtf8() + "\" is forbidden";
        return r;
    } else if (info.isDir()) {
        r.status = 301;
        r.location = uri + '/';
        r.reason = "moved to " + r.location;
        return r;
    }
    if (!info.exists()) {
        r.reason = "open() \"" + info.filePath().toUtf8() + "\" failed (2: No such file or directory)";
        return r;
    }
    if (!info.isFile() || !info.isReadable()) {
        r.status = 403;
        r.reason = "open() \"" + info.filePath().toUtf8() + "\" failed (13: Permission denied)";
        return r;
    }
    if (method == "POST") {
        r.status = 405;
        r.reason = "only GET and HEAD are allowed on static files";
        return r;
    }
    r.status = 200;
    r.path = info.filePath();
    r.size = info.size();
    r.lastModified = info.lastModified();
    return r;
}
