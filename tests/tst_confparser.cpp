#include "config/confparser.h"
#include "config/conflexer.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

QString showText(const QByteArray &text)
{
    QString s = QString::fromUtf8(text);
    s.replace(u'\n', u"<LF>"_s);
    s.replace(u'\r', u"<CR>"_s);
    s.replace(u'\t', u"<TAB>"_s);
    return s;
}

QString showWord(const QByteArray &text, ConfQuote quote)
{
    switch (quote) {
    case ConfQuote::None:
        return showText(text);
    case ConfQuote::Single:
        return u'\'' + showText(text) + u'\'';
    case ConfQuote::Double:
        return u'"' + showText(text) + u'"';
    }
    return QString();
}

// One line per tree: `name args;` or `name args { children }`, words shown
// with the quotes they were written with and control characters named.
QString dump(const QList<ConfDirective> &directives)
{
    QStringList parts;
    for (const ConfDirective &d : directives) {
        QString s = showWord(d.name, d.nameQuote);
        for (const ConfArg &a : d.args)
            s += u' ' + showWord(a.text, a.quote);
        if (d.hasBlock) {
            const QString inner = dump(d.children);
            s += inner.isEmpty() ? u" {}"_s : u" { "_s + inner + u" }"_s;
        } else {
            s += u';';
        }
        parts.append(s);
    }
    return parts.join(u' ');
}

QStringList show(const QList<ConfDiagnostic> &diagnostics)
{
    QStringList lines;
    for (const ConfDiagnostic &d : diagnostics)
        lines.append(d.toString());
    return lines;
}

int countDirectives(const QList<ConfDirective> &directives)
{
    int n = 0;
    for (const ConfDirective &d : directives)
        n += 1 + countDirectives(d.children);
    return n;
}

QString seedsDir()
{
    QString base = qEnvironmentVariable("WSSCOPE_TESTDATA");
    if (base.isEmpty())
        base = QFINDTESTDATA("data");
    return base + u"/config/seeds"_s;
}

QByteArray repeated(char ch, int n)
{
    return QByteArray(n, ch);
}

} // namespace

class tst_ConfParser : public QObject
{
    Q_OBJECT

private slots:
    void lexicalRules_data();
    void lexicalRules();
    void locations();
    void errors_data();
    void errors();
    void recoveryKeepsTheRestOfTheTree();
    void includes_data();
    void includes();
    void includedDiagnosticsNameTheirFile();
    void includeBase();
    void parseTextIncludesFromItsDirectory();
    void parseFileMissing();
    void seeds_data();
    void seeds();
    void publishedNginxDocsExampleLacksClosingBrace();
};

