#include "tlscheck.h"

#include "opensslptr.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QtEndian>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

#include <algorithm>
#include <ctime>

using namespace Qt::StringLiterals;
using namespace OpenSsl;

namespace {

using Severity = TlsFinding::Severity;

QString nameToString(const X509_NAME *name)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
        return {};
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return QString::fromUtf8(data, len);
}

QDateTime fromAsn1(const ASN1_TIME *t)
{
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return {};
    return QDateTime::fromSecsSinceEpoch(qint64(timegm(&tm)), Qt::UTC);
}

QStringList altNames(X509 *x)
{
    QStringList out;
    auto *names = static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
    if (!names)
        return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type == GEN_DNS) {
            const ASN1_STRING *s = gn->d.dNSName;
            out << u"DNS:"_s + QString::fromLatin1(reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)),
                                                   ASN1_STRING_length(s));
        } else if (gn->type == GEN_IPADD) {
            const ASN1_STRING *s = gn->d.iPAddress;
            const QByteArray raw(reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
            QHostAddress a;
            if (raw.size() == 4)
                a = QHostAddress(qFromBigEndian<quint32>(raw.constData()));
            else if (raw.size() == 16)
                a = QHostAddress(reinterpret_cast<const quint8 *>(raw.constData()));
            out << u"IP:"_s + a.toString();
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

// The digest behind a signature algorithm; NID_undef for ones without a
// separate digest (Ed25519).
int signatureDigest(const X509 *x)
{
    int md = NID_undef, pk = NID_undef;
    OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk);
    return md;
}

bool weakDigest(int md)
{
    return md == NID_sha1 || md == NID_md5 || md == NID_md4 || md == NID_md5_sha1;
}

TlsCertificateInfo describe(X509 *x)
{
    TlsCertificateInfo info;
    info.subject = nameToString(X509_get_subject_name(x));
    info.issuer = nameToString(X509_get_issuer_name(x));
    info.altNames = altNames(x);
    info.notBefore = fromAsn1(X509_get0_notBefore(x));
    info.notAfter = fromAsn1(X509_get0_notAfter(x));
    if (EVP_PKEY *key = X509_get0_pubkey(x)) {
        const int id = EVP_PKEY_get_base_id(key);
        info.keyType = id == EVP_PKEY_RSA ? u"RSA"_s
            : id == EVP_PKEY_EC           ? u"EC"_s
            : id == EVP_PKEY_ED25519      ? u"ED25519"_s
                                          : QString::fromLatin1(OBJ_nid2sn(id));
        info.keyBits = EVP_PKEY_get_bits(key);
    }
    info.signatureAlgorithm = QString::fromLatin1(OBJ_nid2ln(X509_get_signature_nid(x)));
    info.isCa = X509_check_ca(x) != 0;
    info.selfSigned = X509_check_issued(x, x) == X509_V_OK;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(x, EVP_sha256(), md, &len))
        info.sha256 = QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(md), int(len)).toHex(':').toUpper());
    return info;
}

QString severityName(Severity s)
{
    switch (s) {
    case Severity::Info:
        return u"info"_s;
    case Severity::Warning:
        return u"warning"_s;
    case Severity::Error:
        return u"error"_s;
    }
    return {};
}

struct CertStack
{
    STACK_OF(X509) *stack = sk_X509_new_null();
    ~CertStack() { sk_X509_free(stack); } // the certificates are owned elsewhere
};

} // namespace

void TlsCheckReport::add(Severity severity, const QString &code, const QString &message, const QString &fix)
{
    findings.append({severity, code, message, fix});
}

bool TlsCheckReport::hasErrors() const
{
    if (!connected)
        return true;
    for (const TlsFinding &f : findings) {
        if (f.severity == Severity::Error)
            return true;
    }
    return false;
}

namespace {

using ServedChain = std::vector<X509Ptr>;

// Full verification as a client would do it (purpose: TLS server).
void verifyAsClient(X509_STORE *store, X509 *leaf, STACK_OF(X509) *untrusted, const QDateTime &now,
                    TlsCheckReport *report)
{
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (ctx && X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted) == 1) {
        X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), time_t(now.toSecsSinceEpoch()));
        report->trusted = X509_verify_cert(ctx.get()) == 1;
        if (!report->trusted) {
            const int err = X509_STORE_CTX_get_error(ctx.get());
            report->verifyError = u"%1 (at depth %2)"_s.arg(QString::fromLatin1(X509_verify_cert_error_string(err)))
                                      .arg(X509_STORE_CTX_get_error_depth(ctx.get()));
        }
    }
    ERR_clear_error();
}

