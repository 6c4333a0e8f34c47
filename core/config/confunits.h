#pragma once

#include <QByteArrayView>
#include <QtGlobal>

#include <optional>

// nginx's value units ("Measurement units" in the nginx docs), with its exact
// rules and overflow checks; std::nullopt where nginx says "invalid value".
namespace ConfUnits {

// Times for directives read with ngx_conf_set_msec_slot (proxy_read_timeout,
// keepalive_timeout, ...): ngx_parse_time(value, 0). Units ms, s, m, h, d, w,
// in that order from the largest, each at most once, and combinable
// ("1h30m", "1s 500ms"); a number without a unit is seconds, also at the end
// of a combination ("1m30" is 90 s). M and y are rejected here. Returns
// milliseconds.
std::optional<qint64> parseMsec(QByteArrayView text);

// Times for directives read with ngx_conf_set_sec_slot (ssl_session_timeout,
// ...): ngx_parse_time(value, 1). Units s, m, h, d, w, M (30 days), y (365
// days); "ms" is rejected. Returns seconds.
std::optional<qint64> parseSec(QByteArrayView text);

// Sizes for ngx_conf_set_size_slot directives (proxy_buffer_size, ...):
// ngx_parse_size. A byte count with an optional k/K (1024) or m/M (1024^2).
std::optional<qint64> parseSize(QByteArrayView text);

// Sizes for ngx_conf_set_off_slot directives (client_max_body_size, ...):
// ngx_parse_offset. As parseSize, plus g/G (1024^3).
std::optional<qint64> parseOffset(QByteArrayView text);

// ngx_conf_set_flag_slot: "on" or "off", in any letter case.
std::optional<bool> parseFlag(QByteArrayView text);

} // namespace ConfUnits
