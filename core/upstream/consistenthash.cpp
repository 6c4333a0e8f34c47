#include "consistenthash.h"

#include <zlib.h>

#include <algorithm>

quint32 crc32Update(quint32 crc, QByteArrayView data)
{
    // zlib's crc32() chains: crc32(crc32(0, a), b) == crc32(0, a + b), the
    // same value as ngx_crc32_init/update/final over a then b.
    return quint32(::crc32(uLong(crc), reinterpret_cast<const Bytef *>(data.data()), uInt(data.size())));
}

void ConsistentHashRing::build(const QList<QByteArray> &names, const QList<int> &weights)
{
    m_points.clear();
    m_names.clear();
    for (qsizetype i = 0; i < names.size(); ++i) {
        const QByteArray &server = names.at(i);
        qsizetype nameIndex = m_names.indexOf(server);
        if (nameIndex < 0) {
            nameIndex = m_names.size();
            m_names.append(server);
        }
        // ngx_http_upstream_init_chash: HOST and PORT from the name as
        // written; a trailing ":digits" is the port, "unix:" has none.
        QByteArrayView host = server;
        QByteArrayView port;
        if (server.size() >= 5 && server.first(5).compare("unix:", Qt::CaseInsensitive) == 0) {
            host = QByteArrayView(server).sliced(5);
        } else {
            for (qsizetype j = 0; j < server.size(); ++j) {
                const char c = server.at(server.size() - j - 1);
                if (c == ':') {
                    host = QByteArrayView(server).first(server.size() - j - 1);
                    port = QByteArrayView(server).last(j);
                    break;
                }
                if (c < '0' || c > '9')
                    break;
            }
        }
        quint32 base = crc32Update(0, host);
        base = crc32Update(base, QByteArrayView("\0", 1));
        base = crc32Update(base, port);
        // Each point chains on the previous one's value, little-endian.
        quint32 prev = 0;
        const int npoints = weights.at(i) * 160;
        for (int j = 0; j < npoints; ++j) {
            const char bytes[4] = {char(prev & 0xff), char((prev >> 8) & 0xff), char((prev >> 16) & 0xff),
                                   char((prev >> 24) & 0xff)};
            const quint32 h = crc32Update(base, QByteArrayView(bytes, 4));
            m_points.push_back(Point{h, int(nameIndex)});
            prev = h;
        }
    }
    std::stable_sort(m_points.begin(), m_points.end(),
                     [](const Point &a, const Point &b) { return a.hash < b.hash; });
    // Equal hashes keep one point (nginx keeps the first after its qsort).
    m_points.erase(std::unique(m_points.begin(), m_points.end(),
                               [](const Point &a, const Point &b) { return a.hash == b.hash; }),
                   m_points.end());
}

quint32 ConsistentHashRing::findPoint(quint32 hash) const
{
    // ngx_http_upstream_find_chash_point: the first point >= hash.
    const auto it = std::lower_bound(m_points.begin(), m_points.end(), hash,
                                     [](const Point &p, quint32 h) { return p.hash < h; });
    return quint32(it - m_points.begin());
}
