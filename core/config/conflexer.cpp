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

ConfStatement ConfLexer::next()
{
    using End = ConfStatement::End;
    using Severity = ConfDiagnostic::Severity;

    ConfStatement st;
    bool needSpace = false; // just closed a quoted word
    bool lastSpace = true;  // between words
    bool comment = false;
    bool variable = false;  // the previous character was "$"
    bool escaped = false;   // the previous character was a backslash
    ConfQuote quote = ConfQuote::None;

    // `start` mirrors nginx's token start: the text of a word begins there,
    // and nginx fails when it would span a whole read buffer.
    qsizetype start = m_pos;
    int startLine = m_line;
    int startColumn = m_column;
    ConfLocation wordLocation;

    auto finish = [&](End end, int line, int column, qsizetype offset) {
        st.end = end;
        st.endLocation = makeLocation(line, column, offset);
        return st;
    };

    for (;;) {
        if (m_pos >= m_text.size()) {
            st.end = End::EndOfFile;
            st.endLocation = location();
            if (!st.words.isEmpty() || !lastSpace) {
                report(Severity::Error, st.endLocation, u"unexpected end of file, expecting \";\" or \"}\""_s);
                if (quote != ConfQuote::None)
                    report(Severity::Note, wordLocation, u"the quoted string that starts here is not closed"_s);
                st.endReported = true;
            }
            return st;
        }

        if (m_pos - start >= NgxConfBuffer) {
            const ConfLocation where = makeLocation(startLine, startColumn, start);
            if (quote != ConfQuote::None) {
                report(Severity::Error, where,
                       u"too long parameter, probably missing terminating \"%1\" character"_s.arg(
                           QChar(quote == ConfQuote::Double ? u'"' : u'\'')));
            } else {
                report(Severity::Error, where,
                       u"too long parameter \"%1...\" started"_s.arg(
                           QString::fromUtf8(m_text.sliced(start, 10))));
            }
            st.end = End::Fatal;
            st.endLocation = where;
            st.endReported = true;
            m_pos = m_text.size();
            return st;
        }

        const char ch = m_text.at(m_pos);
        const qsizetype chOffset = m_pos;
        const int chLine = m_line;
        const int chColumn = m_column;
        advance();

        if (comment) {
            if (ch != '\n')
                continue;
            comment = false;
        }

        if (escaped) {
            escaped = false;
            continue;
        }

        if (needSpace) {
            if (isSpace(ch)) {
                lastSpace = true;
                needSpace = false;
                continue;
            }
            if (ch == ';')
                return finish(End::Semicolon, chLine, chColumn, chOffset);
            if (ch == '{')
                return finish(End::BlockStart, chLine, chColumn, chOffset);
            // "}" is reported below, as any "}" after words is.
            if (ch != ')' && ch != '}') {
                report(Severity::Error, makeLocation(chLine, chColumn, chOffset),
                       u"unexpected \"%1\""_s.arg(characterAt(chOffset)));
            }
            // nginx goes on after ")" (as in `if ($a = "b")`), and so do we
            // after any other character: it starts the next word.
            lastSpace = true;
            needSpace = false;
        }

        if (lastSpace) {
            start = chOffset;
            startLine = chLine;
            startColumn = chColumn;

            if (isSpace(ch))
                continue;

            switch (ch) {
            case ';':
            case '{':
                if (st.words.isEmpty()) {
                    report(Severity::Error, makeLocation(chLine, chColumn, chOffset),
                           u"unexpected \"%1\""_s.arg(QLatin1Char(ch)));
                    st.endReported = true;
                }
                return finish(ch == ';' ? End::Semicolon : End::BlockStart, chLine, chColumn, chOffset);

            case '}':
                if (!st.words.isEmpty()) {
                    report(Severity::Error, makeLocation(chLine, chColumn, chOffset), u"unexpected \"}\""_s);
                    st.endReported = true;
                }
                return finish(End::BlockEnd, chLine, chColumn, chOffset);

            case '#':
                comment = true;
                continue;

            case '"':
            case '\'':
                ++start;
                ++startColumn;
                quote = ch == '"' ? ConfQuote::Double : ConfQuote::Single;
                break;

            case '\\':
                escaped = true;
                quote = ConfQuote::None;
                break;

            case '$':
                variable = true;
                quote = ConfQuote::None;
                break;

            default:
                quote = ConfQuote::None;
                break;
            }
            lastSpace = false;
            wordLocation = makeLocation(chLine, chColumn, chOffset);
            continue;
        }

        // Inside a word.
        if (ch == '{' && variable)
            continue; // "${name}"
        variable = false;

        if (ch == '\\') {
            escaped = true;
            continue;
        }
        if (ch == '$') {
            variable = true;
            continue;
        }

        bool found = false;
        if (quote == ConfQuote::Double) {
            if (ch == '"') {
                needSpace = true;
                found = true;
            }
        } else if (quote == ConfQuote::Single) {
            if (ch == '\'') {
                needSpace = true;
                found = true;
            }
        } else if (isSpace(ch) || ch == ';' || ch == '{') {
            lastSpace = true;
            found = true;
        }

        if (found) {
            st.words.append(ConfArg{unescape(m_text.sliced(start, chOffset - start)), quote, wordLocation});
            quote = ConfQuote::None;
            if (ch == ';')
                return finish(End::Semicolon, chLine, chColumn, chOffset);
            if (ch == '{')
                return finish(End::BlockStart, chLine, chColumn, chOffset);
        }
    }
}