// Completeness: walk up from the leaf through what was served. The chain is
// complete when it ends in a certificate whose issuer is a trusted root (or
// in a served root). Browsers may patch a gap by AIA fetching or a cache;
// WeChat, Android apps, Qt and python do not.
void checkCompleteness(X509_STORE *store, const ServedChain &served, TlsCheckReport *report)
{
    X509 *leaf = served.front().get();
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store, leaf, nullptr);
    X509 *current = leaf;
    int depth = 0;
    QString missingIssuer;
    bool complete = false;
    std::vector<X509 *> visited{leaf};
    for (;;) {
        if (X509_check_issued(current, current) == X509_V_OK) {
            complete = true; // a root was served (harmless, noted below)
            break;
        }
        X509 *next = nullptr;
        for (const X509Ptr &candidate : served) {
            if (candidate.get() != current && X509_check_issued(candidate.get(), current) == X509_V_OK
                && std::find(visited.begin(), visited.end(), candidate.get()) == visited.end()) {
                next = candidate.get();
                break;
            }
        }
        if (next) {
            current = next;
            visited.push_back(next);
            ++depth;
            continue;
        }
        X509 *issuer = nullptr;
        if (ctx && X509_STORE_CTX_get1_issuer(&issuer, ctx.get(), current) == 1) {
            X509_free(issuer);
            complete = true;
        } else {
            missingIssuer = nameToString(X509_get_issuer_name(current));
        }
        break;
    }
    ERR_clear_error();
    report->chainComplete = complete;
    // The wsscope local CA is never an intermediate: when it is the
    // missing issuer, the client simply does not trust it yet.
    const bool localCa = missingIssuer.contains(u"wsscope local CA"_s);
    if (!complete && depth == 0 && !localCa) {
        report->add(Severity::Error, u"chain-incomplete"_s,
                    u"incomplete chain: the server sends only the leaf; its issuer \"%1\" is neither served nor a trusted "
                      u"root (an intermediate is missing, or a private CA is not trusted here)"_s
                        .arg(missingIssuer),
                    u"serve the full chain: ssl_certificate must hold the leaf followed by the intermediate(s) "
                    u"(cat leaf.pem intermediate.pem > fullchain.pem; certbot's fullchain.pem, not cert.pem)"_s);
    } else if (!complete) {
        report->add(Severity::Error, u"untrusted-root"_s,
                    u"the chain's issuer \"%1\" is not a trusted root here"_s.arg(missingIssuer),
                    localCa ? u"trust the wsscope CA on the client (wsscope cert init prints how); for this check: "
                              u"--cafile <dir>/wsscope-ca.pem (see wsscope cert show)"_s
                            : u"use a certificate from a public CA, or trust your CA on the client "
                              u"(--cafile FILE for this check)"_s);
    } else if (!report->trusted) {
        report->add(Severity::Error, u"untrusted"_s, u"the chain does not verify: "_s + report->verifyError,
                    u"fix the certificate named in the error (see the chain below)"_s);
    }
    if (served.size() > 1 && X509_check_issued(served.back().get(), served.back().get()) == X509_V_OK) {
        report->add(Severity::Info, u"root-served"_s,
                    u"the chain includes its self-signed root (clients ignore it; it only costs bytes)"_s);
    }
    // Served order: each certificate should be followed by its issuer.
    for (size_t i = 0; i + 1 < served.size(); ++i) {
        if (X509_check_issued(served[i + 1].get(), served[i].get()) != X509_V_OK) {
            report->add(Severity::Warning, u"chain-order"_s,
                        u"certificate %1 of the served chain is not followed by its issuer"_s.arg(i),
                        u"order ssl_certificate as leaf, then intermediate(s), and drop unrelated certificates"_s);
            break;
        }
    }
}

