#include "config/confdiagnostic.h"

using namespace Qt::StringLiterals;

QString ConfLocation::toString() const
{
    if (!isValid())
        return file;
    return file % u':' % QString::number(line) % u':' % QString::number(column);
}

QString ConfDiagnostic::severityName(Severity severity)
{
    switch (severity) {
    case Severity::Error:
        return u"error"_s;
    case Severity::Warning:
        return u"warning"_s;
    case Severity::Note:
        return u"note"_s;
    }
    return QString();
}

QString ConfDiagnostic::toString() const
{
    return location.toString() % u": "_s % severityName(severity) % u": "_s % message;
}
