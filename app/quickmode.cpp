#include "quickmode.h"

#include "tls/localcertificate.h"

#include <QDir>
#include <QUrl>

#include <cstdio>

bool parseListenAddress(const QString &text, ListenAddress *out, QString *error)
{
    QString host;
    QString port;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0 || close + 1 >= text.size() || text.at(close + 1) != QLatin1Char(':')) {
            *error = QStringLiteral("invalid listen address \"%1\" (expected [IPv6]:PORT)").arg(text);
            return false;
        }
        host = text.mid(1, close - 1);
        port = text.mid(close + 2);
    } else if (text.contains(QLatin1Char(':'))) {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        host = text.left(colon);
        port = text.mid(colon + 1);
    } else {
        host = QStringLiteral("0.0.0.0");
        port = text;
    }
    bool ok = false;
    const uint p = port.toUInt(&ok);
    if (!ok || p > 65535) {
        *error = QStringLiteral("invalid port in listen address \"%1\"").arg(text);
        return false;
    }
    QHostAddress addr;
    if (host == QLatin1String("*") || host.isEmpty())
        addr = QHostAddress(QHostAddress::AnyIPv4);
    else if (host == QLatin1String("localhost"))
        addr = QHostAddress(QHostAddress::LocalHost);
    else if (!addr.setAddress(host)
             || (addr.protocol() == QAbstractSocket::IPv4Protocol && host.count(QLatin1Char('.')) != 3)) {
        *error = QStringLiteral("invalid listen address \"%1\" (use an IP address, not a host name)").arg(text);
        return false;
    }
    out->address = addr;
    out->port = quint16(p);
    return true;
}

namespace {

// A word for the generated configuration, in double quotes (nginx's
// escapes for " and \).
QByteArray confWord(const QByteArray &word)
{
    QByteArray out = "\"";
    for (char c : word) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + '"';
}

QByteArray msWord(qint64 ms)
{
    return QByteArray::number(ms) + "ms";
}

// The --upstream URLs as one group: its servers, the shared path and whether
// it speaks TLS; false with *error (one line) for an unusable URL.
struct QuickUpstreams
{
    QList<QByteArray> servers; // host:port as nginx writes them
    QByteArray path;
    bool tls = false;
    QByteArray firstHost;
};

bool parseUpstreams(const QStringList &urls, QuickUpstreams *out, QString *error)
{
    QList<QByteArray> &servers = out->servers;
    QByteArray &path = out->path;
    QString groupScheme; // "ws" or "wss" for the whole group
    QByteArray &firstHost = out->firstHost;
    for (const QString &u : urls) {
        const QUrl url(u, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || url.host().isEmpty()) {
            *error = QStringLiteral("invalid upstream URL \"%1\" (expected ws://HOST:PORT[/path])").arg(u);
            return false;
        }
        if (scheme != QLatin1String("ws") && scheme != QLatin1String("http") && scheme != QLatin1String("wss")
            && scheme != QLatin1String("https")) {
            *error = QStringLiteral("upstream \"%1\": scheme must be ws://, wss://, http:// or https://").arg(u);
            return false;
        }
        const QString tlsScheme = (scheme == QLatin1String("wss") || scheme == QLatin1String("https"))
            ? QStringLiteral("wss") : QStringLiteral("ws");
        if (!groupScheme.isEmpty() && tlsScheme != groupScheme) {
            *error = QStringLiteral("all --upstream URLs of one group must use TLS (wss://) or none (ws://)");
            return false;
        }
        groupScheme = tlsScheme;
        if (!url.query().isEmpty() || !url.fragment().isEmpty() || !url.userInfo().isEmpty()) {
            *error = QStringLiteral("upstream \"%1\": only HOST:PORT and a path are allowed").arg(u);
            return false;
        }
        QByteArray thisPath = url.path(QUrl::FullyEncoded).toUtf8();
        // "ws://host:port/" means the host, not "replace every path with /".
        if (thisPath == "/")
            thisPath.clear();
        if (!servers.isEmpty() && thisPath != path) {
            *error = QStringLiteral("all --upstream URLs of one group must have the same path (\"%1\" vs \"%2\")")
                         .arg(QString::fromUtf8(path), QString::fromUtf8(thisPath));
            return false;
        }
        path = thisPath;
        const QByteArray host = url.host().contains(QLatin1Char(':')) ? '[' + url.host().toUtf8() + ']'
                                                                     : url.host().toUtf8();
        servers.append(host + (url.port() > 0 ? ':' + QByteArray::number(url.port()) : QByteArray()));
        if (firstHost.isEmpty())
            firstHost = url.host().toUtf8();
    }
    out->tls = groupScheme == QLatin1String("wss");
    return true;
}

} // namespace

