// The balancing methods against nginx's rules (ngx_http_upstream_round_robin.c
// and the ip_hash, hash, least_conn and random modules of nginx 1.22), with a
// fake clock: decisions take `nowMs` explicitly.

#include "config/configcompiler.h"
#include "upstream/consistenthash.h"
#include "upstream/upstreamgroup.h"

#include <QTest>
#include <QThread>

#include <memory>

using Method = UpstreamBalancing::Method;
using Outcome = UpstreamGroup::Outcome;

namespace {

constexpr qint64 kT0 = 1'000'000; // fake clock start (ms)

UpstreamServer server(const char *name, int weight = 1)
{
    UpstreamServer s;
    s.name = name;
    const QByteArray n(name);
    const qsizetype colon = n.lastIndexOf(':');
    s.address = QHostAddress(QString::fromLatin1(n.left(colon)));
    s.port = quint16(n.mid(colon + 1).toUInt());
    s.weight = weight;
    return s;
}

std::shared_ptr<UpstreamGroup> group(QList<UpstreamServer> servers, Method method = Method::RoundRobin,
                                     bool consistent = false, bool two = false)
{
    auto g = std::make_shared<UpstreamGroup>("g", std::move(servers));
    UpstreamBalancing b;
    b.method = method;
    b.consistent = consistent;
    b.randomTwo = two;
    g->setBalancing(b);
    return g;
}

QList<UpstreamServer> weighted(const QList<int> &weights)
{
    QList<UpstreamServer> out;
    for (int i = 0; i < weights.size(); ++i) {
        const QByteArray name = "10.0.0." + QByteArray::number(i + 1) + ":80";
        out.append(server(name.constData(), weights.at(i)));
    }
    return out;
}

// One decision, released as a success at once; returns the server index.
qsizetype decide(UpstreamGroup &g, const QHostAddress &client = QHostAddress(), const QByteArray &key = QByteArray(),
                 qint64 now = kT0, UpstreamPick *pick = nullptr)
{
    UpstreamSelection s = g.startSelection(client, key, 0, now);
    const UpstreamPick p = g.pick(s, now);
    g.release(s, Outcome::Ok, now);
    if (pick)
        *pick = p;
    return p.index;
}

// A decision whose connection stays open (counted in least_conn/max_conns).
qsizetype hold(UpstreamGroup &g, std::vector<UpstreamSelection> *held, qint64 now = kT0)
{
    held->push_back(g.startSelection(QHostAddress(), QByteArray(), 0, now));
    return g.pick(held->back(), now).index;
}

// A failed attempt on the server the balancer picks for `client`/`key`.
qsizetype fail(UpstreamGroup &g, qint64 now, const QHostAddress &client = QHostAddress())
{
    UpstreamSelection s = g.startSelection(client, QByteArray(), 0, now);
    const qsizetype i = g.pick(s, now).index;
    g.release(s, Outcome::Failed, now);
    return i;
}

QHostAddress ipv4(quint32 a) { return QHostAddress(a); }

} // namespace

class tst_Balancers : public QObject
{
    Q_OBJECT

private slots:
    void crc32MatchesNginx();
    void smoothRoundRobinSequence_data();
    void smoothRoundRobinSequence();
    void weightsHonoured_data();
    void weightsHonoured();
    void ipHashStablePerSlash24();
    void ipHashIpv6UsesWholeAddress();
    void consistentHashMovesOnlyRemovedServersKeys();
    void consistentHashSkipsDownServerLikeRemoval();
    void hashWithEmptyKeyFallsBackToRoundRobin();
    void leastConnPrefersLeastLoadedWeighted();
    void randomTwoPrefersLessLoaded();
    void maxConnsRespected();
    void backupOnlyWhenPrimariesUnavailable();
    void maxFailsWithinFailTimeout();
    void singleServerIsNeverMarkedFailed();
    void triesCountServersNotDown();
    void skippedReasonsAreReported();
    void ipHashFallsBackAfterTwentyTries();
    void reloadKeepsFailuresAndLiveCounts();
    void concurrentPicksKeepCountsExact();
    void configRules_data();
    void configRules();
};

