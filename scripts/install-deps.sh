#!/usr/bin/env bash
# winvirtio: install what building, the demo and the tests need, from
# Debian 12's own packages.  Run as root.  Does nothing if all is there.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
set -euo pipefail

packages=(
  # build
  build-essential autoconf automake libtool pkg-config
  nbdkit nbdkit-plugin-dev libnbd-dev libhivex-dev ntfs-3g-dev
  nettle-dev zlib1g-dev libarchive-dev libgnutls28-dev libxml2-dev perl
  # the sanitizer and fuzzing builds copy the tree with git ls-files
  git
  # demo and tests: independent checkers and pipeline tools
  nbdkit libnbd-bin python3-libnbd qemu-utils ntfs-3g sleuthkit libhivex-bin
  libwin-hivex-perl python3-hivex reglookup libregf-utils fdisk gdisk
  xz-utils gzip bzip2 openssl python3 valgrind
  # file(1): the machine of the PE images test-windows-arch.sh uses
  file
  # the fake virtio-win tree's signed catalogs (certtool: a key from a
  # seed, so every run gives the same bytes); real PE images and an
  # Authenticode signature from Debian's signed shim helpers
  gnutls-bin osslsigncode shim-helpers-amd64-signed
  # benchmarks (bench/): timings, VFAT system partitions, libvmdk to compare
  bc time mtools dosfstools libvmdk-dev
  # ISO images of the fake virtio-win tree, made at test time
  xorriso genisoimage
  # winvirtio domain's tests and demo: libvirt's schema check and test
  # driver (virt-xml-validate, virsh -c test:///default), KubeVirt's
  # schema through jsonschema; deploy/ tests: the manifests checked
  # against the stored schemas; the Forklift conversion pod's HTTP
  # server (socat) and its client in the test (curl)
  libvirt-clients libxml2-utils python3-jsonschema python3-yaml
  socat curl
  # fuzzing (fuzzing/run.sh): clang with its libFuzzer and ASan runtimes
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "$0: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
