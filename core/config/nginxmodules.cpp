#include "config/nginxmodules.h"

#include <iterator>

namespace {

struct Module
{
    const char *name;    // as configure spells it after --with- / --without-
    bool builtByDefault; // nginx 1.22's auto/options: on unless --without-
    bool implemented;    // wsscope carries out its directives
};

// Edit `implemented` here when a lane lands a module. A partly implemented
// module counts as implemented when its remaining directives are errors in
// -t (a test that needs them then fails to start instead of being skipped).
constexpr Module Modules[] = {
    // optional modules (--with-...)
    {"http_ssl_module", false, true},
    {"http_v2_module", false, false},
    {"http_realip_module", false, true},
    {"http_auth_request_module", false, false},
    {"http_stub_status_module", false, false},
    {"http_sub_module", false, false},
    {"http_addition_module", false, false},
    {"http_dav_module", false, false},
    {"http_flv_module", false, false},
    {"http_mp4_module", false, false},
    {"http_gunzip_module", false, false},
    {"http_gzip_static_module", false, false},
    {"http_secure_link_module", false, false},
    {"http_slice_module", false, false},
    {"stream", false, false},
    {"mail", false, false},
    // built by default (--without-...)
    {"http_charset_module", true, false},
    {"http_gzip_module", true, false},
    {"http_ssi_module", true, false},
    {"http_userid_module", true, false},
    {"http_access_module", true, true},
    {"http_auth_basic_module", true, false},
    {"http_mirror_module", true, false},
    {"http_autoindex_module", true, false},
    {"http_geo_module", true, false},
    {"http_map_module", true, true},
    {"http_split_clients_module", true, false},
    {"http_referer_module", true, false},
    {"http_rewrite_module", true, true},
    {"http_proxy_module", true, true},
    {"http_fastcgi_module", true, false},
    {"http_uwsgi_module", true, false},
    {"http_scgi_module", true, false},
    {"http_grpc_module", true, false},
    {"http_memcached_module", true, false},
    {"http_limit_conn_module", true, false},
    {"http_limit_req_module", true, false},
    {"http_empty_gif_module", true, false},
    {"http_browser_module", true, false},
    {"http_upstream_hash_module", true, true},
    {"http_upstream_ip_hash_module", true, true},
    {"http_upstream_least_conn_module", true, true},
    {"http_upstream_random_module", true, true},
    {"http_upstream_keepalive_module", true, true},
    {"http_upstream_zone_module", true, true},
    {"http-cache", true, false},
};

} // namespace

namespace NginxModules {

QByteArray configureArguments()
{
    QByteArray out;
    for (const Module &m : Modules) {
        if (m.builtByDefault == m.implemented)
            continue;
        if (!out.isEmpty())
            out += ' ';
        out += m.implemented ? "--with-" : "--without-";
        out += m.name;
    }
    return out;
}

} // namespace NginxModules
