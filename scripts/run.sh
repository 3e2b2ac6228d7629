#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds a release tree in build/ and starts the gateway.
# Usage: scripts/run.sh [balie options...]   e.g. scripts/run.sh --config my.conf
# Without --config it uses config/balie.conf.sample (every key at its default:
# https on port 8443, data in balie-data/ at the top of the repository).
set -euo pipefail

caller_dir=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# stdout is kept for the gateway's own lines ("Balie listening on ..."): the rest goes to stderr.
./scripts/install-deps.sh >&2
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build >&2

# The gateway runs from the repository (so balie-data/ lands there), but a
# relative --config path means the caller's directory.
absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$caller_dir" "$1" ;; esac; }
args=()
has_config=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    -c|--config) has_config=1; args+=("$1" "$(absolute "${2:-}")"); shift $(( $# > 1 ? 2 : 1 )) ;;
    --config=*) has_config=1; args+=("--config=$(absolute "${1#--config=}")"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ "$has_config" -eq 0 ] && [ -z "${BALIE_CONFIG:-}" ]; then
  args=(--config config/balie.conf.sample "${args[@]}")
  # The demo links below open plain rooms by name: allowed here, for trying Balie out
  # (production keeps rooms.link_only = true, the default).
  export BALIE_ROOMS_LINK_ONLY=${BALIE_ROOMS_LINK_ONLY:-false}
fi

# A demo advisor account on first start, so the console can be tried at once.
# Its password is kept (mode 0600) next to the data it protects.
demo_file=balie-data/demo-advisor.txt
if [ ! -s "$demo_file" ] && [ -z "${BALIE_NO_DEMO_ADVISOR:-}" ]; then
  mkdir -p balie-data && chmod 700 balie-data
  password=$(openssl rand -base64 12 | tr -d '/+=' | cut -c1-16)
  if printf '%s\n' "$password" | build/gateway/balie "${args[@]}" user add demo --role advisor >&2; then
    (umask 077 && printf '%s\n' "$password" > "$demo_file")
  fi
fi
if [ -s "$demo_file" ]; then
  echo "Advisor login (console.html): demo / $(cat "$demo_file")"
fi

exec build/gateway/balie "${args[@]}"
