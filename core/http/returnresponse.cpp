#include "returnresponse.h"

#include "http/httpheaders.h"

HttpResponseHead returnResponseHead(int code, const QByteArray &text, ServerTokens tokens, QByteArray *body)
{
    HttpResponseHead head;
    head.status = code;
    head.reason = nginxReasonPhrase(code);
    head.headers.append("Server", serverSoftware(tokens));
    if (isRedirectStatus(code)) {
        if (!text.isEmpty())
            head.headers.append("Location", text);
        *body = specialPageBody(code, tokens);
        head.headers.append("Content-Type", "text/html");
    } else {
        *body = text;
        head.headers.append("Content-Type", "text/plain");
    }
    head.headers.append("Content-Length", QByteArray::number(body->size()));
    head.headers.append("Connection", "close");
    return head;
}

QByteArray returnResponse(int code, const ValueTemplate &text, const RequestContext &context)
{
    // nginx's 444 closes without a response.
    if (code == 444)
        return QByteArray();
    QByteArray body;
    const HttpResponseHead head = returnResponseHead(
        code, isRedirectStatus(code) ? text.expand(context) : text.expandBody(context), ServerTokens::On, &body);
    const bool isHead = context.request && context.request->method == "HEAD";
    return head.serialize() + (isHead ? QByteArray() : body);
}
