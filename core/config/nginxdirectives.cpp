#include "config/nginxdirectives.h"

#include <QString>

#include <algorithm>
#include <string_view>
#include <vector>

namespace {

// Grouped by module as in the nginx documentation; a name used by several
// modules (listen, proxy_pass, ...) appears once per module.
constexpr std::string_view Names[] = {
    // core (main context)
    "daemon", "debug_points", "env", "error_log", "events", "include", "load_module", "lock_file",
    "master_process", "pcre_jit", "pid", "ssl_engine", "ssl_object_cache_inheritable", "stall_threshold",
    "thread_pool", "timer_resolution", "user", "worker_aio_requests", "worker_cpu_affinity",
    "worker_priority", "worker_processes", "worker_rlimit_core", "worker_rlimit_nofile",
    "worker_shutdown_timeout", "working_directory", "google_perftools_profiles", "quic_bpf",
    "http", "stream", "mail",

    // events
    "accept_mutex", "accept_mutex_delay", "debug_connection", "multi_accept", "use",
    "worker_connections", "epoll_events", "kqueue_changes", "kqueue_events", "devpoll_changes",
    "devpoll_events", "eventport_events", "iocp_threads", "post_acceptex", "acceptex_read",

    // ngx_http_core_module
    "absolute_redirect", "aio", "aio_write", "alias", "auth_delay", "chunked_transfer_encoding",
    "client_body_buffer_size", "client_body_early_read", "client_body_in_file_only",
    "client_body_in_single_buffer", "client_body_temp_path", "client_body_timeout",
    "client_header_buffer_size", "client_header_timeout", "client_max_body_size",
    "connection_pool_size", "default_type", "directio", "directio_alignment", "disable_symlinks",
    "early_hints", "error_log_tag", "error_page", "etag", "if_modified_since",
    "ignore_invalid_headers", "internal", "keepalive_disable", "keepalive_min_timeout",
    "keepalive_requests", "keepalive_time", "keepalive_timeout", "large_client_header_buffers",
    "limit_except", "limit_rate", "limit_rate_after", "lingering_close", "lingering_time",
    "lingering_timeout", "listen", "location", "log_not_found", "log_subrequest", "max_headers",
    "max_ranges", "merge_slashes", "msie_padding", "msie_refresh", "open_file_cache",
    "open_file_cache_errors", "open_file_cache_events", "open_file_cache_min_uses",
    "open_file_cache_valid", "output_buffers", "port_in_redirect", "post_action", "postpone_output",
    "read_ahead", "recursive_error_pages", "request_pool_size", "reset_timedout_connection",
    "resolver", "resolver_timeout", "root", "satisfy", "send_lowat", "send_timeout", "sendfile",
    "sendfile_max_chunk", "server", "server_name", "server_name_in_redirect",
    "server_names_hash_bucket_size", "server_names_hash_max_size", "server_tokens",
    "subrequest_output_buffer_size", "tcp_nodelay", "tcp_nopush", "try_files", "types",
    "types_hash_bucket_size", "types_hash_max_size", "underscores_in_headers",
    "variables_hash_bucket_size", "variables_hash_max_size",

    // ngx_http_access_module, ngx_http_addition_module, ngx_http_auth_*_module
    "allow", "deny",
    "add_after_body", "add_before_body", "addition_types",
    "auth_basic", "auth_basic_user_file",
    "auth_jwt", "auth_jwt_claim_set", "auth_jwt_header_set", "auth_jwt_key_cache", "auth_jwt_key_file",
    "auth_jwt_key_request", "auth_jwt_leeway", "auth_jwt_require", "auth_jwt_type",
    "auth_request", "auth_request_set", "auth_require",

    // ngx_http_acme_module
    "accept_terms_of_service", "account_key", "acme_certificate", "acme_issuer", "acme_shared_zone",
    "challenge", "common_name_in_csr", "contact", "external_account_key", "preferred_chain", "profile",
    "ssl_verify", "state_path", "uri",

    // ngx_http_api_module, ngx_http_status_module, ngx_http_upstream_conf_module
    "api", "status_zone", "status", "status_format", "upstream_conf",

    // autoindex, browser, charset, dav, degradation, empty_gif, f4f, flv
    "autoindex", "autoindex_exact_size", "autoindex_format", "autoindex_localtime",
    "ancient_browser", "ancient_browser_value", "modern_browser", "modern_browser_value",
    "charset", "charset_map", "charset_types", "override_charset", "source_charset",
    "create_full_put_path", "dav_access", "dav_methods", "min_delete_depth",
    "degradation", "degrade",
    "empty_gif",
    "f4f", "f4f_buffer_size",
    "flv",

    // ngx_http_fastcgi_module
    "fastcgi_allow_upstream", "fastcgi_bind", "fastcgi_bind_dynamic", "fastcgi_buffer_size",
    "fastcgi_buffering", "fastcgi_buffers", "fastcgi_busy_buffers_size", "fastcgi_cache",
    "fastcgi_cache_background_update", "fastcgi_cache_bypass", "fastcgi_cache_key",
    "fastcgi_cache_lock", "fastcgi_cache_lock_age", "fastcgi_cache_lock_timeout",
    "fastcgi_cache_max_range_offset", "fastcgi_cache_methods", "fastcgi_cache_min_uses",
    "fastcgi_cache_path", "fastcgi_cache_purge", "fastcgi_cache_revalidate", "fastcgi_cache_use_stale",
    "fastcgi_cache_valid", "fastcgi_catch_stderr", "fastcgi_connect_timeout", "fastcgi_force_ranges",
    "fastcgi_hide_header", "fastcgi_ignore_client_abort", "fastcgi_ignore_headers", "fastcgi_index",
    "fastcgi_intercept_errors", "fastcgi_keep_conn", "fastcgi_limit_rate",
    "fastcgi_max_temp_file_size", "fastcgi_next_upstream", "fastcgi_next_upstream_timeout",
    "fastcgi_next_upstream_tries", "fastcgi_no_cache", "fastcgi_param", "fastcgi_pass",
    "fastcgi_pass_header", "fastcgi_pass_request_body", "fastcgi_pass_request_headers",
    "fastcgi_read_timeout", "fastcgi_request_buffering", "fastcgi_request_dynamic",
    "fastcgi_send_lowat", "fastcgi_send_timeout", "fastcgi_socket_keepalive", "fastcgi_socket_rcvbuf",
    "fastcgi_socket_sndbuf", "fastcgi_split_path_info", "fastcgi_store", "fastcgi_store_access",
    "fastcgi_temp_file_write_size", "fastcgi_temp_path",

    // geo, geoip
    "geo", "geoip_city", "geoip_country", "geoip_org", "geoip_proxy", "geoip_proxy_recursive",

    // ngx_http_grpc_module
    "grpc_allow_upstream", "grpc_bind", "grpc_bind_dynamic", "grpc_buffer_size",
    "grpc_connect_timeout", "grpc_hide_header", "grpc_ignore_headers", "grpc_intercept_errors",
    "grpc_next_upstream", "grpc_next_upstream_timeout", "grpc_next_upstream_tries", "grpc_pass",
    "grpc_pass_header", "grpc_read_timeout", "grpc_request_dynamic", "grpc_send_timeout",
    "grpc_set_header", "grpc_socket_keepalive", "grpc_socket_rcvbuf", "grpc_socket_sndbuf",
    "grpc_ssl_certificate", "grpc_ssl_certificate_cache", "grpc_ssl_certificate_key",
    "grpc_ssl_ciphers", "grpc_ssl_conf_command", "grpc_ssl_crl", "grpc_ssl_key_log", "grpc_ssl_name",
    "grpc_ssl_password_file", "grpc_ssl_protocols", "grpc_ssl_server_name", "grpc_ssl_session_reuse",
    "grpc_ssl_trusted_certificate", "grpc_ssl_verify", "grpc_ssl_verify_depth",

    // gunzip, gzip, gzip_static
    "gunzip", "gunzip_buffers",
    "gzip", "gzip_buffers", "gzip_comp_level", "gzip_disable", "gzip_hash", "gzip_http_version",
    "gzip_min_length", "gzip_no_buffer", "gzip_proxied", "gzip_types", "gzip_vary", "gzip_window",
    "postpone_gzipping",
    "gzip_static",

    // ngx_http_headers_module, hls, image_filter, index, internal_redirect
    "add_header", "add_header_inherit", "add_trailer", "add_trailer_inherit", "expires",
    "hls", "hls_buffers", "hls_forward_args", "hls_fragment", "hls_mp4_buffer_size",
    "hls_mp4_max_buffer_size",
    "image_filter", "image_filter_buffer", "image_filter_interlace", "image_filter_jpeg_quality",
    "image_filter_sharpen", "image_filter_transparency", "image_filter_webp_quality",
    "index",
    "internal_redirect",

    // ngx_http_js_module, ngx_stream_js_module (njs)
    "js_access", "js_body_filter", "js_content", "js_context_reuse", "js_engine",
    "js_fetch_buffer_size", "js_fetch_ciphers", "js_fetch_keepalive", "js_fetch_keepalive_requests",
    "js_fetch_keepalive_time", "js_fetch_keepalive_timeout", "js_fetch_max_response_buffer_size",
    "js_fetch_protocols", "js_fetch_proxy", "js_fetch_timeout", "js_fetch_trusted_certificate",
    "js_fetch_verify", "js_fetch_verify_depth", "js_filter", "js_header_filter", "js_import",
    "js_include", "js_load_http_native_module", "js_load_stream_native_module", "js_path",
    "js_periodic", "js_preload_object", "js_preread", "js_set", "js_shared_dict_zone", "js_var",

    // keyval, limit_conn, limit_req, log, map
    "keyval", "keyval_zone",
    "limit_conn", "limit_conn_dry_run", "limit_conn_log_level", "limit_conn_status",
    "limit_conn_zone", "limit_zone",
    "limit_req", "limit_req_dry_run", "limit_req_log_level", "limit_req_status", "limit_req_zone",
    "access_log", "log_format", "open_log_file_cache",
    "map", "map_hash_bucket_size", "map_hash_max_size",

    // memcached, mirror, mp4, num_map, oidc, perl
    "memcached_allow_upstream", "memcached_bind", "memcached_bind_dynamic", "memcached_buffer_size",
    "memcached_connect_timeout", "memcached_gzip_flag", "memcached_next_upstream",
    "memcached_next_upstream_timeout", "memcached_next_upstream_tries", "memcached_pass",
    "memcached_read_timeout", "memcached_send_timeout", "memcached_socket_keepalive",
    "mirror", "mirror_request_body",
    "mp4", "mp4_buffer_size", "mp4_limit_rate", "mp4_limit_rate_after", "mp4_max_buffer_size",
    "mp4_start_key_frame",
    "num_map",
    "auth_oidc", "client_id", "client_secret", "config_url", "cookie_name", "extra_auth_args",
    "frontchannel_logout_uri", "issuer", "logout_token_hint", "logout_uri", "oidc_provider", "pkce",
    "post_logout_uri", "redirect_uri", "scope", "session_store", "session_timeout", "userinfo",
    "perl", "perl_modules", "perl_require", "perl_set",

    // ngx_http_proxy_module
    "proxy_allow_upstream", "proxy_bind", "proxy_bind_dynamic", "proxy_buffer_size",
    "proxy_buffering", "proxy_buffers", "proxy_busy_buffers_size", "proxy_cache",
    "proxy_cache_background_update", "proxy_cache_bypass", "proxy_cache_convert_head",
    "proxy_cache_key", "proxy_cache_lock", "proxy_cache_lock_age", "proxy_cache_lock_timeout",
    "proxy_cache_max_range_offset", "proxy_cache_methods", "proxy_cache_min_uses", "proxy_cache_path",
    "proxy_cache_purge", "proxy_cache_revalidate", "proxy_cache_use_stale", "proxy_cache_valid",
    "proxy_connect_timeout", "proxy_cookie_domain", "proxy_cookie_flags", "proxy_cookie_path",
    "proxy_force_ranges", "proxy_headers_hash_bucket_size", "proxy_headers_hash_max_size",
    "proxy_hide_header", "proxy_http_version", "proxy_ignore_client_abort", "proxy_ignore_headers",
    "proxy_intercept_errors", "proxy_limit_rate", "proxy_max_temp_file_size", "proxy_method",
    "proxy_next_upstream", "proxy_next_upstream_timeout", "proxy_next_upstream_tries",
    "proxy_no_cache", "proxy_pass", "proxy_pass_header", "proxy_pass_request_body",
    "proxy_pass_request_headers", "proxy_pass_trailers", "proxy_read_timeout", "proxy_redirect",
    "proxy_request_buffering", "proxy_request_dynamic", "proxy_send_lowat", "proxy_send_timeout",
    "proxy_set_body", "proxy_set_header", "proxy_socket_keepalive", "proxy_socket_rcvbuf",
    "proxy_socket_sndbuf", "proxy_ssl_certificate", "proxy_ssl_certificate_cache",
    "proxy_ssl_certificate_key", "proxy_ssl_ciphers", "proxy_ssl_conf_command", "proxy_ssl_crl",
    "proxy_ssl_key_log", "proxy_ssl_name", "proxy_ssl_password_file", "proxy_ssl_protocols",
    "proxy_ssl_server_name", "proxy_ssl_session_reuse", "proxy_ssl_trusted_certificate",
    "proxy_ssl_verify", "proxy_ssl_verify_depth", "proxy_store", "proxy_store_access",
    "proxy_temp_file_write_size", "proxy_temp_path",

    // random_index, realip, referer, rewrite
    "random_index",
    "real_ip_header", "real_ip_recursive", "set_real_ip_from",
    "referer_hash_bucket_size", "referer_hash_max_size", "valid_referers",
    "break", "if", "return", "rewrite", "rewrite_log", "set", "uninitialized_variable_warn",

    // ngx_http_scgi_module
    "scgi_allow_upstream", "scgi_bind", "scgi_bind_dynamic", "scgi_buffer_size", "scgi_buffering",
    "scgi_buffers", "scgi_busy_buffers_size", "scgi_cache", "scgi_cache_background_update",
    "scgi_cache_bypass", "scgi_cache_key", "scgi_cache_lock", "scgi_cache_lock_age",
    "scgi_cache_lock_timeout", "scgi_cache_max_range_offset", "scgi_cache_methods",
    "scgi_cache_min_uses", "scgi_cache_path", "scgi_cache_purge", "scgi_cache_revalidate",
    "scgi_cache_use_stale", "scgi_cache_valid", "scgi_connect_timeout", "scgi_force_ranges",
    "scgi_hide_header", "scgi_ignore_client_abort", "scgi_ignore_headers", "scgi_intercept_errors",
    "scgi_limit_rate", "scgi_max_temp_file_size", "scgi_next_upstream", "scgi_next_upstream_timeout",
    "scgi_next_upstream_tries", "scgi_no_cache", "scgi_param", "scgi_pass", "scgi_pass_header",
    "scgi_pass_request_body", "scgi_pass_request_headers", "scgi_read_timeout",
    "scgi_request_buffering", "scgi_request_dynamic", "scgi_send_timeout", "scgi_socket_keepalive",
    "scgi_socket_rcvbuf", "scgi_socket_sndbuf", "scgi_store", "scgi_store_access",
    "scgi_temp_file_write_size", "scgi_temp_path",

    // secure_link, session_log, slice, split_clients, ssi
    "secure_link", "secure_link_md5", "secure_link_secret",
    "session_log", "session_log_format", "session_log_zone",
    "slice",
    "split_clients",
    "ssi", "ssi_ignore_recycled_buffers", "ssi_last_modified", "ssi_min_file_chunk",
    "ssi_silent_errors", "ssi_types", "ssi_value_length",

    // ngx_http_ssl_module (and the ssl_* of mail and stream)
    "ssl", "ssl_alpn", "ssl_buffer_size", "ssl_certificate", "ssl_certificate_cache",
    "ssl_certificate_compression", "ssl_certificate_key", "ssl_ciphers", "ssl_client_certificate",
    "ssl_conf_command", "ssl_crl", "ssl_dhparam", "ssl_early_data", "ssl_ech_file", "ssl_ecdh_curve",
    "ssl_handshake_timeout", "ssl_key_log", "ssl_ocsp", "ssl_ocsp_cache", "ssl_ocsp_responder",
    "ssl_password_file", "ssl_prefer_server_ciphers", "ssl_preread", "ssl_protocols",
    "ssl_reject_handshake", "ssl_session_cache", "ssl_session_ticket_key", "ssl_session_tickets",
    "ssl_session_timeout", "ssl_stapling", "ssl_stapling_file", "ssl_stapling_responder",
    "ssl_stapling_verify", "ssl_trusted_certificate", "ssl_verify_client", "ssl_verify_depth",
    "starttls",

    // stub_status, sub, tunnel
    "stub_status",
    "sub_filter", "sub_filter_last_modified", "sub_filter_once", "sub_filter_types",
    "tunnel_allow_upstream", "tunnel_bind", "tunnel_bind_dynamic", "tunnel_buffer_size",
    "tunnel_connect_timeout", "tunnel_next_upstream", "tunnel_next_upstream_timeout",
    "tunnel_next_upstream_tries", "tunnel_pass", "tunnel_read_timeout", "tunnel_send_lowat",
    "tunnel_send_timeout", "tunnel_socket_keepalive", "tunnel_socket_rcvbuf", "tunnel_socket_sndbuf",

    // ngx_http_upstream_module and its balancers, health checks
    "upstream", "hash", "ip_hash", "keepalive", "least_conn", "least_time", "ntlm", "queue",
    "random", "state", "sticky", "sticky_cookie_insert", "zone",
    "health_check", "health_check_timeout", "match",

    // userid, uwsgi
    "userid", "userid_domain", "userid_expires", "userid_flags", "userid_mark", "userid_name",
    "userid_p3p", "userid_path", "userid_service",
    "uwsgi_allow_upstream", "uwsgi_bind", "uwsgi_bind_dynamic", "uwsgi_buffer_size",
    "uwsgi_buffering", "uwsgi_buffers", "uwsgi_busy_buffers_size", "uwsgi_cache",
    "uwsgi_cache_background_update", "uwsgi_cache_bypass", "uwsgi_cache_key", "uwsgi_cache_lock",
    "uwsgi_cache_lock_age", "uwsgi_cache_lock_timeout", "uwsgi_cache_max_range_offset",
    "uwsgi_cache_methods", "uwsgi_cache_min_uses", "uwsgi_cache_path", "uwsgi_cache_purge",
    "uwsgi_cache_revalidate", "uwsgi_cache_use_stale", "uwsgi_cache_valid", "uwsgi_connect_timeout",
    "uwsgi_force_ranges", "uwsgi_hide_header", "uwsgi_ignore_client_abort", "uwsgi_ignore_headers",
    "uwsgi_intercept_errors", "uwsgi_limit_rate", "uwsgi_max_temp_file_size", "uwsgi_modifier1",
    "uwsgi_modifier2", "uwsgi_next_upstream", "uwsgi_next_upstream_timeout",
    "uwsgi_next_upstream_tries", "uwsgi_no_cache", "uwsgi_param", "uwsgi_pass", "uwsgi_pass_header",
    "uwsgi_pass_request_body", "uwsgi_pass_request_headers", "uwsgi_read_timeout",
    "uwsgi_request_buffering", "uwsgi_request_dynamic", "uwsgi_send_timeout",
    "uwsgi_socket_keepalive", "uwsgi_socket_rcvbuf", "uwsgi_socket_sndbuf",
    "uwsgi_ssl_certificate", "uwsgi_ssl_certificate_cache", "uwsgi_ssl_certificate_key",
    "uwsgi_ssl_ciphers", "uwsgi_ssl_conf_command", "uwsgi_ssl_crl", "uwsgi_ssl_key_log",
    "uwsgi_ssl_name", "uwsgi_ssl_password_file", "uwsgi_ssl_protocols", "uwsgi_ssl_server_name",
    "uwsgi_ssl_session_reuse", "uwsgi_ssl_trusted_certificate", "uwsgi_ssl_verify",
    "uwsgi_ssl_verify_depth", "uwsgi_store", "uwsgi_store_access", "uwsgi_string",
    "uwsgi_temp_file_write_size", "uwsgi_temp_path",

    // HTTP/2, HTTP/3 and QUIC, and the SPDY module they replaced
    "http2", "http2_body_preread_size", "http2_chunk_size", "http2_idle_timeout",
    "http2_max_concurrent_pushes", "http2_max_concurrent_streams", "http2_max_field_size",
    "http2_max_header_size", "http2_max_requests", "http2_pool_size", "http2_push",
    "http2_push_preload", "http2_recv_buffer_size", "http2_recv_timeout", "http2_streams_index_size",
    "http3", "http3_hq", "http3_max_concurrent_streams", "http3_stream_buffer_size",
    "quic_active_connection_id_limit", "quic_gso", "quic_host_key", "quic_retry",
    "spdy_chunk_size", "spdy_headers_comp", "spdy_keepalive_timeout", "spdy_max_concurrent_streams",
    "spdy_pool_size", "spdy_recv_buffer_size", "spdy_recv_timeout", "spdy_streams_index_size",

    // xslt
    "xml_entities", "xml_external_entities", "xslt_last_modified", "xslt_param", "xslt_string_param",
    "xslt_stylesheet", "xslt_types",

    // mail: core, auth_http, proxy, realip, ssl (above), imap, pop3, smtp
    "max_errors", "protocol", "timeout",
    "auth_http", "auth_http_header", "auth_http_pass_client_cert", "auth_http_timeout",
    "proxy", "proxy_buffer", "proxy_pass_error_message", "proxy_protocol", "proxy_smtp_auth",
    "proxy_timeout", "xclient",
    "imap_auth", "imap_capabilities", "imap_client_buffer",
    "pop3_auth", "pop3_capabilities",
    "smtp_auth", "smtp_capabilities", "smtp_client_buffer", "smtp_greeting_delay",

    // stream: core, pass, proxy, return, set, mqtt, zone_sync
    "preread_buffer_size", "preread_timeout", "proxy_protocol_timeout",
    "pass",
    "proxy_download_rate", "proxy_downstream_buffer", "proxy_half_close", "proxy_requests",
    "proxy_responses", "proxy_session_drop", "proxy_ssl", "proxy_ssl_alpn", "proxy_upload_rate",
    "proxy_upstream_buffer",
    "mqtt", "mqtt_buffers", "mqtt_preread", "mqtt_rewrite_buffer_size", "mqtt_set_connect",
    "zone_sync", "zone_sync_buffers", "zone_sync_connect_retry_interval", "zone_sync_connect_timeout",
    "zone_sync_interval", "zone_sync_recv_buffer_size", "zone_sync_server", "zone_sync_ssl",
    "zone_sync_ssl_certificate", "zone_sync_ssl_certificate_key", "zone_sync_ssl_ciphers",
    "zone_sync_ssl_conf_command", "zone_sync_ssl_crl", "zone_sync_ssl_name",
    "zone_sync_ssl_password_file", "zone_sync_ssl_protocols", "zone_sync_ssl_server_name",
    "zone_sync_ssl_trusted_certificate", "zone_sync_ssl_verify", "zone_sync_ssl_verify_depth",
    "zone_sync_timeout",

    // ngx_mgmt_module, ngx_otel_module
    "enforce_initial_report", "license_token", "mgmt", "proxy_password", "proxy_username",
    "usage_report",
    "otel_exporter", "otel_resource_attr", "otel_service_name", "otel_span_attr", "otel_span_name",
    "otel_trace", "otel_trace_context",
};

const std::vector<std::string_view> &sortedNames()
{
    static const std::vector<std::string_view> sorted = [] {
        std::vector<std::string_view> v(std::begin(Names), std::end(Names));
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        return v;
    }();
    return sorted;
}

} // namespace

