#include "rewritescript.h"

bool CaptureRegex::matchInto(QByteArrayView subject, RequestContext &context) const
{
    // QRegularExpression wants text; $uri is the decoded path (UTF-8 in
    // practice), as for the location regexes.
    const QString text = QString::fromUtf8(subject);
    const QRegularExpressionMatch m = regex.match(text);
    if (!m.hasMatch())
        return false;
    // ngx_http_regex_exec: r->captures become this match's, all of them
    // (a regex without groups leaves no $1).
    context.captures.clear();
    const int last = m.lastCapturedIndex();
    for (int i = 0; i <= last; ++i)
        context.captures.append(m.captured(i).toUtf8());
    for (const auto &[group, variable] : named) {
        if (context.userValues.size() <= variable)
            context.userValues.resize(variable + 1);
        context.userValues[variable] = m.captured(group).toUtf8();
    }
    return true;
}
