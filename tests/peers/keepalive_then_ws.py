#!/usr/bin/python3
"""One client connection that does N keep-alive HTTP GETs (/api/1 ... /api/N),
then upgrades to WebSocket on the same socket (GET /ws), sends one text
message, reads its echo and closes (RFC 6455 5.5.1). Sends a fixed Host
header, so the URLs it leaves in a HAR do not depend on the proxy's port.
Waits --gap-ms between exchanges, so each starts at a different millisecond.
Prints "done" and exits 0 on success."""
import argparse
import base64
import os
import socket
import struct
import sys
import time


def read_head(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed before the response head")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def content_length(head):
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return int(value.strip())
    return 0


def read_exact(sock, buf, n):
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed mid-body")
        buf += chunk
    return buf[:n], buf[n:]


def masked_frame(opcode, payload):
    mask = os.urandom(4)
    data = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + data


def read_frame(sock, buf):
    head, buf = read_exact(sock, buf, 2)
    length = head[1] & 0x7F
    if length == 126:
        ext, buf = read_exact(sock, buf, 2)
        length = struct.unpack("!H", ext)[0]
    payload, buf = read_exact(sock, buf, length)
    return head[0] & 0x0F, payload, buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="parity.test")
    ap.add_argument("--requests", type=int, default=3)
    ap.add_argument("--gap-ms", type=int, default=20)
    args = ap.parse_args()
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    buf = b""
    for i in range(1, args.requests + 1):
        sock.sendall(("GET /api/%d HTTP/1.1\r\nHost: %s\r\nUser-Agent: keepalive_then_ws\r\n\r\n"
                      % (i, args.host)).encode())
        head, buf = read_head(sock, buf)
        if not head.startswith("HTTP/1.1 200"):
            raise RuntimeError("unexpected response: " + head.split("\r\n")[0])
        _, buf = read_exact(sock, buf, content_length(head))
        time.sleep(args.gap_ms / 1000.0)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (args.host, key)).encode())
    head, buf = read_head(sock, buf)
    if not head.startswith("HTTP/1.1 101"):
        raise RuntimeError("no upgrade: " + head.split("\r\n")[0])
    sock.sendall(masked_frame(0x1, b"hello"))
    opcode, payload, buf = read_frame(sock, buf)
    if opcode != 0x1 or payload != b"hello":
        raise RuntimeError("bad echo: %r %r" % (opcode, payload))
    sock.sendall(masked_frame(0x8, struct.pack("!H", 1000)))
    opcode, _, buf = read_frame(sock, buf)
    if opcode != 0x8:
        raise RuntimeError("expected a close frame, got opcode %d" % opcode)
    sock.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
