#include "remote/inspectorsource.h"

void InspectorSource::setLink(Link link, const QString &detail)
{
    if (m_link == link && m_linkDetail == detail)
        return;
    m_link = link;
    m_linkDetail = detail;
    emit linkChanged();
}

void InspectorSource::setIdentity(const QString &instance, bool canApply, bool canInject)
{
    if (m_instance == instance && m_canApply == canApply && m_canInject == canInject)
        return;
    m_instance = instance;
    m_canApply = canApply;
    m_canInject = canInject;
    emit linkChanged();
}

void InspectorSource::setListeners(const QStringList &listeners)
{
    if (m_listeners == listeners)
        return;
    m_listeners = listeners;
    emit configChanged();
}

void InspectorSource::setConfig(const QString &text, const QString &name, const QList<UpstreamTarget> &targets,
                                const QHash<QString, QString> &methods)
{
    m_configText = text;
    m_configName = name;
    m_targets = targets;
    m_methods = methods;
    emit configChanged();
}

void InspectorSource::setConfigText(const QString &text, const QString &name)
{
    m_configText = text;
    m_configName = name;
    emit configChanged();
}

void InspectorSource::setFigures(const QList<UpstreamFigures> &figures, quint64 dropped)
{
    m_figures = figures;
    m_dropped = dropped;
    emit upstreamsChanged();
}

void InspectorSource::setRecording(const RecordingState &state)
{
    if (m_recording == state)
        return;
    m_recording = state;
    emit recordingChanged();
}
