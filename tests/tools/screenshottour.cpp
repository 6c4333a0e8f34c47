// wsscope_screenshots: the README pictures. Runs `wsscope --demo` in-process
// with the inspector window, waits for some live traffic, selects a demo
// connection and a JSON frame, and saves one picture per connection view and
// dock as OUTDIR/<view>-<dock><suffix>.png, then quits.
//
//   xvfb-run -a build/tests/tools/wsscope_screenshots resources/screenshots
//   xvfb-run -a build/tests/tools/wsscope_screenshots --lang zh_CN --suffix -zh_CN resources/screenshots
//
// resources/screenshots/README.md lists the command for each README picture.
//
// It reaches into MainWindow by objectName ("framesView", "frameDetail"), so
// it lives here and not in the product.

#include "application.h"
#include "attachdialog.h"
#include "commandline.h"
#include "connectionsmodel.h"
#include "mainwindow.h"
#include "ops/logging.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

// Column of the frames table that holds the payload preview.
constexpr int PreviewColumn = 4;

struct TourOptions
{
    QString outDir;
    QString suffix;
    int delayMs = 12'000;
    QList<std::pair<QString, QString>> pictures; // {view, dock}
    QStringList wsscopeArgs; // for the in-process wsscope
    quint16 attachPort = 0;  // --attached: the pictures are of a window attached to the demo's channel
};

// A loopback port free a moment ago, for the demo's inspection channel.
quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// The connection with the most to show: a tunnel with a few frames.
void selectDemoConnection(MainWindow *w)
{
    ConnectionsModel *model = w->connectionsModel();
    for (int row = model->rowCount() - 1; row >= 0; --row) {
        const ConnectionRecord *r = model->recordAt(row);
        if (r->tunnel && r->frames.size() > 6 && w->selectConnection(r->id))
            return;
    }
}

// A JSON text frame, shown as the JSON tree. False when the window has no
// longer the widgets the tour looks for (their objectNames are its contract
// with ui/), so the screenshot_tour test notices.
bool selectJsonFrame(MainWindow *w)
{
    auto *frames = w->findChild<QTableView *>(u"framesView"_s);
    auto *detail = w->findChild<QTabWidget *>(u"frameDetail"_s);
    if (!frames || !detail) {
        std::fprintf(stderr, "wsscope_screenshots: the window has no %s\n", frames ? "frameDetail" : "framesView");
        return false;
    }
    for (int row = 0; row < frames->model()->rowCount(); ++row) {
        if (frames->model()->index(row, PreviewColumn).data().toString().startsWith(u'{')) {
            frames->selectRow(row);
            detail->setCurrentIndex(1); // the JSON tree
            break;
        }
    }
    return true;
}

// Each picture shows one connection view and one dock; false if one could
// not be saved.
bool takePictures(MainWindow *w, const TourOptions &tour)
{
    QDir().mkpath(tour.outDir);
    selectDemoConnection(w);
    bool ok = selectJsonFrame(w);
    for (const auto &[view, dock] : tour.pictures) {
        w->showView(view);
        w->showView(dock);
        QCoreApplication::processEvents();
        const QString file = QDir(tour.outDir).filePath(view + u'-' + dock + tour.suffix + u".png"_s);
        if (w->grab().save(file)) {
            std::fprintf(stderr, "wsscope_screenshots: saved %s\n", qPrintable(file));
        } else {
            std::fprintf(stderr, "wsscope_screenshots: cannot save %s\n", qPrintable(file));
            ok = false;
        }
    }
    return ok;
}

bool parseTour(const QStringList &arguments, TourOptions *tour)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Saves the README screenshots of wsscope's inspector (demo traffic)."_s);
    parser.addHelpOption();
    const QCommandLineOption lang(u"lang"_s, u"Window language (as wsscope --lang)."_s, u"LOCALE"_s);
    const QCommandLineOption suffix(u"suffix"_s, u"Appended to each file name (e.g. -zh_CN)."_s, u"TEXT"_s);
    const QCommandLineOption delay(u"delay-ms"_s, u"Live traffic before the pictures (default 12000)."_s, u"MS"_s);
    const QCommandLineOption listen(u"listen"_s, u"The demo's listen address (default: wsscope --demo's)."_s,
                                    u"ADDR"_s);
    const QCommandLineOption picture(u"picture"_s,
                                     u"VIEW-DOCK, e.g. frames-config; repeatable (default: handshake-upstreams, "
                                     u"frames-log, ping-config)."_s,
                                     u"VIEW-DOCK"_s);
    const QCommandLineOption attached(u"attached"_s,
                                      u"Picture a window attached to the demo through its inspection channel "
                                      u"(--inspect-listen), as on a server, instead of the demo's own window."_s);
    parser.addOptions({lang, suffix, delay, listen, picture, attached});
    parser.addPositionalArgument(u"OUTDIR"_s, u"Where the pictures go (resources/screenshots for the README)."_s);
    parser.process(arguments);
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "%s", qPrintable(parser.helpText()));
        return false;
    }
    tour->outDir = QFileInfo(parser.positionalArguments().constFirst()).absoluteFilePath();
    tour->suffix = parser.value(suffix);
    if (parser.isSet(delay))
        tour->delayMs = parser.value(delay).toInt();
    const QStringList pictures = parser.isSet(picture)
        ? parser.values(picture)
        : QStringList{u"handshake-upstreams"_s, u"frames-log"_s, u"ping-config"_s};
    for (const QString &p : pictures)
        tour->pictures.append({p.section(u'-', 0, 0), p.section(u'-', 1)});
    tour->wsscopeArgs = {u"wsscope"_s, u"--demo"_s};
    if (parser.isSet(lang))
        tour->wsscopeArgs << u"--lang"_s << parser.value(lang);
    if (parser.isSet(listen))
        tour->wsscopeArgs << u"--listen"_s << parser.value(listen);
    if (parser.isSet(attached)) {
        tour->attachPort = freePort();
        tour->wsscopeArgs << u"--inspect-listen"_s << u"127.0.0.1:%1"_s.arg(tour->attachPort) << u"--inspect-name"_s
                          << u"prod-1"_s;
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    Application::setIdentity();
    TourOptions tour;
    if (!parseTour(QCoreApplication::arguments(), &tour))
        return ExitUsage;
    const CommandLine::ParseResult parsed = CommandLine::parse(tour.wsscopeArgs);
    if (!parsed.ok())
        return CommandLine::reportUsageError(parsed.error);
    Logging::install(0);

    bool saved = false;
    const int rc = Application::run(parsed.options, true, [&tour, &saved](MainWindow *w) {
        if (tour.attachPort)
            w = w->attachTo(AttachTarget{QUrl(u"ws://127.0.0.1:%1"_s.arg(tour.attachPort)), {}});
        QTimer::singleShot(tour.delayMs, w, [w, &tour, &saved] {
            saved = takePictures(w, tour);
            QCoreApplication::quit();
        });
    });
    return rc != ExitOk ? rc : saved ? ExitOk : ExitRuntimeError;
}
