// wsbench - WebSocket load generator and echo backend on raw Linux epoll.
// Plain C++20 and the C++ standard library; no Qt, no OpenSSL. Used to compare
// direct vs nginx vs HAProxy vs wsscope on loopback.
//
// Subcommands
//   wsbench echo  [--listen 127.0.0.1:PORT] [--threads N] [--duration S]
//       RFC 6455 echo server. Echoes every data frame unmasked with the same
//       opcode and FIN bit (fragmentation preserved), answers ping with pong and
//       close with close. Port 0 picks a free port; the first stdout line is
//       "listening on HOST:PORT". Runs until SIGINT/SIGTERM, or S seconds if
//       --duration is given. --threads N: N epoll loops on SO_REUSEPORT sockets.
//       No extensions are negotiated (permessage-deflate offers are declined,
//       no subprotocol is selected) and text frames are not UTF-8 validated.
//   wsbench load  --url ws://HOST:PORT/path [--connections 50] [--size 64]
//                 [--inflight 1] [--duration 10] [--rate MSGS_PER_S] [--warmup 1]
//                 [--idle M] [--threads 1] [--messages N] [--json] [--marks]
//       N connections each keep K binary messages in flight (closed loop), or,
//       with --rate, messages are sent on a fixed global schedule spread over
//       the connections (open loop) and latency is measured from the SCHEDULED
//       send time (coordinated-omission corrected; --inflight is then ignored).
//       Payload: [0,8) send/scheduled CLOCK_MONOTONIC ns, [8,16) per-connection
//       sequence number, then a fixed pattern; --size >= 16. Every echo is
//       checked (size, sequence, pattern); a bad one counts as a mismatch.
//       --idle M opens M extra connections that stay silent (they answer pings).
//       --messages N (closed loop only): each connection sends N messages and
//       the run ends as soon as all echoes are back (DURATION is then a limit);
//       use --warmup 0 to count them all. For fixed workloads (callgrind).
//       All connections are established before warm-up starts.
//   wsbench burst --url ... [--count 2000] [--concurrency 100] [--json]
//       Opens connections C at a time until COUNT handshakes completed or failed;
//       each successful one is closed with a close frame. Latency is connect()
//       to a valid 101 response.
//   wsbench bulk  --url ... [--message-size 1048576] [--frame-size 16384]
//                 [--duration 10] [--warmup 0] [--json]
//       One connection streams messages of MESSAGE-SIZE bytes cut into frames
//       of FRAME-SIZE (first binary, then continuation), with a bounded window
//       of unechoed bytes; reports echoed MB/s and per-message round trip.
//   wsbench slow  --url ... [--message-size 65536] [--read-rate 262144]
//                 [--rcvbuf 16384] [--duration 10] [--json]
//       Slow consumer: one connection with a small receive buffer writes
//       binary messages as fast as the socket takes them (the echo backend
//       answers as fast as it can) while reading only READ-RATE bytes/s.
//       A proxy with backpressure stalls the writer; one without it buffers
//       without bound (watch its RSS while this runs). Ends after DURATION
//       seconds by closing the socket (no close handshake).
//   wsbench selftest
//       Checks SHA-1, base64, Sec-WebSocket-Accept and the histogram.
//
// Common: --marks (load, bulk) prints "wsbench: window start" and
// "wsbench: window end" on stderr when the measured window begins and ends.
// RLIMIT_NOFILE soft limit is raised to the hard limit; connect +
// handshake timeout 5 s; every client run ends by itself. Exit status: 0 ok,
// 1 usage or fatal error, 2 the run completed but counted errors.
// Units: MB = 1e6 bytes; MB/s counts WebSocket payload bytes (no headers).
//
// JSON output (--json prints exactly one object on stdout; stable keys)
//   latency object L = {"count","min","mean","p50","p90","p99","p999","max"}
//                      values in microseconds (floating point), count integer.
//   load:  {"mode":"load","url","connections","connected","idle","idle_connected",
//           "size","inflight","rate" (0 = closed loop),"threads","warmup_s",
//           "duration_s" (measured window),"sent","messages" (echoes received
//           in the window),"msgs_per_s","mb_per_s" (= rx_mb_per_s),
//           "rx_mb_per_s","tx_mb_per_s","latency_us":L,"errors" (total),
//           "errors_detail":{"connect","handshake","timeout","closed",
//           "protocol","mismatch","unsent"}}
//   burst: {"mode":"burst","url","count","concurrency","successes","failures",
//           "failures_detail":{"refused","reset","timeout","bad_status","other"},
//           "duration_s","handshakes_per_s","latency_us":L}
//   bulk:  {"mode":"bulk","url","message_size","frame_size","warmup_s",
//           "duration_s","messages","bytes","mb_per_s","latency_us":L (per
//           message),"errors","errors_detail":{"connect","handshake","timeout",
//           "closed","protocol","mismatch"}}
//   slow:  {"mode":"slow","url","message_size","read_rate","rcvbuf","duration_s",
//           "sent_bytes","received_bytes","send_mb_per_s","recv_mb_per_s",
//           "errors","errors_detail":{"connect","handshake","closed"}}
//   echo (on exit, stderr, human only): accepted connections, frames, bytes.

#include "wsb_common.hpp"

#include <atomic>
#include <barrier>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

using namespace wsb;

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

// --marks: "wsbench: window start" / "wsbench: window end" on stderr when the
// measured window begins and ends, so a driver (tests/bench/compare) can sample
// the proxy's /proc counters over exactly that window.
bool g_marks = false;
void mark(const char* what)
{
    if (!g_marks)
        return;
    std::fprintf(stderr, "wsbench: window %s\n", what);
    std::fflush(stderr);
}

void install_signals()
{
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

void raise_nofile()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

uint64_t seed64()
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != sizeof s)
        s = now_ns() ^ (uint64_t(getpid()) << 32);
    return s ? s : 0x1234567ull;
}

[[noreturn]] void die(const char* fmt, const std::string& a = {})
{
    std::fprintf(stderr, "wsbench: ");
    std::fprintf(stderr, fmt, a.c_str());
    std::fprintf(stderr, "\n");
    std::exit(1);
}

// --------------------------------------------------------------------------
// Command-line options: "--key value" pairs and a few boolean flags.
struct Args {
    std::map<std::string, std::string> kv;
    bool json = false;
    bool marks = false;

    bool has(const std::string& k) const { return kv.count(k) != 0; }
    std::string str(const std::string& k, const std::string& def = {}) const
    {
        auto it = kv.find(k);
        return it == kv.end() ? def : it->second;
    }
    double num(const std::string& k, double def) const
    {
        auto it = kv.find(k);
        if (it == kv.end())
            return def;
        char* end = nullptr;
        const double v = std::strtod(it->second.c_str(), &end);
        if (!end || *end || it->second.empty() || !std::isfinite(v) || v < 0)
            die("bad number for --%s", k + " '" + it->second + "'");
        return v;
    }
    uint64_t integer(const std::string& k, uint64_t def) const
    {
        const double v = num(k, double(def));
        if (v != std::floor(v))
            die("--%s must be an integer", k);
        return uint64_t(v);
    }
};

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& allowed)
{
    Args a;
    for (int i = first; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "--json") {
            a.json = true;
            continue;
        }
        if (s == "--marks") {
            a.marks = true;
            continue;
        }
        if (s.rfind("--", 0) != 0)
            die("unexpected argument '%s'", s);
        std::string key = s.substr(2), val;
        const size_t eq = key.find('=');
        if (eq != std::string::npos) {
            val = key.substr(eq + 1);
            key = key.substr(0, eq);
        } else {
            if (i + 1 >= argc)
                die("--%s needs a value", key);
            val = argv[++i];
        }
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            die("unknown option --%s", key);
        a.kv[key] = val;
    }
    return a;
}

// --------------------------------------------------------------------------
// Addresses.
struct Endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
};

bool resolve(const std::string& host, uint16_t port, bool passive, Endpoint& ep)
{
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    const std::string ps = std::to_string(port);
    if (getaddrinfo(host.c_str(), ps.c_str(), &hints, &res) != 0 || !res)
        return false;
    std::memcpy(&ep.addr, res->ai_addr, res->ai_addrlen);
    ep.len = socklen_t(res->ai_addrlen);
    freeaddrinfo(res);
    return true;
}

// "HOST:PORT" or "[V6]:PORT" -> host, port.
bool split_hostport(const std::string& s, std::string& host, uint16_t& port, uint16_t defport)
{
    std::string p;
    if (!s.empty() && s[0] == '[') {
        const size_t rb = s.find(']');
        if (rb == std::string::npos)
            return false;
        host = s.substr(1, rb - 1);
        if (rb + 1 < s.size()) {
            if (s[rb + 1] != ':')
                return false;
            p = s.substr(rb + 2);
        }
    } else {
        const size_t c = s.rfind(':');
        if (c == std::string::npos) {
            host = s;
        } else {
            host = s.substr(0, c);
            p = s.substr(c + 1);
        }
    }
    if (host.empty())
        return false;
    if (p.empty()) {
        port = defport;
        return true;
    }
    char* end = nullptr;
    const long v = std::strtol(p.c_str(), &end, 10);
    if (*end || v < 0 || v > 65535)
        return false;
    port = uint16_t(v);
    return true;
}

std::string endpoint_str(const sockaddr_storage& a)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    if (a.ss_family == AF_INET) {
        auto* s = reinterpret_cast<const sockaddr_in*>(&a);
        inet_ntop(AF_INET, &s->sin_addr, buf, sizeof buf);
        return std::string(buf) + ":" + std::to_string(ntohs(s->sin_port));
    }
    auto* s = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(s->sin6_port));
}

struct Url {
    std::string text, authority, path;
    Endpoint ep;
};

