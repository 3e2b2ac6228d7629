#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs test-store's scripted contacts against a real PostgreSQL started here
# (initdb in a temp dir, unix socket only, no TCP), asserting the same figures
# as on SQLite. Exits 77 (skipped) when PostgreSQL is not installed.
# Usage: test-store-postgres.sh TEST_STORE
set -euo pipefail

test_store=$1
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "PostgreSQL not installed (apt-get install postgresql); skipping" >&2
  exit 77
fi
work=$(mktemp -d)
chmod 755 "$work"
# PostgreSQL refuses to run as root.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${as_pg[@]}" "$pgbin/initdb" -D "$work/db" -A trust -U balie >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -l "$work/log" -w \
  -o "-k $work -c listen_addresses= -c fsync=on" start >/dev/null
BALIE_TEST_PG_CONNINFO="host=$work user=balie dbname=postgres" "${as_pg[@]}" "$test_store"
