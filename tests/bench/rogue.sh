#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctest: a peer that sends media for streams it never negotiated (tests/bench/rogue.py),
# in a private network namespace.
# usage: rogue.sh BALIE LOADGEN OUTDIR      (exit 77 = skipped: no network namespace)
set -eu
if [ -z "${BALIE_BENCH_IN_NETNS:-}" ]; then
  unshare --net true 2>/dev/null || { echo "rogue media: cannot unshare --net; skipped"; exit 77; }
  BALIE_BENCH_IN_NETNS=1 exec unshare --net "$0" "$@"
fi
exec /usr/bin/python3 "$(dirname "$0")/rogue.py" --balie "$1" --loadgen "$2" --out "$3"
