// The worker-thread rule shared by ProxyServer::start (how many threads it
// creates) and reload (whether worker_processes changed).

#include "proxy/workercount.h"

#include <QTest>

class tst_WorkerCount final : public QObject
{
    Q_OBJECT

private slots:
    void forConfig_data();
    void forConfig();
    void defaultUsesIdealThreadCount();
};

void tst_WorkerCount::forConfig_data()
{
    QTest::addColumn<int>("configured");
    QTest::addColumn<int>("ideal");
    QTest::addColumn<int>("expected");

    QTest::newRow("explicit count is kept") << 4 << 2 << 4;
    QTest::newRow("explicit one") << 1 << 8 << 1;
    QTest::newRow("explicit at the cap") << WorkerCount::MaxWorkerThreads << 2 << WorkerCount::MaxWorkerThreads;
    QTest::newRow("explicit over the cap is capped") << 100 << 2 << WorkerCount::MaxWorkerThreads;
    QTest::newRow("auto: one per core") << 0 << 8 << 8;
    QTest::newRow("auto on one core") << 0 << 1 << 1;
    // start() used to cap `auto` and reload() not, so on 128 cores every
    // SIGHUP logged a false "worker_processes changed".
    QTest::newRow("auto over the cap is capped") << 0 << 128 << WorkerCount::MaxWorkerThreads;
    QTest::newRow("auto when the core count is unknown") << 0 << 0 << 1;
    QTest::newRow("negative means auto") << -1 << 3 << 3;
}

void tst_WorkerCount::forConfig()
{
    QFETCH(int, configured);
    QFETCH(int, ideal);
    QFETCH(int, expected);
    QCOMPARE(WorkerCount::forConfig(configured, ideal), expected);
}

// Without an explicit core count, the machine's is used.
void tst_WorkerCount::defaultUsesIdealThreadCount()
{
    QCOMPARE(WorkerCount::forConfig(0), WorkerCount::forConfig(0, QThread::idealThreadCount()));
    QCOMPARE(WorkerCount::forConfig(3), 3);
}

QTEST_APPLESS_MAIN(tst_WorkerCount)
#include "tst_workercount.moc"