void tst_Balancers::crc32MatchesNginx()
{
    // CRC-32/ISO-HDLC check value; chained updates equal one pass.
    QCOMPARE(crc32Update(0, "123456789"), 0xCBF43926u);
    QCOMPARE(crc32Update(crc32Update(0, "1234"), "56789"), 0xCBF43926u);
}

void tst_Balancers::smoothRoundRobinSequence_data()
{
    QTest::addColumn<QList<int>>("weights");
    QTest::addColumn<QString>("sequence");
    // nginx's own example in the commit that introduced smooth WRR (1.1.13? 1.0.x: "a a b a c a a").
    QTest::newRow("5,1,1 is a a b a c a a") << QList<int>{5, 1, 1} << QStringLiteral("aabacaa");
    QTest::newRow("equal weights rotate") << QList<int>{1, 1, 1} << QStringLiteral("abcabc");
    QTest::newRow("2,1 interleaves") << QList<int>{2, 1} << QStringLiteral("abaaba");
}

void tst_Balancers::smoothRoundRobinSequence()
{
    QFETCH(QList<int>, weights);
    QFETCH(QString, sequence);
    auto g = group(weighted(weights));
    QString got;
    for (int i = 0; i < sequence.size(); ++i)
        got += QChar(u'a' + int(decide(*g)));
    QCOMPARE(got, sequence);
}

void tst_Balancers::weightsHonoured_data()
{
    QTest::addColumn<int>("method");
    QTest::addColumn<bool>("consistent");
    QTest::addColumn<bool>("two");
    QTest::addColumn<double>("tolerance"); // absolute, in share of 10,000 decisions
    // Weights 3,2,1: shares 1/2, 1/3, 1/6.
    QTest::newRow("round-robin exact") << int(Method::RoundRobin) << false << false << 0.001;
    QTest::newRow("least_conn, released at once (ties: round-robin)") << int(Method::LeastConn) << false << false << 0.001;
    QTest::newRow("random within 2%") << int(Method::Random) << false << false << 0.02;
    // (`random two` is not in this table: with no load the second draw wins,
    // which is not proportional to weight; see randomTwoPrefersLessLoaded.)
    QTest::newRow("hash over 10,000 keys within 2.5%") << int(Method::Hash) << false << false << 0.025;
    QTest::newRow("ip_hash over 10,000 /24s within 2.5%") << int(Method::IpHash) << false << false << 0.025;
    QTest::newRow("hash consistent over 10,000 keys within 6%") << int(Method::Hash) << true << false << 0.06;
}

void tst_Balancers::weightsHonoured()
{
    QFETCH(int, method);
    QFETCH(bool, consistent);
    QFETCH(bool, two);
    QFETCH(double, tolerance);
    auto g = group(weighted({3, 2, 1}), Method(method), consistent, two);
    QList<int> counts(3, 0);
    constexpr int n = 10'000;
    for (int i = 0; i < n; ++i) {
        const QHostAddress client = ipv4(0x0B000000u + quint32(i) * 256u + 7u); // 11.x.y.7: one /24 each
        const QByteArray key = "client-" + QByteArray::number(i);
        const qsizetype idx = decide(*g, client, key);
        QVERIFY(idx >= 0);
        ++counts[idx];
    }
    const double expected[] = {3.0 / 6, 2.0 / 6, 1.0 / 6};
    for (int i = 0; i < 3; ++i) {
        const double share = double(counts.at(i)) / n;
        QVERIFY2(qAbs(share - expected[i]) <= tolerance,
                 qPrintable(QStringLiteral("server %1: %2 of %3 (share %4, want %5 +- %6)")
                                .arg(i).arg(counts.at(i)).arg(n).arg(share).arg(expected[i]).arg(tolerance)));
    }
}

