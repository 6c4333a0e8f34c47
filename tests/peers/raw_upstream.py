#!/usr/bin/python3
"""Raw TCP upstream for tunnel edge cases, on Python's socket module.
  --mode halfclose: answer any request head with 101, read until the client's
                    FIN, then send "received <n> <sha256>\n" and close.
  --mode silent:    accept and never answer (for read timeouts / 504).
  --mode die:       answer 101, then close the connection after 200 ms.
  --mode mute:      answer 101, then read and discard everything and never
                    write again (a peer that stops answering pings).
  --mode flood:     answer 101, then send binary frames as fast as the peer
                    takes them, never reading (for send_timeout toward clients).
  --mode deaf:      answer 101, then never read (for proxy_send_timeout).
  --mode badaccept: answer 101 with a wrong Sec-WebSocket-Accept and no
                    subprotocol, then echo bytes (a broken backend).
  --mode blackhole: never accept, with the accept queue kept full, so new
                    connects hang in SYN-SENT (for connect timeouts / 504).
Prints "listening on HOST:PORT" once bound."""
import argparse
import base64
import hashlib
import socket
import threading
import time


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def switch_response(head):
    # RFC 6455 4.2.2: a real accept value, so strict clients (Qt) proceed.
    key = b""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")


def serve(conn, mode):
    with conn:
        if mode == "silent":
            time.sleep(30)
            return
        head, rest = read_head(conn)
        if head is None:
            return
        if mode == "badaccept":
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                conn.sendall(chunk)
        conn.sendall(switch_response(head))
        if mode == "die":
            time.sleep(0.2)
            return
        if mode == "flood":
            frame = b"\x82\x7e\xff\xff" + b"f" * 0xffff
            try:
                while True:
                    conn.sendall(frame)
            except OSError:
                return
        if mode == "deaf":
            time.sleep(30)
            return
        if mode == "mute":
            while conn.recv(65536):
                pass
            return
        digest = hashlib.sha256(rest)
        total = len(rest)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
        conn.sendall(f"received {total} {digest.hexdigest()}\n".encode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="halfclose")
    args = ap.parse_args()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    if args.mode == "blackhole":
        srv.listen(0)
        filler = []
        for _ in range(4):  # fill the accept queue; further SYNs are dropped
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            filler.append(c)
        time.sleep(0.2)
        print(f"listening on 127.0.0.1:{port}", flush=True)
        time.sleep(120)
        return
    srv.listen(64)
    print(f"listening on 127.0.0.1:{port}", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
