#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The gateway SIGKILLed mid-call and started again: the SQLite store passes its
# integrity check, the contact that was in flight is closed as failed with reason
# gateway-restart (and only that one), and the customer's link works again.
# Talks to nothing but 127.0.0.1.
# Usage: test-crash-recovery.sh BALIE WS_JOIN
set -euo pipefail

balie=$1
ws_join=$2
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"

db() { sqlite3 -batch -noheader "$work/data/metrics.db" "$1"; }

start() {
  : > out
  # ws-join opens plain rooms by name.
  BALIE_ROOMS_LINK_ONLY=false BALIE_NO_DEMO_ADVISOR=1 BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=0 \
    BALIE_SERVER_DATA_DIR="$work/data" BALIE_SERVER_LOG_LEVEL=info "$balie" > out 2>> err &
  pid=$!
  wait_for '[ "$(wc -l < out)" -ge 1 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
  [[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
  port=${BASH_REMATCH[1]}
}

join() {
  ASAN_OPTIONS=detect_leaks=0 "$ws_join" "wss://127.0.0.1:$port/ws" "$1" customer > "client-$1" 2>&1 &
  pids+=($!)
  wait_for "grep -q '^welcome' client-$1" 200 || fail "client $1 not welcomed: $(cat "client-$1")"
}

# ---- a finished contact and one in flight, then SIGKILL ----------------------
start
join done-before
kill -TERM "${pids[-1]}"
wait_for "[ \"\$(db \"SELECT outcome IS NOT NULL OR ended_us IS NOT NULL FROM contact WHERE id IN (SELECT contact_id FROM contact_event WHERE type = 'offered') ORDER BY offered_us LIMIT 1\")\" = 1 ]" 200 ||
  fail "the first contact was not closed: $(db 'SELECT * FROM contact')"
join in-flight
wait_for "[ \"\$(db 'SELECT count(*) FROM contact WHERE ended_us IS NULL')\" = 1 ]" 200 ||
  fail "the call in flight is not in the store: $(db 'SELECT * FROM contact')"
open_id=$(db 'SELECT id FROM contact WHERE ended_us IS NULL')
closed_before=$(db "SELECT id || '|' || coalesce(outcome, '') || '|' || coalesce(end_reason, '') FROM contact WHERE id != '$open_id'")
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
pid=
wait_for "grep -q '^closed' client-in-flight" 100 || fail "client not told: $(cat client-in-flight)"
ok "SIGKILL mid-call: the customer's connection ends ($(tail -1 client-in-flight))"

# ---- restart ------------------------------------------------------------------
[ "$(db 'PRAGMA integrity_check')" = ok ] || fail "integrity check after SIGKILL"
start
wait_for "[ \"\$(db \"SELECT end_reason FROM contact WHERE id = '$open_id'\")\" = gateway-restart ]" 300 ||
  fail "contact in flight not closed: $(db "SELECT * FROM contact WHERE id = '$open_id'")"
[ "$(db "SELECT outcome FROM contact WHERE id = '$open_id'")" = failed ] || fail "outcome"
[ "$(db "SELECT count(*) FROM contact_event WHERE contact_id = '$open_id' AND type = 'failed'")" = 1 ] ||
  fail "no failed event"
[ "$(db "SELECT ended_us >= offered_us FROM contact WHERE id = '$open_id'")" = 1 ] || fail "ended before offered"
[ "$(db "SELECT id || '|' || coalesce(outcome, '') || '|' || coalesce(end_reason, '') FROM contact WHERE id != '$open_id'")" = "$closed_before" ] ||
  fail "a contact that was already over changed"
grep -q 'contacts left open by a previous run closed as failed' err || fail "no log line"
ok "restart: integrity ok, the contact in flight closed as failed (gateway-restart), the rest untouched"

# The customer comes back with the same room: a new contact, served.
join in-flight
[ "$(db 'SELECT count(*) FROM contact WHERE ended_us IS NULL')" -le 1 ] || fail "open contacts"
kill -TERM "$pid"
wait "$pid" || fail "exit status after restart"
pid=
# A clean stop leaves nothing for the next start to close.
start
wait_for "grep -q 'no contacts left open by a previous run' err" 300 || fail "a clean stop left contacts open"
[ "$(grep -c 'contacts left open by a previous run closed' err)" = 1 ] || fail "closed twice"
ok "the customer rejoins after the restart; a clean stop leaves nothing open"
