#!/usr/bin/env bash
# Proves the browser harness (and the TLS options of the python peers) without
# wsscope's TLS termination: a python wss echo (tests/peers/ws_echo_server.py
# --tls-cert/--tls-key --static tests/browser) serves wss_page.html over https
# and the echo on the same loopback port; then
#   1. tls_probe.py      handshake, SNI, ALPN, leaf names, verification
#   2. ws_client.py      wss echo with --ca
#   3. chromium_wss.py   https://localhost:PORT/wss_page.html, subprotocol chat   -> must pass
#   4. chromium_wss.py   https://wss.test:PORT/... via --resolve                  -> must pass
#   5. chromium_wss.py   with an unrelated CA                -> must fail with ERR_CERT_AUTHORITY_INVALID
#                        (so 3/4 passed because the CA is really trusted)
# Certificates: `wsscope cert init/issue --dir` when WSSCOPE_BIN is an executable
# (as under CTest), else the openssl CLI.
#   tests/browser/selftest.sh
#   WSSCOPE_BIN=build/app/wsscope tests/browser/selftest.sh
# Exit 0 pass, 1 fail, 3 chromium/certutil/openssl missing. Everything under one temp dir, removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
peers=${WSSCOPE_PEERS:-$here/../peers}
py=/usr/bin/python3
bin=${WSSCOPE_BIN:-}

fail() { echo "browser selftest: FAIL: $*" >&2; exit 1; }
[[ -x $py ]] && "$py" -c 'import websockets' 2>/dev/null \
    || { echo "browser selftest: needs /usr/bin/python3 with python3-websockets (installers/deps-debian.sh --test)" >&2; exit 3; }

