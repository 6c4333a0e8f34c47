// proxy_pass with variables and `resolver`: the DNS messages (Dns::), and
// the real binary asking a tiny DNS server on loopback
// (tests/peers/dns_server.py prints every question it gets, so the tests
// count what reached it) for hosts it then proxies to a real upstream.

#include "config/configcompiler.h"
#include "net/dnsmessage.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace TestSupport;
using namespace Qt::StringLiterals;

class tst_Resolver : public QObject
{
    Q_OBJECT

private slots:
    void encodesAQuestion();
    void readsAnswers();
    void readsACnameChainAnsweredAtOnce();
    void noAnswerIsNxdomain();
    void rejectsWhatIsNotTheReply_data();
    void rejectsWhatIsNotTheReply();
    void configErrors_data();
    void configErrors();

    void init();
    void resolvesAndCachesForTheTtl();
    void validOverridesTheTtl();
    void cacheIgnoresCase();
    void followsCname();
    void failuresAre502WithNginxsLogLine_data();
    void failuresAre502WithNginxsLogLine();
    void timeoutIs502();
    void noResolverIs502();
    void upstreamNameAndAddressNeedNoDns();
    void evaluatedUriReplacesTheTarget();
    void ipv6AsksBothTypes();
    void truncatedAnswerIsAskedOverTcp();

private:
    bool start(const QStringList &records, const QByteArray &resolverParams = "ipv6=off");
    HttpResult get(const QByteArray &host, const QByteArray &path = "/x");
    int questions(const QByteArray &nameAndType);

    QTemporaryDir m_dir;
    std::unique_ptr<PeerProcess> m_dns;
    std::unique_ptr<PeerProcess> m_upstream;
    std::unique_ptr<PeerProcess> m_proxy;
    int m_confs = 0;
};

namespace {

QByteArray be16(quint16 v)
{
    return QByteArray(1, char(v >> 8)) + char(v & 0xff);
}

// A reply to `name` A: header, the question, then `answers` (raw records).
QByteArray reply(quint16 id, int rcode, const QByteArray &name, const QList<QByteArray> &answers, quint16 type = 1)
{
    const QByteArray question = Dns::encodeQuery(id, name, type).mid(12);
    return be16(id) + be16(quint16(0x8180 | rcode)) + be16(1) + be16(quint16(answers.size())) + be16(0) + be16(0)
        + question + answers.join();
}

QByteArray record(quint16 type, quint32 ttl, const QByteArray &rdata, quint16 owner = 0xc00c)
{
    return be16(owner) + be16(type) + be16(1) + be16(quint16(ttl >> 16)) + be16(quint16(ttl & 0xffff))
        + be16(quint16(rdata.size())) + rdata;
}

QByteArray ipv4(const char *dotted)
{
    const quint32 a = QHostAddress(QString::fromLatin1(dotted)).toIPv4Address();
    return be16(quint16(a >> 16)) + be16(quint16(a & 0xffff));
}

} // namespace

void tst_Resolver::encodesAQuestion()
{
    const QByteArray q = Dns::encodeQuery(0x1234, "a.example", Dns::A);
    QCOMPARE(q, QByteArray::fromHex("123401000001000000000000") + "\x01" "a" "\x07" "example" + QByteArray(1, '\0')
                    + QByteArray::fromHex("00010001"));
    QVERIFY(Dns::encodeQuery(1, "a..b", Dns::A).isEmpty());
    QVERIFY(Dns::encodeQuery(1, QByteArray(64, 'x'), Dns::A).isEmpty());
    QVERIFY(!Dns::encodeQuery(1, QByteArray(63, 'x'), Dns::A).isEmpty());
}

void tst_Resolver::readsAnswers()
{
    const QByteArray p = reply(7, 0, "a.test", {record(1, 300, ipv4("192.0.2.1")), record(1, 60, ipv4("192.0.2.2"))});
    const Dns::Reply r = Dns::parseReply(p, "A.Test", Dns::A);
    QCOMPARE(r.status, Dns::Reply::Status::Answered);
    QCOMPARE(r.code, 0);
    QCOMPARE(r.addresses, (QList<QHostAddress>{QHostAddress(u"192.0.2.1"_s), QHostAddress(u"192.0.2.2"_s)}));
    QCOMPARE(r.ttl, 60u); // the shortest
    QCOMPARE(Dns::messageId(p), 7);
}

