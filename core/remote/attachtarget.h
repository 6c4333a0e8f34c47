#pragma once

#include <QString>
#include <QUrl>

// Where to attach: a daemon's inspection channel and the file holding its token.
struct AttachTarget
{
    QUrl url;           // ws://127.0.0.1:9901 (an ssh -L tunnel) or wss://server:9901
    QString tokenFile;  // empty: the channel asks for no token

    bool operator==(const AttachTarget &) const = default;
};
