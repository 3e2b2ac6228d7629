# SPDX-License-Identifier: Apache-2.0
# Shared by the gateway's shell tests (test-lifecycle.sh, test-crash-recovery.sh):
# a private work folder that goes away with every process the test started
# (set `pid` and append to `pids`), and fail / ok / wait_for.
# Source it after `set -euo pipefail`.
work=$(mktemp -d)
pid=
pids=()
cleanup() {
  for p in $pid "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; [ -f err ] && tail -20 err >&2; exit 1; }
ok() { echo "ok - $*"; }

# Waits up to $2 tenths of a second for command $1 (a string) to succeed.
wait_for() {
  for _ in $(seq 1 "$2"); do
    if eval "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Stops the gateway in $pid with SIGTERM and fails unless it exits with status 0.
stop_gateway() {
  kill -TERM "$pid"
  local code=0
  wait "$pid" || code=$?
  pid=
  [ "$code" -eq 0 ] || fail "exit status $code after SIGTERM"
}
