#include "websocket/permessagedeflate.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

// The fixtures under data/deflate/ were compressed by python3-websockets and
// Python's zlib (see make_fixtures.py there), not by anything in wsscope.
namespace {

struct FixtureMessage
{
    QList<QByteArray> fragments;
    QByteArray plain;

    QByteArray compressed() const
    {
        QByteArray all;
        for (const QByteArray &f : fragments)
            all += f;
        return all;
    }
};

struct Fixture
{
    WsDeflateDirectionParams params;
    QList<FixtureMessage> messages;
};

QString dataDir()
{
    QString base = qEnvironmentVariable("WSSCOPE_TESTDATA");
    if (base.isEmpty())
        base = QFINDTESTDATA("data");
    return base + QLatin1String("/deflate/");
}

Fixture loadFixture(const QString &name)
{
    Fixture fx;
    QFile file(dataDir() + name);
    if (!file.open(QIODevice::ReadOnly)) {
        qWarning("cannot open %s", qPrintable(file.fileName()));
        return fx;
    }
    const QJsonObject doc = QJsonDocument::fromJson(file.readAll()).object();
    fx.params.maxWindowBits = doc.value(QLatin1String("maxWindowBits")).toInt();
    fx.params.noContextTakeover = doc.value(QLatin1String("noContextTakeover")).toBool();
    for (const QJsonValue &v : doc.value(QLatin1String("messages")).toArray()) {
        const QJsonObject m = v.toObject();
        FixtureMessage msg;
        for (const QJsonValue &f : m.value(QLatin1String("fragments")).toArray())
            msg.fragments.append(QByteArray::fromBase64(f.toString().toLatin1()));
        if (m.contains(QLatin1String("plainQCompressed")))
            msg.plain = qUncompress(QByteArray::fromBase64(m.value(QLatin1String("plainQCompressed")).toString().toLatin1()));
        else
            msg.plain = QByteArray::fromBase64(m.value(QLatin1String("plain")).toString().toLatin1());
        fx.messages.append(msg);
    }
    return fx;
}

// Feeds a message in pieces: per frame (chunk 0), or the frames' bytes
// joined and cut every `chunk` bytes.
WsInflateResult inflate(WsInflater &inflater, const FixtureMessage &msg, int chunk)
{
    if (chunk == 0) {
        for (const QByteArray &f : msg.fragments)
            inflater.feed(f);
    } else {
        const QByteArray all = msg.compressed();
        for (qsizetype i = 0; i < all.size(); i += chunk)
            inflater.feed(QByteArrayView(all).sliced(i, qMin<qsizetype>(chunk, all.size() - i)));
    }
    return inflater.finish();
}

// "name[p1; p2=v]" per extension, joined with " | ".
QString describe(const QList<WsExtension> &list)
{
    QStringList out;
    for (const WsExtension &ext : list) {
        QStringList params;
        for (const WsExtensionParam &p : ext.params)
            params.append(QString::fromLatin1(p.name) + (p.hasValue ? u'=' + QString::fromLatin1(p.value) : QString()));
        out.append(QString::fromLatin1(ext.name) + u'[' + params.join(QLatin1String("; ")) + u']');
    }
    return out.join(QLatin1String(" | "));
}

// BFINAL set, BTYPE 11: a reserved block type (RFC 1951 3.2.3).
QByteArray garbage()
{
    return QByteArray("\xff\xff\xff\xff", 4);
}

} // namespace

class tst_PerMessageDeflate : public QObject
{
    Q_OBJECT

private slots:
    void parseExtensions_data();
    void parseExtensions();
    void parseOffer_data();
    void parseOffer();
    void negotiate_data();
    void negotiate();
    void paramsHeaderValue();

    void inflateFixtures_data();
    void inflateFixtures();
    void sharedContextNeedsTakeover();
    void takeoverInflaterReadsStandaloneMessages();
    void windowBitsAreHonoured();
    void cappedPreviewKeepsContextInSync();
    void defaultCapOnLargeMessage();
    void capWithoutTakeoverStopsEarly();
    void capEqualToSizeIsNotTruncated();
    void inflateLimitAbandonsMessage();
    void corruptDataLosesContext();
    void corruptDataWithoutTakeoverRecovers();
    void messageCutShortIsCorrupt();
    void emptyMessages();
};

