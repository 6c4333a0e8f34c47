#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>

// The glob(3) subset nginx's `include` uses: "*", "?" and "[...]" (with "!"
// or "^" to negate, and ranges) in any path component, a backslash quoting
// the next character, and a leading "." in a name only matched by a literal
// "." (hidden files stay out of `include conf.d/*`). Matches come back sorted
// by their bytes, as glob() sorts them in nginx's C locale.
class ConfGlob final
{
public:
    // nginx only globs when the pattern holds one of "*?[" (ngx_conf_include).
    static bool hasMagic(QStringView pattern);
    // Whether one path component matches one pattern component.
    static bool matchName(QStringView pattern, QStringView name);
    // Every existing path that matches `pattern` ('/' separates components).
    static QStringList expand(const QString &pattern);
};
