#include "config/configcompiler.h"
#include "config/nginxdirectives.h"
#include "testsupport.h"

#include <QHostAddress>
#include <QProcess>
#include <QTest>

using namespace Qt::StringLiterals;

// The directive table (ConfigCompiler::directives(), nginx's ngx_command_t):
// every row below is generated from it, so a directive added to the table
// is tested here without anyone writing its rows, and one added without a
// sample value fails samplesCoverTheTable().
class tst_DirectiveTable : public QObject
{
    Q_OBJECT

private slots:
    void samplesCoverTheTable();
    void namesAreNginxsOrWsscopes();
    void contexts_data();
    void contexts();
    void argumentCounts_data();
    void argumentCounts();
    void listing();
    void subcommandPrintsTheListing();
    void inheritance_data();
    void inheritance();
};

namespace {

const quint8 AllContexts[] = {ConfContext::Main, ConfContext::Events, ConfContext::Http,
                              ConfContext::Server, ConfContext::Location, ConfContext::Upstream};

QString contextName(quint8 bit)
{
    switch (bit) {
    case ConfContext::Main: return u"main"_s;
    case ConfContext::Events: return u"events"_s;
    case ConfContext::Http: return u"http"_s;
    case ConfContext::Server: return u"server"_s;
    case ConfContext::Location: return u"location"_s;
    case ConfContext::Upstream: return u"upstream"_s;
    }
    return QString();
}

// Valid arguments (and block) for each entry; `server` is two entries
// (the http block and the upstream member).
QByteArray sampleFor(const DirectiveInfo &d)
{
    static const QHash<QByteArray, QByteArray> samples = {
        {"worker_processes", "1"}, {"worker_shutdown_timeout", "1s"}, {"error_log", "stderr"},
        {"pid", "/tmp/w.pid"}, {"daemon", "off"}, {"master_process", "off"}, {"user", "root"},
        {"events", "{ }"}, {"http", "{ }"}, {"worker_connections", "10"}, {"map", "$a $b { }"},
        {"upstream", "u2 { server 127.0.0.1:1; }"}, {"location", "/x/ { }"}, {"listen", "127.0.0.1:0"},
        {"server_name", "a.test"}, {"ssl", "off"}, {"return", "204"}, {"proxy_pass", "http://127.0.0.1:9"},
        {"proxy_set_header", "X-A a"}, {"proxy_http_version", "1.1"}, {"proxy_connect_timeout", "7s"},
        {"proxy_read_timeout", "7s"}, {"proxy_send_timeout", "7s"}, {"send_timeout", "7s"}, {"proxy_redirect", "http://a/ /"},
        {"proxy_next_upstream", "http_502"}, {"proxy_next_upstream_tries", "3"},
        {"proxy_next_upstream_timeout", "7s"}, {"root", "/srv/a"}, {"alias", "/srv/a/"}, {"index", "a.html"},
        {"access_log", "/tmp/a.log"}, {"log_format", "t '$status'"}, {"proxy_ssl_verify", "on"}, {"proxy_ssl_trusted_certificate", "/tmp/a.pem"},
        {"proxy_ssl_verify_depth", "3"}, {"proxy_ssl_server_name", "on"}, {"proxy_ssl_name", "a.test"},
        {"proxy_ssl_protocols", "TLSv1.3"}, {"proxy_ssl_ciphers", "HIGH"}, {"proxy_ssl_certificate", "/tmp/c.pem"},
        {"proxy_ssl_certificate_key", "/tmp/k.pem"}, {"proxy_ssl_password_file", "/tmp/p.txt"},
        {"proxy_ssl_session_reuse", "off"}, {"ssl_certificate", "/tmp/c.pem"}, {"ssl_certificate_key", "/tmp/k.pem"},
        {"ssl_password_file", "/tmp/p.txt"}, {"ssl_protocols", "TLSv1.3"}, {"ssl_ciphers", "HIGH"},
        {"ssl_prefer_server_ciphers", "on"}, {"ssl_session_tickets", "off"}, {"ssl_ecdh_curve", "prime256v1"},
        {"ssl_session_timeout", "5m"}, {"ssl_session_cache", "shared:SSL:1m"}, {"ssl_buffer_size", "4k"},
        {"ssl_dhparam", "/tmp/dh.pem"}, {"ssl_early_data", "off"},
        {"keepalive_timeout", "7s"}, {"client_header_timeout", "7s"}, {"ws_inspect", "off"}, {"wsscope_ignore", "ssi"}, {"ws_preview_size", "1k"}, {"ws_ping_interval", "7s client"},
        {"ws_ping_timeout", "7s"}, {"ip_hash", ""}, {"least_conn", ""}, {"random", "two"},
        {"hash", "$remote_addr"}, {"keepalive", "4"}, {"health_check", "interval=1s"},
        {"rewrite", "^/a/(.*) /b/$1 last"}, {"set", "$x 1"}, {"break", ""}, {"if", "($arg_a) { }"},
        {"rewrite_log", "on"}, {"uninitialized_variable_warn", "off"},
        {"keepalive_requests", "100"}, {"keepalive_time", "2h"}, {"zone", "z 64k"}, {"keepalive_disable", "safari"},
        {"client_header_buffer_size", "2k"}, {"large_client_header_buffers", "8 16k"}, {"connection_pool_size", "256"},
        {"resolver", "127.0.0.1:5353 valid=5s"}, {"resolver_timeout", "7s"},
        {"add_header", "X-A a"}, {"expires", "7s"}, {"server_tokens", "off"}, {"client_max_body_size", "2m"},
        {"inspect_listen", "127.0.0.1:0"}, {"inspect_token_file", "/etc/os-release"}, {"inspect_token", "t"},
        {"inspect_readonly", "on"}, {"inspect_name", "a"},
        {"error_page", "404 /a.html"}, {"recursive_error_pages", "on"}, {"proxy_intercept_errors", "on"},
        {"absolute_redirect", "off"}, {"server_name_in_redirect", "on"}, {"port_in_redirect", "off"}, {"log_not_found", "off"}, {"proxy_ignore_client_abort", "on"},
        {"proxy_pass_request_headers", "off"}, {"proxy_pass_request_body", "off"},
        {"internal", ""}, {"try_files", "$uri $uri/ =404"},
        {"allow", "127.0.0.1"}, {"deny", "10.0.0.0/8"}, {"limit_except", "GET { }"},
        {"set_real_ip_from", "127.0.0.1"}, {"real_ip_header", "X-Forwarded-For"}, {"real_ip_recursive", "on"},
        {"proxy_cookie_domain", "a.test b.test"}, {"proxy_cookie_path", "/a/ /b/"},
        {"proxy_request_buffering", "off"}, {"client_body_buffer_size", "4k"}, {"client_body_in_file_only", "on"},
        {"client_body_in_single_buffer", "on"}, {"client_body_temp_path", "/tmp/a 1 2"}, {"client_body_timeout", "7s"},
        {"limit_rate", "4k"}, {"limit_rate_after", "1m"}, {"proxy_buffering", "off"},
        {"proxy_hide_header", "X-A"}, {"proxy_pass_header", "Server"}, {"proxy_ignore_headers", "X-Accel-Limit-Rate"},
        {"types", "{ text/a a; }"}, {"default_type", "text/x"}, {"proxy_set_body", "a=$arg_a"}, {"proxy_method", "PUT"},
        {"merge_slashes", "off"}, {"underscores_in_headers", "on"}, {"ignore_invalid_headers", "off"},
        {"ssl_verify_client", "optional_no_ca"}, {"ssl_client_certificate", "/tmp/ca.pem"},
        {"ssl_trusted_certificate", "/tmp/ca.pem"}, {"ssl_verify_depth", "2"},
    };
    if (d.name == "server")
        return (d.contexts & ConfContext::Upstream) ? "127.0.0.1:1" : "{ listen 127.0.0.1:0; }";
    return samples.value(d.name, "<no sample>");
}

// A second, different value for the inherited ones (the inner level's).
QByteArray otherSampleFor(const DirectiveInfo &d)
{
    static const QHash<QByteArray, QByteArray> samples = {
        {"proxy_set_header", "X-B b"}, {"proxy_http_version", "1.0"}, {"proxy_connect_timeout", "9s"},
        {"proxy_read_timeout", "9s"}, {"proxy_send_timeout", "9s"}, {"send_timeout", "9s"}, {"proxy_redirect", "http://b/ /b/"},
        {"proxy_next_upstream", "http_503"}, {"proxy_next_upstream_tries", "5"},
        {"proxy_next_upstream_timeout", "9s"}, {"root", "/srv/b"}, {"alias", "/srv/b/"}, {"index", "b.html"},
        {"access_log", "/tmp/b.log"}, {"error_log", "/tmp/b.log"}, {"proxy_ssl_verify", "off"},
        {"proxy_ssl_trusted_certificate", "/tmp/b.pem"}, {"proxy_ssl_verify_depth", "4"},
        {"proxy_ssl_server_name", "off"}, {"proxy_ssl_name", "b.test"}, {"proxy_ssl_protocols", "TLSv1.2"},
        {"proxy_ssl_ciphers", "MEDIUM"}, {"proxy_ssl_certificate", "/tmp/d.pem"},
        {"proxy_ssl_certificate_key", "/tmp/l.pem"}, {"proxy_ssl_password_file", "/tmp/q.txt"},
        {"proxy_ssl_session_reuse", "on"},
        {"ws_inspect", "on"}, {"ws_preview_size", "2k"}, {"ws_ping_interval", "9s upstream"},
        {"ws_ping_timeout", "9s"}, {"rewrite_log", "off"}, {"uninitialized_variable_warn", "on"},
        {"resolver", "[::1] ipv6=off"}, {"resolver_timeout", "9s"},
        {"add_header", "X-B b always"}, {"expires", "max"}, {"server_tokens", "build"}, {"client_max_body_size", "0"},
        {"error_page", "502 =200 /b.html"}, {"recursive_error_pages", "off"}, {"proxy_intercept_errors", "off"},
        {"absolute_redirect", "on"}, {"server_name_in_redirect", "off"}, {"port_in_redirect", "on"}, {"log_not_found", "on"}, {"proxy_ignore_client_abort", "off"},
        {"proxy_pass_request_headers", "on"}, {"proxy_pass_request_body", "on"},
        {"allow", "::1"}, {"deny", "all"},
        {"set_real_ip_from", "10.0.0.0/8"}, {"real_ip_header", "X-Client"}, {"real_ip_recursive", "off"}, {"proxy_cookie_domain", "c.test d.test"}, {"proxy_cookie_path", "/c/ /d/"},
        {"client_header_buffer_size", "4k"}, {"large_client_header_buffers", "2 32k"}, {"connection_pool_size", "1k"},
        {"keepalive_timeout", "9s 5"}, {"keepalive_requests", "5"}, {"keepalive_time", "9m"}, {"keepalive_disable", "none"},
        {"proxy_request_buffering", "on"}, {"client_body_buffer_size", "8k"}, {"client_body_in_file_only", "clean"},
        {"client_body_in_single_buffer", "off"}, {"client_body_temp_path", "/tmp/b"}, {"client_body_timeout", "9s"},
        {"limit_rate", "$arg_r"}, {"limit_rate_after", "2k"}, {"proxy_buffering", "on"},
        {"proxy_hide_header", "X-B"}, {"proxy_pass_header", "Date"}, {"proxy_ignore_headers", "Vary Expires"},
        {"types", "{ text/b b; }"}, {"default_type", "text/y"}, {"proxy_set_body", "b"}, {"proxy_method", "$arg_m"},
        {"merge_slashes", "on"}, {"underscores_in_headers", "off"}, {"ignore_invalid_headers", "on"},
    };
    return samples.value(d.name, "<no sample>");
}

// The entry that accepts `name` in `context`, else the first of that name.
DirectiveInfo entryFor(const QByteArray &name, quint8 context, bool *accepted)
{
    const QList<DirectiveInfo> all = ConfigCompiler::directives();
    for (const DirectiveInfo &d : all) {
        if (d.name == name && (d.contexts & context)) {
            *accepted = true;
            return d;
        }
    }
    *accepted = false;
    for (const DirectiveInfo &d : all) {
        if (d.name == name)
            return d;
    }
    return {};
}

QByteArray statement(const QByteArray &name, const QByteArray &args)
{
    QByteArray s = name;
    if (!args.isEmpty())
        s += ' ' + args;
    if (!s.endsWith('}'))
        s += ';';
    return s;
}

// The statement on line 2, column 1, inside `context`.
QByteArray placed(quint8 context, const QByteArray &stmt)
{
    switch (context) {
    case ConfContext::Main: return "# main\n" + stmt + "\n";
    case ConfContext::Events: return "events {\n" + stmt + "\n}\n";
    case ConfContext::Http: return "http {\n" + stmt + "\n}\n";
    case ConfContext::Server: return "http { server { listen 127.0.0.1:0;\n" + stmt + "\n} }\n";
    case ConfContext::Location:
        return "http { server { listen 127.0.0.1:0; location / {\n" + stmt + "\n} } }\n";
    case ConfContext::Upstream: return "http { upstream u {\n" + stmt + "\n} }\n";
    }
    return stmt;
}

ConfigCompileOptions offline()
{
    ConfigCompileOptions o;
    o.resolve = [](const QString &, QString *) { return QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}; };
    o.defaultListenPort = 8000;
    return o;
}

