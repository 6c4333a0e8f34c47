#include "returnresponse.h"

#include "http/httpheaders.h"

QByteArray returnResponse(int code, const ValueTemplate &text, const RequestContext &context)
{
    // nginx's 444 closes without a response.
    if (code == 444)
        return QByteArray();
    HttpResponseHead head;
    head.status = code;
    head.headers.append("Server", "wsscope");
    QByteArray body;
    if (isRedirectStatus(code)) {
        const QByteArray location = text.expand(context);
        if (!location.isEmpty())
            head.headers.append("Location", location);
        body = QByteArray::number(code) + ' ' + httpReasonPhrase(code) + '\n';
        head.headers.append("Content-Type", "text/plain");
    } else {
        body = text.expandBody(context);
        head.headers.append("Content-Type", "text/plain");
    }
    head.headers.append("Content-Length", QByteArray::number(body.size()));
    head.headers.append("Connection", "close");
    const bool isHead = context.request && context.request->method == "HEAD";
    return head.serialize() + (isHead ? QByteArray() : body);
}
