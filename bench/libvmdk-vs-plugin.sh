#!/usr/bin/env bash
# winvirtio bench: is libvmdk (libyal, Debian libvmdk-dev) correct and
# fast enough to be the plugin's reader?  Compares it with
# nbdkit-vmdk-plugin, qemu-img convert -O raw being the reference.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: bench/libvmdk-vs-plugin.sh [BUILDDIR]
#
# 1. Correctness: the MD5 of the virtual disk read by libvmdk
#    (bench/libvmdk-read.c), by the plugin (nbdcopy) and by qemu-img,
#    for the corpus VMDKs (if ../shared/corpus is there) and for
#    VMDKs qemu-img writes in every subformat, a qemu-img snapshot
#    chain, and the COWD and seSparse deltas of
#    tests/wv-mkvmdk-delta.py.  "FAIL(...)" is an error while opening
#    or reading.
# 2. Speed: reading a BENCH_SIZE_MIB (default 1024) mostly random disk
#    in full, as monolithicSparse and streamOptimized: libvmdk (one
#    handle, 1 MiB reads, to nothing) against the plugin under nbdcopy
#    with 1 and 4 connections to null:.  Best of BENCH_RUNS (3).

set -e

builddir="${1:-$(dirname "$0")/..}"
src="$(cd "$(dirname "$0")/.." && pwd)"
plugin="$builddir/plugin/.libs/nbdkit-vmdk-plugin.so"
corpus="${CORPUS:-$src/../shared/corpus}"
size_mib="${BENCH_SIZE_MIB:-1024}"
runs="${BENCH_RUNS:-3}"

for p in nbdkit qemu-img qemu-io nbdcopy pkg-config cc bc; do
  command -v $p > /dev/null || { echo "$0: $p is needed" >&2; exit 1; }
done
pkg-config --exists libvmdk ||
  { echo "$0: libvmdk-dev is needed" >&2; exit 1; }
test -f "$plugin" || { echo "$0: build first: $plugin" >&2; exit 1; }

d="$(mktemp -d "${TMPDIR:-/tmp}/libvmdk-bench.XXXXXX")"
trap 'rm -rf "$d"' EXIT
cc -O2 "$src/bench/libvmdk-read.c" -o "$d/libvmdk-read" \
  $(pkg-config --cflags --libs libvmdk)

md5_of () { md5sum | cut -c1-8; }
md5_qemu () { qemu-img convert -O raw "$1" "$d/q.raw" 2>/dev/null &&
                md5_of < "$d/q.raw" || echo "FAIL(qemu)"; rm -f "$d/q.raw"; }
md5_libvmdk () { "$d/libvmdk-read" "$1" - 2>/dev/null | md5_of;
                 test "${PIPESTATUS[0]}" = 0 || echo "FAIL(libvmdk)"; }
md5_plugin () { nbdkit -U - "$plugin" file="$1" --run 'nbdcopy "$uri" -' \
                  2>/dev/null | md5_of;
                test "${PIPESTATUS[0]}" = 0 || echo "FAIL(plugin)"; }

row ()
{
  local q l p
  q=$(md5_qemu "$2")
  l=$(md5_libvmdk "$2" | tail -1)
  p=$(md5_plugin "$2" | tail -1)
  printf "%-34s %-14s %-14s %-14s\n" "$1" "$q" \
    "$l$( [ "$l" = "$q" ] && echo ' ok')" "$p$( [ "$p" = "$q" ] && echo ' ok')"
}

echo "== correctness (first 8 hex digits of the MD5; ok = equals qemu-img)"
printf "%-34s %-14s %-14s %-14s\n" file qemu-img libvmdk plugin
if [ -d "$corpus/vmdk" ]; then
  v="$corpus/vmdk"
  for f in vmdk-rs/monolithicSparse.vmdk vmdk-rs/streamOptimized.vmdk \
           vmdk-rs/streamOptimizedWithMarkers.vmdk \
           vmdk-rs/twoGbMaxExtentSparse.vmdk vmdk-rs/vmfs_thick.vmdk \
           plaso/image.vmdk dfvfs/ext2.vmdk; do
    row "$f" "$v/$f"
  done
  bunzip2 -c "$v/qemu/iotest-version3.vmdk.bz2" > "$d/iotest-version3.vmdk"
  row qemu/iotest-version3.vmdk "$d/iotest-version3.vmdk"
fi

truncate -s 256M "$d/s.raw"
for off in 0 5 64 130 255; do
  head -c 1M /dev/urandom |
    dd of="$d/s.raw" bs=1M seek=$off conv=notrunc status=none
done
for sub in monolithicSparse monolithicFlat twoGbMaxExtentSparse \
           twoGbMaxExtentFlat streamOptimized; do
  qemu-img convert -f raw -O vmdk -o subformat=$sub "$d/s.raw" "$d/$sub.vmdk"
  row "qemu-img $sub" "$d/$sub.vmdk"
done
( cd "$d"
  qemu-img create -q -f vmdk -b monolithicSparse.vmdk -F vmdk snap.vmdk
  qemu-io -f vmdk -c 'write -P 0x5a 1M 3M' snap.vmdk > /dev/null )
row "qemu-img snapshot delta" "$d/snap.vmdk"
gen="/usr/bin/python3 $src/tests/wv-mkvmdk-delta.py"
$gen cowd "$d" esx monolithicSparse.vmdk 524288 0:65536 1048576:4096
row "our vmfsSparse (COWD) delta" "$d/esx.vmdk"
$gen sesparse "$d" esx2 monolithicSparse.vmdk 524288 0:65536 \
  zero:2097152:4096
row "our seSparse delta" "$d/esx2.vmdk"
rm -f "$d"/*.vmdk "$d/s.raw"

echo
echo "== speed (${size_mib} MiB disk, seconds, best of $runs)"
best_of ()
{
  local best= i s e t
  for (( i = 0; i < runs; i++ )); do
    s=$(date +%s.%N)
    "$@" > /dev/null || { echo "$0: failed: $*" >&2; exit 1; }
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then
      best=$t
    fi
  done
  echo "$best"
}
plugin_copy () { nbdkit -U - "$plugin" file="$1" \
                   --run "nbdcopy --connections=$2 \"\$uri\" null:"; }
truncate -s ${size_mib}M "$d/src.raw"
for (( b = 0; b < size_mib / 8; b++ )); do
  (( b % 8 == 7 )) && continue
  head -c 8M /dev/urandom |
    dd of="$d/src.raw" bs=8M seek=$b conv=notrunc status=none
done
printf "%-18s %10s %10s %10s\n" format libvmdk plugin-1c plugin-4c
for f in monolithicSparse streamOptimized; do
  qemu-img convert -f raw -O vmdk -o subformat=$f "$d/src.raw" "$d/$f.vmdk"
  tl=$(best_of "$d/libvmdk-read" "$d/$f.vmdk")
  t1=$(best_of plugin_copy "$d/$f.vmdk" 1)
  t4=$(best_of plugin_copy "$d/$f.vmdk" 4)
  printf "%-18s %9.2fs %9.2fs %9.2fs\n" $f $tl $t1 $t4
  rm -f "$d/$f.vmdk"
done
echo "($(nproc) CPUs)"
