#pragma once

#include "http/httpheaders.h"

#include <QList>
#include <QString>

// The request as the client sent it against the request as it went upstream,
// header by header, for the handshake pane.
struct HeaderDiffRow
{
    enum class Change : quint8 { Same, Added, Removed, Changed };

    QString name;           // spelling from the forwarded head when present
    QString received;       // all values joined with ", "; empty when absent
    QString forwarded;
    Change change = Change::Same;
};

// Rows in the order of the received head, then the headers only the
// forwarded head has, in its order. Names compare case-insensitively; a
// repeated header is compared by its combined value.
QList<HeaderDiffRow> diffHeaders(const HttpHeaders &received, const HttpHeaders &forwarded);