work=$(mktemp -d "${TMPDIR:-/tmp}/wsscope-browser-selftest.XXXXXX")
echo_pid=""
cleanup() {
    if [[ -n $echo_pid ]]; then kill "$echo_pid" 2>/dev/null || true; wait "$echo_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- certificates: CA + leaf for localhost, wss.test, 127.0.0.1; and an unrelated CA
if [[ -n $bin && -x $bin ]]; then
    echo "== certificates from $bin cert"
    timeout 30 "$bin" cert init --dir "$work/ca" >/dev/null
    timeout 30 "$bin" cert issue localhost wss.test 127.0.0.1 --dir "$work/ca" --out "$work/leaf" >/dev/null
    timeout 30 "$bin" cert init --dir "$work/other" >/dev/null
    ca=$work/ca/wsscope-ca.pem
    other_ca=$work/other/wsscope-ca.pem
else
    command -v openssl >/dev/null || { echo "browser selftest: openssl not found (or set WSSCOPE_BIN)" >&2; exit 3; }
    echo "== certificates from openssl (WSSCOPE_BIN not set)"
    mkca() {  # mkca DIR CN
        mkdir -p "$1"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/ca-key.pem" \
            -out "$1/ca.pem" -days 2 -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    }
    mkca "$work/ca" "wsscope selftest CA"
    mkca "$work/other" "unrelated selftest CA"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leaf-key.pem" \
        -out "$work/leaf.csr" -subj "/CN=localhost" 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:localhost,DNS:wss.test,IP:127.0.0.1" "extendedKeyUsage=serverAuth" \
        "keyUsage=critical,digitalSignature" "basicConstraints=CA:FALSE" >"$work/leaf.ext"
    openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca/ca.pem" -CAkey "$work/ca/ca-key.pem" \
        -CAcreateserial -days 2 -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
    cat "$work/ca/ca.pem" >>"$work/leaf.pem"   # full chain, like `wsscope cert issue`
    ca=$work/ca/ca.pem
    other_ca=$work/other/ca.pem
fi

# --- the python wss server: page + echo on one port
"$py" "$peers/ws_echo_server.py" --tls-cert "$work/leaf.pem" --tls-key "$work/leaf-key.pem" \
    --static "$here" --subprotocol chat >"$work/echo.out" 2>"$work/echo.err" &
echo_pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/echo.out" | head -n1)
    [[ -n $port ]] && break
    kill -0 "$echo_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $port ]] || fail "wss echo server did not start: $(cat "$work/echo.out" "$work/echo.err")"
echo "== python wss echo + page on 127.0.0.1:$port"

jget() { "$py" -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d[int(k)] if isinstance(d, list) else d.get(k)
print(d)' "$1"; }

echo "== 1. tls_probe.py"
"$py" "$peers/tls_probe.py" 127.0.0.1 "$port" --server-name wss.test --alpn h2,http/1.1 --ca "$ca" \
    >"$work/probe.json" || fail "tls_probe: $(cat "$work/probe.json")"
cat "$work/probe.json"
[[ $(jget alpn <"$work/probe.json") == http/1.1 ]] || fail "probe: ALPN is not http/1.1"
[[ $(jget verify.ok <"$work/probe.json") == True ]] || fail "probe: not verified"
grep -q '"DNS:wss.test"' "$work/probe.json" || fail "probe: SAN list lacks wss.test"
set +e
"$py" "$peers/tls_probe.py" 127.0.0.1 "$port" --server-name wss.test --ca "$other_ca" >"$work/probe-bad.json"
rc=$?
set -e
[[ $rc == 1 ]] || fail "probe with an unrelated CA: exit $rc, expected 1: $(cat "$work/probe-bad.json")"
echo "   unrelated CA -> exit 1: $(jget verify.error <"$work/probe-bad.json")"

echo "== 2. ws_client.py wss://wss.test:$port/ws --connect 127.0.0.1:$port --ca"
"$py" "$peers/ws_client.py" "wss://wss.test:$port/ws" --connect "127.0.0.1:$port" --ca "$ca" \
    --count 20 --size 100 --big 100000 --subprotocol chat >"$work/client.json" \
    || fail "ws_client: $(cat "$work/client.json")"
cat "$work/client.json"
grep -q '"sni": "wss.test"' "$work/echo.out" || fail "echo server did not log SNI wss.test: $(cat "$work/echo.out")"

echo "== 3. chromium_wss.py https://localhost:$port/wss_page.html (subprotocol chat)"
"$py" "$here/chromium_wss.py" --ca "$ca" --pretty \
    "https://localhost:$port/wss_page.html?path=/ws&protocol=chat&expect_protocol=chat" >"$work/b1.json" || {
    rc=$?; cat "$work/b1.json"; [[ $rc == 3 ]] && exit 3; fail "chromium run 1 (exit $rc)"; }
cat "$work/b1.json"

echo "== 4. chromium_wss.py https://wss.test:$port/... --resolve wss.test=127.0.0.1"
"$py" "$here/chromium_wss.py" --ca "$ca" --resolve wss.test=127.0.0.1 \
    "https://wss.test:$port/wss_page.html?path=/echo&count=7&binary=200000" >"$work/b2.json" \
    || { cat "$work/b2.json"; fail "chromium run 2"; }
echo "   ok: $(jget page.texts_echoed <"$work/b2.json") texts + $(jget page.binary_bytes <"$work/b2.json") binary bytes," \
     "TLS $(jget document.tls.protocol <"$work/b2.json"), leaf $(jget document.tls.subjectName <"$work/b2.json")"
grep -q '"path": "/echo"' "$work/echo.out" || fail "echo server saw no /echo upgrade"

echo "== 5. chromium_wss.py with an unrelated CA (must fail: the trust is real)"
set +e
"$py" "$here/chromium_wss.py" --ca "$other_ca" --timeout 10 \
    "https://localhost:$port/wss_page.html" >"$work/b3.json" 2>"$work/b3.err"
rc=$?
set -e
[[ $rc == 1 ]] || { cat "$work/b3.json"; fail "untrusted run: exit $rc, expected 1"; }
nav=$(jget navigate_error <"$work/b3.json")
[[ $nav == net::ERR_CERT_AUTHORITY_INVALID ]] || fail "untrusted run: navigate_error=$nav"
echo "   exit 1, navigate_error $nav"

echo "== cleanup after each browser run"
for f in b1 b2 b3; do
    d=$(jget tmpdir <"$work/$f.json")
    [[ ! -e $d ]] || fail "$f: temp dir $d left behind"
    left=$(pgrep -f -- "--user-data-dir=$d/profile" || true)
    [[ -z $left ]] || fail "$f: chromium processes left behind: $left"
done
echo "   no chromium process or temp profile left"
echo "browser selftest: PASS"
