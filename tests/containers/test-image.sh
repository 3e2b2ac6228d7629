#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Balie image without a registry or a Docker engine and smoke-tests
# it: the debootstrap base (cached in CACHE_DIR), `podman build
# --isolation=chroot`, then `podman create` + `podman mount` + chroot (podman
# run is not available here): `balie --version`, the non-root user, no -dev
# packages, and balie started as that user answering /healthz and /readyz on
# loopback inside a network namespace of its own, then stopping on SIGTERM.
#
# Part of the default suite: with podman's layer cache (apt layers unchanged)
# the build recompiles only the gateway, about a minute and a half on 2 cores;
# the first build on a machine also runs debootstrap and apt (see
# docs/operations.md, "Install"). BALIE_TEST_CONTAINERS=0 leaves it out.
# Skips (77) then, when not root, or when podman/debootstrap are missing.
# Usage: test-image.sh SOURCE_DIR [CACHE_DIR]
set -euo pipefail

src=$1
cache=${2:-/var/cache/balie-test}
image=localhost/balie:test
lock=/tmp/balie-heavy.lock

skip() { echo "SKIP: $*"; exit 77; }
[ "${BALIE_TEST_CONTAINERS:-1}" != 0 ] || skip "image build left out (BALIE_TEST_CONTAINERS=0)"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, podman mount, chroot)"
for tool in podman debootstrap unshare curl; do
  command -v "$tool" > /dev/null || skip "$tool is missing (scripts/install-deps.sh installs it)"
done

ctr=
mnt_done=0
cleanup() {
  if [ -n "$ctr" ]; then
    [ "$mnt_done" -eq 1 ] && podman umount "$ctr" > /dev/null 2>&1 || true
    podman rm -f "$ctr" > /dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# Heavy steps wait for other heavy runs (benchmarks) instead of disturbing them.
flock -w 1200 "$lock" "$src/containers/make-base.sh" "$cache"
start=$(date +%s)
flock -w 1200 "$lock" podman build --isolation=chroot --from localhost/debian:bookworm \
  --build-arg BASE=localhost/debian:bookworm --format docker --layers \
  -f "$src/containers/Containerfile" -t "$image" "$src" > "$cache/build.log" 2>&1 ||
  { tail -30 "$cache/build.log" >&2; fail "podman build"; }
size=$(podman image inspect --format '{{.Size}}' "$image")
ok "image built in $(($(date +%s) - start)) s, $((size / 1000000)) MB"

[ "$(podman image inspect --format '{{.Config.User}}' "$image")" = balie ] || fail "image user is not balie"
podman image inspect --format '{{json .Config.Healthcheck}}' "$image" | grep -q balie-healthcheck ||
  fail "no HEALTHCHECK in the image"
podman image inspect --format '{{json .Config.ExposedPorts}}' "$image" | grep -q '8443/tcp' ||
  fail "8443/tcp not exposed"
ok "image metadata: user balie, HEALTHCHECK, EXPOSE 8443/tcp"

ctr=$(podman create "$image")
mnt=$(podman mount "$ctr")
mnt_done=1
chroot "$mnt" /usr/local/bin/balie --version | grep -Eq '^balie [0-9]+\.[0-9]+\.[0-9]+ ' ||
  fail "balie --version in the image"
ok "balie --version: $(chroot "$mnt" /usr/local/bin/balie --version)"
dev=$(chroot "$mnt" dpkg-query -W -f '${Package}\n' | grep -E -- '-dev$|^(gcc|g[+][+]|cpp|clang)(-[0-9]+)?$|^cmake$|^build-essential$' || true)
[ -z "$dev" ] || fail "build packages in the runtime image: $dev"
ok "no -dev packages or compilers in the runtime image"
for f in share/balie/web/insights.html share/balie/web/insights.js share/balie/vendor/uplot/uPlot.esm.js \
  share/balie/vendor/uplot/uPlot.min.css; do
  [ -s "$mnt/usr/local/$f" ] || fail "$f is not in the image"
done
ok "the insights page and its uPlot charts are in the image"

# Start it as the image's user, in a mount and network namespace of our own
# (loopback only); /dev and /proc are mounted inside, gone with the namespace.
uid=$(chroot "$mnt" id -u balie)
unshare --mount --net --fork bash -euo pipefail -c '
  mnt=$1 uid=$2
  ip link set lo up
  mount --rbind /dev "$mnt/dev"
  mount -t proc proc "$mnt/proc"
  mount -t tmpfs tmpfs "$mnt/var/lib/balie"
  chown "$uid:$uid" "$mnt/var/lib/balie"
  chroot --userspec="$uid:$uid" "$mnt" env -i PATH=/usr/local/bin:/usr/bin:/bin \
    HOME=/var/lib/balie BALIE_SERVER_DATA_DIR=/var/lib/balie BALIE_SERVER_LOG_FORMAT=json \
    GST_REGISTRY=/var/lib/balie/gst-registry.bin BALIE_SERVER_DRAIN_SECONDS=5 \
    sh -c "cd /var/lib/balie && exec /usr/local/bin/balie" > /tmp/balie-image.out 2> /tmp/balie-image.err &
  pid=$!
  for _ in $(seq 1 300); do
    curl -sfk -o /dev/null https://127.0.0.1:8443/healthz && break
    kill -0 $pid 2> /dev/null || { cat /tmp/balie-image.err >&2; exit 1; }
    sleep 0.1
  done
  curl -sfk https://127.0.0.1:8443/healthz | grep -q "\"status\":\"ok\"" || { echo "no /healthz" >&2; exit 1; }
  for _ in $(seq 1 100); do
    curl -sfk -o /dev/null https://127.0.0.1:8443/readyz && break
    sleep 0.1
  done
  curl -sfk https://127.0.0.1:8443/readyz | grep -q "\"status\":\"ready\"" || { echo "no /readyz" >&2; exit 1; }
  chroot "$mnt" /usr/local/bin/balie-healthcheck || { echo "balie-healthcheck failed" >&2; exit 1; }
  for path in /insights.html /vendor/uplot/uPlot.esm.js /vendor/uplot/uPlot.min.css; do
    curl -sfk -o /dev/null "https://127.0.0.1:8443$path" || { echo "$path not served" >&2; exit 1; }
  done
  kill -TERM $pid
  wait $pid
' bash "$mnt" "$uid" || fail "balie in the image did not serve /healthz and /readyz or stop cleanly"
ok "balie runs as uid $uid in the image, answers /healthz and /readyz, serves the insights assets, exits 0 on SIGTERM"
