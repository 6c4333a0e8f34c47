#include "upstreamconfig.h"

QString UpstreamBalancing::algorithmName() const
{
    switch (method) {
    case Method::RoundRobin: return QStringLiteral("round-robin");
    case Method::IpHash: return QStringLiteral("ip_hash");
    case Method::LeastConn: return QStringLiteral("least_conn");
    case Method::Hash: return consistent ? QStringLiteral("hash consistent") : QStringLiteral("hash");
    case Method::Random: return randomTwo ? QStringLiteral("random two least_conn") : QStringLiteral("random");
    }
    return QString();
}
