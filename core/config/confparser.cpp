#include "config/confparser.h"

#include "config/confglob.h"
#include "config/conflexer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace {

QString quoted(const QString &s)
{
    return u'"' + s + u'"';
}

QString directoryOf(const QString &fileName)
{
    const QString dir = QFileInfo(fileName).path();
    return dir == u"."_s ? QString() : dir;
}

// The identity of a file for cycle detection.
QString fileKey(const QString &path)
{
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

class Parser
{
public:
    Parser(const ConfParseOptions &options, ConfFile *result)
        : m_options(options)
        , m_result(result)
    {
    }

    void parseMain(QByteArrayView text, const QString &fileName)
    {
        m_result->files.append(fileName);
        m_includeStack.append(IncludeFrame{fileKey(fileName), fileName, ConfLocation()});
        parseSource(text, fileName, &m_result->directives);
        m_includeStack.removeLast();
    }

    void reportOpenFailure(const QString &fileName, const QString &reason)
    {
        error(ConfLocation{fileName, 0, 0, -1}, u"open() %1 failed (%2)"_s.arg(quoted(fileName), reason));
    }

private:
    enum class BlockResult { Closed, EndOfFile, Fatal };

    struct IncludeFrame
    {
        QString key;
        QString fileName;
        ConfLocation includedAt; // invalid for the main file
    };

    void diagnose(ConfDiagnostic::Severity severity, const ConfLocation &where, const QString &message)
    {
        ConfDiagnostic d;
        d.severity = severity;
        d.location = where;
        d.message = message;
        m_result->diagnostics.append(std::move(d));
    }
    void error(const ConfLocation &where, const QString &message)
    {
        diagnose(ConfDiagnostic::Severity::Error, where, message);
    }

    void parseSource(QByteArrayView text, const QString &fileName, QList<ConfDirective> *out)
    {
        const qsizetype firstDiagnostic = m_result->diagnostics.size();
        ConfLexer lexer(text, fileName, &m_result->diagnostics);
        parseBlock(lexer, out, nullptr);

        // Diagnostics of this file (not of files it included, which already
        // have their chain) learn where the file was included from.
        QList<ConfLocation> chain;
        for (qsizetype i = m_includeStack.size() - 1; i > 0; --i)
            chain.append(m_includeStack.at(i).includedAt);
        if (chain.isEmpty())
            return;
        for (qsizetype i = firstDiagnostic; i < m_result->diagnostics.size(); ++i) {
            ConfDiagnostic &d = m_result->diagnostics[i];
            if (d.includedFrom.isEmpty() && d.location.file == fileName)
                d.includedFrom = chain;
        }
    }

    static ConfDirective makeDirective(const ConfStatement &st)
    {
        ConfDirective d;
        const ConfArg &name = st.words.first();
        d.name = name.text;
        d.nameQuote = name.quote;
        d.location = name.location;
        d.args = st.words.mid(1);
        d.terminator = st.endLocation;
        return d;
    }

    // ngx_conf_parse(): statements until "}" (in a block) or the end of the
    // file (at the top of a file).
    BlockResult parseBlock(ConfLexer &lexer, QList<ConfDirective> *out, ConfDirective *block)
    {
        using End = ConfStatement::End;
        for (;;) {
            ConfStatement st = lexer.next();
            switch (st.end) {
            case End::Fatal:
                return BlockResult::Fatal;

            case End::Semicolon:
                if (!st.words.isEmpty()) // else: a stray ";", already reported
                    addDirective(makeDirective(st), out);
                break;

            case End::BlockStart: {
                ConfDirective d;
                if (!st.words.isEmpty())
                    d = makeDirective(st);
                else
                    d.terminator = st.endLocation; // a stray "{": read its block, then drop it
                d.hasBlock = true;
                const BlockResult inner = parseBlock(lexer, &d.children, &d);
                if (inner == BlockResult::EndOfFile) {
                    diagnose(ConfDiagnostic::Severity::Note, d.terminator,
                             d.name.isEmpty() && st.words.isEmpty()
                                 ? u"the block opened here is not closed"_s
                                 : u"the %1 block opened here is not closed"_s.arg(
                                       quoted(QString::fromUtf8(d.name))));
                }
                if (!st.words.isEmpty())
                    addDirective(std::move(d), out);
                if (inner != BlockResult::Closed)
                    return inner;
                break;
            }

            case End::BlockEnd:
                if (!st.words.isEmpty()) // a missing ";", reported: keep what was written
                    addDirective(makeDirective(st), out);
                if (!block) {
                    if (!st.endReported)
                        error(st.endLocation, u"unexpected \"}\""_s);
                    break; // skip it and go on
                }
                block->blockEnd = st.endLocation;
                return BlockResult::Closed;

            case End::EndOfFile:
                if (!st.words.isEmpty())
                    addDirective(makeDirective(st), out);
                if (block && !st.endReported)
                    error(st.endLocation, u"unexpected end of file, expecting \"}\""_s);
                return BlockResult::EndOfFile;
            }
        }
    }

    void addDirective(ConfDirective d, QList<ConfDirective> *out)
    {
        if (m_options.followIncludes && d.name == "include") {
            // ngx_conf_handler() checks the terminator before the arguments.
            if (d.hasBlock) {
                error(d.location, u"directive \"include\" is not terminated by \";\""_s);
                return;
            }
            if (d.args.size() != 1) {
                error(d.location, u"invalid number of arguments in \"include\" directive"_s);
                return;
            }
            include(d.args.first(), out);
            return;
        }
        out->append(std::move(d));
    }

    // ngx_conf_include()
    void include(const ConfArg &arg, QList<ConfDirective> *out)
    {
        const QString pattern = QFile::decodeName(arg.text);
        QString path = pattern;
        if (QDir::isRelativePath(pattern)) {
            const QString base = m_options.includeBase == ConfParseOptions::IncludeBase::MainFile
                                     ? directoryOf(m_includeStack.first().fileName)
                                     : directoryOf(m_includeStack.last().fileName);
            if (!base.isEmpty())
                path = base + u'/' + pattern;
        }

        QStringList files;
        if (!ConfGlob::hasMagic(path)) {
            files.append(path); // must exist: nginx opens it and fails otherwise
        } else {
            files = ConfGlob::expand(path); // matching nothing is fine
        }

        for (const QString &file : std::as_const(files))
            includeFile(file, arg.location, out);
    }

    void includeFile(const QString &fileName, const ConfLocation &includedAt, QList<ConfDirective> *out)
    {
        const QString key = fileKey(fileName);
        for (qsizetype i = 0; i < m_includeStack.size(); ++i) {
            if (m_includeStack.at(i).key != key)
                continue;
            QStringList cycle;
            for (qsizetype j = i; j < m_includeStack.size(); ++j)
                cycle.append(quoted(m_includeStack.at(j).fileName));
            cycle.append(quoted(fileName));
            error(includedAt, u"include cycle: %1"_s.arg(cycle.join(u" includes "_s)));
            return;
        }

        if (QFileInfo(fileName).isDir()) {
            // nginx opens it and then fails to read it
            error(includedAt, u"read() %1 failed (Is a directory)"_s.arg(quoted(fileName)));
            return;
        }
        QFile file(fileName);
        if (!file.open(QIODevice::ReadOnly)) {
            error(includedAt, u"open() %1 failed (%2)"_s.arg(quoted(fileName), file.errorString()));
            return;
        }
        const QByteArray text = file.readAll();

        m_result->files.append(fileName);
        m_includeStack.append(IncludeFrame{key, fileName, includedAt});
        parseSource(text, fileName, out);
        m_includeStack.removeLast();
    }

    const ConfParseOptions &m_options;
    ConfFile *m_result;
    QList<IncludeFrame> m_includeStack;
};

} // namespace

ConfFile ConfParser::parseFile(const QString &path, const ConfParseOptions &options)
{
    ConfFile result;
    result.fileName = path;
    Parser parser(options, &result);

    QFile file(path);
    if (QFileInfo(path).isDir()) {
        parser.reportOpenFailure(path, u"Is a directory"_s);
        return result;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        parser.reportOpenFailure(path, file.errorString());
        return result;
    }
    parser.parseMain(file.readAll(), path);
    return result;
}

ConfFile ConfParser::parseText(QByteArrayView text, const QString &fileName, const ConfParseOptions &options)
{
    ConfFile result;
    result.fileName = fileName;
    Parser parser(options, &result);
    parser.parseMain(text, fileName);
    return result;
}
