// Controller: one run of the proxy, in-process. The e2e suites drive the same
// paths through the binary; here the demo's free-port fallback (the one way
// a configuration is made) and the signals reaching the slots.

#include "commandline.h"
#include "controller.h"
#include "exitcode.h"
#include "ops/signalwatcher.h"

#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Qt::StringLiterals;

namespace {

Options parsed(const QStringList &args)
{
    const CommandLine::ParseResult r = CommandLine::parse(QStringList{u"wsscope"_s} + args);
    Q_ASSERT(r.ok());
    return r.options;
}

bool writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

const QByteArray ReturnConfig = "http { server { listen 127.0.0.1:0; location / { return 200 \"one\"; } } }\n";

} // namespace

class tst_Controller final : public QObject
{
    Q_OBJECT

private slots:
    void demoFallsBackToAFreePort();
    void demoWithListenDoesNotFallBack();
    void signalsDriveTheSlots();
    void reloadKeepsTheRunningConfigOnErrors();
    void quickModeHasNothingToReload();
};

// 127.0.0.1:8080 taken: the demo rebuilds its quick-mode source with port 0,
// compiles it the same way, and its client talks through the new port.
void tst_Controller::demoFallsBackToAFreePort()
{
    QTcpServer holder;
    const bool held = holder.listen(QHostAddress::LocalHost, 8080); // else someone else holds it: as good
    Q_UNUSED(held)
    Controller controller(parsed({u"--demo"_s}));
    QCOMPARE(controller.prepare(), int(ExitOk));
    QVERIFY(controller.source().text.contains("listen \"127.0.0.1:8080\";"));
    QSignalSpy changed(&controller, &Controller::sourceChanged);
    int events = 0;
    controller.server()->events().subscribe(this, [&events](const QList<InspectEvent> &batch) {
        events += int(batch.size());
    });
    QCOMPARE(controller.start(), int(ExitOk));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(controller.source().kind, ConfigSource::Kind::QuickMode);
    QVERIFY(controller.source().text.contains("listen \"127.0.0.1:0\";"));
    const QList<ListenAddress> bound = controller.server()->boundAddresses();
    QCOMPARE(bound.size(), 1);
    QVERIFY(bound.constFirst().port != 8080);
    QTRY_VERIFY_WITH_TIMEOUT(events > 0, 10000); // the demo's client got through
    controller.server()->shutdown(0);
}

// With --listen the address is the user's: a taken port is an error (exit 1).
void tst_Controller::demoWithListenDoesNotFallBack()
{
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    Controller controller(parsed({u"--demo"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(holder.serverPort())}));
    QCOMPARE(controller.prepare(), int(ExitOk));
    QSignalSpy changed(&controller, &Controller::sourceChanged);
    QCOMPARE(controller.start(), int(ExitRuntimeError));
    QCOMPARE(changed.count(), 0);
}

// SIGHUP reaches reload() (the edited file is live), SIGUSR1 writeHar(),
// SIGTERM shutdown(); through the real SignalWatcher.
void tst_Controller::signalsDriveTheSlots()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString conf = dir.filePath(u"wsscope.conf"_s);
    QVERIFY(writeFile(conf, ReturnConfig));
    Controller controller(parsed({u"-c"_s, conf, u"--capture"_s, dir.filePath(u"cap"_s)}));
    QCOMPARE(controller.prepare(), int(ExitOk));
    QCOMPARE(controller.start(), int(ExitOk));
    SignalWatcher watcher({SIGTERM, SIGINT, SIGHUP, SIGUSR1});
    controller.watch(&watcher);

    const ConfigSnapshot first = controller.server()->config();
    QSignalSpy reloaded(controller.server(), &ProxyServer::configReloaded);
    QVERIFY(writeFile(conf, QByteArray(ReturnConfig).replace("one", "two")));
    ::raise(SIGHUP);
    QTRY_COMPARE(reloaded.count(), 1);
    QVERIFY(controller.server()->config() != first);

    QVERIFY(!QFile::exists(dir.filePath(u"cap.har"_s)));
    ::raise(SIGUSR1);
    QTRY_VERIFY(QFile::exists(dir.filePath(u"cap.har"_s)));

    QSignalSpy stopped(controller.server(), &ProxyServer::stopped);
    ::raise(SIGTERM);
    QTRY_VERIFY(controller.server()->isStopping());
    QTRY_COMPARE(stopped.count(), 1); // nothing open: the drain ends at once
}

void tst_Controller::reloadKeepsTheRunningConfigOnErrors()
{
    QTemporaryDir dir;
    const QString conf = dir.filePath(u"wsscope.conf"_s);
    QVERIFY(writeFile(conf, ReturnConfig));
    Controller controller(parsed({u"-c"_s, conf}));
    QCOMPARE(controller.prepare(), int(ExitOk));
    QCOMPARE(controller.start(), int(ExitOk));
    const ConfigSnapshot running = controller.server()->config();
    QSignalSpy reloaded(controller.server(), &ProxyServer::configReloaded);
    QVERIFY(writeFile(conf, "http { server { listen 127.0.0.1:0; bogus_directive; } }\n"));
    controller.reload();
    QCOMPARE(reloaded.count(), 0);
    QCOMPARE(controller.server()->config(), running);
    controller.server()->shutdown(0);
}

// Quick mode has no file: SIGHUP says so and changes nothing.
void tst_Controller::quickModeHasNothingToReload()
{
    Controller controller(parsed({u"--listen"_s, u"127.0.0.1:0"_s, u"--upstream"_s, u"ws://127.0.0.1:9"_s}));
    QCOMPARE(controller.prepare(), int(ExitOk));
    QCOMPARE(controller.start(), int(ExitOk));
    QVERIFY(!controller.source().reloadable());
    QSignalSpy reloaded(controller.server(), &ProxyServer::configReloaded);
    controller.reload();
    QCOMPARE(reloaded.count(), 0);
    controller.server()->shutdown(0);
}

QTEST_GUILESS_MAIN(tst_Controller)
#include "tst_controller.moc"
