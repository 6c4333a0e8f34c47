#include "subcommands.h"

#include "application.h"
#include "attachcommand.h"
#include "config/configcompiler.h"
#include "exitcode.h"
#include "tls/certificateauthority.h"
#include "tls/tlscheck.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QUrl>

#include <cerrno>
#include <cstdio>
#include <cstring>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace {

void out(const QString &text)
{
    std::fputs(qPrintable(text), stdout);
    std::fputc('\n', stdout);
}

int fail(const QString &message)
{
    std::fprintf(stderr, "wsscope: %s\n", qPrintable(message));
    return ExitRuntimeError;
}

int usage(const QString &message, const char *command)
{
    std::fprintf(stderr, "wsscope: %s\n", qPrintable(message));
    std::fprintf(stderr, "Try 'wsscope %s --help' for more information.\n", command);
    return ExitUsage;
}

// Parses or prints help; returns -1 to go on, else the exit code.
int parseArguments(QCommandLineParser &parser, const QStringList &args, const char *command)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({u"h"_s, u"help"_s}, u"Show this help."_s);
    parser.addOption(help);
    if (!parser.parse(args))
        return usage(parser.errorText(), command);
    if (parser.isSet(help)) {
        // helpText() names argv[0]; show the subcommand instead.
        QString text = parser.helpText();
        text.replace(QCoreApplication::arguments().constFirst(), u"wsscope "_s + QLatin1StringView(command));
        out(text.trimmed());
        return ExitOk;
    }
    return -1;
}

QString native(const QString &path)
{
    return QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath());
}

void printTrustInstructions(const QString &caPath)
{
    const QString ca = native(caPath);
    out(u"How to trust the CA (once per machine or device; it signs every certificate wsscope issues):"_s);
    out(u"  Debian/Ubuntu (curl, python, Qt, node):"_s);
    out(u"    sudo cp %1 /usr/local/share/ca-certificates/wsscope-ca.crt && sudo update-ca-certificates"_s.arg(ca));
    out(u"  Chrome/Chromium on Linux (NSS, per user; package libnss3-tools):"_s);
    out(u"    certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n \"wsscope local CA\" -i %1"_s.arg(ca));
    out(u"  Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import"_s);
    out(u"  macOS:"_s);
    out(u"    sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain %1"_s.arg(ca));
    out(u"  Windows (administrator prompt, after copying the file over):"_s);
    out(u"    certutil -addstore -f Root wsscope-ca.pem"_s);
    out(u"  WeChat DevTools (微信开发者工具):"_s);
    out(u"    quick start: Details > Local Settings > tick \"Does not verify valid domain names, web-view, TLS versions"_s);
    out(u"    and HTTPS certificates\" (不校验合法域名、web-view（业务域名）、TLS 版本以及 HTTPS 证书). It affects the"_s);
    out(u"    simulator only; previews on a phone and uploaded versions still verify everything."_s);
    out(u"    to test with verification on: trust the CA in the OS as above (DevTools uses the system store on"_s);
    out(u"    macOS and Windows) and add the host to the mini-program's socket domain list (socket合法域名)."_s);
    out(u"  A phone (send it %1 renamed to wsscope-ca.crt, e.g. by mail or a local web server):"_s.arg(QFileInfo(ca).fileName()));
    out(u"    iOS: open the file, Settings > General > VPN & Device Management > install the profile, then"_s);
    out(u"         Settings > General > About > Certificate Trust Settings > enable full trust for the wsscope CA."_s);
    out(u"    Android: Settings > Security > Encryption & credentials > Install a certificate > CA certificate."_s);
    out(u"         Apps targeting Android 7+ (WeChat among them) may ignore user-installed CAs: use the DevTools"_s);
    out(u"         setting above or a publicly trusted certificate for real-device tests."_s);
    out(u"    The phone must reach this machine: listen on its LAN address and include that IP in `cert issue`."_s);
}

