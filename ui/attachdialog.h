#pragma once

#include "remote/attachtarget.h"

#include <QDialog>
#include <QList>
#include <QString>
#include <QUrl>

class QComboBox;
class QLabel;
class QLineEdit;
class QSettings;

// File → Attach to server…: the channel's URL and the token file, the last
// ones used offered first (kept in QSettings under "attach/"). A wss://
// channel whose certificate comes from the local CA (wsscope cert) is
// trusted without asking.
class AttachDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AttachDialog)

public:
    static constexpr int MaxRecent = 10;

    explicit AttachDialog(const QList<AttachTarget> &recent, QWidget *parent = nullptr);
    ~AttachDialog() override;

    AttachTarget target() const;
    void setTarget(const AttachTarget &target);
    // The URL as typed is a ws:// or wss:// URL with a host; else why not.
    static QString check(const QUrl &url);

    static QList<AttachTarget> load(const QSettings &settings);
    // Puts `used` first, drops its older copy, keeps MaxRecent.
    static void remember(const AttachTarget &used, QSettings *settings);

private:
    void handleAccept();
    void handleRecentChosen(int index);

    QList<AttachTarget> m_recent;
    QComboBox *m_url = nullptr;
    QLineEdit *m_tokenFile = nullptr;
    QLabel *m_error = nullptr;
};