// --- negotiation -----------------------------------------------------------

void tst_PerMessageDeflate::parseExtensions_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("parsed"); // or an error fragment

    QTest::newRow("empty") << QByteArray("") << true << QString();
    QTest::newRow("only commas and spaces") << QByteArray(" , ,") << true << QString();
    QTest::newRow("bare") << QByteArray("permessage-deflate") << true << QStringLiteral("permessage-deflate[]");
    QTest::newRow("chrome offer") << QByteArray("permessage-deflate; client_max_window_bits") << true
                                  << QStringLiteral("permessage-deflate[client_max_window_bits]");
    QTest::newRow("firefox style, tight") << QByteArray("permessage-deflate;client_max_window_bits=10;server_no_context_takeover")
                                          << true
                                          << QStringLiteral("permessage-deflate[client_max_window_bits=10; server_no_context_takeover]");
    QTest::newRow("several offers") << QByteArray("permessage-deflate; server_max_window_bits=10, permessage-deflate, x-webkit-deflate-frame")
                                    << true
                                    << QStringLiteral("permessage-deflate[server_max_window_bits=10] | permessage-deflate[] | x-webkit-deflate-frame[]");
    QTest::newRow("quoted value") << QByteArray("permessage-deflate; server_max_window_bits=\"10\"") << true
                                  << QStringLiteral("permessage-deflate[server_max_window_bits=10]");
    QTest::newRow("quoted-pair") << QByteArray("x; a=\"b\\c\"") << true << QStringLiteral("x[a=bc]");
    QTest::newRow("quoted comma stays inside") << QByteArray("x; a=\"b,c\"") << false << QStringLiteral("not a token");
    QTest::newRow("spaces around =") << QByteArray("x ; a = 1 ;b") << true << QStringLiteral("x[a=1; b]");
    QTest::newRow("tabs") << QByteArray("\tx;\ta\t") << true << QStringLiteral("x[a]");
    QTest::newRow("unterminated quote") << QByteArray("x; a=\"10") << false << QStringLiteral("unterminated");
    QTest::newRow("empty quoted value") << QByteArray("x; a=\"\"") << false << QStringLiteral("not a token");
    QTest::newRow("missing value") << QByteArray("x; a=") << false << QStringLiteral("missing value");
    QTest::newRow("missing parameter name") << QByteArray("x; =1") << false << QStringLiteral("parameter name");
    QTest::newRow("trailing semicolon") << QByteArray("x;") << false << QStringLiteral("parameter name");
    QTest::newRow("missing extension name") << QByteArray("; a") << false << QStringLiteral("extension name");
    QTest::newRow("space inside name") << QByteArray("permessage deflate") << false << QStringLiteral("unexpected 'd'");
    QTest::newRow("slash is no token char") << QByteArray("x; a=b/c") << false << QStringLiteral("unexpected '/'");
}

void tst_PerMessageDeflate::parseExtensions()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, ok);
    QFETCH(QString, parsed);

    QString error;
    const auto list = WsPerMessageDeflate::parseExtensions(value, &error);
    QCOMPARE(list.has_value(), ok);
    if (ok)
        QCOMPARE(describe(*list), parsed);
    else
        QVERIFY2(error.contains(parsed), qPrintable(error));
}

