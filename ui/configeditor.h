#pragma once

#include <QList>
#include <QPlainTextEdit>
#include <QString>

class ConfigEditorGutter;

// The configuration editor: a QPlainTextEdit with a margin (gutter) painted
// beside the text, like an IDE's: line numbers, and for each line with a
// compiler diagnostic or config-doctor finding a severity icon. Hovering the
// icon shows the messages of that line; clicking it puts the cursor where the
// diagnostic points. (The margin is the pattern of Qt's Code Editor example:
// a child widget in the viewport margin, repainted on updateRequest.)
class ConfigEditor final : public QPlainTextEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigEditor)

public:
    // Ordered by importance: a line shows the icon of its most severe marker.
    enum class Severity : quint8 { Error, Warning, Doctor, Note };

    struct Marker
    {
        int line = 0;   // 1-based
        int column = 0; // 1-based; 0: the start of the line
        Severity severity = Severity::Error;
        QString message;
    };

    explicit ConfigEditor(QWidget *parent = nullptr);
    ~ConfigEditor() override;

    void setMarkers(const QList<Marker> &markers);
    const QList<Marker> &markers() const { return m_markers; }
    // The markers on a line (1-based), most severe first.
    QList<Marker> markersOnLine(int line) const;
    // What the margin's tooltip says for a line; empty when it has no marker.
    QString markerToolTip(int line) const;
    // Puts the cursor on the line's most severe marker (its column), as a
    // click on the margin icon does.
    void jumpToMarker(int line);

    QWidget *gutter() const;
    int gutterWidth() const;
    // Where the severity icon of a line is painted, in gutter coordinates;
    // empty when the line is not laid out (scrolled away) or has no marker.
    QRect markerIconRect(int line) const;
    // The line (1-based) at a gutter position, 0 for none.
    int lineAtGutterPosition(const QPoint &pos) const;

    // The icon drawn for a severity, also used by the diagnostics list.
    static QIcon severityIcon(Severity severity);

signals:
    // The user clicked a marker in the margin.
    void markerActivated(int line);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    friend class ConfigEditorGutter;
    void updateGutterWidth();
    void updateGutter(const QRect &rect, int dy);
    void paintGutter(QPaintEvent *event);
    int iconSize() const;

    ConfigEditorGutter *m_gutter;
    QList<Marker> m_markers;
};
