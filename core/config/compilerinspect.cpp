#include "config/compiler.h"

#include <QFile>

namespace ConfigCompilerImpl {

namespace {

// A token is a line of text, not a file's worth: a bigger file is a mistake
// (a key or a certificate named by accident).
constexpr qint64 MaxTokenBytes = 4096;

} // namespace

// wsscope's inspection channel, at http level only (one channel per
// process). Each may be given once, as nginx's slots refuse a second value
// ("is duplicate"); m_processSet remembers the names seen.
std::vector<Command> inspectCommands()
{
    using C = Compiler;
    constexpr quint8 Http = contextBit(Ctx::Http);
    return {
        {.name = "inspect_listen", .contexts = Http, .minArgs = 1, .maxArgs = 2, .handler = &C::handleInspect},
        {.name = "inspect_token_file", .contexts = Http, .minArgs = 1, .maxArgs = 1, .handler = &C::handleInspect},
        {.name = "inspect_token", .contexts = Http, .minArgs = 1, .maxArgs = 1, .handler = &C::handleInspect},
        {.name = "inspect_readonly", .contexts = Http, .minArgs = 1, .maxArgs = 1, .handler = &C::handleInspect},
        {.name = "inspect_name", .contexts = Http, .minArgs = 1, .maxArgs = 1, .handler = &C::handleInspect},
    };
}

void Compiler::handleInspect(const ConfDirective &d, Ctx, Scope &)
{
    if (m_processSet.contains(d.name)) {
        error(d.location, u"\"%1\" directive is duplicate"_s.arg(text(d.name)));
        return;
    }
    m_processSet.insert(d.name);
    InspectChannelConfig &c = m_config->inspect;
    if (d.name == "inspect_listen") {
        inspectListen(d);
    } else if (d.name == "inspect_token_file" || d.name == "inspect_token") {
        inspectToken(d);
    } else if (d.name == "inspect_readonly") {
        setFlag(d, c.readOnly);
    } else {
        const QByteArray name = d.argText(0);
        if (name.isEmpty() || hasLineBreakOrNul(name))
            error(d.args.at(0).location, u"invalid value in \"inspect_name\" directive: a non-empty line"_s);
        else
            c.name = text(name);
    }
}

// inspect_listen ADDR:PORT [ssl]: the address as `listen` writes it (IPv4,
// [IPv6], a name resolved now, `*`), but never a bare port: that would mean
// every interface, which the channel should only ever be told explicitly.
void Compiler::inspectListen(const ConfDirective &d)
{
    InspectChannelConfig &c = m_config->inspect;
    const ConfArg &spec = d.args.at(0);
    if (d.argCount() == 2) {
        if (d.argText(1) != "ssl") {
            error(d.args.at(1).location, u"invalid parameter \"%1\" of \"inspect_listen\" (only \"ssl\")"_s.arg(
                                             text(d.argText(1))));
            return;
        }
        c.listen.ssl = true;
    }
    QByteArray host;
    int port = -1;
    if (!splitHostPort(spec.text, &host, &port, true) || port < 0) {
        bool bare = false;
        spec.text.toInt(&bare);
        error(spec.location, bare ? u"\"inspect_listen\" needs an address: write 127.0.0.1:%1 (loopback, reached "
                                    u"through ssh -L) or, deliberately, 0.0.0.0:%1"_s.arg(text(spec.text))
                                  : u"invalid host or port in \"%1\" of the \"inspect_listen\" directive (ADDR:PORT, "
                                    u"[IPv6]:PORT)"_s.arg(text(spec.text)));
        return;
    }
    QList<QHostAddress> addresses;
    if (host == "*")
        addresses.append(QHostAddress(QHostAddress::AnyIPv4));
    else
        addresses = resolveHost(host, spec.location, u"\"inspect_listen\""_s);
    if (addresses.isEmpty())
        return;
    if (addresses.size() > 1)
        warning(spec.location, u"\"%1\" resolves to %2 addresses: the inspection channel listens on the first, %3"_s.arg(
                                   text(host)).arg(addresses.size()).arg(addresses.constFirst().toString()));
    c.listen.address = addresses.constFirst();
    c.listen.port = quint16(port);
    c.listen.at = d.location;
    c.enabled = true;
    c.host = host.startsWith('[') ? host.mid(1, host.size() - 2) : host;
}

// inspect_token STRING or inspect_token_file PATH (one of them). The file is
// read now, as nginx reads ssl_password_file while loading the configuration
// (ngx_ssl_read_password_file), so -t reports an unreadable one at its line.
void Compiler::inspectToken(const ConfDirective &d)
{
    InspectChannelConfig &c = m_config->inspect;
    const ConfArg &arg = d.args.at(0);
    const QByteArrayView other = d.name == "inspect_token" ? "inspect_token_file" : "inspect_token";
    if (c.tokenAt.isValid()) {
        error(d.location, u"\"%1\" and \"%2\" (at %3) both set the inspection channel's token: keep one"_s.arg(
                              text(d.name), text(other), c.tokenAt.toString()));
        return;
    }
    QByteArray token = arg.text;
    if (d.name == "inspect_token_file") {
        QFile file(resolvePath(arg.text));
        if (!file.open(QIODevice::ReadOnly)) {
            error(arg.location, u"cannot read the \"inspect_token_file\" \"%1\": %2"_s.arg(file.fileName(),
                                                                                           file.errorString()));
            return;
        }
        if (file.size() > MaxTokenBytes) {
            error(arg.location, u"\"inspect_token_file\" \"%1\" is over %2 bytes: not a token"_s.arg(file.fileName())
                                    .arg(MaxTokenBytes));
            return;
        }
        token = file.readAll().trimmed();
        if (token.isEmpty()) {
            error(arg.location, u"\"inspect_token_file\" \"%1\" is empty: the token is its content"_s.arg(
                                    file.fileName()));
            return;
        }
    }
    if (token.isEmpty() || hasLineBreakOrNul(token)) {
        error(arg.location, u"invalid value in \"inspect_token\" directive: a non-empty line"_s);
        return;
    }
    c.token = token;
    c.tokenAt = d.location;
}

// With ssl (`inspect_listen ... ssl`, or --inspect-ssl) the channel serves
// the http level's ssl_certificate and ssl_certificate_key (what every
// server inherits); without them the application issues one from the local
// CA for the bound name. Read whenever the file opens a channel, since the
// flag may add ssl.
void Compiler::finishInspect(const Scope &http)
{
    InspectChannelConfig &c = m_config->inspect;
    if (!c.enabled)
        return;
    const bool hasCertificate = std::any_of(http.ssl.cbegin(), http.ssl.cend(), [](const StoredDirective &s) {
        return s.name == "ssl_certificate";
    });
    if (hasCertificate && serverTlsSettings(http.ssl, &c.tls))
        c.tls.enabled = true;
}

} // namespace ConfigCompilerImpl
