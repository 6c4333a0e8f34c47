#include "session.h"

#include "config/confunits.h"
#include "config/headersfilter.h"
#include "http/returnresponse.h"
#include "http/specialresponse.h"
#include "ops/logging.h"
#include "requestrouter.h"
#include "worker.h"

#include <QDateTime>

// The answers a session makes itself, without an upstream: `return`, a
// rewrite's redirect, the proxy's error responses (nginx's HTML pages) and
// static files; the header filters (Server, Date, add_header, expires)
// every response head passes; and the routing's lines for the error log.

const LocationSettings &Session::responseSettings() const
{
    return m_location ? static_cast<const LocationSettings &>(*m_location) : m_server->settings;
}

void Session::filterHead(HttpResponseHead &head) const
{
    const HeadersFilter &filter = responseSettings().headersFilter;
    if (!filter.isEmpty())
        applyHeadersFilter(head, filter, m_context, QDateTime::currentSecsSinceEpoch());
}

void Session::addKeepAliveHeader(HttpResponseHead &head) const
{
    // ngx_http_header_filter: keepalive_timeout's second argument, after "Connection: keep-alive".
    const qint64 seconds = responseSettings().keepaliveHeaderSec;
    if (seconds > 0 && head.headers.value("Connection") == "keep-alive")
        head.headers.append("Keep-Alive", "timeout=" + QByteArray::number(seconds));
}

void Session::writeOwnResponse(HttpResponseHead &head, const QByteArray &body)
{
    // nginx's header filter: Server and Date lead every response it makes.
    HttpHeaders headers;
    headers.reserve(head.headers.size() + 2);
    headers.append("Server", serverSoftware(responseSettings().serverTokens));
    headers.append("Date", httpDate(QDateTime::currentSecsSinceEpoch()));
    for (const HttpHeader &h : head.headers) {
        if (!headerNameEquals(h.name, "Server") && !headerNameEquals(h.name, "Date"))
            headers.append(h.name, h.value);
    }
    head.headers = std::move(headers);
    // An answer after an error_page redirect: the error's status, and the
    // Location an earlier answer of the request set (nginx keeps both).
    applyErrorStatus(head);
    // ngx_http_header_filter: a 204 (as finally sent) has no body, type or length.
    const bool noContent = head.status == 204;
    if (noContent) {
        head.headers.remove("Content-Type");
        head.headers.remove("Content-Length");
    }
    if (!m_errorPage.location.isNull() && !head.headers.contains("Location")) {
        head.headers.append("Location", m_errorPage.location);
        m_client.makeRedirectAbsolute(head.headers, m_request, responseSettings(), m_server->serverName, m_listenPort);
    }
    addKeepAliveHeader(head);
    filterHead(head);
    const QByteArray out = head.serialize();
    m_responseHeadBytes = out.size();
    startSendRate(false);
    m_client->write(out + (m_request.method == "HEAD" || noContent ? QByteArray() : body));
    m_responseStarted = true;
}

void Session::hideUpstreamHeaders(HttpResponseHead &out) const
{
    const LocationSettings &settings = responseSettings();
    HttpHeaders kept;
    kept.reserve(out.headers.size() + 2);
    if (!settings.passesUpstreamHeader("Server") || !out.headers.contains("Server"))
        kept.append("Server", serverSoftware(settings.serverTokens));
    if (!settings.passesUpstreamHeader("Date") || !out.headers.contains("Date"))
        kept.append("Date", httpDate(QDateTime::currentSecsSinceEpoch()));
    for (const HttpHeader &h : out.headers) {
        if (settings.passesUpstreamHeader(h.name))
            kept.append(h.name, h.value);
    }
    out.headers = std::move(kept);
}

