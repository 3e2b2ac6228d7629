#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `balie customer ref|forget|forget-ref` on a real data folder: the pseudonym
# an invite would give, one customer's contacts, events and rating deleted,
# another customer's kept, and clear errors for bad use.
# Usage: test-customer-cli.sh BALIE
set -euo pipefail

balie=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export BALIE_SERVER_DATA_DIR="$work/data"
mkdir -p "$work/data/secrets"

# No key yet: nothing can have a pseudonym, and nothing is created.
if "$balie" customer ref klant-1 > "$work/out" 2> "$work/err"; then fail "ref without a key succeeded"; fi
grep -q "pseudonym.key does not exist" "$work/err" || fail "unclear error: $(cat "$work/err")"
[ ! -e "$work/data/secrets/pseudonym.key" ] || fail "the key was created by ref"

printf 'a-pseudonym-key-of-at-least-32-bytes-long\n' > "$work/data/secrets/pseudonym.key"
chmod 600 "$work/data/secrets/pseudonym.key"
ref1=$("$balie" customer ref klant-1)
ref1b=$("$balie" customer ref klant-1)
ref2=$("$balie" customer ref klant-2)
[ "$ref1" = "$ref1b" ] || fail "the same id gave two pseudonyms"
[ "$ref1" != "$ref2" ] || fail "two ids gave one pseudonym"
[ "${#ref1}" -eq 22 ] || fail "pseudonym $ref1 is not 22 characters"
case "$ref1" in *klant*) fail "the pseudonym shows the id";; esac

# The store made by the command itself (schema at start), then two customers' contacts.
"$balie" customer forget-ref nobody-at-all > "$work/out"
grep -q "deleted 0 contacts, 0 events and 0 ratings" "$work/out" || fail "$(cat "$work/out")"
db="$work/data/metrics.db"
sqlite3 "$db" <<SQL
INSERT INTO contact (id, channel, customer_ref, offered_us, updated_us) VALUES
  ('c-1', 'video', '$ref1', 1, 1), ('c-2', 'video', '$ref1', 2, 2), ('c-3', 'video', '$ref2', 3, 3);
INSERT INTO contact_event (id, contact_id, channel, time_us, type) VALUES
  ('e-1', 'c-1', 'video', 1, 'offered'), ('e-2', 'c-2', 'video', 2, 'offered'),
  ('e-3', 'c-3', 'video', 3, 'offered');
INSERT INTO rating (contact_id, channel, time_us, nps, comment) VALUES
  ('c-1', 'video', 5, 9, 'persoonlijk'), ('c-3', 'video', 6, 7, 'blijft');
SQL
"$balie" customer forget klant-1 > "$work/out"
grep -q "deleted 2 contacts, 2 events and 1 ratings of customer $ref1" "$work/out" || fail "$(cat "$work/out")"
left=$(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM contact), (SELECT COUNT(*) FROM contact_event), (SELECT group_concat(comment) FROM rating)")
[ "$left" = "1|1|blijft" ] || fail "after forget: $left"

# Bad use says how to use it.
set +e
"$balie" customer forget > /dev/null 2> "$work/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "usage: balie customer" "$work/err" || fail "no usage error (rc $rc)"
set +e
"$balie" customer forget-ref 'not a ref' > /dev/null 2> "$work/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "is not a pseudonym" "$work/err" || fail "bad pseudonym accepted (rc $rc)"
echo "ok - customer ref is stable and opaque; forget deleted one customer's 2 contacts and kept the other's"
