#pragma once

#include "commandline.h"
#include "config/proxyconfig.h"

#include <QObject>
#include <QSslConfiguration>

#include <memory>
#include <optional>

class Controller;
class InspectChannel;
class LocalInspectorSource;

// The inspection channel of this process, as the configuration's inspect_*
// directives and the --inspect-* flags ask: the flags win, each over its own
// directive (--inspect-listen replaces inspect_listen whole, ssl included;
// --inspect-ssl adds ssl to whichever address is in effect;
// --inspect-token-file replaces inspect_token(_file); --inspect-name
// inspect_name; --inspect-readonly turns read-only on). A reload (SIGHUP, or
// a validated apply) applies the new directives: the channel opens, closes,
// rebinds or takes its new token, name and read-only; a rebind that fails
// keeps the running channel and says so.
class InspectEndpoint final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InspectEndpoint)

public:
    InspectEndpoint(const Options &options, Controller *controller, QObject *parent = nullptr);
    ~InspectEndpoint() override;

    // After the configuration is loaded, before the proxy starts: the
    // channel's view of the proxy subscribes then, so its history begins
    // with the first connection. ExitOk or the code to exit with.
    int prepare();
    // After the proxy started: binds. ExitOk or the code to exit with.
    int start();

    // The directives of `config` with the flags over them; nullopt with
    // *error when a flag's value is unusable.
    static std::optional<InspectChannelConfig> effective(const Options &options, const InspectChannelConfig &config,
                                                         QString *error);
    // What `channel` is served with: its ssl_certificate, else the local
    // CA's certificate for its names (issued on first use); nullopt without ssl.
    static std::optional<QSslConfiguration> tlsFor(const InspectChannelConfig &channel, bool *ok, QString *error);

private:
    void createSource();
    bool bind(const InspectChannelConfig &channel, QString *error);
    void handleReload();

    Options m_options;
    Controller *m_controller;
    QByteArray m_flagToken; // --inspect-token-file's content, read once at start
    InspectChannelConfig m_current;
    std::unique_ptr<LocalInspectorSource> m_source;
    std::unique_ptr<InspectChannel> m_channel;
};
