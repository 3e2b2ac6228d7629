#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs a test in a new network namespace with only loopback up, so nothing it
# starts (webrtcbin's libnice, for one, probes interfaces and UPnP) reaches a
# real network. Exits 77 (ctest: skipped) where namespaces are not allowed.
if ! unshare --net true 2>/dev/null; then
  echo "run-isolated: cannot create a network namespace (unshare --net); skipping" >&2
  exit 77
fi
exec unshare --net sh -c 'ip link set lo up && exec "$@"' run-isolated "$@"