void tst_ConfParser::lexicalRules_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QString>("tree");

    QTest::newRow("empty file") << QByteArray("") << QString();
    QTest::newRow("only whitespace and comments") << QByteArray("  \n\t# x { ; }\r\n# y\n") << QString();
    QTest::newRow("directive ends with ;") << QByteArray("worker_processes 1;") << u"worker_processes 1;"_s;
    QTest::newRow("space tab CR LF separate words")
        << QByteArray("a\tb \r\n c\n;") << u"a b c;"_s;
    QTest::newRow("; right after a word") << QByteArray("a b;c;") << u"a b; c;"_s;
    QTest::newRow("block") << QByteArray("events { worker_connections 1024; }")
                           << u"events { worker_connections 1024; }"_s;
    QTest::newRow("{ right after a word opens the block") << QByteArray("location /a{}")
                                                          << u"location /a {}"_s;
    QTest::newRow("nested blocks") << QByteArray("http{server{location /{return 200;}}}")
                                   << u"http { server { location / { return 200; } } }"_s;
    QTest::newRow("empty block") << QByteArray("server { }") << u"server {}"_s;
    QTest::newRow("# comment to end of line") << QByteArray("a b; # c d;\ne;") << u"a b; e;"_s;
    QTest::newRow("# comment between words") << QByteArray("a # x;\nb;") << u"a b;"_s;
    QTest::newRow("# inside a word is literal") << QByteArray("a b#c;") << u"a b#c;"_s;
    QTest::newRow("# inside double quotes is literal") << QByteArray("a \"#b\";") << u"a \"#b\";"_s;
    QTest::newRow("# inside single quotes is literal") << QByteArray("a '#b';") << u"a '#b';"_s;
    QTest::newRow("# right after ; starts a comment") << QByteArray("a;#b;\nc;") << u"a; c;"_s;
    QTest::newRow("# right after { starts a comment") << QByteArray("a {#}\n}") << u"a {}"_s;
    QTest::newRow("double quotes") << QByteArray("add_header X \"a b; {c}\";")
                                   << u"add_header X \"a b; {c}\";"_s;
    QTest::newRow("single quotes") << QByteArray("add_header X 'a b; {c}';")
                                   << u"add_header X 'a b; {c}';"_s;
    QTest::newRow("empty quoted words") << QByteArray("a '' \"\";") << u"a '' \"\";"_s;
    QTest::newRow("quoted name (map's empty key)") << QByteArray("map $a $b { '' close; }")
                                                   << u"map $a $b { '' close; }"_s;
    QTest::newRow("quoted string spans lines") << QByteArray("a \"b\nc\";") << u"a \"b<LF>c\";"_s;
    QTest::newRow("escapes in double quotes")
        << QByteArray(R"(a "q\" s\' b\\ n\n r\r t\t";)") << u"a \"q\" s' b\\ n<LF> r<CR> t<TAB>\";"_s;
    QTest::newRow("escapes in single quotes")
        << QByteArray(R"(a 'q\' d\" b\\ n\n';)") << u"a 'q' d\" b\\ n<LF>';"_s;
    QTest::newRow("other backslashes are kept")
        << QByteArray(R"(rewrite ^/a\.b(\d+)$ "\x\$";)") << u"rewrite ^/a\\.b(\\d+)$ \"\\x\\$\";"_s;
    QTest::newRow("escapes in unquoted words") << QByteArray(R"(a b\"c d\n e\\f;)")
                                               << u"a b\"c d<LF> e\\f;"_s;
    QTest::newRow("checked with nginx 1.22: unquoted escapes, # and } in a word")
        << QByteArray(R"(return 200 a\"b\nc\ d#e}f;)") << u"return 200 a\"b<LF>c\\ d#e}f;"_s;
    QTest::newRow("checked with nginx 1.22: escapes in double quotes")
        << QByteArray(R"(return 200 "q\" s\' b\\ n\n t\t x\d";)")
        << u"return 200 \"q\" s' b\\ n<LF> t<TAB> x\\d\";"_s;
    QTest::newRow("backslash keeps a space in a word") << QByteArray(R"(a b\ c;)") << u"a b\\ c;"_s;
    QTest::newRow("backslash keeps ; in a word") << QByteArray(R"(a b\;c;)") << u"a b\\;c;"_s;
    QTest::newRow("word starting with a backslash") << QByteArray(R"(a \"b;)") << u"a \"b;"_s;
    QTest::newRow("escaped quote does not close") << QByteArray(R"(a "b\"c" 'd\'e';)")
                                                  << u"a \"b\"c\" 'd'e';"_s;
    QTest::newRow("double quote inside a word is literal") << QByteArray("a b\"c d\";")
                                                           << u"a b\"c d\";"_s;
    QTest::newRow("single quote inside a word is literal") << QByteArray("a it's;") << u"a it's;"_s;
    QTest::newRow("} inside a word is literal") << QByteArray("a b}c;") << u"a b}c;"_s;
    QTest::newRow("${var} inside a word") << QByteArray("set $a ${b}c;") << u"set $a ${b}c;"_s;
    QTest::newRow("${var} in the middle of a word") << QByteArray("return 200 x${y}z;")
                                                    << u"return 200 x${y}z;"_s;
    QTest::newRow("${var} starting a directive name") << QByteArray("${a} b;") << u"${a} b;"_s;
    QTest::newRow("{ after $ then } closes nothing") << QByteArray("a { b ${c}; }")
                                                     << u"a { b ${c}; }"_s;
    QTest::newRow("$ then space then { opens a block") << QByteArray("a $ {}") << u"a $ {}"_s;
    QTest::newRow("closing quote followed by ;") << QByteArray("a \"b\";") << u"a \"b\";"_s;
    QTest::newRow("closing quote followed by {") << QByteArray("location \"/a\"{}")
                                                 << u"location \"/a\" {}"_s;
    QTest::newRow("closing quote followed by ) (if)") << QByteArray("if ($a = \"b\") { return 403; }")
                                                      << u"if ($a = \"b\" ) { return 403; }"_s;
    QTest::newRow("closing quote followed by whitespace") << QByteArray("a 'b'\tc;") << u"a 'b' c;"_s;
    QTest::newRow("UTF-8 words") << QByteArray("add_header X-名前 \"値\";") << u"add_header X-名前 \"値\";"_s;
    QTest::newRow("BOM is skipped (with a warning)") << QByteArray("\xEF\xBB\xBF" "a;") << u"a;"_s;
    QTest::newRow("word of 4095 bytes before ; (NGX_CONF_BUFFER)")
        << QByteArray("a " + repeated('x', 4095) + ";")
        << u"a "_s + QString(4095, u'x') + u';';
    QTest::newRow("comment of 4094 bytes")
        << QByteArray("#" + repeated('z', 4094) + "\na;") << u"a;"_s;
    QTest::newRow("comment of 4096 bytes ending the file (never refilled)")
        << QByteArray("a;\n#" + repeated('z', 4095)) << u"a;"_s;
}