void tst_PerMessageDeflate::parseOffer_data()
{
    QTest::addColumn<QByteArray>("offer");
    QTest::addColumn<QString>("expected"); // "snct cnct smwb=N cmwb[=N]" or "error: fragment"

    QTest::newRow("bare") << QByteArray("permessage-deflate") << QString();
    QTest::newRow("server_no_context_takeover") << QByteArray("permessage-deflate; server_no_context_takeover")
                                                << QStringLiteral("snct");
    QTest::newRow("client_no_context_takeover") << QByteArray("permessage-deflate; client_no_context_takeover")
                                                << QStringLiteral("cnct");
    QTest::newRow("server_max_window_bits=10") << QByteArray("permessage-deflate; server_max_window_bits=10")
                                               << QStringLiteral("smwb=10");
    QTest::newRow("client_max_window_bits without value") << QByteArray("permessage-deflate; client_max_window_bits")
                                                          << QStringLiteral("cmwb");
    QTest::newRow("client_max_window_bits=8") << QByteArray("permessage-deflate; client_max_window_bits=8")
                                              << QStringLiteral("cmwb=8");
    QTest::newRow("everything, quoted") << QByteArray("permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
                                                      "server_max_window_bits=\"15\"; client_max_window_bits=\"9\"")
                                        << QStringLiteral("snct cnct smwb=15 cmwb=9");
    QTest::newRow("names are case-insensitive") << QByteArray("permessage-deflate; Server_No_Context_Takeover")
                                                << QStringLiteral("snct");
    QTest::newRow("server_max_window_bits needs a value") << QByteArray("permessage-deflate; server_max_window_bits")
                                                          << QStringLiteral("error: needs a value");
    QTest::newRow("window bits 7") << QByteArray("permessage-deflate; server_max_window_bits=7")
                                   << QStringLiteral("error: is not 8..15");
    QTest::newRow("window bits 16") << QByteArray("permessage-deflate; client_max_window_bits=16")
                                    << QStringLiteral("error: is not 8..15");
    QTest::newRow("window bits leading zero") << QByteArray("permessage-deflate; server_max_window_bits=09")
                                              << QStringLiteral("error: is not 8..15");
    QTest::newRow("window bits not a number") << QByteArray("permessage-deflate; server_max_window_bits=ten")
                                              << QStringLiteral("error: is not 8..15");
    QTest::newRow("takeover with a value") << QByteArray("permessage-deflate; server_no_context_takeover=1")
                                           << QStringLiteral("error: must not have a value");
    QTest::newRow("duplicate") << QByteArray("permessage-deflate; client_max_window_bits; client_max_window_bits=10")
                               << QStringLiteral("error: appears twice");
    QTest::newRow("unknown parameter") << QByteArray("permessage-deflate; mem_level=8")
                                       << QStringLiteral("error: unknown parameter mem_level");
}

void tst_PerMessageDeflate::parseOffer()
{
    QFETCH(QByteArray, offer);
    QFETCH(QString, expected);

    const auto list = WsPerMessageDeflate::parseExtensions(offer);
    QVERIFY(list && list->size() == 1);
    QString error;
    const auto parsed = WsPerMessageDeflate::parseOffer(list->first(), &error);
    if (expected.startsWith(QLatin1String("error: "))) {
        QVERIFY(!parsed);
        QVERIFY2(error.contains(expected.mid(7)), qPrintable(error));
        return;
    }
    QVERIFY2(parsed, qPrintable(error));
    QStringList got;
    if (parsed->serverNoContextTakeover)
        got << QStringLiteral("snct");
    if (parsed->clientNoContextTakeover)
        got << QStringLiteral("cnct");
    if (parsed->serverMaxWindowBits)
        got << QStringLiteral("smwb=%1").arg(*parsed->serverMaxWindowBits);
    if (parsed->clientMaxWindowBitsAllowed) {
        got << (parsed->clientMaxWindowBits ? QStringLiteral("cmwb=%1").arg(*parsed->clientMaxWindowBits)
                                            : QStringLiteral("cmwb"));
    }
    QCOMPARE(got.join(u' '), expected);
}

