#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Kills the store with SIGKILL in the middle of a burst of events, then checks
# that every acknowledged event is in metrics.db and that no contact is
# half-written (its summary row agrees with its events).
# Usage: test-store-crash.sh STORE_BURST
set -euo pipefail

burst=$1
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for round in 1 2 3; do
  rm -rf "$work/data"; mkdir -p "$work/data"
  "$burst" "$work/data" 50000 > "$work/out" 2> "$work/err" &
  pid=$!
  # Kill at a different point each round, once a few hundred events are acknowledged.
  want=$((round * 400))
  for _ in $(seq 1 600); do
    [ "$(grep -c '^ack ' "$work/out" || true)" -ge "$want" ] && break
    kill -0 "$pid" 2>/dev/null || fail "store-burst exited: $(cat "$work/err")"
    sleep 0.05
  done
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  grep -q '^error' "$work/out" && fail "an event was refused: $(grep -m1 '^error' "$work/out")"
  acked=$(grep -c '^ack ' "$work/out" || true)
  [ "$acked" -ge "$want" ] || fail "only $acked events acknowledged"
  grep '^ack ' "$work/out" | cut -d' ' -f2 > "$work/acked"

  db="$work/data/metrics.db"
  # Every acknowledged event is there (matched by the seq in its attributes).
  missing=$(sqlite3 "$db" <<SQL
CREATE TEMP TABLE acked (seq INTEGER PRIMARY KEY);
.mode csv
.import $work/acked acked
SELECT COUNT(*) FROM acked WHERE seq NOT IN
  (SELECT CAST(json_extract(attrs, '\$.seq') AS INTEGER) FROM contact_event);
SQL
)
  [ "$missing" = 0 ] || fail "round $round: $missing of $acked acknowledged events missing"
  stored=$(sqlite3 "$db" 'SELECT COUNT(*) FROM contact_event')

  # No half-written contact: each summary agrees with the events stored for it.
  bad=$(sqlite3 "$db" "
    SELECT COUNT(*) FROM contact c WHERE
      (c.offered_us IS NOT NULL) != EXISTS (SELECT 1 FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'offered') OR
      (c.answered_us IS NOT NULL) != EXISTS (SELECT 1 FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'answered') OR
      (c.ended_us IS NOT NULL) != EXISTS (SELECT 1 FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'ended') OR
      c.screen_share_ms != 1000 * (SELECT COUNT(*) FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'screen_stopped');
    SELECT COUNT(*) FROM contact_event e WHERE NOT EXISTS (SELECT 1 FROM contact c WHERE c.id = e.contact_id);")
  [ "$bad" = "0
0" ] || fail "round $round: inconsistent contacts: $bad"
  echo "ok - round $round: killed after $acked acknowledged, $stored stored, none lost, contacts consistent"
done
