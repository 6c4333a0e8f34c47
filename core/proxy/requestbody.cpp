#include "requestbody.h"

#include "http/bodyframer.h"
#include "net/tcpstream.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>

namespace {

// How much of a file body waits in the upstream's send buffer at most.
constexpr qint64 PumpWindow = 256 * 1024;
constexpr qint64 PumpPiece = 64 * 1024;

// nginx's ngx_temp_number: ten digits, counting on from a random start.
QAtomicInteger<quint32> g_tempNumber(QRandomGenerator::global()->bounded(1u, 1'000'000'000u));

} // namespace

RequestBody::~RequestBody()
{
    clear();
}

void RequestBody::begin(const Settings &settings)
{
    clear();
    m_settings = settings;
    m_active = true;
}

void RequestBody::clear()
{
    if (m_file) {
        m_file->close();
        if (!m_settings.keepFile)
            QFile::remove(m_file->fileName());
        m_file.reset();
    }
    m_memory.clear();
    m_active = false;
    m_size = 0;
    m_sent = 0;
    m_error.clear();
}

QString RequestBody::nextFileName() const
{
    const QString name = QStringLiteral("%1").arg(g_tempNumber.fetchAndAddRelaxed(1) % 10'000'000'000ull, 10, 10,
                                                  QLatin1Char('0'));
    // ngx_create_hashed_filename: each level is taken from the name's end.
    QString dir = m_settings.tempPath.isEmpty() ? QDir::tempPath() : m_settings.tempPath;
    qsizetype end = name.size();
    for (const int level : m_settings.levels) {
        dir += QLatin1Char('/') + name.mid(end - level, level);
        end -= level;
    }
    return dir + QLatin1Char('/') + name;
}

bool RequestBody::spill()
{
    // A name taken by another file is tried again with the next number.
    for (int attempt = 0; attempt < 8; ++attempt) {
        auto file = std::make_unique<QFile>(nextFileName());
        QDir().mkpath(QFileInfo(file->fileName()).absolutePath());
        if (file->open(QIODevice::ReadWrite | QIODevice::NewOnly | QIODevice::Unbuffered)) {
            m_file = std::move(file);
            break;
        }
        m_error = QStringLiteral("open() \"%1\" failed (%2)").arg(file->fileName(), file->errorString());
        if (!file->exists())
            return false; // not a name taken: the directory is the trouble
    }
    if (!m_file)
        return false;
    m_error.clear();
    if (!m_memory.isEmpty() && m_file->write(m_memory) != m_memory.size()) {
        m_error = QStringLiteral("write to %1 failed (%2)").arg(m_file->fileName(), m_file->errorString());
        return false;
    }
    m_memory.clear();
    m_memory.squeeze();
    return true;
}

bool RequestBody::take(HttpBodyFramer &framer, QByteArray &in)
{
    if (in.isEmpty() || framer.isDone())
        return !framer.hasError();
    QByteArray decoded;
    const bool chunked = framer.mode() == HttpBodyFramer::Mode::Chunked;
    const qsizetype n = framer.consume(in.constData(), in.size(), chunked ? &decoded : nullptr);
    if (framer.hasError()) {
        m_error = QStringLiteral("invalid chunked body");
        return false;
    }
    const QByteArrayView part = chunked ? QByteArrayView(decoded) : QByteArrayView(in.constData(), n);
    if (!m_file && (m_settings.fileOnly || m_memory.size() + part.size() > m_settings.bufferSize) && !spill())
        return false;
    if (m_file) {
        if (!part.isEmpty() && m_file->write(part.data(), part.size()) != part.size()) {
            m_error = QStringLiteral("write to %1 failed (%2)").arg(m_file->fileName(), m_file->errorString());
            return false;
        }
    } else {
        m_memory.append(part);
    }
    m_size += part.size();
    in.remove(0, n);
    // An empty body kept "in a file only" still gets its file (nginx writes one).
    if (framer.isDone() && m_settings.fileOnly && !m_file)
        return spill();
    return true;
}

bool RequestBody::pump(TcpStream &out, QByteArrayView head)
{
    if (!m_file) {
        if (head.isEmpty()) {
            out.write(m_memory.constData() + m_sent, m_size - m_sent);
        } else {
            QByteArray both;
            both.reserve(head.size() + m_size - m_sent);
            both.append(head).append(m_memory.constData() + m_sent, m_size - m_sent);
            out.write(both);
        }
        m_sent = m_size;
        return true;
    }
    if (!head.isEmpty())
        out.write(head.data(), head.size());
    QByteArray piece;
    while (m_sent < m_size && out.pendingBytes() < PumpWindow) {
        piece.resize(qMin(PumpPiece, m_size - m_sent));
        if (!m_file->seek(m_sent) || m_file->read(piece.data(), piece.size()) != piece.size()) {
            m_error = QStringLiteral("read from %1 failed (%2)").arg(m_file->fileName(), m_file->errorString());
            return false;
        }
        out.write(piece);
        m_sent += piece.size();
    }
    return true;
}