void tst_PerMessageDeflate::negotiate_data()
{
    using S = WsDeflateNegotiation::Status;
    QTest::addColumn<QByteArray>("offer");
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<S>("status");
    QTest::addColumn<QString>("detail"); // params as a header value, or an error fragment
    QTest::addColumn<int>("acceptedOffer");
    QTest::addColumn<int>("offerProblems");

    const QByteArray chrome("permessage-deflate; client_max_window_bits");
    QTest::newRow("nothing") << QByteArray() << QByteArray() << S::NotOffered << QString() << -1 << 0;
    QTest::newRow("declined") << chrome << QByteArray() << S::Declined << QString() << -1 << 0;
    QTest::newRow("declined, other extension kept") << QByteArray("permessage-deflate, x-foo") << QByteArray("x-foo")
                                                    << S::Declined << QString() << -1 << 0;
    QTest::newRow("accepted plain") << chrome << QByteArray("permessage-deflate") << S::Accepted
                                    << QStringLiteral("permessage-deflate") << 0 << 0;
    QTest::newRow("server adds server_no_context_takeover unasked")
        << chrome << QByteArray("permessage-deflate; server_no_context_takeover") << S::Accepted
        << QStringLiteral("permessage-deflate; server_no_context_takeover") << 0 << 0;
    QTest::newRow("server adds client_no_context_takeover unasked")
        << QByteArray("permessage-deflate") << QByteArray("permessage-deflate; client_no_context_takeover") << S::Accepted
        << QStringLiteral("permessage-deflate; client_no_context_takeover") << 0 << 0;
    QTest::newRow("server limits its own window unasked")
        << QByteArray("permessage-deflate") << QByteArray("permessage-deflate; server_max_window_bits=12") << S::Accepted
        << QStringLiteral("permessage-deflate; server_max_window_bits=12") << 0 << 0;
    QTest::newRow("client_max_window_bits chosen by the server")
        << chrome << QByteArray("permessage-deflate; client_max_window_bits=10") << S::Accepted
        << QStringLiteral("permessage-deflate; client_max_window_bits=10") << 0 << 0;
    QTest::newRow("python websockets default")
        << QByteArray("permessage-deflate; client_max_window_bits")
        << QByteArray("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12") << S::Accepted
        << QStringLiteral("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12") << 0 << 0;
    QTest::newRow("server_max_window_bits below the offer")
        << QByteArray("permessage-deflate; server_max_window_bits=12")
        << QByteArray("permessage-deflate; server_max_window_bits=10") << S::Accepted
        << QStringLiteral("permessage-deflate; server_max_window_bits=10") << 0 << 0;
    QTest::newRow("quoted response value")
        << chrome << QByteArray("permessage-deflate; client_max_window_bits=\"11\"") << S::Accepted
        << QStringLiteral("permessage-deflate; client_max_window_bits=11") << 0 << 0;
    QTest::newRow("server_no_context_takeover requested and confirmed")
        << QByteArray("permessage-deflate; server_no_context_takeover")
        << QByteArray("permessage-deflate; server_no_context_takeover") << S::Accepted
        << QStringLiteral("permessage-deflate; server_no_context_takeover") << 0 << 0;

    // RFC 7692 5.1: each makes a conforming client fail the connection.
    QTest::newRow("not offered") << QByteArray() << QByteArray("permessage-deflate") << S::Invalid
                                 << QStringLiteral("did not offer") << -1 << 0;
    QTest::newRow("listed twice") << chrome << QByteArray("permessage-deflate, permessage-deflate") << S::Invalid
                                  << QStringLiteral("more than once") << -1 << 0;
    QTest::newRow("client_max_window_bits not offered")
        << QByteArray("permessage-deflate") << QByteArray("permessage-deflate; client_max_window_bits=10") << S::Invalid
        << QStringLiteral("did not offer") << -1 << 0;
    QTest::newRow("client_max_window_bits without value in response")
        << chrome << QByteArray("permessage-deflate; client_max_window_bits") << S::Invalid
        << QStringLiteral("needs a value") << -1 << 0;
    QTest::newRow("client_max_window_bits above the offer")
        << QByteArray("permessage-deflate; client_max_window_bits=10")
        << QByteArray("permessage-deflate; client_max_window_bits=12") << S::Invalid
        << QStringLiteral("exceeds the client's limit of 10") << -1 << 0;
    QTest::newRow("server_max_window_bits above the offer")
        << QByteArray("permessage-deflate; server_max_window_bits=10")
        << QByteArray("permessage-deflate; server_max_window_bits=11") << S::Invalid
        << QStringLiteral("exceeds the client's limit of 10") << -1 << 0;
    QTest::newRow("server_max_window_bits requested, not confirmed")
        << QByteArray("permessage-deflate; server_max_window_bits=10") << QByteArray("permessage-deflate") << S::Invalid
        << QStringLiteral("does not confirm") << -1 << 0;
    QTest::newRow("server_no_context_takeover requested, not confirmed")
        << QByteArray("permessage-deflate; server_no_context_takeover") << QByteArray("permessage-deflate") << S::Invalid
        << QStringLiteral("does not confirm") << -1 << 0;
    QTest::newRow("bad window bits in response")
        << chrome << QByteArray("permessage-deflate; client_max_window_bits=16") << S::Invalid
        << QStringLiteral("is not 8..15") << -1 << 0;
    QTest::newRow("server_max_window_bits without value in response")
        << chrome << QByteArray("permessage-deflate; server_max_window_bits") << S::Invalid
        << QStringLiteral("needs a value") << -1 << 0;
    QTest::newRow("duplicate parameter in response")
        << chrome << QByteArray("permessage-deflate; server_no_context_takeover; server_no_context_takeover")
        << S::Invalid << QStringLiteral("twice") << -1 << 0;
    QTest::newRow("takeover parameter with a value in response")
        << chrome << QByteArray("permessage-deflate; client_no_context_takeover=true") << S::Invalid
        << QStringLiteral("must not have a value") << -1 << 0;
    QTest::newRow("unknown parameter in response")
        << chrome << QByteArray("permessage-deflate; level=9") << S::Invalid << QStringLiteral("unknown parameter level")
        << -1 << 0;
    QTest::newRow("unparsable response") << chrome << QByteArray("permessage-deflate; =") << S::Invalid
                                         << QStringLiteral("response Sec-WebSocket-Extensions") << -1 << 0;

    // Several offers: the server may accept any one of them.
    const QByteArray two("permessage-deflate; server_max_window_bits=10, permessage-deflate");
    QTest::newRow("second offer accepted") << two << QByteArray("permessage-deflate") << S::Accepted
                                           << QStringLiteral("permessage-deflate") << 1 << 0;
    QTest::newRow("first offer accepted") << two << QByteArray("permessage-deflate; server_max_window_bits=9")
                                          << S::Accepted << QStringLiteral("permessage-deflate; server_max_window_bits=9")
                                          << 0 << 0;
    QTest::newRow("fits no offer")
        << QByteArray("permessage-deflate; server_max_window_bits=10, permessage-deflate; server_no_context_takeover")
        << QByteArray("permessage-deflate; server_max_window_bits=12") << S::Invalid
        << QStringLiteral("none of the client's 2") << -1 << 0;
    QTest::newRow("malformed offer skipped, other accepted")
        << QByteArray("permessage-deflate; foo, permessage-deflate") << QByteArray("permessage-deflate") << S::Accepted
        << QStringLiteral("permessage-deflate") << 1 << 1;
    QTest::newRow("only a malformed offer, accepted anyway")
        << QByteArray("permessage-deflate; server_max_window_bits=99") << QByteArray("permessage-deflate") << S::Invalid
        << QStringLiteral("malformed") << -1 << 1;
    QTest::newRow("unparsable offer, declined")
        << QByteArray("permessage-deflate; \"x\"") << QByteArray() << S::NotOffered << QString() << -1 << 1;
}

