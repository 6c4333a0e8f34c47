#pragma once


struct LocationSettings;
struct RequestContext;

// ngx_http_realip_module: when the client connection comes from an address
// in set_real_ip_from, the client's address (and port, when the header names
// one) becomes the one in real_ip_header. Runs once per request: with the
// server's settings before its rewrite phase (nginx's POST_READ phase), and
// with the location's before the access phase (PREACCESS) when the first
// left the address as it was. $realip_remote_addr and $realip_remote_port
// keep the connection's own.
namespace RealIp {

// False when the settings leave the address alone (module off for this
// level, the header absent or unparsable, the peer not trusted).
bool apply(const LocationSettings &settings, RequestContext &context);

} // namespace RealIp
