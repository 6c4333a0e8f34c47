#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

// An ordered list of header fields as they appeared on the wire. Names keep
// their original spelling; every lookup is case-insensitive (RFC 9110 5.1).
struct HttpHeader
{
    QByteArray name;
    QByteArray value;
};

class HttpHeaders
{
public:
    qsizetype size() const { return m_fields.size(); }
    bool isEmpty() const { return m_fields.isEmpty(); }
    const QList<HttpHeader> &fields() const { return m_fields; }
    auto begin() const { return m_fields.cbegin(); }
    auto end() const { return m_fields.cend(); }

    bool contains(QByteArrayView name) const;
    qsizetype count(QByteArrayView name) const;
    // The first value, or a null QByteArray when absent.
    QByteArray value(QByteArrayView name) const;
    // All values joined with ", " (RFC 9110 5.3), null when absent.
    QByteArray combinedValue(QByteArrayView name) const;

    void append(QByteArray name, QByteArray value);
    void reserve(qsizetype fields) { m_fields.reserve(fields); }
    // Replaces every field of that name with one (appended where the first was).
    void set(QByteArray name, QByteArray value);
    qsizetype remove(QByteArrayView name);

    // True when the comma-separated list in header `name` holds `token`.
    bool hasToken(QByteArrayView name, QByteArrayView token) const;

    void serialize(QByteArray &out) const;

    friend bool operator==(const HttpHeaders &a, const HttpHeaders &b);

private:
    QList<HttpHeader> m_fields;
};

bool headerNameEquals(QByteArrayView a, QByteArrayView b);
// RFC 9110 5.6.2: tchar, and token = 1*tchar.
bool isHttpTokenChar(char c);
bool isHttpToken(QByteArrayView text);
// A Host value as nginx compares it: without the port and a trailing dot,
// lower-cased ("[::1]:8080" -> "[::1]", "Example.COM.:80" -> "example.com").
QByteArray normalizedHostName(QByteArrayView host);
// nginx's ngx_http_validate_host: false for a host nginx answers with 400
// (an empty name, "..", '/', NUL or a control character); otherwise *out is
// the host as nginx keeps it (normalizedHostName's form). "[...]" is an
// IP literal; the first ':' outside it starts the port ("a:1:2" -> "a").
bool validateHostName(QByteArrayView host, QByteArray *out);
// Splits a comma-separated field value into trimmed, non-empty elements.
QList<QByteArrayView> splitHeaderList(QByteArrayView value);

struct HttpRequestHead
{
    QByteArray method;
    QByteArray target;        // origin form: an absolute-form target is cut to its path
    QByteArray absoluteHost;  // the validated host of an absolute-form target ("GET http://h/ ...")
    int versionMinor = 1; // HTTP/1.x
    HttpHeaders headers;

    bool isHttp11() const { return versionMinor >= 1; }
    QByteArray serialize() const;
};

struct HttpResponseHead
{
    int versionMinor = 1;
    int status = 0;
    QByteArray reason;
    HttpHeaders headers;

    QByteArray serialize() const;
};

// The standard reason phrase for a status code ("Bad Gateway"), or "Unknown".
QByteArray httpReasonPhrase(int status);