// The rate is the request's once decided (`set $limit_rate`, an upstream's
// X-Accel-Limit-Rate), else the location's limit_rate; an unbuffered proxied
// response has none (ngx_http_upstream_send_response). Counted from the
// request's start, as nginx's r->start_sec.
void Session::startSendRate(bool proxiedResponse)
{
    const LocationSettings &settings = responseSettings();
    // ngx_http_upstream_process_buffering: X-Accel-Buffering turns it on or off for this response.
    bool buffering = settings.proxyBuffering;
    if (proxiedResponse && !(settings.ignoreHeaders & LocationSettings::IgnoreXAccelBuffering)) {
        const QByteArray accel = m_response.headers.value("X-Accel-Buffering");
        if (accel.compare("yes", Qt::CaseInsensitive) == 0)
            buffering = true;
        else if (accel.compare("no", Qt::CaseInsensitive) == 0)
            buffering = false;
    }
    if (proxiedResponse && !buffering) {
        m_context.limitRate = 0;
        m_context.limitRateSet = true;
    }
    if (!m_context.limitRateSet) {
        m_context.limitRate = sizeValue(settings.limitRate);
        m_context.limitRateSet = true;
    }
    const qint64 after = m_context.limitRate > 0 ? sizeValue(settings.limitRateAfter) : 0;
    m_client->setSendRate(m_context.limitRate, after,
                          qMax<qint64>(0, QDateTime::currentMSecsSinceEpoch() - m_requestStartMs));
}

// ngx_http_complex_value_size: the value as a size, 0 (with an error) when it is none.
qint64 Session::sizeValue(const ValueTemplate &value)
{
    if (value.source().isEmpty())
        return 0;
    const QByteArray text = value.expand(m_context);
    if (const std::optional<qint64> size = ConfUnits::parseSize(text))
        return *size;
    logLine(QtCriticalMsg) << "invalid size \"" + text + '"';
    return 0;
}

LogLine::LogLine(const QList<Logging::Sink> &scope, QtMsgType type, const QString &prefix)
    : m_scope(scope)
    , m_type(type)
{
    m_debug.noquote() << prefix;
}

LogLine::~LogLine()
{
    if (m_text.endsWith(u' ')) // QDebug's space after the last item
        m_text.chop(1);
    Logging::write(m_scope, lcProxy(), m_type, m_text);
}

LogLine Session::logLine(QtMsgType type) const
{
    static const QList<Logging::Sink> none;
    const LocationSettings *in = m_location ? m_location : m_server ? &m_server->settings : nullptr;
    return LogLine(in ? in->errorLog : none, type, describe());
}

void Session::logRouteNotes(const Route &route) const
{
    for (const RouteNote &n : route.notes) {
        const QByteArray line = n.text + ", request: \"" + m_request.method + ' ' + m_request.target + '"';
        // nginx's levels: rewrite_log at notice (Qt has none: info), the
        // uninitialized variable at warn, cycles at error.
        switch (n.level) {
        case RouteNote::Level::Notice:
            logLine(QtInfoMsg) << line;
            break;
        case RouteNote::Level::Warning:
            logLine(QtWarningMsg) << line;
            break;
        case RouteNote::Level::Error:
            logLine(QtCriticalMsg) << line;
            break;
        }
    }
}

// `return` and a rewrite's redirect (ngx_http_rewrite_return,
// ngx_http_send_response); 444 closes without a response.
void Session::respondReturn(const Route &route)
{
    const int code = route.returnCode;
    if (route.isSpecialResponse() && code != 444) {
        // nginx finalizes with the status (error_page applies): its page,
        // with the Location of a redirect (ngx_http_clear_location drops an earlier one).
        if (isRedirectStatus(code))
            m_errorPage.location = route.redirectLocation + QByteArray("");
        respondError(code, QByteArray(), CloseCause::Completed);
        return;
    }
    QByteArray body;
    HttpResponseHead head = returnResponseHead(code, route.returnText, responseSettings().serverTokens, &body);
    // ngx_http_send_response: the text's type by the URI, as a file's (types, default_type).
    if (!isRedirectStatus(code))
        head.headers.set("Content-Type", responseSettings().contentTypeFor(evaluateVariable(ValueTemplate::Variable::Uri, {}, m_context)));
    const bool keepAlive = code != 444 && keepsAliveAfterOwnAnswer(code);
    if (keepAlive)
        head.headers.set("Connection", "keep-alive");
    if (code != 444)
        writeOwnResponse(head, body);
    m_responseStarted = true;
    m_response = std::move(head);
    qCInfo(lcAccess).noquote() << describe() << '"' + m_request.method + ' ' + m_request.target + '"' << code
                               << "return";
    endOwnAnswer(keepAlive, CloseCause::Completed);
}

