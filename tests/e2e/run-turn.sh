#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The TURN browser test (turn.test.mjs): a private network namespace with a real
# coturn (use-auth-secret, TURN over TLS on 443) at 127.0.0.3 and the gateway at
# 127.0.0.2, then tests/e2e/run-in-netns.sh runs the test in that namespace. The
# test itself blocks the browser's (127.0.0.1) UDP and all its TCP but to the
# gateway's HTTPS port and coturn's 443 with nft, as a strict firewall would.
#
# usage: tests/e2e/run-turn.sh PATH/TO/balie [TEST.test.mjs]   (default turn.test.mjs;
#        turn-outage.test.mjs stops and restarts coturn mid-call)
# needs: coturn (turnserver), nftables, openssl, certutil (libnss3-tools), root in the
#        namespace.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 PATH/TO/balie [TEST.test.mjs]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
gateway=$(realpath "$1")
test_file=${2:-turn.test.mjs}

if [ -z "${BALIE_E2E_TURN_NETNS:-}" ]; then
  BALIE_E2E_TURN_NETNS=1 exec unshare --net "$0" "$gateway" "$test_file"
fi
ip link set lo up

for tool in turnserver nft openssl certutil; do
  command -v $tool >/dev/null || { echo "e2e-turn: $tool is needed (scripts/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/balie-turn.XXXXXX")
turn_pid=
status=1
finish() {
  if [ -n "$turn_pid" ] && kill -0 "$turn_pid" 2>/dev/null; then
    kill -TERM "$turn_pid" 2>/dev/null || true
    wait "$turn_pid" 2>/dev/null || true
  fi
  # A coturn the test restarted (turn-outage.test.mjs) wrote its own pid file.
  if [ -s "$work/coturn.pid" ]; then
    again=$(cat "$work/coturn.pid")
    if [ "$again" != "$turn_pid" ] && kill -0 "$again" 2>/dev/null; then
      kill -TERM "$again" 2>/dev/null || true
    fi
  fi
  if [ "$status" -ne 0 ]; then
    echo "---- coturn log (last 40 lines) ----" >&2
    tail -n 40 "$work/coturn.log" >&2 2>/dev/null || true
  fi
  mkdir -p "$here/out" && cp "$work/coturn.log" "$here/out/coturn.log" 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT
trap 'exit 1' INT TERM

# The secret coturn and Balie share.
openssl rand -hex 24 >"$work/turn.secret"
chmod 0600 "$work/turn.secret"

# coturn's certificate for 443, from a test CA that Chromium trusts through an NSS
# database in a HOME of our own: Chromium checks TURN servers' certificates (a
# self-signed one gives no relay candidate at all), so this is the real check.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Balie e2e test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign" \
  -keyout "$work/ca-key.pem" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.3" \
  -keyout "$work/turn-key.pem" -out "$work/turn.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.3\nextendedKeyUsage=serverAuth\n' >"$work/turn.ext"
openssl x509 -req -in "$work/turn.csr" -CA "$work/ca.pem" -CAkey "$work/ca-key.pem" \
  -CAcreateserial -days 2 -extfile "$work/turn.ext" -out "$work/turn-cert.pem" 2>/dev/null
mkdir -p "$work/home/.pki/nssdb"
certutil -d "sql:$work/home/.pki/nssdb" -N --empty-password
certutil -d "sql:$work/home/.pki/nssdb" -A -t "C,," -n balie-e2e-ca -i "$work/ca.pem"

# Only what differs from containers/coturn/turnserver.conf: loopback addresses,
# loopback peers (the gateway is on 127.0.0.2) and files in $work.
cat >"$work/turnserver.conf" <<CONF
listening-ip=127.0.0.3
relay-ip=127.0.0.3
listening-port=3478
tls-listening-port=443
min-port=49160
max-port=49199
use-auth-secret
static-auth-secret=$(cat "$work/turn.secret")
realm=balie.test
fingerprint
cert=$work/turn-cert.pem
pkey=$work/turn-key.pem
allow-loopback-peers
no-multicast-peers
no-cli
no-dtls
no-software-attribute
simple-log
verbose
log-file=$work/coturn.log
pidfile=$work/coturn.pid
userdb=$work/turndb
CONF

turnserver -c "$work/turnserver.conf" >"$work/coturn.stdout" 2>&1 &
turn_pid=$!
# coturn is ready once it accepts TCP on 443 (TLS) at 127.0.0.3.
i=0
until ss -Hltn "src 127.0.0.3 and sport = :443" | grep -q .; do
  i=$((i + 1))
  if [ $i -ge 100 ] || ! kill -0 "$turn_pid" 2>/dev/null; then
    echo "e2e-turn: coturn did not listen on 127.0.0.3:443 within 10 s" >&2
    cat "$work/coturn.stdout" >&2 || true
    exit 1
  fi
  sleep 0.1
done
echo "e2e-turn: coturn pid $turn_pid on 127.0.0.3 (3478 udp/tcp, 443 tls)"

set +e
HOME="$work/home" BALIE_E2E_IN_NETNS=1 BALIE_E2E_GATEWAY_ADDRESS=127.0.0.2 \
BALIE_TURN_URLS="turn:127.0.0.3:3478?transport=udp;turn:127.0.0.3:3478?transport=tcp;turns:127.0.0.3:443?transport=tcp" \
BALIE_TURN_SECRET_FILE="$work/turn.secret" \
BALIE_E2E_COTURN_LOG="$work/coturn.log" \
BALIE_E2E_COTURN_CONF="$work/turnserver.conf" BALIE_E2E_COTURN_PID="$turn_pid" \
  "$here/run-in-netns.sh" "$gateway" "$test_file"
status=$?
set -e