void tst_ConfParser::lexicalRules()
{
    QFETCH(QByteArray, source);
    QFETCH(QString, tree);

    const ConfFile file = ConfParser::parseText(source, u"t.conf"_s);
    const QStringList diagnostics = show(file.diagnostics);
    if (QByteArrayView(source).startsWith("\xEF\xBB\xBF")) {
        QCOMPARE(diagnostics.size(), 1);
        QVERIFY(diagnostics.first().startsWith(u"t.conf:1:1: warning: ignoring the UTF-8 byte order mark"_s));
    } else {
        QCOMPARE(diagnostics, QStringList());
    }
    QCOMPARE(dump(file.directives), tree);
}

void tst_ConfParser::locations()
{
    const QByteArray source("a  \"b c\"\n\tx\t'中文' 中文 z;\nblock {\n}\n");
    const ConfFile file = ConfParser::parseText(source, u"loc.conf"_s);
    QCOMPARE(show(file.diagnostics), QStringList());
    QCOMPARE(file.directives.size(), 2);

    const ConfDirective &a = file.directives.at(0);
    QCOMPARE(a.location.toString(), u"loc.conf:1:1"_s);
    QCOMPARE(a.args.size(), 5);
    QCOMPARE(a.args.at(0).location.toString(), u"loc.conf:1:4"_s); // the opening quote
    QCOMPARE(a.args.at(1).location.toString(), u"loc.conf:2:2"_s); // after a tab
    QCOMPARE(a.args.at(2).location.toString(), u"loc.conf:2:4"_s);
    QCOMPARE(a.args.at(3).location.toString(), u"loc.conf:2:9"_s); // columns count characters
    QCOMPARE(a.terminator.toString(), u"loc.conf:2:13"_s);
    QCOMPARE(a.args.at(3).location.offset, qsizetype(21)); // ...and offsets count bytes
    QCOMPARE(a.args.at(3).text, QByteArray("中文"));

    const ConfDirective &block = file.directives.at(1);
    QVERIFY(block.hasBlock);
    QCOMPARE(block.location.toString(), u"loc.conf:3:1"_s);
    QCOMPARE(block.terminator.toString(), u"loc.conf:3:7"_s);
    QCOMPARE(block.blockEnd.toString(), u"loc.conf:4:1"_s);
}

