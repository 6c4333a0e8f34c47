#include "nginxhighlighter.h"

#include <QColor>
#include <QFont>

NginxHighlighter::NginxHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{
    QTextCharFormat directive;
    directive.setForeground(QColor(0x1f, 0x5f, 0xbf));
    QTextCharFormat block;
    block.setForeground(QColor(0x8b, 0x1c, 0x9c));
    block.setFontWeight(QFont::Bold);
    QTextCharFormat variable;
    variable.setForeground(QColor(0xa0, 0x5a, 0x00));
    QTextCharFormat number;
    number.setForeground(QColor(0x0b, 0x7a, 0x75));
    QTextCharFormat string;
    string.setForeground(QColor(0x1a, 0x7f, 0x37));
    QTextCharFormat punctuation;
    punctuation.setForeground(QColor(0x60, 0x60, 0x60));
    punctuation.setFontWeight(QFont::Bold);
    m_comment.setForeground(QColor(0x80, 0x80, 0x80));
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
