#include "proxy/upstreamattempt.h"
#include "config/proxyconfig.h"

#include <QTest>

// The proxy_next_upstream policy of UpstreamAttempt (nginx's
// ngx_http_upstream_test_next), without a socket: whether a failure may move
// on to another server.
class tst_UpstreamAttempt final : public QObject
{
    Q_OBJECT

private slots:
    void mayTryNext_data();
    void mayTryNext();
    void conditionForStatus_data();
    void conditionForStatus();
};

namespace {

// Never called: these tests connect nothing.
class NoHandler final : public TcpStream::Handler
{
public:
    void streamReadable(TcpStream *) override {}
    void streamDrained(TcpStream *) override {}
    void streamConnected(TcpStream *) override {}
};

UpstreamSource source(quint32 nextUpstream)
{
    UpstreamServer server;
    server.name = "127.0.0.1:9";
    server.address = QHostAddress(QHostAddress::LocalHost);
    server.port = 9;
    UpstreamSource s;
    s.group = std::make_shared<UpstreamGroup>("g", QList<UpstreamServer>{server, server});
    s.nextUpstream = nextUpstream;
    return s;
}

} // namespace

void tst_UpstreamAttempt::mayTryNext_data()
{
    QTest::addColumn<quint32>("configured");
    QTest::addColumn<quint32>("condition");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<bool>("requestSent");
    QTest::addColumn<bool>("clientAllows");
    QTest::addColumn<bool>("expected");

    using namespace NextUpstream;
    const quint32 byDefault = Error | Timeout; // nginx: proxy_next_upstream error timeout
    QTest::newRow("error, by default") << byDefault << quint32(Error) << QByteArray("GET") << true << true << true;
    QTest::newRow("timeout, by default") << byDefault << quint32(Timeout) << QByteArray("GET") << true << true << true;
    QTest::newRow("invalid_header not configured") << byDefault << quint32(InvalidHeader) << QByteArray("GET") << true
                                                   << true << false;
    QTest::newRow("http_502 not configured") << byDefault << quint32(Http502) << QByteArray("GET") << true << true
                                             << false;
    QTest::newRow("http_502 configured") << (byDefault | Http502) << quint32(Http502) << QByteArray("GET") << true
                                         << true << true;
    QTest::newRow("off") << quint32(Off) << quint32(Error) << QByteArray("GET") << false << true << false;
    QTest::newRow("POST not sent yet (connect failed)") << byDefault << quint32(Error) << QByteArray("POST") << false
                                                        << true << true;
    QTest::newRow("POST sent: needs non_idempotent") << byDefault << quint32(Error) << QByteArray("POST") << true
                                                     << true << false;
    QTest::newRow("POST sent with non_idempotent") << (byDefault | NonIdempotent) << quint32(Error)
                                                   << QByteArray("POST") << true << true << true;
    QTest::newRow("PATCH sent") << byDefault << quint32(Timeout) << QByteArray("PATCH") << true << true << false;
    QTest::newRow("LOCK sent") << byDefault << quint32(Timeout) << QByteArray("LOCK") << true << true << false;
    QTest::newRow("PUT sent: idempotent") << byDefault << quint32(Error) << QByteArray("PUT") << true << true << true;
    QTest::newRow("the client side forbids it (response started, body sent)")
        << byDefault << quint32(Error) << QByteArray("GET") << true << false << false;
}

void tst_UpstreamAttempt::mayTryNext()
{
    QFETCH(quint32, configured);
    QFETCH(quint32, condition);
    QFETCH(QByteArray, method);
    QFETCH(bool, requestSent);
    QFETCH(bool, clientAllows);
    QFETCH(bool, expected);
    NoHandler handler;
    UpstreamAttempt attempt(&handler);
    attempt.begin(source(configured));
    if (requestSent)
        attempt.markRequestSent();
    QCOMPARE(attempt.mayTryNext(condition, method, clientAllows), expected);
}

void tst_UpstreamAttempt::conditionForStatus_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<quint32>("condition");

    QTest::newRow("500") << 500 << quint32(NextUpstream::Http500);
    QTest::newRow("502") << 502 << quint32(NextUpstream::Http502);
    QTest::newRow("503") << 503 << quint32(NextUpstream::Http503);
    QTest::newRow("504") << 504 << quint32(NextUpstream::Http504);
    QTest::newRow("403") << 403 << quint32(NextUpstream::Http403);
    QTest::newRow("404") << 404 << quint32(NextUpstream::Http404);
    QTest::newRow("429") << 429 << quint32(NextUpstream::Http429);
    QTest::newRow("501: none") << 501 << 0u;
    QTest::newRow("200: none") << 200 << 0u;
    QTest::newRow("101: none") << 101 << 0u;
}

void tst_UpstreamAttempt::conditionForStatus()
{
    QFETCH(int, status);
    QFETCH(quint32, condition);
    QCOMPARE(UpstreamAttempt::conditionForStatus(status), condition);
}

QTEST_GUILESS_MAIN(tst_UpstreamAttempt)
#include "tst_upstreamattempt.moc"