void printCa(const CertificateAuthority &ca, const QString &dir)
{
    const QDir d(dir);
    out(u"CA:          %1"_s.arg(ca.subject()));
    out(u"valid:       %1 .. %2"_s.arg(ca.notBefore().toString(Qt::ISODate), ca.notAfter().toString(Qt::ISODate)));
    out(u"sha256:      %1"_s.arg(ca.sha256Fingerprint()));
    out(u"certificate: %1"_s.arg(native(d.filePath(QLatin1StringView(CertificateAuthority::CertificateFile)))));
    out(u"key:         %1 (owner only; never copy it to another machine)"_s.arg(
        native(d.filePath(QLatin1StringView(CertificateAuthority::KeyFile)))));
}

KeySpec keySpecFrom(bool rsa)
{
    return rsa ? KeySpec::rsa(2048) : KeySpec{};
}

int certInit(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Creates the local development CA (EC P-256, 10 years) in the user's data "
                                     u"directory, or in DIR. Idempotent: an existing CA is kept unless --force."_s);
    const QCommandLineOption dirOpt(u"dir"_s, u"Keep the CA in DIR."_s, u"DIR"_s);
    const QCommandLineOption forceOpt(u"force"_s, u"Replace an existing CA (certificates it issued stop being trusted)."_s);
    const QCommandLineOption rsaOpt(u"rsa"_s, u"Use an RSA 2048 key instead of EC P-256."_s);
    parser.addOptions({dirOpt, forceOpt, rsaOpt});
    if (const int rc = parseArguments(parser, args, "cert init"); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty())
        return usage(u"cert init takes no arguments"_s, "cert init");
    const QString dir = parser.isSet(dirOpt) ? parser.value(dirOpt) : CertificateAuthority::defaultDirectory();
    QString error;
    if (CertificateAuthority::existsIn(dir) && !parser.isSet(forceOpt)) {
        auto ca = CertificateAuthority::load(dir, &error);
        if (!ca)
            return fail(error + u" (--force creates a new one)"_s);
        out(u"A CA already exists; nothing changed (--force replaces it)."_s);
        printCa(*ca, dir);
        for (const QString &w : ca->warnings())
            out(u"warning: "_s + w);
        return ExitOk;
    }
    CertificateAuthority::CreateOptions options;
    options.key = keySpecFrom(parser.isSet(rsaOpt));
    auto ca = CertificateAuthority::create(options, &error);
    if (!ca)
        return fail(error);
    if (!ca->save(dir, &error))
        return fail(error);
    out(u"Created a new local CA."_s);
    printCa(*ca, dir);
    out(QString());
    printTrustInstructions(QDir(dir).filePath(QLatin1StringView(CertificateAuthority::CertificateFile)));
    out(QString());
    out(u"Next: wsscope cert issue localhost 127.0.0.1 ::1"_s);
    return ExitOk;
}

// "example.com" -> "example.com", "*.example.com" -> "_wildcard.example.com",
// several names -> "first+N" (so the files say what they are for).
QString defaultPrefix(const QStringList &hosts)
{
    QString base = hosts.first();
    base.replace(u"*"_s, u"_wildcard"_s).replace(u':', u'_');
    if (hosts.size() > 1)
        base += u"+%1"_s.arg(hosts.size() - 1);
    return base;
}

bool writeFile(const QString &path, const QByteArray &data, bool secret, QString *error)
{
#ifdef Q_OS_UNIX
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
    if (fd < 0) {
        *error = u"cannot write %1: %2"_s.arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    if (secret)
        ::fchmod(fd, 0600); // an existing file keeps its mode on O_TRUNC
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *error = u"cannot write %1: %2"_s.arg(path, QString::fromLocal8Bit(std::strerror(errno)));
            ::close(fd);
            return false;
        }
        done += n;
    }
    ::close(fd);
    return true;
#else
    Q_UNUSED(secret)
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size()) {
        *error = u"cannot write %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    return true;
#endif
}

