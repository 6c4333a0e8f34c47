#include "config/compiler.h"

#include <algorithm>

namespace ConfigCompilerImpl {

// proxy_ssl_*: how TLS toward an https:// upstream is set up.
// ssl_* of the TLS termination, kept as written for serverTlsSettings(): a
// level's first ssl_NAME replaces the one it inherited (nginx merges each
// ssl_* of a server on its own). The ssl_* names nginx knows but the table
// does not list take the same way and are warned about there.
void Compiler::handleServerSsl(const ConfDirective &d, Ctx, Scope &scope)
{
    if (!scope.sslSetHere.contains(d.name)) {
        scope.sslSetHere.insert(d.name);
        scope.ssl.removeIf([&](const StoredDirective &x) { return x.name == d.name; });
    }
    scope.ssl.append(stored(d));
}

void Compiler::handleProxySsl(const ConfDirective &d, Ctx, Scope &scope)
{
    LocationSettings &v = scope.values;
    const QByteArray &n = d.name;
    UpstreamTlsSettings &o = v.upstreamTlsOptions;
    // Where a TLS context problem is reported: the first proxy_ssl_* of
    // the innermost level that has one (the level whose settings made it).
    if (!scope.proxySslSetHere)
        v.proxySslAt = d.location;
    scope.proxySslSetHere = true;
    if (n == "proxy_ssl_verify") {
        setFlag(d, o.verify);
    } else if (n == "proxy_ssl_server_name") {
        setFlag(d, v.proxySslServerName);
    } else if (n == "proxy_ssl_session_reuse") {
        setFlag(d, v.proxySslSessionReuse);
    } else if (n == "proxy_ssl_verify_depth") {
        setNumber(d, o.verifyDepth);
    } else if (n == "proxy_ssl_name") {
        if (auto t = compileTemplate(d.argText(0), d.args.at(0).location))
            v.proxySslName = std::move(*t);
    } else if (n == "proxy_ssl_protocols") {
        if (const auto p = protocolsArg(d.name, d.location, d.args))
            o.protocols = *p;
    } else if (n == "proxy_ssl_ciphers") {
        o.ciphers = d.argText(0);
    } else {
        proxySslFile(d, o);
    }
}

void Compiler::proxySslFile(const ConfDirective &d, UpstreamTlsSettings &o)
{
    const QByteArray &n = d.name;
    if (d.argText(0).contains('$')) {
        error(d.args.at(0).location, u"variables in \"%1\" are not supported"_s.arg(text(n)));
        return;
    }
    const QString path = resolvePath(d.argText(0));
    if (n == "proxy_ssl_trusted_certificate")
        o.trustedCertificateFile = path;
    else if (n == "proxy_ssl_certificate")
        o.certificateFile = path;
    else if (n == "proxy_ssl_certificate_key")
        o.keyFile = path;
    else
        o.passwordFiles = QStringList{path};
}

// ssl_protocols / proxy_ssl_protocols words; `args` carry their places
// (a stored ssl_* directive has only its own: `at`, for every word).
template<typename Args>
std::optional<quint8> Compiler::protocolsArg(const QByteArray &name, const ConfLocation &at, const Args &args)
{
    quint8 bits = 0;
    for (const auto &a : args) {
        const QByteArray &word = argWord(a);
        const ConfLocation &wordAt = argPlace(a, at);
        const quint8 bit = ConfTlsProtocols::fromWord(word);
        if (word == "SSLv2" || word == "SSLv3") {
            warning(wordAt, u"%1 is insecure and not supported; ignored"_s.arg(text(word)));
            continue;
        }
        if (!bit) {
            error(wordAt, u"invalid value \"%1\" in \"%2\" directive"_s.arg(text(word), text(name)));
            return std::nullopt;
        }
        bits |= bit;
    }
    if (!bits) {
        error(at, u"\"%1\" enables no protocol wsscope supports (TLSv1.2, TLSv1.3)"_s.arg(text(name)));
        return std::nullopt;
    }
    return bits;
}

// The ssl_* settings of the servers on TLS sockets or with certificates, checked now so that
// the editor's live check sees them; the runtime loads the files.
void Compiler::describeServerTls()
{
    QList<bool> needed(m_config->servers.size(), false);
    for (const ListenEntry &e : std::as_const(m_listenEntries)) {
        if (e.address.ssl)
            needed[e.server] = true;
    }
    // nginx loads the certificates of every server that has them, TLS socket
    // or not (ngx_http_ssl_merge_srv_conf): -t checks them, and a password
    // file that is a pipe is read once, as nginx reads it.
    for (int si = 0; si < m_config->servers.size(); ++si) {
        for (const StoredDirective &x : std::as_const(m_config->servers[si].ssl)) {
            if (x.name == "ssl_certificate")
                needed[si] = true;
        }
    }
    for (const ListenGroup &g : std::as_const(m_config->listenGroups)) {
        if (!g.address.ssl)
            continue;
        // The default server answers clients without SNI: it needs a certificate too.
        const int def = g.defaultServer >= 0 ? g.defaultServer : g.servers.constFirst();
        needed[def] = true;
        for (int si : g.servers) {
            for (const StoredDirective &x : std::as_const(m_config->servers[si].ssl)) {
                if (x.name == "ssl_certificate")
                    needed[si] = true;
            }
        }
    }
    for (int si = 0; si < m_config->servers.size(); ++si) {
        if (!needed.at(si))
            continue;
        ServerConfig &server = m_config->servers[si];
        ConfLocation listenAt = server.at;
        for (const ListenAddress &l : std::as_const(server.listens)) {
            if (l.ssl) {
                listenAt = l.at;
                break;
            }
        }
        ServerTlsSettings settings;
        if (!serverTlsSettings(server.ssl, &settings))
            continue;
        if (settings.certificates.isEmpty()) {
            error(listenAt, u"no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive of this "
                            u"server (for local development: wsscope cert issue NAME... prints the lines to add)"_s);
            continue;
        }
        settings.enabled = true;
        server.tls = settings;
    }
}

bool Compiler::serverTlsSettings(const QList<StoredDirective> &ssl, ServerTlsSettings *o)
{
    bool ok = true;
    const auto bad = [&](const StoredDirective &d, const QString &why) {
        error(d.at, why);
        ok = false;
    };
    const auto onOff = [&](const StoredDirective &d, bool *out) {
        const auto on = d.args.size() == 1 ? flagArg(d.args.at(0)) : std::nullopt;
        if (!on)
            bad(d, u"invalid value in \"%1\" directive, it must be \"on\" or \"off\""_s.arg(text(d.name)));
        else
            *out = *on;
    };
    for (const StoredDirective &d : ssl) {
        const QByteArray &n = d.name;
        if (n == "ssl_certificate" || n == "ssl_certificate_key" || n == "ssl_password_file") {
            if (d.args.size() != 1) {
                bad(d, u"invalid number of arguments in \"%1\" directive"_s.arg(text(n)));
                continue;
            }
            if (d.args.at(0).contains('$')) {
                bad(d, u"variables in \"%1\" are not supported"_s.arg(text(n)));
                continue;
            }
            if (d.args.at(0).startsWith("data:") || d.args.at(0).startsWith("engine:")) {
                bad(d, u"\"%1\" takes a PEM file name (data: and engine: are not supported)"_s.arg(text(n)));
                continue;
            }
            const TlsFileSetting file{resolvePath(d.args.at(0)), d.at};
            if (n == "ssl_certificate")
                o->certificates << file;
            else if (n == "ssl_certificate_key")
                o->keys << file;
            else
                o->passwordFiles << file;
        } else if (n == "ssl_protocols") {
            if (const auto p = protocolsArg(n, d.at, d.args))
                o->protocols = *p;
            else
                ok = false;
            o->protocolsAt = d.at;
        } else if (n == "ssl_ciphers") {
            if (d.args.size() != 1)
                bad(d, u"invalid number of arguments in \"ssl_ciphers\" directive"_s);
            else
                o->ciphers = d.args.at(0);
        } else if (n == "ssl_prefer_server_ciphers") {
            onOff(d, &o->preferServerCiphers);
        } else if (n == "ssl_session_tickets") {
            onOff(d, &o->sessionTickets);
        } else if (n == "ssl_ecdh_curve") {
            if (d.args.size() != 1)
                bad(d, u"invalid number of arguments in \"ssl_ecdh_curve\" directive"_s);
            else
                o->ecdhCurve = d.args.at(0);
        } else if (n == "ssl_session_timeout") {
            const auto ms = d.args.size() == 1 ? ConfUnits::parseMsec(d.args.at(0)) : std::nullopt;
            if (!ms)
                bad(d, u"\"ssl_session_timeout\" directive invalid value"_s);
            else
                o->sessionTimeoutS = qMax<qint64>(1, *ms / 1000);
        } else if (n == "ssl_verify_client") {
            static constexpr const char *Words[] = {"off", "on", "optional", "optional_no_ca"};
            const auto it = std::find(std::begin(Words), std::end(Words), d.args.value(0));
            if (d.args.size() != 1 || it == std::end(Words))
                bad(d, u"invalid value \"%1\" in \"ssl_verify_client\" directive, it must be \"on\", \"off\", "
                       u"\"optional\" or \"optional_no_ca\""_s.arg(text(d.args.value(0))));
            else
                o->verifyClient = quint8(it - std::begin(Words));
            o->verifyClientAt = d.at;
        } else if (n == "ssl_client_certificate" || n == "ssl_trusted_certificate") {
            if (d.args.size() != 1 || d.args.at(0).contains('$')) {
                bad(d, u"\"%1\" takes one file name (no variables)"_s.arg(text(n)));
                continue;
            }
            (n == "ssl_client_certificate" ? o->clientCertificate : o->trustedCertificate) =
                TlsFileSetting{resolvePath(d.args.at(0)), d.at};
        } else if (n == "ssl_verify_depth") {
            bool isNumber = false;
            const int depth = d.args.value(0).toInt(&isNumber);
            if (d.args.size() != 1 || !isNumber || depth < 0)
                bad(d, u"\"ssl_verify_depth\" directive invalid value"_s);
            else
                o->verifyDepth = depth;
        } else if (n == "ssl_session_cache" || n == "ssl_buffer_size" || n == "ssl_dhparam"
                   || n == "ssl_early_data" || n == "ssl_alpn") {
            // Accepted: OpenSSL's per-context session cache, its buffer
            // sizes and ECDHE key exchange stand in for them.
        } else {
            ignored(n, d.at, false);
        }
    }
    // ngx_http_ssl_merge_srv_conf (1.22): on and optional need the CAs to ask for.
    if ((o->verifyClient == 1 || o->verifyClient == 2) && o->clientCertificate.path.isEmpty()) {
        error(o->verifyClientAt, u"no ssl_client_certificate for ssl_verify_client"_s);
        return false;
    }
    if (o->certificates.size() != o->keys.size()) {
        const bool moreCerts = o->certificates.size() > o->keys.size();
        error(moreCerts ? o->certificates.constFirst().at : o->keys.constFirst().at,
              u"%1 \"ssl_certificate\" but %2 \"ssl_certificate_key\" directives: each certificate needs its "
              u"key, in the same order"_s.arg(o->certificates.size()).arg(o->keys.size()));
        return false;
    }
    return ok;
}

} // namespace ConfigCompilerImpl
