#include "config/compiler.h"

namespace ConfigCompilerImpl {

std::optional<ValueTemplate> Compiler::compileTemplate(QByteArrayView value, const ConfLocation &at)
{
    QString why;
    std::optional<ValueTemplate> t = ValueTemplate::compile(
        value, &why,
        [this](QByteArrayView name) { return std::shared_ptr<const MapVariable>(m_maps.value(name.toByteArray())); },
        [this](QByteArrayView name) { return userVariable(name); });
    if (!t) {
        error(at, why);
        return std::nullopt;
    }
    if (t->usesVariable(ValueTemplate::Variable::ConnectionUpgrade) && !m_warnedBuiltinMap) {
        m_warnedBuiltinMap = true;
        warning(at, u"\"$connection_upgrade\" is not an nginx variable: nginx needs "
                    u"\"map $http_upgrade $connection_upgrade { default upgrade; '' close; }\"; "
                    u"wsscope uses that map built in"_s);
    }
    return t;
}

void Compiler::declareMap(const ConfDirective &d)
{
    if (!checkArgs(d, Ctx::Http))
        return;
    const ConfArg &var = d.args.at(1);
    if (!var.text.startsWith('$') || var.text.size() < 2) {
        error(var.location, u"invalid variable name \"%1\""_s.arg(text(var.text)));
        return;
    }
    const QByteArray name = var.text.mid(1);
    const auto builtin = ValueTemplate::lookupVariable(name);
    if (builtin && *builtin != ValueTemplate::Variable::ConnectionUpgrade
        && *builtin != ValueTemplate::Variable::HttpHeader) {
        error(var.location, u"the duplicate \"%1\" variable"_s.arg(text(name)));
        return;
    }
    // nginx: a later map of the same variable replaces the earlier one.
    auto map = std::make_shared<MapVariable>(name);
    m_maps.insert(name, map);
    m_mapDirectives.insert(&d, map);
}

void Compiler::defineMap(const ConfDirective &d)
{
    const std::shared_ptr<MapVariable> map = m_mapDirectives.value(&d);
    if (!map)
        return;
    if (auto source = compileTemplate(d.argText(0), d.args.at(0).location))
        map->setSource(std::move(*source));
    for (const ConfDirective &e : d.children) {
        if (e.name == "hostnames" && e.nameQuote == ConfQuote::None && e.argCount() == 0)
            map->setHostnames(true);
    }
    for (const ConfDirective &e : d.children) {
        const bool bare = e.nameQuote == ConfQuote::None;
        if (bare && (e.name == "hostnames" || e.name == "volatile") && e.argCount() == 0)
            continue;
        if (e.hasBlock || e.argCount() != 1) {
            error(e.location, u"invalid number of the map parameters"_s);
            continue;
        }
        const QByteArray &valueText = e.args.at(0).text;
        if (hasLineBreakOrNul(valueText)) {
            error(e.args.at(0).location, u"a map value may not contain CR, LF or NUL"_s);
            continue;
        }
        auto value = compileTemplate(valueText, e.args.at(0).location);
        if (!value)
            continue;
        QByteArray key = e.name;
        if (bare && key == "default") {
            if (map->hasDefault())
                error(e.location, u"duplicate default map parameter"_s);
            else
                map->setDefault(std::move(*value));
            continue;
        }
        if (bare && key.startsWith('~')) {
            const bool caseless = key.startsWith("~*");
            const QByteArray pattern = key.mid(caseless ? 2 : 1);
            QRegularExpression re(QString::fromUtf8(pattern),
                                  caseless ? QRegularExpression::CaseInsensitiveOption
                                           : QRegularExpression::NoPatternOption);
            if (!re.isValid()) {
                error(e.location, u"invalid regex \"%1\": %2 at offset %3"_s.arg(
                                      text(pattern), re.errorString()).arg(re.patternErrorOffset()));
                continue;
            }
            map->addRegex(std::move(re), std::move(*value));
            continue;
        }
        if (bare && key.startsWith('\\'))
            key.remove(0, 1);
        bool added = true;
        if (map->hostnames() && bare && key.startsWith("*.")) {
            added = map->addLeadingWildcard(key.mid(1), false, std::move(*value));
        } else if (map->hostnames() && bare && key.startsWith('.') && key.size() > 1) {
            added = map->addLeadingWildcard(key, true, std::move(*value));
        } else if (map->hostnames() && bare && key.endsWith(".*")) {
            added = map->addTrailingWildcard(key.chopped(1), std::move(*value));
        } else {
            if (map->hostnames() && key.endsWith('.'))
                key.chop(1);
            added = map->addExact(key, std::move(*value));
        }
        if (!added)
            warning(e.location, u"conflicting parameter \"%1\""_s.arg(text(e.name)));
    }
}

} // namespace ConfigCompilerImpl
