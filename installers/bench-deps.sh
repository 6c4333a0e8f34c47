#!/usr/bin/env bash
# Installs the Debian 12 packages the benchmark scripts need:
#   tests/bench/compare       nginx-light, haproxy, mitmproxy (optional peer)
#   tests/bench/instructions  valgrind
# plus util-linux (taskset) and python3. Only missing packages are installed;
# safe to run repeatedly. Needs root (or sudo) when something is missing.
# mitmproxy is optional: when the package cannot be installed, a note is
# printed and `compare` skips that column. The test suite does not use this.
#   installers/bench-deps.sh            everything above
#   installers/bench-deps.sh --no-mitm  without mitmproxy (it pulls ~60 MB of Python)
set -euo pipefail

pkgs=(python3 util-linux nginx-light haproxy valgrind)
optional=(mitmproxy)
[[ "${1:-}" == "--no-mitm" ]] && optional=()

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${pkgs[@]}"; do
    # nginx-light is satisfied by any nginx flavour that is already there.
    [[ "$p" == nginx-light ]] && [[ -x /usr/sbin/nginx ]] && continue
    installed "$p" || missing+=("$p")
done
opt_missing=()
for p in "${optional[@]}"; do
    installed "$p" || opt_missing+=("$p")
done
[[ ${#missing[@]} -eq 0 && ${#opt_missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "wsscope bench: installing ${missing[*]}" >&2
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for p in "${opt_missing[@]}"; do
    echo "wsscope bench: installing $p (optional)" >&2
    if ! $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null; then
        echo "wsscope bench: note: $p could not be installed; compare will skip it" >&2
    fi
done
# The packaged services are not needed (compare starts its own instances on
# 127.0.0.1 with configs in a temp dir); keep them from holding port 80.
for svc in nginx haproxy; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
        $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
        $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
    fi
done
exit 0