// Name: RFC 6125 matching on subjectAltName (CN is ignored by Chrome and by
// iOS 13+ when SAN is present, and SAN is required there).
void checkName(X509 *leaf, const QString &name, TlsCheckReport *report)
{
    const TlsCertificateInfo &leafInfo = report->chain.front();
    QHostAddress ip;
    const QByteArray n = name.toUtf8();
    int rc;
    if (ip.setAddress(name))
        rc = X509_check_ip_asc(leaf, n.constData(), 0);
    else
        rc = X509_check_host(leaf, n.constData(), size_t(n.size()), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
    report->nameMatches = rc == 1;
    if (leafInfo.altNames.isEmpty()) {
        report->add(Severity::Error, u"no-san"_s,
                    u"the certificate has no subjectAltName (iOS and Chrome ignore the CN)"_s,
                    u"reissue it with the host names in subjectAltName (wsscope cert issue %1)"_s.arg(name));
    } else if (!report->nameMatches) {
        report->add(Severity::Error, u"name-mismatch"_s,
                    u"the certificate is not valid for \"%1\"; it names %2"_s.arg(name, leafInfo.altNames.join(u", "_s)),
                    u"serve a certificate that lists %1 (or check server_name / SNI: --servername)"_s.arg(name));
    }
}

void checkValidity(const ServedChain &served, const QDateTime &now, TlsCheckReport *report)
{
    const TlsCertificateInfo &leafInfo = report->chain.front();
    const qint64 secsLeft = now.secsTo(leafInfo.notAfter);
    report->daysLeft = secsLeft >= 0 ? secsLeft / 86400 : -((-secsLeft + 86399) / 86400);
    if (leafInfo.notBefore > now) {
        report->add(Severity::Error, u"not-yet-valid"_s,
                    u"the certificate is not valid before %1"_s.arg(leafInfo.notBefore.toString(Qt::ISODate)),
                    u"check the server's clock, or reissue the certificate"_s);
    } else if (secsLeft < 0) {
        report->add(Severity::Error, u"expired"_s,
                    u"the certificate expired on %1 (%2 days ago)"_s.arg(leafInfo.notAfter.toString(Qt::ISODate))
                        .arg(-report->daysLeft),
                    u"renew it (certbot renew, or wsscope cert issue) and reload the server"_s);
    } else if (report->daysLeft < 14) {
        report->add(Severity::Warning, u"expiring-soon"_s,
                    u"the certificate expires in %1 days"_s.arg(report->daysLeft),
                    u"renew it now and check that automatic renewal runs"_s);
    }
    for (size_t i = 1; i < served.size(); ++i) {
        const TlsCertificateInfo &info = report->chain.at(qsizetype(i));
        if (info.notAfter < now) {
            report->add(Severity::Error, u"intermediate-expired"_s,
                        u"served certificate %1 (\"%2\") expired on %3"_s.arg(i).arg(info.subject,
                                                                                   info.notAfter.toString(Qt::ISODate)),
                        u"download the current intermediate from your CA and rebuild fullchain.pem"_s);
        }
    }
    // Apple rejects TLS server certificates valid for more than 825 days
    // (and, from public CAs, more than 398).
    if (leafInfo.notBefore.daysTo(leafInfo.notAfter) > 825) {
        report->add(Severity::Error, u"validity-too-long"_s,
                    u"the certificate is valid for %1 days; iOS/macOS reject more than 825"_s.arg(
                        leafInfo.notBefore.daysTo(leafInfo.notAfter)),
                    u"reissue it with a validity of at most 397 days"_s);
    }
}

// Keys and signatures of everything served except a root (whose signature
// nobody checks), and the extended key usage Apple requires.
void checkKeysAndUsage(const ServedChain &served, TlsCheckReport *report)
{
    X509 *leaf = served.front().get();
    for (size_t i = 0; i < served.size(); ++i) {
        const TlsCertificateInfo &info = report->chain.at(qsizetype(i));
        const QString which = i == 0 ? u"the certificate"_s : u"served certificate %1 (\"%2\")"_s.arg(i).arg(info.subject);
        if ((info.keyType == u"RSA"_s && info.keyBits < 2048) || (info.keyType == u"EC"_s && info.keyBits < 256)) {
            report->add(Severity::Error, u"weak-key"_s,
                        u"%1 has a %2-bit %3 key (need RSA >= 2048 or EC >= 256)"_s.arg(which).arg(info.keyBits).arg(info.keyType),
                        u"generate a new key (EC P-256 or RSA 2048+) and reissue the certificate"_s);
        }
        if (!info.selfSigned && weakDigest(signatureDigest(served[i].get()))) {
            report->add(Severity::Error, u"weak-signature"_s,
                        u"%1 is signed with %2 (SHA-1 and older are rejected)"_s.arg(which, info.signatureAlgorithm),
                        u"reissue it with a SHA-256 (or stronger) signature"_s);
        }
    }
    // Apple (iOS 13+) requires the serverAuth extended key usage.
    const uint32_t flags = X509_get_extension_flags(leaf);
    if (!(flags & EXFLAG_XKUSAGE)) {
        report->add(Severity::Warning, u"no-eku"_s,
                    u"the certificate has no extendedKeyUsage; iOS/macOS require serverAuth"_s,
                    u"reissue it with extendedKeyUsage = serverAuth"_s);
    } else if (!(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER)) {
        report->add(Severity::Error, u"eku"_s,
                    u"the certificate's extendedKeyUsage does not allow TLS servers"_s,
                    u"reissue it with extendedKeyUsage = serverAuth"_s);
    }
}

} // namespace

