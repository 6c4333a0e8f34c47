#!/usr/bin/env bash
# The README's first command: install what is missing, build, and start
# wsscope with its built-in demo (two echo upstreams, a balanced listener on
# 127.0.0.1:8080 and a synthetic client). With a display it opens the
# inspector window; without one it runs headless (--no-gui --demo).
# Extra arguments are passed to wsscope.
set -euo pipefail
cd "$(dirname "$0")/.."
installers/deps-debian.sh
installers/build.sh
BUILD_DIR=${WSSCOPE_BUILD_DIR:-build}
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    exec "$BUILD_DIR/app/wsscope" --demo "$@"
else
    echo "wsscope: no display; starting headless demo (Ctrl-C to stop)" >&2
    exec "$BUILD_DIR/app/wsscope" --no-gui --demo "$@"
fi
