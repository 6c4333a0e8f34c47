#include "linkbanner.h"

#include "colours.h"
#include "remote/inspectorsource.h"

#include <QLocale>
#include <QTimer>

namespace {

QString seconds(qint64 ms)
{
    return LinkBanner::tr("%1 s").arg(QLocale().toString(double(ms) / 1000.0, 'f', 1));
}

} // namespace

LinkBanner::LinkBanner(InspectorSource *source, QWidget *parent)
    : QLabel(parent)
    , m_source(source)
    , m_tick(new QTimer(this))
{
    setObjectName(QStringLiteral("linkBanner"));
    setTextFormat(Qt::RichText);
    setWordWrap(true);
    setMargin(4);
    setAutoFillBackground(true);
    // The time a lost link has been down keeps counting on screen.
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, &LinkBanner::refresh);
    m_tick->start();
    connect(m_source, &InspectorSource::membersChanged, this, [this] {
        for (InspectorSource *m : m_source->members())
            watch(m);
        refresh();
    });
    if (m_source->members().isEmpty())
        watch(m_source);
    for (InspectorSource *m : m_source->members())
        watch(m);
    refresh();
}

LinkBanner::~LinkBanner() = default;

qint64 LinkBanner::lastGapMs(const InspectorSource *instance) const
{
    return m_gaps.value(instance).lastMs;
}

void LinkBanner::watch(InspectorSource *instance)
{
    if (m_gaps.contains(instance))
        return;
    m_gaps.insert(instance, Gap{});
    connect(instance, &InspectorSource::linkChanged, this, [this, instance] { handleLink(instance); });
    connect(instance, &InspectorSource::recordingChanged, this, [this, instance] { handleRecording(instance); });
    handleLink(instance);
}

void LinkBanner::handleLink(InspectorSource *instance)
{
    Gap &gap = m_gaps[instance];
    const QString name = instance->instanceName().isEmpty() ? instance->address() : instance->instanceName();
    switch (instance->link()) {
    case InspectorSource::Link::Up:
        if (gap.lostAt.isValid()) {
            gap.lastFrom = gap.lostAt;
            gap.lastMs = gap.lostAt.msecsTo(QDateTime::currentDateTime());
            gap.lostAt = {};
            emit messageLogged(tr("%1: link back after a gap of %2 (from %3); what happened meanwhile comes from the instance's history")
                                   .arg(name, seconds(gap.lastMs), QLocale().toString(gap.lastFrom.time(), QLocale::ShortFormat)));
        }
        gap.wasUp = true;
        break;
    case InspectorSource::Link::Lost:
        if (gap.wasUp && !gap.lostAt.isValid()) {
            gap.lostAt = QDateTime::currentDateTime();
            emit messageLogged(tr("%1: link lost (%2); reconnecting").arg(name, instance->linkDetail()));
        }
        break;
    case InspectorSource::Link::Connecting:
    case InspectorSource::Link::Local:
        break;
    }
    refresh();
}

void LinkBanner::handleRecording(InspectorSource *instance)
{
    const QString name = instance->instanceName().isEmpty() ? instance->address() : instance->instanceName();
    const RecordingState r = instance->recording();
    Gap &gap = m_gaps[instance];
    if (r.paused == gap.loggedPaused && r.sinceMs == gap.loggedSinceMs) {
        refresh();
        return;
    }
    gap.loggedPaused = r.paused;
    gap.loggedSinceMs = r.sinceMs;
    if (r.paused)
        emit messageLogged(tr("%1: recording paused by %2 (%3); the instance keeps and sends nothing").arg(name, r.by, r.peer));
    else if (!r.by.isEmpty())
        emit messageLogged(tr("%1: recording resumed by %2 (%3); %4 events were not recorded")
                               .arg(name, r.by, r.peer, QLocale().toString(r.lastNotRecorded)));
    refresh();
}

QString LinkBanner::instanceLine(const InspectorSource *instance) const
{
    const Gap gap = m_gaps.value(instance);
    const QString name = instance->instanceName().isEmpty() ? tr("(unnamed)") : instance->instanceName();
    QString state;
    QColor colour;
    switch (instance->link()) {
    case InspectorSource::Link::Up:
        state = tr("connected");
        colour = Colours::Healthy;
        if (gap.lastMs > 0)
            state += tr(" · last gap %1 at %2").arg(seconds(gap.lastMs), QLocale().toString(gap.lastFrom.time(), QLocale::ShortFormat));
        if (!instance->canApply() && !instance->canInject())
            state += tr(" · read-only");
        if (const RecordingState r = instance->recording(); r.paused) {
            colour = Colours::Warning;
            state += tr(" · recording paused by %1 since %2: nothing is recorded (%3 events so far over all pauses)")
                         .arg(r.by.toHtmlEscaped(),
                              QLocale().toString(QDateTime::fromMSecsSinceEpoch(r.sinceMs).time(), QLocale::ShortFormat),
                              QLocale().toString(r.notRecorded));
        }
        break;
    case InspectorSource::Link::Connecting:
        state = tr("connecting…");
        colour = Colours::Warning;
        break;
    case InspectorSource::Link::Lost:
        colour = Colours::Error;
        state = gap.lostAt.isValid()
                    ? tr("link lost %1 ago, reconnecting: %2").arg(seconds(gap.lostAt.msecsTo(QDateTime::currentDateTime())),
                                                                  instance->linkDetail().toHtmlEscaped())
                    : tr("not connected: %1").arg(instance->linkDetail().toHtmlEscaped());
        break;
    case InspectorSource::Link::Local: // a proxy of this process merged with others
        state = tr("in this process");
        colour = Colours::Healthy;
        break;
    }
    return tr("<b>%1</b> %2 — <span style='color:%3'>%4</span>")
        .arg(name.toHtmlEscaped(), instance->address().toHtmlEscaped(), Colours::css(colour), state);
}

void LinkBanner::refresh()
{
    if (m_source->link() == InspectorSource::Link::Local) {
        hide();
        return;
    }
    QStringList lines;
    const QList<InspectorSource *> members = m_source->members();
    if (members.isEmpty())
        lines << instanceLine(m_source);
    for (const InspectorSource *m : members)
        lines << instanceLine(m);
    setText(tr("Attached to: %1").arg(lines.join(QStringLiteral(" &nbsp;|&nbsp; "))));
    show();
}
