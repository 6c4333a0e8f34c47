#include "connectionsmodel.h"

#include "inspect/harexport.h"
#include "remote/instanceids.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QTimer>

namespace {

QString formatBytes(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString formatDuration(qint64 ms)
{
    if (ms < 1000)
        return ConnectionsModel::tr("%1 ms").arg(ms);
    const qint64 s = ms / 1000;
    if (s < 60)
        return ConnectionsModel::tr("%1 s").arg(s);
    if (s < 3600)
        return ConnectionsModel::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return ConnectionsModel::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

} // namespace

ConnectionsModel::ConnectionsModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_store(new ConnectionStore(this))
    , m_flushTimer(new QTimer(this))
{
    connect(m_store, &ConnectionStore::framesAboutToBeTrimmed, this, &ConnectionsModel::framesAboutToBeTrimmed);
    connect(m_store, &ConnectionStore::framesTrimmed, this, &ConnectionsModel::framesTrimmed);
    connect(m_store, &ConnectionStore::connectionAboutToBeRemoved, this, &ConnectionsModel::connectionAboutToBeRemoved);
    connect(m_store, &ConnectionStore::recordsAboutToBeRemoved, this, &ConnectionsModel::handleRecordsAboutToBeRemoved);
    connect(m_store, &ConnectionStore::recordsRemoved, this, &ConnectionsModel::handleRecordsRemoved);
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(100);
    connect(m_flushTimer, &QTimer::timeout, this, &ConnectionsModel::show);
    m_ingestTimer = new QTimer(this);
    m_ingestTimer->setSingleShot(true);
    m_ingestTimer->setInterval(0);
    connect(m_ingestTimer, &QTimer::timeout, this, [this] { ingest(true); });
    m_tickTimer = new QTimer(this);
    m_tickTimer->setSingleShot(true);
    m_tickTimer->setInterval(1000);
    connect(m_tickTimer, &QTimer::timeout, this, &ConnectionsModel::scheduleFlush);
    m_ageRefresh.start();
}

ConnectionsModel::~ConnectionsModel() = default;

void ConnectionsModel::setFlushInterval(int ms)
{
    m_flushTimer->setInterval(ms);
}

int ConnectionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_visible);
}

int ConnectionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const ConnectionRecord *ConnectionsModel::recordAt(int row) const
{
    if (row < 0 || row >= m_visible)
        return nullptr;
    return m_store->at(row);
}

const ConnectionRecord *ConnectionsModel::record(quint64 id) const
{
    return m_store->record(id);
}

int ConnectionsModel::rowOf(quint64 id) const
{
    const ConnectionRecord *r = m_store->record(id);
    if (!r)
        return -1;
    return r->row < m_visible ? int(r->row) : -1;
}

QString ConnectionsModel::causeText(CloseCause cause)
{
    switch (cause) {
    case CloseCause::None: return {};
    case CloseCause::ClientClosed: return tr("client closed");
    case CloseCause::UpstreamClosed: return tr("upstream closed");
    case CloseCause::ClientError: return tr("client error");
    case CloseCause::UpstreamError: return tr("upstream error");
    case CloseCause::ReadTimeout: return tr("read timeout");
    case CloseCause::SendTimeout: return tr("send timeout");
    case CloseCause::HeaderTimeout: return tr("header timeout");
    case CloseCause::KeepaliveTimeout: return tr("keep-alive timeout");
    case CloseCause::BadRequest: return tr("bad request");
    case CloseCause::UpstreamFailure: return tr("upstream failure");
    case CloseCause::Drain: return tr("shutdown drain");
    case CloseCause::PingTimeout: return tr("ping timeout");
    case CloseCause::ProtocolError: return tr("protocol error");
    case CloseCause::Injected: return tr("closed from the inspector");
    case CloseCause::Completed: return tr("completed");
    case CloseCause::TlsError: return tr("TLS handshake failed");
    }
    return {};
}

QString ConnectionsModel::stateText(ConnectionRecord::State state) const
{
    switch (state) {
    case ConnectionRecord::State::Connecting: return tr("connecting");
    case ConnectionRecord::State::Routed: return tr("routed");
    case ConnectionRecord::State::Open: return tr("open");
    case ConnectionRecord::State::Http: return tr("HTTP");
    case ConnectionRecord::State::Closed: return tr("closed");
    case ConnectionRecord::State::Failed: return tr("failed");
    }
    return {};
}

QString ConnectionsModel::closeText(const ConnectionRecord &r) const
{
    if (!r.closed)
        return {};
    QString code;
    const auto &frame = r.closed->clientClose ? r.closed->clientClose : r.closed->upstreamClose;
    if (frame && frame->code)
        code = QString::number(*frame->code) + QLatin1Char(' ');
    return code + causeText(r.closed->cause);
}