void tst_ConfParser::errors_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QStringList>("diagnostics");

    QTest::newRow("unexpected } at the top") << QByteArray("}")
                                             << QStringList{u"t.conf:1:1: error: unexpected \"}\""_s};
    QTest::newRow("unexpected } after directives")
        << QByteArray("a;\n}\nb;") << QStringList{u"t.conf:2:1: error: unexpected \"}\""_s};
    QTest::newRow("missing ; before }")
        << QByteArray("a {\n    b c\n}\n") << QStringList{u"t.conf:3:1: error: unexpected \"}\""_s};
    QTest::newRow("} glued to a word is part of it")
        << QByteArray("a { b c}")
        << QStringList{u"t.conf:1:9: error: unexpected end of file, expecting \";\" or \"}\""_s,
                       u"t.conf:1:3: note: the \"a\" block opened here is not closed"_s};
    QTest::newRow("unexpected ; without a name")
        << QByteArray("a;;") << QStringList{u"t.conf:1:3: error: unexpected \";\""_s};
    QTest::newRow("unexpected { without a name")
        << QByteArray("\n  { a; }") << QStringList{u"t.conf:2:3: error: unexpected \"{\""_s};
    QTest::newRow("end of file without ;") << QByteArray("a b")
                                           << QStringList{u"t.conf:1:4: error: unexpected end of file, expecting \";\" or \"}\""_s};
    QTest::newRow("end of file without ; after a newline")
        << QByteArray("listen 80\n")
        << QStringList{u"t.conf:2:1: error: unexpected end of file, expecting \";\" or \"}\""_s};
    QTest::newRow("end of file after a backslash")
        << QByteArray("a \\") << QStringList{u"t.conf:1:4: error: unexpected end of file, expecting \";\" or \"}\""_s};
    QTest::newRow("end of file inside a block")
        << QByteArray("a {\n  b;\n")
        << QStringList{u"t.conf:3:1: error: unexpected end of file, expecting \"}\""_s,
                       u"t.conf:1:3: note: the \"a\" block opened here is not closed"_s};
    QTest::newRow("end of file inside nested blocks")
        << QByteArray("http {\n  server {\n    listen 80;\n  }\n  server {\n")
        << QStringList{u"t.conf:6:1: error: unexpected end of file, expecting \"}\""_s,
                       u"t.conf:5:10: note: the \"server\" block opened here is not closed"_s,
                       u"t.conf:1:6: note: the \"http\" block opened here is not closed"_s};
    QTest::newRow("end of file inside double quotes")
        << QByteArray("a \"b;\n}\n")
        << QStringList{u"t.conf:3:1: error: unexpected end of file, expecting \";\" or \"}\""_s,
                       u"t.conf:1:3: note: the quoted string that starts here is not closed"_s};
    QTest::newRow("end of file inside single quotes")
        << QByteArray("a {\n  b 'c;\n}\n")
        << QStringList{u"t.conf:4:1: error: unexpected end of file, expecting \";\" or \"}\""_s,
                       u"t.conf:2:5: note: the quoted string that starts here is not closed"_s,
                       u"t.conf:1:3: note: the \"a\" block opened here is not closed"_s};
    QTest::newRow("character right after a closing quote")
        << QByteArray("a \"b\"c;") << QStringList{u"t.conf:1:6: error: unexpected \"c\""_s};
    QTest::newRow("quote right after a closing quote")
        << QByteArray("a \"b\"\"c\";") << QStringList{u"t.conf:1:6: error: unexpected \"\"\""_s};
    QTest::newRow("# right after a closing quote")
        << QByteArray("a 'b'# c\n;") << QStringList{u"t.conf:1:6: error: unexpected \"#\""_s};
    QTest::newRow("} right after a closing quote")
        << QByteArray("a { b \"c\"}") << QStringList{u"t.conf:1:10: error: unexpected \"}\""_s};
    QTest::newRow("non-ASCII right after a closing quote")
        << QByteArray("a\n  \"b\"中;") << QStringList{u"t.conf:2:6: error: unexpected \"中\""_s};
    QTest::newRow("word of 4096 bytes before ; (NGX_CONF_BUFFER)")
        << QByteArray("a " + repeated('x', 4096) + ";")
        << QStringList{u"t.conf:1:3: error: too long parameter \"xxxxxxxxxx...\" started"_s};
    QTest::newRow("word of 4095 bytes before a space")
        << QByteArray("a " + repeated('x', 4095) + " b;")
        << QStringList{u"t.conf:1:3: error: too long parameter \"xxxxxxxxxx...\" started"_s};
    QTest::newRow("unterminated double quote runs past NGX_CONF_BUFFER")
        << QByteArray("a {\n  b \"" + repeated('x', 5000) + ";\n}\n")
        << QStringList{u"t.conf:2:6: error: too long parameter, probably missing terminating \"\"\" character"_s};
    QTest::newRow("unterminated single quote runs past NGX_CONF_BUFFER")
        << QByteArray("a '" + repeated('x', 5000) + ";")
        << QStringList{u"t.conf:1:4: error: too long parameter, probably missing terminating \"'\" character"_s};
    QTest::newRow("comment line of 4096 bytes (nginx counts it as a token)")
        << QByteArray("a;\n#" + repeated('z', 4095) + "\nb;")
        << QStringList{u"t.conf:2:1: error: too long parameter \"#zzzzzzzzz...\" started"_s};
    QTest::newRow("several errors in one file")
        << QByteArray("a {\n  b \"c\"d;\n}\n}\ne;\nf")
        << QStringList{u"t.conf:2:8: error: unexpected \"d\""_s, u"t.conf:4:1: error: unexpected \"}\""_s,
                       u"t.conf:6:2: error: unexpected end of file, expecting \";\" or \"}\""_s};
    QTest::newRow("include with two arguments")
        << QByteArray("http {\n  include a b;\n}")
        << QStringList{u"t.conf:2:3: error: invalid number of arguments in \"include\" directive"_s};
    QTest::newRow("include without arguments")
        << QByteArray("include;")
        << QStringList{u"t.conf:1:1: error: invalid number of arguments in \"include\" directive"_s};
    QTest::newRow("include with a block")
        << QByteArray("include a.conf { }")
        << QStringList{u"t.conf:1:1: error: directive \"include\" is not terminated by \";\""_s};
}