// ngx_http_special_response_handler keeps the connection for most answers;
// these end it (r->keepalive = 0), and so does an invalid chunked body; a
// body nobody reads is discarded as it comes (discardRequestBody()).
bool Session::keepsAliveAfterOwnAnswer(int status) const
{
    static constexpr int Closing[] = {400, 408, 413, 414, 494, 495, 496, 497, 500, 501};
    if (m_errorPage.closes || std::find(std::begin(Closing), std::end(Closing), status) != std::end(Closing))
        return false;
    return m_keepAlive && !m_request.method.isEmpty() && !m_relay.requestBody().hasError() && !m_client.eof()
        && !m_client.draining();
}

void Session::endOwnAnswer(bool keepAlive, CloseCause cause)
{
    if (!keepAlive) {
        m_keepAlive = false;
        beginClosing(cause);
        return;
    }
    // The answer is complete: the next request may follow on this connection.
    m_attempt.release(UpstreamGroup::Outcome::Ok);
    m_relay.responseBody().reset(HttpBodyFramer::Mode::None);
    finishExchange();
}

void Session::respondError(int status, const QByteArray &message, CloseCause cause)
{
    // The upstream (if any) is released by beginClosing() or finish().
    if (m_responseStarted) {
        finish(cause);
        return;
    }
    m_errorPage.status = status;
    if (!redirectToErrorPage(status))
        sendSpecialPage(status, message, cause);
}

void Session::sendSpecialPage(int status, const QByteArray &message, CloseCause cause)
{
    QByteArray body;
    HttpResponseHead head = StaticResponder::errorResponse(status, message, responseSettings().serverTokens, &body);
    const bool keepAlive = keepsAliveAfterOwnAnswer(status);
    if (keepAlive)
        head.headers.set("Connection", "keep-alive");
    writeOwnResponse(head, body);
    m_response = head;
    if (inspecting())
        emitEvent(ResponseHeadEvent{head, false});
    if (status >= 500)
        qCWarning(lcAccess).noquote() << describe() << '"' + m_request.method + ' ' + m_request.target + '"' << status
                                       << message;
    endOwnAnswer(keepAlive, cause);
}

void Session::serveStaticFile(const QByteArray &uri)
{
    m_upstreamName = QStringLiteral("file");
    m_keepAlive = keepsAliveAfterOwnAnswer(200); // not past a body nobody read
    StaticResponder::Answer answer = m_static.begin(*m_location, m_config->sourceFile, m_request.method, uri, m_keepAlive,
                                                    m_route.addUriToAlias);
    if (answer.status != 200) {
        // A directory without its slash: a redirect nginx finalizes with (error_page applies).
        // ngx_http_static_handler: $uri escaped, its slash, the arguments.
        if (answer.status == 301) {
            const QByteArray args = currentArgs(m_context);
            m_errorPage.location = escapeUri(uri) + '/' + (args.isEmpty() ? QByteArray() : '?' + args);
        } else if (answer.status == 403 || (answer.status == 404 && m_location->logNotFound)) {
            // ngx_http_static_handler and the content phase log these at error (a 404 unless log_not_found off).
            logLine(QtCriticalMsg) << answer.message + ", request: \"" + m_request.method + ' ' + m_request.target + '"';
        }
        respondError(answer.status, answer.message, answer.status == 301 ? CloseCause::Completed : CloseCause::BadRequest);
        return;
    }
    writeOwnResponse(answer.head, answer.body);
    m_response = std::move(answer.head);
    if (inspecting())
        emitEvent(ResponseHeadEvent{m_response, false});
    if (!m_static.isSending()) {
        m_relay.responseBody().reset(HttpBodyFramer::Mode::None);
        finishExchange();
        return;
    }
    m_relay.responseBody().reset(HttpBodyFramer::Mode::Length, answer.fileBytes);
    m_clientWrites.restart(*m_client.stream(), setState(State::Exchange));
    pumpStaticFile();
}

void Session::pumpStaticFile()
{
    // Fill the client's queue up to the per-direction cap; the rest follows
    // as it drains.
    const StaticResponder::Pump result = m_static.pump(*m_client.stream(), m_relay.responseBody(), m_worker->readBuffer(),
                                                       m_worker->readBufferSize(), m_config->maxBufferedPerDirection);
    if (result == StaticResponder::Pump::Failed) {
        logLine(QtWarningMsg) << "reading" << m_static.fileName() << "failed";
        m_static.stop();
        finish(CloseCause::ClientError); // the length was promised: only a close can tell
        return;
    }
    if (checkStreamFailures())
        return;
    if (result == StaticResponder::Pump::Done)
        finishExchange();
}
