// Differential test of client certificates and the TLS variables: the same
// configuration through Debian's nginx and through wsscope, certificates
// made by the openssl command line, and one Qt TLS client (so both servers
// see the same ClientHello). ssl_verify_client off/on/optional/optional_no_ca
// must refuse and let through alike (200, 495, 496), and $ssl_client_verify,
// the DNs, serial, fingerprint, validity, $ssl_curve(s), $ssl_ciphers,
// $ssl_alpn_protocol and the PEM variables must read the same.

#include "nginxpair.h"
#include "testsupport.h"

#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_NginxSslDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void answersAlike_data();
    void answersAlike();
    void verifyOnWithoutCaIsAConfigurationError();

private:
    bool openssl(const QStringList &arguments);
    QByteArray configText(quint16 firstPort, const QString &name) const;
    // Status and body of GET `path` on port `port` + `server`, with the client certificate `client` (empty: none).
    QByteArray answer(quint16 port, const QByteArray &path, const QString &client) const;
    QString file(const QString &name) const { return m_dir.filePath(name); }

    PeerProcess m_nginx;
    PeerProcess m_wsscope;
    QTemporaryDir m_dir;
    quint16 m_nginxPort = 0;   // three ports from here: optional_no_ca, on, optional
    quint16 m_wsscopePort = 0;
};

bool tst_NginxSslDifferential::openssl(const QStringList &arguments)
{
    QProcess p;
    p.setWorkingDirectory(m_dir.path());
    p.start(u"openssl"_s, arguments);
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        qWarning().noquote() << "openssl" << arguments.join(u' ') << "failed:" << p.readAllStandardError();
        return false;
    }
    return true;
}

QByteArray tst_NginxSslDifferential::configText(quint16 firstPort, const QString &name) const
{
    const QByteArray d = m_dir.path().toUtf8();
    const QByteArray n = name.toUtf8();
    const QByteArray vars = "verify=$ssl_client_verify s=$ssl_client_s_dn sl=$ssl_client_s_dn_legacy "
                            "i=$ssl_client_i_dn il=$ssl_client_i_dn_legacy serial=$ssl_client_serial "
                            "fp=$ssl_client_fingerprint start=$ssl_client_v_start end=$ssl_client_v_end "
                            "remain=$ssl_client_v_remain";
    auto server = [&](int offset, const QByteArray &verify) -> QByteArray {
        return "  server {\n"
               "    listen 127.0.0.1:" + QByteArray::number(firstPort + offset) + " ssl;\n"
               "    ssl_certificate " + d + "/server.crt; ssl_certificate_key " + d + "/server.key;\n"
               "    ssl_ecdh_curve prime256v1; ssl_protocols TLSv1.2 TLSv1.3;\n"
               "    " + verify + "\n"
               "    location / { return 200 \"" + vars + "\"; }\n"
               "    location /tls { return 200 \"curve=$ssl_curve curves=$ssl_curves alpn=$ssl_alpn_protocol "
               "ciphers=$ssl_ciphers protocol=$ssl_protocol cipher=$ssl_cipher sni=$ssl_server_name "
               "reused=$ssl_session_reused id=${ssl_session_id}.\"; }\n"
               "    location /pem { return 200 \"$ssl_client_escaped_cert|$ssl_client_raw_cert|$ssl_client_cert\"; }\n"
               "  }\n";
    };
    return NginxPair::prologue(m_dir.path()).replace("PIDFILE", QByteArray(n + ".pid")).replace("ERRORLOG", QByteArray(n + "-error.log info"))
        + server(0, "ssl_verify_client optional_no_ca; ssl_trusted_certificate " + d + "/ca.crt;")
        + server(1, "ssl_verify_client on; ssl_client_certificate " + d + "/ca.crt;")
        + server(2, "ssl_verify_client optional; ssl_client_certificate " + d + "/ca.crt; ssl_verify_depth 2;")
        + "}\n";
}

