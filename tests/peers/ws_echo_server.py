#!/usr/bin/python3
"""WebSocket echo upstream built on Debian's python3-websockets (a peer wsscope
did not write). Prints "listening on HOST:PORT" once bound, then echoes every
message until killed. Also answers plain HTTP GETs on /http with 200 and
records each handshake's request line + headers as JSON on stdout.

TLS (wss:// and https://): --tls-cert PEM (certificate, then any intermediates)
and --tls-key PEM serve TLS on the same port instead of plain TCP; ALPN offers
http/1.1. The printed "listening on" line is unchanged. Each JSON line then also
holds "tls": {"sni": name the client sent or null, "version", "cipher", "alpn",
"reused": whether the client resumed a session}.

--static DIR: a GET without an Upgrade header whose path (query ignored) names
a regular file directly in DIR is answered with that file (text/html for .html;
e.g. tests/browser/wss_page.html), any other such GET with 404 (not the 426 a
bare GET gets otherwise), so one port can serve a page and its echo."""
import argparse
import asyncio
import http
import json
import mimetypes
import os
import ssl
import sys

import websockets


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        sys.exit(f"ws_echo_server: cannot load --tls-cert {cert} / --tls-key {key}: {exc}")
    ctx.set_alpn_protocols(["http/1.1"])

    def remember_sni(ssl_object, server_name, _ctx):
        ssl_object.wsscope_sni = server_name  # read back in process_request
        return None

    ctx.sni_callback = remember_sni
    return ctx


def tls_info(transport):
    obj = transport.get_extra_info("ssl_object") if transport is not None else None
    if obj is None:
        return None
    cipher = obj.cipher()
    return {"sni": getattr(obj, "wsscope_sni", None), "version": obj.version(),
            "cipher": cipher[0] if cipher else None, "alpn": obj.selected_alpn_protocol(),
            "reused": obj.session_reused}


def static_response(directory, path):
    name = path.split("?", 1)[0].lstrip("/")
    if not name or "/" in name or name.startswith("."):
        return None
    full = os.path.join(directory, name)
    if not os.path.isfile(full):
        return None
    with open(full, "rb") as f:
        body = f.read()
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if ctype.startswith("text/"):
        ctype += "; charset=utf-8"
    return http.HTTPStatus.OK, [("Content-Type", ctype), ("Cache-Control", "no-store")], body


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--subprotocol", action="append", default=None)
    ap.add_argument("--max-size", type=int, default=64 * 1024 * 1024)
    ap.add_argument("--compression", action="store_true", help="accept permessage-deflate")
    ap.add_argument("--tls-cert", metavar="PEM", help="serve TLS with this certificate (+ chain) PEM")
    ap.add_argument("--tls-key", metavar="PEM", help="private key PEM for --tls-cert")
    ap.add_argument("--static", metavar="DIR", help="serve plain GETs for files directly in DIR")
    args = ap.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if args.static and not os.path.isdir(args.static):
        ap.error(f"--static {args.static}: not a directory")
    ssl_ctx = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None

    class EchoProtocol(websockets.WebSocketServerProtocol):
        async def process_request(self, path, headers):
            record = {"path": path, "headers": [[k, v] for k, v in headers.raw_items()]}
            if ssl_ctx is not None:
                record["tls"] = tls_info(self.transport)
            print(json.dumps(record), flush=True)
            if path.startswith("/http"):
                return http.HTTPStatus.OK, [("Content-Type", "text/plain")], b"plain http via python\n"
            if args.static and "websocket" not in ",".join(headers.get_all("Upgrade")).lower():
                return static_response(args.static, path) or (
                    http.HTTPStatus.NOT_FOUND, [("Content-Type", "text/plain")], b"not found\n")
            return None

    async def echo(ws, path=None):
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    server = await websockets.serve(echo, args.host, args.port, max_size=args.max_size,
                                    create_protocol=EchoProtocol,
                                    subprotocols=args.subprotocol,
                                    compression="deflate" if args.compression else None,
                                    ssl=ssl_ctx)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on {args.host}:{port}", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
