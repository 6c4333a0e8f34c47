#include "nginxhighlighter.h"

#include "colours.h"

#include <QFont>

NginxHighlighter::NginxHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{
    QTextCharFormat directive;
    directive.setForeground(Colours::Syntax::Directive);
    QTextCharFormat block;
    block.setForeground(Colours::Syntax::Block);
    block.setFontWeight(QFont::Bold);
    QTextCharFormat variable;
    variable.setForeground(Colours::Syntax::Variable);
    QTextCharFormat number;
    number.setForeground(Colours::Syntax::Number);
    QTextCharFormat string;
    string.setForeground(Colours::Syntax::String);
    QTextCharFormat punctuation;
    punctuation.setForeground(Colours::Syntax::Punctuation);
    punctuation.setFontWeight(QFont::Bold);
    m_comment.setForeground(Colours::Syntax::Comment);
    m_comment.setFontItalic(true);

    // The first word of a statement is its directive.
    m_rules.append({QRegularExpression(QStringLiteral(R"((?:^|[;{}])\s*([A-Za-z_][A-Za-z0-9_]*))")), directive, 1});
    m_rules.append({QRegularExpression(QStringLiteral(
                        R"((?:^|[;{}])\s*(http|server|location|upstream|map|events|stream|types|if|include)\b)")),
                    block, 1});
    m_rules.append({QRegularExpression(QStringLiteral(R"(\b\d+(?:\.\d+)*(?:ms|s|m|h|d|k|K|M|G)?\b)")), number, 0});
    m_rules.append({QRegularExpression(QStringLiteral(R"(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)")), variable, 0});
    m_rules.append({QRegularExpression(QStringLiteral(R"([{};])")), punctuation, 0});
    m_rules.append({QRegularExpression(QStringLiteral(R"("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')")), string, 0});
}

void NginxHighlighter::highlightBlock(const QString &text)
{
    for (const Rule &rule : std::as_const(m_rules)) {
        auto it = rule.pattern.globalMatch(text);
        while (it.hasNext()) {
            const QRegularExpressionMatch m = it.next();
            setFormat(int(m.capturedStart(rule.group)), int(m.capturedLength(rule.group)), rule.format);
        }
    }
    // A '#' outside quotes starts a comment to the end of the line.
    QChar quote;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (!quote.isNull()) {
            if (c == QLatin1Char('\\'))
                ++i;
            else if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            quote = c;
        } else if (c == QLatin1Char('#')) {
            setFormat(int(i), int(text.size() - i), m_comment);
            break;
        }
    }
}
