#pragma once

#include <QtGlobal>

// A merged view (several instances in one window) gives each instance's
// connection ids its number (1, 2, ...) in the top 16 bits; 0 there: the
// ids of a single source, as the proxy made them.
namespace InstanceIds {
constexpr int Shift = 48;
constexpr quint64 LocalMask = (quint64(1) << Shift) - 1;
constexpr quint64 make(int instance, quint64 id) { return (quint64(instance) << Shift) | (id & LocalMask); }
constexpr int instance(quint64 id) { return int(id >> Shift); }
constexpr quint64 local(quint64 id) { return id & LocalMask; }
} // namespace InstanceIds