void tst_ConfParser::errors()
{
    QFETCH(QByteArray, source);
    QFETCH(QStringList, diagnostics);

    const ConfFile file = ConfParser::parseText(source, u"t.conf"_s);
    QCOMPARE(show(file.diagnostics), diagnostics);
    QVERIFY(file.hasErrors());
    QCOMPARE(file.errorCount(), qsizetype(std::count_if(diagnostics.cbegin(), diagnostics.cend(), [](const QString &s) {
                 return s.contains(u": error: "_s);
             })));
}

void tst_ConfParser::recoveryKeepsTheRestOfTheTree()
{
    const ConfFile file = ConfParser::parseText("a {\n  b \"c\"d;\n  e f\n}\n}\n{ g; }\nh;\n", u"t.conf"_s);
    QCOMPARE(show(file.diagnostics),
             (QStringList{u"t.conf:2:8: error: unexpected \"d\""_s, u"t.conf:4:1: error: unexpected \"}\""_s,
                          u"t.conf:5:1: error: unexpected \"}\""_s,
                          u"t.conf:6:1: error: unexpected \"{\""_s}));
    QCOMPARE(dump(file.directives), u"a { b \"c\" d; e f; } h;"_s);
}

void tst_ConfParser::includes_data()
{
    QTest::addColumn<QVariantMap>("files"); // relative path -> content; "main.conf" is parsed
    QTest::addColumn<QString>("tree");
    QTest::addColumn<QStringList>("diagnostics"); // %D is the directory

    QTest::newRow("relative to the including file")
        << QVariantMap{{u"main.conf"_s, u"http { include conf.d/a.conf; }"_s},
                       {u"conf.d/a.conf"_s, u"server { listen 1; }"_s}}
        << u"http { server { listen 1; } }"_s << QStringList();
    QTest::newRow("absolute path")
        << QVariantMap{{u"main.conf"_s, u"include %D/x/abs.conf;"_s}, {u"x/abs.conf"_s, u"a;"_s}}
        << u"a;"_s << QStringList();
    QTest::newRow("glob includes matches in sorted order")
        << QVariantMap{{u"main.conf"_s, u"first; include conf.d/*.conf; last;"_s},
                       {u"conf.d/b.conf"_s, u"b;"_s},
                       {u"conf.d/a.conf"_s, u"a;"_s},
                       {u"conf.d/B.conf"_s, u"B;"_s},
                       {u"conf.d/a0.conf"_s, u"a0;"_s},
                       {u"conf.d/c.txt"_s, u"not-included;"_s}}
        << u"first; B; a; a0; b; last;"_s << QStringList();
    QTest::newRow("glob * skips hidden files")
        << QVariantMap{{u"main.conf"_s, u"include d/*;"_s}, {u"d/.hidden"_s, u"h;"_s}, {u"d/shown"_s, u"s;"_s}}
        << u"s;"_s << QStringList();
    QTest::newRow("glob ? and [...]")
        << QVariantMap{{u"main.conf"_s, u"include d/[ab]?.conf; include d/[!ab]1.conf;"_s},
                       {u"d/a1.conf"_s, u"a1;"_s},
                       {u"d/b2.conf"_s, u"b2;"_s},
                       {u"d/c1.conf"_s, u"c1;"_s},
                       {u"d/a12.conf"_s, u"a12;"_s}}
        << u"a1; b2; c1;"_s << QStringList();
    QTest::newRow("glob in a directory component")
        << QVariantMap{{u"main.conf"_s, u"include sites/*/site.conf;"_s},
                       {u"sites/one/site.conf"_s, u"one;"_s},
                       {u"sites/two/site.conf"_s, u"two;"_s},
                       {u"sites/three/other.conf"_s, u"three;"_s}}
        << u"one; two;"_s << QStringList();
    QTest::newRow("glob matching nothing is fine")
        << QVariantMap{{u"main.conf"_s, u"a; include conf.d/*.conf; b;"_s}} << u"a; b;"_s << QStringList();
    QTest::newRow("missing file without glob is an error")
        << QVariantMap{{u"main.conf"_s, u"a;\ninclude   missing.conf;\nb;"_s}} << u"a; b;"_s
        << QStringList{u"%D/main.conf:2:11: error: open() \"%D/missing.conf\" failed (No such file or directory)"_s};
    QTest::newRow("a directory is not a file")
        << QVariantMap{{u"main.conf"_s, u"include d;"_s}, {u"d/x"_s, u"x;"_s}} << QString()
        << QStringList{u"%D/main.conf:1:9: error: read() \"%D/d\" failed (Is a directory)"_s};
    QTest::newRow("include cycle")
        << QVariantMap{{u"main.conf"_s, u"m;\ninclude a.conf;"_s}, {u"a.conf"_s, u"a;\ninclude main.conf;\nz;"_s}}
        << u"m; a; z;"_s
        << QStringList{u"%D/a.conf:2:9: error: include cycle: \"%D/main.conf\" includes \"%D/a.conf\" includes \"%D/main.conf\""_s};
    QTest::newRow("file including itself")
        << QVariantMap{{u"main.conf"_s, u"include a.conf;"_s}, {u"a.conf"_s, u"include ./a.conf;"_s}}
        << QString()
        << QStringList{u"%D/a.conf:1:9: error: include cycle: \"%D/a.conf\" includes \"%D/./a.conf\""_s};
    QTest::newRow("same file twice is not a cycle")
        << QVariantMap{{u"main.conf"_s, u"include a.conf; include a.conf;"_s}, {u"a.conf"_s, u"a;"_s}}
        << u"a; a;"_s << QStringList();
    QTest::newRow("nested include relative to the main file, as in nginx")
        << QVariantMap{{u"main.conf"_s, u"include sub/a.conf;"_s},
                       {u"sub/a.conf"_s, u"include sub/b.conf;"_s},
                       {u"sub/b.conf"_s, u"b;"_s}}
        << u"b;"_s << QStringList();
    QTest::newRow("include inside a block keeps the block's place")
        << QVariantMap{{u"main.conf"_s, u"http { a; include x.conf; d; }"_s}, {u"x.conf"_s, u"b; c { }"_s}}
        << u"http { a; b; c {} d; }"_s << QStringList();
    QTest::newRow("unbalanced braces cannot cross files")
        << QVariantMap{{u"main.conf"_s, u"http {\n  include open.conf;\n}"_s}, {u"open.conf"_s, u"server {"_s}}
        << u"http { server {} }"_s
        << QStringList{u"%D/open.conf:1:9: error: unexpected end of file, expecting \"}\""_s,
                       u"%D/open.conf:1:8: note: the \"server\" block opened here is not closed"_s};
}

