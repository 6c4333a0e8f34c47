#!/usr/bin/python3
"""Loads an https page in Debian's headless Chromium that genuinely trusts a
test CA, and reports what the page found (tests/browser/wss_page.html sets
window.wsResult after a wss:// echo exchange).

  chromium_wss.py --ca CA.pem 'https://localhost:8443/wss_page.html?path=/ws&protocol=chat'
  chromium_wss.py --ca CA.pem --resolve a.test=127.0.0.1 https://a.test:8443/wss_page.html

How: a throwaway HOME whose NSS database (~/.pki/nssdb, made with certutil)
trusts CA.pem for TLS servers, a throwaway --user-data-dir, no
--ignore-certificate-errors. Chromium is driven over the DevTools protocol
(--remote-debugging-port=0 on loopback) with Debian's python3-websockets. Host
names other than localhost resolve only through --resolve (everything else
fails to resolve), so the browser stays on loopback.

Prints one JSON line (--pretty: indented): ok, the page's result ("page"), the navigation error if
any (e.g. net::ERR_CERT_AUTHORITY_INVALID when the CA is not trusted), the
document's TLS details as Chromium saw them, the WebSocket handshake response,
console output and the browser version.
Exit 0 only if the page reported ok; 1 the page failed, timed out or did not
load; 2 usage; 3 chromium/certutil missing or the browser did not start.
Chromium and every process it started are killed and the temp dir removed on
every exit path (also SIGTERM/SIGINT)."""
import argparse
import asyncio
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    import websockets
except ImportError:  # the first python3 on PATH may not be Debian's
    sys.exit("chromium_wss.py: needs Debian's python3-websockets; run it with /usr/bin/python3")

EXIT_FAIL, EXIT_USAGE, EXIT_ENV = 1, 2, 3


class EnvError(Exception):
    """A missing tool or a browser that would not start (exit 3)."""


