// The PROXY protocol on `listen ... proxy_protocol`: version 1 and 2 headers
// (HAProxy's proxy-protocol.txt) sent raw before a request, to Debian's nginx
// and to wsscope on the same configuration; both must give the same
// $proxy_protocol_* values, the same real_ip_header proxy_protocol address,
// and close without an answer on a broken header. The parser's edge cases
// (headers in pieces, TLVs, the limits) are checked on their own.

#include "http/proxyprotocol.h"
#include "nginxpair.h"
#include "testsupport.h"

#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace TestSupport;
using namespace Qt::StringLiterals;

namespace {

// A version 2 header: command (0 LOCAL, 1 PROXY), family byte, payload.
QByteArray v2(quint8 command, quint8 family, const QByteArray &payload)
{
    QByteArray h("\r\n\r\n\0\r\nQUIT\n", 12);
    h += char(0x20 | command);
    h += char(family);
    const quint16 len = qToBigEndian(quint16(payload.size()));
    h.append(reinterpret_cast<const char *>(&len), 2);
    return h + payload;
}

QByteArray be16(quint16 v)
{
    const quint16 b = qToBigEndian(v);
    return QByteArray(reinterpret_cast<const char *>(&b), 2);
}

// 203.0.113.9:51000 -> 198.51.100.1:443, with `tlvs` after the addresses.
QByteArray v2Inet(const QByteArray &tlvs = {})
{
    return v2(1, 0x11, QByteArray("\xcb\x00\x71\x09\xc6\x33\x64\x01", 8) + be16(51000) + be16(443) + tlvs);
}

QByteArray v2Inet6()
{
    QByteArray a(16, '\0'), b(16, '\0');
    a[0] = char(0x20), a[1] = char(0x01), a[2] = char(0x0d), a[3] = char(0xb8), a[15] = char(0x07);
    b[0] = char(0x20), b[1] = char(0x01), b[2] = char(0x0d), b[3] = char(0xb8), b[15] = char(0x01);
    return v2(1, 0x21, a + b + be16(40000) + be16(8443));
}

} // namespace

class tst_NginxProxyProtocolDifferential : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void answersAlike_data();
    void answersAlike();
    void headerInPieces();
    void parser_data();
    void parser();

private:
    static QByteArray configText(quint16 listenPort, const QString &dir);
    static QByteArray answer(quint16 port, const QByteArray &bytes);

    QTemporaryDir m_dir;
    NginxPair m_pair;
};

QByteArray tst_NginxProxyProtocolDifferential::configText(quint16 listenPort, const QString &dir)
{
    return NginxPair::prologue(dir)
        + "  server {\n"
          "    listen 127.0.0.1:" + QByteArray::number(listenPort) + " proxy_protocol;\n"
          "    set_real_ip_from 127.0.0.1;\n"
          "    location / { return 200 \"[$proxy_protocol_addr|$proxy_protocol_port|$proxy_protocol_server_addr|"
          "$proxy_protocol_server_port|$remote_addr]\"; }\n"
          // realip runs in the preaccess phase: a static file's request gets there, a `return` would not
          "    location /real/ { real_ip_header proxy_protocol; alias " + dir.toUtf8() + "/www/;\n"
          "      add_header X-Real \"[$remote_addr|$remote_port|$realip_remote_addr]\"; }\n"
          "  }\n"
          "}\n";
}

void tst_NginxProxyProtocolDifferential::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(NginxPair::writeFile(m_dir.path(), u"www/f"_s, "file\n"));
    QString why;
    const QString dir = m_dir.path();
    QVERIFY2(m_pair.start(dir, [&](quint16 port) { return configText(port, dir); },
                          "PROXY UNKNOWN\r\nGET / HTTP/1.0\r\n\r\n", &why),
             qPrintable(why));
}

QByteArray tst_NginxProxyProtocolDifferential::answer(quint16 port, const QByteArray &bytes)
{
    const HttpResult r = httpExchange(port, bytes, 5000);
    if (!r.ok)
        return "no answer";
    // The connection's own port differs by product.
    const QString text = QString::fromLatin1(r.body.startsWith('[') ? r.body : r.header("X-Real"));
    return QByteArray::number(r.status) + ' '
        + QString(text).replace(QRegularExpression(u"^\\[127\\.0\\.0\\.1\\|\\d+\\|"_s), u"[127.0.0.1|PORT|"_s).toLatin1();
}