int certIssue(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Issues a server certificate for the given DNS names and IP addresses, "
                                     u"signed by the local CA (397 days, serverAuth)."_s);
    const QCommandLineOption dirOpt(u"dir"_s, u"Use the CA in DIR."_s, u"DIR"_s);
    const QCommandLineOption outOpt(u"out"_s, u"Write PREFIX.pem (chain) and PREFIX-key.pem (default: ./FIRST-HOST)."_s,
                                    u"PREFIX"_s);
    const QCommandLineOption daysOpt(u"days"_s, u"Validity in days (default 397, at most 825)."_s, u"N"_s);
    const QCommandLineOption rsaOpt(u"rsa"_s, u"Use an RSA 2048 key instead of EC P-256."_s);
    parser.addOptions({dirOpt, outOpt, daysOpt, rsaOpt});
    parser.addPositionalArgument(u"HOST"_s, u"DNS name (*.example.test allowed) or IP address; repeat for more."_s,
                                 u"HOST..."_s);
    if (const int rc = parseArguments(parser, args, "cert issue"); rc >= 0)
        return rc;
    const QStringList hosts = parser.positionalArguments();
    if (hosts.isEmpty())
        return usage(u"cert issue needs at least one HOST (e.g. wsscope cert issue localhost 127.0.0.1)"_s, "cert issue");
    CertificateRequest request;
    request.hosts = hosts;
    request.key = keySpecFrom(parser.isSet(rsaOpt));
    if (parser.isSet(daysOpt)) {
        bool ok = false;
        request.validityDays = parser.value(daysOpt).toInt(&ok);
        if (!ok || request.validityDays < 1 || request.validityDays > 825)
            return usage(u"--days must be between 1 and 825 (Apple rejects longer-lived server certificates)"_s,
                         "cert issue");
    }
    for (const QString &h : hosts) {
        QString why;
        bool ip = false;
        if (CertificateAuthority::normaliseHost(h, &ip, &why).isEmpty())
            return usage(why, "cert issue");
    }
    const QString dir = parser.isSet(dirOpt) ? parser.value(dirOpt) : CertificateAuthority::defaultDirectory();
    QString error;
    auto ca = CertificateAuthority::load(dir, &error);
    if (!ca)
        return fail(error);
    for (const QString &w : ca->warnings())
        std::fprintf(stderr, "wsscope: warning: %s\n", qPrintable(w));
    auto issued = ca->issue(request, &error);
    if (!issued)
        return fail(error);
    const QString prefix = parser.isSet(outOpt) ? parser.value(outOpt) : defaultPrefix(issued->hosts);
    const QString chainPath = prefix + u".pem"_s;
    const QString keyPath = prefix + u"-key.pem"_s;
    if (!writeFile(keyPath, issued->keyPem, true, &error) || !writeFile(chainPath, issued->chainPem, false, &error))
        return fail(error);
    const QString caPath = QDir(dir).filePath(QLatin1StringView(CertificateAuthority::CertificateFile));
    out(u"Issued a certificate for: %1"_s.arg(issued->hosts.join(u", "_s)));
    out(u"valid:       %1 .. %2"_s.arg(issued->notBefore.toString(Qt::ISODate), issued->notAfter.toString(Qt::ISODate)));
    out(u"chain:       %1 (certificate + CA)"_s.arg(native(chainPath)));
    out(u"key:         %1 (mode 0600)"_s.arg(native(keyPath)));
    out(u"signed by:   %1 (%2)"_s.arg(ca->subject(), native(caPath)));
    out(QString());
    out(u"In wsscope.conf (or nginx.conf):"_s);
    out(u"    listen 8443 ssl;"_s);
    out(u"    ssl_certificate     %1;"_s.arg(native(chainPath)));
    out(u"    ssl_certificate_key %1;"_s.arg(native(keyPath)));
    out(u"Check it with: wsscope tls-check %1:8443 --cafile %2"_s.arg(issued->hosts.first(), native(caPath)));
    out(QString());
    printTrustInstructions(caPath);
    return ExitOk;
}

int certShow(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Shows the local CA: subject, validity, fingerprint, files."_s);
    const QCommandLineOption dirOpt(u"dir"_s, u"Use the CA in DIR."_s, u"DIR"_s);
    parser.addOption(dirOpt);
    if (const int rc = parseArguments(parser, args, "cert show"); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty())
        return usage(u"cert show takes no arguments"_s, "cert show");
    const QString dir = parser.isSet(dirOpt) ? parser.value(dirOpt) : CertificateAuthority::defaultDirectory();
    QString error;
    auto ca = CertificateAuthority::load(dir, &error);
    if (!ca)
        return fail(error);
    printCa(*ca, dir);
    for (const QString &w : ca->warnings())
        out(u"warning: "_s + w);
    return ExitOk;
}