const ConfDiagnostic *diagnosticAt(const ConfigCompileResult &r, int line, int column)
{
    for (const ConfDiagnostic &d : r.diagnostics) {
        if (d.location.file == u"t.conf"_s && d.location.line == line && d.location.column == column)
            return &d;
    }
    return nullptr;
}

QString shown(const ConfigCompileResult &r, const QByteArray &conf)
{
    QStringList lines;
    for (const ConfDiagnostic &d : r.diagnostics)
        lines << d.toString();
    return lines.join(u'\n') + u"\n--- t.conf:\n"_s + QString::fromUtf8(conf);
}

QList<QByteArray> uniqueNames()
{
    QList<QByteArray> names;
    for (const DirectiveInfo &d : ConfigCompiler::directives()) {
        if (!names.contains(d.name))
            names << d.name;
    }
    return names;
}

} // namespace

void tst_DirectiveTable::samplesCoverTheTable()
{
    for (const DirectiveInfo &d : ConfigCompiler::directives()) {
        QVERIFY2(sampleFor(d) != "<no sample>", d.name.constData());
        if (d.inherited)
            QVERIFY2(otherSampleFor(d) != "<no sample>", d.name.constData());
        QVERIFY2(d.contexts != 0, d.name.constData());
        QVERIFY2(d.minArgs <= d.maxArgs, d.name.constData());
    }
}

