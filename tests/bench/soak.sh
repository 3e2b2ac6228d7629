#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The soak benchmark (soak.py) in a private network namespace.
# usage: soak.sh BALIE LOADGEN [soak.py options]   (exit 77 = skipped: no network namespace)
#   tests/bench/soak.sh build/gateway/balie build/tests/bench/balie-loadgen     # 500 cycles, 20 calls, 10 min
#   ... --cycles 30 --calls 2 --minutes 0.5 --check                           # the suite's short run
set -eu
if [ -z "${BALIE_BENCH_IN_NETNS:-}" ]; then
  unshare --net true 2>/dev/null || { echo "soak: cannot unshare --net; skipped"; exit 77; }
  BALIE_BENCH_IN_NETNS=1 exec unshare --net "$0" "$@"
fi
balie=$1
loadgen=$2
shift 2
exec /usr/bin/python3 "$(dirname "$0")/soak.py" --balie "$balie" --loadgen "$loadgen" "$@"
