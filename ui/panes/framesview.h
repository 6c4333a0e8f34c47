#pragma once

#include <QWidget>

class ConnectionsModel;
class FramesFilterModel;
class FramesModel;
class InspectorSource;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSettings;
class QSplitter;
class QTabWidget;
class QTableView;
class QTimer;
class QTreeWidget;
class SendPanel;
struct FrameRecord;

// The frames tab: the selected connection's frames (FramesModel through
// FramesFilterModel) with search and the control-frame toggle, what the
// history limits dropped, the selected frame as text, JSON tree and hex with
// copy buttons, and the SendPanel below.
class FramesView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FramesView)

public:
    FramesView(InspectorSource *source, ConnectionsModel *connections, FramesModel *frames, FramesFilterModel *filter,
               QWidget *parent = nullptr);
    ~FramesView() override;

    // Follows a newly selected connection (0: none); the frames model has it
    // already. The caps are the window's to refresh (refreshCaps()).
    void setConnection(quint64 id);
    // The "N of M frames" label and the dropped-frames banner.
    void refreshCaps();
    // Copies the current frame: "text", "json" or "hex"; false when none is selected.
    bool copyFrame(const QString &format);
    void saveSettings(QSettings *settings) const;
    void restoreSettings(const QSettings &settings);
    SendPanel *sendPanel() const { return m_sendPanel; }

signals:
    void frameCopied();

private:
    QLayout *createSearchBar();
    QWidget *createDetail();
    void handleSearchChanged();
    void handleCurrentFrameChanged();
    void showJson(const QByteArray &payload, bool textual);
    void autoScroll();
    const FrameRecord *currentFrame() const;

    ConnectionsModel *m_connections;
    FramesModel *m_frames;
    FramesFilterModel *m_filter;
    QLineEdit *m_search = nullptr;
    QCheckBox *m_regex = nullptr;
    QCheckBox *m_showControl = nullptr;
    QCheckBox *m_autoScroll = nullptr;
    QLabel *m_cap = nullptr;
    QLabel *m_dropped = nullptr;
    QSplitter *m_splitter = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_info = nullptr;
    QTabWidget *m_detail = nullptr;
    QPlainTextEdit *m_text = nullptr;
    QTreeWidget *m_json = nullptr;
    QPlainTextEdit *m_hex = nullptr;
    SendPanel *m_sendPanel = nullptr;
    QTimer *m_autoScrollTimer = nullptr;
};
