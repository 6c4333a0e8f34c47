// DnsClient asking again over TCP what came back truncated over UDP
// (RFC 1035 4.2.2, RFC 7766; nginx's ngx_resolver_send_tcp_query). A name
// server of the test's own listens on one loopback port for UDP and TCP:
// over UDP it answers with TC set and an address the client must not use,
// over TCP with the whole answer, in the ways a server may (split across
// segments, several answers in one, closing, or never answering).

#include "net/dnsclient.h"
#include "net/dnsmessage.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QUdpSocket>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

QByteArray be16(quint16 v)
{
    return QByteArray(1, char(v >> 8)) + char(v & 0xff);
}

quint16 readBe16(const QByteArray &b, qsizetype at)
{
    return quint16((quint8(b[at]) << 8) | quint8(b[at + 1]));
}

QByteArray framed(const QByteArray &message)
{
    return be16(quint16(message.size())) + message;
}

// The reply to `query` (header + one question, as DnsClient sends it) with
// `addresses` of the asked type; `flags` adds header bits (0x0200: TC).
QByteArray replyTo(const QByteArray &query, const QList<QHostAddress> &addresses, quint16 flags = 0)
{
    const quint16 type = readBe16(query, query.size() - 4);
    QByteArray records;
    int count = 0;
    for (const QHostAddress &a : addresses) {
        const bool v6 = a.protocol() == QAbstractSocket::IPv6Protocol;
        if ((type == Dns::AAAA) != v6)
            continue;
        QByteArray rdata;
        if (v6) {
            const Q_IPV6ADDR ip = a.toIPv6Address();
            rdata = QByteArray(reinterpret_cast<const char *>(ip.c), 16);
        } else {
            const quint32 ip = a.toIPv4Address();
            rdata = be16(quint16(ip >> 16)) + be16(quint16(ip & 0xffff));
        }
        records += be16(0xc00c) + be16(type) + be16(1) + be16(0) + be16(60) + be16(quint16(rdata.size())) + rdata;
        ++count;
    }
    return query.left(2) + be16(quint16(0x8180 | flags)) + be16(1) + be16(quint16(count)) + be16(0) + be16(0)
        + query.mid(12) + records;
}

} // namespace

// UDP and TCP on one loopback port. Every UDP question gets a truncated
// answer naming 192.0.2.66; what TCP questions get depends on the mode.
class LoopbackDns final : public QObject
{
    Q_OBJECT

public:
    enum class Tcp {
        Answer,          // each framed answer as its question arrives
        Split,           // an answer written in two pieces, the first one byte
        BothAtOnce,      // waits for two questions, then both answers in one write, last asked first
        CloseUnanswered, // reads the question, closes
        TruncatedAgain,  // TC set over TCP too
        Silent,          // reads, never answers
        Refused,         // no TCP listener on the port
    };

    explicit LoopbackDns(Tcp mode)
        : m_mode(mode)
    {
    }

    bool listen()
    {
        for (int attempt = 0; attempt < 20; ++attempt) {
            m_tcp = std::make_unique<QTcpServer>();
            if (!m_tcp->listen(QHostAddress::LocalHost, 0))
                return false;
            m_udp = std::make_unique<QUdpSocket>();
            if (!m_udp->bind(QHostAddress::LocalHost, m_tcp->serverPort()))
                continue; // the UDP port is taken: another pair
            m_port = m_tcp->serverPort();
            if (m_mode == Tcp::Refused)
                m_tcp->close();
            connect(m_udp.get(), &QUdpSocket::readyRead, this, &LoopbackDns::udpReadable);
            connect(m_tcp.get(), &QTcpServer::newConnection, this, &LoopbackDns::accepted);
            return true;
        }
        return false;
    }
    quint16 port() const { return m_port; }
    DnsResolver::NameServer server() const { return {QHostAddress::LocalHost, m_port}; }

