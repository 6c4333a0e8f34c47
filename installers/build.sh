#!/usr/bin/env bash
# Configures and builds wsscope into build/ (Ninja, ccache when present).
#   installers/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${WSSCOPE_BUILD_DIR:-build}
JOBS=${WSSCOPE_JOBS:-$(nproc)}
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
