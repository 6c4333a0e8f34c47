#pragma once

#include "config/confdiagnostic.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

// How a word was written. nginx itself forgets this once a word is read, but
// some directives care: in a map block `''` is the empty key while a bare
// word never is, and a quoted "~" is not a regex marker for a user reading it.
enum class ConfQuote : quint8 { None, Single, Double };

// One word of a directive after nginx's unescaping (\" \' \\ \n \r \t; any
// other backslash is kept), without its quotes.
struct ConfArg
{
    QByteArray text;
    ConfQuote quote = ConfQuote::None;
    ConfLocation location; // of the first character (the opening quote, if quoted)

    bool isQuoted() const { return quote != ConfQuote::None; }
};

// `name args... ;` or `name args... { children }`, as nginx reads them; no
// meaning is attached here (see the config compiler for that).
struct ConfDirective
{
    QByteArray name;
    ConfQuote nameQuote = ConfQuote::None;
    QList<ConfArg> args;          // the words after the name
    bool hasBlock = false;
    QList<ConfDirective> children; // only when hasBlock
    ConfLocation location;        // of the name
    ConfLocation terminator;      // of the ";" or the "{"
    ConfLocation blockEnd;        // of the "}" (invalid when the block is unclosed)

    qsizetype argCount() const { return args.size(); }
    // The text of argument i, or a null QByteArray when there is none.
    QByteArray argText(qsizetype i) const { return i < args.size() ? args.at(i).text : QByteArray(); }
    // Children with that name, in order.
    QList<const ConfDirective *> childrenNamed(QByteArrayView childName) const;
};

// The result of parsing one configuration (a file and everything it
// includes). Includes are expanded in place: a directive's location names
// the file it was read from.
struct ConfFile
{
    QString fileName;                  // as passed to the parser
    QList<ConfDirective> directives;
    QStringList files;                 // every file read, in the order read (main first)
    QList<ConfDiagnostic> diagnostics; // in the order found

    bool hasErrors() const;
    qsizetype errorCount() const;
};