// nginxdirectives.cpp knows nginx's names (for "ignored" versus "unknown");
// every table name is one of them, except wsscope's own (ws_*, inspect_*).
void tst_DirectiveTable::namesAreNginxsOrWsscopes()
{
    for (const QByteArray &name : uniqueNames()) {
        const bool own = name.startsWith("ws_") || name.startsWith("inspect_") || name == "wsscope_ignore";
        QVERIFY2(isKnownNginxDirective(name) != own || name == "health_check", name.constData());
    }
}

void tst_DirectiveTable::contexts_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<bool>("elsewhereIgnored");
    for (const QByteArray &name : uniqueNames()) {
        for (quint8 context : AllContexts) {
            bool accepted = false;
            const DirectiveInfo d = entryFor(name, context, &accepted);
            // A file's top level takes http's directives too (pasted blocks).
            if (context == ConfContext::Main && !accepted)
                entryFor(name, ConfContext::Http, &accepted);
            const QByteArray conf = placed(context, statement(name, sampleFor(d)));
            QTest::addRow("%s in %s", name.constData(), qPrintable(contextName(context)))
                << conf << name << accepted << d.elsewhereIgnored;
        }
    }
}

void tst_DirectiveTable::contexts()
{
    QFETCH(QByteArray, conf);
    QFETCH(QByteArray, name);
    QFETCH(bool, accepted);
    QFETCH(bool, elsewhereIgnored);
    const ConfigCompileResult r = ConfigCompiler::compileText(conf, u"t.conf"_s, offline());
    const ConfDiagnostic *at = diagnosticAt(r, 2, 1);
    const QString notAllowed = u"\"%1\" directive is not allowed here"_s.arg(QString::fromUtf8(name));
    if (accepted) {
        QVERIFY2(!at || (!at->message.contains(notAllowed) && !at->message.contains(u"ignoring nginx directive"_s)
                         && !at->message.contains(u"unknown directive"_s)),
                 qPrintable(shown(r, conf)));
        return;
    }
    QVERIFY2(at, qPrintable(shown(r, conf)));
    if (elsewhereIgnored) {
        // Outside its own block an nginx directive wsscope only supports there
        // is an unsupported nginx directive (a warning, or an error saying
        // what would differ), or an unknown word.
        QVERIFY2(at->message.contains(u"ignoring nginx directive"_s) || at->message.contains(u"unknown directive"_s)
                     || at->message.contains(u"is not supported by wsscope: "_s),
                 qPrintable(shown(r, conf)));
        return;
    }
    QVERIFY2(at->isError() && at->message == notAllowed, qPrintable(shown(r, conf)));
}

