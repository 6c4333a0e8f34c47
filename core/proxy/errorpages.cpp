#include "session.h"

#include "ops/logging.h"
#include "worker.h"

// error_page and proxy_intercept_errors: what nginx's special response
// handler does before it sends its own page (ngx_http_special_response.c:
// ngx_http_special_response_handler, ngx_http_send_error_page;
// ngx_http_upstream.c: ngx_http_upstream_intercept_errors). The request
// keeps, across the redirect, the status its answer goes out with
// (r->err_status), whether an error page was used (r->error_page) and the
// Location an earlier answer set.

namespace {

// ngx_http_special_response_handler: these statuses end the connection
// even when an error page answers them (r->keepalive = 0).
bool closesConnection(int status)
{
    switch (status) {
    case 400:
    case 413:
    case 414:
    case 497:
    case 495:
    case 496:
    case 500:
    case 501:
        return true;
    default:
        return false;
    }
}

const ErrorPage *findPage(const QList<ErrorPage> &pages, int status)
{
    for (const ErrorPage &p : pages) {
        if (p.status == status)
            return &p;
    }
    return nullptr;
}

} // namespace

bool Session::redirectToErrorPage(int status)
{
    // A head that could not be parsed has no request to redirect.
    if (m_request.method.isEmpty() || !m_route.server)
        return false;
    if (closesConnection(status)) {
        m_errorPage.closes = true;
        m_keepAlive = false;
    }
    const LocationSettings &settings = responseSettings();
    // nginx gives up on error pages once the URI changes are spent (then 500 is its own page).
    if (m_errorPage.used || settings.errorPages.isEmpty() || m_route.uriChanges <= 0)
        return false;
    if (!settings.recursiveErrorPages)
        m_errorPage.used = true;
    const ErrorPage *page = findPage(settings.errorPages, status);
    if (!page)
        return false;
    if (page->overwrite >= 0)
        m_errorPage.status = page->overwrite; // 0 ("="): the redirected answer's own status
    QByteArray uri = page->uri.expand(m_context);
    QByteArray args = page->args;
    if (!page->uri.isConstant() && uri.startsWith('/')) {
        // ngx_http_split_args: the evaluated text's "?args".
        const qsizetype q = uri.indexOf('?');
        if (q >= 0) {
            args = uri.mid(q + 1);
            uri.truncate(q);
        }
    }
    if (uri.startsWith('/') || uri.startsWith('@')) {
        // ngx_http_send_error_page: an internal redirect asks for the page
        // with GET (HEAD stays HEAD); a named location keeps the method.
        if (uri.startsWith('/') && m_request.method != "HEAD")
            m_request.method = "GET";
        if (m_relay.requestBody().bodyBytes() > 0 && !m_body.isActive()) {
            // Part of the body went to the upstream that failed and is not
            // kept (proxy_request_buffering off): the page is asked for without one,
            // and the connection ends after it (the rest is unread).
            m_request.headers.remove("Content-Length");
            m_request.headers.remove("Transfer-Encoding");
            m_relay.beginRequest(m_request);
            m_keepAlive = false;
            m_errorPage.closes = true;
        }
        Route from = m_route;
        from.context = m_context;
        from.context.request = &m_request;
        const QByteArray target = args.isEmpty() ? uri : uri + '?' + args;
        qCDebug(lcProxy).noquote() << describe() << "error_page" << status << "->" << target;
        dispatchRoute(redirectRoute(*m_config, std::move(from), target));
        return true;
    }
    // An external redirect: 302 unless "=301/302/303/307/308" chose one.
    if (!isRedirectStatus(page->overwrite))
        m_errorPage.status = 302;
    m_errorPage.location = uri;
    sendSpecialPage(m_errorPage.status, QByteArray(), CloseCause::Completed);
    return true;
}

void Session::applyErrorStatus(HttpResponseHead &head) const
{
    if (m_errorPage.status <= 0 || head.status == m_errorPage.status)
        return;
    head.status = statusOnTheWire(m_errorPage.status);
    head.reason = nginxReasonPhrase(m_errorPage.status);
}

// ngx_http_upstream_intercept_errors: with proxy_intercept_errors on, an
// upstream status the location's error_page names is finalized like the
// proxy's own error; the upstream's body is not read, so its connection
// is closed rather than kept.
bool Session::interceptUpstreamError(int status)
{
    if (!m_location || !m_location->interceptErrors || !findPage(m_location->errorPages, status))
        return false;
    m_attempt.confirm(); // it answered: it is working
    endUpstreamState(status);
    m_attempt.finish(false);
    m_upstreamHead.clear();
    qCDebug(lcProxy).noquote() << describe() << "intercepted" << status << "from" << m_upstreamName;
    respondError(status, "the upstream answered " + QByteArray::number(status), CloseCause::Completed);
    return true;
}