void TlsChainAnalysis::analyze(const QList<QByteArray> &servedDer, const TlsCheckOptions &options,
                               const QDateTime &now, TlsCheckReport *report)
{
    ERR_clear_error();
    const QString name = options.effectiveServerName();
    report->serverName = name;
    ServedChain served;
    for (const QByteArray &der : servedDer) {
        const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
        X509Ptr x(d2i_X509(nullptr, &p, long(der.size())));
        if (!x) {
            report->add(Severity::Error, u"bad-certificate"_s, u"the server sent a certificate that cannot be parsed"_s,
                        u"serve PEM certificates that `openssl x509 -noout -text` can read"_s);
            return;
        }
        report->chain.append(describe(x.get()));
        served.push_back(std::move(x));
    }
    if (served.empty()) {
        report->add(Severity::Error, u"no-certificate"_s, u"the server sent no certificate"_s,
                    u"configure ssl_certificate / ssl_certificate_key on the server"_s);
        return;
    }
    X509 *leaf = served.front().get();

    // Trust store: the system roots plus the given file.
    StorePtr store(X509_STORE_new());
    if (options.systemRoots)
        X509_STORE_set_default_paths(store.get());
    if (!options.caFile.isEmpty() && X509_STORE_load_file(store.get(), options.caFile.toLocal8Bit().constData()) != 1) {
        report->add(Severity::Error, u"cafile"_s,
                    u"cannot load trusted certificates from %1 (%2)"_s.arg(options.caFile, takeErrors()),
                    u"pass a PEM file with --cafile, e.g. ~/.local/share/wsscope/wsscope/ca/wsscope-ca.pem"_s);
    }
    ERR_clear_error();
    CertStack untrusted;
    for (size_t i = 1; i < served.size(); ++i)
        sk_X509_push(untrusted.stack, served[i].get());

    verifyAsClient(store.get(), leaf, untrusted.stack, now, report);
    checkCompleteness(store.get(), served, report);
    checkName(leaf, name, report);
    checkValidity(served, now, report);
    checkKeysAndUsage(served, report);

    ERR_clear_error();
}

