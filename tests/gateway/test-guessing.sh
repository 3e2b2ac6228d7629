#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Guessing secrets against the real binary: wrong rating tokens and wrong API
# bearer tokens from one address use up its budget (limits.bad_links_per_minute,
# shared with forged join links); then even the right token gets 429 with
# Retry-After from that address, while another address (127.0.0.2, also
# loopback) is served. Talks to nothing but 127.0.0.1 and 127.0.0.2.
# Usage: test-guessing.sh BALIE
set -euo pipefail

balie=$1
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"

: > out
BALIE_LIMITS_BAD_LINKS_PER_MINUTE=3 BALIE_SERVER_LOG_LEVEL=info BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 \
  BALIE_SERVER_PORT=0 \
  BALIE_SERVER_DATA_DIR="$work/data" "$balie" > out 2> err &
pid=$!
wait_for '[ "$(wc -l < out)" -ge 1 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
[[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
port=${BASH_REMATCH[1]}
base="https://127.0.0.1:$port"
wait_for '[ -s data/secrets/api.token ]' 100 || fail "no API token"
token=$(cat data/secrets/api.token)

# status FROM METHOD PATH [curl args...]: the HTTP status; headers in `h`.
status() {
  local from=$1 method=$2 path=$3
  shift 3
  curl -sk --interface "$from" -o body -D h -w '%{http_code}' -X "$method" "$@" "$base$path" || true
}
rate() {
  status "$1" POST /api/v1/ratings -H 'Content-Type: application/json' \
    --data "{\"token\":\"$2\",\"scores\":{}}"
}
insights() { status "$1" GET /api/v1/insights -H "Authorization: Bearer $2"; }

# The right token works to begin with.
right=$(insights 127.0.0.1 "$token")
[ "$right" = 200 ] || fail "the right bearer token: HTTP $right: $(cat body)"
# The budget is 3 a minute: two forged rating tokens and a wrong bearer token use it up.
[ "$(rate 127.0.0.1 eyJub3QiOiJvdXJzIn0.AAAA)" = 403 ] || fail "forged rating token 1: $(cat body)"
[ "$(rate 127.0.0.1 eyJub3QiOiJvdXJzIn0.BBBB)" = 403 ] || fail "forged rating token 2: $(cat body)"
[ "$(insights 127.0.0.1 not-the-token-at-all)" = 401 ] || fail "wrong bearer token: $(cat body)"
ok "wrong rating and bearer tokens refused (403, 401)"

# Out of budget: refused before any check, even with the right token, with Retry-After.
[ "$(rate 127.0.0.1 eyJub3QiOiJvdXJzIn0.CCCC)" = 429 ] || fail "4th guess not throttled: $(cat body)"
grep -qi '^retry-after: [1-9]' h || fail "no Retry-After"
grep -q '"rate-limited"' body || fail "429 body: $(cat body)"
[ "$(insights 127.0.0.1 "$token")" = 429 ] || fail "the right token from the guessing address"
ok "the guessing address gets 429 with Retry-After, even with the right token"

# Another address is not affected; the others' pages are served meanwhile.
[ "$(insights 127.0.0.2 "$token")" = 200 ] || fail "another address with the right token: $(cat body)"
[ "$(rate 127.0.0.2 eyJub3QiOiJvdXJzIn0.DDDD)" = 403 ] || fail "another address's guess"
[ "$(status 127.0.0.1 GET /healthz)" = 200 ] || fail "/healthz from the guessing address"
ok "another address is served; the guessing one still gets its pages"
grep -q 'too many wrong tokens' err || fail "not logged"
! grep -q "$token" err || fail "the API token is in the log"

stop_gateway