void tst_NginxProxyProtocolDifferential::answersAlike_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("expected"); // nginx's answer
    const QByteArray get = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    const QByteArray real = "GET /real/f HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    QTest::newRow("v1 TCP4") << "PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n" + get
                             << QByteArray("200 [192.0.2.1|1234|192.0.2.2|80|127.0.0.1]");
    QTest::newRow("v1 TCP6") << "PROXY TCP6 2001:db8::5 2001:db8::6 5 6\r\n" + get
                             << QByteArray("200 [2001:db8::5|5|2001:db8::6|6|127.0.0.1]");
    QTest::newRow("v1 UNKNOWN: no addresses") << "PROXY UNKNOWN whatever\r\n" + get
                                              << QByteArray("200 [||||127.0.0.1]");
    QTest::newRow("v2 TCP4 with a TLV") << v2Inet(QByteArray("\x04\x00\x03" "abc", 6)) + get
                                        << QByteArray("200 [203.0.113.9|51000|198.51.100.1|443|127.0.0.1]");
    QTest::newRow("v2 TCP6") << v2Inet6() + get << QByteArray("200 [2001:db8::7|40000|2001:db8::1|8443|127.0.0.1]");
    QTest::newRow("v2 LOCAL: no addresses") << v2(0, 0x00, {}) + get << QByteArray("200 [||||127.0.0.1]");
    QTest::newRow("v2 unix family: no addresses") << v2(1, 0x31, QByteArray(216, 'x')) + get
                                                  << QByteArray("200 [||||127.0.0.1]");
    QTest::newRow("real_ip_header proxy_protocol, v1") << "PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n" + real
                                                       << QByteArray("200 [192.0.2.1|1234|127.0.0.1]");
    QTest::newRow("real_ip_header proxy_protocol, v2") << v2Inet() + real
                                                       << QByteArray("200 [203.0.113.9|51000|127.0.0.1]");
    QTest::newRow("real_ip_header proxy_protocol, LOCAL: the connection's")
        << v2(0, 0x00, {}) + real << QByteArray("200 [127.0.0.1|");
    QTest::newRow("no header: closed unanswered") << get << QByteArray("no answer");
    QTest::newRow("a v1 line with a bad port") << "PROXY TCP4 192.0.2.1 192.0.2.2 99999 80\r\n" + get
                                               << QByteArray("no answer");
    QTest::newRow("v1 TCP4 with an IPv6 address (nginx 1.22 takes it)")
        << "PROXY TCP4 2001:db8::5 192.0.2.2 1 2\r\n" + get << QByteArray("200 [2001:db8::5|1|192.0.2.2|2|127.0.0.1]");
    QTest::newRow("v1 with a bad address") << "PROXY TCP4 192.0.2.x 192.0.2.2 1 2\r\n" + get
                                           << QByteArray("no answer");
    QTest::newRow("v2 with version 3") << QByteArray(v2Inet()).replace(12, 1, "\x31") + get
                                       << QByteArray("no answer");
}

void tst_NginxProxyProtocolDifferential::answersAlike()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, expected);
    const QByteArray viaNginx = answer(m_pair.nginxPort(), bytes);
    QVERIFY2(viaNginx.startsWith(expected), viaNginx.constData());
    QCOMPARE(answer(m_pair.wsscopePort(), bytes), viaNginx);
}

// A header that arrives in pieces is read to its end, and not a byte past it.
// (nginx 1.22 parses only what its first read got and closes otherwise;
// wsscope waits for the rest, within client_header_timeout.)
void tst_NginxProxyProtocolDifferential::headerInPieces()
{
    const QByteArray header = v2Inet(QByteArray("\x04\x00\x03" "abc", 6));
    const QByteArray request = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    {
        const quint16 port = m_pair.wsscopePort();
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(s.waitForConnected(5000));
        const QByteArrayList pieces{header.first(5), header.sliced(5, 12), QByteArray(header.sliced(17) + request.first(3))};
        for (const QByteArray &piece : pieces) {
            s.write(piece);
            QVERIFY(s.waitForBytesWritten(2000));
            QTest::qWait(100); // each piece its own read
        }
        s.write(request.sliced(3));
        const HttpResult r = readHttpResponse(s, 5000);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("[203.0.113.9|51000|198.51.100.1|443|127.0.0.1]"));
    }
}

// ProxyProtocol::parse on its own: every prefix of a valid header asks for
// more, the whole one says its length (what follows is the client's).
void tst_NginxProxyProtocolDifferential::parser_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<int>("tlvs");
    QTest::newRow("v1") << QByteArray("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n") << 0;
    QTest::newRow("v1 UNKNOWN, the shortest") << QByteArray("PROXY UNKNOWN\r\n") << 0;
    QTest::newRow("v2 with two TLVs") << v2Inet(QByteArray("\x01\x00\x02h2\x05\x00\x00", 8)) << 2;
    QTest::newRow("v2 LOCAL") << v2(0, 0x00, {}) << 0;
}

void tst_NginxProxyProtocolDifferential::parser()
{
    QFETCH(QByteArray, header);
    QFETCH(int, tlvs);
    ProxyProtocolHeader h;
    qsizetype length = 0;
    QByteArray why;
    for (qsizetype n = 1; n < header.size(); ++n)
        QCOMPARE(ProxyProtocol::parse(header.first(n), &h, &length, &why), ProxyProtocol::Result::NeedMore);
    const QByteArray withRequest = header + "GET / HTTP/1.1\r\n";
    QCOMPARE(ProxyProtocol::parse(withRequest, &h, &length, &why), ProxyProtocol::Result::Done);
    QCOMPARE(length, header.size());
    QCOMPARE(h.tlvs.size(), tlvs);
    // A TLV that runs past the header's length is refused.
    if (tlvs > 0) {
        QByteArray broken = header;
        broken[16 + 12 + 1] = char(0x7f);
        QCOMPARE(ProxyProtocol::parse(broken, &h, &length, &why), ProxyProtocol::Result::Invalid);
    }
}

QTEST_GUILESS_MAIN(tst_NginxProxyProtocolDifferential)
#include "tst_nginx_proxyprotocol_differential.moc"
