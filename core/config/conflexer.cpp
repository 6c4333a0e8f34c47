#include "config/conflexer.h"

using namespace Qt::StringLiterals;

namespace {

bool isSpace(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

bool isUtf8Continuation(char ch)
{
    return (static_cast<unsigned char>(ch) & 0xC0) == 0x80;
}

} // namespace

ConfLexer::ConfLexer(QByteArrayView text, const QString &fileName, QList<ConfDiagnostic> *diagnostics)
    : m_text(text)
    , m_fileName(fileName)
    , m_diagnostics(diagnostics)
{
    // nginx would read a byte order mark as part of the first word and then
    // reject that directive; editors on Windows add one silently.
    if (m_text.startsWith("\xEF\xBB\xBF")) {
        report(ConfDiagnostic::Severity::Warning, makeLocation(1, 1, 0),
               u"ignoring the UTF-8 byte order mark at the start of the file "
               "(nginx would read it as part of the first directive)"_s);
        m_pos = 3;
    }
}

ConfLocation ConfLexer::makeLocation(int line, int column, qsizetype offset) const
{
    return ConfLocation{m_fileName, line, column, offset};
}

void ConfLexer::advance()
{
    const char ch = m_text.at(m_pos++);
    if (ch == '\n') {
        ++m_line;
        m_column = 1;
    } else if (!isUtf8Continuation(ch)) {
        ++m_column;
    }
}

void ConfLexer::report(ConfDiagnostic::Severity severity, const ConfLocation &where, const QString &message)
{
    ConfDiagnostic d;
    d.severity = severity;
    d.location = where;
    d.message = message;
    m_diagnostics->append(std::move(d));
}

QString ConfLexer::characterAt(qsizetype offset) const
{
    qsizetype end = offset + 1;
    while (end < m_text.size() && isUtf8Continuation(m_text.at(end)))
        ++end;
    return QString::fromUtf8(m_text.sliced(offset, end - offset));
}

QByteArray ConfLexer::unescape(QByteArrayView raw)
{
    QByteArray out;
    out.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char ch = raw.at(i);
        if (ch == '\\' && i + 1 < raw.size()) {
            switch (raw.at(i + 1)) {
            case '"':
            case '\'':
            case '\\':
                out.append(raw.at(++i));
                continue;
            case 't':
                out.append('\t');
                ++i;
                continue;
            case 'r':
                out.append('\r');
                ++i;
                continue;
            case 'n':
                out.append('\n');
                ++i;
                continue;
            default:
                break; // any other backslash stays
            }
        }
        out.append(ch);
    }
    return out;
}

// The scan of one statement keeps nginx's ngx_conf_read_token locals.
struct ConfLexer::Scan
{
    ConfStatement st;
    bool needSpace = false; // just closed a quoted word
    bool lastSpace = true;  // between words
    bool comment = false;
    bool variable = false;  // the previous character was "$"
    bool escaped = false;   // the previous character was a backslash
    ConfQuote quote = ConfQuote::None;
    // `start` mirrors nginx's token start: the text of a word begins there,
    // and nginx fails when it would span a whole read buffer.
    qsizetype start = 0;
    int startLine = 0;
    int startColumn = 0;
    ConfLocation wordLocation;
};

// One character of the text, where it stands.
struct ConfLexer::Char
{
    char ch;
    qsizetype offset;
    int line;
    int column;
};

ConfStatement ConfLexer::next()
{
    Scan s;
    s.start = m_pos;
    s.startLine = m_line;
    s.startColumn = m_column;

    for (;;) {
        if (m_pos >= m_text.size()) {
            endOfFile(s);
            return s.st;
        }
        if (m_pos - s.start >= NgxConfBuffer) {
            tooLong(s);
            return s.st;
        }
        const Char c{m_text.at(m_pos), m_pos, m_line, m_column};
        advance();

        if (s.comment) {
            if (c.ch != '\n')
                continue;
            s.comment = false;
        }
        if (s.escaped) {
            s.escaped = false;
            continue;
        }
        if (s.needSpace) {
            const Step step = afterQuote(s, c);
            if (step == Step::Done)
                return s.st;
            if (step == Step::Continue)
                continue;
        }
        const Step step = s.lastSpace ? wordStart(s, c) : inWord(s, c);
        if (step == Step::Done)
            return s.st;
    }
}

void ConfLexer::finish(Scan &s, ConfStatement::End end, const Char &c) const
{
    s.st.end = end;
    s.st.endLocation = makeLocation(c.line, c.column, c.offset);
}

void ConfLexer::endOfFile(Scan &s)
{
    s.st.end = ConfStatement::End::EndOfFile;
    s.st.endLocation = location();
    if (!s.st.words.isEmpty() || !s.lastSpace) {
        report(ConfDiagnostic::Severity::Error, s.st.endLocation, u"unexpected end of file, expecting \";\" or \"}\""_s);
        if (s.quote != ConfQuote::None)
            report(ConfDiagnostic::Severity::Note, s.wordLocation, u"the quoted string that starts here is not closed"_s);
        s.st.endReported = true;
    }
}