QByteArray buildQuickConfigText(const QuickModeOptions &options, QString *error)
{
    QList<ListenAddress> listens;
    for (const QString &l : options.listen) {
        ListenAddress addr;
        if (!parseListenAddress(l, &addr, error))
            return {};
        listens.append(addr);
    }
    if (listens.isEmpty()) {
        *error = QStringLiteral("--listen is required (e.g. --listen 127.0.0.1:8080)");
        return {};
    }
    if (options.upstreams.isEmpty()) {
        *error = QStringLiteral("--upstream is required (e.g. --upstream ws://127.0.0.1:9000)");
        return {};
    }

    QuickUpstreams group;
    if (!parseUpstreams(options.upstreams, &group, error))
        return {};
    const QList<QByteArray> &servers = group.servers;
    const QByteArray &path = group.path;
    const QByteArray &firstHost = group.firstHost;
    const bool upstreamTls = group.tls;
    if (!options.upstreamCa.isEmpty() && !upstreamTls) {
        *error = QStringLiteral("--upstream-ca needs wss:// (or https://) upstreams");
        return {};
    }
    if (options.tlsCertificate.isEmpty() != options.tlsKey.isEmpty()) {
        *error = QStringLiteral("--tls-cert and --tls-key go together");
        return {};
    }

    QByteArray t;
    t += "# wsscope quick mode (generated from the command line)\n";
    t += "worker_processes " + (options.workers > 0 ? QByteArray::number(options.workers) : QByteArray("auto")) + ";\n";
    t += "worker_shutdown_timeout " + msWord(options.drainTimeoutMs) + ";\n";
    t += "http {\n";
    t += "    map $http_upgrade $connection_upgrade {\n        default upgrade;\n        '' close;\n    }\n";
    QByteArray target;
    if (servers.size() > 1) {
        t += "    upstream quick {\n";
        for (const QByteArray &s : std::as_const(servers))
            t += "        server " + confWord(s) + ";\n";
        t += "    }\n";
        target = "quick";
    } else {
        target = servers.constFirst();
    }
    t += "    server {\n";
    const bool tls = !options.tlsCertificate.isEmpty();
    for (const ListenAddress &l : std::as_const(listens))
        t += "        listen " + confWord(l.toString().toUtf8()) + (tls ? " ssl" : "") + ";\n";
    if (tls) {
        t += "        ssl_certificate " + confWord(options.tlsCertificate.toUtf8()) + ";\n";
        t += "        ssl_certificate_key " + confWord(options.tlsKey.toUtf8()) + ";\n";
    }
    t += "        location / {\n";
    t += "            proxy_pass " + confWord((upstreamTls ? "https://" : "http://") + target + path) + ";\n";
    if (upstreamTls) {
        // SNI with the upstream's own name (nginx leaves it off by default,
        // which most TLS servers behind a CDN or with several names refuse).
        t += "            proxy_ssl_server_name on;\n";
        t += "            proxy_ssl_name " + confWord(firstHost) + ";\n";
        if (!options.upstreamCa.isEmpty()) {
            t += "            proxy_ssl_verify on;\n";
            t += "            proxy_ssl_verify_depth 4;\n";
            t += "            proxy_ssl_trusted_certificate " + confWord(options.upstreamCa.toUtf8()) + ";\n";
        }
    }
    t += "            proxy_http_version 1.1;\n";
    // The seeds' headers, with Host as the client sent it.
    t += "            proxy_set_header Host $http_host;\n";
    t += "            proxy_set_header Upgrade $http_upgrade;\n";
    t += "            proxy_set_header Connection $connection_upgrade;\n";
    t += "            proxy_set_header X-Real-IP $remote_addr;\n";
    t += "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n";
    t += "            proxy_set_header X-Forwarded-Proto $scheme;\n";
    t += "            proxy_connect_timeout " + msWord(options.connectTimeoutMs) + ";\n";
    t += "            proxy_read_timeout " + msWord(options.readTimeoutMs) + ";\n";
    t += "            proxy_send_timeout " + msWord(options.sendTimeoutMs) + ";\n";
    if (options.pingIntervalMs > 0)
        t += "            ws_ping_interval " + msWord(options.pingIntervalMs) + ";\n";
    if (options.pingTimeoutMs > 0)
        t += "            ws_ping_timeout " + msWord(options.pingTimeoutMs) + ";\n";
    if (!options.inspect)
        t += "            ws_inspect off;\n";
    t += "        }\n    }\n}\n";
    return t;
}

bool useLocalCertificate(QuickModeOptions *quick)
{
    QStringList hosts{QStringLiteral("localhost"), QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
    for (const QString &l : std::as_const(quick->listen)) {
        ListenAddress a;
        QString ignored;
        if (parseListenAddress(l, &a, &ignored) && !a.address.isNull() && a.address != QHostAddress::AnyIPv4
            && a.address != QHostAddress::AnyIPv6 && !hosts.contains(a.address.toString()))
            hosts << a.address.toString();
    }
    LocalCertificate cert;
    QString error;
    if (!LocalCertificate::ensure(hosts, QString(), &cert, &error)) {
        std::fprintf(stderr, "wsscope: --tls: %s\n", qPrintable(error));
        return false;
    }
    if (cert.createdCa)
        std::fprintf(stderr, "wsscope: created the local development CA %s; clients must trust it once "
                             "(wsscope cert show; `wsscope cert init` prints how per system)\n",
                     qPrintable(QDir::toNativeSeparators(cert.caFile)));
    if (cert.issued)
        std::fprintf(stderr, "wsscope: issued %s for %s\n", qPrintable(QDir::toNativeSeparators(cert.chainFile)),
                     qPrintable(hosts.join(QStringLiteral(", "))));
    quick->tlsCertificate = cert.chainFile;
    quick->tlsKey = cert.keyFile;
    return true;
}
