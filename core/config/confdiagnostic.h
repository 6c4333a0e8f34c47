#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

// A position in a configuration source: 1-based line and column, where the
// column counts characters (UTF-8 code points; a tab is one), as an editor
// shows them. `offset` is the byte offset in the file, for exact mapping.
struct ConfLocation
{
    QString file;
    int line = 0;
    int column = 0;
    qsizetype offset = -1;

    bool isValid() const { return line > 0; }
    // "file:line:column"
    QString toString() const;

    friend bool operator==(const ConfLocation &a, const ConfLocation &b)
    {
        return a.line == b.line && a.column == b.column && a.file == b.file;
    }
};

// One message about a configuration, formatted like a compiler's.
struct ConfDiagnostic
{
    enum class Severity : quint8 { Error, Warning, Note };

    Severity severity = Severity::Error;
    ConfLocation location;
    QString message;
    // For a diagnostic inside an included file: where it was included from,
    // innermost include first (like "In file included from ..." in gcc).
    QList<ConfLocation> includedFrom;

    bool isError() const { return severity == Severity::Error; }
    // "wsscope.conf:12:5: error: unexpected \"}\""
    QString toString() const;

    static QString severityName(Severity severity);
};

Q_DECLARE_METATYPE(ConfLocation)
Q_DECLARE_METATYPE(ConfDiagnostic)