void ConfLexer::tooLong(Scan &s)
{
    const ConfLocation where = makeLocation(s.startLine, s.startColumn, s.start);
    if (s.quote != ConfQuote::None) {
        report(ConfDiagnostic::Severity::Error, where,
               u"too long parameter, probably missing terminating \"%1\" character"_s.arg(
                   QChar(s.quote == ConfQuote::Double ? u'"' : u'\'')));
    } else {
        report(ConfDiagnostic::Severity::Error, where,
               u"too long parameter \"%1...\" started"_s.arg(QString::fromUtf8(m_text.sliced(s.start, 10))));
    }
    s.st.end = ConfStatement::End::Fatal;
    s.st.endLocation = where;
    s.st.endReported = true;
    m_pos = m_text.size();
}

// Right after a closing quote: a space, ";" or "{" must follow.
ConfLexer::Step ConfLexer::afterQuote(Scan &s, const Char &c)
{
    using End = ConfStatement::End;
    if (isSpace(c.ch)) {
        s.lastSpace = true;
        s.needSpace = false;
        return Step::Continue;
    }
    if (c.ch == ';' || c.ch == '{') {
        finish(s, c.ch == ';' ? End::Semicolon : End::BlockStart, c);
        return Step::Done;
    }
    // "}" is reported below, as any "}" after words is.
    if (c.ch != ')' && c.ch != '}') {
        report(ConfDiagnostic::Severity::Error, makeLocation(c.line, c.column, c.offset),
               u"unexpected \"%1\""_s.arg(characterAt(c.offset)));
    }
    // nginx goes on after ")" (as in `if ($a = "b")`), and so do we after
    // any other character: it starts the next word.
    s.lastSpace = true;
    s.needSpace = false;
    return Step::Proceed;
}

// Between words: a statement end, a comment, or the first character of a word.
ConfLexer::Step ConfLexer::wordStart(Scan &s, const Char &c)
{
    using End = ConfStatement::End;
    s.start = c.offset;
    s.startLine = c.line;
    s.startColumn = c.column;

    if (isSpace(c.ch))
        return Step::Continue;

    switch (c.ch) {
    case ';':
    case '{':
        if (s.st.words.isEmpty()) {
            report(ConfDiagnostic::Severity::Error, makeLocation(c.line, c.column, c.offset),
                   u"unexpected \"%1\""_s.arg(QLatin1Char(c.ch)));
            s.st.endReported = true;
        }
        finish(s, c.ch == ';' ? End::Semicolon : End::BlockStart, c);
        return Step::Done;

    case '}':
        if (!s.st.words.isEmpty()) {
            report(ConfDiagnostic::Severity::Error, makeLocation(c.line, c.column, c.offset), u"unexpected \"}\""_s);
            s.st.endReported = true;
        }
        finish(s, End::BlockEnd, c);
        return Step::Done;

    case '#':
        s.comment = true;
        return Step::Continue;

    case '"':
    case '\'':
        ++s.start;
        ++s.startColumn;
        s.quote = c.ch == '"' ? ConfQuote::Double : ConfQuote::Single;
        break;

    case '\\':
        s.escaped = true;
        s.quote = ConfQuote::None;
        break;

    case '$':
        s.variable = true;
        s.quote = ConfQuote::None;
        break;

    default:
        s.quote = ConfQuote::None;
        break;
    }
    s.lastSpace = false;
    s.wordLocation = makeLocation(c.line, c.column, c.offset);
    return Step::Continue;
}

// Inside a word: its end (a closing quote, or a space, ";" or "{" outside quotes).
ConfLexer::Step ConfLexer::inWord(Scan &s, const Char &c)
{
    using End = ConfStatement::End;
    if (c.ch == '{' && s.variable)
        return Step::Continue; // "${name}"
    s.variable = false;

    if (c.ch == '\\') {
        s.escaped = true;
        return Step::Continue;
    }
    if (c.ch == '$') {
        s.variable = true;
        return Step::Continue;
    }

    bool found = false;
    if (s.quote == ConfQuote::Double) {
        if (c.ch == '"') {
            s.needSpace = true;
            found = true;
        }
    } else if (s.quote == ConfQuote::Single) {
        if (c.ch == '\'') {
            s.needSpace = true;
            found = true;
        }
    } else if (isSpace(c.ch) || c.ch == ';' || c.ch == '{') {
        s.lastSpace = true;
        found = true;
    }
    if (!found)
        return Step::Continue;

    s.st.words.append(ConfArg{unescape(m_text.sliced(s.start, c.offset - s.start)), s.quote, s.wordLocation});
    s.quote = ConfQuote::None;
    if (c.ch == ';' || c.ch == '{') {
        finish(s, c.ch == ';' ? End::Semicolon : End::BlockStart, c);
        return Step::Done;
    }
    return Step::Continue;
}
