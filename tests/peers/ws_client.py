#!/usr/bin/python3
"""WebSocket client on Debian's python3-websockets (a peer wsscope did not
write). Sends --count text messages of --size bytes and optionally one --big
binary message, checks every echo, and prints one JSON line with SHA-256
digests of everything sent and received. Exit 0 only if all echoes match."""
import argparse
import asyncio
import hashlib
import json
import os
import sys

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
    args = ap.parse_args()

    sent = hashlib.sha256()
    recv = hashlib.sha256()
    kwargs = {"max_size": max(args.big, 1 << 20) + 1024,
              "compression": "deflate" if args.compression else None}
    if args.subprotocol:
        kwargs["subprotocols"] = [args.subprotocol]
    async with websockets.connect(args.url, **kwargs) as ws:
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
    print(json.dumps(result), flush=True)
    return 0 if mismatches == 0 and big_ok and result["sent_sha256"] == result["recv_sha256"] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
