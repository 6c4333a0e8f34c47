#include "balancers.h"

QByteArray Balancers::ipHashKey(const QHostAddress &client, QString *display)
{
    QByteArray key;
    if (client.protocol() == QAbstractSocket::IPv4Protocol) {
        // The first three octets: a whole /24 lands on one server.
        const quint32 a = client.toIPv4Address();
        key.append(char(a >> 24)).append(char(a >> 16)).append(char(a >> 8));
        if (display)
            *display = QStringLiteral("%1.%2.%3.0/24").arg(a >> 24).arg((a >> 16) & 0xff).arg((a >> 8) & 0xff);
    } else if (client.protocol() == QAbstractSocket::IPv6Protocol) {
        const Q_IPV6ADDR a = client.toIPv6Address();
        key = QByteArray(reinterpret_cast<const char *>(a.c), 16);
        if (display)
            *display = client.toString();
    } else {
        // nginx's pseudo address for other families (unix sockets).
        key = QByteArray(3, '\0');
        if (display)
            display->clear();
    }
    return key;
}

// ngx_http_upstream_get_ip_hash_peer: hash = (hash * 113 + byte) % 6271 over
// the key bytes, starting from 89 and carried over to the next try; the
// weighted position hash % total_weight names the server. Up to 20 tries,
// then round-robin.
int Balancers::ipHash(PeerPicker &p)
{
    UpstreamSelection &sel = p.selection();
    if (sel.methodTries > 20 || p.tier().single || p.tier().totalWeight <= 0)
        return kFallBack;
    quint32 hash = sel.hash;
    int member = 0;
    for (;;) {
        for (const char c : std::as_const(sel.key))
            hash = (hash * 113 + quint8(c)) % 6271;
        member = p.memberAtWeight(int(hash % quint32(p.tier().totalWeight)));
        if (!p.tried(member) && p.usable(member))
            break;
        if (++sel.methodTries > 20)
            return kFallBack;
    }
    p.take(member);
    sel.hash = hash;
    return member;
}
