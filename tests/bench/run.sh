#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Balie vs Janus density benchmark (docs/benchmarks.md): builds Balie and the load
# generator (Release), then runs bench.py inside a private network namespace while
# holding /tmp/balie-heavy.lock, so measurements never overlap other heavy jobs.
#
# usage: tests/bench/run.sh [bench.py options]   e.g. --calls 1,2,4,8 --gateways balie
# env:   BALIE_BENCH_BUILD   build folder (default /work/build-bench or ./build-bench)
#        BALIE_BENCH_NO_LOCK=1  do not take the lock (you hold it already)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -z "${BALIE_BENCH_IN_NETNS:-}" ]; then
  build=${BALIE_BENCH_BUILD:-}
  if [ -z "$build" ]; then
    if [ -d /work ]; then build=/work/build-bench; else build=$root/build-bench; fi
  fi
  for cmd in cmake ninja unshare ip taskset; do
    command -v "$cmd" >/dev/null || { echo "bench: $cmd is missing (scripts/install-deps.sh)" >&2; exit 1; }
  done
  command -v janus >/dev/null || echo "bench: janus is not installed: Balie only (apt-get install janus)" >&2
  if ! { cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
         ninja -C "$build" balie balie-loadgen >/dev/null; }; then
    # A tree being edited may not configure; an earlier build still measures.
    [ -x "$build/gateway/balie" ] && [ -x "$build/tests/bench/balie-loadgen" ] ||
      { echo "bench: build failed" >&2; exit 1; }
    echo "bench: build failed; measuring the binaries already in $build" >&2
  fi
  export BALIE_BENCH_IN_NETNS=1 BALIE_BENCH_BUILD="$build"
  if [ -n "${BALIE_BENCH_NO_LOCK:-}" ]; then
    exec unshare --net "$0" "$@"
  fi
  exec flock /tmp/balie-heavy.lock unshare --net "$0" "$@"
fi

# In a fresh network namespace: bench.py brings up lo and a dummy interface.
exec /usr/bin/python3 "$here/bench.py" \
  --balie "$BALIE_BENCH_BUILD/gateway/balie" \
  --loadgen "$BALIE_BENCH_BUILD/tests/bench/balie-loadgen" \
  --plot "$root/docs/benchmarks-cpu-rss.png" "$@"