void tst_PerMessageDeflate::negotiate()
{
    QFETCH(QByteArray, offer);
    QFETCH(QByteArray, response);
    QFETCH(WsDeflateNegotiation::Status, status);
    QFETCH(QString, detail);
    QFETCH(int, acceptedOffer);
    QFETCH(int, offerProblems);

    const WsDeflateNegotiation n = WsPerMessageDeflate::negotiate(offer, response);
    QCOMPARE(n.status, status);
    if (status == WsDeflateNegotiation::Status::Accepted)
        QCOMPARE(QString::fromLatin1(n.params.toHeaderValue()), detail);
    if (status == WsDeflateNegotiation::Status::Invalid)
        QVERIFY2(n.error.contains(detail), qPrintable(n.error));
    else
        QVERIFY(n.error.isEmpty());
    QCOMPARE(n.acceptedOffer, acceptedOffer);
    QCOMPARE(n.offerProblems.size(), offerProblems);
}

void tst_PerMessageDeflate::paramsHeaderValue()
{
    WsDeflateParams p;
    QCOMPARE(p.toHeaderValue(), QByteArray("permessage-deflate"));
    p.server.noContextTakeover = true;
    p.client.noContextTakeover = true;
    p.server.maxWindowBits = 9;
    p.client.maxWindowBits = 11;
    QCOMPARE(p.toHeaderValue(), QByteArray("permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
                                           "server_max_window_bits=9; client_max_window_bits=11"));
    // The canonical form negotiates back to the same parameters.
    const auto n = WsPerMessageDeflate::negotiate("permessage-deflate; client_max_window_bits", p.toHeaderValue());
    QCOMPARE(n.status, WsDeflateNegotiation::Status::Accepted);
    QCOMPARE(n.params, p);
}

// --- inflating -------------------------------------------------------------