Url parse_url(const std::string& s)
{
    Url u;
    u.text = s;
    if (s.rfind("ws://", 0) != 0)
        die("--url must start with ws:// (got '%s'; wss is not supported)", s);
    const std::string rest = s.substr(5);
    const size_t slash = rest.find('/');
    u.authority = rest.substr(0, slash);
    u.path = slash == std::string::npos ? "/" : rest.substr(slash);
    std::string host;
    uint16_t port = 80;
    if (!split_hostport(u.authority, host, port, 80))
        die("bad host:port in --url '%s'", s);
    if (!resolve(host, port, false, u.ep))
        die("cannot resolve '%s'", host);
    return u;
}

void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// --------------------------------------------------------------------------
// Output helpers.
struct LatencyOut {
    uint64_t count;
    double min, mean, p50, p90, p99, p999, max;
};

LatencyOut latency_of(const Histogram& h)
{
    auto us = [](uint64_t ns) { return double(ns) / 1000.0; };
    return {h.count(), us(h.min()), h.mean() / 1000.0, us(h.percentile(50)), us(h.percentile(90)),
            us(h.percentile(99)), us(h.percentile(99.9)), us(h.max())};
}

std::string json_latency(const Histogram& h)
{
    const LatencyOut l = latency_of(h);
    char b[512];
    std::snprintf(b, sizeof b,
                  "{\"count\":%" PRIu64 ",\"min\":%.1f,\"mean\":%.1f,\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,"
                  "\"p999\":%.1f,\"max\":%.1f}",
                  l.count, l.min, l.mean, l.p50, l.p90, l.p99, l.p999, l.max);
    return b;
}

std::string json_str(const std::string& s)
{
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += c;
        } else if (uint8_t(c) < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += c;
        }
    }
    return o + "\"";
}

void print_latency_table(const Histogram& h)
{
    const LatencyOut l = latency_of(h);
    std::printf("  latency (us)   min %.1f  mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (n=%" PRIu64
                ")\n",
                l.min, l.mean, l.p50, l.p90, l.p99, l.p999, l.max, l.count);
}

// ============================================================================
// Echo server
// ============================================================================

constexpr size_t kMaxFrame = 64u << 20;     // refuse frames above 64 MiB
constexpr size_t kMaxHead = 16384;          // HTTP head limit
constexpr size_t kOutHigh = 4u << 20;       // stop reading above this much unsent output
constexpr size_t kOutLow = 1u << 20;        // resume below this
constexpr size_t kScratch = 256u << 10;     // per-thread read buffer

struct EchoConn {
    int fd = -1;
    bool handshaken = false;
    bool closing = false;  // close queued: flush, then close the socket
    bool reading = true;
    bool dead = false;
    bool in_fragmented = false;
    uint32_t events = 0;
    ByteBuf in, out;
};

class EchoWorker {
public:
    EchoWorker(int lfd) : lfd_(lfd), scratch_(kScratch)
    {
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // the listener
        epoll_ctl(ep_, EPOLL_CTL_ADD, lfd_, &ev);
    }
    ~EchoWorker()
    {
        for (auto* c : all_)
            destroy(c);
        close(ep_);
    }

    void run(uint64_t deadline)
    {
        epoll_event evs[512];
        while (!g_stop.load(std::memory_order_relaxed) && (deadline == 0 || now_ns() < deadline)) {
            const int n = epoll_wait(ep_, evs, 512, 100);
            for (int i = 0; i < n; ++i) {
                auto* c = static_cast<EchoConn*>(evs[i].data.ptr);
                if (!c) {
                    accept_all();
                    continue;
                }
                if (c->dead)
                    continue;
                const uint32_t e = evs[i].events;
                if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
                    on_readable(c);
                if (!c->dead && (e & EPOLLOUT))
                    flush(c);
            }
            for (auto* c : graveyard_) {
                all_.erase(std::find(all_.begin(), all_.end(), c));
                destroy(c);
            }
            graveyard_.clear();
        }
    }

    uint64_t accepted = 0, frames = 0, bytes = 0;

private:
    void destroy(EchoConn* c)
    {
        if (c->fd >= 0)
            close(c->fd);
        delete c;
    }

