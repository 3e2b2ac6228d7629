#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Browser end-to-end test: starts the gateway and runs tests/e2e/*.test.mjs
# (two headless Chromium pages in one call) inside a private network namespace,
# so no traffic can leave the machine.
#
# usage: tests/e2e/run-in-netns.sh PATH/TO/balie [TEST.test.mjs ...]
#        without TEST names every tests/e2e/*.test.mjs runs; a name without a
#        slash is looked up in tests/e2e/.
# env:   BALIE_SCREENSHOTS=1  also write docs/screenshots/call-{advisor,customer}.png
#        BALIE_E2E_KEEP=1     keep the temporary data directory and gateway log
#        BALIE_E2E_GATEWAY_ADDRESS=127.0.0.2  the loopback address the gateway listens
#                             and gathers ICE candidates on (default 127.0.0.1)
#        BALIE_E2E_IN_NETNS=1 already inside a namespace made by a wrapper (run-turn.sh)
#        BALIE_ROOMS_LINK_ONLY=true  refuse plain rooms (default false: the tests
#                             open rooms by name, customer.html?room=NAME)
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 PATH/TO/balie [TEST.test.mjs ...]" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
gateway=$(realpath "$1")
shift

if [ -z "${BALIE_E2E_IN_NETNS:-}" ]; then
  if ! command -v unshare >/dev/null; then
    echo "e2e: unshare (util-linux) is needed" >&2
    exit 1
  fi
  BALIE_E2E_IN_NETNS=1 exec unshare --net "$0" "$gateway" "$@"
fi

# From here on we are alone in a fresh network namespace: only loopback exists.
ip link set lo up

[ -x "$gateway" ] || { echo "e2e: gateway binary $gateway is not executable" >&2; exit 1; }
[ -d "$root/node_modules/playwright-core" ] || {
  echo "e2e: run 'npm ci' in $root first (playwright-core is missing)" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/balie-e2e.XXXXXX")
log="$work/gateway.log"
mkdir -p "$root/tests/e2e/out"
gateway_pid=
status=1

stop_gateway() {
  [ -n "$gateway_pid" ] || return 0
  if kill -0 "$gateway_pid" 2>/dev/null; then
    kill -TERM "$gateway_pid" 2>/dev/null || true
    i=0
    while kill -0 "$gateway_pid" 2>/dev/null && [ $i -lt 100 ]; do
      sleep 0.1
      i=$((i + 1))
    done
    if kill -0 "$gateway_pid" 2>/dev/null; then
      echo "e2e: gateway did not stop within 10 s of SIGTERM, sending SIGKILL" >&2
      kill -KILL "$gateway_pid" 2>/dev/null || true
    fi
  fi
  gateway_rc=0
  wait "$gateway_pid" || gateway_rc=$?
  gateway_pid=
  return $gateway_rc
}

finish() {
  gw_status=0
  stop_gateway || gw_status=$?
  if [ "$status" -eq 0 ] && [ "$gw_status" -ne 0 ]; then
    echo "e2e: the gateway exited with status $gw_status after SIGTERM" >&2
    status=1
  fi
  cp "$log" "$root/tests/e2e/out/gateway.log" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "---- gateway log (last 80 lines of $log) ----" >&2
    tail -n 80 "$log" >&2 || true
    echo "---- end of gateway log ----" >&2
  fi
  if [ -z "${BALIE_E2E_KEEP:-}" ] && [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "e2e: kept $work" >&2
  fi
  exit "$status"
}
trap finish EXIT
trap 'exit 1' INT TERM

# Info and debug lines of our own domains: the test looks for the room
# teardown line, and a failure is easier to read with the SDPs in the log.
# All browsers of a test share one loopback address, and a loaded machine makes
# their handshakes slow: no per-address handshake limit here.
G_MESSAGES_DEBUG="${G_MESSAGES_DEBUG:-balie balie-signaling balie-webrtc balie-config}" \
BALIE_SERVER_PORT=0 \
BALIE_SERVER_LISTEN_ADDRESS="${BALIE_E2E_GATEWAY_ADDRESS:-127.0.0.1}" \
BALIE_SERVER_DATA_DIR="$work/data" \
BALIE_MEDIA_ICE_LOCAL_ADDRESSES="${BALIE_E2E_GATEWAY_ADDRESS:-127.0.0.1}" \
BALIE_QUEUES_NAMES="${BALIE_QUEUES_NAMES:-hypotheek;pensioen}" \
BALIE_ROOMS_LINK_ONLY="${BALIE_ROOMS_LINK_ONLY:-false}" \
BALIE_LIMITS_HANDSHAKES_PER_ADDRESS="${BALIE_LIMITS_HANDSHAKES_PER_ADDRESS:-1000}" \
  "$gateway" >"$log" 2>&1 &
gateway_pid=$!

# The gateway prints "Balie listening on URL" once it accepts connections.
url=
i=0
while [ $i -lt 200 ]; do
  url=$(sed -n 's/^Balie listening on \([^ ]*\).*/\1/p' "$log" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$gateway_pid" 2>/dev/null; then
    echo "e2e: the gateway exited before listening" >&2
    exit 1
  fi
  sleep 0.1
  i=$((i + 1))
done
if [ -z "$url" ]; then
  echo "e2e: no 'Balie listening on' line within 20 s" >&2
  exit 1
fi
echo "e2e: gateway pid $gateway_pid at $url, log $log"

# The test files: the ones named, else all of them.
if [ $# -eq 0 ]; then
  set -- "$here"/*.test.mjs
else
  n=$#
  while [ $n -gt 0 ]; do
    case "$1" in
      */*) t=$(realpath "$1") ;;
      *) t=$here/$1 ;;
    esac
    [ -f "$t" ] || { echo "e2e: no test file $t" >&2; exit 2; }
    set -- "$@" "$t"
    shift
    n=$((n - 1))
  done
fi

cd "$root"
set +e
# The binary and data directory let a test add an advisor account (balie user add).
BALIE_URL="$url" BALIE_GATEWAY_LOG="$log" BALIE_GATEWAY="$gateway" BALIE_SERVER_DATA_DIR="$work/data" \
  BALIE_GATEWAY_PID="$gateway_pid" \
  node --test --test-reporter=spec --test-concurrency=1 --test-timeout=${BALIE_E2E_TEST_TIMEOUT_MS:-270000} "$@"
status=$?
set -e
