#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Kept-alive HTTPS connections that the client closes between requests (a plain
# FIN, close_notify first, or a reset) give their descriptors back at once:
# libsoup 3.2 alone leaves each one open in CLOSE_WAIT until the gateway stops
# (signaling/connections.h). A WebSocket upgrade on a reused connection is not
# cut, and an idle kept-alive connection is closed after
# limits.request_timeout_seconds. Talks to nothing but 127.0.0.1.
# Usage: test-keepalive-close.sh BALIE
set -euo pipefail

balie=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"

# start_gateway REQUEST_TIMEOUT: sets pid and port.
start_gateway() {
  : > out
  BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=0 BALIE_SERVER_DATA_DIR="$work/data" \
    BALIE_LIMITS_REQUEST_TIMEOUT_SECONDS="$1" BALIE_SERVER_LOG_LEVEL=info "$balie" > out 2> err &
  pid=$!
  wait_for '[ "$(wc -l < out)" -ge 1 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
  [[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
  port=${BASH_REMATCH[1]}
}
fds() { ls "/proc/$pid/fd" | wc -l; }
close_wait() { ss -Htn state close-wait "( sport = :$port )" | wc -l; }
probe() { python3 "$here/connections.py" "$@"; }

start_gateway 30
# One connection first, so that what the gateway sets up lazily is in the baseline.
probe keepalive "$port" 1 2 > /dev/null
sleep 1
base=$(fds)
probe keepalive "$port" 120 3
start=$(date +%s%N)
if ! wait_for "[ \$(fds) -le $base ] && [ \$(close_wait) -eq 0 ]" 100; then
  fail "after 10 s the gateway holds $(fds) descriptors (baseline $base), $(close_wait) in CLOSE_WAIT"
fi
ok "120 kept-alive connections closed by the client: descriptors back to $base in" \
  "$(( ($(date +%s%N) - start) / 1000000 )) ms, none in CLOSE_WAIT"

probe pipeline "$port" || fail "pipelined requests"
ok "pipelined requests on a kept-alive connection are all answered"
probe websocket "$port" || fail "websocket on a reused connection"
ok "a WebSocket upgrade on a kept-alive connection is not cut"
stop_gateway

start_gateway 3
probe idle "$port" 12 || fail "idle connection"
ok "an idle kept-alive connection is closed after request_timeout_seconds (3 s here)"
wait_for "[ \$(close_wait) -eq 0 ]" 50 || fail "$(close_wait) connections in CLOSE_WAIT"
stop_gateway