    void accept_all()
    {
        for (int i = 0; i < 256; ++i) {
            const int fd = accept4(lfd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;  // EAGAIN (another thread took it), EMFILE, ...
            set_nodelay(fd);
            auto* c = new EchoConn;
            c->fd = fd;
            c->events = EPOLLIN;
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.ptr = c;
            epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
            all_.push_back(c);
            ++accepted;
        }
    }

    void kill(EchoConn* c)
    {
        if (c->dead)
            return;
        c->dead = true;
        close(c->fd);
        c->fd = -1;
        graveyard_.push_back(c);
    }

    void update_interest(EchoConn* c)
    {
        const uint32_t want = (c->reading ? EPOLLIN : 0u) | (c->out.empty() ? 0u : EPOLLOUT);
        if (want != c->events) {
            epoll_event ev{};
            ev.events = want;
            ev.data.ptr = c;
            epoll_ctl(ep_, EPOLL_CTL_MOD, c->fd, &ev);
            c->events = want;
        }
    }

    void on_readable(EchoConn* c)
    {
        for (int iter = 0; iter < 8 && c->reading && !c->closing; ++iter) {
            const ssize_t n = recv(c->fd, scratch_.data(), scratch_.size(), 0);
            if (n > 0) {
                feed(c, scratch_.data(), size_t(n));
                if (c->dead)
                    return;
                if (size_t(n) < scratch_.size())
                    break;
                continue;
            }
            if (n == 0) {
                // Peer finished sending: flush what we owe, then close.
                c->closing = true;
                break;
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            kill(c);
            return;
        }
        if (c->out.size() > kOutHigh)
            c->reading = false;
        flush(c);
    }

    void feed(EchoConn* c, const uint8_t* d, size_t n)
    {
        if (c->in.empty()) {
            const size_t used = process(c, d, n);
            if (used < n && !c->dead && !c->closing)
                c->in.append(d + used, n - used);
        } else {
            c->in.append(d, n);
            const size_t used = process(c, c->in.data(), c->in.size());
            c->in.consume(used);
            c->in.release_if_empty_and_larger_than(1u << 20);
        }
    }

    void respond_error(EchoConn* c, const char* status, const char* extra, const char* msg)
    {
        char b[512];
        const int len = std::snprintf(b, sizeof b,
                                      "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s"
                                      "Connection: close\r\n\r\n%s",
                                      status, std::strlen(msg), extra, msg);
        c->out.append(b, size_t(len));
        c->closing = true;
    }

    // Returns bytes consumed.
    size_t handshake(EchoConn* c, const uint8_t* p, size_t n)
    {
        const std::string_view all(reinterpret_cast<const char*>(p), n);
        const size_t end = all.find("\r\n\r\n");
        if (end == std::string_view::npos) {
            if (n > kMaxHead)
                respond_error(c, "431 Request Header Fields Too Large", "", "request head too large\n");
            return 0;
        }
        std::string_view key;
        bool upgrade = false, connection = false, version = false;
        const std::string_view start = for_each_header(all.substr(0, end), [&](std::string_view k, std::string_view v) {
            if (iequals(k, "sec-websocket-key"))
                key = v;
            else if (iequals(k, "upgrade"))
                upgrade = upgrade || has_token(v, "websocket");
            else if (iequals(k, "connection"))
                connection = connection || has_token(v, "upgrade");
            else if (iequals(k, "sec-websocket-version"))
                version = v == "13";
        });
        if (start.rfind("GET ", 0) != 0 || start.size() < 13 || start.substr(start.size() - 9) != " HTTP/1.1") {
            respond_error(c, "400 Bad Request", "", "expected GET ... HTTP/1.1\n");
            return n;
        }
        if (!upgrade || !connection || key.empty()) {
            respond_error(c, "400 Bad Request", "", "not a WebSocket upgrade request\n");
            return n;
        }
        if (!version) {
            respond_error(c, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n", "unsupported version\n");
            return n;
        }
        const std::string accept = websocket_accept(key);
        static constexpr std::string_view r1 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                               "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
        c->out.append(r1.data(), r1.size());
        c->out.append(accept.data(), accept.size());
        c->out.append("\r\n\r\n", 4);
        c->handshaken = true;
        return end + 4;
    }

    void protocol_close(EchoConn* c, uint16_t code)
    {
        uint8_t* d = c->out.prepare(4);
        d[0] = 0x80 | OpClose;
        d[1] = 2;
        d[2] = uint8_t(code >> 8);
        d[3] = uint8_t(code);
        c->out.commit(4);
        c->closing = true;
    }

    size_t process(EchoConn* c, const uint8_t* p, size_t n)
    {
        size_t off = 0;
        if (!c->handshaken) {
            off = handshake(c, p, n);
            if (!c->handshaken)
                return off;
        }
        while (!c->closing) {
            FrameHeader h;
            const int r = parse_frame_header(p + off, n - off, h);
            if (r == 0)
                break;
            if (r < 0 || !h.masked || h.rsv) {
                protocol_close(c, 1002);
                return n;
            }
            if (h.len > kMaxFrame) {
                protocol_close(c, 1009);
                return n;
            }
            if (n - off - h.header_len < h.len)
                break;
            const uint8_t* pl = p + off + h.header_len;
            const size_t len = size_t(h.len);
            off += h.header_len + len;
            const bool control = h.opcode >= 8;
            if (control && (!h.fin || len > 125)) {
                protocol_close(c, 1002);
                return n;
            }
            switch (h.opcode) {
            case OpCont:
            case OpText:
            case OpBinary: {
                const bool cont = h.opcode == OpCont;
                if (cont != c->in_fragmented) {
                    protocol_close(c, 1002);
                    return n;
                }
                c->in_fragmented = !h.fin;
                uint8_t* d = c->out.prepare(10 + len);
                const size_t hl = write_frame_header(d, h.fin, h.opcode, len, nullptr);
                mask_copy(d + hl, pl, len, h.mask);
                c->out.commit(hl + len);
                ++frames;
                bytes += len;
                break;
            }
            case OpPing: {
                uint8_t* d = c->out.prepare(2 + len);
                const size_t hl = write_frame_header(d, true, OpPong, len, nullptr);
                mask_copy(d + hl, pl, len, h.mask);
                c->out.commit(hl + len);
                break;
            }
            case OpPong:
                break;
            case OpClose: {
                // Answer with the same status code (no reason), then close.
                uint8_t* d = c->out.prepare(4);
                const size_t clen = len >= 2 ? 2 : 0;
                const size_t hl = write_frame_header(d, true, OpClose, clen, nullptr);
                mask_copy(d + hl, pl, clen, h.mask);
                c->out.commit(hl + clen);
                c->closing = true;
                return n;
            }
            default:
                protocol_close(c, 1002);
                return n;
            }
        }
        return off;
    }

    void flush(EchoConn* c)
    {
        while (!c->out.empty()) {
            const ssize_t n = send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
            if (n > 0) {
                c->out.consume(size_t(n));
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            kill(c);
            return;
        }
        if (c->out.empty()) {
            c->out.release_if_empty_and_larger_than(1u << 20);
            if (c->closing) {
                kill(c);
                return;
            }
        }
        if (!c->reading && c->out.size() < kOutLow) {
            c->reading = true;
            // Data may already sit in c->in (we stopped mid-stream): nothing was
            // left unparsed in the kernel that epoll would not report again.
        }
        if (c->closing)
            c->reading = false;
        update_interest(c);
    }

    int ep_ = -1, lfd_ = -1;
    std::vector<uint8_t> scratch_;
    std::vector<EchoConn*> all_, graveyard_;
};

int listen_on(const Endpoint& ep, bool reuseport)
{
    const int fd = socket(ep.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) < 0)
        die("bind %s", endpoint_str(ep.addr) + ": " + std::strerror(errno));
    if (listen(fd, 4096) < 0)
        die("listen: %s", std::strerror(errno));
    return fd;
}

int cmd_echo(int argc, char** argv)
{
    const Args a = parse_args(argc, argv, 2, {"listen", "threads", "duration"});
    std::string host;
    uint16_t port = 0;
    if (!split_hostport(a.str("listen", "127.0.0.1:0"), host, port, 0))
        die("bad --listen '%s' (want HOST:PORT)", a.str("listen"));
    Endpoint ep;
    if (!resolve(host, port, true, ep))
        die("cannot resolve '%s'", host);
    const int threads = int(std::clamp<uint64_t>(a.integer("threads", 1), 1, 64));
    const double dur = a.num("duration", 0);

    std::vector<int> lfds;
    lfds.push_back(listen_on(ep, threads > 1));
    sockaddr_storage bound{};
    socklen_t bl = sizeof bound;
    getsockname(lfds[0], reinterpret_cast<sockaddr*>(&bound), &bl);
    for (int i = 1; i < threads; ++i) {
        Endpoint e2;
        e2.addr = bound;
        e2.len = bl;
        lfds.push_back(listen_on(e2, true));
    }
    std::printf("listening on %s\n", endpoint_str(bound).c_str());
    std::fflush(stdout);

    const uint64_t deadline = dur > 0 ? now_ns() + uint64_t(dur * 1e9) : 0;
    std::vector<std::unique_ptr<EchoWorker>> workers;
    for (int fd : lfds)
        workers.push_back(std::make_unique<EchoWorker>(fd));
    std::vector<std::thread> ts;
    for (int i = 1; i < threads; ++i)
        ts.emplace_back([&, i] { workers[size_t(i)]->run(deadline); });
    workers[0]->run(deadline);
    g_stop = true;
    for (auto& t : ts)
        t.join();
    uint64_t acc = 0, fr = 0, by = 0;
    for (auto& w : workers) {
        acc += w->accepted;
        fr += w->frames;
        by += w->bytes;
    }
    workers.clear();
    for (int fd : lfds)
        close(fd);
    std::fprintf(stderr, "echo: accepted %" PRIu64 " connections, echoed %" PRIu64 " data frames, %" PRIu64 " bytes\n",
                 acc, fr, by);
    return 0;
}

// ============================================================================
// Client engine shared by load, burst and bulk
// ============================================================================

enum class Fail { Refused, Reset, Timeout, BadStatus, Protocol, Other };

Fail classify(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return Fail::Refused;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
        return Fail::Reset;
    case ETIMEDOUT:
        return Fail::Timeout;
    default:
        return Fail::Other;
    }
}

constexpr uint64_t kConnectTimeout = 5 * kSecond;
constexpr uint64_t kCloseTimeout = 2 * kSecond;

struct CConn {
    enum class St : uint8_t { New, Connecting, Handshake, Open, Closing, Closed };
    int fd = -1;
    St st = St::New;
    uint32_t events = 0;
    bool in_msg = false;
    bool idle = false;
    bool dirty = false;
    uint8_t msg_op = 0;
    uint32_t id = 0;
    uint64_t t_start = 0, deadline = 0;
    std::string accept;
    ByteBuf in, out, msg;
    // load mode
    uint64_t next_seq = 0, expect_seq = 0, last_progress = 0;
    uint32_t inflight = 0;
};

class ClientEngine {
public:
    explicit ClientEngine(const Url& url) : url_(url), scratch_(kScratch)
    {
        ep_ = epoll_create1(EPOLL_CLOEXEC);
        rng_.s = seed64();
    }
    virtual ~ClientEngine() { close(ep_); }

protected:
    using St = CConn::St;

    // Hooks.
    virtual void on_open(CConn*) {}
    // A failure. `was` is the state before the failure (pre-open states mean
    // the handshake failed). Called before the socket is closed.
    virtual void on_error(CConn*, Fail, St /*was*/) {}
    virtual void on_message(CConn*, uint8_t /*op*/, const uint8_t*, size_t) {}
    // Peer sent a close frame while we were Open (we answer it).
    virtual void on_peer_close(CConn*) {}
    virtual void on_drained(CConn*) {}
    virtual void on_timer() {}
    // Default: reassemble fragmented messages into c->msg.
    virtual void on_fragment(CConn* c, uint8_t op, bool first, bool fin, const uint8_t* d, size_t n)
    {
        if (first && fin) {
            on_message(c, op, d, n);
            return;
        }
        if (first)
            c->msg.clear();
        c->msg.append(d, n);
        if (fin) {
            on_message(c, op, c->msg.data(), c->msg.size());
            c->msg.clear();
            c->msg.release_if_empty_and_larger_than(1u << 20);
        }
    }

    // Starts a non-blocking connect. The result arrives through the hooks.
    void start(CConn* c)
    {
        c->t_start = now_ns();
        c->deadline = c->t_start + kConnectTimeout;
        c->fd = socket(url_.ep.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            const St was = c->st = St::Connecting;
            on_error(c, Fail::Other, was);
            c->st = St::Closed;
            return;
        }
        set_nodelay(c->fd);
        c->st = St::Connecting;
        const int r = connect(c->fd, reinterpret_cast<const sockaddr*>(&url_.ep.addr), url_.ep.len);
        if (r < 0 && errno != EINPROGRESS) {
            fail(c, classify(errno));
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.ptr = c;
        epoll_ctl(ep_, EPOLL_CTL_ADD, c->fd, &ev);
        c->events = EPOLLOUT;
        if (r == 0)
            connected(c);
    }

    // Waits for events up to timeout_ms and dispatches them.
    void poll(int timeout_ms)
    {
        epoll_event evs[512];
        const int n = epoll_wait(ep_, evs, 512, timeout_ms);
        for (int i = 0; i < n; ++i) {
            if (evs[i].data.ptr == &timer_tag_) {
                uint64_t x;
                if (read(timer_fd_, &x, sizeof x) < 0) {
                }
                on_timer();
                continue;
            }
            handle(static_cast<CConn*>(evs[i].data.ptr), evs[i].events);
        }
    }

    void check_deadline(CConn* c, uint64_t now)
    {
        if (now < c->deadline)
            return;
        if (c->st == St::Connecting || c->st == St::Handshake)
            fail(c, Fail::Timeout);
        else if (c->st == St::Closing)
            close_fd(c);
    }

    // Queues a masked frame (call flush() or mark dirty afterwards).
    void send_frame(CConn* c, uint8_t op, bool fin, const uint8_t* d, size_t n)
    {
        uint8_t mask[4];
        new_mask(mask);
        uint8_t* p = c->out.prepare(14 + n);
        const size_t hl = write_frame_header(p, fin, op, n, mask);
        mask_copy(p + hl, d, n, mask);
        c->out.commit(hl + n);
    }

    void new_mask(uint8_t mask[4])
    {
        const uint32_t m = uint32_t(rng_.next() >> 16);
        std::memcpy(mask, &m, 4);
    }

    void begin_close(CConn* c, uint16_t code)
    {
        if (c->st == St::Open) {
            const uint8_t b[2] = {uint8_t(code >> 8), uint8_t(code)};
            send_frame(c, OpClose, true, b, 2);
            c->st = St::Closing;
            c->deadline = now_ns() + kCloseTimeout;
            flush(c);
        } else if (c->st == St::Connecting || c->st == St::Handshake) {
            close_fd(c);
        }
    }

    void flush(CConn* c)
    {
        if (c->st == St::Closed)
            return;
        while (!c->out.empty()) {
            const ssize_t n = send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
            if (n > 0) {
                c->out.consume(size_t(n));
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            fail(c, classify(n < 0 ? errno : EPIPE));
            return;
        }
        update_interest(c);
    }

    void close_fd(CConn* c)
    {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        c->st = St::Closed;
        c->out.clear();
        c->in.clear();
    }

    void fail(CConn* c, Fail f)
    {
        if (c->st == St::Closed)
            return;
        const St was = c->st;
        if (was != St::Closing)
            on_error(c, f, was);
        close_fd(c);
    }

    void arm_timer(uint64_t abs_ns)
    {
        if (timer_fd_ < 0) {
            timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.ptr = &timer_tag_;
            epoll_ctl(ep_, EPOLL_CTL_ADD, timer_fd_, &ev);
        }
        itimerspec its{};
        its.it_value.tv_sec = time_t(abs_ns / kSecond);
        its.it_value.tv_nsec = long(abs_ns % kSecond);
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1;
        timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &its, nullptr);
    }
    void close_timer()
    {
        if (timer_fd_ >= 0)
            close(timer_fd_);
        timer_fd_ = -1;
    }

    const Url& url_;
    Rng rng_;

private:
    void update_interest(CConn* c)
    {
        uint32_t want;
        if (c->st == St::Connecting)
            want = EPOLLOUT;
        else
            want = EPOLLIN | (c->out.empty() ? 0u : EPOLLOUT);
        if (want != c->events) {
            epoll_event ev{};
            ev.events = want;
            ev.data.ptr = c;
            epoll_ctl(ep_, EPOLL_CTL_MOD, c->fd, &ev);
            c->events = want;
        }
    }

    void connected(CConn* c)
    {
        uint8_t raw[16];
        for (int i = 0; i < 2; ++i) {
            const uint64_t r = rng_.next();
            std::memcpy(raw + 8 * i, &r, 8);
        }
        const std::string key = base64_encode(raw, 16);
        c->accept = websocket_accept(key);
        std::string req;
        req.reserve(256);
        req += "GET ";
        req += url_.path;
        req += " HTTP/1.1\r\nHost: ";
        req += url_.authority;
        req += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
        req += key;
        req += "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wsbench\r\n\r\n";
        c->out.append(req.data(), req.size());
        c->st = St::Handshake;
        flush(c);
    }

    void handle(CConn* c, uint32_t ev)
    {
        if (c->st == St::Closed)
            return;
        if (c->st == St::Connecting) {
            int err = 0;
            socklen_t l = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
            if (err) {
                fail(c, classify(err));
                return;
            }
            if (ev & (EPOLLERR | EPOLLHUP)) {
                fail(c, Fail::Reset);
                return;
            }
            connected(c);
            return;
        }
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
            read_some(c);
        if (c->st != St::Closed && (ev & EPOLLOUT))
            flush_and_notify(c);
    }

    // Flushes; when everything went out, lets the mode queue more.
    void flush_and_notify(CConn* c)
    {
        flush(c);
        if (c->st != St::Closed && c->out.empty())
            on_drained(c);
    }

    void read_some(CConn* c)
    {
        for (int iter = 0; iter < 16; ++iter) {
            const ssize_t n = recv(c->fd, scratch_.data(), scratch_.size(), 0);
            if (n > 0) {
                feed(c, scratch_.data(), size_t(n));
                if (c->st == St::Closed)
                    return;
                if (size_t(n) < scratch_.size())
                    break;
                continue;
            }
            if (n == 0) {
                fail(c, Fail::Reset);  // EOF: an error unless we were closing
                return;
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail(c, classify(errno));
            return;
        }
        flush_and_notify(c);
    }

    void feed(CConn* c, const uint8_t* d, size_t n)
    {
        if (c->in.empty()) {
            const size_t used = process(c, d, n);
            if (used < n && c->st != St::Closed)
                c->in.append(d + used, n - used);
        } else {
            c->in.append(d, n);
            const size_t used = process(c, c->in.data(), c->in.size());
            if (c->st != St::Closed) {
                c->in.consume(used);
                c->in.release_if_empty_and_larger_than(1u << 20);
            }
        }
    }

    bool check_response(std::string_view head, const std::string& expect)
    {
        bool upgrade = false, connection = false, accept_ok = false;
        const std::string_view start = for_each_header(head, [&](std::string_view k, std::string_view v) {
            if (iequals(k, "upgrade"))
                upgrade = upgrade || has_token(v, "websocket");
            else if (iequals(k, "connection"))
                connection = connection || has_token(v, "upgrade");
            else if (iequals(k, "sec-websocket-accept"))
                accept_ok = v == expect;
        });
        if (start.size() < 12 || start.substr(0, 7) != "HTTP/1." || start.substr(8, 4) != " 101")
            return false;
        return upgrade && connection && accept_ok;
    }

    size_t process(CConn* c, const uint8_t* p, size_t n)
    {
        size_t off = 0;
        if (c->st == St::Handshake) {
            const std::string_view all(reinterpret_cast<const char*>(p), n);
            const size_t end = all.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (n > kMaxHead)
                    fail(c, Fail::BadStatus);
                return 0;
            }
            if (!check_response(all.substr(0, end), c->accept)) {
                fail(c, Fail::BadStatus);
                return n;
            }
            c->st = St::Open;
            off = end + 4;
            on_open(c);
            if (c->st == St::Closed)
                return n;
        }
        while (c->st == St::Open || c->st == St::Closing) {
            FrameHeader h;
            const int r = parse_frame_header(p + off, n - off, h);
            if (r == 0)
                break;
            if (r < 0 || h.masked || h.rsv || h.len > kMaxFrame) {
                fail(c, Fail::Protocol);
                return n;
            }
            if (n - off - h.header_len < h.len)
                break;
            const uint8_t* pl = p + off + h.header_len;
            const size_t len = size_t(h.len);
            off += h.header_len + len;
            if (h.opcode >= 8 && (!h.fin || len > 125)) {
                fail(c, Fail::Protocol);
                return n;
            }
            switch (h.opcode) {
            case OpText:
            case OpBinary:
                if (c->in_msg) {
                    fail(c, Fail::Protocol);
                    return n;
                }
                c->in_msg = !h.fin;
                c->msg_op = h.opcode;
                if (c->st == St::Open)
                    on_fragment(c, h.opcode, true, h.fin, pl, len);
                break;
            case OpCont:
                if (!c->in_msg) {
                    fail(c, Fail::Protocol);
                    return n;
                }
                c->in_msg = !h.fin;
                if (c->st == St::Open)
                    on_fragment(c, c->msg_op, false, h.fin, pl, len);
                break;
            case OpPing:
                if (c->st == St::Open)
                    send_frame(c, OpPong, true, pl, len);
                break;
            case OpPong:
                break;
            case OpClose:
                if (c->st == St::Open) {
                    on_peer_close(c);
                    send_frame(c, OpClose, true, pl, len >= 2 ? 2 : 0);
                    c->st = St::Closing;
                    c->deadline = now_ns() + kCloseTimeout;
                    flush(c);
                } else {
                    // Our close was answered: the close handshake is complete.
                    close_fd(c);
                }
                return n;
            default:
                fail(c, Fail::Protocol);
                return n;
            }
            if (c->st == St::Closed)
                return n;
        }
        return off;
    }

    int ep_ = -1;
    int timer_fd_ = -1;
    char timer_tag_ = 0;
    std::vector<uint8_t> scratch_;
};

// Counters shared by load and bulk.
struct ClientErrors {
    uint64_t connect = 0, handshake = 0, timeout = 0, closed = 0, protocol = 0, mismatch = 0, unsent = 0;
    uint64_t total() const { return connect + handshake + timeout + closed + protocol + mismatch + unsent; }
    void add(const ClientErrors& o)
    {
        connect += o.connect;
        handshake += o.handshake;
        timeout += o.timeout;
        closed += o.closed;
        protocol += o.protocol;
        mismatch += o.mismatch;
        unsent += o.unsent;
    }
    void count(Fail f, CConn::St was)
    {
        if (f == Fail::Protocol)
            ++protocol;
        else if (f == Fail::Timeout)
            ++timeout;
        else if (was == CConn::St::Connecting)
            ++connect;
        else if (was == CConn::St::Handshake)
            ++handshake;
        else
            ++closed;
    }
    std::string json(bool with_unsent) const
    {
        char b[512];
        std::snprintf(b, sizeof b,
                      "{\"connect\":%" PRIu64 ",\"handshake\":%" PRIu64 ",\"timeout\":%" PRIu64 ",\"closed\":%" PRIu64
                      ",\"protocol\":%" PRIu64 ",\"mismatch\":%" PRIu64 "%s",
                      connect, handshake, timeout, closed, protocol, mismatch, with_unsent ? "" : "}");
        std::string s = b;
        if (with_unsent)
            s += ",\"unsent\":" + std::to_string(unsent) + "}";
        return s;
    }
    void print() const
    {
        std::printf("  errors         %" PRIu64 "  (connect %" PRIu64 ", handshake %" PRIu64 ", timeout %" PRIu64
                    ", closed %" PRIu64 ", protocol %" PRIu64 ", mismatch %" PRIu64 ", unsent %" PRIu64 ")\n",
                    total(), connect, handshake, timeout, closed, protocol, mismatch, unsent);
    }
};

// Establishes every connection in `conns` (at most `window` handshakes at a
// time) by driving the engine's loop; used by load and bulk.
constexpr size_t kConnectWindow = 256;
constexpr uint64_t kEstablishLimit = 60 * kSecond;

// ============================================================================
// load
// ============================================================================

struct LoadConfig {
    Url url;
    uint64_t connections = 50, idle = 0, size = 64, inflight = 1;
    uint64_t count = 0;  // --messages: per connection, then stop (0 = until the duration ends)
    double rate = 0, warmup = 1, duration = 10;
    int threads = 1;
};

struct LoadResult {
    Histogram hist;
    ClientErrors err;
    uint64_t connected = 0, idle_connected = 0, sent = 0, received = 0, rx_bytes = 0, tx_bytes = 0;
    double window_s = 0;
};

struct LoadSync {
    explicit LoadSync(int n) : bar(n, Completion{this}) {}
    struct Completion {
        LoadSync* s;
        void operator()() noexcept { s->t0.store(now_ns()); }
    };
    std::atomic<uint64_t> t0{0};
    std::barrier<Completion> bar;
};

class LoadWorker : public ClientEngine {
public:
    LoadWorker(const LoadConfig& cfg, int index, LoadSync& sync)
        : ClientEngine(cfg.url), cfg_(cfg), index_(index), sync_(sync)
    {
        // Share connections as evenly as possible between threads.
        auto share = [&](uint64_t total) {
            const uint64_t t = uint64_t(cfg.threads);
            return total / t + (uint64_t(index) < total % t ? 1 : 0);
        };
        nload_ = share(cfg.connections);
        nidle_ = share(cfg.idle);
        for (size_t i = 0; i < nload_ + nidle_; ++i) {
            auto c = std::make_unique<CConn>();
            c->id = uint32_t(i);
            c->idle = i >= nload_;
            conns_.push_back(std::move(c));
        }
        tmpl_.resize(cfg.size);
        for (size_t i = 0; i < tmpl_.size(); ++i)
            tmpl_[i] = uint8_t('a' + (i * 7) % 26);
        rate_ = cfg.rate / double(cfg.threads);
    }

    LoadResult result;

    void run()
    {
        establish();
        sync_.bar.arrive_and_wait();
        const uint64_t t0 = sync_.t0.load();
        t_meas_ = t0 + uint64_t(cfg_.warmup * 1e9);
        t_end_ = t_meas_ + uint64_t(cfg_.duration * 1e9);
        for (size_t i = 0; i < nload_; ++i)
            if (conns_[i]->st == St::Open)
                live_.push_back(conns_[i].get());
        for (auto* c : live_)
            c->last_progress = t0;
        sending_ = true;
        if (rate_ > 0) {
            interval_ = 1e9 / rate_;
            // Stagger the threads' schedules inside one interval.
            t_sched0_ = t0 + uint64_t(interval_ * index_ / cfg_.threads);
            if (!live_.empty())
                arm_timer(t0);
        } else {
            for (auto* c : live_) {
                for (uint64_t k = 0; k < cfg_.inflight && may_send(c); ++k)
                    send_msg(c, now_ns());
                flush(c);
            }
        }
        uint64_t last_sweep = now_ns(), now = last_sweep, stop_at = 0;
        if (live_.empty())
            stop_at = t0;  // nothing to measure on this thread
        bool marked = index_ != 0;
        while (!stop_at && (now = now_ns()) < t_end_) {
            if (g_stop.load(std::memory_order_relaxed)) {
                stop_at = now;
                break;
            }
            if (!marked && now >= t_meas_) {
                marked = true;
                mark("start");
            }
            if (cfg_.count && done_ >= live_.size()) {
                stop_at = now;  // --messages: every connection got all its echoes
                break;
            }
            const uint64_t left_ms = (t_end_ - now) / kMilli + 1;
            const uint64_t to_meas_ms = marked ? 100 : (t_meas_ - now) / kMilli + 1;
            poll(int(std::min<uint64_t>(std::min(left_ms, to_meas_ms), 100)));
            if (now - last_sweep > 100 * kMilli) {
                last_sweep = now;
                for (auto& c : conns_)
                    check_deadline(c.get(), now);
            }
        }
        sending_ = false;
        if (index_ == 0)
            mark("end");
        close_timer();
        const uint64_t end = stop_at ? stop_at : t_end_;
        result.window_s = end > t_meas_ ? double(end - t_meas_) / 1e9 : 0;
        // Connections that had messages outstanding with no progress for 5 s.
        now = now_ns();
        for (auto* c : live_)
            if (c->st == St::Open && c->inflight > 0 && now - c->last_progress > kConnectTimeout)
                ++result.err.timeout;
        shutdown_all();
    }

protected:
    void on_error(CConn*, Fail f, St was) override { result.err.count(f, was); }
    void on_peer_close(CConn*) override { ++result.err.closed; }

    void on_message(CConn* c, uint8_t, const uint8_t* d, size_t n) override
    {
        if (c->idle)
            return;
        const uint64_t now = now_ns();
        c->last_progress = now;
        const bool in_window = now >= t_meas_ && now < t_end_;
        const uint64_t seq = n >= 16 ? get_u64(d + 8) : ~0ull;
        const bool body_ok = n == cfg_.size && (n <= 16 || std::memcmp(d + 16, tmpl_.data() + 16, n - 16) == 0);
        if (seq == c->expect_seq) {
            ++c->expect_seq;
            if (c->inflight)
                --c->inflight;
            if (!body_ok) {
                ++result.err.mismatch;
            } else if (in_window) {
                const uint64_t ts = get_u64(d);
                result.hist.record(now > ts ? now - ts : 0);
                ++result.received;
                result.rx_bytes += n;
            }
        } else {
            ++result.err.mismatch;
            if (seq > c->expect_seq && seq < c->next_seq) {
                // Messages in between were lost: forget them, keep K in flight.
                const uint64_t lost = seq - c->expect_seq + 1;
                c->inflight = c->inflight > lost ? uint32_t(c->inflight - lost) : 0;
                c->expect_seq = seq + 1;
            } else if (c->inflight) {
                --c->inflight;
            }
        }
        if (sending_ && rate_ <= 0 && now < t_end_)
            while (c->inflight < cfg_.inflight && may_send(c))
                send_msg(c, now);
        if (cfg_.count && c->expect_seq == cfg_.count)
            ++done_;
        // flushed by the engine at the end of the read batch
    }

    void on_timer() override
    {
        if (!sending_)
            return;
        const uint64_t now = now_ns();
        for (;;) {
            const uint64_t t = t_sched0_ + uint64_t(double(sched_j_) * interval_);
            if (t > now || t >= t_end_) {
                if (t < t_end_)
                    arm_timer(t);
                break;
            }
            CConn* c = live_[sched_j_ % live_.size()];
            ++sched_j_;
            if (c->st != St::Open || c->out.size() > (64u << 20)) {
                ++result.err.unsent;
                continue;
            }
            send_msg(c, t);
            if (!c->dirty) {
                c->dirty = true;
                dirty_.push_back(c);
            }
        }
        for (auto* c : dirty_) {
            c->dirty = false;
            flush(c);
        }
        dirty_.clear();
    }

private:
    bool may_send(const CConn* c) const { return cfg_.count == 0 || c->next_seq < cfg_.count; }

    void send_msg(CConn* c, uint64_t ts)
    {
        const size_t n = tmpl_.size();
        uint8_t head[16];
        put_u64(head, ts);
        put_u64(head + 8, c->next_seq++);
        uint8_t mask[4];
        new_mask(mask);
        uint8_t* p = c->out.prepare(14 + n);
        const size_t hl = write_frame_header(p, true, OpBinary, n, mask);
        mask_copy(p + hl, head, 16, mask);
        mask_copy(p + hl + 16, tmpl_.data() + 16, n - 16, mask);
        c->out.commit(hl + n);
        if (c->inflight++ == 0)
            c->last_progress = ts;
        if (ts >= t_meas_ && ts < t_end_) {
            ++result.sent;
            result.tx_bytes += n;
        }
    }

    void establish()
    {
        const uint64_t limit = now_ns() + kEstablishLimit;
        size_t next = 0, pending = 0;
        for (;;) {
            while (next < conns_.size() && pending < kConnectWindow) {
                start(conns_[next++].get());
                ++pending;
            }
            pending = 0;
            size_t done = 0;
            for (size_t i = 0; i < next; ++i) {
                const St s = conns_[i]->st;
                if (s == St::Connecting || s == St::Handshake)
                    ++pending;
                else
                    ++done;
            }
            if (done == conns_.size() || g_stop.load())
                break;
            const uint64_t now = now_ns();
            if (now > limit) {
                for (auto& c : conns_) {
                    if (c->st == St::Connecting || c->st == St::Handshake)
                        fail(c.get(), Fail::Timeout);
                    else if (c->st == St::New)
                        ++result.err.timeout;
                }
                break;
            }
            for (size_t i = 0; i < next; ++i)
                check_deadline(conns_[i].get(), now);
            if (next == conns_.size() || pending >= kConnectWindow)
                poll(50);
        }
        for (size_t i = 0; i < conns_.size(); ++i) {
            if (conns_[i]->st != St::Open)
                continue;
            if (i < nload_)
                ++result.connected;
            else
                ++result.idle_connected;
        }
    }

    void shutdown_all()
    {
        for (auto& c : conns_)
            begin_close(c.get(), 1000);
        const uint64_t limit = now_ns() + kCloseTimeout + 200 * kMilli;
        for (;;) {
            bool any = false;
            const uint64_t now = now_ns();
            for (auto& c : conns_) {
                if (c->st != St::Closed) {
                    check_deadline(c.get(), now);
                    any = any || c->st != St::Closed;
                }
            }
            if (!any || now > limit)
                break;
            poll(50);
        }
        for (auto& c : conns_)
            close_fd(c.get());
    }

    const LoadConfig& cfg_;
    int index_;
    LoadSync& sync_;
    size_t nload_ = 0, nidle_ = 0;
    std::vector<std::unique_ptr<CConn>> conns_;
    std::vector<CConn*> live_, dirty_;
    std::vector<uint8_t> tmpl_;
    bool sending_ = false;
    double rate_ = 0, interval_ = 0;
    uint64_t t_meas_ = 0, t_end_ = 0, t_sched0_ = 0, sched_j_ = 0;
    size_t done_ = 0;
};

int cmd_load(int argc, char** argv)
{
    const Args a = parse_args(argc, argv, 2,
                              {"url", "connections", "size", "inflight", "duration", "rate", "warmup", "idle",
                               "threads", "messages"});
    g_marks = a.marks;
    if (!a.has("url"))
        die("load needs --url ws://HOST:PORT/path");
    LoadConfig cfg;
    cfg.url = parse_url(a.str("url"));
    cfg.connections = a.integer("connections", 50);
    cfg.idle = a.integer("idle", 0);
    cfg.size = a.integer("size", 64);
    cfg.inflight = std::max<uint64_t>(1, a.integer("inflight", 1));
    cfg.duration = a.num("duration", 10);
    cfg.rate = a.num("rate", 0);
    cfg.warmup = a.num("warmup", 1);
    cfg.threads = int(std::clamp<uint64_t>(a.integer("threads", 1), 1, 64));
    cfg.count = a.integer("messages", 0);
    if (cfg.count && cfg.rate > 0)
        die("--messages works in closed loop only (not with --rate)");
    if (cfg.size < 16)
        die("--size must be at least 16 (timestamp + sequence number)");
    if (cfg.size > kMaxFrame)
        die("--size must be at most 64 MiB");
    if (cfg.connections == 0)
        die("--connections must be at least 1");
    if (cfg.duration <= 0 || cfg.duration > 3600 || cfg.warmup > 3600)
        die("--duration must be in (0, 3600] and --warmup at most 3600");
    cfg.threads = int(std::min<uint64_t>(uint64_t(cfg.threads), cfg.connections));

    LoadSync sync(cfg.threads);
    std::vector<std::unique_ptr<LoadWorker>> workers;
    for (int i = 0; i < cfg.threads; ++i)
        workers.push_back(std::make_unique<LoadWorker>(cfg, i, sync));
    std::vector<std::thread> ts;
    for (int i = 1; i < cfg.threads; ++i)
        ts.emplace_back([&, i] { workers[size_t(i)]->run(); });
    workers[0]->run();
    for (auto& t : ts)
        t.join();

    LoadResult r;
    for (auto& w : workers) {
        r.hist.merge(w->result.hist);
        r.err.add(w->result.err);
        r.connected += w->result.connected;
        r.idle_connected += w->result.idle_connected;
        r.sent += w->result.sent;
        r.received += w->result.received;
        r.rx_bytes += w->result.rx_bytes;
        r.tx_bytes += w->result.tx_bytes;
        r.window_s = std::max(r.window_s, w->result.window_s);
    }
    const double win = r.window_s > 0 ? r.window_s : 1e-9;
    const double mps = double(r.received) / win;
    const double rxmb = double(r.rx_bytes) / 1e6 / win, txmb = double(r.tx_bytes) / 1e6 / win;
    if (a.json) {
        std::printf("{\"mode\":\"load\",\"url\":%s,\"connections\":%" PRIu64 ",\"connected\":%" PRIu64
                    ",\"idle\":%" PRIu64 ",\"idle_connected\":%" PRIu64 ",\"size\":%" PRIu64 ",\"inflight\":%" PRIu64
                    ",\"rate\":%.3f,\"threads\":%d,\"warmup_s\":%.3f,\"duration_s\":%.3f,\"sent\":%" PRIu64
                    ",\"messages\":%" PRIu64 ",\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,\"rx_mb_per_s\":%.3f,"
                    "\"tx_mb_per_s\":%.3f,\"latency_us\":%s,\"errors\":%" PRIu64 ",\"errors_detail\":%s}\n",
                    json_str(cfg.url.text).c_str(), cfg.connections, r.connected, cfg.idle, r.idle_connected, cfg.size,
                    cfg.inflight, cfg.rate, cfg.threads, cfg.warmup, r.window_s, r.sent, r.received, mps, rxmb, rxmb, txmb,
                    json_latency(r.hist).c_str(), r.err.total(), r.err.json(true).c_str());
    } else {
        std::printf("wsbench load %s\n", cfg.url.text.c_str());
        std::printf("  connections    %" PRIu64 "/%" PRIu64 " open, idle %" PRIu64 "/%" PRIu64
                    ", size %" PRIu64 " B, %s, threads %d\n",
                    r.connected, cfg.connections, r.idle_connected, cfg.idle, cfg.size,
                    cfg.rate > 0 ? ("open loop " + std::to_string(uint64_t(cfg.rate)) + " msg/s").c_str()
                                 : ("closed loop, inflight " + std::to_string(cfg.inflight)).c_str(),
                    cfg.threads);
        std::printf("  window         %.2f s after %.2f s warm-up\n", r.window_s, cfg.warmup);
        std::printf("  messages       %" PRIu64 " echoed (%" PRIu64 " sent)  %.0f msg/s\n", r.received, r.sent, mps);
        std::printf("  throughput     %.3f MB/s rx, %.3f MB/s tx (payload)\n", rxmb, txmb);
        print_latency_table(r.hist);
        r.err.print();
    }
    std::fflush(stdout);
    return r.err.total() ? 2 : 0;
}

// ============================================================================
// burst
// ============================================================================

class BurstRunner : public ClientEngine {
public:
    BurstRunner(const Url& u, uint64_t count, uint64_t conc) : ClientEngine(u), count_(count), conc_(conc) {}

    Histogram hist;
    uint64_t successes = 0, refused = 0, reset = 0, timeout = 0, bad_status = 0, other = 0;
    double elapsed_s = 0;

    void run()
    {
        const uint64_t t_first = now_ns();
        uint64_t last_sweep = t_first;
        for (;;) {
            while (active_ < conc_ && started_ < count_ && !g_stop.load()) {
                auto c = std::make_unique<CConn>();
                CConn* p = c.get();
                conns_.push_back(std::move(c));
                ++started_;
                ++active_;
                start(p);
            }
            const uint64_t now = now_ns();
            if (finished_ == started_ && (started_ == count_ || g_stop.load())) {
                if (!t_done_)
                    t_done_ = t_last_done_ ? t_last_done_ : now;
                bool closing = false;
                for (auto& c : conns_)
                    closing = closing || c->st != St::Closed;
                if (!closing || now > t_done_ + kCloseTimeout + 200 * kMilli)
                    break;
            }
            poll(20);
            if (now - last_sweep > 50 * kMilli) {
                last_sweep = now;
                for (auto& c : conns_)
                    check_deadline(c.get(), now);
            }
            // Free closed connections.
            std::erase_if(conns_, [](const std::unique_ptr<CConn>& c) { return c->st == St::Closed; });
        }
        for (auto& c : conns_)
            close_fd(c.get());
        const uint64_t t_last = t_done_ ? t_done_ : now_ns();
        elapsed_s = double(t_last - t_first) / 1e9;
    }

protected:
    void on_open(CConn* c) override
    {
        const uint64_t now = now_ns();
        hist.record(now - c->t_start);
        ++successes;
        done(now);
        begin_close(c, 1000);
    }
    void on_error(CConn*, Fail f, St was) override
    {
        if (was == St::Open || was == St::Closing)
            return;  // after a successful handshake: not a handshake failure
        switch (f) {
        case Fail::Refused: ++refused; break;
        case Fail::Reset: ++reset; break;
        case Fail::Timeout: ++timeout; break;
        case Fail::BadStatus: ++bad_status; break;
        default: ++other; break;
        }
        done(now_ns());
    }

private:
    void done(uint64_t now)
    {
        ++finished_;
        --active_;
        t_last_done_ = now;
    }

    uint64_t count_, conc_;
    uint64_t started_ = 0, finished_ = 0, active_ = 0, t_last_done_ = 0, t_done_ = 0;
    std::vector<std::unique_ptr<CConn>> conns_;
};

int cmd_burst(int argc, char** argv)
{
    const Args a = parse_args(argc, argv, 2, {"url", "count", "concurrency"});
    if (!a.has("url"))
        die("burst needs --url ws://HOST:PORT/path");
    const Url url = parse_url(a.str("url"));
    const uint64_t count = a.integer("count", 2000);
    const uint64_t conc = std::max<uint64_t>(1, a.integer("concurrency", 100));
    BurstRunner b(url, count, conc);
    b.run();
    const uint64_t failures = b.refused + b.reset + b.timeout + b.bad_status + b.other;
    const double hps = b.elapsed_s > 0 ? double(b.successes) / b.elapsed_s : 0;
    if (a.json) {
        std::printf("{\"mode\":\"burst\",\"url\":%s,\"count\":%" PRIu64 ",\"concurrency\":%" PRIu64
                    ",\"successes\":%" PRIu64 ",\"failures\":%" PRIu64 ",\"failures_detail\":{\"refused\":%" PRIu64
                    ",\"reset\":%" PRIu64 ",\"timeout\":%" PRIu64 ",\"bad_status\":%" PRIu64 ",\"other\":%" PRIu64
                    "},\"duration_s\":%.3f,\"handshakes_per_s\":%.1f,\"latency_us\":%s}\n",
                    json_str(url.text).c_str(), count, conc, b.successes, failures, b.refused, b.reset, b.timeout,
                    b.bad_status, b.other, b.elapsed_s, hps, json_latency(b.hist).c_str());
    } else {
        std::printf("wsbench burst %s\n", url.text.c_str());
        std::printf("  handshakes     %" PRIu64 " ok, %" PRIu64 " failed of %" PRIu64 " (concurrency %" PRIu64 ")\n",
                    b.successes, failures, count, conc);
        std::printf("  failures       refused %" PRIu64 ", reset %" PRIu64 ", timeout %" PRIu64 ", bad status %" PRIu64
                    ", other %" PRIu64 "\n",
                    b.refused, b.reset, b.timeout, b.bad_status, b.other);
        std::printf("  rate           %.0f handshakes/s over %.3f s\n", hps, b.elapsed_s);
        print_latency_table(b.hist);
    }
    std::fflush(stdout);
    return failures ? 2 : 0;
}

// ============================================================================
// bulk
// ============================================================================

class BulkRunner : public ClientEngine {
public:
    BulkRunner(const Url& u, size_t msg, size_t frame, double warmup, double duration)
        : ClientEngine(u), msg_size_(msg), frame_size_(frame), warmup_(warmup), duration_(duration)
    {
        tmpl_.resize(msg);
        for (size_t i = 0; i < msg; ++i)
            tmpl_[i] = uint8_t(i * 131 + (i >> 8));
        window_ = std::max<size_t>(2 * msg, 4u << 20);
    }

    Histogram hist;
    ClientErrors err;
    uint64_t messages = 0, bytes = 0;
    double window_s = 0;

    void run()
    {
        start(&conn_);
        while (conn_.st == St::Connecting || conn_.st == St::Handshake) {
            if (g_stop.load())
                break;
            poll(50);
            check_deadline(&conn_, now_ns());
        }
        if (conn_.st != St::Open) {
            close_fd(&conn_);
            return;
        }
        const uint64_t t0 = now_ns();
        t_meas_ = t0 + uint64_t(warmup_ * 1e9);
        t_end_ = t_meas_ + uint64_t(duration_ * 1e9);
        sending_ = true;
        pump();
        uint64_t now, stop_at = 0, last_rx_check = t0, last_rx_bytes = 0;
        bool marked = false;
        while ((now = now_ns()) < t_end_ && conn_.st == St::Open) {
            if (g_stop.load()) {
                stop_at = now;
                break;
            }
            if (!marked && now >= t_meas_) {
                marked = true;
                mark("start");
            }
            const uint64_t to_meas_ms = marked ? 100 : (t_meas_ - now) / kMilli + 1;
            poll(int(std::min<uint64_t>(std::min((t_end_ - now) / kMilli + 1, to_meas_ms), 100)));
            if (now - last_rx_check > kConnectTimeout) {
                if (rx_total_ == last_rx_bytes) {
                    ++err.timeout;  // no echo for 5 s: stalled
                    break;
                }
                last_rx_check = now;
                last_rx_bytes = rx_total_;
            }
        }
        sending_ = false;
        mark("end");
        const uint64_t end = stop_at ? stop_at : std::min(now, t_end_);
        window_s = end > t_meas_ ? double(end - t_meas_) / 1e9 : 0;
        begin_close(&conn_, 1000);
        const uint64_t limit = now_ns() + kCloseTimeout + 200 * kMilli;
        while (conn_.st != St::Closed && now_ns() < limit) {
            poll(50);
            check_deadline(&conn_, now_ns());
        }
        close_fd(&conn_);
    }

protected:
    void on_error(CConn*, Fail f, St was) override { err.count(f, was); }
    void on_peer_close(CConn*) override { ++err.closed; }
    // Called when the send buffer went empty: keep the pipe full.
    void on_drained(CConn*) override { pump(); }

    void on_fragment(CConn* c, uint8_t, bool first, bool fin, const uint8_t* d, size_t n) override
    {
        const uint64_t now = now_ns();
        if (first) {
            rx_off_ = 0;
            head_len_ = 0;
        }
        // Collect the 16-byte header (ts, seq) even if it arrives split.
        size_t used = 0;
        while (head_len_ < 16 && used < n)
            rx_head_[head_len_++] = d[used++];
        const size_t body_off = std::max<size_t>(rx_off_, 16);
        if (n > used && rx_off_ + n <= msg_size_ &&
            std::memcmp(d + used, tmpl_.data() + body_off, n - used) != 0)
            bad_ = true;
        rx_off_ += n;
        rx_total_ += n;
        if (now >= t_meas_ && now < t_end_)
            bytes += n;
        if (fin) {
            const uint64_t seq = head_len_ == 16 ? get_u64(rx_head_ + 8) : ~0ull;
            if (bad_ || rx_off_ != msg_size_ || seq != rx_seq_) {
                ++err.mismatch;
            } else if (now >= t_meas_ && now < t_end_) {
                ++messages;
                hist.record(now - get_u64(rx_head_));
            }
            rx_seq_ = seq + 1;
            bad_ = false;
        }
        if (sending_)
            fill();
        (void)c;  // flushed by the engine after the read batch
    }

private:
    void pump()
    {
        for (int i = 0; i < 8; ++i) {
            fill();
            if (conn_.out.empty())
                return;
            flush(&conn_);
            if (conn_.st != St::Open || !conn_.out.empty())
                return;  // socket full: EPOLLOUT will call on_drained
        }
    }

    // Queues frames while the window of unechoed bytes allows.
    void fill()
    {
        CConn* c = &conn_;
        if (!sending_ || c->st != St::Open)
            return;
        while (c->out.size() < (512u << 10) && tx_total_ - rx_total_ < window_) {
            const size_t flen = std::min(frame_size_, msg_size_ - tx_off_);
            const bool first = tx_off_ == 0, fin = tx_off_ + flen == msg_size_;
            uint8_t mask[4];
            new_mask(mask);
            uint8_t* p = c->out.prepare(14 + flen);
            const size_t hl = write_frame_header(p, fin, first ? OpBinary : OpCont, flen, mask);
            if (first) {
                uint8_t head[16];
                put_u64(head, now_ns());
                put_u64(head + 8, tx_seq_++);
                mask_copy(p + hl, head, 16, mask);
                mask_copy(p + hl + 16, tmpl_.data() + 16, flen - 16, mask);
            } else {
                mask_copy(p + hl, tmpl_.data() + tx_off_, flen, mask);
            }
            c->out.commit(hl + flen);
            tx_off_ = fin ? 0 : tx_off_ + flen;
            tx_total_ += flen;
        }
    }

    CConn conn_;
    size_t msg_size_, frame_size_;
    double warmup_, duration_;
    std::vector<uint8_t> tmpl_;
    size_t window_ = 0, tx_off_ = 0, rx_off_ = 0, head_len_ = 0;
    uint64_t tx_total_ = 0, rx_total_ = 0, tx_seq_ = 0, rx_seq_ = 0, t_meas_ = 0, t_end_ = 0;
    uint8_t rx_head_[16] = {};
    bool sending_ = false, bad_ = false;
};

int cmd_bulk(int argc, char** argv)
{
    const Args a = parse_args(argc, argv, 2, {"url", "message-size", "frame-size", "duration", "warmup"});
    g_marks = a.marks;
    if (!a.has("url"))
        die("bulk needs --url ws://HOST:PORT/path");
    const Url url = parse_url(a.str("url"));
    const uint64_t msg = a.integer("message-size", 1u << 20);
    const uint64_t frame = a.integer("frame-size", 16u << 10);
    const double duration = a.num("duration", 10), warmup = a.num("warmup", 0);
    if (msg < 16 || frame < 16)
        die("--message-size and --frame-size must be at least 16");
    if (msg > kMaxFrame || frame > kMaxFrame)
        die("sizes are limited to 64 MiB");
    if (duration <= 0 || duration > 3600 || warmup > 3600)
        die("--duration must be in (0, 3600] and --warmup at most 3600");
    BulkRunner b(url, size_t(msg), size_t(std::min(frame, msg)), warmup, duration);
    b.run();
    const double win = b.window_s > 0 ? b.window_s : 1e-9;
    const double mbps = double(b.bytes) / 1e6 / win;
    if (a.json) {
        std::printf("{\"mode\":\"bulk\",\"url\":%s,\"message_size\":%" PRIu64 ",\"frame_size\":%" PRIu64
                    ",\"warmup_s\":%.3f,\"duration_s\":%.3f,\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64
                    ",\"mb_per_s\":%.3f,\"latency_us\":%s,\"errors\":%" PRIu64 ",\"errors_detail\":%s}\n",
                    json_str(url.text).c_str(), msg, frame, warmup, b.window_s, b.messages, b.bytes, mbps,
                    json_latency(b.hist).c_str(), b.err.total(), b.err.json(false).c_str());
    } else {
        std::printf("wsbench bulk %s\n", url.text.c_str());
        std::printf("  messages       %" PRIu64 " B in %" PRIu64 " B frames; %" PRIu64 " echoed in %.2f s\n", msg,
                    frame, b.messages, b.window_s);
        std::printf("  throughput     %.1f MB/s echoed payload\n", mbps);
        print_latency_table(b.hist);
        b.err.print();
    }
    std::fflush(stdout);
    return b.err.total() ? 2 : 0;
}

// ============================================================================
// slow (slow consumer)
// ============================================================================

// Blocking connect + handshake with a 5 s limit; returns the socket (made
// non-blocking) or -1 with `stage` set to "connect" or "handshake".
int open_ws_blocking(const Url& url, int rcvbuf, const char*& stage, std::string& leftover)
{
    stage = "connect";
    const int fd = socket(url.ep.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    set_nodelay(fd);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&url.ep.addr), url.ep.len) < 0) {
        close(fd);
        return -1;
    }
    stage = "handshake";
    uint8_t raw[16];
    Rng rng;
    rng.s = seed64();
    for (int i = 0; i < 2; ++i) {
        const uint64_t r = rng.next();
        std::memcpy(raw + 8 * i, &r, 8);
    }
    const std::string key = base64_encode(raw, 16);
    const std::string req = "GET " + url.path + " HTTP/1.1\r\nHost: " + url.authority +
                            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                            "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wsbench\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size())) {
        close(fd);
        return -1;
    }
    std::string in;
    char buf[4096];
    size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0 || in.size() > kMaxHead) {
            close(fd);
            return -1;
        }
        in.append(buf, size_t(n));
    }
    const std::string_view head(in.data(), end);
    bool accept_ok = false;
    const std::string expect = websocket_accept(key);
    const std::string_view start = for_each_header(head, [&](std::string_view k, std::string_view v) {
        if (iequals(k, "sec-websocket-accept"))
            accept_ok = v == expect;
    });
    if (start.size() < 12 || start.substr(8, 4) != " 101" || !accept_ok) {
        close(fd);
        return -1;
    }
    leftover = in.substr(end + 4);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