int cert(const QStringList &args)
{
    const QString sub = args.value(2);
    QStringList rest = args.mid(3);
    rest.prepend(u"wsscope cert "_s + sub);
    if (sub == u"init"_s)
        return certInit(rest);
    if (sub == u"issue"_s)
        return certIssue(rest);
    if (sub == u"show"_s)
        return certShow(rest);
    if (sub.isEmpty() || sub == u"--help"_s || sub == u"-h"_s) {
        out(u"Usage: wsscope cert init [--dir DIR] [--force] [--rsa]\n"
            u"       wsscope cert issue HOST... [--dir DIR] [--out PREFIX] [--days N] [--rsa]\n"
            u"       wsscope cert show [--dir DIR]\n\n"
            u"A local CA for development certificates. The CA lives in %1 unless --dir is given."_s.arg(
                native(CertificateAuthority::defaultDirectory())));
        return sub.isEmpty() ? ExitUsage : ExitOk;
    }
    return usage(u"unknown cert command \"%1\" (init, issue, show)"_s.arg(sub), "cert");
}

// HOST:PORT, [v6]:PORT, HOST (443), or a wss:// / https:// URL (its path
// becomes --path unless given).
bool parseTarget(const QString &text, TlsCheckOptions *options, QString *error)
{
    if (text.contains(u"://"_s)) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty()
            || (url.scheme() != u"wss"_s && url.scheme() != u"https"_s)) {
            *error = u"\"%1\" is not a wss:// or https:// URL"_s.arg(text);
            return false;
        }
        options->host = url.host();
        options->port = quint16(url.port(443));
        if (url.scheme() == u"wss"_s && options->path.isEmpty())
            options->path = url.path(QUrl::FullyEncoded).isEmpty() ? u"/"_s : url.path(QUrl::FullyEncoded);
        return true;
    }
    QString host = text;
    QString port;
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u']');
        if (close < 0) {
            *error = u"\"%1\": missing ']'"_s.arg(text);
            return false;
        }
        host = text.mid(1, close - 1);
        const QString rest = text.mid(close + 1);
        if (rest.startsWith(u':'))
            port = rest.mid(1);
        else if (!rest.isEmpty()) {
            *error = u"\"%1\" is not HOST:PORT"_s.arg(text);
            return false;
        }
    } else if (text.count(u':') == 1) {
        host = text.section(u':', 0, 0);
        port = text.section(u':', 1);
    }
    bool ok = true;
    const uint p = port.isEmpty() ? 443 : port.toUInt(&ok);
    if (host.isEmpty() || !ok || p == 0 || p > 65535) {
        *error = u"\"%1\" is not HOST:PORT"_s.arg(text);
        return false;
    }
    options->host = host;
    options->port = quint16(p);
    return true;
}