void TlsChainAnalysis::finalize(TlsCheckReport *report)
{
    QStringList problems;
    if (!report->connected) {
        problems << u"no TLS connection"_s;
    } else {
        if (report->protocol != u"TLSv1.2"_s && report->protocol != u"TLSv1.3"_s)
            problems << u"TLS 1.2 or later"_s;
        if (!report->forwardSecret)
            problems << u"a forward-secret (ECDHE) cipher"_s;
        if (!report->chainComplete)
            problems << u"a complete chain"_s;
        if (!report->trusted)
            problems << u"a trusted chain"_s;
        if (!report->nameMatches)
            problems << u"a matching name"_s;
        for (const TlsFinding &f : std::as_const(report->findings)) {
            if (f.code == u"weak-key"_s && !problems.contains(u"RSA >= 2048 / EC >= 256 keys"_s))
                problems << u"RSA >= 2048 / EC >= 256 keys"_s;
            if (f.code == u"weak-signature"_s && !problems.contains(u"SHA-256 or stronger signatures"_s))
                problems << u"SHA-256 or stronger signatures"_s;
            if ((f.code == u"expired"_s || f.code == u"not-yet-valid"_s || f.code == u"intermediate-expired"_s)
                && !problems.contains(u"a certificate valid now"_s))
                problems << u"a certificate valid now"_s;
            if ((f.code == u"no-eku"_s || f.code == u"eku"_s || f.code == u"validity-too-long"_s || f.code == u"no-san"_s)
                && !problems.contains(u"Apple's certificate rules (SAN, serverAuth EKU, <= 825 days)"_s))
                problems << u"Apple's certificate rules (SAN, serverAuth EKU, <= 825 days)"_s;
        }
    }
    report->compatibilityProblems = problems;
    report->atsCompatible = problems.isEmpty();
    // WeChat mini-programs need what ATS needs (WeChat on iOS runs under it;
    // on Android it verifies the chain without fetching intermediates), and
    // a WebSocket that echoes a requested subprotocol.
    bool wsOk = true;
    for (const TlsFinding &f : std::as_const(report->findings)) {
        if (f.code.startsWith(u"ws-"_s) && f.severity == Severity::Error)
            wsOk = false;
    }
    report->wechatCompatible = report->atsCompatible && wsOk;
    if (report->atsCompatible && !wsOk)
        report->compatibilityProblems << u"a working WebSocket handshake"_s;
}

QJsonObject TlsCheckReport::toJson() const
{
    QJsonObject o;
    o[u"target"_s] = target;
    o[u"serverName"_s] = serverName;
    o[u"connected"_s] = connected;
    if (!connectError.isEmpty())
        o[u"connectError"_s] = connectError;
    o[u"protocol"_s] = protocol;
    o[u"cipher"_s] = cipher;
    o[u"forwardSecret"_s] = forwardSecret;
    o[u"alpn"_s] = alpn;
    QJsonArray certs;
    for (const TlsCertificateInfo &c : chain) {
        certs.append(QJsonObject{
            {u"subject"_s, c.subject},
            {u"issuer"_s, c.issuer},
            {u"altNames"_s, QJsonArray::fromStringList(c.altNames)},
            {u"notBefore"_s, c.notBefore.toString(Qt::ISODate)},
            {u"notAfter"_s, c.notAfter.toString(Qt::ISODate)},
            {u"keyType"_s, c.keyType},
            {u"keyBits"_s, c.keyBits},
            {u"signatureAlgorithm"_s, c.signatureAlgorithm},
            {u"isCa"_s, c.isCa},
            {u"selfSigned"_s, c.selfSigned},
            {u"sha256"_s, c.sha256},
        });
    }
    o[u"chain"_s] = certs;
    o[u"chainComplete"_s] = chainComplete;
    o[u"trusted"_s] = trusted;
    if (!verifyError.isEmpty())
        o[u"verifyError"_s] = verifyError;
    o[u"nameMatches"_s] = nameMatches;
    o[u"daysLeft"_s] = daysLeft;
    o[u"atsCompatible"_s] = atsCompatible;
    o[u"wechatCompatible"_s] = wechatCompatible;
    o[u"compatibilityProblems"_s] = QJsonArray::fromStringList(compatibilityProblems);
    if (wsAttempted) {
        o[u"websocket"_s] = QJsonObject{
            {u"status"_s, wsStatus},
            {u"acceptValid"_s, wsAcceptValid},
            {u"requestedProtocol"_s, wsRequestedProtocol},
            {u"protocol"_s, wsProtocol},
        };
    }
    QJsonArray list;
    for (const TlsFinding &f : findings) {
        QJsonObject j{{u"severity"_s, severityName(f.severity)}, {u"code"_s, f.code}, {u"message"_s, f.message}};
        if (!f.fix.isEmpty())
            j[u"fix"_s] = f.fix;
        list.append(j);
    }
    o[u"findings"_s] = list;
    o[u"ok"_s] = !hasErrors();
    return o;
}

