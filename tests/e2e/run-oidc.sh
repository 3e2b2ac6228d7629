#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The OIDC login test (oidc.test.mjs) in a private network namespace: the gateway at
# 127.0.0.1:8443 with [oidc] pointing at a fake identity provider that the test runs at
# https://127.0.0.5:9443 (a real HTTPS server signing ID tokens with an RSA key it makes),
# trusted through oidc.ca_file; one Balie account, anna. No proxy resolver: libproxy
# throws C++ exceptions that the sanitizer build cannot take, and there is no proxy here.
#
# usage: tests/e2e/run-oidc.sh PATH/TO/balie
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/balie" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
gateway=$(realpath "$1")

if [ -z "${BALIE_E2E_OIDC_NETNS:-}" ]; then
  BALIE_E2E_OIDC_NETNS=1 exec unshare --net "$0" "$gateway"
fi
ip link set lo up

work=$(mktemp -d "${TMPDIR:-/tmp}/balie-oidc.XXXXXX")
gateway_pid=
status=1
finish() {
  if [ -n "$gateway_pid" ]; then
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if grep -q "ERROR: .*Sanitizer" "$work/gateway.log" 2>/dev/null; then
    echo "oidc: the sanitizer reported an error in the gateway" >&2
    status=1
  fi
  [ "$status" -eq 0 ] || tail -n 40 "$work/gateway.log" >&2 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT
trap 'exit 1' INT TERM

# The provider's certificate, from a CA that only Balie's oidc.ca_file trusts.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Balie e2e IdP CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign" -keyout "$work/ca-key.pem" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.5" \
  -keyout "$work/idp-key.pem" -out "$work/idp.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.5\nextendedKeyUsage=serverAuth\n' >"$work/idp.ext"
openssl x509 -req -in "$work/idp.csr" -CA "$work/ca.pem" -CAkey "$work/ca-key.pem" \
  -CAcreateserial -days 2 -extfile "$work/idp.ext" -out "$work/idp-cert.pem" 2>/dev/null
openssl rand -hex 24 >"$work/client.secret"

export BALIE_SERVER_DATA_DIR="$work/data" BALIE_SERVER_LISTEN_ADDRESS=127.0.0.1 BALIE_SERVER_PORT=8443 \
  BALIE_SERVER_PUBLIC_URL=https://127.0.0.1:8443
echo "not-the-password-used-here" | "$gateway" user add anna --role advisor >/dev/null
BALIE_OIDC_ISSUER=https://127.0.0.5:9443/realms/bank BALIE_OIDC_CLIENT_ID=balie \
BALIE_OIDC_CLIENT_SECRET_FILE="$work/client.secret" BALIE_OIDC_CA_FILE="$work/ca.pem" \
G_MESSAGES_DEBUG="balie balie-signaling" \
GIO_USE_PROXY_RESOLVER=dummy \
  "$gateway" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
i=0
until grep -q "^Balie listening on" "$work/gateway.log"; do
  i=$((i + 1))
  [ $i -lt 200 ] && kill -0 "$gateway_pid" || { echo "oidc: the gateway did not start" >&2; exit 1; }
  sleep 0.1
done

cd "$root"
set +e
BALIE_URL=https://127.0.0.1:8443 BALIE_GATEWAY_LOG="$work/gateway.log" \
BALIE_OIDC_IDP_CERT="$work/idp-cert.pem" BALIE_OIDC_IDP_KEY="$work/idp-key.pem" \
BALIE_OIDC_CLIENT_SECRET_FILE="$work/client.secret" \
  node --test --test-reporter=spec --test-timeout=60000 "$here/oidc.test.mjs"
status=$?
set -e