QVariant ConnectionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConnectionRecord &r = *m_store->at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case ColId: return QString::number(InstanceIds::local(r.id));
        case ColClient: return r.clientText();
        case ColPath: return r.pathText();
        case ColUpstream: return r.upstreamText();
        case ColState: {
            QString text = stateText(r.state());
            if (r.response && r.response->head.status != 101)
                text += QLatin1Char(' ') + QString::number(r.response->head.status);
            return text;
        }
        case ColAge: {
            const qint64 end = r.closed ? r.closedWallMs : QDateTime::currentMSecsSinceEpoch();
            return formatDuration(std::max<qint64>(0, end - r.openedWallMs));
        }
        case ColFramesUp: return QLocale().toString(r.framesUp);
        case ColFramesDown: return QLocale().toString(r.framesDown);
        case ColBytesUp: return formatBytes(r.bytesUp);
        case ColBytesDown: return formatBytes(r.bytesDown);
        case ColRtt:
            return r.lastRttUs < 0 ? QString() : tr("%1 ms").arg(double(r.lastRttUs) / 1000.0, 0, 'f', 2);
        case ColClose: return closeText(r);
        case ColInstance: return instanceName(r.id);
        }
        return {};
    case Qt::ToolTipRole:
        if (column == ColClose && r.closed && !r.closed->detail.isEmpty())
            return r.closed->detail;
        if (!r.violations.isEmpty())
            return r.violations.constFirst().violation.text;
        return {};
    case Qt::ForegroundRole:
        if (r.hasError())
            return QBrush(QColor(0xc0, 0x1c, 0x28));
        if (r.closed)
            return QBrush(QColor(0x77, 0x77, 0x77));
        return {};
    case Qt::TextAlignmentRole:
        if (column == ColId || (column >= ColAge && column <= ColRtt))
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case ConnectionIdRole: return QVariant::fromValue(r.id);
    case HasErrorRole: return r.hasError();
    case SortRole:
        switch (column) {
        case ColId: return QVariant::fromValue(r.id);
        case ColAge: return r.openedWallMs;
        case ColFramesUp: return r.framesUp;
        case ColFramesDown: return r.framesDown;
        case ColBytesUp: return r.bytesUp;
        case ColBytesDown: return r.bytesDown;
        case ColRtt: return r.lastRttUs;
        default: return data(index, Qt::DisplayRole);
        }
    default: return {};
    }
}

QVariant ConnectionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case ColFramesUp: return tr("Frames from the client to the upstream");
        case ColFramesDown: return tr("Frames from the upstream to the client");
        case ColBytesUp: return tr("Payload bytes from the client (wire bytes once closed)");
        case ColBytesDown: return tr("Payload bytes from the upstream (wire bytes once closed)");
        case ColRtt: return tr("Last ping round trip");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ColId: return tr("#");
    case ColClient: return tr("Client");
    case ColPath: return tr("Path");
    case ColUpstream: return tr("Upstream");
    case ColState: return tr("State");
    case ColAge: return tr("Age");
    case ColFramesUp: return tr("Frames ↑");
    case ColFramesDown: return tr("Frames ↓");
    case ColBytesUp: return tr("Bytes ↑");
    case ColBytesDown: return tr("Bytes ↓");
    case ColRtt: return tr("Ping RTT");
    case ColClose: return tr("Close");
    case ColInstance: return tr("Instance");
    }
    return {};
}

void ConnectionsModel::setInstanceNames(const QStringList &names)
{
    m_instanceNames = names;
    if (rowCount() > 0)
        emit dataChanged(index(0, ColInstance), index(rowCount() - 1, ColInstance), {Qt::DisplayRole});
}

QString ConnectionsModel::instanceName(quint64 id) const
{
    return m_instanceNames.value(InstanceIds::instance(id) - 1);
}

QString ConnectionsModel::connectionLabel(quint64 id) const
{
    const QString local = QString::number(InstanceIds::local(id));
    const QString instance = instanceName(id);
    return instance.isEmpty() ? local : local + QLatin1Char('@') + instance;
}

void ConnectionsModel::addEvents(const QList<InspectEvent> &batch)
{
    if (batch.isEmpty())
        return;
    m_queue.push_back(batch); // shared, not copied
    m_queuedEvents += batch.size();
    // Too far behind: the oldest waiting batches go (counted), so memory
    // stays bounded even when the window cannot keep up for long.
    while (m_queuedEvents > MaxQueuedEvents && m_queue.size() > 1) {
        const qint64 left = m_queue.front().size() - m_queuePos;
        m_eventsDropped += left;
        m_queuedEvents -= left;
        m_queue.pop_front();
        m_queuePos = 0;
    }
    if (m_queue.size() == 1)
        ingest(true); // otherwise the zero timer is already on its way
}