void tst_PerMessageDeflate::inflateFixtures_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("chunk");

    const QStringList files = {QStringLiteral("takeover.json"), QStringLiteral("no_takeover.json"),
                               QStringLiteral("fragmented.json"), QStringLiteral("capped.json"),
                               QStringLiteral("window10.json"), QStringLiteral("bfinal.json"),
                               QStringLiteral("large.json"), QStringLiteral("bomb.json")};
    for (const QString &f : files) {
        QTest::addRow("%s per frame", qPrintable(f)) << f << 0;
        QTest::addRow("%s byte by byte", qPrintable(f)) << f << 1;
        QTest::addRow("%s in 7-byte pieces", qPrintable(f)) << f << 7;
    }
}

void tst_PerMessageDeflate::inflateFixtures()
{
    QFETCH(QString, file);
    QFETCH(int, chunk);

    const Fixture fx = loadFixture(file);
    QVERIFY(!fx.messages.isEmpty());
    WsInflater inflater(fx.params, 1 << 20);
    for (qsizetype i = 0; i < fx.messages.size(); ++i) {
        const FixtureMessage &msg = fx.messages.at(i);
        const WsInflateResult r = inflate(inflater, msg, chunk);
        QVERIFY2(r.isOk(), qPrintable(QStringLiteral("message %1: %2").arg(i).arg(r.error)));
        QCOMPARE(r.payload, msg.plain);
        QCOMPARE(r.inflatedSize, msg.plain.size());
        QCOMPARE(r.compressedSize, msg.compressed().size());
        QVERIFY(!r.truncated);
        QVERIFY(!inflater.inMessage());
    }
    QVERIFY(!inflater.contextLost());
}

void tst_PerMessageDeflate::sharedContextNeedsTakeover()
{
    // An inflater told "no context takeover" cannot read messages that refer
    // back into earlier ones: proves the fixture really shares a window.
    const Fixture fx = loadFixture(QStringLiteral("takeover.json"));
    WsInflater inflater(WsDeflateDirectionParams{15, true});
    QVERIFY(inflater.inflateMessage(fx.messages.at(0).compressed()).isOk());
    const WsInflateResult second = inflater.inflateMessage(fx.messages.at(1).compressed());
    QCOMPARE(second.status, WsInflateStatus::Corrupt);
    QVERIFY(!second.error.isEmpty());
    QVERIFY(!inflater.contextLost()); // each message stands alone here
    const WsInflateResult first = inflater.inflateMessage(fx.messages.at(0).compressed());
    QVERIFY(first.isOk());
    QCOMPARE(first.payload, fx.messages.at(0).plain);
}

void tst_PerMessageDeflate::takeoverInflaterReadsStandaloneMessages()
{
    // A sender that resets its window is readable by a receiver that keeps it.
    const Fixture fx = loadFixture(QStringLiteral("no_takeover.json"));
    WsInflater inflater(WsDeflateDirectionParams{15, false});
    for (const FixtureMessage &msg : fx.messages) {
        const WsInflateResult r = inflater.inflateMessage(msg.compressed());
        QVERIFY2(r.isOk(), qPrintable(r.error));
        QCOMPARE(r.payload, msg.plain);
    }
}

void tst_PerMessageDeflate::windowBitsAreHonoured()
{
    // The fixture's sender promised a 1 KiB window; an inflater held to 512
    // bytes keeps too little of the first message for the second.
    const Fixture fx = loadFixture(QStringLiteral("window10.json"));
    QCOMPARE(fx.params.maxWindowBits, 10);
    WsInflater small(WsDeflateDirectionParams{9, false});
    QVERIFY(small.inflateMessage(fx.messages.at(0).compressed()).isOk());
    const WsInflateResult r = small.inflateMessage(fx.messages.at(1).compressed());
    QCOMPARE(r.status, WsInflateStatus::Corrupt);
    QVERIFY2(r.error.contains(QLatin1String("too far back")), qPrintable(r.error));
}

