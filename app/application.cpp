#include "application.h"

#include "commandline.h"
#include "controller.h"
#include "inspectendpoint.h"
#include "mainwindow.h"
#include "ops/signalwatcher.h"
#include "remote/localinspectorsource.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

#include <csignal>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
        || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

// The system locale or --lang, Qt's own strings too.
void installTranslations(const QString &lang)
{
    const QLocale locale = lang.isEmpty() ? QLocale::system() : QLocale(lang);
    QLocale::setDefault(locale);
    auto *qtTranslator = new QTranslator(QCoreApplication::instance());
    if (qtTranslator->load(locale, u"qtbase"_s, u"_"_s, QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qtTranslator);
    auto *translator = new QTranslator(QCoreApplication::instance());
    if (translator->load(locale, u"wsscope"_s, u"_"_s, u":/i18n"_s))
        QCoreApplication::installTranslator(translator);
}

} // namespace

bool Application::wantsGui(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    if (!CommandLine::wantsWindow(arguments))
        return false;
    if (!hasDisplay()) {
        std::fprintf(stderr, "wsscope: no display found; running headless (pass --no-gui to silence this)\n");
        return false;
    }
    return true;
}

std::unique_ptr<QCoreApplication> Application::create(int &argc, char **argv, bool gui)
{
    std::unique_ptr<QCoreApplication> app(gui ? new QApplication(argc, argv) : new QCoreApplication(argc, argv));
    setIdentity();
    return app;
}

void Application::setIdentity()
{
    QCoreApplication::setApplicationName(u"wsscope"_s);
    QCoreApplication::setOrganizationName(u"wsscope"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(WSSCOPE_VERSION));
}

int Application::run(const Options &options, bool gui, const std::function<void(MainWindow *)> &onWindow)
{
    Controller controller(options);
    controller.setWindowShown(gui);
    if (const int rc = controller.prepare(); rc != ExitOk)
        return rc;
    // The window's view of the proxy: subscribed before start() so it sees
    // the first connection (the batches wait in the bus until exec()).
    std::unique_ptr<LocalInspectorSource> inspector;
    if (gui) {
        inspector = std::make_unique<LocalInspectorSource>(controller.server(), controller.source().editorText(),
                                                           controller.source().name);
        QObject::connect(&controller, &Controller::sourceChanged, inspector.get(), [&controller, &inspector] {
            inspector->setConfigText(controller.source().editorText(), controller.source().name);
            inspector->setCompileOptions(controller.source().compileOptions());
        });
        inspector->setCompileOptions(controller.source().compileOptions());
    }
    // The inspection channel (--inspect-* over inspect_*): its view of the
    // proxy subscribes before start() too, so its history begins with the
    // first connection.
    InspectEndpoint channel(options, &controller);
    if (const int rc = channel.prepare(); rc != ExitOk)
        return rc;
    if (const int rc = controller.start(); rc != ExitOk)
        return rc;
    if (const int rc = channel.start(); rc != ExitOk)
        return rc;

    SignalWatcher signalWatcher(Controller::watchedSignals());
    controller.watch(&signalWatcher);

    std::unique_ptr<MainWindow> window;
    if (gui) {
        installTranslations(options.lang);
        window = std::make_unique<MainWindow>(inspector.get());
        window->show();
        ProxyServer *server = controller.server();
        QObject::connect(qApp, &QCoreApplication::aboutToQuit, server, [server] { server->shutdown(0); });
        if (onWindow)
            onWindow(window.get());
    }
    const int rc = QCoreApplication::exec();
    controller.finish();
    return rc;
}
