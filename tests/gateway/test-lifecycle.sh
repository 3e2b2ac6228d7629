#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Drain, readiness and reload with the real binary: /readyz, SIGTERM drains
# (new WebSockets refused, a running call goes on until drain_seconds, then
# exit 0), a leaving last participant ends the drain early, a second SIGTERM
# stops at once, SIGHUP reloads the TLS certificate and the log level.
# Talks to nothing but 127.0.0.1.
# Usage: test-lifecycle.sh BALIE WS_JOIN
set -euo pipefail

balie=$1
ws_join=$2
# The client is a test tool: leak checks are for the gateway (clang's LSan cannot stop
# the client's GLib threads at exit here and fails the run).
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"

http_status() { curl -sk -o body -w '%{http_code}' "https://127.0.0.1:$port$1"; }

# Starts the gateway with config file $1; sets pid and port.
start() {
  : > out
  # ws-join opens plain rooms by name.
  BALIE_ROOMS_LINK_ONLY=false BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=0 \
    BALIE_SERVER_DATA_DIR="$work/data" "$balie" --config "$1" > out 2> err &
  pid=$!
  wait_for '[ "$(wc -l < out)" -ge 3 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
  [[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
  port=${BASH_REMATCH[1]}
}

# Joins room $1 in the background; its output goes to client-$1.
join() {
  ASAN_OPTIONS=detect_leaks=0 "$ws_join" "wss://127.0.0.1:$port/ws" "$1" customer > "client-$1" 2>&1 &
  pids+=($!)
  wait_for "grep -q '^welcome' client-$1" 100 || fail "client $1 not welcomed: $(cat "client-$1")"
}

stopped_with() {
  local status=0
  wait "$pid" || status=$?
  pid=
  [ "$status" -eq "$1" ] || fail "exit status $status, expected $1"
}

printf '[server]\ndrain_seconds = 8\n' > drain8.conf

# ---- readiness, reload ---------------------------------------------------
start drain8.conf
[ "$(http_status /healthz)" = 200 ] || fail "/healthz"
wait_for '[ "$(http_status /readyz)" = 200 ]' 100 || fail "/readyz not 200: $(cat body)"
grep -q '"status":"ready","reasons":\[\],"draining":false,"store":"ok","turn":"not-configured"' body ||
  fail "body: $(cat body)"
[ "$(curl -sk -o /dev/null -w '%{http_code}' -X POST "https://127.0.0.1:$port/readyz")" = 405 ] ||
  fail "POST /readyz"
ok "/healthz and /readyz answer 200"

fingerprint() {
  openssl s_client -connect "127.0.0.1:$port" < /dev/null 2> /dev/null |
    openssl x509 -noout -fingerprint -sha256
}
old=$(fingerprint)
[ -n "$old" ] || fail "no certificate served"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout new-key.pem \
  -out new-cert.pem 2> /dev/null
new=$(openssl x509 -in new-cert.pem -noout -fingerprint -sha256)
cp new-cert.pem data/tls/cert.pem
cp new-key.pem data/tls/key.pem
# An http 404 is logged at level info: not shown at "message", shown after SIGHUP with "info".
http_status /no-such-page > /dev/null
printf '[server]\ndrain_seconds = 8\nlog_level = info\n' > drain8.conf
kill -HUP "$pid"
wait_for 'grep -q "TLS certificate reloaded" err' 50 || fail "no reload message"
[ "$(fingerprint)" = "$new" ] || fail "old certificate still served after SIGHUP"
[ "$old" != "$new" ] || fail "fingerprints equal"
grep -q 'http 404' err && fail "info line before log_level = info"
http_status /no-such-page > /dev/null
wait_for 'grep -q "http 404" err' 30 || fail "log_level = info not applied by SIGHUP"
# A broken certificate file keeps the old one and says so.
echo broken > data/tls/cert.pem
kill -HUP "$pid"
wait_for 'grep -q "TLS certificate not reloaded" err' 50 || fail "broken certificate accepted"
[ "$(fingerprint)" = "$new" ] || fail "certificate lost after a failed reload"
cp new-cert.pem data/tls/cert.pem
ok "SIGHUP reloads the certificate and the log level, keeps the old certificate on error"

# ---- drain until the deadline --------------------------------------------
join a
kill -TERM "$pid"
term_at=$(date +%s%N)
wait_for '[ "$(http_status /readyz)" = 503 ]' 20 || fail "/readyz not 503 while draining"
grep -q '"status":"not-ready","reasons":\["draining"\]' body || fail "drain body: $(cat body)"
[ "$(http_status /healthz)" = 200 ] || fail "/healthz while draining"
ASAN_OPTIONS=detect_leaks=0 "$ws_join" "wss://127.0.0.1:$port/ws" b customer > client-b 2>&1 || fail "client b: $(cat client-b)"
grep -q '^error capacity$' client-b || fail "new call not refused: $(cat client-b)"
grep -q '^closed 1001$' client-b || fail "refusal close code: $(cat client-b)"
grep -q '^welcome' client-b && fail "a new call was let in while draining"
kill -0 "$pid" 2> /dev/null || fail "stopped before the drain time"
grep -q '^closed' client-a && fail "running call ended early"
stopped_with 0
took_ms=$((($(date +%s%N) - term_at) / 1000000))
[ "$took_ms" -ge 7500 ] && [ "$took_ms" -le 14000 ] || fail "drain of 8 s took $took_ms ms"
grep -q 'drain finished (time is up)' err || fail "no drain-finished line"
wait_for "grep -q '^closed 1001' client-a" 30 || fail "running call not closed: $(cat client-a)"
ok "SIGTERM drains: /readyz 503, new calls refused, running call kept until drain_seconds, exit 0"

# ---- the last call leaving ends the drain; a second SIGTERM stops at once --
printf '[server]\ndrain_seconds = 120\n' > drain120.conf
start drain120.conf
join c
kill -TERM "$pid"
wait_for 'grep -q "draining: no new calls" err' 30 || fail "no drain message"
kill -TERM "${pids[-1]}"
t0=$(date +%s)
stopped_with 0
[ $(($(date +%s) - t0)) -le 5 ] || fail "drain did not end when the call did"
grep -q 'drain finished (no call running)' err || fail "no idle drain line"
ok "drain ends when the last participant leaves"

start drain120.conf
join d
kill -TERM "$pid"
wait_for 'grep -q "draining: no new calls" err' 30 || fail "no drain message"
kill -TERM "$pid"
t0=$(date +%s)
stopped_with 0
[ $(($(date +%s) - t0)) -le 5 ] || fail "second SIGTERM did not stop at once"
grep -q 'shutting down now' err || fail "no second-SIGTERM line"
ok "a second SIGTERM stops at once"
