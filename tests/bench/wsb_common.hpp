// wsb_common.hpp - building blocks of wsbench: byte buffer, SHA-1, base64,
// WebSocket frame header codec, masking, HDR-style latency histogram, clocks.
// Plain C++20, no Qt, no OpenSSL.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <time.h>

namespace wsb {

inline uint64_t now_ns()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

constexpr uint64_t kSecond = 1'000'000'000ull;
constexpr uint64_t kMilli = 1'000'000ull;

// ---------------------------------------------------------------------------
// ByteBuf: a growable FIFO of bytes with uninitialised tail growth. Capacity is
// kept between uses, so steady-state traffic does not allocate.
class ByteBuf {
public:
    ByteBuf() = default;
    ByteBuf(const ByteBuf&) = delete;
    ByteBuf& operator=(const ByteBuf&) = delete;
    ~ByteBuf() { std::free(p_); }

    uint8_t* data() { return p_ + r_; }
    const uint8_t* data() const { return p_ + r_; }
    size_t size() const { return w_ - r_; }
    bool empty() const { return w_ == r_; }
    size_t capacity() const { return cap_; }

    void consume(size_t n)
    {
        r_ += n;
        if (r_ >= w_)
            r_ = w_ = 0;
    }
    void clear() { r_ = w_ = 0; }

    // Room for n more bytes at the tail; write there, then commit().
    uint8_t* prepare(size_t n)
    {
        if (cap_ - w_ < n)
            grow(n);
        return p_ + w_;
    }
    void commit(size_t n) { w_ += n; }
    void append(const void* d, size_t n)
    {
        std::memcpy(prepare(n), d, n);
        commit(n);
    }
    // Give memory back after a large transient (e.g. one big frame).
    void release_if_empty_and_larger_than(size_t limit)
    {
        if (empty() && cap_ > limit) {
            std::free(p_);
            p_ = nullptr;
            cap_ = r_ = w_ = 0;
        }
    }

private:
    void grow(size_t n)
    {
        const size_t sz = size();
        // Compact in place when that makes room and the move is paid for by
        // bytes already consumed (amortised O(1) per byte).
        if (r_ > 0 && cap_ - sz >= n && r_ >= sz) {
            std::memmove(p_, p_ + r_, sz);
            r_ = 0;
            w_ = sz;
            return;
        }
        size_t nc = std::max<size_t>({cap_ * 2, sz + n, 2048});
        auto* np = static_cast<uint8_t*>(std::malloc(nc));
        if (!np)
            throw std::bad_alloc();
        if (sz)
            std::memcpy(np, p_ + r_, sz);
        std::free(p_);
        p_ = np;
        cap_ = nc;
        r_ = 0;
        w_ = sz;
    }

    uint8_t* p_ = nullptr;
    size_t cap_ = 0, r_ = 0, w_ = 0;
};

// ---------------------------------------------------------------------------
// SHA-1 (FIPS 180-4). Only used for Sec-WebSocket-Accept; not for security.
class Sha1 {
public:
    Sha1() { reset(); }
    void reset()
    {
        h_ = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
        len_ = 0;
        blen_ = 0;
    }
    void update(const void* data, size_t n)
    {
        auto p = static_cast<const uint8_t*>(data);
        len_ += n;
        while (n) {
            size_t take = std::min(n, size_t(64) - blen_);
            std::memcpy(buf_ + blen_, p, take);
            blen_ += take;
            p += take;
            n -= take;
            if (blen_ == 64) {
                block(buf_);
                blen_ = 0;
            }
        }
    }
    std::array<uint8_t, 20> finish()
    {
        const uint64_t bits = len_ * 8;
        const uint8_t one = 0x80, zero = 0;
        update(&one, 1);
        while (blen_ != 56)
            update(&zero, 1);
        uint8_t lb[8];
        for (int i = 0; i < 8; ++i)
            lb[i] = uint8_t(bits >> (56 - 8 * i));
        update(lb, 8);
        std::array<uint8_t, 20> out{};
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 4; ++j)
                out[size_t(i * 4 + j)] = uint8_t(h_[size_t(i)] >> (24 - 8 * j));
        return out;
    }

private:
    static uint32_t rol(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }
    void block(const uint8_t* b)
    {
        uint32_t w[80];
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(b[4 * i]) << 24 | uint32_t(b[4 * i + 1]) << 16 | uint32_t(b[4 * i + 2]) << 8 | uint32_t(b[4 * i + 3]);
        for (int i = 16; i < 80; ++i)
            w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = h_[0], bb = h_[1], c = h_[2], d = h_[3], e = h_[4];
        for (int i = 0; i < 80; ++i) {
            uint32_t f, k;
            if (i < 20) {
                f = (bb & c) | (~bb & d);
                k = 0x5A827999u;
            } else if (i < 40) {
                f = bb ^ c ^ d;
                k = 0x6ED9EBA1u;
            } else if (i < 60) {
                f = (bb & c) | (bb & d) | (c & d);
                k = 0x8F1BBCDCu;
            } else {
                f = bb ^ c ^ d;
                k = 0xCA62C1D6u;
            }
            const uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rol(bb, 30);
            bb = a;
            a = t;
        }
        h_[0] += a;
        h_[1] += bb;
        h_[2] += c;
        h_[3] += d;
        h_[4] += e;
    }

