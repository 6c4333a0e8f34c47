#!/usr/bin/env bash
# Installs what tests/har/check_har_with_devtools.mjs needs: the pinned
# chrome-devtools-frontend and esbuild npm packages (tests/har/package.json +
# package-lock.json, `npm ci`) in a cache directory OUTSIDE the repo, then
# bundles DevTools' HAR importer there (build_bundle.mjs -> devtools-har.mjs).
#   tests/har/setup.sh [DIR]
# DIR defaults to $WSSCOPE_HAR_CHECK_DIR, else ~/.cache/wsscope-har-check.
# Idempotent: does nothing when DIR already holds a bundle made from the same
# package.json, package-lock.json and build_bundle.mjs. Installs Debian's
# nodejs/npm only when `node`/`npm` are missing. Exits non-zero, saying why,
# on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${WSSCOPE_HAR_CHECK_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/wsscope-har-check}}

fail() { echo "tests/har/setup.sh: ERROR: $*" >&2; exit 1; }

# node and npm: Debian's packages, only when missing.
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
    command -v apt-get >/dev/null 2>&1 || fail "${missing[*]} missing and no apt-get to install it"
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "tests/har/setup.sh: installing Debian's ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || fail "apt-get update failed"
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || fail "apt-get install ${missing[*]} failed"
fi
command -v node >/dev/null 2>&1 || fail "node is unavailable (install Debian's nodejs)"
command -v npm >/dev/null 2>&1 || fail "npm is unavailable (install Debian's npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[[ $node_major -ge 18 ]] || fail "node $(node --version) is too old: esbuild and the bundle need node >= 18"

mkdir -p "$dir" || fail "cannot create $dir"
exec 9>"$dir/.lock"
flock 9 || fail "cannot lock $dir/.lock"

stamp=$(cat "$here/package.json" "$here/package-lock.json" "$here/build_bundle.mjs" | sha256sum | cut -d' ' -f1)
if [[ -f $dir/devtools-har.mjs && -f $dir/.stamp && $(cat "$dir/.stamp") == "$stamp" ]]; then
    echo "tests/har/setup.sh: up to date in $dir" >&2
    exit 0
fi

rm -f "$dir/.stamp" "$dir/devtools-har.mjs" "$dir/devtools-har.json"
cp "$here/package.json" "$here/package-lock.json" "$here/build_bundle.mjs" "$dir/"
echo "tests/har/setup.sh: npm ci in $dir" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) \
    || fail "npm ci failed in $dir (is the npm registry reachable?)"
(cd "$dir" && node build_bundle.mjs "$dir") || fail "bundling DevTools' HAR importer failed"
echo "$stamp" > "$dir/.stamp"
echo "tests/har/setup.sh: ready in $dir" >&2
