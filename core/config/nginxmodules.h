#pragma once

#include <QByteArray>

// nginx's modules as its configure script names them, each marked with
// whether wsscope implements it. `wsscope -V` prints the configure line an
// nginx with the same modules would have been built with (a module nginx
// builds by default and wsscope lacks is `--without-...`; an optional one
// wsscope has is `--with-...`), so tools that probe modules through `nginx -V`
// (nginx-tests' has_module() among them) see what wsscope does.
//
// The one place to edit when a module becomes implemented: the table in
// nginxmodules.cpp, next to the directive table.
namespace NginxModules {

// "--with-http_ssl_module --without-http_ssi_module ...".
QByteArray configureArguments();

} // namespace NginxModules