void ConnectionsModel::ingest(bool budgeted)
{
    QElapsedTimer clock;
    clock.start();
    int sinceCheck = 0;
    while (!m_queue.empty()) {
        const QList<InspectEvent> &batch = m_queue.front();
        while (m_queuePos < batch.size()) {
            m_store->apply(batch.at(m_queuePos++));
            --m_queuedEvents;
            if (budgeted && ++sinceCheck == 256) {
                sinceCheck = 0;
                if (clock.elapsed() >= IngestSliceMs) {
                    if (!m_store->changed().isEmpty())
                        scheduleFlush();
                    m_ingestTimer->start(); // the rest after other events had their turn
                    return;
                }
            }
        }
        m_queue.pop_front();
        m_queuePos = 0;
    }
    if (!m_store->changed().isEmpty())
        scheduleFlush();
}

void ConnectionsModel::scheduleFlush()
{
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void ConnectionsModel::flush()
{
    m_ingestTimer->stop();
    ingest(false);
    show();
}

void ConnectionsModel::show()
{
    m_flushTimer->stop();
    m_store->enforceLimits(); // removals leave through handleRecords*Removed

    const qsizetype size = m_store->size();
    const qsizetype oldVisible = m_visible;
    if (size > m_visible) {
        beginInsertRows({}, int(m_visible), int(size - 1));
        m_visible = size;
        endInsertRows();
    }

    // One dataChanged over the changed rows that were already shown; once a
    // second another over the age column of the open rows only (closed rows'
    // ages are final).
    if (m_ageRefresh.elapsed() >= 1000 && oldVisible > 0) {
        m_ageRefresh.restart();
        qsizetype firstOpen = -1;
        qsizetype lastOpen = -1;
        for (qsizetype row = 0; row < oldVisible; ++row) {
            if (!m_store->at(row)->closed) {
                firstOpen = firstOpen < 0 ? row : firstOpen;
                lastOpen = row;
            }
        }
        if (firstOpen >= 0)
            emit dataChanged(index(int(firstOpen), ColAge), index(int(lastOpen), ColAge), {Qt::DisplayRole});
    }
    qsizetype first = -1;
    qsizetype last = -1;
    for (quint64 id : m_store->changed()) {
        const ConnectionRecord *r = m_store->record(id);
        if (!r || r->row >= oldVisible)
            continue;
        first = first < 0 ? r->row : std::min(first, r->row);
        last = std::max(last, r->row);
    }
    if (first >= 0)
        emit dataChanged(index(int(first), 0), index(int(last), ColumnCount - 1));

    emit flushed(m_store->takeChanged());
    // Keep the age column moving while connections are open.
    if (m_store->liveConnections() > 0 && !m_tickTimer->isActive())
        m_tickTimer->start();
}

QJsonObject ConnectionsModel::harDocument(const QList<quint64> &ids) const
{
    QList<const ConnectionRecord *> records;
    if (ids.isEmpty()) {
        for (int row = 0; row < rowCount(); ++row)
            records.append(recordAt(row));
    } else {
        for (quint64 id : ids) {
            if (const ConnectionRecord *r = record(id))
                records.append(r);
        }
    }
    const QJsonArray entries = HarExport::entries(records);
    return HarExport::document(entries, QStringLiteral("wsscope inspector: ") + HarExport::keptComment(entries.size(), *m_store),
                               *m_store);
}

void ConnectionsModel::handleRecordsAboutToBeRemoved(qsizetype first, qsizetype last)
{
    // Records past m_visible are the pending tail: no rows yet.
    if (first >= m_visible)
        return;
    const qsizetype lastShown = std::min(last, m_visible - 1);
    m_removingRows = lastShown - first + 1;
    beginRemoveRows({}, int(first), int(lastShown));
}

void ConnectionsModel::handleRecordsRemoved(qsizetype, qsizetype)
{
    if (m_removingRows == 0)
        return;
    m_visible -= std::exchange(m_removingRows, 0);
    endRemoveRows();
}

void ConnectionsModel::clear()
{
    beginResetModel();
    m_queue.clear(); // what was taken before the clear goes with it
    m_queuePos = 0;
    m_queuedEvents = 0;
    m_ingestTimer->stop();
    m_store->clear();
    m_visible = 0;
    endResetModel();
}

void ConnectionsModel::setMaxConnections(int max)
{
    ConnectionStoreLimits l = limits();
    l.maxConnections = std::max(10, max);
    m_store->setLimits(l);
}

void ConnectionsModel::setMaxClosedConnections(int max)
{
    ConnectionStoreLimits l = limits();
    l.maxClosedConnections = std::max(10, max);
    m_store->setLimits(l);
}

void ConnectionsModel::setMaxFramesPerConnection(int max)
{
    ConnectionStoreLimits l = limits();
    l.maxFramesPerConnection = std::max(10, max);
    m_store->setLimits(l);
}

void ConnectionsModel::setMaxFramesTotal(qint64 max)
{
    ConnectionStoreLimits l = limits();
    l.maxFramesTotal = std::max<qint64>(100, max);
    m_store->setLimits(l);
}

void ConnectionsModel::setMaxFrameMemory(qint64 bytes)
{
    ConnectionStoreLimits l = limits();
    l.maxFrameMemory = std::max<qint64>(qint64(1) << 20, bytes);
    m_store->setLimits(l);
}