bool isKnownNginxDirective(QByteArrayView name)
{
    const auto &names = sortedNames();
    const std::string_view key(name.data(), size_t(name.size()));
    return std::binary_search(names.cbegin(), names.cend(), key);
}

QList<QByteArrayView> knownNginxDirectives()
{
    QList<QByteArrayView> list;
    const auto &names = sortedNames();
    list.reserve(qsizetype(names.size()));
    for (std::string_view n : names)
        list.append(QByteArrayView(n.data(), qsizetype(n.size())));
    return list;
}

namespace {

// nginx directives wsscope does not implement, by effect. A pattern ending
// in '*' is a prefix; the first match wins, so the harmless exceptions of a
// family come before it. A null effect: cannot change what a client or an
// upstream sees (a warning). A directive another part of wsscope implements
// is an entry of the directive table and never gets here.
struct Effect
{
    std::string_view pattern;
    const char *effect;
};

constexpr Effect Effects[] = {
    // the process and the event loop: how, not what
    {"env", nullptr}, {"lock_file", nullptr}, {"pcre_jit", nullptr}, {"thread_pool", nullptr},
    {"timer_resolution", nullptr}, {"worker_aio_requests", nullptr}, {"worker_cpu_affinity", nullptr},
    {"worker_priority", nullptr}, {"worker_rlimit_*", nullptr}, {"working_directory", nullptr},
    {"google_perftools_profiles", nullptr}, {"debug_points", nullptr}, {"stall_threshold", nullptr},
    {"load_module", nullptr}, {"ssl_engine", nullptr}, {"ssl_object_cache_inheritable", nullptr},
    {"accept_mutex*", nullptr}, {"multi_accept", nullptr}, {"use", nullptr}, {"debug_connection", nullptr},
    {"*_events", nullptr}, {"*_changes", nullptr}, {"iocp_threads", nullptr}, {"post_acceptex", nullptr},
    {"acceptex_read", nullptr},
    // I/O strategy, buffers, temp files, hash sizes, logs
    {"aio", nullptr}, {"aio_write", nullptr}, {"directio*", nullptr}, {"sendfile*", nullptr},
    {"tcp_nodelay", nullptr}, {"tcp_nopush", nullptr}, {"output_buffers", nullptr}, {"postpone_output", nullptr},
    {"read_ahead", nullptr}, {"send_lowat", nullptr}, {"open_file_cache*", nullptr},
    {"open_log_file_cache", nullptr}, {"*_temp_path", nullptr}, {"*_temp_file_write_size", nullptr},
    {"*_max_temp_file_size", nullptr},
    {"request_pool_size", nullptr}, {"*_hash_bucket_size", nullptr}, {"*_hash_max_size", nullptr},
    {"log_subrequest", nullptr},
    {"error_log_tag", nullptr}, {"lingering_*", nullptr}, {"reset_timedout_connection", nullptr},
    {"msie_padding", nullptr}, {"satisfy", nullptr}, {"proxy_limit_rate", nullptr},
    {"proxy_buffer_size", nullptr}, {"proxy_buffers", nullptr}, {"proxy_busy_buffers_size", nullptr},
    {"proxy_socket_*", nullptr},
    {"proxy_send_lowat", nullptr}, {"proxy_store_access", nullptr},
    {"subrequest_output_buffer_size", nullptr}, {"http2*", nullptr}, {"http3*", nullptr}, {"quic_*", nullptr},
    {"spdy_*", nullptr},
    // the client sees the same content: compression, TLS session and stapling details
    {"gzip*", nullptr}, {"postpone_gzipping", nullptr}, {"ssl_stapling*", nullptr},
    {"ssl_session_ticket_key", nullptr}, {"ssl_ocsp*", nullptr}, {"ssl_key_log", nullptr},
    {"ssl_handshake_timeout", nullptr}, {"ssl_certificate_cache", nullptr}, {"ssl_conf_command", nullptr},
    {"ssl_reject_handshake", nullptr},
    {"ssl_crl", nullptr}, {"ssl_certificate_compression", nullptr},
    // inert without the directive that uses them (which is refused)
    {"proxy_cache_path", nullptr}, {"limit_conn_zone", nullptr}, {"limit_req_zone", nullptr},
    {"limit_conn_log_level", nullptr}, {"limit_req_log_level", nullptr}, {"limit_conn_status", nullptr},
    {"limit_req_status", nullptr}, {"limit_conn_dry_run", nullptr}, {"limit_req_dry_run", nullptr},
    {"fastcgi_pass", "requests would go to a FastCGI server (PHP-FPM...); wsscope proxies HTTP and WebSocket only"},
    {"uwsgi_pass", "requests would go to a uwsgi server; wsscope proxies HTTP and WebSocket only"},
    {"scgi_pass", "requests would go to an SCGI server; wsscope proxies HTTP and WebSocket only"},
    {"grpc_pass", "requests would go to a gRPC server; wsscope proxies HTTP/1.1 and WebSocket only"},
    {"memcached_pass", "responses would come from memcached"},
    {"fastcgi_*", nullptr}, {"uwsgi_*", nullptr}, {"scgi_*", nullptr}, {"grpc_*", nullptr},
    {"memcached_*", nullptr}, {"proxy_cache", "responses would not be cached (upstreams see every request)"},
    {"proxy_cache_*", nullptr}, {"proxy_no_cache", nullptr}, {"proxy_store", nullptr},
    {"dav_access", nullptr}, {"min_delete_depth", nullptr}, {"status_zone", nullptr},
    // what the client or the upstream would see differently
    {"limit_conn", "the connection limit would not be enforced (limits are issue 14 of wsscope)"},
    {"limit_req", "the request rate limit would not be enforced (limits are issue 14 of wsscope)"},
    {"auth_basic*", "requests would not need a password"}, {"auth_request*", "requests would not be authorized"},
    {"auth_jwt*", "requests would not need a token"}, {"auth_*", "requests would not be authenticated"},
    {"ssi*", "server-side includes would reach clients unprocessed"},
    {"sub_filter*", "response bodies would not be rewritten"}, {"add_before_body", "bodies would lack the addition"},
    {"add_after_body", "bodies would lack the addition"}, {"addition_types", "bodies would lack the addition"},
    {"xslt_*", "XML responses would not be transformed"}, {"xml_*", "XML responses would not be transformed"},
    {"image_filter*", "images would not be transformed"}, {"perl*", "Perl handlers would not run"},
    {"js_*", "njs handlers would not run"}, {"charset*", "Content-Type would lack or keep another charset"},
    {"source_charset", "responses would not be recoded"}, {"override_charset", "responses would not be recoded"},
    {"userid*", "clients would get no userid cookie"}, {"geo", "the variables it defines would be unset"},
    {"geoip_*", "the variables it defines would be unset"}, {"split_clients", "the variable it defines would be unset"},
    {"valid_referers", "$invalid_referer would be unset"}, {"secure_link*", "links would not be checked"},
    {"autoindex*", "directories would not be listed"}, {"random_index", "the index file would not be random"},
    {"empty_gif", "the location would not answer with a GIF"}, {"stub_status", "no status page would be served"},
    {"mirror*", "upstreams would not get the mirrored requests"}, {"slice", "ranges would not be sliced"},
    {"flv", "FLV seeking would not work"}, {"mp4*", "MP4 seeking would not work"}, {"hls*", "no HLS"},
    {"f4f*", "no HDS"}, {"dav_methods", "WebDAV methods would not be served"},
    {"create_full_put_path", "WebDAV methods would not be served"},
    // what issue 13 implements elsewhere in wsscope; until an entry of the
    // directive table takes a name over, its effect is named here
    {"add_trailer", "responses would lack the trailers it adds"},
    {"proxy_cookie_*", "Set-Cookie from upstreams would not be rewritten"},
    {"proxy_bind", "upstreams would see another source address"},
    {"stream", "its TCP/UDP ports would not be served (wsscope proxies HTTP only)"},
    {"mail", "its mail ports would not be served"},
    {"sticky*", "clients would not stick to a server"}, {"ntlm", "NTLM connections would not be pinned"},
    {"queue", "requests would not wait for a free server"}, {"least_time", "servers would be picked otherwise"},
};

bool matches(std::string_view pattern, std::string_view name)
{
    if (pattern.front() == '*')
        return name.size() >= pattern.size() - 1 && name.substr(name.size() - (pattern.size() - 1)) == pattern.substr(1);
    if (pattern.back() == '*')
        return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
    return pattern == name;
}

} // namespace

QString unsupportedEffect(QByteArrayView name)
{
    const std::string_view n(name.data(), size_t(name.size()));
    for (const Effect &e : Effects) {
        if (matches(e.pattern, n))
            return e.effect ? QString::fromLatin1(e.effect) : QString();
    }
    // Any other: it exists to change how a request is answered.
    return QStringLiteral("requests would be answered otherwise than nginx answers them");
}

QString likelyCopiedFrom(QByteArrayView name)
{
    if (name == "fastcgi_pass")
        return QStringLiteral("a PHP site's location (snippets/fastcgi-php.conf)");
    if (name == "limit_req" || name == "limit_conn")
        return QStringLiteral("a hardening snippet (conf.d/*.conf)");
    if (name == "autoindex" || name == "ssi" || name == "charset")
        return QStringLiteral("a static site's server block");
    return {};
}
