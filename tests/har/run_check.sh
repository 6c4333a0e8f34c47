#!/usr/bin/env bash
# CTest har_devtools_import: a real WebSocket exchange through wsscope with
# --capture, then the resulting HAR through Chrome DevTools' own HAR importer
# (check_har_with_devtools.mjs). Loopback only.
#   WSSCOPE_BIN=build/app/wsscope tests/har/run_check.sh
# Env: WSSCOPE_BIN (the binary), WSSCOPE_PEERS (tests/peers),
#      WSSCOPE_HAR_CHECK_DIR (setup.sh's cache directory).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${WSSCOPE_BIN:-$here/../../build/app/wsscope}
peers=${WSSCOPE_PEERS:-$here/../peers}
py=/usr/bin/python3
COUNT=5   # text messages the client sends (each echoed)
BIG=300   # plus one binary message of BIG bytes (echoed)

fail() { echo "har_devtools_import: FAIL: $*" >&2; exit 1; }
[[ -x $bin ]] || fail "no wsscope binary at $bin (set WSSCOPE_BIN)"

# Idempotent; installers/test.sh has already run it, so this is a no-op there.
"$here/setup.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/wsscope-har.XXXXXX")
echo_pid=""
wsscope_pid=""
cleanup() {
    for p in $wsscope_pid $echo_pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# wait_for FILE SED-EXPR: print the first match of SED-EXPR in FILE (10 s max).
wait_for() {
    local v
    for _ in $(seq 100); do
        v=$(sed -n "$2" "$1" | head -n1)
        [[ -n $v ]] && { echo "$v"; return 0; }
        sleep 0.1
    done
    return 1
}

"$py" "$peers/ws_echo_server.py" --host 127.0.0.1 --port 0 >"$work/echo.out" 2>&1 &
echo_pid=$!
echo_port=$(wait_for "$work/echo.out" 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p') \
    || fail "echo upstream did not start: $(cat "$work/echo.out")"

"$bin" --no-gui --listen 127.0.0.1:0 --upstream "ws://127.0.0.1:$echo_port" \
    --capture "$work/capture" >"$work/wsscope.out" 2>"$work/wsscope.err" &
wsscope_pid=$!
proxy_port=$(wait_for "$work/wsscope.err" 's/.*proxy: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p') \
    || fail "wsscope did not start: $(cat "$work/wsscope.err")"

"$py" "$peers/ws_client.py" "ws://127.0.0.1:$proxy_port/har-check" --count "$COUNT" --size 40 --big "$BIG" \
    >"$work/client.out" || fail "client exchange failed: $(cat "$work/client.out")"

# The HAR is written when wsscope exits.
kill -TERM "$wsscope_pid"
status=0
wait "$wsscope_pid" || status=$?
wsscope_pid=""
[[ $status -eq 0 ]] || fail "wsscope exited with $status: $(cat "$work/wsscope.err")"
[[ -s $work/capture.har ]] || fail "no capture.har written: $(cat "$work/wsscope.err")"

node "$here/check_har_with_devtools.mjs" "$work/capture.har" >"$work/devtools.json" \
    || fail "DevTools rejected the capture: $(cat "$work/devtools.json")"
cat "$work/devtools.json"

# COUNT text + 1 binary message each way, plus the close frame each way
# (client's close and the echo server's reply).
"$py" - "$work/devtools.json" "$COUNT" "$BIG" "$work/capture.har" <<'EOF' || fail "DevTools did not see the exchange as expected"
import base64, binascii, json, sys
r = json.load(open(sys.argv[1]))
count, big = int(sys.argv[2]), int(sys.argv[3])
errors = []
if r["entries"] < 1:
    errors.append(f"entries {r['entries']} < 1")
ws = [e for e in r["perEntry"] if e["url"].endswith("/har-check")]
if len(ws) != 1:
    errors.append(f"{len(ws)} entries for ws://.../har-check, expected 1")
else:
    e = ws[0]
    want = {"1": 2 * count, "2": 2, "8": 2}
    if e["status"] != 101 or e["resourceType"] != "websocket":
        errors.append(f"status {e['status']} type {e['resourceType']}, expected 101 websocket")
    if e["byOpcode"] != want:
        errors.append(f"frames by opcode {e['byOpcode']}, expected {want}")
    if e["byType"] != {"send": count + 2, "receive": count + 2}:
        errors.append(f"frames by direction {e['byType']}, expected {count + 2} each way")
    if e["webSocketFrames"] != 2 * (count + 1) + 2:
        errors.append(f"{e['webSocketFrames']} frames, expected {2 * (count + 1) + 2}")
# DevTools shows a binary message (opcode 2) by base64-decoding its data.
har = json.load(open(sys.argv[4]))
for entry in har["log"]["entries"]:
    for m in entry.get("_webSocketMessages", []):
        if m["opcode"] == 2:
            try:
                n = len(base64.b64decode(m["data"], validate=True))
            except binascii.Error as e:
                n = f"invalid base64 ({e})"
            if n != big:
                errors.append(f"binary {m['type']} message decodes to {n} bytes, expected {big}")
for msg in errors:
    print("har_devtools_import:", msg, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

# The checker must not be vacuous: broken copies of the same capture are rejected.
"$py" - "$work/capture.har" "$work" <<'EOF'
import copy, json, sys
h = json.load(open(sys.argv[1]))
e = next(i for i, x in enumerate(h["log"]["entries"]) if x.get("_webSocketMessages"))
a = copy.deepcopy(h); del a["log"]["entries"][e]["response"]["content"]            # HARFormat throws
b = copy.deepcopy(h); del b["log"]["entries"][e]["_webSocketMessages"][0]["opcode"]  # Importer skips it
json.dump(a, open(sys.argv[2] + "/broken-content.har", "w"))
json.dump(b, open(sys.argv[2] + "/broken-opcode.har", "w"))
EOF
for broken in broken-content broken-opcode; do
    if node "$here/check_har_with_devtools.mjs" "$work/$broken.har" >/dev/null 2>&1; then
        fail "the checker accepted $broken.har"
    fi
done

echo "har_devtools_import: DevTools imported the capture: $(sed -n 's/.*"devtools": "\(.*\)".*/\1/p' "$work/devtools.json"), $COUNT+1 messages each way + 2 close frames"