void tst_DirectiveTable::argumentCounts_data()
{
    QTest::addColumn<QByteArray>("conf");
    QTest::addColumn<QByteArray>("name");
    for (const DirectiveInfo &d : ConfigCompiler::directives()) {
        if (d.minArgs < 0)
            continue;
        quint8 context = 0;
        for (quint8 c : AllContexts) {
            if (!context && (d.contexts & c))
                context = c;
        }
        const QByteArray block = d.block ? " { }" : "";
        QList<int> counts{d.maxArgs + 1};
        if (d.minArgs > 0)
            counts.prepend(d.minArgs - 1);
        for (int n : counts) {
            QByteArray stmt = d.name;
            for (int i = 0; i < n; ++i)
                stmt += " a" + QByteArray::number(i);
            stmt += d.block ? block : QByteArray(";");
            QTest::addRow("%s in %s with %d", d.name.constData(), qPrintable(contextName(context)), n)
                << placed(context, stmt) << d.name;
        }
    }
}

void tst_DirectiveTable::argumentCounts()
{
    QFETCH(QByteArray, conf);
    QFETCH(QByteArray, name);
    const ConfigCompileResult r = ConfigCompiler::compileText(conf, u"t.conf"_s, offline());
    QVERIFY2(!r.ok(), qPrintable(shown(r, conf)));
    const ConfDiagnostic *at = diagnosticAt(r, 2, 1);
    QVERIFY2(at && at->isError(), qPrintable(shown(r, conf)));
    QCOMPARE(at->message, u"invalid number of arguments in \"%1\" directive"_s.arg(QString::fromUtf8(name)));
}

