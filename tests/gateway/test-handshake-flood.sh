#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A flood of TCP connections from one address that never finish the TLS
# handshake (half send nothing, half half a ClientHello): past
# limits.handshakes_per_address they are shut before their handshake, the rest
# after limits.tls_handshake_timeout_seconds; meanwhile a client at another
# address keeps completing requests on new TLS connections (its latency is
# printed, not asserted), and afterwards the gateway's threads and descriptors
# are back where they were. Talks to nothing but 127.0.0.1 and 127.0.0.2.
# Usage: test-handshake-flood.sh BALIE
set -euo pipefail

balie=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"

: > out
BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=0 BALIE_SERVER_DATA_DIR="$work/data" \
  BALIE_SERVER_LOG_LEVEL=info "$balie" > out 2> err &
pid=$!
wait_for '[ "$(wc -l < out)" -ge 1 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
[[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
port=${BASH_REMATCH[1]}
fds() { ls "/proc/$pid/fd" | wc -l; }
threads() { ls "/proc/$pid/task" | wc -l; }
probe() { python3 "$here/connections.py" "$@"; }

# A few requests first, so that what the gateway sets up lazily (and GLib's first worker
# threads) are in the baseline; idle worker threads end after a while, so wait for that.
probe keepalive "$port" 4 2 > /dev/null
sleep 1
base_fds=$(fds)
base_threads=$(threads)
echo "baseline: $base_fds descriptors, $base_threads threads"

probe flood "$port" 300 "$pid" || fail "flood"
grep -q 'connection closed before TLS: too many handshakes from one address' err ||
  fail "no connection was refused before its handshake"
grep -q 'TLS handshake not done in time: connection closed' err || fail "no handshake timed out"
ok "unfinished handshakes from 127.0.0.1 (300 at a time) shut; 127.0.0.2 served meanwhile"

start=$(date +%s%N)
# GLib ends idle worker threads after about 15 s.
wait_for "[ \$(fds) -le $base_fds ] && [ \$(threads) -le $base_threads ]" 400 ||
  fail "after 40 s: $(fds) descriptors (baseline $base_fds), $(threads) threads (baseline $base_threads)"
ok "descriptors back to $(fds) and threads to $(threads) in $(( ($(date +%s%N) - start) / 1000000 )) ms"

stop_gateway