    QList<QHostAddress> tcpAddresses = {QHostAddress(u"192.0.2.1"_s), QHostAddress(u"192.0.2.2"_s),
                                        QHostAddress(u"2001:db8::7"_s)};
    QList<QByteArray> udpQuestions;
    QByteArray tcpReceived; // every byte that came over TCP, in order
    int tcpConnections = 0;
    int tcpClosedByPeer = 0;

private:
    void udpReadable()
    {
        while (m_udp->hasPendingDatagrams()) {
            QHostAddress from;
            quint16 fromPort = 0;
            QByteArray q(int(m_udp->pendingDatagramSize()), '\0');
            q.resize(m_udp->readDatagram(q.data(), q.size(), &from, &fromPort));
            udpQuestions += q;
            m_udp->writeDatagram(replyTo(q, {QHostAddress(u"192.0.2.66"_s)}, 0x0200), from, fromPort);
        }
    }
    void accepted()
    {
        while (QTcpSocket *s = m_tcp->nextPendingConnection()) {
            ++tcpConnections;
            connect(s, &QTcpSocket::readyRead, this, [this, s] { tcpReadable(s); });
            connect(s, &QTcpSocket::disconnected, this, [this, s] {
                ++tcpClosedByPeer;
                s->deleteLater();
            });
        }
    }
    void tcpReadable(QTcpSocket *s)
    {
        const QByteArray data = s->readAll();
        tcpReceived += data;
        m_buffer += data;
        while (m_buffer.size() >= 2 && m_buffer.size() >= 2 + readBe16(m_buffer, 0)) {
            const QByteArray q = m_buffer.mid(2, readBe16(m_buffer, 0));
            m_buffer.remove(0, 2 + q.size());
            answer(s, q);
        }
    }
    void answer(QTcpSocket *s, const QByteArray &q)
    {
        switch (m_mode) {
        case Tcp::Answer:
        case Tcp::Refused:
            s->write(framed(replyTo(q, tcpAddresses)));
            break;
        case Tcp::Split: {
            const QByteArray whole = framed(replyTo(q, tcpAddresses));
            s->write(whole.left(1));
            s->flush();
            QTimer::singleShot(100, s, [s, whole] { s->write(whole.mid(1)); });
            break;
        }
        case Tcp::BothAtOnce:
            m_held.prepend(framed(replyTo(q, tcpAddresses)));
            if (m_held.size() == 2)
                s->write(m_held.join());
            break;
        case Tcp::CloseUnanswered:
            s->close();
            break;
        case Tcp::TruncatedAgain:
            s->write(framed(replyTo(q, tcpAddresses, 0x0200)));
            break;
        case Tcp::Silent:
            break;
        }
    }

    const Tcp m_mode;
    std::unique_ptr<QTcpServer> m_tcp;
    std::unique_ptr<QUdpSocket> m_udp;
    quint16 m_port = 0;
    QByteArray m_buffer;
    QList<QByteArray> m_held;
};

class tst_DnsTcp : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void truncatedAnswerIsAskedAgainOverTcp();
    void answerSplitAcrossSegments();
    void twoAnswersInOneSegmentInEitherOrder();
    void refusedConnectionIsLoggedAndTimesOut();
    void connectionClosedUnderTheQuestion();
    void truncatedOverTcpIsIgnored();
    void resendGoesOverTcpToTheNextServer();
    void idleConnectionIsClosed();

private:
    // Resolves `name` through `servers`; true once the callback came.
    bool resolve(const QList<DnsResolver::NameServer> &servers, bool ipv6, qint64 timeoutMs, int waitMs);

    std::unique_ptr<DnsClient> m_client;
    std::unique_ptr<QTimer> m_tick;
    DnsClient::Result m_result;
    bool m_done = false;
    qint64 m_elapsedMs = 0;
};

void tst_DnsTcp::init()
{
    m_client = std::make_unique<DnsClient>();
    m_tick = std::make_unique<QTimer>();
    m_tick->setInterval(50);
    connect(m_tick.get(), &QTimer::timeout, this, [this] { m_client->tick(); });
    m_tick->start();
    m_result = {};
    m_done = false;
}

void tst_DnsTcp::cleanup()
{
    m_tick.reset();
    m_client.reset();
}

bool tst_DnsTcp::resolve(const QList<DnsResolver::NameServer> &servers, bool ipv6, qint64 timeoutMs, int waitMs)
{
    auto resolver = std::make_shared<DnsResolver>(servers, 0, ipv6);
    QElapsedTimer t;
    t.start();
    m_client->resolve(resolver, "big.test", timeoutMs, [this, t](const DnsClient::Result &r) {
        m_result = r;
        m_done = true;
        m_elapsedMs = t.elapsed();
    });
    return QTest::qWaitFor([this] { return m_done; }, waitMs);
}

void tst_DnsTcp::truncatedAnswerIsAskedAgainOverTcp()
{
    LoopbackDns dns(LoopbackDns::Tcp::Answer);
    QVERIFY(dns.listen());
    QVERIFY(resolve({dns.server()}, false, 3000, 5000));
    QVERIFY2(m_result.ok, qPrintable(m_result.error));
    // The TCP answer replaces the truncated one (whose 192.0.2.66 is not used).
    QCOMPARE(m_result.addresses, (QList<QHostAddress>{QHostAddress(u"192.0.2.1"_s), QHostAddress(u"192.0.2.2"_s)}));
    QCOMPARE(dns.udpQuestions.size(), 1);
    QCOMPARE(dns.tcpConnections, 1);
    // The same message, id included, behind its two-byte length.
    QCOMPARE(dns.tcpReceived, framed(dns.udpQuestions.constFirst()));
    QVERIFY(m_elapsedMs < 1000);
}

void tst_DnsTcp::answerSplitAcrossSegments()
{
    LoopbackDns dns(LoopbackDns::Tcp::Split);
    QVERIFY(dns.listen());
    QVERIFY(resolve({dns.server()}, false, 3000, 5000));
    QVERIFY2(m_result.ok, qPrintable(m_result.error));
    QCOMPARE(m_result.addresses.size(), 2);
    QVERIFY(m_elapsedMs >= 90); // it waited for the second piece
}

