#!/usr/bin/python3
"""WebSocket client on Debian's python3-websockets (a peer wsscope did not
write). Sends --count text messages of --size bytes and optionally one --big
binary message, checks every echo, and prints one JSON line with SHA-256
digests of everything sent and received. Exit 0 only if all echoes match.

wss:// URLs: --ca PEM verifies the server's chain against that CA only (else
the system store), --server-name NAME sets SNI and the name the certificate
must match (default: the URL's host), --connect HOST:PORT opens the TCP
connection there instead (the URL still gives Host and SNI, so
wss://a.test:8443/ works without DNS). The client offers ALPN http/1.1, like a
browser. The JSON line then also holds "tls": {"version", "cipher", "alpn"}.
A handshake or verification failure prints {"error": ...} and exits 1."""
import argparse
import asyncio
import hashlib
import json
import os
import ssl
import sys
import urllib.parse

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--big", type=int, default=0)
    ap.add_argument("--window", type=int, default=64, help="messages in flight")
    ap.add_argument("--subprotocol", default=None)
    ap.add_argument("--compression", action="store_true", help="offer permessage-deflate")
    ap.add_argument("--ca", metavar="PEM", help="wss: trust only this CA (PEM) when verifying the server")
    ap.add_argument("--server-name", metavar="NAME", help="wss: SNI and certificate name (default: URL host)")
    ap.add_argument("--connect", metavar="HOST:PORT", help="TCP destination instead of the URL's host:port")
    args = ap.parse_args()
    secure = args.url.lower().startswith("wss://")
    if (args.ca or args.server_name) and not secure:
        ap.error("--ca and --server-name need a wss:// URL")

    sent = hashlib.sha256()
    recv = hashlib.sha256()
    kwargs = {"max_size": max(args.big, 1 << 20) + 1024,
              "compression": "deflate" if args.compression else None}
    if args.subprotocol:
        kwargs["subprotocols"] = [args.subprotocol]
    if secure:
        ctx = ssl.create_default_context(cafile=args.ca) if args.ca else ssl.create_default_context()
        ctx.set_alpn_protocols(["http/1.1"])
        kwargs["ssl"] = ctx
        # websockets would take SNI from --connect's host; keep the URL's unless --server-name.
        kwargs["server_hostname"] = args.server_name or urllib.parse.urlsplit(args.url).hostname
    if args.connect:
        host, _, port = args.connect.rpartition(":")
        kwargs["host"], kwargs["port"] = host.strip("[]"), int(port)
    try:
        ws = await asyncio.wait_for(websockets.connect(args.url, **kwargs), 30)
    except (OSError, ssl.SSLError, asyncio.TimeoutError, websockets.WebSocketException) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    try:
        payloads = [(f"{i:08d}:" + "x" * max(0, args.size - 9))[: max(args.size, 9)] for i in range(args.count)]
        mismatches = 0

        async def reader():
            nonlocal mismatches
            for expected in payloads:
                got = await ws.recv()
                recv.update(got.encode())
                if got != expected:
                    mismatches += 1

        task = asyncio.ensure_future(reader())
        for p in payloads:
            sent.update(p.encode())
            await ws.send(p)
        await task
        big_ok = True
        if args.big:
            blob = os.urandom(args.big)
            await ws.send(blob)
            echoed = await ws.recv()
            big_ok = hashlib.sha256(echoed).hexdigest() == hashlib.sha256(blob).hexdigest()
            sent.update(blob)
            recv.update(echoed)
        result = {
            "count": args.count,
            "mismatches": mismatches,
            "big_ok": big_ok,
            "sent_sha256": sent.hexdigest(),
            "recv_sha256": recv.hexdigest(),
            "subprotocol": ws.subprotocol,
        }
        obj = ws.transport.get_extra_info("ssl_object") if secure else None
        if obj is not None:
            result["tls"] = {"version": obj.version(), "cipher": obj.cipher()[0],
                             "alpn": obj.selected_alpn_protocol()}
    finally:
        await ws.close()
    print(json.dumps(result), flush=True)
    return 0 if mismatches == 0 and big_ok and result["sent_sha256"] == result["recv_sha256"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
