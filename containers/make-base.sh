#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Makes the Debian bookworm base image (localhost/debian:bookworm) from the
# Debian mirror with debootstrap, for machines that cannot pull from a
# registry. The minbase tree is cached as a tarball, so later runs only import.
# Usage: containers/make-base.sh [CACHE_DIR]   (default /var/cache/balie-test)
# Needs root, debootstrap and podman. Environment: BALIE_DEBIAN_MIRROR (default:
# the first deb.debian.org-style URI apt uses, else http://deb.debian.org/debian).
set -euo pipefail

cache=${1:-/var/cache/balie-test}
image=localhost/debian:bookworm
tarball=$cache/debian-bookworm-minbase.tar

mirror=${BALIE_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
    head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "make-base: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  # Smaller and reproducible enough: no apt lists or caches in the base.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
if ! podman image exists "$image"; then
  podman import --quiet "$tarball" "$image" > /dev/null
fi
echo "make-base: $image ready"
