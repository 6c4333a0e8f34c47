#pragma once

#include <QColor>
#include <QString>

// The inspector's colours, in one place: every pane, chart and editor takes
// them from here, so "an error" is the same red everywhere. (ConnectionsModel
// and FramesModel still spell theirs; they are being replaced by the
// ConnectionStore views and follow in that change.)
namespace Colours {

// Backgrounds of a header diff row and of marked config lines.
inline const QColor Added(0xd4, 0xf4, 0xd8);
inline const QColor Removed(0xfa, 0xd4, 0xd4);
inline const QColor Changed(0xfc, 0xef, 0xc0);
// The text on a Changed background (the dropped-frames banner).
inline const QColor ChangedText(0x5c, 0x44, 0x00);

// Foregrounds by meaning.
inline const QColor Error(0xc0, 0x1c, 0x28);    // errors, failed servers, dropped events, ping timeouts
inline const QColor Warning(0xa0, 0x5a, 0x00);  // warnings, the paused-capture notice
inline const QColor Healthy(0x1a, 0x7f, 0x37);  // an upstream server that is up
inline const QColor Doctor(0x8b, 0x1c, 0x9c);   // config doctor findings, the proxy's own pings
inline const QColor DoctorMark(0xec, 0xdc, 0xf4);
inline const QColor Note(0x1f, 0x5f, 0xbf);     // notes, the ping line
inline const QColor WarningIcon(0xe0, 0x9b, 0x00); // the editor margin's warning triangle (brighter than text)
inline const QColor WarningIconMark(0x30, 0x20, 0x00); // the "!" on it

// The config editor's syntax colours (NginxHighlighter): the same palette.
namespace Syntax {
inline const QColor Directive = Note;
inline const QColor Block = Doctor;
inline const QColor Variable = Warning;
inline const QColor Number(0x0b, 0x7a, 0x75);
inline const QColor String = Healthy;
inline const QColor Punctuation(0x60, 0x60, 0x60);
inline const QColor Comment(0x80, 0x80, 0x80);
} // namespace Syntax

// For style sheets and rich text: "#c01c28".
inline QString css(const QColor &colour)
{
    return colour.name(QColor::HexRgb);
}

} // namespace Colours