int tlsCheck(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Connects to a TLS server like a WeChat/iOS client would and reports the protocol, the served chain "
        u"(complete? trusted?), name match, expiry, key and signature strength, whether iOS ATS and WeChat "
        u"would accept it, and optionally a WebSocket handshake. Exit 0: no problems; 1: problems found."_s);
    const QCommandLineOption nameOpt(u"servername"_s, u"SNI and the name to check (default: HOST)."_s, u"NAME"_s);
    const QCommandLineOption pathOpt(u"path"_s, u"Also try a WebSocket handshake on PATH."_s, u"PATH"_s);
    const QCommandLineOption protoOpt(u"subprotocol"_s,
                                      u"Request Sec-WebSocket-Protocol P and check the echo (implies a handshake)."_s,
                                      u"P"_s);
    const QCommandLineOption caOpt(u"cafile"_s, u"Also trust the CA certificates in FILE (PEM)."_s, u"FILE"_s);
    const QCommandLineOption noSystemOpt(u"no-system-roots"_s, u"Trust only --cafile, not the system store."_s);
    const QCommandLineOption timeoutOpt(u"timeout"_s, u"Give up after SECONDS (default 10)."_s, u"SECONDS"_s);
    const QCommandLineOption jsonOpt(u"json"_s, u"Print the report as JSON."_s);
    parser.addOptions({nameOpt, pathOpt, protoOpt, caOpt, noSystemOpt, timeoutOpt, jsonOpt});
    parser.addPositionalArgument(u"TARGET"_s, u"HOST:PORT, [IPv6]:PORT, HOST (port 443) or wss://HOST[:PORT]/PATH"_s);
    if (const int rc = parseArguments(parser, args, "tls-check"); rc >= 0)
        return rc;
    if (parser.positionalArguments().size() != 1)
        return usage(u"tls-check needs exactly one HOST:PORT"_s, "tls-check");
    TlsCheckOptions options;
    options.serverName = parser.value(nameOpt);
    options.path = parser.value(pathOpt);
    options.subprotocol = parser.value(protoOpt);
    options.caFile = parser.value(caOpt);
    options.systemRoots = !parser.isSet(noSystemOpt);
    if (!options.path.isEmpty() && !options.path.startsWith(u'/'))
        return usage(u"--path must start with '/'"_s, "tls-check");
    if (!options.caFile.isEmpty() && !QFileInfo(options.caFile).isReadable())
        return usage(u"cannot read --cafile %1"_s.arg(options.caFile), "tls-check");
    if (parser.isSet(timeoutOpt)) {
        bool ok = false;
        const double secs = parser.value(timeoutOpt).toDouble(&ok);
        if (!ok || secs <= 0 || secs > 600)
            return usage(u"--timeout must be a number of seconds (0 < s <= 600)"_s, "tls-check");
        options.timeoutMs = int(secs * 1000);
    }
    QString error;
    if (!parseTarget(parser.positionalArguments().first(), &options, &error))
        return usage(error, "tls-check");

    TlsChecker checker;
    QObject::connect(&checker, &TlsChecker::finished, QCoreApplication::instance(), &QCoreApplication::quit,
                     Qt::QueuedConnection);
    checker.start(options);
    if (!checker.isFinished())
        QCoreApplication::exec();
    const TlsCheckReport &report = checker.report();
    if (parser.isSet(jsonOpt))
        std::fputs(QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented).constData(), stdout);
    else
        std::fputs(qPrintable(report.toText()), stdout);
    return report.hasErrors() ? ExitRuntimeError : ExitOk;
}

// `wsscope directives`: every directive wsscope acts on, from the compiler's
// directive table (contexts, argument counts, block, inherited). Any other
// nginx directive in a file is refused or ignored with a warning by -t.
int directives(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Lists the configuration directives wsscope acts on: name, contexts, argument count, "
        "whether it opens a block and whether nested levels inherit it."_s);
    if (const int rc = parseArguments(parser, args, "directives"); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty())
        return usage(u"directives takes no arguments"_s, "directives");
    std::fputs(qPrintable(ConfigCompiler::directiveListing()), stdout);
    return ExitOk;
}

} // namespace

bool Subcommands::isSubcommand(int argc, char **argv)
{
    return argc >= 2
        && (std::strcmp(argv[1], "cert") == 0 || std::strcmp(argv[1], "tls-check") == 0
            || std::strcmp(argv[1], "directives") == 0 || std::strcmp(argv[1], "attach") == 0);
}

int Subcommands::run(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Application::setIdentity();
    const QStringList args = QCoreApplication::arguments();
    if (args.value(1) == u"cert"_s)
        return cert(args);
    if (args.value(1) == u"attach"_s) {
        QStringList rest = args.mid(2);
        rest.prepend(u"wsscope attach"_s);
        return AttachCommand::run(rest);
    }
    if (args.value(1) == u"directives"_s) {
        QStringList rest = args.mid(2);
        rest.prepend(u"wsscope directives"_s);
        return directives(rest);
    }
    QStringList rest = args.mid(2);
    rest.prepend(u"wsscope tls-check"_s);
    return tlsCheck(rest);
}
