#include "inspectevent.h"

QLatin1String inspectEventKindName(const InspectPayload &payload)
{
    struct Namer
    {
        QLatin1String operator()(const ConnectionOpenedEvent &) const { return QLatin1String("connection-opened"); }
        QLatin1String operator()(const RequestHeadEvent &e) const
        {
            return e.forwarded ? QLatin1String("request-forwarded") : QLatin1String("request-received");
        }
        QLatin1String operator()(const RouteEvent &) const { return QLatin1String("route"); }
        QLatin1String operator()(const ResponseHeadEvent &) const { return QLatin1String("response"); }
        QLatin1String operator()(const TunnelEvent &) const { return QLatin1String("tunnel-established"); }
        QLatin1String operator()(const FrameEvent &) const { return QLatin1String("frame"); }
        QLatin1String operator()(const MessageEvent &) const { return QLatin1String("message"); }
        QLatin1String operator()(const ControlFrameEvent &) const { return QLatin1String("control"); }
        QLatin1String operator()(const ViolationEvent &) const { return QLatin1String("violation"); }
        QLatin1String operator()(const FindingEvent &) const { return QLatin1String("finding"); }
        QLatin1String operator()(const ClosedEvent &) const { return QLatin1String("closed"); }
        QLatin1String operator()(const HttpExchangeEvent &) const { return QLatin1String("http-exchange"); }
    };
    return std::visit(Namer{}, payload);
}
