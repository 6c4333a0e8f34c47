#include "staticresponder.h"

#include "config/proxyconfig.h"
#include "http/bodyframer.h"
#include "http/specialresponse.h"
#include "http/staticfile.h"
#include "net/tcpstream.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QTimeZone>

StaticResponder::StaticResponder() = default;
StaticResponder::~StaticResponder() = default;

StaticFileRoot StaticResponder::rootFor(const LocationConfig &location, const QByteArray &uri, bool addUriToAlias)
{
    // ngx_http_map_uri_to_path: the alias replaces the name of the location
    // that set it (a nested location inherits both), or, under a regex
    // location, all of $uri (then nothing of it, unless try_files added it).
    QByteArray aliasOf = location.prefix;
    if (addUriToAlias)
        aliasOf.clear();
    else if (location.aliasLength > 0)
        aliasOf = uri.left(location.aliasLength);
    return {aliasOf, location.root, location.alias};
}

StaticResponder::Answer StaticResponder::begin(const LocationConfig &location, const QString &configFile,
                                               const QByteArray &method, const QByteArray &uri, bool keepAlive,
                                               bool addUriToAlias)
{
    const QString baseDir = configFile.isEmpty() ? QDir::currentPath() : QFileInfo(configFile).absolutePath();
    const StaticFileResult file = resolveStaticFile(rootFor(location, uri, addUriToAlias), baseDir, method, uri);
    Answer answer;
    answer.status = file.status;
    const QByteArray connection = keepAlive ? QByteArray("keep-alive") : QByteArray("close");
    if (file.status == 301) {
        answer.body = specialPageBody(301, location.serverTokens);
        answer.head.status = 301;
        answer.head.reason = nginxReasonPhrase(301);
        answer.head.headers.append("Location", file.location);
        answer.head.headers.append("Content-Type", "text/html");
        answer.head.headers.append("Content-Length", QByteArray::number(answer.body.size()));
        answer.head.headers.append("Connection", connection);
        return answer;
    }
    if (file.status != 200) {
        answer.message = file.reason;
        return answer;
    }
    auto f = std::make_unique<QFile>(file.path);
    if (!f->open(QIODevice::ReadOnly)) {
        answer.status = 403;
        answer.message = "cannot open " + file.path.toUtf8() + ": " + f->errorString().toUtf8();
        return answer;
    }
    answer.head.status = 200;
    answer.head.headers.append("Content-Type", location.contentTypeFor(uri));
    answer.head.headers.append("Content-Length", QByteArray::number(file.size));
    // RFC 9110 5.6.7: IMF-fixdate
    answer.head.headers.append(
        "Last-Modified",
        QLocale::c().toString(file.lastModified.toUTC(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'").toLatin1());
    answer.head.headers.append("Connection", connection);
    if (method != "HEAD" && file.size > 0) {
        answer.fileBytes = file.size;
        m_file = std::move(f);
    }
    return answer;
}

HttpResponseHead StaticResponder::errorResponse(int status, const QByteArray &message, ServerTokens tokens,
                                                QByteArray *body)
{
    *body = specialPageBody(status, tokens, message);
    if (body->isEmpty()) // a status nginx has no page for
        *body = QByteArray::number(status) + ' ' + httpReasonPhrase(status) + "\nwsscope: " + message + '\n';
    HttpResponseHead head;
    head.status = statusOnTheWire(status);
    head.reason = nginxReasonPhrase(status);
    head.headers.append("Content-Type", hasSpecialPage(status) ? "text/html" : "text/plain; charset=utf-8");
    head.headers.append("Content-Length", QByteArray::number(body->size()));
    head.headers.append("Connection", "close");
    return head;
}

StaticResponder::Pump StaticResponder::pump(TcpStream &client, HttpBodyFramer &body, char *buffer,
                                            qsizetype bufferSize, qint64 cap)
{
    while (m_file && !body.isDone() && client.pendingBytes() < cap && !client.failed()) {
        const qint64 n = m_file->read(buffer, bufferSize);
        if (n <= 0)
            return Pump::Failed; // the file stays open for fileName() until stop()
        client.write(buffer, body.consume(buffer, qsizetype(n)));
    }
    if (m_file && body.isDone()) {
        m_file.reset();
        return Pump::Done;
    }
    return m_file ? Pump::More : Pump::Done;
}

QString StaticResponder::fileName() const
{
    return m_file ? m_file->fileName() : QString();
}

void StaticResponder::stop()
{
    m_file.reset();
}