void tst_PerMessageDeflate::cappedPreviewKeepsContextInSync()
{
    const Fixture fx = loadFixture(QStringLiteral("capped.json"));
    QCOMPARE(fx.messages.size(), 2);
    WsInflater inflater(fx.params, 1024);

    const WsInflateResult first = inflate(inflater, fx.messages.at(0), 0);
    QVERIFY2(first.isOk(), qPrintable(first.error));
    QVERIFY(first.truncated);
    QCOMPARE(first.payload, fx.messages.at(0).plain.left(1024));
    QCOMPARE(first.inflatedSize, 6000);

    // Copies bytes 4000-4600 of the first message, which the preview never held.
    const WsInflateResult second = inflate(inflater, fx.messages.at(1), 3);
    QVERIFY2(second.isOk(), qPrintable(second.error));
    QVERIFY(!second.truncated);
    QCOMPARE(second.payload, fx.messages.at(1).plain);
    QCOMPARE(second.payload.left(600), fx.messages.at(0).plain.mid(4000, 600));
}

void tst_PerMessageDeflate::defaultCapOnLargeMessage()
{
    const Fixture fx = loadFixture(QStringLiteral("large.json"));
    QCOMPARE(fx.messages.at(0).plain.size(), 88000);
    WsInflater inflater(fx.params);
    QCOMPARE(inflater.outputCap(), 64 * 1024);

    const WsInflateResult first = inflate(inflater, fx.messages.at(0), 0);
    QVERIFY2(first.isOk(), qPrintable(first.error));
    QVERIFY(first.truncated);
    QCOMPARE(first.payload.size(), 64 * 1024);
    QCOMPARE(first.payload, fx.messages.at(0).plain.left(64 * 1024));
    QCOMPARE(first.inflatedSize, 88000);

    const WsInflateResult second = inflate(inflater, fx.messages.at(1), 0);
    QVERIFY2(second.isOk(), qPrintable(second.error));
    QCOMPARE(second.payload, fx.messages.at(1).plain);
}

void tst_PerMessageDeflate::capWithoutTakeoverStopsEarly()
{
    const Fixture fx = loadFixture(QStringLiteral("no_takeover.json"));
    WsInflater inflater(fx.params, 10);
    for (const FixtureMessage &msg : fx.messages) {
        const WsInflateResult r = inflate(inflater, msg, 1);
        QVERIFY2(r.isOk(), qPrintable(r.error));
        QCOMPARE(r.payload, msg.plain.left(10));
        QCOMPARE(r.truncated, msg.plain.size() > 10);
        // Nothing later needs the rest, so it was never inflated.
        QCOMPARE(r.inflatedSize, msg.plain.size() > 10 ? -1 : msg.plain.size());
    }
}

void tst_PerMessageDeflate::capEqualToSizeIsNotTruncated()
{
    const Fixture fx = loadFixture(QStringLiteral("takeover.json"));
    for (bool noTakeover : {false, true}) {
        const FixtureMessage &msg = fx.messages.at(0);
        WsInflater inflater(WsDeflateDirectionParams{15, noTakeover}, msg.plain.size());
        const WsInflateResult r = inflater.inflateMessage(msg.compressed());
        QVERIFY(r.isOk());
        QVERIFY(!r.truncated);
        QCOMPARE(r.payload, msg.plain);
        QCOMPARE(r.inflatedSize, msg.plain.size());
    }
}

void tst_PerMessageDeflate::inflateLimitAbandonsMessage()
{
    const Fixture fx = loadFixture(QStringLiteral("bomb.json"));
    QCOMPARE(fx.messages.at(0).plain.size(), 1 << 20);
    QVERIFY(fx.messages.at(0).compressed().size() < 2048);

    WsInflater inflater(fx.params, 16);
    QCOMPARE(inflater.inflateLimit(), WsInflater::DefaultInflateLimit);
    inflater.setInflateLimit(100000);
    const WsInflateResult first = inflater.inflateMessage(fx.messages.at(0).compressed());
    QCOMPARE(first.status, WsInflateStatus::TooLarge);
    QVERIFY2(first.error.contains(QLatin1String("100000")), qPrintable(first.error));
    QCOMPARE(first.payload, QByteArray(16, '\0'));
    QVERIFY(first.inflatedSize <= 100000 + 16 * 1024);
    QVERIFY(inflater.contextLost());
    QCOMPARE(inflater.inflateMessage(fx.messages.at(1).compressed()).status, WsInflateStatus::ContextLost);

    // Under the limit the same message goes through whole.
    WsInflater roomy(fx.params, 16);
    roomy.setInflateLimit(2 << 20);
    const WsInflateResult ok = roomy.inflateMessage(fx.messages.at(0).compressed());
    QVERIFY(ok.isOk());
    QCOMPARE(ok.inflatedSize, 1 << 20);
    QCOMPARE(roomy.inflateMessage(fx.messages.at(1).compressed()).payload, fx.messages.at(1).plain);
}