void tst_ConfParser::includes()
{
    QFETCH(QVariantMap, files);
    QFETCH(QString, tree);
    QFETCH(QStringList, diagnostics);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        const QString path = dir.filePath(it.key());
        QVERIFY(QDir().mkpath(QFileInfo(path).path()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(it.value().toString().replace(u"%D"_s, dir.path()).toUtf8());
    }

    const ConfFile file = ConfParser::parseFile(dir.filePath(u"main.conf"_s));
    for (QString &d : diagnostics)
        d.replace(u"%D"_s, dir.path());
    QCOMPARE(show(file.diagnostics), diagnostics);
    QCOMPARE(dump(file.directives), tree);
}

void tst_ConfParser::includedDiagnosticsNameTheirFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath(u"conf.d"_s));
    const auto write = [&](const QString &name, const QByteArray &text) {
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
    };
    write(u"main.conf"_s, "http {\n    include conf.d/*.conf;\n}\n");
    write(u"conf.d/a.conf"_s, "include inner.conf;\n");
    write(u"inner.conf"_s, "server {\n  listen 80\n}\n");

    const ConfFile file = ConfParser::parseFile(dir.filePath(u"main.conf"_s));
    QCOMPARE(file.diagnostics.size(), 1);
    const ConfDiagnostic &d = file.diagnostics.first();
    const QString inner = dir.path() + u"/inner.conf"_s;
    QCOMPARE(d.toString(), inner + u":3:1: error: unexpected \"}\""_s);
    QCOMPARE(d.includedFrom.size(), 2);
    QCOMPARE(d.includedFrom.at(0).toString(), dir.path() + u"/conf.d/a.conf:1:9"_s);
    QCOMPARE(d.includedFrom.at(1).toString(), dir.path() + u"/main.conf:2:13"_s);
    QCOMPARE(file.files, (QStringList{dir.filePath(u"main.conf"_s), dir.path() + u"/conf.d/a.conf"_s, inner}));
    // The tree keeps where each directive came from.
    const ConfDirective &server = file.directives.at(0).children.at(0);
    QCOMPARE(server.location.toString(), inner + u":1:1"_s);
}

