#include "headersfilter.h"

#include "config/confunits.h"
#include "http/specialresponse.h"

#include <QDateTime>

namespace {

// ngx_http_headers_filter's safe_status.
bool listedStatus(int status)
{
    switch (status) {
    case 200: case 201: case 204: case 206: case 301: case 302: case 303: case 304: case 307: case 308:
        return true;
    default:
        return false;
    }
}

// ngx_next_time: the next moment (local time) at `timeOfDay` seconds after
// midnight, today or tomorrow.
qint64 nextTimeOfDay(qint64 timeOfDay, qint64 now)
{
    const QDateTime local = QDateTime::fromSecsSinceEpoch(now);
    QDateTime at = local.date().startOfDay().addSecs(timeOfDay);
    if (at.toSecsSinceEpoch() <= now)
        at = local.date().addDays(1).startOfDay().addSecs(timeOfDay);
    return at.toSecsSinceEpoch();
}

// ngx_http_set_expires.
void setExpires(HttpResponseHead &head, const ExpiresSetting &setting, const RequestContext &context, qint64 now)
{
    ExpiresSetting e = setting;
    if (setting.variable) {
        const char *error = nullptr;
        const std::optional<ExpiresSetting> parsed =
            parseExpires(setting.variable->expand(context), setting.kind, &error);
        if (!parsed)
            return; // nginx: logged, no header
        e = *parsed;
    }
    if (e.kind == ExpiresSetting::Kind::Off)
        return;
    // Expires replaces the response's own; Cache-Control replaces all of theirs.
    head.headers.remove("Cache-Control");
    if (e.kind == ExpiresSetting::Kind::Epoch) {
        head.headers.set("Expires", "Thu, 01 Jan 1970 00:00:01 GMT");
        head.headers.append("Cache-Control", "no-cache");
        return;
    }
    if (e.kind == ExpiresSetting::Kind::Max) {
        head.headers.set("Expires", "Thu, 31 Dec 2037 23:55:55 GMT");
        head.headers.append("Cache-Control", "max-age=315360000");
        return;
    }
    qint64 expiresAt = 0;
    qint64 maxAge = 0;
    const std::optional<qint64> modified = head.headers.contains("Last-Modified")
        ? parseHttpDate(head.headers.value("Last-Modified"))
        : std::nullopt;
    if (e.kind == ExpiresSetting::Kind::Daily) {
        expiresAt = nextTimeOfDay(e.seconds, now);
        maxAge = expiresAt - now;
    } else if (e.kind == ExpiresSetting::Kind::Access || !modified) {
        maxAge = e.seconds;
        expiresAt = now + e.seconds;
    } else {
        expiresAt = *modified + e.seconds;
        maxAge = expiresAt - now;
    }
    head.headers.set("Expires", httpDate(expiresAt));
    head.headers.append("Cache-Control",
                        e.seconds < 0 || maxAge < 0 ? QByteArray("no-cache") : "max-age=" + QByteArray::number(maxAge));
}

} // namespace

std::optional<ExpiresSetting> parseExpires(QByteArrayView value, ExpiresSetting::Kind kind, const char **error)
{
    ExpiresSetting e;
    e.kind = kind;
    if (kind != ExpiresSetting::Kind::Modified) {
        static const struct { const char *word; ExpiresSetting::Kind kind; } words[] = {
            {"epoch", ExpiresSetting::Kind::Epoch}, {"max", ExpiresSetting::Kind::Max},
            {"off", ExpiresSetting::Kind::Off}};
        for (const auto &w : words) {
            if (value == QByteArrayView(w.word)) {
                e.kind = w.kind;
                return e;
            }
        }
    }
    bool minus = false;
    if (value.startsWith('@')) {
        if (kind == ExpiresSetting::Kind::Modified) {
            *error = "daily time cannot be used with \"modified\" parameter";
            return std::nullopt;
        }
        e.kind = ExpiresSetting::Kind::Daily;
        value = value.sliced(1);
    } else if (value.startsWith('+') || value.startsWith('-')) {
        minus = value.startsWith('-');
        value = value.sliced(1);
    }
    const std::optional<qint64> seconds = ConfUnits::parseSec(value);
    if (!seconds) {
        *error = "invalid value";
        return std::nullopt;
    }
    if (e.kind == ExpiresSetting::Kind::Daily && *seconds > 24 * 60 * 60) {
        *error = "daily time value must be less than 24 hours";
        return std::nullopt;
    }
    e.seconds = minus ? -*seconds : *seconds;
    return e;
}

void applyHeadersFilter(HttpResponseHead &head, const HeadersFilter &filter, const RequestContext &context,
                        qint64 nowSeconds)
{
    const bool listed = listedStatus(head.status);
    // $sent_http_NAME reads the head as the filter has made it so far.
    RequestContext withHead = context;
    withHead.response = &head;
    if (listed)
        setExpires(head, filter.expires, withHead, nowSeconds);
    for (const AddHeader &h : filter.headers) {
        if (!listed && !h.always)
            continue;
        const QByteArray value = h.value.expandWrittenBreaks(withHead);
        // ngx_http_set_last_modified / ngx_http_set_response_header: one
        // field, replaced or (empty value) removed.
        if (headerNameEquals(h.name, "Last-Modified") || headerNameEquals(h.name, "ETag")) {
            head.headers.remove(h.name);
            if (!value.isEmpty())
                head.headers.append(h.name, value);
            continue;
        }
        if (!value.isEmpty())
            head.headers.append(h.name, value);
    }
}
