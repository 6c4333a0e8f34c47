#pragma once

#include "inspect/inspectevent.h"

#include <QByteArray>
#include <QLatin1String>

// The one encoder of the event schema (eventjson.h): writes an event's JSON
// object straight as UTF-8, byte for byte what
// QJsonDocument(toJson(event)).toJson(QJsonDocument::Compact) writes (members
// in the order QJsonObject keeps them, sorted by key; the same string
// escapes and number forms), without building the QJsonObject. `--capture`'s
// JSONL and the inspection channel's events messages use it; toJson() stays
// the object form for readers that need one (the channel's subscribe filter).
// tst_eventjsonwriter compares both for every kind and for tricky values.
namespace EventJson {

// Appends the event's object (no newline) to `out`.
void appendEvent(QByteArray &out, const InspectEvent &event);

// The schema's names of enumerations (eventjson.h), for the reader too.
QLatin1String directionName(Direction d);
QLatin1String utf8Name(WsUtf8Validity v);
QLatin1String severityName(FindingEvent::Severity s);

} // namespace EventJson