void tst_NginxSslDifferential::initTestCase()
{
    QVERIFY2(QFileInfo::exists(u"/usr/sbin/nginx"_s), "nginx is the reference: installers/deps-debian.sh --test installs it");
    QVERIFY(m_dir.isValid());
    QVERIFY(QSslSocket::supportsSsl());
    // A CA, a client it signed (two name parts, so the DN orders show), a
    // self-signed client nobody trusts, and the servers' certificate.
    QVERIFY(openssl({u"req"_s, u"-x509"_s, u"-new"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                     u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-subj"_s, u"/O=Test Org/CN=Test CA"_s,
                     u"-days"_s, u"30"_s, u"-keyout"_s, u"ca.key"_s, u"-out"_s, u"ca.crt"_s}));
    QVERIFY(openssl({u"req"_s, u"-new"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:prime256v1"_s,
                     u"-nodes"_s, u"-subj"_s, u"/C=CN/O=Client, Inc./CN=client one"_s, u"-keyout"_s, u"client.key"_s,
                     u"-out"_s, u"client.csr"_s}));
    QVERIFY(openssl({u"x509"_s, u"-req"_s, u"-in"_s, u"client.csr"_s, u"-CA"_s, u"ca.crt"_s, u"-CAkey"_s, u"ca.key"_s,
                     u"-set_serial"_s, u"0x1A2B3C"_s, u"-days"_s, u"10"_s, u"-out"_s, u"client.crt"_s}));
    QVERIFY(openssl({u"req"_s, u"-x509"_s, u"-new"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                     u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-subj"_s, u"/CN=stranger"_s, u"-days"_s,
                     u"5"_s, u"-keyout"_s, u"stranger.key"_s, u"-out"_s, u"stranger.crt"_s}));
    QVERIFY(openssl({u"req"_s, u"-x509"_s, u"-new"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                     u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-subj"_s, u"/CN=localhost"_s, u"-days"_s,
                     u"5"_s, u"-keyout"_s, u"server.key"_s, u"-out"_s, u"server.crt"_s}));

    // Three consecutive free ports each.
    auto threePorts = [] {
        for (int attempt = 0; attempt < 50; ++attempt) {
            const quint16 p = unusedPort();
            QTcpServer a, b;
            if (p < 65000 && a.listen(QHostAddress::LocalHost, p + 1) && b.listen(QHostAddress::LocalHost, p + 2))
                return p;
        }
        return quint16(0);
    };
    m_nginxPort = threePorts();
    QVERIFY(m_nginxPort);
    QFile nginxConf(file(u"nginx.conf"_s));
    QVERIFY(nginxConf.open(QIODevice::WriteOnly));
    nginxConf.write(configText(m_nginxPort, u"nginx"_s));
    nginxConf.close();
    QVERIFY(m_nginx.launch(u"/usr/sbin/nginx"_s, {u"-p"_s, m_dir.path(), u"-c"_s, nginxConf.fileName()}));
    QTRY_VERIFY2_WITH_TIMEOUT(answer(m_nginxPort, "/tls", QString()).startsWith("200"),
                              answer(m_nginxPort, "/tls", QString()).constData(), 10000);

    m_wsscopePort = threePorts();
    QVERIFY(m_wsscopePort);
    QFile wsConf(file(u"wsscope.conf"_s));
    QVERIFY(wsConf.open(QIODevice::WriteOnly));
    wsConf.write(configText(m_wsscopePort, u"wsscope"_s));
    wsConf.close();
    QVERIFY(m_wsscope.start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, wsConf.fileName(), u"-g"_s,
                                              u"error_log stderr info;"_s}));
    QTRY_VERIFY_WITH_TIMEOUT(answer(m_wsscopePort, "/tls", QString()).startsWith("200"), 10000);
}

void tst_NginxSslDifferential::cleanupTestCase()
{
    m_nginx.terminate(5000);
    m_wsscope.terminate(5000);
}

QByteArray tst_NginxSslDifferential::answer(quint16 port, const QByteArray &path, const QString &client) const
{
    QSslSocket s;
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setPeerVerifyMode(QSslSocket::VerifyNone);
    c.setProtocol(QSsl::TlsV1_3);
    c.setAllowedNextProtocols({QByteArrayLiteral("http/1.1")});
    if (!client.isEmpty()) {
        QFile cert(file(client + u".crt"_s));
        QFile key(file(client + u".key"_s));
        if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly))
            return "no client files";
        c.setLocalCertificate(QSslCertificate(cert.readAll()));
        c.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec));
    }
    s.setSslConfiguration(c);
    s.connectToHostEncrypted(u"localhost"_s, port);
    if (!s.waitForEncrypted(5000))
        return "no TLS: " + s.errorString().toUtf8();
    s.write("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    QByteArray in;
    while (s.waitForReadyRead(3000))
        in += s.readAll();
    in += s.readAll();
    const qsizetype end = in.indexOf("\r\n\r\n");
    if (end < 0)
        return "no response";
    QByteArray body = in.mid(end + 4);
    // nginx's own page for 495/496 names nginx; only its title is compared.
    const qsizetype title = body.indexOf("<title>");
    if (title >= 0)
        body = body.mid(title, body.indexOf("</title>") - title);
    return in.mid(9, 3) + ' ' + body;
}