void tst_ConfParser::includeBase()
{
    // nginx resolves every relative include against the main file's
    // directory (its conf prefix), however deep the include is; the
    // IncludingFile option looks next to the including file instead.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath(u"snippets"_s));
    const auto write = [&](const QString &name, const QByteArray &text) {
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
    };
    write(u"nginx.conf"_s, "include snippets/php.conf;\n");
    write(u"snippets/php.conf"_s, "include fastcgi.conf;\n");
    write(u"fastcgi.conf"_s, "fastcgi_param A b;\n");

    const ConfFile nginxLike = ConfParser::parseFile(dir.filePath(u"nginx.conf"_s));
    QCOMPARE(show(nginxLike.diagnostics), QStringList());
    QCOMPARE(dump(nginxLike.directives), u"fastcgi_param A b;"_s);

    ConfParseOptions options;
    options.includeBase = ConfParseOptions::IncludeBase::IncludingFile;
    const ConfFile byIncludingFile = ConfParser::parseFile(dir.filePath(u"nginx.conf"_s), options);
    QCOMPARE(show(byIncludingFile.diagnostics),
             QStringList{dir.path() + u"/snippets/php.conf:1:9: error: open() \""_s + dir.path()
                         + u"/snippets/fastcgi.conf\" failed (No such file or directory)"_s});
}

void tst_ConfParser::parseTextIncludesFromItsDirectory()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile f(dir.filePath(u"part.conf"_s));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("part;");
    f.close();

    const QString virtualName = dir.filePath(u"unsaved.conf"_s); // need not exist
    const ConfFile file = ConfParser::parseText("a; include part.conf;", virtualName);
    QCOMPARE(show(file.diagnostics), QStringList());
    QCOMPARE(dump(file.directives), u"a; part;"_s);
    QCOMPARE(file.fileName, virtualName);

    ConfParseOptions asWritten;
    asWritten.followIncludes = false;
    const ConfFile raw = ConfParser::parseText("a; include part.conf;", virtualName, asWritten);
    QCOMPARE(dump(raw.directives), u"a; include part.conf;"_s);
}

