#!/usr/bin/python3
"""WebSocket echo upstream built on Debian's python3-websockets (a peer wsscope
did not write). Prints "listening on HOST:PORT" once bound, then echoes every
message until killed. Also answers plain HTTP GETs on /http with 200 and
records each handshake's request line + headers as JSON on stdout."""
import argparse
import asyncio
import http
import json
import sys

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--subprotocol", action="append", default=None)
    ap.add_argument("--max-size", type=int, default=64 * 1024 * 1024)
    ap.add_argument("--compression", action="store_true", help="accept permessage-deflate")
    args = ap.parse_args()

    async def process_request(path, headers):
        print(json.dumps({"path": path, "headers": [[k, v] for k, v in headers.raw_items()]}), flush=True)
        if path.startswith("/http"):
            return http.HTTPStatus.OK, [("Content-Type", "text/plain")], b"plain http via python\n"
        return None

    async def echo(ws, path=None):
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    server = await websockets.serve(echo, args.host, args.port, max_size=args.max_size,
                                    process_request=process_request,
                                    subprotocols=args.subprotocol,
                                    compression="deflate" if args.compression else None)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on {args.host}:{port}", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
