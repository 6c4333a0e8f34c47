#!/usr/bin/env bash
# The README's second command: install what is missing (including the test
# peers: python3-websockets, nginx, Xvfb), build, and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
installers/deps-debian.sh --test
installers/build.sh
tests/har/setup.sh   # npm: Chrome DevTools' HAR importer for the har_devtools_import test
BUILD_DIR=${WSSCOPE_BUILD_DIR:-build}
cd "$BUILD_DIR"
exec ctest --output-on-failure --timeout 900 -j "${WSSCOPE_TEST_JOBS:-2}" "$@"
