#pragma once

#include <QCoreApplication>

#include <functional>
#include <memory>

class MainWindow;
struct Options;

// The process around a Controller: which application object, the window,
// translations, the signal watcher and the event loop.
namespace Application {

// Read from argv before any application object exists (the createApplication
// pattern of Qt's QApplication docs): a window unless an option rules it out
// (--no-gui, -t, --help, --version) or there is no display (then it says so).
bool wantsGui(int argc, char **argv);

// A QApplication for the window, a QCoreApplication otherwise (no display, no
// X libraries touched), with wsscope's name and version.
std::unique_ptr<QCoreApplication> create(int &argc, char **argv, bool gui);
// The name, organisation and version every wsscope process carries.
void setIdentity();

// Runs the proxy until it stops and returns the exit code; with gui, the
// inspector window over it. onWindow is called once the window is shown (the
// screenshot tour in tests/tools uses it).
int run(const Options &options, bool gui, const std::function<void(MainWindow *)> &onWindow = {});

} // namespace Application