void tst_Balancers::ipHashStablePerSlash24()
{
    auto g = group(weighted({1, 1, 1}), Method::IpHash);
    QList<int> perServer(3, 0);
    for (quint32 net = 0; net < 300; ++net) {
        const quint32 base = 0xC6120000u + net * 256u; // 198.18.x.0/24 .. beyond
        const qsizetype first = decide(*g, ipv4(base + 1));
        for (quint32 host = 2; host < 255; host += 17)
            QCOMPARE(decide(*g, ipv4(base + host)), first); // the whole /24 sticks
        ++perServer[first];
    }
    // Different /24s spread: each server gets a fair part of 300 networks.
    for (int i = 0; i < 3; ++i)
        QVERIFY2(perServer.at(i) > 60, qPrintable(QString::number(perServer.at(i))));
    UpstreamSelection s = g->startSelection(QHostAddress(QStringLiteral("203.0.113.77")), QByteArray(), 0, kT0);
    QCOMPARE(s.keyText, QStringLiteral("203.0.113.0/24"));
}

void tst_Balancers::ipHashIpv6UsesWholeAddress()
{
    auto g = group(weighted({1, 1, 1}), Method::IpHash);
    QSet<qsizetype> seen;
    for (int i = 1; i < 64; ++i)
        seen.insert(decide(*g, QHostAddress(QStringLiteral("2001:db8::%1").arg(i, 0, 16))));
    QVERIFY2(seen.size() > 1, "the last bytes of an IPv6 address take part in ip_hash");
    QCOMPARE(g->startSelection(QHostAddress(QStringLiteral("2001:db8::1")), {}, 0, kT0).key.size(), 16);
}

void tst_Balancers::consistentHashMovesOnlyRemovedServersKeys()
{
    const QList<UpstreamServer> four = weighted({1, 1, 1, 1});
    auto before = group(four, Method::Hash, true);
    auto after = group({four.at(0), four.at(1), four.at(3)}, Method::Hash, true); // 10.0.0.3 removed
    constexpr int n = 10'000;
    int onRemoved = 0;
    int moved = 0;
    for (int i = 0; i < n; ++i) {
        const QByteArray key = "user-" + QByteArray::number(i);
        const QByteArray was = before->servers().at(decide(*before, {}, key)).name;
        const QByteArray now = after->servers().at(decide(*after, {}, key)).name;
        if (was == "10.0.0.3:80")
            ++onRemoved;
        if (was != now) {
            ++moved;
            QCOMPARE(was, QByteArray("10.0.0.3:80")); // only the removed server's keys move
        }
    }
    QCOMPARE(moved, onRemoved);
    // About 1/n of the keys (n = 4), within 7 points.
    QVERIFY2(qAbs(double(moved) / n - 0.25) < 0.07, qPrintable(QString::number(moved)));
}

void tst_Balancers::consistentHashSkipsDownServerLikeRemoval()
{
    QList<UpstreamServer> servers = weighted({1, 1, 1, 1});
    auto live = group(servers, Method::Hash, true);
    servers[2].down = true;
    auto withDown = group(servers, Method::Hash, true);
    for (int i = 0; i < 2000; ++i) {
        const QByteArray key = "k" + QByteArray::number(i);
        const qsizetype a = decide(*live, {}, key);
        const qsizetype b = decide(*withDown, {}, key);
        QVERIFY(b != 2);
        if (a != 2)
            QCOMPARE(b, a);
    }
}

void tst_Balancers::hashWithEmptyKeyFallsBackToRoundRobin()
{
    auto g = group(weighted({1, 1}), Method::Hash, true);
    UpstreamPick p;
    QCOMPARE(decide(*g, {}, QByteArray(), kT0, &p), 0);
    QVERIFY(p.fellBack);
    QCOMPARE(decide(*g, {}, QByteArray(), kT0, &p), 1);
}

