#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PostgreSQL stopped under a running gateway: /readyz says so (503, reason
# "store") while /healthz stays up, a new call is still served, and once
# PostgreSQL is back /readyz is ready again and the contacts of both calls,
# the one during the outage included, are in PostgreSQL (delivered from the
# disk queue by itself, before any new event). Exits 77 (skipped)
# when PostgreSQL is not installed. Talks to nothing but 127.0.0.1 and a unix socket.
# Usage: test-readyz-outage.sh BALIE WS_JOIN
set -euo pipefail

balie=$1
ws_join=$2
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "PostgreSQL not installed (apt-get install postgresql); skipping" >&2
  exit 77
fi
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
pg_stop() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -m "$1" stop >/dev/null 2>&1 || true; }
trap 'pg_stop immediate; cleanup' EXIT
pg_start() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -l "$work/pg.log" -w \
    -o "-k $work -c listen_addresses=" start >/dev/null
}
psql_q() { "${as_pg[@]}" psql -h "$work" -U balie -d postgres -Atc "$1"; }
readyz() { curl -sk -o body -w '%{http_code}' "https://127.0.0.1:$port/readyz" || true; }

"${as_pg[@]}" "$pgbin/initdb" -D "$work/db" -A trust -U balie >/dev/null
pg_start
echo "host=$work user=balie dbname=postgres" > conninfo

: > out
# ws-join opens plain rooms by name.
BALIE_ROOMS_LINK_ONLY=false BALIE_LIMITS_REJOIN_GRACE_SECONDS=0 BALIE_STORE_BACKEND=postgresql \
  BALIE_STORE_POSTGRES_CONNINFO_FILE="$work/conninfo" BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 \
  BALIE_SERVER_PORT=0 BALIE_SERVER_DATA_DIR="$work/data" "$balie" > out 2> err &
pid=$!
wait_for '[ "$(wc -l < out)" -ge 1 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
[[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
port=${BASH_REMATCH[1]}

# Joins room $1, waits for the welcome, leaves (the contact ends).
call() {
  ASAN_OPTIONS=detect_leaks=0 "$ws_join" "wss://127.0.0.1:$port/ws" "$1" customer > "client-$1" 2>&1 &
  local client=$!
  pids+=("$client")
  wait_for "grep -q '^welcome' client-$1" 200 || fail "call $1 not served: $(cat "client-$1")"
  kill -TERM "$client"
  wait "$client" 2>/dev/null || true
}

wait_for '[ "$(readyz)" = 200 ]' 200 || fail "/readyz not ready at start: $(cat body)"
grep -q '"store":"ok"' body || fail "store not ok: $(cat body)"
call before
ok "ready with PostgreSQL up; a call served"

pg_stop fast
wait_for '[ "$(readyz)" = 503 ]' 300 || fail "/readyz still $(readyz) with PostgreSQL down: $(cat body)"
grep -q '"reasons":\["store"\]' body || fail "no store reason: $(cat body)"
grep -q '"store":"unavailable"' body || fail "store state: $(cat body)"
[ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/healthz")" = 200 ] ||
  fail "/healthz with PostgreSQL down"
call during
grep -q 'not ready: the metrics store does not answer' err || fail "no warning in the log"
ok "PostgreSQL down: /readyz 503 (store), /healthz 200, a new call still served"

pg_start
wait_for '[ "$(readyz)" = 200 ]' 300 || fail "/readyz not ready again: $(cat body)"
grep -q 'ready again: the metrics store answers' err || fail "no recovery line in the log"
# The disk queue is delivered by itself, not only when the next event comes.
wait_for '[ "$(psql_q "SELECT count(*) FROM contact WHERE ended_us IS NOT NULL" 2>/dev/null)" = 2 ]' 300 ||
  fail "the outage's contact did not reach PostgreSQL without a new event: $(psql_q 'SELECT * FROM contact' 2>&1)"
call after
# Every call's contact reaches PostgreSQL (the outage's from the disk queue), ended.
wait_for '[ "$(psql_q "SELECT count(*) FROM contact WHERE ended_us IS NOT NULL" 2>/dev/null)" = 3 ]' 300 ||
  fail "contacts in PostgreSQL: $(psql_q 'SELECT * FROM contact' 2>&1)"
ok "PostgreSQL back: /readyz 200, all three contacts stored"

stop_gateway
