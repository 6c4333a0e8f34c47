#include "http/httpheaders.h"

#include <QTest>

class tst_HttpHeaders : public QObject
{
    Q_OBJECT

private slots:
    void lookupIsCaseInsensitive();
    void setReplacesAllFieldsOfThatName();
    void hasTokenReadsCommaLists_data();
    void hasTokenReadsCommaLists();
};

void tst_HttpHeaders::lookupIsCaseInsensitive()
{
    HttpHeaders h;
    h.append("Sec-WebSocket-Key", "abc");
    QVERIFY(h.contains("sec-websocket-key"));
    QCOMPARE(h.value("SEC-WEBSOCKET-KEY"), QByteArray("abc"));
    QVERIFY(h.value("Upgrade").isNull());
}

void tst_HttpHeaders::setReplacesAllFieldsOfThatName()
{
    HttpHeaders h;
    h.append("A", "1");
    h.append("X-Forwarded-For", "1.1.1.1");
    h.append("B", "2");
    h.append("x-forwarded-for", "2.2.2.2");
    h.set("X-Forwarded-For", "3.3.3.3");
    QCOMPARE(h.size(), 3);
    QCOMPARE(h.fields().at(1).value, QByteArray("3.3.3.3"));
    QCOMPARE(h.count("x-forwarded-for"), 1);
}

void tst_HttpHeaders::hasTokenReadsCommaLists_data()
{
    QTest::addColumn<QByteArray>("connection");
    QTest::addColumn<bool>("hasUpgrade");
    QTest::newRow("single") << QByteArray("Upgrade") << true;
    QTest::newRow("list, firefox style") << QByteArray("keep-alive, Upgrade") << true;
    QTest::newRow("spaces") << QByteArray("  close ,  upgrade  ") << true;
    QTest::newRow("absent") << QByteArray("keep-alive") << false;
    QTest::newRow("substring is not a token") << QByteArray("upgraded") << false;
}

void tst_HttpHeaders::hasTokenReadsCommaLists()
{
    QFETCH(QByteArray, connection);
    QFETCH(bool, hasUpgrade);
    HttpHeaders h;
    h.append("Connection", connection);
    QCOMPARE(h.hasToken("connection", "upgrade"), hasUpgrade);
}

QTEST_GUILESS_MAIN(tst_HttpHeaders)
#include "tst_httpheaders.moc"
