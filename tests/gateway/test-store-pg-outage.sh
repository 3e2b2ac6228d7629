#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stops a real PostgreSQL (started here: initdb in a temp dir, unix socket
# only) in the middle of a paced burst of contact events, keeps writing while
# it is away (the store queues to DATA_DIR/metrics-queue.jsonl), starts it
# again, and then finds every acknowledged event in PostgreSQL, the disk queue
# empty and every contact consistent with its events. Exits 77 (skipped)
# when PostgreSQL is not installed.
# Usage: test-store-pg-outage.sh STORE_BURST
set -euo pipefail

burst=$1
contacts=1500 # 6000 events, 20 every 20 ms: about 6 s of writing
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "PostgreSQL not installed (apt-get install postgresql); skipping" >&2
  exit 77
fi
work=$(mktemp -d)
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  tail -n 20 "$work/err" >&2 2>/dev/null || true
  exit 1
}
pg_start() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -l "$work/pg.log" -w \
    -o "-k $work -c listen_addresses= -c fsync=on" start >/dev/null
}
acked() { grep -c '^ack ' "$work/out" || true; }
# Waits (at most $2 tenths of a second) until the command $1 succeeds.
wait_until() {
  for _ in $(seq 1 "$2"); do
    if eval "$1"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || fail "store-burst exited"
    sleep 0.1
  done
  fail "timed out waiting for: $1"
}
psql_q() { "${as_pg[@]}" psql -h "$work" -U balie -d postgres -Atc "$1"; }

"${as_pg[@]}" "$pgbin/initdb" -D "$work/db" -A trust -U balie >/dev/null
pg_start
mkdir -p "$work/data"
total=$((contacts * 4))
# Not through runuser: $! must be store-burst itself, so that kill reaches it
# (the socket is open to any local user; trust authentication).
BALIE_TEST_PG_CONNINFO="host=$work user=balie dbname=postgres" \
  "$burst" "$work/data" "$contacts" 20 > "$work/out" 2> "$work/err" &
pid=$!

# Up: some events go straight in. Then PostgreSQL goes away (fast shutdown).
wait_until '[ "$(acked)" -ge 800 ]' 300
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -m fast stop >/dev/null
down_at=$(acked)
# Away: events are still acknowledged, from the disk queue.
wait_until '[ "$(acked)" -ge $((down_at + 1500)) ]' 300
queued=$(grep '^spooled ' "$work/out" | tail -n1 | cut -d' ' -f2)
[ "${queued:-0}" -gt 0 ] || fail "nothing was queued on disk while PostgreSQL was down"
grep -q 'queueing to disk' "$work/err" || fail "the store did not say it queued to disk"
pg_start
up_at=$(acked)
# Back: the rest is written, and the disk queue is delivered first.
wait_until '[ "$(acked)" -ge '"$total"' ]' 600
wait_until '[ "$(grep "^spooled " "$work/out" | tail -n1)" = "spooled 0" ]' 600
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; pid=
grep -q '^error' "$work/out" && fail "an event was refused: $(grep -m1 '^error' "$work/out")"

# Every acknowledged event is in PostgreSQL, once.
grep '^ack ' "$work/out" | cut -d' ' -f2 | sort -n > "$work/acked"
psql_q "SELECT CAST(CAST(attrs AS json)->>'seq' AS INTEGER) FROM contact_event ORDER BY 1" > "$work/stored"
missing=$(comm -23 "$work/acked" "$work/stored" | wc -l)
[ "$missing" -eq 0 ] || fail "$missing of $(wc -l < "$work/acked") acknowledged events missing: $(comm -23 "$work/acked" "$work/stored" | head -n5 | tr '\n' ' ')"
dupes=$(uniq -d "$work/stored" | wc -l)
[ "$dupes" -eq 0 ] || fail "$dupes events stored twice"
[ ! -s "$work/data/metrics-queue.jsonl" ] || fail "the disk queue is not empty"
bad=$(psql_q "
  SELECT COUNT(*) FROM contact c WHERE
    (c.offered_us IS NOT NULL) != EXISTS (SELECT 1 FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'offered') OR
    (c.ended_us IS NOT NULL) != EXISTS (SELECT 1 FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'ended') OR
    c.screen_share_ms != 1000 * (SELECT COUNT(*) FROM contact_event e WHERE e.contact_id = c.id AND e.type = 'screen_stopped')")
[ "$bad" = 0 ] || fail "$bad contacts disagree with their events"
echo "ok - PostgreSQL stopped after $down_at acknowledged events, back after $up_at ($queued events waited in the disk queue);" \
  "all $(wc -l < "$work/acked") acknowledged events found once, disk queue empty, contacts consistent"
