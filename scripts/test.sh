#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing (test tools included), builds everything with clang,
# AddressSanitizer + UBSan, warnings as errors and the libFuzzer targets in
# build-test/, and runs every test. Exits with ctest's status.
# Usage: scripts/test.sh [ctest options...]   e.g. scripts/test.sh -R config
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/install-deps.sh --test
CC=clang cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DBALIE_SANITIZE=ON -DBALIE_WERROR=ON -DBALIE_FUZZ=ON >/dev/null
cmake --build build-test

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

# ctest prints its "N% tests passed, M tests failed out of K" line before the
# timing and failure lists; move it to the end so it is the last thing shown.
set +e
ctest --test-dir build-test --output-on-failure --timeout 600 "$@" 2>&1 |
  awk '/^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+/ { summary = $0; next }
       { print; fflush() }
       END { if (summary != "") print summary }'
status=${PIPESTATUS[0]}
set -e
exit "$status"