QString TlsCheckReport::toText() const
{
    QString out;
    const auto line = [&out](const QString &s) { out += s + u'\n'; };
    line(u"target:      %1 (name %2)"_s.arg(target, serverName));
    if (!connected) {
        line(u"connection:  FAILED: "_s + connectError);
    } else {
        line(u"protocol:    %1, cipher %2%3"_s.arg(protocol, cipher,
                                                   forwardSecret ? u" (forward secret)"_s : u" (NOT forward secret)"_s));
        if (!alpn.isEmpty())
            line(u"alpn:        "_s + alpn);
        for (qsizetype i = 0; i < chain.size(); ++i) {
            const TlsCertificateInfo &c = chain.at(i);
            line(u"chain[%1]:    %2"_s.arg(i).arg(c.subject));
            line(u"             issuer %1"_s.arg(c.issuer));
            line(u"             %1 %2 bits, %3, valid %4 .. %5"_s.arg(c.keyType)
                     .arg(c.keyBits)
                     .arg(c.signatureAlgorithm, c.notBefore.toString(Qt::ISODate), c.notAfter.toString(Qt::ISODate)));
            if (!c.altNames.isEmpty())
                line(u"             names %1"_s.arg(c.altNames.join(u", "_s)));
        }
        line(u"chain:       %1, %2"_s.arg(chainComplete ? u"complete"_s : u"INCOMPLETE"_s,
                                          trusted ? u"trusted"_s : u"NOT trusted ("_s + verifyError + u')'));
        line(u"name:        %1"_s.arg(nameMatches ? u"matches"_s : u"DOES NOT MATCH"_s));
        line(u"expiry:      %1 days left"_s.arg(daysLeft));
        if (wsAttempted) {
            QString ws = u"status %1"_s.arg(wsStatus);
            if (wsStatus == 101)
                ws += wsAcceptValid ? u", accept key valid"_s : u", accept key WRONG"_s;
            if (!wsRequestedProtocol.isEmpty())
                ws += u", subprotocol requested \"%1\", answered \"%2\""_s.arg(wsRequestedProtocol, wsProtocol);
            line(u"websocket:   "_s + ws);
        }
    }
    line(u"iOS ATS:     %1"_s.arg(atsCompatible ? u"pass"_s : u"FAIL"_s));
    line(u"WeChat:      %1"_s.arg(wechatCompatible ? u"pass"_s
                                                   : u"FAIL (needs "_s + compatibilityProblems.join(u", "_s) + u')'));
    for (const TlsFinding &f : findings) {
        line(u"%1: %2"_s.arg(severityName(f.severity), f.message));
        if (!f.fix.isEmpty())
            line(u"  fix: "_s + f.fix);
    }
    line(hasErrors() ? u"result:      problems found"_s : u"result:      ok"_s);
    return out;
}

TlsChecker::TlsChecker(QObject *parent)
    : QObject(parent)
{
}

TlsChecker::~TlsChecker() = default;

void TlsChecker::start(const TlsCheckOptions &options)
{
    m_options = options;
    m_report = {};
    m_finished = false;
    m_encrypted = false;
    m_response.clear();
    const bool v6 = options.host.contains(u':');
    m_report.target = (v6 ? u"[%1]:%2"_s : u"%1:%2"_s).arg(options.host).arg(options.port);
    m_report.serverName = options.effectiveServerName();

    if (!QSslSocket::supportsSsl()) {
        m_report.connectError = u"Qt has no TLS backend here (libssl missing?)"_s;
        QTimer::singleShot(0, this, &TlsChecker::finish);
        return;
    }
    delete m_socket;
    m_socket = new QSslSocket(this);
    // No verification in the handshake: a broken chain must still be
    // examined. The chain is verified afterwards with OpenSSL.
    m_socket->setPeerVerifyMode(QSslSocket::VerifyNone);
    QSslConfiguration conf = m_socket->sslConfiguration();
    conf.setProtocol(QSsl::AnyProtocol);
    conf.setAllowedNextProtocols({QByteArrayLiteral("http/1.1")});
    m_socket->setSslConfiguration(conf);
    connect(m_socket, &QSslSocket::encrypted, this, &TlsChecker::handleEncrypted);
    connect(m_socket, &QSslSocket::readyRead, this, &TlsChecker::handleReadyRead);
    connect(m_socket, &QSslSocket::errorOccurred, this, &TlsChecker::handleError);
    if (!m_timer) {
        m_timer = new QTimer(this);
        m_timer->setSingleShot(true);
        connect(m_timer, &QTimer::timeout, this, &TlsChecker::handleTimeout);
    }
    m_timer->start(options.timeoutMs);
    // With an IP as host and no --servername, no SNI is sent (RFC 6066 3).
    m_socket->connectToHostEncrypted(options.host, options.port, options.effectiveServerName());
}