void tst_Resolver::readsACnameChainAnsweredAtOnce()
{
    // c.test CNAME alias.test (its name compressed against the question),
    // then alias.test A: the address counts although its owner differs.
    const QByteArray alias = "\x05" "alias" "\xc0\x0e"; // "alias" + pointer to "test"
    const QByteArray p = reply(9, 0, "c.test", {record(5, 5, alias), record(1, 300, ipv4("192.0.2.9"), 0xc01e)});
    const Dns::Reply r = Dns::parseReply(p, "c.test", Dns::A);
    QCOMPARE(r.status, Dns::Reply::Status::Answered);
    QCOMPARE(r.addresses, QList<QHostAddress>{QHostAddress(u"192.0.2.9"_s)});
    QCOMPARE(r.ttl, 5u); // the chain lives as long as the CNAME

    const Dns::Reply only = Dns::parseReply(reply(9, 0, "c.test", {record(5, 5, alias)}), "c.test", Dns::A);
    QCOMPARE(only.cname, QByteArray("alias.test"));
    QVERIFY(only.addresses.isEmpty());
}

void tst_Resolver::noAnswerIsNxdomain()
{
    const Dns::Reply r = Dns::parseReply(reply(1, 0, "n.test", {}), "n.test", Dns::A);
    QCOMPARE(r.status, Dns::Reply::Status::Answered);
    QCOMPARE(r.code, int(Dns::NxDomain));
    QCOMPARE(Dns::errorText(r.code), u"Host not found"_s);
    QCOMPARE(Dns::parseReply(reply(1, 2, "n.test", {}), "n.test", Dns::A).code, int(Dns::ServFail));
}

void tst_Resolver::rejectsWhatIsNotTheReply_data()
{
    QTest::addColumn<QByteArray>("packet");
    QTest::newRow("short") << QByteArray("\x00\x01\x81", 3);
    QTest::newRow("another name") << reply(1, 0, "b.test", {record(1, 1, ipv4("192.0.2.1"))});
    QTest::newRow("another type") << reply(1, 0, "a.test", {}, Dns::AAAA);
    QByteArray query = reply(1, 0, "a.test", {});
    query[2] = 0x01; // not a response (QR clear)
    QTest::newRow("a query") << query;
    QTest::newRow("empty address") << reply(1, 0, "a.test", {record(1, 1, QByteArray())});
    QTest::newRow("cut record") << reply(1, 0, "a.test", {record(1, 1, ipv4("192.0.2.1"))}).chopped(2);
    QByteArray loop = reply(1, 0, "a.test", {record(5, 1, "\xc0\x28")}); // a CNAME pointing at itself
    QTest::newRow("pointer loop") << loop;
}

void tst_Resolver::rejectsWhatIsNotTheReply()
{
    QFETCH(QByteArray, packet);
    const Dns::Reply r = Dns::parseReply(packet, "a.test", Dns::A);
    QCOMPARE(r.status, Dns::Reply::Status::Invalid);
}

void tst_Resolver::configErrors_data()
{
    QTest::addColumn<QByteArray>("directive");
    QTest::addColumn<QString>("message");
    QTest::newRow("valid") << QByteArray("resolver 127.0.0.1 valid=x;") << u"invalid parameter: valid=x"_s;
    QTest::newRow("ipv6") << QByteArray("resolver 127.0.0.1 ipv6=maybe;") << u"invalid parameter: ipv6=maybe"_s;
    QTest::newRow("port") << QByteArray("resolver 127.0.0.1:99999;") << u"invalid parameter: 127.0.0.1:99999"_s;
    QTest::newRow("no server") << QByteArray("resolver valid=5s;") << u"no name servers in \"resolver\""_s;
    QTest::newRow("timeout") << QByteArray("resolver_timeout soon;") << u"invalid value"_s;
    QTest::newRow("variable") << QByteArray("proxy_pass http://$nosuchvar;") << u"nosuchvar"_s;
}

void tst_Resolver::configErrors()
{
    QFETCH(QByteArray, directive);
    QFETCH(QString, message);
    const QByteArray conf = "http { server { listen 127.0.0.1:0; location / {\n" + directive + "\n} } }\n";
    const ConfigCompileResult r = ConfigCompiler::compileText(conf, u"t.conf"_s);
    QVERIFY(!r.ok());
    bool found = false;
    for (const ConfDiagnostic &d : r.diagnostics)
        found = found || (d.isError() && d.location.line == 2 && d.message.contains(message));
    QVERIFY2(found, qPrintable(r.diagnostics.isEmpty() ? QString() : r.diagnostics.constFirst().toString()));
}

