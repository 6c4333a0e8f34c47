#!/usr/bin/python3
"""GET PATH over TLS twice, the second connection offering the first one's
session (TLS 1.3 tickets or TLS 1.2 ids), for $ssl_session_reused tests.
Prints one JSON line: {"bodies": [B1, B2], "reused": [false, bool]}
(reused: what the client's OpenSSL says of each handshake).
  tls_resume_get.py 127.0.0.1 8443 /path --server-name a.test [--tls-version 1.2]"""
import argparse
import json
import socket
import ssl
import sys


def get(ctx, args, session):
    raw = socket.create_connection((args.host, args.port), timeout=10)
    with ctx.wrap_socket(raw, server_hostname=args.server_name, session=session) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                   % (args.path, args.server_name)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)  # reading also takes in the TLS 1.3 tickets
            if not chunk:
                break
            data += chunk
        body = data.partition(b"\r\n\r\n")[2].decode(errors="replace")
        return body, s.session_reused, s.session


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("path")
    ap.add_argument("--server-name", default="localhost")
    ap.add_argument("--tls-version", choices=["1.2", "1.3"])
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if args.tls_version:
        v = ssl.TLSVersion.TLSv1_2 if args.tls_version == "1.2" else ssl.TLSVersion.TLSv1_3
        ctx.minimum_version = ctx.maximum_version = v
    b1, r1, session = get(ctx, args, None)
    b2, r2, _ = get(ctx, args, session)
    print(json.dumps({"bodies": [b1, b2], "reused": [r1, r2]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