void TlsChecker::handleEncrypted()
{
    m_encrypted = true;
    m_report.connected = true;
    switch (m_socket->sessionProtocol()) {
    case QSsl::TlsV1_3:
        m_report.protocol = u"TLSv1.3"_s;
        break;
    case QSsl::TlsV1_2:
        m_report.protocol = u"TLSv1.2"_s;
        break;
    default:
        m_report.protocol = u"older than TLSv1.2"_s;
        break;
    }
    const QSslCipher cipher = m_socket->sessionCipher();
    m_report.cipher = cipher.name();
    m_report.forwardSecret = m_socket->sessionProtocol() == QSsl::TlsV1_3 || cipher.name().startsWith(u"ECDHE"_s)
        || cipher.name().startsWith(u"DHE"_s);
    m_report.alpn = QString::fromLatin1(m_socket->sslConfiguration().nextNegotiatedProtocol());
    if (m_report.protocol.startsWith(u"older"_s)) {
        m_report.add(TlsFinding::Severity::Error, u"protocol"_s, u"the server negotiated a protocol older than TLS 1.2"_s,
                     u"ssl_protocols TLSv1.2 TLSv1.3;"_s);
    }
    if (!m_report.forwardSecret) {
        m_report.add(TlsFinding::Severity::Error, u"forward-secrecy"_s,
                     u"cipher %1 has no forward secrecy (ATS requires ECDHE)"_s.arg(m_report.cipher),
                     u"ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384;"_s);
    }

    QList<QByteArray> der;
    const QList<QSslCertificate> served = m_socket->peerCertificateChain();
    for (const QSslCertificate &c : served)
        der << c.toDer();
    TlsChainAnalysis::analyze(der, m_options, QDateTime::currentDateTimeUtc(), &m_report);

    if (m_options.path.isEmpty() && m_options.subprotocol.isEmpty()) {
        finish();
        return;
    }
    m_report.wsAttempted = true;
    m_report.wsRequestedProtocol = m_options.subprotocol;
    QByteArray nonce(16, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(nonce.data()), 4);
    m_wsKey = nonce.toBase64();
    const QString path = m_options.path.isEmpty() ? u"/"_s : m_options.path;
    QByteArray host = m_options.effectiveServerName().toUtf8();
    if (host.contains(':'))
        host = '[' + host + ']';
    if (m_options.port != 443)
        host += ':' + QByteArray::number(m_options.port);
    QByteArray request = "GET " + path.toUtf8() + " HTTP/1.1\r\nHost: " + host
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + m_wsKey
        + "\r\nSec-WebSocket-Version: 13\r\n";
    if (!m_options.subprotocol.isEmpty())
        request += "Sec-WebSocket-Protocol: " + m_options.subprotocol.toUtf8() + "\r\n";
    request += "User-Agent: wsscope-tls-check\r\n\r\n";
    m_socket->write(request);
    handleReadyRead();
}

