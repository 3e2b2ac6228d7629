#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The two-node test (two-node.test.mjs) in a private network namespace: one real
# PostgreSQL (unix socket), two Balie nodes with their own host names (node-a at
# 127.0.0.11, node-b at 127.0.0.12: each in a UTS namespace of its own, as in two
# containers) sharing that store and one join-link key, and HAProxy in front at
# 127.0.0.1:8443 terminating TLS and choosing the node by consistent hashing on
# the `room` URL parameter, which pages and WebSocket URLs carry. Media goes to
# each node's own address, as in production.
#
# usage: tests/e2e/run-two-node.sh PATH/TO/balie
# needs: postgresql, haproxy, openssl, chromium + playwright-core (npm ci).
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/balie" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
gateway=$(realpath "$1")

if [ -z "${BALIE_E2E_TWO_NODE_NETNS:-}" ]; then
  BALIE_E2E_TWO_NODE_NETNS=1 exec unshare --net "$0" "$gateway"
fi
ip link set lo up

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] || { echo "two-node: PostgreSQL is not installed" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "two-node: haproxy is not installed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/balie-two-node.XXXXXX")
chmod 755 "$work"
pids=
status=1
as_pg=
[ "$(id -u)" -eq 0 ] && as_pg="runuser -u postgres --"

finish() {
  for pid in $pids; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $pids; do
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
  done
  $as_pg "$pgbin/pg_ctl" -D "$work/db" -m fast stop >/dev/null 2>&1 || true
  mkdir -p "$here/out"
  for f in node-a.log node-b.log haproxy.log; do cp "$work/$f" "$here/out/two-node-$f" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for f in node-a.log node-b.log; do
      echo "---- $f (last 30 lines) ----" >&2
      tail -n 30 "$work/$f" >&2 2>/dev/null || true
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT
trap 'exit 1' INT TERM

# PostgreSQL, unix socket only; it refuses to run as root.
# The socket goes in $work: PostgreSQL must be able to write there.
mkdir "$work/db"
[ -n "$as_pg" ] && chown postgres "$work" "$work/db"
$as_pg "$pgbin/initdb" -D "$work/db" -A trust -U balie >/dev/null
$as_pg "$pgbin/pg_ctl" -D "$work/db" -l "$work/db/log" -w -o "-k $work -c listen_addresses=" start >/dev/null
$as_pg "$pgbin/createdb" -h "$work" -U balie balie
echo "host=$work user=balie dbname=balie" >"$work/postgres.conninfo"

# One join-link key for both nodes, as docs/operations.md asks.
openssl rand -hex 32 >"$work/token.key"
chmod 0600 "$work/token.key" "$work/postgres.conninfo"

# The same advisor account on both nodes (users.db is a file per node).
for node in node-a node-b; do
  mkdir -p "$work/$node"
  echo "e2e-two-node-passphrase" | ASAN_OPTIONS=detect_leaks=0 BALIE_SERVER_DATA_DIR="$work/$node" \
    "$gateway" user add bert --role advisor >/dev/null
done

start_node() { # NAME ADDRESS
  mkdir -p "$work/$1"
  G_MESSAGES_DEBUG="balie balie-signaling" BALIE_QUEUES_NAMES=zorgvraag \
  BALIE_SERVER_LISTEN_ADDRESS="$2" BALIE_SERVER_PORT=8080 BALIE_SERVER_TLS=false \
  BALIE_SERVER_PUBLIC_URL=https://127.0.0.1:8443 \
  BALIE_SERVER_DATA_DIR="$work/$1" BALIE_SERVER_TOKEN_KEY_FILE="$work/token.key" \
  BALIE_MEDIA_ICE_LOCAL_ADDRESSES="$2" BALIE_ROOMS_LINK_ONLY=false \
  BALIE_STORE_BACKEND=postgresql BALIE_STORE_POSTGRES_CONNINFO_FILE="$work/postgres.conninfo" \
    unshare --uts sh -c 'hostname "$1"; exec "$2"' start-node "$1" "$gateway" >"$work/$1.log" 2>&1 &
  pids="$pids $!"
  node_pids="$node_pids $1=$!"
}
node_pids=
start_node node-a 127.0.0.11
start_node node-b 127.0.0.12

# HAProxy: TLS for browsers, plain HTTP to the nodes; the room decides the node.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/lb-key.pem" -out "$work/lb-cert.pem" 2>/dev/null
cat "$work/lb-cert.pem" "$work/lb-key.pem" >"$work/lb.pem"
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 256
  pidfile $work/haproxy.pid
  # One line per request (status, server, timings) in haproxy.log, kept in tests/e2e/out.
  log stderr format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend https
  bind 127.0.0.1:8443 ssl crt $work/lb.pem
  default_backend balie
backend balie
  # A room lives on one node: its pages and its WebSocket carry ?room=ROOM.
  # Other requests (assets, REST) go round-robin: every node serves them.
  balance url_param room
  hash-type consistent
  option httpchk GET /readyz
  http-check expect status 200
  http-response set-header X-Balie-Backend %s
  # Only for the test: X-Balie-Node pins a request to one node ("an advisor on node B").
  use-server node-a if { req.hdr(x-balie-node) -m str node-a }
  use-server node-b if { req.hdr(x-balie-node) -m str node-b }
  server node-a 127.0.0.11:8080 check inter 1s
  server node-b 127.0.0.12:8080 check inter 1s
CFG

# Ready when both nodes answer /readyz through their own address.
for node in 127.0.0.11 127.0.0.12; do
  i=0
  until curl -fsS "http://$node:8080/readyz" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 200 ] || { echo "two-node: $node is not ready within 20 s" >&2; exit 1; }
    sleep 0.1
  done
done
# HAProxy only now: a health check that finds a node still starting marks it down.
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
pids="$pids $haproxy_pid"
# It takes a moment to listen (under load, longer than the test's first request took).
i=0
until curl -fsSk "https://127.0.0.1:8443/readyz" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -ge 200 ] || ! kill -0 "$haproxy_pid" 2>/dev/null; then
    echo "two-node: HAProxy does not answer on 127.0.0.1:8443 within 20 s:" >&2
    cat "$work/haproxy.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "two-node: node-a 127.0.0.11, node-b 127.0.0.12, HAProxy https://127.0.0.1:8443, PostgreSQL $work"

cd "$root"
set +e
BALIE_URL=https://127.0.0.1:8443 \
BALIE_TWO_NODE_PSQL="$pgbin/psql -h $work -U balie -d balie" \
BALIE_TWO_NODE_LOGS="$work/node-a.log $work/node-b.log" \
BALIE_TWO_NODE_PIDS="$node_pids" \
  node --test --test-reporter=spec --test-concurrency=1 --test-timeout=240000 "$here/two-node.test.mjs"
status=$?
set -e