    std::array<uint32_t, 5> h_{};
    uint64_t len_ = 0;
    size_t blen_ = 0;
    uint8_t buf_[64]{};
};

inline std::string base64_encode(const uint8_t* p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((n + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8 | p[i + 2];
        out += tbl[(v >> 18) & 63];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += tbl[v & 63];
    }
    if (n - i == 1) {
        const uint32_t v = uint32_t(p[i]) << 16;
        out += tbl[(v >> 18) & 63];
        out += tbl[(v >> 12) & 63];
        out += "==";
    } else if (n - i == 2) {
        const uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8;
        out += tbl[(v >> 18) & 63];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

// Sec-WebSocket-Accept = base64(SHA-1(key + GUID)), RFC 6455 section 4.2.2.
inline std::string websocket_accept(std::string_view key)
{
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    Sha1 s;
    s.update(key.data(), key.size());
    s.update(guid.data(), guid.size());
    const auto d = s.finish();
    return base64_encode(d.data(), d.size());
}

// ---------------------------------------------------------------------------
// Frame header codec.
enum Opcode : uint8_t { OpCont = 0, OpText = 1, OpBinary = 2, OpClose = 8, OpPing = 9, OpPong = 10 };

struct FrameHeader {
    bool fin = false;
    uint8_t rsv = 0;
    uint8_t opcode = 0;
    bool masked = false;
    uint8_t mask[4] = {0, 0, 0, 0};
    uint64_t len = 0;
    size_t header_len = 0;
};

// Returns header length (>0) when a complete header is present, 0 when more
// bytes are needed, -1 when the header is malformed (non-minimal 64-bit length MSB).
inline int parse_frame_header(const uint8_t* p, size_t n, FrameHeader& h)
{
    if (n < 2)
        return 0;
    h.fin = (p[0] & 0x80) != 0;
    h.rsv = uint8_t((p[0] >> 4) & 7);
    h.opcode = p[0] & 0x0F;
    h.masked = (p[1] & 0x80) != 0;
    uint64_t len = p[1] & 0x7F;
    size_t pos = 2;
    if (len == 126) {
        if (n < 4)
            return 0;
        len = uint64_t(p[2]) << 8 | p[3];
        pos = 4;
    } else if (len == 127) {
        if (n < 10)
            return 0;
        len = 0;
        for (int i = 0; i < 8; ++i)
            len = len << 8 | p[2 + i];
        if (len >> 63)
            return -1;
        pos = 10;
    }
    if (h.masked) {
        if (n < pos + 4)
            return 0;
        std::memcpy(h.mask, p + pos, 4);
        pos += 4;
    }
    h.len = len;
    h.header_len = pos;
    return int(pos);
}

// Writes a frame header (2..14 bytes) and returns its length.
inline size_t write_frame_header(uint8_t* out, bool fin, uint8_t opcode, uint64_t len, const uint8_t* mask)
{
    out[0] = uint8_t((fin ? 0x80 : 0) | (opcode & 0x0F));
    const uint8_t mbit = mask ? 0x80 : 0;
    size_t pos;
    if (len < 126) {
        out[1] = uint8_t(mbit | len);
        pos = 2;
    } else if (len <= 0xFFFF) {
        out[1] = uint8_t(mbit | 126);
        out[2] = uint8_t(len >> 8);
        out[3] = uint8_t(len);
        pos = 4;
    } else {
        out[1] = uint8_t(mbit | 127);
        for (int i = 0; i < 8; ++i)
            out[2 + i] = uint8_t(len >> (56 - 8 * i));
        pos = 10;
    }
    if (mask) {
        std::memcpy(out + pos, mask, 4);
        pos += 4;
    }
    return pos;
}

// dst[i] = src[i] ^ mask[i % 4]; dst may equal src. Eight bytes at a time.
inline void mask_copy(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t mask[4])
{
    uint32_t m32;
    std::memcpy(&m32, mask, 4);
    const uint64_t m64 = (uint64_t(m32) << 32) | m32;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        std::memcpy(&v, src + i, 8);
        v ^= m64;
        std::memcpy(dst + i, &v, 8);
    }
    for (; i < n; ++i)
        dst[i] = src[i] ^ mask[i & 3];
}

inline void put_u64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline uint64_t get_u64(const uint8_t* p)
{
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// xorshift64*: fast PRNG for masks and keys (seeded from getrandom by the caller).
struct Rng {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    uint64_t next()
    {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
};

// ---------------------------------------------------------------------------
// Latency histogram, HDR-style log-linear buckets over nanoseconds: values
// below 256 ns are exact; above, each power of two is split into 128 linear
// sub-buckets, so any recorded value is known to within 1/128 (< 0.8 %).
// Range 0 .. 60 s; larger values are clamped to 60 s (and counted).
namespace hist_detail {
constexpr int kSubBits = 7;
constexpr uint64_t kSub = uint64_t(1) << kSubBits;
constexpr uint64_t kLinear = 2 * kSub;
constexpr size_t index_of(uint64_t v)
{
    if (v < kLinear)
        return size_t(v);
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - kSubBits;
    return size_t(kLinear + uint64_t(shift - 1) * kSub + ((v >> shift) - kSub));
}
constexpr uint64_t highest_equivalent(size_t i)
{
    if (i < kLinear)
        return i;
    const size_t j = i - kLinear;
    const int shift = int(j / kSub) + 1;
    const uint64_t sub = j % kSub;
    return ((sub + kSub) << shift) + ((uint64_t(1) << shift) - 1);
}
} // namespace hist_detail

class Histogram {
public:
    static constexpr uint64_t kMaxValue = 60ull * kSecond;
    static constexpr size_t index_of(uint64_t v) { return hist_detail::index_of(v); }
    static constexpr uint64_t highest_equivalent(size_t i) { return hist_detail::highest_equivalent(i); }
    static constexpr size_t kBuckets = hist_detail::index_of(60ull * kSecond) + 1;

    Histogram() : counts_(kBuckets, 0) {}

    void record(uint64_t v)
    {
        if (v > kMaxValue) {
            v = kMaxValue;
            ++clamped_;
        }
        ++counts_[index_of(v)];
        ++total_;
        sum_ += v;
        if (v < min_)
            min_ = v;
        if (v > max_)
            max_ = v;
    }
    void merge(const Histogram& o)
    {
        for (size_t i = 0; i < kBuckets; ++i)
            counts_[i] += o.counts_[i];
        total_ += o.total_;
        sum_ += o.sum_;
        clamped_ += o.clamped_;
        min_ = std::min(min_, o.min_);
        max_ = std::max(max_, o.max_);
    }
    void reset()
    {
        std::fill(counts_.begin(), counts_.end(), 0);
        total_ = sum_ = clamped_ = max_ = 0;
        min_ = UINT64_MAX;
    }
    uint64_t count() const { return total_; }
    uint64_t min() const { return total_ ? min_ : 0; }
    uint64_t max() const { return max_; }
    uint64_t clamped() const { return clamped_; }
    double mean() const { return total_ ? double(sum_) / double(total_) : 0.0; }

    // Value at percentile p (0..100): the highest value equivalent to the
    // bucket holding the rank, clipped to the observed maximum.
    uint64_t percentile(double p) const
    {
        if (!total_)
            return 0;
        double r = p / 100.0 * double(total_);
        uint64_t rank = uint64_t(r);
        if (double(rank) < r)
            ++rank;
        rank = std::clamp<uint64_t>(rank, 1, total_);
        uint64_t cum = 0;
        for (size_t i = 0; i < kBuckets; ++i) {
            cum += counts_[i];
            if (cum >= rank)
                return std::clamp(highest_equivalent(i), min(), max_);
        }
        return max_;
    }

private:
    std::vector<uint64_t> counts_;
    uint64_t total_ = 0, sum_ = 0, clamped_ = 0, max_ = 0, min_ = UINT64_MAX;
};

// Case-insensitive helpers for HTTP header handling.
inline bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = char(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}
inline std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
// True if the comma-separated list `value` contains `token` (case-insensitive).
inline bool has_token(std::string_view value, std::string_view token)
{
    while (!value.empty()) {
        const size_t c = value.find(',');
        if (iequals(trim(value.substr(0, c)), token))
            return true;
        if (c == std::string_view::npos)
            break;
        value.remove_prefix(c + 1);
    }
    return false;
}

// Calls f(name, value) for each header line of an HTTP head (after the start
// line). `head` excludes the final CRLFCRLF. Returns the start line.
template <class F>
std::string_view for_each_header(std::string_view head, F&& f)
{
    size_t e = head.find("\r\n");
    const std::string_view start = head.substr(0, e);
    while (e != std::string_view::npos) {
        head.remove_prefix(e + 2);
        e = head.find("\r\n");
        const std::string_view line = head.substr(0, e);
        const size_t colon = line.find(':');
        if (colon != std::string_view::npos)
            f(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
    return start;
}

} // namespace wsb