void TlsChecker::handleReadyRead()
{
    if (!m_encrypted || m_finished || !m_report.wsAttempted)
        return;
    m_response += m_socket->readAll();
    const qsizetype end = m_response.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_response.size() > 64 * 1024) {
            m_report.add(TlsFinding::Severity::Error, u"ws-handshake"_s, u"the response head is larger than 64 KiB"_s,
                         u"check what answers on this port and path"_s);
            finish();
        }
        return;
    }
    const QList<QByteArray> lines = m_response.left(end).split('\n');
    const QList<QByteArray> status = lines.value(0).trimmed().split(' ');
    m_report.wsStatus = status.value(1).toInt();
    QByteArray accept, protocol;
    bool protocolPresent = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray l = lines.at(i).trimmed();
        const qsizetype colon = l.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = l.left(colon).trimmed().toLower();
        const QByteArray value = l.mid(colon + 1).trimmed();
        if (name == "sec-websocket-accept") {
            accept = value;
        } else if (name == "sec-websocket-protocol") {
            protocol = value;
            protocolPresent = true;
        }
    }
    m_report.wsProtocol = QString::fromUtf8(protocol);
    const QString path = m_options.path.isEmpty() ? u"/"_s : m_options.path;
    if (m_report.wsStatus != 101) {
        m_report.add(TlsFinding::Severity::Error, u"ws-handshake"_s,
                     u"the WebSocket handshake on %1 was answered %2 instead of 101"_s.arg(path).arg(m_report.wsStatus),
                     u"route %1 to the WebSocket backend with proxy_http_version 1.1; proxy_set_header Upgrade "
                     u"$http_upgrade; proxy_set_header Connection $connection_upgrade;"_s.arg(path));
        finish();
        return;
    }
    // RFC 6455 4.2.2: base64(SHA-1(key + GUID)).
    const QByteArray expected =
        QCryptographicHash::hash(QByteArray(m_wsKey + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"), QCryptographicHash::Sha1).toBase64();
    m_report.wsAcceptValid = accept == expected;
    if (!m_report.wsAcceptValid) {
        m_report.add(TlsFinding::Severity::Error, u"ws-accept"_s, u"Sec-WebSocket-Accept is missing or wrong"_s,
                     u"do not rewrite Sec-WebSocket-Key/Accept in a proxy; let the backend answer them"_s);
    }
    if (!m_options.subprotocol.isEmpty()) {
        const QStringList requested = m_options.subprotocol.split(u',');
        bool known = false;
        for (const QString &r : requested)
            known = known || r.trimmed() == m_report.wsProtocol;
        if (!protocolPresent) {
            // WeChat on iOS closes a connection whose handshake does not
            // echo a requested subprotocol (browsers would accept it).
            m_report.add(TlsFinding::Severity::Error, u"ws-subprotocol"_s,
                         u"the server did not answer Sec-WebSocket-Protocol (requested \"%1\"); WeChat on iOS drops such connections"_s
                             .arg(m_options.subprotocol),
                         u"make the backend choose one: answer \"Sec-WebSocket-Protocol: %1\""_s.arg(requested.first().trimmed()));
        } else if (!known) {
            m_report.add(TlsFinding::Severity::Error, u"ws-subprotocol"_s,
                         u"the server answered Sec-WebSocket-Protocol \"%1\", which was not requested (RFC 6455 4.1: clients fail)"_s
                             .arg(m_report.wsProtocol),
                         u"answer with one of the requested values, or omit the header when none is supported"_s);
        }
    } else if (protocolPresent) {
        m_report.add(TlsFinding::Severity::Error, u"ws-subprotocol"_s,
                     u"the server answered Sec-WebSocket-Protocol \"%1\" although none was requested"_s.arg(m_report.wsProtocol),
                     u"only answer Sec-WebSocket-Protocol when the client asked for one"_s);
    }
    finish();
}

void TlsChecker::handleError()
{
    if (m_finished)
        return;
    if (!m_encrypted) {
        m_report.connectError = m_socket->errorString();
        finish();
        return;
    }
    if (m_report.wsAttempted && m_report.wsStatus == 0) {
        m_report.add(TlsFinding::Severity::Error, u"ws-handshake"_s,
                     u"the connection closed before a WebSocket handshake answer (%1)"_s.arg(m_socket->errorString()),
                     u"check that this port serves HTTP/1.1 behind TLS and the path exists"_s);
        finish();
    }
}

void TlsChecker::handleTimeout()
{
    if (m_finished)
        return;
    if (!m_encrypted) {
        m_report.connectError = u"timed out after %1 ms (no TLS handshake)"_s.arg(m_options.timeoutMs);
    } else {
        m_report.add(TlsFinding::Severity::Error, u"ws-handshake"_s,
                     u"no WebSocket handshake answer within %1 ms"_s.arg(m_options.timeoutMs),
                     u"check that the location proxies to a running backend"_s);
    }
    finish();
}

void TlsChecker::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_timer)
        m_timer->stop();
    if (!m_report.connected && m_report.connectError.isEmpty())
        m_report.connectError = u"no TLS connection"_s;
    if (!m_report.connected) {
        m_report.add(TlsFinding::Severity::Error, u"connect"_s, u"no TLS connection: "_s + m_report.connectError,
                     u"check host and port, that the server listens with ssl, and that it offers TLS 1.2+"_s);
    }
    TlsChainAnalysis::finalize(&m_report);
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    emit finished();
}
