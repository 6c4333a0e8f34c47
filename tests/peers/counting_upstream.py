#!/usr/bin/python3
"""HTTP/1.1 upstream that numbers the connections it accepts, so a test can
see whether a proxy reused one: every response carries "X-Connection: N"
(the connection's number, from 1), "X-Request: M" (requests on it) and
"X-Path" (the request-target it got).
Keeps the connection open unless asked otherwise:
  GET /close      answers with "Connection: close" and closes
  GET /http10     answers as HTTP/1.0 (no keep-alive) and closes
  GET /chunked    a chunked body
  GET /drop       answers as usual, then closes the idle connection 0.1 s later
A request that asks to close (HTTP/1.0 without keep-alive, or
"Connection: close") is answered with "Connection: close", as servers do.
  GET /upgrade    (with Upgrade: websocket) 101, then echoes raw bytes
  anything else   a Content-Length body "conn N request M"
Prints "listening on HOST:PORT" once bound."""
import socket
import sys
import threading

counter = 0
lock = threading.Lock()


def read_head(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line.decode("latin-1").rstrip("\r\n"))


def serve(conn, number):
    f = conn.makefile("rb")
    requests = 0
    try:
        while True:
            head = read_head(f)
            if not head:
                return
            requests += 1
            method, path = head[0].split(" ")[:2]
            headers = {h.split(":", 1)[0].strip().lower(): h.split(":", 1)[1].strip() for h in head[1:] if ":" in h}
            if "content-length" in headers:
                f.read(int(headers["content-length"]))
            tags = "X-Connection: %d\r\nX-Request: %d\r\nX-Path: %s\r\n" % (number, requests, path)
            body = b"conn %d request %d" % (number, requests)
            version = head[0].split(" ")[2] if len(head[0].split(" ")) > 2 else "HTTP/1.0"
            connection = headers.get("connection", "").lower()
            if "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection):
                path = "/close"
            if path.startswith("/drop"):
                reply = b"HTTP/1.1 200 OK\r\n" + tags.encode() + b"Content-Length: %d\r\n\r\n" % len(body)
                conn.sendall(reply + body)
                threading.Timer(0.1, lambda: conn.shutdown(socket.SHUT_RDWR)).start()
                continue
            if path.startswith("/close"):
                conn.sendall(b"HTTP/1.1 200 OK\r\n" + tags.encode() + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
                return
            if path.startswith("/http10"):
                conn.sendall(b"HTTP/1.0 200 OK\r\n" + tags.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                return
            if path.startswith("/chunked"):
                conn.sendall(b"HTTP/1.1 200 OK\r\n" + tags.encode() + b"Transfer-Encoding: chunked\r\n\r\n"
                             + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
                continue
            if path.startswith("/upgrade") and headers.get("upgrade"):
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\n" + tags.encode()
                             + b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data)
            reply = b"HTTP/1.1 200 OK\r\n" + tags.encode() + b"Content-Length: %d\r\n\r\n" % len(body)
            conn.sendall(reply if method == "HEAD" else reply + body)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    global counter
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    s.listen(64)
    print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    while True:
        conn, _ = s.accept()
        with lock:
            counter += 1
            number = counter
        threading.Thread(target=serve, args=(conn, number), daemon=True).start()


if __name__ == "__main__":
    main()
