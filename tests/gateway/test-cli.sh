#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The balie command line and lifecycle: --version, --check-config, the printed
# lines, and a clean exit on SIGTERM and SIGINT. Talks to nothing but 127.0.0.1.
# Usage: test-cli.sh BALIE SAMPLE_CONFIG
set -euo pipefail

balie=$1
sample=$2
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

"$balie" --version | grep -Eq '^balie [0-9]+\.[0-9]+\.[0-9]+ ' || fail "--version"
ok "--version"

[ "$("$balie" --config "$sample" --check-config)" = "config OK" ] || fail "sample is not OK"
[ "$("$balie" --check-config)" = "config OK" ] || fail "defaults are not OK"
ok "--check-config OK"

printf '[limits]\nmax_participants = 9\n' > bad.conf
if "$balie" --config bad.conf --check-config > out 2> err; then fail "bad config passed"; fi
grep -q 'limits.max_participants = 9: must be between 2 and 4' err || fail "message: $(cat err)"
[ ! -s out ] || fail "error on stdout"
if BALIE_SERVER_PORT=x "$balie" --check-config 2> err; then fail "bad env passed"; fi
grep -q 'BALIE_SERVER_PORT' err || fail "env message: $(cat err)"
if "$balie" --config missing.conf 2> err; then fail "missing file started"; fi
grep -q 'missing.conf' err || fail "missing file message: $(cat err)"
if "$balie" --no-such-option 2> /dev/null; then fail "unknown option accepted"; fi
ok "--check-config errors"

# Start, read the three lines, stop with a signal; the exit status must be 0.
# $3: rooms.link_only (with it no demo room is printed: calls open through links).
run_and_stop() {
  local signal=$1 format=$2 link_only=$3 line
  : > out
  BALIE_ROOMS_LINK_ONLY=$link_only BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=0 BALIE_SERVER_LOG_FORMAT=$format \
    BALIE_SERVER_DATA_DIR="$work/data" "$balie" > out 2> err &
  pid=$!
  for _ in $(seq 1 300); do
    [ "$(wc -l < out)" -ge 3 ] && break
    kill -0 "$pid" 2>/dev/null || fail "balie exited early: $(cat err)"
    sleep 0.1
  done
  [ "$(wc -l < out)" -ge 3 ] || fail "no banner after 30 s: $(cat err)"
  line=$(sed -n 1p out)
  [[ $line =~ ^Balie\ listening\ on\ https://127\.0\.0\.1:([0-9]+)$ ]] || fail "line 1: $line"
  local port=${BASH_REMATCH[1]}
  [ "$port" -gt 0 ] || fail "port 0 printed"
  if [ "$link_only" = true ]; then
    sed -n 2p out | grep -Eq "^Advisor: https://localhost:$port/console\.html$" ||
      fail "line 2: $(sed -n 2p out)"
    sed -n 3p out | grep -q "^Customer: the join link an advisor makes in the console" ||
      fail "line 3: $(sed -n 3p out)"
  else
    sed -n 2p out | grep -Eq "^Advisor: https://localhost:$port/advisor\.html\?room=demo-[0-9a-f]{6}$" ||
      fail "line 2: $(sed -n 2p out)"
    sed -n 3p out | grep -Eq "^Customer \(demo link\): https://localhost:$port/customer\.html\?room=demo-[0-9a-f]{6}$" ||
      fail "line 3: $(sed -n 3p out)"
  fi
  [ -s "$work/data/tls/cert.pem" ] || fail "no certificate"
  [ -s "$work/data/tls/key.pem" ] || fail "no key"
  [ "$(stat -c %a "$work/data/tls/key.pem")" = 600 ] || fail "key file is not 0600"
  # A second gateway on the same port fails at start, says why, exits 1.
  local status=0
  BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=$port \
    BALIE_SERVER_DATA_DIR="$work/data" "$balie" > out2 2> err2 || status=$?
  [ "$status" -eq 1 ] || fail "second gateway on port $port: exit status $status"
  grep -q 'cannot start the server' err2 || fail "second gateway: $(cat err2)"
  [ ! -s out2 ] || fail "second gateway printed: $(cat out2)"
  if [ "$format" = json ]; then
    # Every stderr line is a JSON object with the operator fields.
    while IFS= read -r l; do
      [[ $l == '{"timestamp":"'*'","level":"'*'","domain":"'*'","message":"'*'}' ]] ||
        fail "not a JSON log line: $l"
    done < err
  fi
  kill "-$signal" "$pid"
  status=0
  wait "$pid" || status=$?
  pid=
  [ "$status" -eq 0 ] || fail "exit status $status after SIG$signal: $(cat err)"
  ok "start and SIG$signal ($format logs)"
}
run_and_stop TERM text true
run_and_stop INT json false
