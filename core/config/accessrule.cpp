#include "config/accessrule.h"

namespace HttpMethods {

namespace {

struct Method
{
    QByteArrayView name;
    quint32 bit;
};

// ngx_http_parse_request_line's methods, and ngx_methods_names' order.
constexpr Method Methods[] = {
    {"GET", Get},          {"HEAD", Head},          {"POST", 0x8},       {"PUT", 0x10},     {"DELETE", 0x20},
    {"MKCOL", 0x40},       {"COPY", 0x80},          {"MOVE", 0x100},     {"OPTIONS", 0x200}, {"PROPFIND", 0x400},
    {"PROPPATCH", 0x800},  {"LOCK", 0x1000},        {"UNLOCK", 0x2000},  {"PATCH", 0x4000},
};

} // namespace

quint32 bit(QByteArrayView method)
{
    for (const Method &m : Methods) {
        if (m.name == method)
            return m.bit;
    }
    return method == "TRACE" ? 0x8000 : method == "CONNECT" ? 0x10000 : Unknown;
}

quint32 limitExceptBit(QByteArrayView name)
{
    for (const Method &m : Methods) {
        if (m.name.compare(name, Qt::CaseInsensitive) == 0)
            return m.bit;
    }
    return 0;
}

} // namespace HttpMethods

namespace AccessRules {

namespace {

const AccessRule *firstMatch(const QList<AccessRule> &rules, const QHostAddress &client, bool unixClient)
{
    QHostAddress address = client;
    bool mapped = false;
    const quint32 v4 = client.toIPv4Address(&mapped); // also true for ::ffff:a.b.c.d
    if (mapped && client.protocol() == QAbstractSocket::IPv6Protocol)
        address = QHostAddress(v4);
    for (const AccessRule &rule : rules) {
        bool match = false;
        switch (rule.family) {
        case AccessRule::Family::All:
            match = true;
            break;
        case AccessRule::Family::Unix:
            match = unixClient;
            break;
        case AccessRule::Family::Ip:
            match = !unixClient && rule.network.protocol() == address.protocol()
                && address.isInSubnet(rule.network, rule.prefixLength);
            break;
        }
        if (match)
            return &rule;
    }
    return nullptr;
}

} // namespace

bool allows(const QList<AccessRule> &rules, const QHostAddress &client, bool unixClient)
{
    const AccessRule *rule = firstMatch(rules, client, unixClient);
    return !rule || !rule->deny;
}

bool matches(const QList<AccessRule> &rules, const QHostAddress &client, bool unixClient)
{
    return firstMatch(rules, client, unixClient) != nullptr;
}

} // namespace AccessRules
