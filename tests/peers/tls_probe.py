#!/usr/bin/python3
"""TLS handshake only (no HTTP), for SNI / protocol / chain tests. Connects to
HOST PORT, sends --server-name as SNI (none if omitted), offers --alpn, and
prints one JSON line:
  {"connected": true, "sni": NAME, "version": "TLSv1.3", "cipher": ...,
   "alpn": "http/1.1" or null,
   "leaf": {"subject_cn": ..., "issuer_cn": ..., "sans": ["DNS:a.test", "IP:127.0.0.1"],
            "not_before": ..., "not_after": ..., "serial": ...},
   "chain": [{"subject_cn", "issuer_cn"}, ...]   (as served, leaf first),
   "verify": {"ok": bool, "ca": PEM or "system", "hostname_checked": bool,
              "code": n, "error": "..."}}
Verification uses --ca only (else the system store) and checks the leaf
against --server-name when given. A failed verification is followed by a
second, unverified handshake so the served certificate is still reported.
Exit 0: handshake done and verified; 1: handshake done, not verified;
2: no TLS handshake (refused, timeout, alert: "error" says which).
  tls_probe.py 127.0.0.1 8443 --server-name a.test --alpn http/1.1 --ca ca.pem
  tls_probe.py 127.0.0.1 8443 --server-name a.test --tls-version 1.2"""
import argparse
import json
import os
import socket
import ssl
import sys
import tempfile

VERSIONS = {"1": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
            "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def name_field(rdns, key):
    for rdn in rdns or ():
        for k, v in rdn:
            if k == key:
                return v
    return None


def describe(info):
    """getpeercert()-style dict -> the fields we report."""
    return {"subject_cn": name_field(info.get("subject"), "commonName"),
            "issuer_cn": name_field(info.get("issuer"), "commonName"),
            "sans": [f"{'IP' if k == 'IP Address' else k}:{v}" for k, v in info.get("subjectAltName", ())],
            "not_before": info.get("notBefore"), "not_after": info.get("notAfter"),
            "serial": info.get("serialNumber")}


def decode_der(der):
    """Parses a DER certificate with the ssl module's own decoder (private but
    stable since Python 3.2; used because unverified peers yield no dict)."""
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
        return ssl._ssl._test_decode_cert(path)
    finally:
        os.unlink(path)


def served_chain(sock):
    """The chain as the server sent it (leaf first); [] if this Python can't tell."""
    getter = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)
    if getter is None:
        return []
    try:
        return [describe(c.get_info()) for c in getter() or []]
    except Exception:  # private API: degrade rather than fail the probe
        return []


def context(args, verify):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        if args.ca:
            ctx.load_verify_locations(cafile=args.ca)
        else:
            ctx.load_default_certs()
        ctx.check_hostname = bool(args.server_name)
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.tls_version:
        v = VERSIONS[args.tls_version]
        if v < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let OpenSSL 3 even try
        ctx.minimum_version = ctx.maximum_version = v
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn)
    return ctx


def handshake(args, verify):
    raw = socket.create_connection((args.host, args.port), timeout=args.timeout)
    try:
        sock = context(args, verify).wrap_socket(raw, server_hostname=args.server_name or None)
    except BaseException:
        raw.close()
        raise
    return sock


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--server-name", metavar="NAME", help="SNI to send and name to verify (default: no SNI)")
    ap.add_argument("--alpn", action="append", default=[], metavar="PROTO",
                    help="offer this ALPN protocol; repeat or comma-separate (h2,http/1.1)")
    ap.add_argument("--ca", metavar="PEM", help="verify against this CA only (default: system store)")
    ap.add_argument("--tls-version", choices=sorted(VERSIONS), help="allow only this TLS version")
    ap.add_argument("--timeout", type=float, default=10.0, help="connect + handshake bound, seconds")
    args = ap.parse_args()
    args.alpn = [p for item in args.alpn for p in item.split(",") if p]

    out = {"connected": False, "host": args.host, "port": args.port, "sni": args.server_name or None}
    verify = {"ok": False, "ca": args.ca or "system", "hostname_checked": bool(args.server_name)}
    sock = None
    try:
        try:
            sock = handshake(args, verify=True)
            verify["ok"] = True
        except ssl.SSLCertVerificationError as exc:
            verify["code"] = exc.verify_code
            verify["error"] = exc.verify_message or str(exc)
            sock = handshake(args, verify=False)
    except (OSError, ssl.SSLError) as exc:  # includes refused, timeout, TLS alerts
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["verify"] = verify
        print(json.dumps(out), flush=True)
        return 2
    with sock:
        cipher = sock.cipher()
        out.update({"connected": True, "version": sock.version(), "cipher": cipher[0] if cipher else None,
                    "alpn": sock.selected_alpn_protocol()})
        info = sock.getpeercert() if verify["ok"] else None
        if not info:
            der = sock.getpeercert(binary_form=True)
            info = decode_der(der) if der else {}
        out["leaf"] = describe(info) if info else None
        out["chain"] = served_chain(sock)
    out["verify"] = verify
    print(json.dumps(out), flush=True)
    return 0 if verify["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
