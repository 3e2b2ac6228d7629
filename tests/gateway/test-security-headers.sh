#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every response of the real binary over HTTPS carries the security headers:
# pages, static files, health and metrics, the API (success and errors), join and
# queue links (a redirect and an error page), WebSocket handshakes and their
# refusals, a malformed request, a too-large body and a rate-limited client.
# Talks to nothing but 127.0.0.1.
# Usage: test-security-headers.sh BALIE
set -euo pipefail

balie=$1
# shellcheck source=script-lib.sh
. "$(dirname "$0")/script-lib.sh"

: > out
BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=0 BALIE_SERVER_DATA_DIR="$work/data" \
  BALIE_QUEUES_NAMES=walkin BALIE_LIMITS_HTTP_REQUESTS_PER_SECOND=20 "$balie" > out 2> err &
pid=$!
wait_for '[ "$(wc -l < out)" -ge 1 ] || ! kill -0 $pid 2>/dev/null' 300 || fail "no banner"
[[ $(sed -n 1p out) =~ :([0-9]+)$ ]] || fail "balie did not start: $(cat err)"
port=${BASH_REMATCH[1]}
base="https://127.0.0.1:$port"

# The response headers in file $1 (CRLF lines) carry every security header; $2 names the route.
check() {
  local file=$1 what=$2 status
  status=$(head -1 "$file" | tr -d '\r')
  [ -n "$status" ] || fail "$what: no response"
  grep -qi '^strict-transport-security: max-age=[1-9][0-9]*' "$file" || fail "$what ($status): no HSTS"
  grep -qi "^content-security-policy: default-src 'self';.*frame-ancestors 'none'" "$file" ||
    fail "$what ($status): no CSP with frame-ancestors"
  grep -qi '^referrer-policy: no-referrer' "$file" || fail "$what ($status): no Referrer-Policy"
  grep -qi '^x-content-type-options: nosniff' "$file" || fail "$what ($status): no nosniff"
  grep -qi '^permissions-policy: camera=(self), microphone=(self), display-capture=(self)' "$file" ||
    fail "$what ($status): no Permissions-Policy"
  grep -qi '^x-frame-options: DENY' "$file" || fail "$what ($status): no X-Frame-Options"
  ok "$what: $status"
}

# curl ARGS... PATH: headers to `h`; the status must be $expect.
fetch() {
  local expect=$1 what=$2
  shift 2
  local code
  code=$(curl -sk --http1.1 -o /dev/null -D h -w '%{http_code}' "$@") || true
  [ "$code" = "$expect" ] || fail "$what: HTTP $code, expected $expect"
  check h "$what"
}

fetch 200 "page /" "$base/"
fetch 200 "page /customer.html" "$base/customer.html"
fetch 200 "script /call.js" "$base/call.js"
fetch 200 "style /style.css" "$base/style.css"
fetch 404 "missing file" "$base/no-such-page.html"
fetch 404 "hidden file" "$base/.git/config"
fetch 200 "/healthz" "$base/healthz"
fetch 200 "/readyz" "$base/readyz"
fetch 405 "POST /readyz" -X POST "$base/readyz"
fetch 200 "/metrics" "$base/metrics"
fetch 200 "/brand.css" "$base/brand.css"
fetch 401 "API without login" "$base/api/v1/me"
fetch 404 "API unknown route" "$base/api/v1/nope"
fetch 400 "API bad body" -X POST -H 'Content-Type: application/json' --data '{' "$base/api/v1/login"
fetch 401 "insights without login" "$base/api/v1/insights"
fetch 400 "rating without token" -X POST -H 'Content-Type: application/json' --data '{}' \
  "$base/api/v1/ratings"
fetch 303 "queue link (redirect)" "$base/q/walkin"
fetch 404 "unknown queue" "$base/q/nope"
fetch 404 "forged join link" "$base/j/not-a-token"
fetch 400 "/ws without upgrade" "$base/ws"

# A WebSocket handshake: curl stops after the 101 (it does not speak WebSocket).
ws_key=$(openssl rand -base64 16)
curl -sk --http1.1 -o /dev/null -D h --max-time 3 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H "Sec-WebSocket-Key: $ws_key" "$base/ws" || true
grep -q '^HTTP/1.1 101' h || fail "websocket handshake: $(head -1 h)"
check h "websocket handshake /ws"
curl -sk --http1.1 -o /dev/null -D h --max-time 3 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H "Sec-WebSocket-Key: $ws_key" "$base/ws/check" || true
grep -q '^HTTP/1.1 101' h || fail "check handshake: $(head -1 h)"
check h "websocket handshake /ws/check"

# What no handler sees: a malformed request line, and a body announced too large.
raw() { printf "$1" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" 2>/dev/null > h || true; }
raw 'NONSENSE\r\n\r\n'
grep -Eq '^HTTP/1.[01] 400' h || fail "malformed request: $(head -1 h)"
check h "malformed request"
raw 'POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n'
grep -Eq '^HTTP/1.[01] 413' h || fail "huge body: $(head -1 h)"
check h "body too large"

# Last: a burst over the per-address rate (20/s, bursts of 80) gets 429 with the headers too.
# In parallel (each request is its own connection); the first refusal's headers are checked.
for _ in $(seq 1 150); do printf 'url = "%s/healthz"\noutput = "/dev/null"\n' "$base"; done > burst.cfg
curl -sk --http1.1 -Z --parallel-max 40 -D all-headers -K burst.cfg || true
awk 'BEGIN { RS = "\r\n\r\n" } /^HTTP\/1.1 429/ { print; exit }' all-headers > h
[ -s h ] || fail "no 429 among 150 parallel requests"
check h "rate-limited request"

stop_gateway