void tst_PerMessageDeflate::corruptDataLosesContext()
{
    const Fixture fx = loadFixture(QStringLiteral("takeover.json"));
    WsInflater inflater(fx.params);
    QVERIFY(inflater.inflateMessage(fx.messages.at(0).compressed()).isOk());

    const WsInflateResult bad = inflater.inflateMessage(garbage());
    QCOMPARE(bad.status, WsInflateStatus::Corrupt);
    QVERIFY2(bad.error.contains(QLatin1String("corrupt")), qPrintable(bad.error));
    QVERIFY(inflater.contextLost());

    // The window the sender still uses is gone: later messages are not guessed at.
    for (qsizetype i = 1; i < fx.messages.size(); ++i) {
        const WsInflateResult r = inflate(inflater, fx.messages.at(i), 0);
        QCOMPARE(r.status, WsInflateStatus::ContextLost);
        QVERIFY2(r.error.contains(QLatin1String("cannot inflate (context lost)")), qPrintable(r.error));
        QVERIFY(r.payload.isEmpty());
        QCOMPARE(r.compressedSize, fx.messages.at(i).compressed().size());
    }
}

void tst_PerMessageDeflate::corruptDataWithoutTakeoverRecovers()
{
    const Fixture fx = loadFixture(QStringLiteral("no_takeover.json"));
    WsInflater inflater(fx.params);
    // A failure in the middle of a message, fed in pieces: the rest is skipped.
    inflater.feed(fx.messages.at(0).compressed().left(5));
    inflater.feed(garbage());
    inflater.feed(fx.messages.at(0).compressed().mid(5));
    QCOMPARE(inflater.finish().status, WsInflateStatus::Corrupt);
    QVERIFY(!inflater.contextLost());
    for (const FixtureMessage &msg : fx.messages) {
        const WsInflateResult r = inflater.inflateMessage(msg.compressed());
        QVERIFY2(r.isOk(), qPrintable(r.error));
        QCOMPARE(r.payload, msg.plain);
    }
}

void tst_PerMessageDeflate::messageCutShortIsCorrupt()
{
    const Fixture fx = loadFixture(QStringLiteral("capped.json"));
    const QByteArray whole = fx.messages.at(0).compressed();
    WsInflater inflater(fx.params);
    const WsInflateResult r = inflater.inflateMessage(QByteArrayView(whole).first(whole.size() / 2));
    QCOMPARE(r.status, WsInflateStatus::Corrupt);
    QVERIFY2(r.error.contains(QLatin1String("middle of a DEFLATE block")), qPrintable(r.error));
    QVERIFY(inflater.contextLost());
}

void tst_PerMessageDeflate::emptyMessages()
{
    // RFC 7692 7.2.3.6: an empty message may be sent as the single byte 0x00.
    WsInflater inflater;
    WsInflateResult r = inflater.inflateMessage(QByteArray(1, '\0'));
    QVERIFY2(r.isOk(), qPrintable(r.error));
    QVERIFY(r.payload.isEmpty());
    QCOMPARE(r.inflatedSize, 0);
    // A sender that kept the tail: the appended one opens a stored block
    // that never ends, which breaks a receiver's shared window.
    r = inflater.inflateMessage(QByteArray("\x2a\x49\x2d\x2e\x01\x00\x00\x00\xff\xff", 10));
    QCOMPARE(r.status, WsInflateStatus::Corrupt);
    QCOMPARE(r.payload, QByteArray("test"));
    QVERIFY2(r.error.contains(QLatin1String("must remove")), qPrintable(r.error));
    QVERIFY(inflater.contextLost());
    WsInflater other;
    // No payload at all is not DEFLATE data (the tail alone is half a block).
    r = other.finish();
    QCOMPARE(r.status, WsInflateStatus::Corrupt);
    QVERIFY2(r.error.contains(QLatin1String("middle of a DEFLATE block")), qPrintable(r.error));
}

QTEST_GUILESS_MAIN(tst_PerMessageDeflate)
#include "tst_permessagedeflate.moc"
