#!/usr/bin/env bash
# Installs the Debian 12 packages wsscope needs to build, run and test.
# Only missing packages are installed; safe to run repeatedly. Needs root
# (or sudo) when something is missing.
#   installers/deps-debian.sh          build + run dependencies
#   installers/deps-debian.sh --test   also the test peers (python3-websockets, nginx, ...)
#                                      and a real browser (chromium + certutil from
#                                      libnss3-tools, for tests/browser/chromium_wss.py)
set -euo pipefail

pkgs=(cmake ninja-build ccache g++ pkg-config
      qt6-base-dev qt6-websockets-dev qt6-tools-dev qt6-tools-dev-tools
      qt6-l10n-tools qt6-translations-l10n libgl-dev libssl-dev
      fonts-wqy-microhei zlib1g-dev)
if [[ "${1:-}" == "--test" ]]; then
    pkgs+=(python3 python3-websockets nginx-light xvfb xauth
           chromium libnss3-tools openssl)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "wsscope: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
