#include "closecause.h"

const char *closeCauseName(CloseCause cause)
{
    switch (cause) {
    case CloseCause::None: return "none";
    case CloseCause::ClientClosed: return "client closed";
    case CloseCause::UpstreamClosed: return "upstream closed";
    case CloseCause::ClientError: return "client error";
    case CloseCause::UpstreamError: return "upstream error";
    case CloseCause::ReadTimeout: return "read timeout";
    case CloseCause::SendTimeout: return "send timeout";
    case CloseCause::HeaderTimeout: return "client header timeout";
    case CloseCause::KeepaliveTimeout: return "keep-alive timeout";
    case CloseCause::BadRequest: return "bad request";
    case CloseCause::UpstreamFailure: return "upstream failure";
    case CloseCause::Drain: return "shutdown drain";
    case CloseCause::PingTimeout: return "ping timeout";
    case CloseCause::ProtocolError: return "protocol error";
    case CloseCause::Injected: return "closed from the inspector";
    case CloseCause::Completed: return "completed";
    case CloseCause::TlsError: return "tls error";
    }
    return "unknown";
}
