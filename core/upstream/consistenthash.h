#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <vector>

// The ring of `hash KEY consistent` (ngx_http_upstream_hash_module, which is
// compatible with Cache::Memcached::Fast's ketama): 160 points per unit of
// weight per server, point n = crc32(HOST "\0" PORT prev_point_le32) with
// prev_point starting at 0, HOST and PORT split from the `server` argument
// as written. A key lands on the first point >= crc32(key), wrapping.
class ConsistentHashRing
{
public:
    struct Point
    {
        quint32 hash = 0;
        int name = 0; // index into names()
    };

    // `names`: the server name of each primary, in config order; `weights` alike.
    void build(const QList<QByteArray> &names, const QList<int> &weights);
    bool isEmpty() const { return m_points.empty(); }
    qsizetype size() const { return qsizetype(m_points.size()); }
    // Index of the first point >= hash (may be size(): wraps to 0 when used).
    quint32 findPoint(quint32 hash) const;
    // The server name at point `i` (taken modulo the ring size).
    const QByteArray &nameAt(quint32 i) const { return m_names.at(m_points[i % m_points.size()].name); }
    const QList<QByteArray> &names() const { return m_names; }

private:
    std::vector<Point> m_points;
    QList<QByteArray> m_names;
};

// nginx's ngx_crc32 (CRC-32/ISO-HDLC, as zlib), for chained updates: start
// with crc32Update(0, ...), pass the result on.
quint32 crc32Update(quint32 crc, QByteArrayView data);
