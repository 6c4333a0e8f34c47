#include "returnresponse.h"

#include "http/httpheaders.h"

HttpResponseHead returnResponseHead(int code, const QByteArray &text, QByteArray *body)
{
    HttpResponseHead head;
    head.status = code;
    head.headers.append("Server", "wsscope");
    if (isRedirectStatus(code)) {
        if (!text.isEmpty())
            head.headers.append("Location", text);
        *body = QByteArray::number(code) + ' ' + httpReasonPhrase(code) + '\n';
    } else {
        *body = text;
    }
    head.headers.append("Content-Type", "text/plain");
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
        code, isRedirectStatus(code) ? text.expand(context) : text.expandBody(context), &body);
    const bool isHead = context.request && context.request->method == "HEAD";
    return head.serialize() + (isHead ? QByteArray() : body);
}
