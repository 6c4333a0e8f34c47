#pragma once

#include <QByteArray>
#include <QByteArrayView>

typedef struct ssl_st SSL;

// The ngx_http_ssl_module variables read from a connection's SSL, when a
// request asks for them (not for every request): $ssl_protocol,
// $ssl_cipher, $ssl_server_name, $ssl_session_reused, $ssl_session_id,
// $ssl_ciphers, $ssl_curve(s), $ssl_alpn_protocol and the client
// certificate's ($ssl_client_verify, _s_dn, _i_dn, _serial, _fingerprint,
// _v_start, _v_end, _v_remain, _cert, _raw_cert, _escaped_cert). Written as
// nginx writes them (ngx_ssl_get_* in ngx_event_openssl.c).
namespace TlsVariables {

// The variable names this module answers (without the '$').
bool isKnown(QByteArrayView name);
// Its value for `ssl` (nullptr: a plain connection, empty for all).
QByteArray value(SSL *ssl, QByteArrayView name);

} // namespace TlsVariables
