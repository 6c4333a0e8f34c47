#!/usr/bin/python3
"""A tiny authoritative DNS server over UDP on 127.0.0.1, for resolver tests.
Records come as arguments, NAME=ANSWER, where ANSWER is
  IP[,IP...][/TTL]   A records (default TTL 3600)
  cname:TARGET[/TTL] a CNAME (the target is not resolved by this server)
  servfail | nxdomain | formerr | silent (never answers)
  once:IP[/TTL]      A records for the first question, SERVFAIL afterwards
Names not listed get NXDOMAIN; AAAA questions get an empty answer (NOERROR).
Every question is printed as "query NAME TYPE" (TYPE: A, AAAA or a number),
so a test can count what reached the server. Prints "listening on
127.0.0.1:PORT" once bound."""
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
    flags = 0x8180 | rcode
    return struct.pack("!HHHHHH", ident, flags, 1, len(answers), 0, 0) + question + b"".join(answers)


def main():
    records = {}
    for arg in sys.argv[1:]:
        name, answer = arg.split("=", 1)
        records[name.lower()] = answer
    asked = {}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    while True:
        packet, peer = s.recvfrom(4096)
        ident = struct.unpack("!H", packet[:2])[0]
        name, qtype, question = parse_question(packet)
        print("query %s %s" % (name, TYPES.get(qtype, qtype)), flush=True)
        key = name.lower()
        answer = records.get(key)
        if answer is None:
            s.sendto(reply(ident, 3, question, []), peer)
            continue
        if answer == "silent":
            continue
        codes = {"servfail": 2, "nxdomain": 3, "formerr": 1}
        if answer in codes:
            s.sendto(reply(ident, codes[answer], question, []), peer)
            continue
        if qtype != 1 and not answer.startswith("cname:"):
            s.sendto(reply(ident, 0, question, []), peer)  # no AAAA records
            continue
        if answer.startswith("once:"):
            asked[key] = asked.get(key, 0) + 1
            if asked[key] > 1:
                s.sendto(reply(ident, 2, question, []), peer)
                continue
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
        s.sendto(reply(ident, 0, question, answers), peer)


if __name__ == "__main__":
    main()