void tst_Balancers::leastConnPrefersLeastLoadedWeighted()
{
    auto g = group(weighted({1, 2}), Method::LeastConn);
    std::vector<UpstreamSelection> held;
    QList<int> counts(2, 0);
    for (int i = 0; i < 30; ++i)
        ++counts[hold(*g, &held)];
    // conns a * weight b == conns b * weight a: 10 and 20.
    QCOMPARE(counts, (QList<int>{10, 20}));
    // Free three of b's connections: b (now 17 of weight 2) is the least loaded.
    int freed = 0;
    for (auto &s : held) {
        if (s.current == 1 && freed < 3) {
            g->release(s, Outcome::Ok, kT0);
            ++freed;
        }
    }
    QCOMPARE(hold(*g, &held), 1);
    const UpstreamFigures f = g->figures(kT0);
    QCOMPARE(f.servers.at(0).liveConnections, 10);
    QCOMPARE(f.servers.at(1).liveConnections, 18);
    for (auto &s : held)
        g->release(s, Outcome::Ok, kT0);
    QCOMPARE(g->figures(kT0).servers.at(1).liveConnections, 0);
}

void tst_Balancers::randomTwoPrefersLessLoaded()
{
    // With two servers both are always drawn: the one with fewer connections wins.
    auto g = group(weighted({1, 1}), Method::Random, false, true);
    std::vector<UpstreamSelection> held;
    for (int i = 0; i < 40; ++i)
        hold(*g, &held);
    const UpstreamFigures f = g->figures(kT0);
    QVERIFY2(qAbs(f.servers.at(0).liveConnections - f.servers.at(1).liveConnections) <= 1,
             qPrintable(QStringLiteral("%1 vs %2").arg(f.servers.at(0).liveConnections).arg(f.servers.at(1).liveConnections)));
    for (auto &s : held)
        g->release(s, Outcome::Ok, kT0);
}

void tst_Balancers::maxConnsRespected()
{
    QList<UpstreamServer> servers = weighted({1, 1});
    servers[0].maxConns = 2;
    for (Method m : {Method::RoundRobin, Method::LeastConn, Method::Random, Method::IpHash, Method::Hash}) {
        auto g = group(servers, m);
        std::vector<UpstreamSelection> held;
        for (int i = 0; i < 10; ++i)
            QVERIFY(hold(*g, &held) >= 0);
        const int onLimited = g->figures(kT0).servers.at(0).liveConnections;
        QVERIFY(onLimited <= 2);
        if (m == Method::RoundRobin || m == Method::LeastConn)
            QCOMPARE(onLimited, 2);
        UpstreamSelection s = g->startSelection({}, {}, 0, kT0);
        const UpstreamPick p = g->pick(s, kT0);
        QVERIFY(p.index >= 0);
        if (m == Method::RoundRobin || m == Method::LeastConn)
            QCOMPARE(p.index, 1);
        if (m == Method::RoundRobin)
            QVERIFY2(p.skipped.join(u'|').contains(QStringLiteral("10.0.0.1:80 (at max_conns=2)")),
                     qPrintable(p.skipped.join(u'|')));
        g->release(s, Outcome::Ok, kT0);
        for (auto &h : held)
            g->release(h, Outcome::Ok, kT0);
    }
    // A lone server at its limit: no live upstreams (nginx answers 502).
    UpstreamServer one = server("10.0.0.9:80");
    one.maxConns = 1;
    auto g = group({one});
    std::vector<UpstreamSelection> held;
    QCOMPARE(hold(*g, &held), 0);
    QCOMPARE(hold(*g, &held), -1);
    g->release(held.front(), Outcome::Ok, kT0);
}

