#!/usr/bin/python3
"""Raw TCP upstream for tunnel edge cases, on Python's socket module.
  --mode halfclose: answer any request head with 101, read until the client's
                    FIN, then send "received <n> <sha256>\n" and close.
  --mode silent:    accept and never answer (for read timeouts / 504).
  --mode die:       answer 101, then close the connection after 200 ms.
Prints "listening on HOST:PORT" once bound."""
import argparse
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


SWITCH = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Accept: dummy\r\n\r\n")


def serve(conn, mode):
    with conn:
        if mode == "silent":
            time.sleep(30)
            return
        head, rest = read_head(conn)
        if head is None:
            return
        conn.sendall(SWITCH)
        if mode == "die":
            time.sleep(0.2)
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
    srv.listen(64)
    print(f"listening on 127.0.0.1:{srv.getsockname()[1]}", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
