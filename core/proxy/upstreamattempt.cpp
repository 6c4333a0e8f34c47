#include "upstreamattempt.h"

#include "config/proxyconfig.h"
#include "inspect/inspectevent.h"
#include "proxyruntime.h"
#include "requestrouter.h"
#include "tls/tlscontext.h"
#include "upstreamkeepalive.h"

UpstreamSource upstreamSourceFor(const ProxyRuntime &runtime, const Route &route, const RequestContext &context)
{
    const LocationConfig &loc = *route.location;
    UpstreamSource source;
    if (!loc.proxyPass.urlTemplate) {
        source.group = runtime.group(loc.proxyPass);
    } else if (!(source.group = runtime.findGroup(route.dynamicHost, route.dynamicPort, route.upstreamTls))) {
        QByteArray bare = route.dynamicHost;
        if (bare.startsWith('[') && bare.endsWith(']'))
            bare = bare.mid(1, bare.size() - 2);
        QHostAddress literal;
        if (literal.setAddress(QString::fromLatin1(bare))) {
            const int port = route.dynamicPort > 0 ? route.dynamicPort : route.upstreamTls ? 443 : 80;
            source.group = resolvedGroup(route.dynamicHost, {literal}, quint16(port));
        }
    }
    if (source.group)
        source.hashKey = source.group->hashKeyFor(context);
    source.clientAddress = context.remoteAddress;
    source.tls = route.upstreamTls;
    if (source.tls)
        source.tlsContext = runtime.upstreamTls(loc); // a hash look-up: https:// only
    source.tlsName = route.tlsName;
    source.sendServerName = loc.proxySslServerName;
    source.sessionReuse = loc.proxySslSessionReuse;
    source.nextUpstream = loc.nextUpstream;
    source.tries = loc.nextUpstreamTries;
    source.triesTimeoutMs = loc.nextUpstreamTimeoutMs;
    return source;
}

std::shared_ptr<UpstreamGroup> resolvedGroup(const QByteArray &name, const QList<QHostAddress> &addresses,
                                             quint16 port)
{
    QList<UpstreamServer> servers;
    for (const QHostAddress &a : addresses) {
        UpstreamServer s;
        s.name = (a.protocol() == QAbstractSocket::IPv6Protocol ? '[' + a.toString().toLatin1() + ']'
                                                                 : a.toString().toLatin1())
            + ':' + QByteArray::number(port);
        s.address = a;
        s.port = port;
        servers.append(s);
    }
    return std::make_shared<UpstreamGroup>(name, std::move(servers));
}

void UpstreamAttempt::begin(UpstreamSource source)
{
    release(UpstreamGroup::Outcome::Ok);
    m_source = std::move(source);
    m_selection = m_source.group->startSelection(m_source.clientAddress, m_source.hashKey, m_source.tries,
                                                 UpstreamGroup::clockMs());
    m_attempts = 0;
    m_errors.clear();
}

UpstreamPick UpstreamAttempt::connectNext()
{
    UpstreamGroup &group = *m_source.group;
    const UpstreamPick pick = group.pick(m_selection, UpstreamGroup::clockMs());
    ++m_attempts;
    m_in.clear();
    m_eof = false;
    if (pick.index < 0)
        return pick;
    const UpstreamServer &server = group.servers().at(pick.index);
    m_serverName = group.displayName(pick.index);
    // nginx names a peer by its address (ngx_sock_ntop), whatever was written.
    m_peerAddress = group.addressText(pick.index);
    m_requestSent = false;
    m_parser.reset();
    const qint64 now = UpstreamGroup::clockMs();
    if (m_keepalive && group.balancing().keepalive > 0) {
        // ngx_http_upstream_get_keepalive_peer: the balancer chose the
        // server; an idle connection to it is used instead of a new one.
        UpstreamKeepalive::Connection idle = m_keepalive->take(&group, pick.index, m_source.tls, now);
        m_reused = idle.stream != nullptr;
        if (m_reused) {
            m_stream = std::move(idle.stream);
            m_stream->setHandler(m_handler);
            m_stream->resetCounters();
            m_connRequests = idle.requests;
            m_connStartMs = idle.startedMs;
            return pick;
        }
    }
    m_reused = false;
    m_connRequests = 0;
    m_connStartMs = now;
    m_stream = std::make_unique<TcpStream>(m_handler);
    if (server.unixPath.isEmpty())
        m_stream->connectTo(server.address, server.port);
    else
        m_stream->connectToUnix(server.unixPath);
    return pick;
}

bool UpstreamAttempt::startTlsIfNeeded(bool *started, QString *error)
{
    *started = false;
    if (!m_source.tls || m_reused)
        return true;
    if (!m_source.tlsContext) {
        *error = QStringLiteral("no TLS context for this location");
        return false;
    }
    // ngx_http_upstream_ssl_init_connection: with proxy_ssl_session_reuse
    // the peer's saved session is offered, and the new one saved.
    m_stream->startTls(newClientSsl(*m_source.tlsContext, m_source.sendServerName ? m_source.tlsName : QByteArray(),
                                    m_source.tlsName, m_source.sessionReuse ? m_peerAddress : QByteArray()),
                       false);
    if (m_stream->failed()) {
        *error = m_stream->errorString();
        return false;
    }
    *started = true;
    return true;
}

