#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ctest smoke run of the benchmark: one call through Balie and one direct, 2 s window,
# in a private network namespace. Figures are not checked, only that media flowed.
# usage: smoke.sh BALIE LOADGEN OUTDIR      (exit 77 = skipped: no network namespace)
set -eu
if [ -z "${BALIE_BENCH_IN_NETNS:-}" ]; then
  unshare --net true 2>/dev/null || { echo "bench smoke: cannot unshare --net; skipped"; exit 77; }
  BALIE_BENCH_IN_NETNS=1 exec unshare --net "$0" "$@"
fi
exec /usr/bin/python3 "$(dirname "$0")/bench.py" --balie "$1" --loadgen "$2" --out "$3" \
  --gateways balie,direct --calls 1 --settle 1 --window 2 --check
