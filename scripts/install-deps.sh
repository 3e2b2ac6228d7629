#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package Balie needs to build, run and test.
# Idempotent: when everything is present it only checks, quietly.
# Usage: scripts/install-deps.sh [--test]   (--test also installs the npm test tools)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_test_tools=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test_tools=1 ;;
    -h|--help) sed -n '3,6p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-dev            # libFuzzer and the sanitizer runtimes for clang
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libssl-dev libsqlite3-dev libpq-dev libargon2-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libnice-dev libsrtp2-dev
  # run: the GStreamer elements the gateway checks for at start, and openssl
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-nice gstreamer1.0-tools openssl ca-certificates
  # test: browser, test tools, network namespaces and packet loss
  chromium nodejs npm iproute2 util-linux nftables curl
  # test: the metrics store (a real PostgreSQL, the sqlite3 shell) and promtool
  postgresql sqlite3 prometheus
  # test: TURN relay (e2e-turn; certutil makes Chromium trust its test CA) and the
  # load balancer of the two-node test
  coturn haproxy libnss3-tools
  # benchmark (tests/bench/run.sh): the gateway we compare with, the runner, the plot;
  # gdb: bench-rogue-media prints the gateway's thread stacks when its call never comes up
  janus python3 gnuplot-nox gdb
  # containers (tests/containers): image build without a Docker engine, manifest checks
  podman debootstrap yamllint python3-yaml
)

# A package counts as present when dpkg has it installed. node and npm may also
# come from elsewhere (e.g. NodeSource's nodejs, which bundles npm and conflicts
# with Debian's npm package): a working command is enough for those.
is_present() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 && return 0 ;;
    npm) command -v npm >/dev/null 2>&1 && return 0 ;;
  esac
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for pkg in "${packages[@]}"; do
  is_present "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run this script as root to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

if [ "$with_test_tools" -eq 1 ] && [ -f package.json ]; then
  # npm ci leaves node_modules/.package-lock.json behind; if that is newer than
  # the lock file and package.json, node_modules is already what they ask for.
  marker=node_modules/.package-lock.json
  lock=package-lock.json
  if [ ! -f "$marker" ] || [ package.json -nt "$marker" ] ||
     { [ -f "$lock" ] && [ "$lock" -nt "$marker" ]; }; then
    echo "install-deps: installing npm test tools"
    # Browsers come from Debian (chromium), never from a download.
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    npm_flags=(--no-audit --no-fund --loglevel=error)
    if [ -f "$lock" ]; then
      npm ci "${npm_flags[@]}"
    else
      npm install "${npm_flags[@]}"
    fi
    touch "$marker"
  fi
fi