// ---------------------------------------------------------------- the binary

void tst_Resolver::init()
{
    m_proxy.reset();
    m_dns.reset();
    m_upstream = std::make_unique<PeerProcess>();
    QVERIFY(m_upstream->startPython(u"counting_upstream.py"_s));
}

bool tst_Resolver::start(const QStringList &records, const QByteArray &resolverParams)
{
    m_dns = std::make_unique<PeerProcess>();
    if (!m_dns->startPython(u"dns_server.py"_s, records))
        return false;
    const QByteArray port = QByteArray::number(m_upstream->port());
    const QByteArray conf = "worker_processes 2;\nhttp {\n  upstream named { server 127.0.0.1:" + port + "; }\n"
        "  server {\n    listen 127.0.0.1:0;\n    resolver 127.0.0.1:" + QByteArray::number(m_dns->port()) + ' '
        + resolverParams + ";\n    resolver_timeout 1s;\n"
          "    location / { proxy_pass http://$arg_h:" + port + "; }\n"
          "    location /up { proxy_pass http://$arg_h; }\n"
          "    location /uri { proxy_pass http://named/fixed$is_args$args; }\n"
          "  }\n}\n";
    const QString path = m_dir.filePath(u"resolver%1.conf"_s.arg(++m_confs));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(conf) != conf.size())
        return false;
    f.close();
    m_proxy = std::make_unique<PeerProcess>();
    return m_proxy->start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, path});
}