void tst_DnsTcp::twoAnswersInOneSegmentInEitherOrder()
{
    LoopbackDns dns(LoopbackDns::Tcp::BothAtOnce);
    QVERIFY(dns.listen());
    QVERIFY(resolve({dns.server()}, true, 3000, 5000)); // A and AAAA, both truncated
    QVERIFY2(m_result.ok, qPrintable(m_result.error));
    QCOMPARE(m_result.addresses, (QList<QHostAddress>{QHostAddress(u"192.0.2.1"_s), QHostAddress(u"192.0.2.2"_s),
                                                      QHostAddress(u"2001:db8::7"_s)}));
    QCOMPARE(dns.udpQuestions.size(), 2);
    QCOMPARE(dns.tcpConnections, 1); // one link carries both
    const QByteArray a = framed(dns.udpQuestions.at(0));
    const QByteArray b = framed(dns.udpQuestions.at(1));
    QVERIFY(dns.tcpReceived == a + b || dns.tcpReceived == b + a);
}

void tst_DnsTcp::refusedConnectionIsLoggedAndTimesOut()
{
    LoopbackDns dns(LoopbackDns::Tcp::Refused);
    QVERIFY(dns.listen());
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(u"^connect\\(\\) to 127\\.0\\.0\\.1:%1 failed \\(111: .*\\) while "
                                            "resolving over TCP$"_s.arg(dns.port())));
    QVERIFY(resolve({dns.server()}, false, 600, 5000));
    QVERIFY(!m_result.ok);
    QCOMPARE(m_result.code, int(Dns::TimedOut)); // resolver_timeout bounds the wait, as in nginx
    QVERIFY2(m_elapsedMs >= 550 && m_elapsedMs < 2000, qPrintable(QString::number(m_elapsedMs)));
    QCOMPARE(dns.udpQuestions.size(), 1);
}

void tst_DnsTcp::connectionClosedUnderTheQuestion()
{
    LoopbackDns dns(LoopbackDns::Tcp::CloseUnanswered);
    QVERIFY(dns.listen());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^DNS server 127\\.0\\.0\\.1:%1 closed the TCP "
                                                          "connection before answering$"_s.arg(dns.port())));
    QVERIFY(resolve({dns.server()}, false, 600, 5000));
    QVERIFY(!m_result.ok);
    QCOMPARE(m_result.code, int(Dns::TimedOut));
    QCOMPARE(dns.tcpConnections, 1);
}

void tst_DnsTcp::truncatedOverTcpIsIgnored()
{
    LoopbackDns dns(LoopbackDns::Tcp::TruncatedAgain);
    QVERIFY(dns.listen());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^invalid TCP DNS response \\d+ \\(truncated\\) for big\\.test$"_s));
    QVERIFY(resolve({dns.server()}, false, 600, 5000));
    QVERIFY(!m_result.ok);
    QCOMPARE(m_result.code, int(Dns::TimedOut));
    QCOMPARE(dns.udpQuestions.size(), 1); // not asked over UDP again either
}

// The first server truncates and then says nothing over TCP: the resend
// (5 s, nginx's resend_timeout) goes to the next server over TCP, not UDP.
void tst_DnsTcp::resendGoesOverTcpToTheNextServer()
{
    LoopbackDns silent(LoopbackDns::Tcp::Silent);
    LoopbackDns next(LoopbackDns::Tcp::Answer);
    QVERIFY(silent.listen());
    QVERIFY(next.listen());
    next.tcpAddresses = {QHostAddress(u"192.0.2.9"_s)};
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^DNS server 127\\.0\\.0\\.1:%1 did not answer over TCP "
                                                          "in 5 s$"_s.arg(silent.port())));
    QVERIFY(resolve({silent.server(), next.server()}, false, 8000, 9000));
    QVERIFY2(m_result.ok, qPrintable(m_result.error));
    QCOMPARE(m_result.addresses, QList<QHostAddress>{QHostAddress(u"192.0.2.9"_s)});
    QVERIFY2(m_elapsedMs >= 4900, qPrintable(QString::number(m_elapsedMs)));
    QCOMPARE(silent.udpQuestions.size(), 1);
    QCOMPARE(silent.tcpConnections, 1);
    QVERIFY(next.udpQuestions.isEmpty());
    QCOMPARE(next.tcpReceived, framed(silent.udpQuestions.constFirst())); // same id on the new server
    // The silent link is closed within a tick or two of its 5 s.
    QTRY_COMPARE_WITH_TIMEOUT(silent.tcpClosedByPeer, 1, 2000);
}

void tst_DnsTcp::idleConnectionIsClosed()
{
    LoopbackDns dns(LoopbackDns::Tcp::Answer);
    QVERIFY(dns.listen());
    QVERIFY(resolve({dns.server()}, false, 3000, 5000));
    QVERIFY(m_result.ok);
    QElapsedTimer t;
    t.start();
    QCOMPARE(dns.tcpClosedByPeer, 0);
    QTRY_COMPARE_WITH_TIMEOUT(dns.tcpClosedByPeer, 1, 7000);
    QVERIFY2(t.elapsed() >= 4000, qPrintable(QString::number(t.elapsed())));
}

QTEST_GUILESS_MAIN(tst_DnsTcp)
#include "tst_dnstcp.moc"
