#include "session.h"

#include "ops/logging.h"
#include "requestrouter.h"

// The answers a session makes itself, without an upstream: `return`, a
// rewrite's redirect and the proxy's error responses; and the routing's
// lines for the error log.

void Session::logRouteNotes(const Route &route) const
{
    for (const RouteNote &n : route.notes) {
        const QByteArray line = n.text + ", request: \"" + m_request.method + ' ' + m_request.target + '"';
        // nginx's levels: rewrite_log at notice (Qt has none: info), the
        // uninitialized variable at warn, cycles at error.
        switch (n.level) {
        case RouteNote::Level::Notice:
            qCInfo(lcProxy).noquote() << describe() << line;
            break;
        case RouteNote::Level::Warning:
            qCWarning(lcProxy).noquote() << describe() << line;
            break;
        case RouteNote::Level::Error:
            qCCritical(lcProxy).noquote() << describe() << line;
            break;
        }
    }
}

// `return` and a rewrite's redirect (ngx_http_rewrite_return,
// ngx_http_send_response); 444 closes without a response.
void Session::respondReturn(const Route &route)
{
    const int code = route.returnCode;
    if (code >= 400 && route.returnText.isNull() && code != 444) {
        // nginx finalizes with the status: its error answer.
        respondError(code, httpReasonPhrase(code), CloseCause::Completed);
        return;
    }
    QByteArray body;
    HttpResponseHead head = returnResponseHead(code, isRedirectStatus(code) ? route.redirectLocation : route.returnText,
                                               &body);
    if (isRedirectStatus(code))
        m_client.makeRedirectAbsolute(head.headers, m_request, m_server->serverName, m_listenPort);
    if (code != 444)
        m_client->write(head.serialize() + (m_request.method == "HEAD" ? QByteArray() : body));
    m_responseStarted = true;
    m_keepAlive = false;
    m_response = std::move(head);
    qCInfo(lcAccess).noquote() << describe() << '"' + m_request.method + ' ' + m_request.target + '"' << code
                               << "return";
    beginClosing(CloseCause::Completed);
}

void Session::respondError(int status, const QByteArray &message, CloseCause cause)
{
    // The upstream (if any) is released by beginClosing() or finish().
    if (m_responseStarted) {
        finish(cause);
        return;
    }
    QByteArray body;
    const HttpResponseHead head = StaticResponder::errorResponse(status, message, &body);
    m_client->write(head.serialize() + body);
    m_responseStarted = true;
    m_response = head;
    if (inspecting())
        emitEvent(ResponseHeadEvent{head, false});
    m_keepAlive = false;
    if (status >= 500)
        qCWarning(lcAccess).noquote() << describe() << '"' + m_request.method + ' ' + m_request.target + '"' << status
                                       << message;
    beginClosing(cause);
}