HttpResult tst_Resolver::get(const QByteArray &host, const QByteArray &path)
{
    const QByteArray sep = path.contains('?') ? "&" : "?";
    return httpExchange(m_proxy->port(), "GET " + path + sep + "h=" + host + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                        10'000);
}

int tst_Resolver::questions(const QByteArray &nameAndType)
{
    QTest::qWait(150); // the server prints as it answers; QProcess reads in the event loop
    return int(m_dns->output().count(QByteArray("query " + nameAndType + "\n")));
}

void tst_Resolver::resolvesAndCachesForTheTtl()
{
    QVERIFY(start({u"a.test=127.0.0.1/1"_s}));
    QCOMPARE(get("a.test").status, 200);
    QCOMPARE(get("a.test").status, 200);
    QCOMPARE(get("a.test").status, 200);
    QCOMPARE(questions("a.test A"), 1); // both worker threads use the one cache
    QCOMPARE(questions("a.test AAAA"), 0); // ipv6=off
    QThread::msleep(1200);
    QCOMPARE(get("a.test").status, 200);
    QCOMPARE(questions("a.test A"), 2); // the TTL ran out
}

void tst_Resolver::validOverridesTheTtl()
{
    QVERIFY(start({u"a.test=once:127.0.0.1/1"_s}, "ipv6=off valid=30s"));
    QCOMPARE(get("a.test").status, 200);
    QThread::msleep(1200); // past the TTL, well within valid=
    QCOMPARE(get("a.test").status, 200); // a second question would get SERVFAIL
    QCOMPARE(questions("a.test A"), 1);
}

void tst_Resolver::cacheIgnoresCase()
{
    QVERIFY(start({u"case.test=once:127.0.0.1"_s}));
    QCOMPARE(get("case.test").status, 200);
    QCOMPARE(get("CASE.Test").status, 200); // a second question would get SERVFAIL
    QCOMPARE(questions("case.test A"), 1);
}

void tst_Resolver::followsCname()
{
    QVERIFY(start({u"c.test=cname:alias.test"_s, u"alias.test=127.0.0.1"_s}));
    QCOMPARE(get("c.test").status, 200);
    QCOMPARE(questions("c.test A"), 1);
    QCOMPARE(questions("alias.test A"), 1);
}

void tst_Resolver::failuresAre502WithNginxsLogLine_data()
{
    QTest::addColumn<QString>("record");
    QTest::addColumn<QByteArray>("logged");
    QTest::newRow("servfail") << u"f.test=servfail"_s << QByteArray("f.test could not be resolved (2: Server failure)");
    QTest::newRow("nxdomain") << u"f.test=nxdomain"_s << QByteArray("f.test could not be resolved (3: Host not found)");
    QTest::newRow("cname to nothing") << u"f.test=cname:gone.test"_s
                                      << QByteArray("f.test could not be resolved (3: Host not found)");
}

void tst_Resolver::failuresAre502WithNginxsLogLine()
{
    QFETCH(QString, record);
    QFETCH(QByteArray, logged);
    QVERIFY(start({record}));
    const HttpResult r = get("f.test");
    QCOMPARE(r.status, 502);
    QVERIFY(m_proxy->waitForOutput(logged, 5000));
    // Failures are not cached: the next request asks again.
    QCOMPARE(get("f.test").status, 502);
    QCOMPARE(questions("f.test A"), 2);
}

void tst_Resolver::timeoutIs502()
{
    QVERIFY(start({u"slow.test=silent"_s}));
    QElapsedTimer t;
    t.start();
    const HttpResult r = get("slow.test");
    QCOMPARE(r.status, 502);
    QVERIFY2(t.elapsed() >= 900 && t.elapsed() < 4000, qPrintable(QString::number(t.elapsed())));
    QVERIFY(m_proxy->waitForOutput("slow.test could not be resolved (110: Operation timed out)", 5000));
}

void tst_Resolver::noResolverIs502()
{
    QVERIFY(start({}));
    // A configuration without any resolver: the same proxy_pass fails per request.
    const QByteArray port = QByteArray::number(m_upstream->port());
    const QByteArray conf = "http { server { listen 127.0.0.1:0; location / { proxy_pass http://$arg_h:" + port
        + "; } } }\n";
    const QString path = m_dir.filePath(u"norez.conf"_s);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(conf);
    f.close();
    m_proxy = std::make_unique<PeerProcess>();
    QVERIFY(m_proxy->start(wsscopeBinary(), {u"--no-gui"_s, u"-c"_s, path}));
    QCOMPARE(get("a.test").status, 502);
    QVERIFY(m_proxy->waitForOutput("no resolver defined to resolve a.test", 5000));
    QCOMPARE(get("127.0.0.1").status, 200); // an address needs none
}

// An evaluated host that names an upstream block goes to it; an address
// is used as it is. Neither asks the DNS.
void tst_Resolver::upstreamNameAndAddressNeedNoDns()
{
    QVERIFY(start({}));
    QCOMPARE(get("named", "/up").status, 200);
    QCOMPARE(get("NAMED", "/up").status, 200);
    QCOMPARE(get("127.0.0.1").status, 200);
    QCOMPARE(questions("named A"), 0);
    QVERIFY(!m_dns->output().contains("query "));
}

// With a URI part the evaluated URL is the whole request-target (nginx
// passes no client target then); without one the client's goes unchanged.
void tst_Resolver::evaluatedUriReplacesTheTarget()
{
    QVERIFY(start({}));
    const HttpResult fixed = get("x", "/uri/some/where?q=1");
    QCOMPARE(fixed.status, 200);
    QCOMPARE(fixed.header("X-Path"), QByteArray("/fixed?q=1&h=x"));
    const HttpResult plain = get("named", "/up/keep/this");
    QCOMPARE(plain.status, 200);
    QCOMPARE(plain.header("X-Path"), QByteArray("/up/keep/this?h=named"));
}

// ipv6=on (nginx's default) asks AAAA too; the A answer is enough.
void tst_Resolver::ipv6AsksBothTypes()
{
    QVERIFY(start({u"a.test=127.0.0.1"_s}, ""));
    QCOMPARE(get("a.test").status, 200);
    QCOMPARE(questions("a.test A"), 1);
    QCOMPARE(questions("a.test AAAA"), 1);
}

// A truncated UDP answer (naming 127.0.0.2, where nothing listens) is asked
// again over TCP by the worker thread; the TCP answer is the one proxied to.
void tst_Resolver::truncatedAnswerIsAskedOverTcp()
{
    QVERIFY(start({u"big.test=tc:127.0.0.1/60"_s}));
    QCOMPARE(get("big.test").status, 200);
    QCOMPARE(questions("big.test A"), 1);
    QCOMPARE(questions("big.test A tcp"), 1);
    QCOMPARE(get("big.test").status, 200); // cached from the TCP answer
    QCOMPARE(questions("big.test A tcp"), 1);
}

QTEST_GUILESS_MAIN(tst_Resolver)
#include "tst_resolver.moc"
