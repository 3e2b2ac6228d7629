#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The open-files limit with the real binary: started under a hard limit of 256
# (too low for 100 rooms of 4) it says so at start and still serves; with its
# descriptors nearly used up (idle connections held open), a new call and a
# connection check are refused with `capacity` instead of failing half-way, and
# once those connections go, calls are served again. Talks to nothing but 127.0.0.1.
# Usage: test-open-files.sh BALIE WS_JOIN
set -euo pipefail

balie=$1
ws_join=$2
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"

limit=256
: > out
# ws-join opens plain rooms by name; idle connections may stay 60 s.
(
  ulimit -Sn $limit -Hn $limit
  exec env BALIE_ROOMS_LINK_ONLY=false BALIE_LIMITS_REQUEST_TIMEOUT_SECONDS=60 \
    BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=0 BALIE_SERVER_LOG_LEVEL=info \
    BALIE_SERVER_DATA_DIR="$work/data" "$balie" > out 2> err
) &
pid=$!
wait_for '[ "$(wc -l < out)" -ge 1 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
[[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
port=${BASH_REMATCH[1]}
grep -q "the open-files limit is $limit but 100 rooms of 4 need about" err ||
  fail "no warning about the open-files limit: $(cat err)"
ok "a too-low open-files limit is reported at start"

# join ROOM PATH: prints what the client saw within a few seconds.
join() {
  ASAN_OPTIONS=detect_leaks=0 timeout 20 "$ws_join" "wss://127.0.0.1:$port$2" "$1" customer \
    > "client-$1" 2>&1 &
  pids+=($!)
}
join first /ws
wait_for "grep -q '^welcome' client-first" 200 || fail "first call: $(cat client-first)"

# Hold HTTPS connections with half-sent requests (slow clients, shut after the request
# timeout) until the gateway has about 92 % of its descriptors in use. Not bare TCP: a
# connection that never finishes its TLS handshake ties up a GLib worker thread instead
# (see docs/security.md).
used=$(ls /proc/$pid/fd | wc -l)
hold=$((limit * 92 / 100 - used))
python3 -c '
import socket, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
socks = []
for _ in range(int(sys.argv[2])):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: loc")
    socks.append(s)
print("holding", len(socks), flush=True)
time.sleep(40)
' "$port" "$hold" > holder 2>&1 &
holder=$!
pids+=("$holder")
wait_for 'grep -q holding holder' 200 || fail "could not open $hold connections: $(cat holder)"
wait_for "[ \$(ls /proc/$pid/fd | wc -l) -ge $((limit * 90 / 100)) ]" 100 ||
  fail "gateway holds only $(ls /proc/$pid/fd | wc -l) descriptors"
# The descriptor count is refreshed once a second.
sleep 1.2
join second /ws
wait_for "grep -q '^error capacity\|^closed' client-second" 200 || fail "second call: $(cat client-second)"
grep -q '^error capacity' client-second || fail "second call not refused with capacity: $(cat client-second)"
join check /ws/check
wait_for "grep -q '^error capacity\|^closed' client-check" 200 || fail "check: $(cat client-check)"
grep -q '^error capacity' client-check || fail "check not refused with capacity: $(cat client-check)"
grep -q 'file descriptors nearly used up' err || fail "not logged"
kill -0 "$pid" || fail "the gateway died"
ok "descriptors nearly used up: a new call and a check get capacity; the gateway stays up"

kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
wait_for "[ \$(ls /proc/$pid/fd | wc -l) -lt $((limit * 80 / 100)) ]" 300 ||
  fail "the gateway still holds $(ls /proc/$pid/fd | wc -l) descriptors"
sleep 1.2
join third /ws
wait_for "grep -q '^welcome' client-third" 200 || fail "third call after the connections went: $(cat client-third)"
ok "served again once the descriptors are free"

stop_gateway