void tst_DirectiveTable::listing()
{
    const QList<DirectiveInfo> all = ConfigCompiler::directives();
    const QStringList lines = ConfigCompiler::directiveListing().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), all.size());
    for (qsizetype i = 0; i < all.size(); ++i) {
        const DirectiveInfo &d = all.at(i);
        QVERIFY2(lines.at(i).startsWith(QString::fromUtf8(d.name) + u" ("_s), qPrintable(lines.at(i)));
        for (quint8 c : AllContexts)
            QCOMPARE(lines.at(i).section(u'(', 1).section(u')', 0, 0).split(u' ').contains(contextName(c)),
                     bool(d.contexts & c));
        QCOMPARE(lines.at(i).contains(u" inherited"_s), d.inherited);
        QCOMPARE(lines.at(i).contains(u"{block}"_s), d.block);
    }
    QVERIFY(lines.contains(u"proxy_read_timeout (http server location) args 1 inherited"_s));
    QVERIFY(lines.contains(u"server (upstream) args 1..16"_s));
}

// `wsscope directives` prints the table's listing, nothing else, and exits 0;
// an argument is a usage error (exit 2).
void tst_DirectiveTable::subcommandPrintsTheListing()
{
    QProcess p;
    p.start(TestSupport::wsscopeBinary(), {u"directives"_s});
    QVERIFY(p.waitForFinished(20'000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()), ConfigCompiler::directiveListing());

    p.start(TestSupport::wsscopeBinary(), {u"directives"_s, u"extra"_s});
    QVERIFY(p.waitForFinished(20'000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("directives takes no arguments"));
}

// One row per inherited entry of the table: a value set at the outermost
// level the directive allows reaches a location nested below it as if set
// there, and a value the location sets itself wins. The settings compared
// are the whole LocationSettings (every inherited field); the directive
// stands at the same line and column in the texts compared, so the places
// the settings record are equal too.
void tst_DirectiveTable::inheritance_data()
{
    QTest::addColumn<QByteArray>("outer");     // set outside, nothing inside
    QTest::addColumn<QByteArray>("direct");    // the same set in the location itself
    QTest::addColumn<QByteArray>("overridden"); // set outside and, differently, inside
    QTest::addColumn<QByteArray>("innerOnly");  // only the inside one (the outer blanked out)
    QTest::addColumn<QByteArray>("none");       // neither
    for (const DirectiveInfo &d : ConfigCompiler::directives()) {
        if (!d.inherited)
            continue;
        const QByteArray outerStmt = statement(d.name, sampleFor(d));
        const QByteArray innerStmt = statement(d.name, otherSampleFor(d));
        // The levels from the outside in; the directive goes at the outermost one it allows.
        const QByteArray levels[] = {"http {", " server { listen 127.0.0.1:0;", " location /in/ {",
                                     " location /in/deep/ {"};
        const quint8 bits[] = {ConfContext::Http, ConfContext::Server, ConfContext::Location,
                               ConfContext::Location};
        const QByteArray tail = " proxy_pass http://127.0.0.1:9; } } } }\n";
        int outermost = 0;
        while (!(d.contexts & bits[outermost]))
            ++outermost;
        int innermost = 3; // server-only ones (the head's buffers) are set at most there
        while (!(d.contexts & bits[innermost]))
            --innermost;
        QByteArray prefix; // every level opened, then the innermost one's content
        for (const QByteArray &l : levels)
            prefix += l;
        prefix += ' ';
        // The outer part starts at the column the innermost content starts at.
        auto layout = [&](int at, const QByteArray &outerPart, const QByteArray &innerPart) -> QByteArray {
            QByteArray head;
            QByteArray rest;
            QByteArray after; // the levels inside the innermost one the directive allows
            for (int i = 0; i < 4; ++i)
                (i <= at ? head : i <= innermost ? rest : after) += levels[i];
            head += QByteArray(prefix.size() - head.size(), ' ');
            return head + outerPart + rest + ' ' + innerPart + after + tail;
        };
        const QByteArray blank(outerStmt.size(), ' ');
        const QByteArray outer = layout(outermost, outerStmt, QByteArray());
        const QByteArray direct = layout(innermost, outerStmt, QByteArray());
        QTest::addRow("%s", d.name.constData())
            << outer << direct << layout(outermost, outerStmt, innerStmt) << layout(outermost, blank, innerStmt)
            << layout(outermost, blank, QByteArray());
    }
}

void tst_DirectiveTable::inheritance()
{
    QFETCH(QByteArray, outer);
    QFETCH(QByteArray, direct);
    QFETCH(QByteArray, overridden);
    QFETCH(QByteArray, innerOnly);
    QFETCH(QByteArray, none);
    auto deep = [](const QByteArray &conf, LocationSettings *out) {
        const ConfigCompileResult r = ConfigCompiler::compileText(conf, u"t.conf"_s, offline());
        if (!r.ok() || r.config->servers.isEmpty() || r.config->servers.constFirst().locations.isEmpty()
            || r.config->servers.constFirst().locations.constFirst().nested.empty()) {
            qWarning("%s", qPrintable(shown(r, conf)));
            return false;
        }
        *out = r.config->servers.constFirst().locations.constFirst().nested.front();
        return true;
    };
    LocationSettings fromOuter, fromDirect, fromOverridden, fromInnerOnly, fromNone;
    QVERIFY(deep(outer, &fromOuter));
    QVERIFY(deep(direct, &fromDirect));
    QVERIFY(deep(overridden, &fromOverridden));
    QVERIFY(deep(innerOnly, &fromInnerOnly));
    QVERIFY(deep(none, &fromNone));
    QVERIFY2(!(fromOuter == fromNone), "the sample must differ from the default");
    QVERIFY2(fromOuter == fromDirect, "an outer value reaches the inner location");
    QVERIFY2(fromOverridden == fromInnerOnly, "the inner level's own value wins");
    QVERIFY2(!(fromOverridden == fromOuter), "the inner value is not the outer one");
}

QTEST_GUILESS_MAIN(tst_DirectiveTable)
#include "tst_directivetable.moc"