void tst_ConfParser::parseFileMissing()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"nope.conf"_s);
    const ConfFile file = ConfParser::parseFile(path);
    QCOMPARE(show(file.diagnostics),
             QStringList{path + u": error: open() \""_s + path + u"\" failed (No such file or directory)"_s});
}

void tst_ConfParser::seeds_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QStringList>("topLevel");
    QTest::addColumn<int>("directiveCount");
    QTest::addColumn<int>("fileCount");

    QTest::newRow("000 toymoban: http with map, upstream, server")
        << u"000_toymoban.conf"_s << QStringList{u"http"_s} << 25 << 1;
    QTest::newRow("001 jianshu: location fragment, alternatives, server, upstream")
        << u"001_jianshu.conf"_s
        << QStringList{u"location"_s, u"proxy_set_header"_s, u"proxy_set_header"_s, u"proxy_set_header"_s,
                       u"server"_s, u"upstream"_s}
        << 23 << 1;
    QTest::newRow("002 123wordpress: location fragments, include fastcgi_params")
        << u"002_123wordpress.conf"_s << QStringList{u"location"_s, u"location"_s, u"location"_s} << 35 << 2;
    QTest::newRow("003 jb51: fragments and the complete example")
        << u"003_jb51.conf"_s
        << QStringList{u"location"_s, u"map"_s, u"server"_s, u"proxy_read_timeout"_s, u"http"_s} << 35 << 1;
    QTest::newRow("004 nginx docs: location fragment and http example")
        << u"004_nginx_docs.conf"_s << QStringList{u"location"_s, u"http"_s} << 15 << 1;
}

void tst_ConfParser::seeds()
{
    QFETCH(QString, fileName);
    QFETCH(QStringList, topLevel);
    QFETCH(int, directiveCount);
    QFETCH(int, fileCount);

    const QString path = seedsDir() + u'/' + fileName;
    QVERIFY2(QFileInfo::exists(path), qPrintable(path));
    const ConfFile file = ConfParser::parseFile(path);
    QCOMPARE(show(file.diagnostics), QStringList());

    QStringList names;
    for (const ConfDirective &d : file.directives)
        names.append(QString::fromLatin1(d.name));
    QCOMPARE(names, topLevel);
    QCOMPARE(countDirectives(file.directives), directiveCount);
    QCOMPARE(file.files.size(), fileCount);
}

void tst_ConfParser::publishedNginxDocsExampleLacksClosingBrace()
{
    // nginx.org's "WebSocket proxying" example, as published (and as seed 004
    // copies it): "..." is a word and the final "}" of "http" is missing.
    const QByteArray published = "http {\n"
                                 "    map $http_upgrade $connection_upgrade {\n"
                                 "        default upgrade;\n"
                                 "        ''      close;\n"
                                 "    }\n"
                                 "\n"
                                 "    server {\n"
                                 "        ...\n"
                                 "\n"
                                 "        location /chat/ {\n"
                                 "            proxy_pass http://backend;\n"
                                 "            proxy_http_version 1.1;\n"
                                 "            proxy_set_header Upgrade $http_upgrade;\n"
                                 "            proxy_set_header Connection $connection_upgrade;\n"
                                 "        }\n"
                                 "    }\n";
    const ConfFile file = ConfParser::parseText(published, u"nginx.conf"_s);
    QCOMPARE(show(file.diagnostics),
             (QStringList{u"nginx.conf:17:1: error: unexpected end of file, expecting \"}\""_s,
                          u"nginx.conf:1:6: note: the \"http\" block opened here is not closed"_s}));
    // "..." swallowed "location /chat/" as its arguments.
    QCOMPARE(file.directives.at(0).children.at(1).children.at(0).name, QByteArray("..."));
}

QTEST_GUILESS_MAIN(tst_ConfParser)
#include "tst_confparser.moc"