void tst_Balancers::backupOnlyWhenPrimariesUnavailable()
{
    QList<UpstreamServer> servers = weighted({1, 1, 1});
    servers[2].backup = true;
    auto g = group(servers);
    UpstreamPick p;
    for (int i = 0; i < 50; ++i)
        QVERIFY(decide(*g, {}, {}, kT0, &p) != 2);
    QVERIFY(p.skipped.contains(QStringLiteral("10.0.0.3:80 (backup, not needed)")));
    // Both primaries fail (max_fails=1): the backup takes over...
    QCOMPARE(fail(*g, kT0) + fail(*g, kT0), 1);
    QCOMPARE(decide(*g, {}, {}, kT0 + 1, &p), 2);
    QCOMPARE(g->figures(kT0 + 1).servers.at(0).health, UpstreamServerFigures::Health::Failed);
    QCOMPARE(g->figures(kT0 + 1).servers.at(2).health, UpstreamServerFigures::Health::Backup);
    // ...until fail_timeout (10 s) has passed.
    QVERIFY(decide(*g, {}, {}, kT0 + 10'001) != 2);
    // `down` primaries behave the same.
    servers[0].down = servers[1].down = true;
    auto allDown = group(servers, Method::LeastConn);
    QCOMPARE(decide(*allDown), 2);
}

void tst_Balancers::maxFailsWithinFailTimeout()
{
    QList<UpstreamServer> servers = weighted({1, 1});
    servers[0].maxFails = 2;
    servers[0].failTimeoutMs = 10'000;
    servers[1].maxFails = 0; // never taken out: failing it changes nothing
    auto g = group(servers);
    auto health = [&g](qint64 now) { return g->figures(now).servers.at(0).health; };
    // Fails whatever is picked until server 0 was among them.
    auto failFirst = [&g](qint64 now) {
        for (int i = 0; i < 4; ++i) {
            if (fail(*g, now) == 0)
                return true;
        }
        return false;
    };
    // One failure: still in rotation.
    QCOMPARE(fail(*g, kT0), 0);
    QCOMPARE(health(kT0), UpstreamServerFigures::Health::Up);
    QCOMPARE(decide(*g, {}, {}, kT0 + 1), 1);
    // The second within fail_timeout takes it out for fail_timeout.
    QCOMPARE(fail(*g, kT0 + 2'000), 0);
    const UpstreamServerFigures f = g->figures(kT0 + 3'000).servers.at(0);
    QCOMPARE(f.health, UpstreamServerFigures::Health::Failed);
    QCOMPARE(f.failedForMs, 9'000);
    QCOMPARE(f.failures, quint64(2));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(decide(*g, {}, {}, kT0 + 3'000 + i), 1);
    // After fail_timeout nginx tries it again, but time alone does not clear
    // the count: one more failure takes it out at once.
    const qint64 later = kT0 + 2'000 + 10'001;
    QCOMPARE(health(later), UpstreamServerFigures::Health::Up);
    QVERIFY(failFirst(later));
    QCOMPARE(health(later + 1), UpstreamServerFigures::Health::Failed);
    // A success after the next window clears it.
    const qint64 again = later + 10'001;
    bool picked = false;
    for (int i = 0; i < 3 && !picked; ++i)
        picked = decide(*g, {}, {}, again) == 0;
    QVERIFY(picked);
    QCOMPARE(g->figures(again).servers.at(0).fails, 0);
    QVERIFY(failFirst(again + 1));
    QCOMPARE(health(again + 2), UpstreamServerFigures::Health::Up); // 1 of max_fails=2
}

void tst_Balancers::singleServerIsNeverMarkedFailed()
{
    auto g = group(weighted({1}));
    for (int i = 0; i < 5; ++i) {
        UpstreamSelection s = g->startSelection({}, {}, 0, kT0);
        QCOMPARE(s.triesLeft, 1);
        QCOMPARE(g->pick(s, kT0).index, 0);
        g->release(s, Outcome::Failed, kT0);
        QCOMPARE(s.triesLeft, 0); // nginx: no second try with one server
    }
    const UpstreamServerFigures f = g->figures(kT0).servers.at(0);
    QCOMPARE(f.health, UpstreamServerFigures::Health::Up);
    QCOMPARE(f.failures, quint64(5));
}

void tst_Balancers::triesCountServersNotDown()
{
    QList<UpstreamServer> servers = weighted({1, 1, 1, 1});
    servers[1].down = true;
    servers[3].backup = true;
    auto g = group(servers);
    QCOMPARE(g->startSelection({}, {}, 0, kT0).triesLeft, 3);
    QCOMPARE(g->startSelection({}, {}, 2, kT0).triesLeft, 2); // proxy_next_upstream_tries 2
    // Each try is a different server; the backup comes last.
    UpstreamSelection s = g->startSelection({}, {}, 0, kT0);
    QList<qsizetype> order;
    while (s.triesLeft > 0) {
        const qsizetype i = g->pick(s, kT0).index;
        if (i < 0)
            break;
        order.append(i);
        g->release(s, Outcome::Next, kT0);
    }
    QCOMPARE(order.size(), 3);
    QCOMPARE(order.last(), 3);
    QVERIFY(!order.contains(1));
}

void tst_Balancers::skippedReasonsAreReported()
{
    QList<UpstreamServer> servers = weighted({1, 1, 1});
    servers[0].down = true;
    auto g = group(servers);
    fail(*g, kT0); // 10.0.0.2 (the first available) fails
    UpstreamPick p;
    QCOMPARE(decide(*g, {}, {}, kT0 + 5, &p), 2);
    const QString all = p.skipped.join(u'|');
    QVERIFY2(all.contains(QStringLiteral("10.0.0.1:80 (down)")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("10.0.0.2:80 (failed: 1 failures, max_fails=1; retried in 9995 ms)")),
             qPrintable(all));
}

void tst_Balancers::ipHashFallsBackAfterTwentyTries()
{
    QList<UpstreamServer> servers = weighted({1, 1, 1});
    auto g = group(servers, Method::IpHash);
    const QHostAddress client(QStringLiteral("192.0.2.10"));
    const qsizetype home = decide(*g, client);
    // Its server fails (max_fails=1): ip_hash rehashes to another one...
    QCOMPARE(fail(*g, kT0, client), home);
    const qsizetype other = decide(*g, client, {}, kT0 + 1);
    QVERIFY(other >= 0 && other != home);
    // ...and the client comes home once fail_timeout is over.
    QCOMPARE(decide(*g, client, {}, kT0 + 10'001), home);
    // Only one server left: whatever the hash says (rehash, or round-robin
    // after 20 tries), every client reaches it.
    servers[0].down = servers[1].down = true;
    auto g2 = group(servers, Method::IpHash);
    for (quint32 net = 0; net < 200; ++net)
        QCOMPARE(decide(*g2, ipv4(0x0A000001u + net * 256u)), 2);
}

void tst_Balancers::reloadKeepsFailuresAndLiveCounts()
{
    auto old = group(weighted({1, 1}));
    std::vector<UpstreamSelection> held;
    hold(*old, &held);        // a tunnel on 10.0.0.1 stays open across the reload
    fail(*old, kT0);          // 10.0.0.2 fails
    QList<UpstreamServer> next = weighted({1, 1, 1});
    auto fresh = group(next);
    fresh->inheritState(*old);
    UpstreamFigures f = fresh->figures(kT0 + 1);
    QCOMPARE(f.servers.at(0).liveConnections, 1);
    QCOMPARE(f.servers.at(1).health, UpstreamServerFigures::Health::Failed);
    QCOMPARE(f.servers.at(2).totalConnections, quint64(0));
    // The old session ends on the old group: the new figures see it.
    old->release(held.front(), Outcome::Ok, kT0 + 2);
    QCOMPARE(fresh->figures(kT0 + 2).servers.at(0).liveConnections, 0);
}

void tst_Balancers::concurrentPicksKeepCountsExact()
{
    QList<UpstreamServer> servers = weighted({3, 2, 1});
    servers[2].maxConns = 3;
    auto g = group(servers, Method::LeastConn);
    constexpr int threads = 4;
    constexpr int perThread = 10'000;
    QList<QThread *> workers;
    for (int t = 0; t < threads; ++t) {
        workers.append(QThread::create([g] {
            for (int i = 0; i < perThread; ++i) {
                const qint64 now = kT0 + i;
                UpstreamSelection s = g->startSelection({}, {}, 0, now);
                if (g->pick(s, now).index >= 0)
                    g->release(s, (i % 97) ? Outcome::Ok : Outcome::Next, now);
            }
        }));
        workers.last()->start();
    }
    for (QThread *t : workers) {
        QVERIFY(t->wait(60'000));
        delete t;
    }
    const UpstreamFigures f = g->figures(kT0);
    quint64 total = 0;
    for (const UpstreamServerFigures &s : f.servers) {
        QCOMPARE(s.liveConnections, 0);
        total += s.totalConnections;
    }
    QCOMPARE(total, quint64(threads * perThread));
    QCOMPARE(f.decisions, quint64(threads * perThread));
}

void tst_Balancers::configRules_data()
{
    QTest::addColumn<QByteArray>("upstream");
    QTest::addColumn<bool>("loads");
    QTest::addColumn<QString>("message");
    QTest::newRow("backup after ip_hash is nginx's error")
        << QByteArray("ip_hash; server 127.0.0.1:1; server 127.0.0.1:2 backup;") << false
        << QStringLiteral("balancing method does not support parameter \"backup\"");
    QTest::newRow("backup after hash is an error")
        << QByteArray("hash $remote_addr; server 127.0.0.1:1; server 127.0.0.1:2 backup;") << false
        << QStringLiteral("balancing method does not support parameter \"backup\"");
    QTest::newRow("backup after random is an error")
        << QByteArray("random; server 127.0.0.1:1; server 127.0.0.1:2 backup;") << false
        << QStringLiteral("balancing method does not support parameter \"backup\"");
    QTest::newRow("backup before hash loads with a warning")
        << QByteArray("server 127.0.0.1:1; server 127.0.0.1:2 backup; hash $remote_addr;") << true
        << QStringLiteral("does not use backup servers");
    QTest::newRow("backup with least_conn is fine")
        << QByteArray("least_conn; server 127.0.0.1:1; server 127.0.0.1:2 backup;") << true << QString();
    QTest::newRow("only backups: no servers") << QByteArray("server 127.0.0.1:2 backup;") << false
                                              << QStringLiteral("all are \"backup\"");
    QTest::newRow("random two least_conn") << QByteArray("random two least_conn; server 127.0.0.1:1;") << true
                                           << QString();
    QTest::newRow("random three is invalid") << QByteArray("random three; server 127.0.0.1:1;") << false
                                             << QStringLiteral("invalid parameter \"three\"");
    QTest::newRow("health_check with all parameters")
        << QByteArray("server 127.0.0.1:1; health_check interval=2s uri=/health fails=2 passes=3 type=websocket;")
        << true << QString();
    QTest::newRow("health_check with a bad parameter")
        << QByteArray("server 127.0.0.1:1; health_check every=2s;") << false
        << QStringLiteral("invalid parameter \"every=2s\" in \"health_check\"");
}

void tst_Balancers::configRules()
{
    QFETCH(QByteArray, upstream);
    QFETCH(bool, loads);
    QFETCH(QString, message);
    const QByteArray conf = "http { upstream u { " + upstream
        + " } server { listen 127.0.0.1:0; location / { proxy_pass http://u; } } }";
    const ConfigCompileResult r = ConfigCompiler::compileText(conf, QStringLiteral("t.conf"));
    QStringList all;
    for (const ConfDiagnostic &d : r.diagnostics)
        all.append(d.toString());
    QVERIFY2(r.ok() == loads, qPrintable(all.join(u'\n')));
    if (!message.isEmpty())
        QVERIFY2(all.join(u'\n').contains(message), qPrintable(all.join(u'\n')));
    if (loads && upstream.contains("health_check")) {
        const UpstreamHealthCheck &hc = r.config->upstreams.constFirst()->balancing.healthCheck;
        QVERIFY(hc.enabled);
        QCOMPARE(hc.intervalMs, 2000);
        QCOMPARE(hc.uri, QByteArray("/health"));
        QCOMPARE(hc.fails, 2);
        QCOMPARE(hc.passes, 3);
        QCOMPARE(hc.type, UpstreamHealthCheck::Type::WebSocket);
    }
    if (loads && upstream.startsWith("random two"))
        QVERIFY(r.config->upstreams.constFirst()->balancing.randomTwo);
}

QTEST_GUILESS_MAIN(tst_Balancers)
#include "tst_balancers.moc"