bool UpstreamAttempt::mayTryNext(quint32 condition, const QByteArray &method, bool clientAllows) const
{
    // ngx_http_upstream_next / ngx_http_upstream_test_next. A request that
    // already went out once counts as non-idempotent for POST, LOCK, PATCH.
    quint32 ft = condition;
    if (m_requestSent && (method == "POST" || method == "LOCK" || method == "PATCH"))
        ft |= NextUpstream::NonIdempotent;
    if ((m_source.nextUpstream & ft) != ft)
        return false;
    const qint64 timeout = m_source.triesTimeoutMs;
    if (timeout > 0 && UpstreamGroup::clockMs() - m_selection.startMs >= timeout)
        return false;
    return clientAllows;
}

void UpstreamAttempt::fail(quint32 condition, const QString &reason)
{
    m_errors.append(m_serverName + QStringLiteral(": ") + reason);
    const bool counts = condition != NextUpstream::Http403 && condition != NextUpstream::Http404;
    const bool cachedError = m_reused && condition == NextUpstream::Error;
    release(counts ? UpstreamGroup::Outcome::Failed : UpstreamGroup::Outcome::Next, reason);
    // nginx (ngx_http_upstream_next): an error on a cached connection does
    // not use up a try; the server may simply have closed it meanwhile.
    if (cachedError)
        ++m_selection.triesLeft;
}

void UpstreamAttempt::releaseServer(UpstreamGroup::Outcome outcome, const QString &why)
{
    if (m_source.group && m_selection.current >= 0) {
        if (m_stream)
            m_source.group->addTraffic(m_selection.current, m_stream->bytesWritten(), m_stream->bytesRead());
        m_source.group->release(m_selection, outcome, UpstreamGroup::clockMs(), why);
    }
}

void UpstreamAttempt::finish(bool keepAlive)
{
    const qsizetype server = m_selection.current;
    if (!keepAlive || !m_keepalive || !m_stream || server < 0 || m_source.group->balancing().keepalive <= 0
        || m_eof || !m_in.isEmpty()) {
        release(UpstreamGroup::Outcome::Ok);
        return;
    }
    releaseServer(UpstreamGroup::Outcome::Ok, QString());
    UpstreamKeepalive::Connection idle{std::move(m_stream), m_connRequests + 1, m_connStartMs};
    m_keepalive->put(m_source.group, server, m_source.tls, std::move(idle), UpstreamGroup::clockMs());
    m_reused = false;
}

void UpstreamAttempt::release(UpstreamGroup::Outcome outcome, const QString &why)
{
    releaseServer(outcome, why);
    if (m_stream) {
        m_stream->close();
        m_stream.reset();
    }
    m_in.clear();
    m_eof = false;
}

UpstreamAttempt::ResponseHead UpstreamAttempt::readResponseHead()
{
    while (!m_in.isEmpty()) {
        const qsizetype used = m_parser.feed(m_in.constData(), m_in.size());
        m_in.remove(0, used);
        if (m_parser.state() == HttpHeadParser::State::Error)
            return ResponseHead::Invalid;
        if (m_parser.state() == HttpHeadParser::State::NeedMore)
            return ResponseHead::NeedMore;
        const int status = m_parser.response().status;
        if (status >= 100 && status < 200 && status != 101) {
            m_parser.reset();
            continue;
        }
        return ResponseHead::Complete;
    }
    return ResponseHead::NeedMore;
}

quint32 UpstreamAttempt::conditionForStatus(int status)
{
    switch (status) {
    case 500: return NextUpstream::Http500;
    case 502: return NextUpstream::Http502;
    case 503: return NextUpstream::Http503;
    case 504: return NextUpstream::Http504;
    case 403: return NextUpstream::Http403;
    case 404: return NextUpstream::Http404;
    case 429: return NextUpstream::Http429;
    default: return 0;
    }
}

QByteArray UpstreamAttempt::failureMessage(quint32 condition, bool connecting, CloseCause *cause) const
{
    const QByteArray why = m_errors.join(QStringLiteral("; ")).toUtf8();
    if (condition == NextUpstream::Timeout && connecting)
        return "upstream timed out while connecting (" + why + ")";
    if (condition == NextUpstream::Timeout) {
        *cause = CloseCause::ReadTimeout;
        return "upstream " + m_serverName.toUtf8() + " timed out (" + why + ")";
    }
    if (connecting)
        return "could not connect to upstream (" + why + ")";
    if (condition == NextUpstream::InvalidHeader)
        return "upstream sent an invalid response (" + why + ")";
    return "upstream failed (" + why + ")";
}

QByteArray UpstreamAttempt::noLiveMessage(const UpstreamPick &pick) const
{
    QByteArray message = "no live upstreams in " + m_source.group->name();
    if (!m_errors.isEmpty())
        message += "; tried " + m_errors.join(QStringLiteral("; ")).toUtf8();
    if (!pick.skipped.isEmpty())
        message += "; skipped " + pick.skipped.join(QStringLiteral(", ")).toUtf8();
    return message;
}

void UpstreamAttempt::describePick(const UpstreamPick &pick, RouteEvent *event) const
{
    const UpstreamGroup &group = *m_source.group;
    event->upstreamGroup = QString::fromUtf8(group.name());
    event->upstreamServer = pick.index >= 0 ? group.displayName(pick.index) : QString();
    event->algorithm = group.balancing().algorithmName();
    if (pick.fellBack)
        event->algorithm += QStringLiteral(" (fell back to round-robin)");
    event->key = m_selection.keyText;
    event->attempt = m_attempts;
    event->skipped = m_errors;
    event->skipped += pick.skipped;
}
