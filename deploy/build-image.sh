#!/usr/bin/env bash
# winvirtio: build the OCI image with no registry (debootstrap, buildah).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: deploy/build-image.sh [IMAGE]     (default localhost/winvirtio:latest)
#
# Run as root on Debian 12 with debootstrap and buildah (apt-get install
# debootstrap buildah).  It makes a minbase Debian 12 root from the
# Debian mirror ($WV_MIRROR, default http://deb.debian.org/debian) with
# the runtime packages (nbdkit, libnbd-bin, qemu-utils and the
# libraries winvirtio links), builds a copy of this tree with
# --prefix=/usr and installs it there, adds the entrypoint, strips
# what a container does not need (docs, man pages, locales, apt's
# lists), and commits it with buildah.  deploy/Containerfile builds the
# same image for those who have a registry.  VDDK is not in the image:
# see winvirtio-entrypoint(1).  WV_ROOTFS_CACHE=DIR keeps the
# debootstrap result there (a tarball) for the next build.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
image=${1:-localhost/winvirtio:latest}
mirror=${WV_MIRROR:-http://deb.debian.org/debian}
# Keep in step with deploy/Containerfile.
packages=nbdkit,libnbd-bin,qemu-utils,libhivex0,libntfs-3g89,libnettle8,libarchive13,libxml2,mtools,socat

for cmd in debootstrap buildah; do
  command -v $cmd >/dev/null ||
    { echo "$0: $cmd is not installed (apt-get install $cmd)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root (debootstrap)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/wv-image.XXXXXX")
ctr=
trap 'rm -rf "$work"; [ -z "$ctr" ] || buildah rm "$ctr" >/dev/null 2>&1 || :' EXIT
root=$work/root
t0=$(date +%s)

cache=${WV_ROOTFS_CACHE:+$WV_ROOTFS_CACHE/rootfs-$(echo "$packages" | md5sum | cut -c1-8).tar}
if [ -n "$cache" ] && [ -f "$cache" ]; then
  mkdir "$root"
  tar -C "$root" -xf "$cache"
else
  debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" \
    > "$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; echo "$0: debootstrap failed" >&2; exit 1; }
  if [ -n "$cache" ]; then
    mkdir -p "$WV_ROOTFS_CACHE"
    tar -C "$root" -cf "$cache" .
  fi
fi
t1=$(date +%s)

# This tree, built afresh (a copy: the caller's tree may be configured
# for the sanitizers or for another prefix).
"$src/scripts/copy-source.sh" "$work/src"
( cd "$work/src" && autoreconf -fi >/dev/null 2>&1 &&
  ./configure --prefix=/usr >/dev/null &&
  make -j"${WV_JOBS:-2}" >/dev/null &&
  make install DESTDIR="$root" >/dev/null ) ||
  { echo "$0: building the tree failed" >&2; exit 1; }
find "$root/usr/lib" -name 'nbdkit-*.la' -delete
install -m 0755 "$src/deploy/winvirtio-entrypoint" "$root/usr/bin/winvirtio-entrypoint"
install -m 0755 "$src/deploy/winvirtio-forklift" "$root/usr/bin/winvirtio-forklift"
t2=$(date +%s)

# What a container does not need.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/* \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
       "$root"/usr/share/locale/* "$root"/tmp/*
chroot "$root" /usr/bin/winvirtio --version >/dev/null ||
  { echo "$0: winvirtio does not run in the new root" >&2; exit 1; }

ctr=$(buildah from scratch)
mnt=$(buildah mount "$ctr")
tar -C "$root" -cf - . | tar -C "$mnt" -xf -
buildah umount "$ctr" >/dev/null
buildah config --entrypoint '["/usr/bin/winvirtio-entrypoint"]' --cmd '' \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env WV_VDDK_LIBDIR=/opt/vmware-vix-disklib-distrib \
  --label org.opencontainers.image.title=winvirtio \
  --label org.opencontainers.image.licenses=LGPL-2.0-or-later \
  --workingdir /tmp "$ctr"
buildah commit --rm -q "$ctr" "$image" >/dev/null
ctr=
t3=$(date +%s)
size=$(buildah images --format '{{.Size}}' "$image" | head -n 1)
echo "$image: $size; debootstrap $((t1 - t0)) s, build and install $((t2 - t1)) s, commit $((t3 - t2)) s, total $((t3 - t0)) s"