int cmd_slow(int argc, char** argv)
{
    const Args a = parse_args(argc, argv, 2, {"url", "message-size", "read-rate", "rcvbuf", "duration"});
    if (!a.has("url"))
        die("slow needs --url ws://HOST:PORT/path");
    const Url url = parse_url(a.str("url"));
    const uint64_t msg = std::clamp<uint64_t>(a.integer("message-size", 65536), 1, kMaxFrame);
    const double rate = a.num("read-rate", 262144);
    const int rcvbuf = int(std::min<uint64_t>(a.integer("rcvbuf", 16384), 1u << 30));
    const double duration = a.num("duration", 10);
    if (duration <= 0 || duration > 3600)
        die("--duration must be in (0, 3600]");
    const char* stage = "";
    std::string leftover;
    uint64_t e_connect = 0, e_handshake = 0, e_closed = 0, sent = 0, received = 0;
    double window = 0;
    const int fd = open_ws_blocking(url, rcvbuf, stage, leftover);
    if (fd < 0) {
        (std::strcmp(stage, "connect") == 0 ? e_connect : e_handshake) = 1;
    } else {
        received = leftover.size();
        // One pre-masked frame, sent over and over.
        std::vector<uint8_t> tmpl(msg);
        for (size_t i = 0; i < msg; ++i)
            tmpl[i] = uint8_t('a' + i % 26);
        const uint8_t mask[4] = {0x5a, 0xa5, 0x3c, 0xc3};
        std::vector<uint8_t> frame(14 + msg);
        const size_t hl = write_frame_header(frame.data(), true, OpBinary, msg, mask);
        mask_copy(frame.data() + hl, tmpl.data(), msg, mask);
        frame.resize(hl + msg);
        size_t frame_off = 0;
        std::vector<uint8_t> sink(65536);
        const uint64_t t0 = now_ns(), t_end = t0 + uint64_t(duration * 1e9);
        const uint64_t tick = 10 * kMilli;
        double budget = 0;
        uint64_t last = t0, now;
        bool dead = false;
        while (!dead && !g_stop.load() && (now = now_ns()) < t_end) {
            budget = std::min(budget + rate * double(now - last) / 1e9, std::max(rate * 0.05, 1.0));
            last = now;
            // Write as much as the socket takes.
            for (int i = 0; i < 64; ++i) {
                const ssize_t n = send(fd, frame.data() + frame_off, frame.size() - frame_off, MSG_NOSIGNAL);
                if (n > 0) {
                    sent += uint64_t(n);
                    frame_off = (frame_off + size_t(n)) % frame.size();
                    continue;
                }
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    break;
                dead = true;
                break;
            }
            // Read only what the rate allows.
            while (!dead && budget >= 1) {
                const size_t want = std::min(sink.size(), size_t(budget));
                const ssize_t n = recv(fd, sink.data(), want, 0);
                if (n > 0) {
                    received += uint64_t(n);
                    budget -= double(n);
                    continue;
                }
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    break;
                dead = true;
            }
            const uint64_t next = now + tick;
            const uint64_t n2 = now_ns();
            if (n2 < next) {
                const timespec ts{0, long(next - n2)};
                nanosleep(&ts, nullptr);
            }
        }
        if (dead)
            e_closed = 1;
        window = double(now_ns() - t0) / 1e9;
        close(fd);
    }
    const double win = window > 0 ? window : 1e-9;
    const uint64_t errors = e_connect + e_handshake + e_closed;
    if (a.json) {
        std::printf("{\"mode\":\"slow\",\"url\":%s,\"message_size\":%" PRIu64 ",\"read_rate\":%.0f,\"rcvbuf\":%d,"
                    "\"duration_s\":%.3f,\"sent_bytes\":%" PRIu64 ",\"received_bytes\":%" PRIu64
                    ",\"send_mb_per_s\":%.3f,\"recv_mb_per_s\":%.3f,\"errors\":%" PRIu64
                    ",\"errors_detail\":{\"connect\":%" PRIu64 ",\"handshake\":%" PRIu64 ",\"closed\":%" PRIu64 "}}\n",
                    json_str(url.text).c_str(), msg, rate, rcvbuf, window, sent, received,
                    double(sent) / 1e6 / win, double(received) / 1e6 / win, errors, e_connect, e_handshake, e_closed);
    } else {
        std::printf("wsbench slow %s\n", url.text.c_str());
        std::printf("  reader         %.0f B/s, SO_RCVBUF %d, messages %" PRIu64 " B\n", rate, rcvbuf, msg);
        std::printf("  sent           %" PRIu64 " B (%.3f MB/s) in %.2f s\n", sent, double(sent) / 1e6 / win, window);
        std::printf("  received       %" PRIu64 " B (%.3f MB/s)\n", received, double(received) / 1e6 / win);
        std::printf("  errors         %" PRIu64 "  (connect %" PRIu64 ", handshake %" PRIu64 ", closed %" PRIu64 ")\n",
                    errors, e_connect, e_handshake, e_closed);
    }
    std::fflush(stdout);
    return errors ? 2 : 0;
}

