#include "config/confdirective.h"

#include <algorithm>

QList<const ConfDirective *> ConfDirective::childrenNamed(QByteArrayView childName) const
{
    QList<const ConfDirective *> found;
    for (const ConfDirective &child : children) {
        if (child.name == childName)
            found.append(&child);
    }
    return found;
}

bool ConfFile::hasErrors() const
{
    return std::any_of(diagnostics.cbegin(), diagnostics.cend(),
                       [](const ConfDiagnostic &d) { return d.isError(); });
}

qsizetype ConfFile::errorCount() const
{
    return std::count_if(diagnostics.cbegin(), diagnostics.cend(),
                         [](const ConfDiagnostic &d) { return d.isError(); });
}
