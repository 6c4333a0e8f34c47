#pragma once

#include "http/httpheaders.h"
#include "http/variables.h"

#include <QByteArray>
#include <QList>

#include <optional>

// nginx's ngx_http_headers_filter_module: `add_header NAME VALUE [always]`
// and `expires`, applied to every response head a location sends (its own,
// a proxied one, a 101).

// `expires` as written (ngx_http_expires_t with its time).
struct ExpiresSetting
{
    enum class Kind : quint8 { Off, Epoch, Max, Access, Modified, Daily };
    Kind kind = Kind::Off;
    qint64 seconds = 0;                    // Access/Modified: the offset (may be negative); Daily: time of day
    std::optional<ValueTemplate> variable; // `expires [modified] $var`: read per request

    bool operator==(const ExpiresSetting &o) const = default;
};

// ngx_http_parse_expires: "epoch", "max", "off" (not after "modified"),
// "@TIME" (daily, under 24 h; not after "modified"), "[+|-]TIME". `kind` is
// Access or Modified on entry (what the words before said); nullopt with
// `*error` set for bad input.
std::optional<ExpiresSetting> parseExpires(QByteArrayView value, ExpiresSetting::Kind kind, const char **error);

struct AddHeader
{
    QByteArray name;
    ValueTemplate value;
    bool always = false; // also for statuses outside nginx's list

    bool operator==(const AddHeader &o) const = default;
};

struct HeadersFilter
{
    QList<AddHeader> headers; // a level's own list, or the inherited one when it sets none
    ExpiresSetting expires;

    bool isEmpty() const { return headers.isEmpty() && expires.kind == ExpiresSetting::Kind::Off && !expires.variable; }
    bool operator==(const HeadersFilter &o) const = default;
};

// ngx_http_headers_filter: Expires/Cache-Control for 200, 201, 204, 206,
// 301, 302, 303, 304, 307, 308; the add_header fields for those, and the
// `always` ones for any status. An empty value adds nothing; Last-Modified
// and ETag replace the response's own (an empty value removes it),
// Cache-Control and Link are added beside the others. `nowSeconds` is the
// Unix time.
void applyHeadersFilter(HttpResponseHead &head, const HeadersFilter &filter, const RequestContext &context,
                        qint64 nowSeconds);
