#!/usr/bin/python3
"""A tiny authoritative DNS server over UDP and TCP on 127.0.0.1 (one port),
for resolver tests.
Records come as arguments, NAME=ANSWER, where ANSWER is
  IP[,IP...][/TTL]   A records (default TTL 3600)
  cname:TARGET[/TTL] a CNAME (the target is not resolved by this server)
  servfail | nxdomain | formerr | silent (never answers)
  once:IP[/TTL]      A records for the first question, SERVFAIL afterwards
  tc:IP[/TTL]        over UDP a truncated answer (TC set) naming 127.0.0.2
                     instead; the real A records only over TCP
Names not listed get NXDOMAIN; AAAA questions get an empty answer (NOERROR).
Every question is printed as "query NAME TYPE" (TYPE: A, AAAA or a number),
with " tcp" added for one that came over TCP (two-byte length framing, RFC
1035 4.2.2), so a test can count what reached the server. Prints "listening on
127.0.0.1:PORT" once bound."""
import selectors
import socket
import struct
import sys

TYPES = {1: "A", 28: "AAAA", 5: "CNAME"}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def parse_question(packet):
    pos = 12
    labels = []
    while packet[pos] != 0:
        n = packet[pos]
        labels.append(packet[pos + 1:pos + 1 + n].decode())
        pos += 1 + n
    qtype, qclass = struct.unpack("!HH", packet[pos + 1:pos + 5])
    return ".".join(labels), qtype, packet[12:pos + 5]


def reply(ident, rcode, question, answers):
    # rcode may carry other header bits too (0x0200: TC)
    flags = 0x8180 | rcode
    return struct.pack("!HHHHHH", ident, flags, 1, len(answers), 0, 0) + question + b"".join(answers)


def answer(records, asked, packet, tcp):
    """The reply to one question (None: no reply)."""
    ident = struct.unpack("!H", packet[:2])[0]
    name, qtype, question = parse_question(packet)
    print("query %s %s%s" % (name, TYPES.get(qtype, qtype), " tcp" if tcp else ""), flush=True)
    key = name.lower()
    answer = records.get(key)
    if answer is None:
        return reply(ident, 3, question, [])
    if answer == "silent":
        return None
    codes = {"servfail": 2, "nxdomain": 3, "formerr": 1}
    if answer in codes:
        return reply(ident, codes[answer], question, [])
    flags = 0
    if answer.startswith("tc:"):
        answer = answer[3:]
        if not tcp:
            flags = 0x0200  # TC: the rest did not fit
            answer = "127.0.0.2/" + answer.partition("/")[2] if "/" in answer else "127.0.0.2"
    if qtype != 1 and not answer.startswith("cname:"):
        return reply(ident, flags, question, [])  # no AAAA records
    if answer.startswith("once:"):
        asked[key] = asked.get(key, 0) + 1
        if asked[key] > 1:
            return reply(ident, 2, question, [])
        answer = answer[5:]
    value, _, ttl = answer.partition("/")
    ttl = int(ttl) if ttl else 3600
    answers = []
    if value.startswith("cname:"):
        target = encode_name(value[6:])
        answers.append(struct.pack("!HHHIH", 0xc00c, 5, 1, ttl, len(target)) + target)
    else:
        for ip in value.split(","):
            answers.append(struct.pack("!HHHIH", 0xc00c, 1, 1, ttl, 4) + socket.inet_aton(ip))
    return reply(ident, flags, question, answers)


def bind_pair():
    """A TCP listener and a UDP socket on the same free port."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", t.getsockname()[1]))
        except OSError:
            t.close()
            u.close()
            continue
        t.listen(16)
        return t, u
    raise SystemExit("no free port for UDP and TCP")


def main():
    records = {}
    for arg in sys.argv[1:]:
        name, value = arg.split("=", 1)
        records[name.lower()] = value
    asked = {}
    listener, s = bind_pair()
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ, "udp")
    sel.register(listener, selectors.EVENT_READ, "accept")
    pending = {}
    print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if key.data == "udp":
                packet, peer = sock.recvfrom(4096)
                out = answer(records, asked, packet, False)
                if out is not None:
                    sock.sendto(out, peer)
            elif key.data == "accept":
                conn, _ = sock.accept()
                sel.register(conn, selectors.EVENT_READ, "tcp")
                pending[conn] = b""
            else:
                data = sock.recv(65536)
                if not data:
                    sel.unregister(sock)
                    sock.close()
                    del pending[sock]
                    continue
                buf = pending[sock] + data
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                    n = struct.unpack("!H", buf[:2])[0]
                    out = answer(records, asked, buf[2:2 + n], True)
                    buf = buf[2 + n:]
                    if out is not None:
                        sock.sendall(struct.pack("!H", len(out)) + out)
                pending[sock] = buf


if __name__ == "__main__":
    main()
