#include "specialresponse.h"

#include <QDateTime>
#include <QLocale>
#include <QTimeZone>

#ifndef WSSCOPE_VERSION
#define WSSCOPE_VERSION "0"
#endif

namespace {

struct Status
{
    int code;
    const char *line;  // ngx_http_status_lines
    const char *title; // the page's title (ngx_http_error_pages); null: no page
};

// nginx's tables, by status.
constexpr Status Statuses[] = {
    {200, "OK", nullptr},
    {201, "Created", nullptr},
    {202, "Accepted", nullptr},
    {204, "No Content", nullptr},
    {206, "Partial Content", nullptr},
    {301, "Moved Permanently", "301 Moved Permanently"},
    {302, "Moved Temporarily", "302 Found"},
    {303, "See Other", "303 See Other"},
    {304, "Not Modified", nullptr},
    {307, "Temporary Redirect", "307 Temporary Redirect"},
    {308, "Permanent Redirect", "308 Permanent Redirect"},
    {400, "Bad Request", "400 Bad Request"},
    {401, "Unauthorized", "401 Authorization Required"},
    {402, "Payment Required", "402 Payment Required"},
    {403, "Forbidden", "403 Forbidden"},
    {404, "Not Found", "404 Not Found"},
    {405, "Not Allowed", "405 Not Allowed"},
    {406, "Not Acceptable", "406 Not Acceptable"},
    {408, "Request Time-out", "408 Request Time-out"},
    {409, "Conflict", "409 Conflict"},
    {410, "Gone", "410 Gone"},
    {411, "Length Required", "411 Length Required"},
    {412, "Precondition Failed", "412 Precondition Failed"},
    {413, "Request Entity Too Large", "413 Request Entity Too Large"},
    {414, "Request-URI Too Large", "414 Request-URI Too Large"},
    {415, "Unsupported Media Type", "415 Unsupported Media Type"},
    {416, "Requested Range Not Satisfiable", "416 Requested Range Not Satisfiable"},
    {421, "Misdirected Request", "421 Misdirected Request"},
    {429, "Too Many Requests", "429 Too Many Requests"},
    {494, "Bad Request", "400 Request Header Or Cookie Too Large"},
    {495, "Bad Request", "400 The SSL certificate error"},
    {496, "Bad Request", "400 No required SSL certificate was sent"},
    {497, "Bad Request", "400 The plain HTTP request was sent to HTTPS port"},
    {500, "Internal Server Error", "500 Internal Server Error"},
    {501, "Not Implemented", "501 Not Implemented"},
    {502, "Bad Gateway", "502 Bad Gateway"},
    {503, "Service Temporarily Unavailable", "503 Service Temporarily Unavailable"},
    {504, "Gateway Time-out", "504 Gateway Time-out"},
    {505, "HTTP Version Not Supported", "505 HTTP Version Not Supported"},
    {507, "Insufficient Storage", "507 Insufficient Storage"},
};

const Status *findStatus(int code)
{
    for (const Status &s : Statuses) {
        if (s.code == code)
            return &s;
    }
    return nullptr;
}

constexpr const char *Months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char *Days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

} // namespace

QByteArray serverSoftware(ServerTokens tokens)
{
    // Shared, not rebuilt: every proxied response carries one.
    static const QByteArray bare("nginx");
    static const QByteArray full = QByteArray("nginx/") + NginxCompatibleVersion + " (wsscope " WSSCOPE_VERSION ")";
    return tokens == ServerTokens::Off ? bare : full;
}

QByteArray nginxReasonPhrase(int status)
{
    const Status *s = findStatus(status);
    return s ? QByteArray(s->line) : httpReasonPhrase(status);
}

int statusOnTheWire(int status)
{
    return status >= 494 && status <= 497 ? 400 : status;
}

bool hasSpecialPage(int status)
{
    const Status *s = findStatus(status);
    return s && s->title;
}

QByteArray specialPageBody(int status, ServerTokens tokens, QByteArrayView detail)
{
    const Status *s = findStatus(status);
    if (!s || !s->title)
        return {};
    const QByteArray title(s->title);
    QByteArray page = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title
        + "</h1></center>\r\n";
    if (!detail.isEmpty()) {
        // "--" may not appear inside an HTML comment.
        QByteArray why = detail.toByteArray();
        why.replace("--", "- -");
        page += "<!-- wsscope: " + why + " -->\r\n";
    }
    page += "<hr><center>" + serverSoftware(tokens) + "</center>\r\n</body>\r\n</html>\r\n";
    return page;
}

QByteArray httpDate(qint64 unixSeconds)
{
    // One text per second and thread, as nginx keeps its cached time strings.
    thread_local qint64 cachedSecond = -1;
    thread_local QByteArray cached;
    if (unixSeconds == cachedSecond)
        return cached;
    const QDateTime t = QDateTime::fromSecsSinceEpoch(unixSeconds, Qt::UTC);
    const QDate d = t.date();
    const QTime c = t.time();
    cached = QByteArray(Days[d.dayOfWeek() - 1]) + ", " + QByteArray::number(d.day()).rightJustified(2, '0') + ' '
        + Months[d.month() - 1] + ' ' + QByteArray::number(d.year()).rightJustified(4, '0') + ' '
        + QByteArray::number(c.hour()).rightJustified(2, '0') + ':'
        + QByteArray::number(c.minute()).rightJustified(2, '0') + ':'
        + QByteArray::number(c.second()).rightJustified(2, '0') + " GMT";
    cachedSecond = unixSeconds;
    return cached;
}

std::optional<qint64> parseHttpDate(QByteArrayView text)
{
    // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday,
    // 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994".
    const QString s = QString::fromLatin1(text.toByteArray()).simplified();
    const QLocale c = QLocale::c();
    for (const char *format : {"ddd, dd MMM yyyy hh:mm:ss 'GMT'", "dddd, dd-MMM-yy hh:mm:ss 'GMT'",
                               "ddd MMM d hh:mm:ss yyyy"}) {
        QDateTime t = c.toDateTime(s, QLatin1String(format));
        if (!t.isValid())
            continue;
        if (t.date().year() < 1970 && QByteArrayView(format).contains("-yy"))
            t = t.addYears(100);
        t.setTimeZone(QTimeZone::utc());
        return t.toSecsSinceEpoch();
    }
    return std::nullopt;
}
