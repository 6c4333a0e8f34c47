#!/usr/bin/python3
"""Plain HTTP/1.1 upstream on Python's http.server (keep-alive capable).
GET /chunked answers with a chunked body; other GETs with Content-Length;
POST reads the body (Content-Length or chunked) and answers with a JSON
object holding its length, SHA-256 and the request headers it received.
GET /status/NNN answers with status NNN. Every JSON answer carries
"server_port", so balancing tests can tell which server answered.
Prints "listening on HOST:PORT" once bound."""
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body, ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first chunk\n", b"second chunk\n", b"x" * 5000):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        info = {"path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                "server_port": self.server.server_address[1]}
        if "redirect=" in self.path:
            # GET ...?redirect=URL answers 302 with that Location (and a Refresh)
            target = self.path.split("redirect=", 1)[1]
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Refresh", "3; url=" + target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "/cookies" in self.path:
            # GET .../cookies answers with two Set-Cookie lines and a Cache-Control
            self.send_response(200)
            self.send_header("Set-Cookie", "sid=abc123; Path=/; HttpOnly")
            self.send_header("Set-Cookie", "theme=dark")
            self.send_header("Cache-Control", "private")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 200
        if self.path.startswith("/status/"):
            status = int(self.path.split("/")[2])
        self._send(status, json.dumps(info).encode(), "application/json")

    def do_POST(self):
        body = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        info = {"length": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                "headers": [[k, v] for k, v in self.headers.items()],
                "server_port": self.server.server_address[1]}
        self._send(200, json.dumps(info).encode(), "application/json")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    server.daemon_threads = True
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