void tst_NginxSslDifferential::answersAlike_data()
{
    QTest::addColumn<int>("server");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QString>("client");
    QTest::addColumn<QByteArray>("expected"); // how nginx's answer starts
    QTest::newRow("optional_no_ca, no certificate: NONE") << 0 << QByteArray("/") << QString()
                                                      << QByteArray("200 verify=NONE s= ");
    QTest::newRow("optional_no_ca, a trusted certificate: SUCCESS and its names")
        << 0 << QByteArray("/") << u"client"_s << QByteArray("200 verify=SUCCESS s=CN=client one,O=Client\\, Inc.,C=CN ");
    QTest::newRow("optional_no_ca, an untrusted certificate: FAILED, let through")
        << 0 << QByteArray("/") << u"stranger"_s << QByteArray("200 verify=FAILED:self-signed certificate s=CN=stranger");
    QTest::newRow("the certificate as PEM, raw, tabbed and escaped")
        << 0 << QByteArray("/pem") << u"client"_s << QByteArray("200 -----BEGIN%20CERTIFICATE-----%0A");
    QTest::newRow("curve, curves, ALPN, ciphers")
        << 0 << QByteArray("/tls") << QString() << QByteArray("200 curve=prime256v1 curves=");
    QTest::newRow("on, no certificate: 496") << 1 << QByteArray("/") << QString() << QByteArray("400 <title>400 No required");
    QTest::newRow("on, an untrusted certificate: 495")
        << 1 << QByteArray("/") << u"stranger"_s << QByteArray("400 <title>400 The SSL certificate error");
    QTest::newRow("on, a trusted certificate: 200") << 1 << QByteArray("/") << u"client"_s
                                                     << QByteArray("200 verify=SUCCESS");
    QTest::newRow("optional, no certificate: 200") << 2 << QByteArray("/") << QString()
                                                    << QByteArray("200 verify=NONE");
    QTest::newRow("optional, an untrusted certificate: 495")
        << 2 << QByteArray("/") << u"stranger"_s << QByteArray("400 <title>400 The SSL certificate error");
    QTest::newRow("optional, a trusted certificate: 200") << 2 << QByteArray("/") << u"client"_s
                                                          << QByteArray("200 verify=SUCCESS");
}

void tst_NginxSslDifferential::answersAlike()
{
    QFETCH(int, server);
    QFETCH(QByteArray, path);
    QFETCH(QString, client);
    QFETCH(QByteArray, expected);
    // $ssl_session_id is random: its length is what must agree.
    auto sessionIdLength = [](QByteArray a) {
        const qsizetype at = a.indexOf("id=");
        if (at >= 0)
            a = a.left(at) + "id of " + QByteArray::number(a.indexOf('.', at) - at - 3) + " hex digits";
        return a;
    };
    const QByteArray viaNginx = sessionIdLength(answer(m_nginxPort + server, path, client));
    const QByteArray viaWsscope = sessionIdLength(answer(m_wsscopePort + server, path, client));
    QVERIFY2(viaNginx.startsWith(expected), viaNginx.constData());
    QCOMPARE(viaWsscope, viaNginx);
}

void tst_NginxSslDifferential::verifyOnWithoutCaIsAConfigurationError()
{
    // nginx 1.22: "on" and "optional" need ssl_client_certificate.
    QFile conf(file(u"noca.conf"_s));
    QVERIFY(conf.open(QIODevice::WriteOnly));
    conf.write("events {}\nhttp { server { listen 127.0.0.1:1 ssl; ssl_certificate " + file(u"server.crt"_s).toUtf8()
               + "; ssl_certificate_key " + file(u"server.key"_s).toUtf8()
               + ";\n ssl_verify_client on; ssl_trusted_certificate " + file(u"ca.crt"_s).toUtf8() + "; } }\n");
    conf.close();
    for (const QString &binary : {u"/usr/sbin/nginx"_s, wsscopeBinary()}) {
        QProcess p;
        p.start(binary, {u"-t"_s, u"-p"_s, m_dir.path(), u"-c"_s, conf.fileName()});
        QVERIFY(p.waitForFinished(20000));
        const QByteArray out = p.readAllStandardError() + p.readAllStandardOutput();
        QVERIFY2(p.exitCode() != 0, out.constData());
        QVERIFY2(out.contains("no ssl_client_certificate for ssl_verify_client"), out.constData());
    }
}

QTEST_GUILESS_MAIN(tst_NginxSslDifferential)
#include "tst_nginx_ssl_differential.moc"