def find_chromium(explicit):
    candidates = [explicit] if explicit else [os.environ.get("CHROMIUM"), "/usr/lib/chromium/chromium",
                                              shutil.which("chromium"), shutil.which("chromium-browser")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise EnvError("chromium not found" + (f" at {explicit}" if explicit else "") +
                   ": install Debian's chromium (installers/deps-debian.sh --test) or pass --chromium PATH")


def find_certutil():
    path = shutil.which("certutil")
    if not path:
        raise EnvError("certutil not found: install Debian's libnss3-tools (installers/deps-debian.sh --test)")
    return path


def chromium_major(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=15).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnvError(f"{binary} --version failed: {exc}")
    m = re.search(r"(\d+)\.\d+\.\d+", out)
    return (int(m.group(1)) if m else 0), out.strip()


def pem_blocks(path):
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError as exc:
        raise EnvError(f"cannot read --ca {path}: {exc}")
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", text, re.S)
    if not blocks:
        raise EnvError(f"--ca {path}: no PEM certificate in it")
    return blocks


def make_nssdb(certutil, home, ca_path):
    """HOME/.pki/nssdb trusting every certificate in ca_path as a TLS CA."""
    db = os.path.join(home, ".pki", "nssdb")
    os.makedirs(db, mode=0o700)

    def run(*args):
        p = subprocess.run([certutil, "-d", "sql:" + db, *args], capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise EnvError(f"certutil {' '.join(args)} failed ({p.returncode}): {(p.stderr or p.stdout).strip()}")
        return p.stdout

    run("-N", "--empty-password")
    for i, block in enumerate(pem_blocks(ca_path)):
        one = os.path.join(home, f"ca{i}.pem")
        with open(one, "w") as f:
            f.write(block + "\n")
        run("-A", "-t", "C,,", "-n", f"wsscope test CA {i}", "-i", one)
    return run("-L").strip()


def sweep_stale_dirs():
    """Removes temp dirs of earlier runs that were SIGKILLed (no cleanup ran):
    each holds owner.pid, and the dir goes once that process is gone."""
    base = tempfile.gettempdir()
    for name in os.listdir(base):
        if not name.startswith("wsscope-chromium-"):
            continue
        path = os.path.join(base, name)
        try:
            with open(os.path.join(path, "owner.pid")) as f:
                os.kill(int(f.read().strip()), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (OSError, ValueError):
            pass  # not ours, being created, or owned by someone else


def die_with_parent():
    """preexec_fn: new session (so the whole tree can be killed as a group) and
    SIGKILL if this script dies first (e.g. CTest's timeout kill)."""
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def log_tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            keep = [ln.rstrip() for ln in f if "dbus" not in ln and ln.strip()]
        return keep[-lines:]
    except OSError:
        return []


class Cdp:
    """Minimal DevTools protocol client over one browser-level WebSocket
    (flattened sessions: every command may carry a sessionId)."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.pending = {}
        self.events = []
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if "id" in msg and msg["id"] in self.pending:
                    self.pending.pop(msg["id"]).set_result(msg)
                elif "method" in msg:
                    self.events.append(msg)
        except websockets.ConnectionClosed:
            pass
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("DevTools connection closed"))

    async def call(self, method, params=None, session=None, timeout=10.0):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        await self.ws.send(json.dumps(msg))
        reply = await asyncio.wait_for(fut, timeout)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})


def summarize_events(events, page_url):
    doc, sock, console = None, {}, []
    for ev in events:
        method, p = ev["method"], ev.get("params", {})
        if method == "Network.responseReceived" and p.get("type") == "Document" and doc is None:
            r = p["response"]
            sd = r.get("securityDetails") or {}
            doc = {"url": r.get("url"), "status": r.get("status"), "protocol": r.get("protocol"),
                   "remote": f"{r.get('remoteIPAddress')}:{r.get('remotePort')}",
                   "security_state": r.get("securityState"),
                   "tls": {k: sd.get(k) for k in ("protocol", "keyExchangeGroup", "cipher", "subjectName",
                                                  "sanList", "issuer", "validTo")} if sd else None}
        elif method == "Network.webSocketCreated":
            sock["url"] = p.get("url")
        elif method == "Network.webSocketHandshakeResponseReceived":
            r = p.get("response", {})
            sock.update({"status": r.get("status"), "headers": r.get("headers")})
        elif method == "Network.webSocketFrameError":
            sock.setdefault("errors", []).append(p.get("errorMessage"))
        elif method == "Runtime.consoleAPICalled":
            console.append(p.get("type", "log") + ": " +
                           " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            console.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            console.append(f"{e.get('level')} [{e.get('source')}]: {e.get('text')}")
    return doc, (sock or None), console[-50:]


async def drive(port_file, proc, args, out):
    deadline = time.monotonic() + args.startup_timeout
    while True:
        if proc.poll() is not None:
            raise EnvError(f"chromium exited with {proc.returncode} before DevTools came up")
        try:
            with open(port_file) as f:
                lines = f.read().split("\n")
            if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                break
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            raise EnvError(f"chromium did not open DevTools within {args.startup_timeout:g} s")
        await asyncio.sleep(0.1)
    ws_url = f"ws://127.0.0.1:{int(lines[0])}{lines[1].strip()}"

    ws = await asyncio.wait_for(websockets.connect(ws_url, max_size=None, ping_interval=None), 10)
    cdp = Cdp(ws)
    try:
        out["browser"] = (await cdp.call("Browser.getVersion")).get("product")
        target = (await cdp.call("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = (await cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            await cdp.call(domain + ".enable", session=session)
        page_deadline = time.monotonic() + args.timeout
        nav = await cdp.call("Page.navigate", {"url": args.url}, session=session, timeout=args.timeout)
        if nav.get("errorText"):
            out["navigate_error"] = nav["errorText"]
            out["error"] = f"navigation to {args.url} failed: {nav['errorText']}"
            return
        result = None
        while time.monotonic() < page_deadline:
            try:
                r = await cdp.call("Runtime.evaluate", {
                    "expression": "window.wsResult === undefined ? null : JSON.stringify(window.wsResult)",
                    "returnByValue": True}, session=session)
            except RuntimeError:  # e.g. the context went away mid-navigation: ask again
                r = {}
            value = r.get("result", {}).get("value")
            if value:
                result = json.loads(value)
                break
            doc = summarize_events(cdp.events, args.url)[0]
            if doc and (doc.get("status") or 0) >= 400:
                out["error"] = f"the page answered HTTP {doc['status']}"
                return
            await asyncio.sleep(0.2)
        if result is None:
            title = (await cdp.call("Runtime.evaluate", {"expression": "document.title", "returnByValue": True},
                                    session=session)).get("result", {}).get("value")
            out["error"] = f"page set no window.wsResult within {args.timeout:g} s (title {title!r})"
        else:
            out["page"] = result
            out["ok"] = result.get("ok") is True
            if not out["ok"]:
                out["error"] = f"page reported failure: {result.get('error')}"
    finally:
        out["document"], out["websocket"], out["console"] = summarize_events(cdp.events, args.url)
        try:
            await asyncio.wait_for(cdp.call("Browser.close"), 3)
        except Exception:
            pass
        cdp.reader.cancel()
        try:
            await asyncio.wait_for(ws.close(), 2)
        except Exception:
            pass


def stop(proc):
    if proc is None:
        return
    if proc.poll() is None:
        try:
            proc.wait(timeout=5)  # Browser.close was sent
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group chromium leads: zygotes, renderers, gpu, crashpad
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", help="https URL of the page (e.g. .../wss_page.html?path=/ws)")
    ap.add_argument("--ca", required=True, metavar="PEM", help="CA certificate(s) the browser should trust")
    ap.add_argument("--resolve", action="append", default=[], metavar="NAME=IP",
                    help="resolve NAME to IP inside the browser (repeatable); other names except localhost fail")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds for the page to set its result")
    ap.add_argument("--startup-timeout", type=float, default=20.0, help="seconds for chromium to start")
    ap.add_argument("--chromium", metavar="PATH", help="browser binary (default: $CHROMIUM or Debian's chromium)")
    ap.add_argument("--chromium-arg", action="append", default=[], metavar="ARG", help="extra browser flag")
    ap.add_argument("--show-log", action="store_true", help="include chromium's stderr tail even on success")
    ap.add_argument("--pretty", action="store_true", help="indent the JSON (default: one line, like the peers)")
    args = ap.parse_args()
    if not args.url.startswith(("https://", "http://")):
        ap.error("the URL must be http(s)://")
    rules = []
    for item in args.resolve:
        name, sep, ip = item.partition("=")
        if not sep or not name or not ip:
            ap.error(f"--resolve {item}: expected NAME=IP")
        rules.append(f"MAP {name} {ip}")
    rules += ["MAP * ~NOTFOUND", "EXCLUDE localhost"]

    out = {"ok": False, "url": args.url, "error": None}
    proc = None
    tmp = tempfile.mkdtemp(prefix="wsscope-chromium-")
    out["tmpdir"] = tmp  # removed before exit; reported so callers can check nothing is left
    with open(os.path.join(tmp, "owner.pid"), "w") as f:
        f.write(str(os.getpid()))
    sweep_stale_dirs()

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = EXIT_FAIL
    try:
        chromium = find_chromium(args.chromium)
        certutil = find_certutil()
        major, version = chromium_major(chromium)
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        out["nssdb"] = make_nssdb(certutil, home, args.ca)
        profile = os.path.join(tmp, "profile")
        flags = ["--headless=new" if major >= 112 else "--headless",
                 f"--user-data-dir={profile}", "--remote-debugging-port=0",
                 "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--disable-default-apps", "--disable-crash-reporter",
                 "--password-store=basic", "--no-proxy-server",
                 "--host-resolver-rules=" + ", ".join(rules)]
        if os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        flags += args.chromium_arg
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"), XDG_DATA_HOME=os.path.join(home, ".local/share"))
        for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(var, None)
        log_path = os.path.join(tmp, "chromium.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([chromium, *flags, "about:blank"], stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=env, cwd=tmp, preexec_fn=die_with_parent)
        out["chromium"] = version
        try:
            asyncio.run(drive(os.path.join(profile, "DevToolsActivePort"), proc, args, out))
        except EnvError:
            raise
        except (OSError, asyncio.TimeoutError, RuntimeError, websockets.WebSocketException) as exc:
            out["error"] = f"DevTools: {type(exc).__name__}: {exc}"
        code = 0 if out["ok"] else EXIT_FAIL
        if not out["ok"] or args.show_log:
            out["chromium_log"] = log_tail(log_path)
    except EnvError as exc:
        out["error"] = str(exc)
        if proc is not None:
            out["chromium_log"] = log_tail(os.path.join(tmp, "chromium.log"))
        code = EXIT_ENV
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out, indent=1 if args.pretty else None, ensure_ascii=False), flush=True)
    if code:
        print(f"chromium_wss.py: FAIL: {out['error']}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