// ============================================================================
// selftest
// ============================================================================

int cmd_selftest()
{
    int bad = 0;
    auto check = [&](bool ok, const char* what) {
        std::printf("%s  %s\n", ok ? "ok  " : "FAIL", what);
        bad += ok ? 0 : 1;
    };
    auto hex = [](const std::array<uint8_t, 20>& d) {
        std::string s;
        char b[3];
        for (uint8_t x : d) {
            std::snprintf(b, sizeof b, "%02x", x);
            s += b;
        }
        return s;
    };
    {
        Sha1 s;
        s.update("abc", 3);
        check(hex(s.finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d", "sha1(abc)");
    }
    {
        Sha1 s;
        const char* m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        s.update(m, std::strlen(m));
        check(hex(s.finish()) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "sha1(448-bit message)");
    }
    {
        Sha1 s;
        std::string m(1000000, 'a');
        s.update(m.data(), m.size());
        check(hex(s.finish()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f", "sha1(a x 1e6)");
    }
    check(base64_encode(reinterpret_cast<const uint8_t*>("foobar"), 6) == "Zm9vYmFy" &&
              base64_encode(reinterpret_cast<const uint8_t*>("fooba"), 5) == "Zm9vYmE=" &&
              base64_encode(reinterpret_cast<const uint8_t*>("foob"), 4) == "Zm9vYg==",
          "base64 (RFC 4648 vectors)");
    check(websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
          "Sec-WebSocket-Accept (RFC 6455 example)");
    {
        bool ok = true;
        for (uint64_t v : {0ull, 1ull, 255ull, 256ull, 257ull, 1000ull, 123456ull, 999999999ull, 60000000000ull}) {
            const size_t i = Histogram::index_of(v);
            const uint64_t hi = Histogram::highest_equivalent(i);
            ok = ok && hi >= v && double(hi - v) <= double(v) / 128.0 + 1 && i < Histogram::kBuckets;
        }
        Histogram h;
        for (uint64_t v = 1; v <= 100000; ++v)
            h.record(v * 1000);
        const double p50 = double(h.percentile(50)), p99 = double(h.percentile(99));
        ok = ok && std::fabs(p50 - 50e6) / 50e6 < 0.01 && std::fabs(p99 - 99e6) / 99e6 < 0.01 &&
             h.percentile(100) == 100000000ull;
        check(ok, "histogram precision and percentiles");
    }
    {
        uint8_t src[37], dst[37], back[37];
        for (int i = 0; i < 37; ++i)
            src[i] = uint8_t(i * 13);
        const uint8_t m[4] = {0x12, 0x34, 0x56, 0x78};
        mask_copy(dst, src, 37, m);
        bool ok = dst[5] == (src[5] ^ m[1]) && dst[36] == (src[36] ^ m[0]);
        mask_copy(back, dst, 37, m);
        check(ok && std::memcmp(back, src, 37) == 0, "masking");
    }
    return bad ? 1 : 0;
}

void usage()
{
    std::fprintf(stderr,
                 "usage:\n"
                 "  wsbench echo  [--listen 127.0.0.1:PORT] [--threads N] [--duration S]\n"
                 "  wsbench load  --url ws://HOST:PORT/path [--connections N] [--size B] [--inflight K]\n"
                 "                [--duration S] [--rate MSG_PER_S] [--warmup S] [--idle M] [--threads N]\n"
                 "                [--messages N] [--json] [--marks]\n"
                 "  wsbench burst --url ws://HOST:PORT/path [--count N] [--concurrency C] [--json]\n"
                 "  wsbench bulk  --url ws://HOST:PORT/path [--message-size B] [--frame-size B] [--duration S]\n"
                 "                [--warmup S] [--json] [--marks]\n"
                 "  wsbench slow  --url ws://HOST:PORT/path [--message-size B] [--read-rate B_PER_S]\n"
                 "                [--rcvbuf B] [--duration S] [--json]\n"
                 "  wsbench selftest\n");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        usage();
        return 1;
    }
    raise_nofile();
    install_signals();
    const std::string cmd = argv[1];
    if (cmd == "echo")
        return cmd_echo(argc, argv);
    if (cmd == "load")
        return cmd_load(argc, argv);
    if (cmd == "burst")
        return cmd_burst(argc, argv);
    if (cmd == "bulk")
        return cmd_bulk(argc, argv);
    if (cmd == "slow")
        return cmd_slow(argc, argv);
    if (cmd == "selftest")
        return cmd_selftest();
    usage();
    return 1;
}
