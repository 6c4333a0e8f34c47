#include "config/compiler.h"

namespace ConfigCompilerImpl {

void Compiler::handlePreviewSize(const ConfDirective &d, Ctx, Scope &scope)
{
    const auto bytes = ConfUnits::parseSize(d.argText(0));
    if (!bytes || *bytes > 64 * 1024 * 1024)
        error(d.args.at(0).location, u"\"ws_preview_size\" directive invalid value (0 to 64m)"_s);
    else
        scope.values.previewBytes = *bytes;
}

void Compiler::handlePingInterval(const ConfDirective &d, Ctx, Scope &scope)
{
    LocationSettings &v = scope.values;
    const auto ms = timeArg(d);
    if (!ms)
        return;
    quint8 peers = LocationSettings::PingClient | LocationSettings::PingUpstream;
    if (d.args.size() == 2) {
        const QByteArray who = d.argText(1);
        if (who == "client")
            peers = LocationSettings::PingClient;
        else if (who == "upstream")
            peers = LocationSettings::PingUpstream;
        else if (who != "both") {
            error(d.args.at(1).location, u"invalid value \"%1\" in \"ws_ping_interval\" directive, it must be \"client\", \"upstream\" or \"both\""_s.arg(
                                             text(who)));
            return;
        }
    }
    if (*ms > 0 && *ms < 100) {
        error(d.args.at(0).location, u"\"ws_ping_interval\" must be at least 100ms (or 0 to turn pings off)"_s);
        return;
    }
    v.pingIntervalMs = *ms;
    v.pingPeers = peers;
    v.pingAt = d.location;
}

} // namespace ConfigCompilerImpl
