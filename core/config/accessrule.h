#pragma once

#include "config/confdiagnostic.h"

#include <QHostAddress>
#include <QList>

// allow / deny ADDRESS|CIDR|unix:|all (ngx_http_access_module): one rule.
// A level that has any rule inherits none of the enclosing level's.
struct AccessRule
{
    enum class Family : quint8 { Ip, Unix, All };

    bool deny = false;
    Family family = Family::Ip;
    QHostAddress network;  // Family::Ip: the address with the bits past the mask cleared
    int prefixLength = -1; // Family::Ip: the mask; a bare address is /32 or /128
    ConfLocation at;

    bool operator==(const AccessRule &o) const = default;
};

// nginx's method flags (NGX_HTTP_GET, ...), for limit_except.
namespace HttpMethods {

constexpr quint32 Unknown = 0x1; // a method nginx does not know
constexpr quint32 Get = 0x2;
constexpr quint32 Head = 0x4;

// The flag of a request's method (case-sensitive, as nginx parses it).
quint32 bit(QByteArrayView method);
// The flag of a name in limit_except (case-insensitive); 0: not one of
// nginx's (TRACE and CONNECT are not: nginx refuses them itself).
quint32 limitExceptBit(QByteArrayView name);

} // namespace HttpMethods

namespace AccessRules {

// ngx_http_access_handler: the first rule that matches the client decides;
// none matching allows. An IPv4-mapped IPv6 client is checked as its IPv4
// address (as nginx does); a rule of the other family never matches.
// `unixClient`: the connection came over a unix: listener.
bool allows(const QList<AccessRule> &rules, const QHostAddress &client, bool unixClient = false);
// ngx_cidr_match: whether any rule (allow or deny alike) takes the client in
// (set_real_ip_from's trusted addresses).
bool matches(const QList<AccessRule> &rules, const QHostAddress &client, bool unixClient = false);

} // namespace AccessRules
