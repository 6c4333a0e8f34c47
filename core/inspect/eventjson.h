#pragma once

#include "inspect/inspectevent.h"

#include <QJsonObject>
#include <QString>

#include <optional>

// The JSON form of an InspectEvent: one flat object per event. It is the
// line format of `--capture FILE.jsonl` and the wire format of the remote
// attach channel, so every field name below is part of a contract: add
// fields, never rename or repurpose one. Readers ignore fields they do not
// know, so a newer producer can add fields freely.
//
// Common fields (every event):
//   "v"            1 (format version; absent is read as 1)
//   "kind"         inspectEventKindName(): "connection-opened",
//                  "request-received", "request-forwarded", "route",
//                  "response", "tunnel-established", "frame", "message",
//                  "control", "violation", "finding", "closed", "http-exchange"
//   "connectionId" integer
//   "monotonicNs"  integer, "wallMs" integer (ms since the epoch), "worker" integer
//
// Integers are written as JSON integers and read back exactly as 64-bit
// values (Qt keeps integers exact). JavaScript readers see doubles: values
// above 2^53 (monotonicNs after ~104 days of uptime) lose their last digits.
//
// Bytes: a field holding bytes ("method", "target", "reason", header names and
// values, previews, close reasons are strings) is written as a JSON string
// under its own name when the bytes are valid UTF-8 (they then round-trip
// exactly), otherwise as base64 under the name + "Base64" ("valueBase64",
// "previewBase64"). A reader accepts either. Binary message previews and
// control frame payloads are always base64 ("previewBase64", "payloadBase64").
//
// Enumerations are strings:
//   direction  "client-to-upstream" | "upstream-to-client"
//   utf8       "not-text" | "valid" | "invalid" | "not-validated"
//   severity   "info" | "warning" | "error"
//   cause      closeCauseName() ("client closed", "read timeout", ...)
//   violation.kind  wsViolationKindName() ("UnmaskedClientFrame", ...)
// Opcodes are integers 0-15 (reserved values are kept).
//
// Per kind (objects in braces are nested; optional fields are omitted when
// they hold no value):
//   connection-opened   clientAddress, clientPort, listener, tls, tlsProtocol, tlsServerName
//   request-received /
//   request-forwarded   head {method, target, httpVersion "HTTP/1.x", headers [{name, value}]}
//   route               serverName, location, upstreamGroup, upstreamServer, algorithm, key,
//                       skipped [string], attempt
//   response            head {httpVersion, status, reason, headers [{name, value}]}, fromUpstream
//   tunnel-established  subprotocol, extensions, perMessageDeflate
//   frame               direction, injected, frame {offset, payloadLength, maskKey, headerLength,
//                       opcode, fin, rsv1, rsv2, rsv3, masked}
//   message             direction, inflated, injected, message {preview|previewBase64, offset,
//                       totalLength, frameCount, opcode, utf8, truncated, compressed}
//   control             direction, opcode, payloadBase64, close?, injected, swallowed, roundTripUs
//   violation           direction, violation {kind, text, offset, fatal}
//   finding             severity, code, text
//   closed              cause, detail, clientClose?, upstreamClose?, bytesFromClient,
//                       bytesFromUpstream, durationMs
//   http-exchange       status, requestBodyBytes, responseBodyBytes, durationMs
// A close object is {code?, reason, valid}.
//
// Header order and repeated headers are kept (headers is an array).
namespace EventJson {
constexpr int FormatVersion = 1;
}

QJsonObject toJson(const InspectEvent &event);

// Parses one event. Missing payload fields take their defaults (so older
// producers stay readable); a present field of the wrong type, an unknown
// kind or enum value is an error. On error returns nullopt and, when `error`
// is given, says which field was wrong.
std::optional<InspectEvent> fromJson(const QJsonObject &object, QString *error = nullptr);
