#pragma once

#include "config/confdirective.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

// The words of one statement and what ended it: what nginx's
// ngx_conf_read_token() returns on each call.
struct ConfStatement
{
    enum class End : quint8 {
        Semicolon,  // "name args;"
        BlockStart, // "name args {"
        BlockEnd,   // "}" (words is non-empty when a ";" was missing)
        EndOfFile,
        Fatal,      // the rest of the file cannot be read (too long parameter)
    };

    QList<ConfArg> words;
    End end = End::EndOfFile;
    ConfLocation endLocation; // of the terminator, or the end of the file
    bool endReported = false; // a diagnostic about this end was already emitted
};

// nginx's lexical rules (ngx_conf_file.c, ngx_conf_read_token):
// - words are separated by space, tab, CR and LF;
// - "#" starts a comment to the end of the line only where a word could
//   start; inside a word or quotes it is literal;
// - ";" ends a statement, "{" opens a block, "}" closes one; "}" inside a
//   word is literal, and so is "{" right after "$" ("${var}");
// - a word that starts with ' or " runs to the matching unescaped quote and
//   must be followed by whitespace, ";", "{" or ")"; quotes inside a word
//   are literal;
// - a backslash makes the next character part of the word; afterwards
//   \" \' \\ \n \r \t are unescaped and any other backslash is kept;
// - a token may not span a whole read buffer (NGX_CONF_BUFFER, 4096 bytes).
// Unlike nginx it recovers from most errors, so one run reports several.
class ConfLexer final
{
public:
    // Diagnostics are appended to `diagnostics`, which must outlive the lexer.
    ConfLexer(QByteArrayView text, const QString &fileName, QList<ConfDiagnostic> *diagnostics);
    Q_DISABLE_COPY_MOVE(ConfLexer)

    ConfStatement next();
    bool atEnd() const { return m_pos >= m_text.size(); }
    ConfLocation location() const { return makeLocation(m_line, m_column, m_pos); }

    // nginx's unescaping of a raw word (without its quotes).
    static QByteArray unescape(QByteArrayView raw);

    static constexpr qsizetype NgxConfBuffer = 4096;

private:
    struct Scan;
    struct Char;
    // What the scan does after a character: read the next one, go on to the
    // word rules with this one (only after a closing quote), or return the
    // statement.
    enum class Step : quint8 { Continue, Proceed, Done };
    void finish(Scan &s, ConfStatement::End end, const Char &c) const;
    void endOfFile(Scan &s);
    void tooLong(Scan &s);
    Step afterQuote(Scan &s, const Char &c);
    Step wordStart(Scan &s, const Char &c);
    Step inWord(Scan &s, const Char &c);

    ConfLocation makeLocation(int line, int column, qsizetype offset) const;
    void advance();
    void report(ConfDiagnostic::Severity severity, const ConfLocation &where, const QString &message);
    QString characterAt(qsizetype offset) const;

    QByteArrayView m_text;
    QString m_fileName;
    QList<ConfDiagnostic> *m_diagnostics;
    qsizetype m_pos = 0;
    int m_line = 1;
    int m_column = 1;
};
