#!/usr/bin/env bash
# winvirtio bench: nbdkit-vmdk-plugin against qemu-nbd serving the same
# VMDK, copied to null: by nbdcopy with 4 connections.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Usage: bench/vmdk-vs-qemu-nbd.sh [BUILDDIR]
#
# Makes a mostly-random sparse raw disk at run time (BENCH_SIZE_MIB,
# default 1536: random data except one hole in eight 8 MiB blocks),
# converts it with qemu-img to monolithicSparse, monolithicFlat and
# streamOptimized (BENCH_FORMATS), then for each times
#   nbdcopy --connections=4 URI null:
# against "nbdkit vmdk" and "qemu-nbd -r -f vmdk" (best of
# BENCH_RUNS, default 3; the files stay in the page cache, as for both
# servers alike).  Prints seconds and the ratio qemu-nbd / nbdkit
# (above 1: the plugin is faster).  BENCH_REQUEST_SIZE sets nbdcopy's
# --request-size (default: nbdcopy's own, 256 KiB), to see how both
# servers do with requests smaller than a grain.

set -e

builddir="${1:-$(dirname "$0")/..}"
plugin="$builddir/plugin/.libs/nbdkit-vmdk-plugin.so"
size_mib="${BENCH_SIZE_MIB:-1536}"
runs="${BENCH_RUNS:-3}"
formats="${BENCH_FORMATS:-monolithicSparse monolithicFlat streamOptimized}"
rs=${BENCH_REQUEST_SIZE:+--request-size=$BENCH_REQUEST_SIZE}

for p in nbdkit qemu-nbd qemu-img nbdcopy; do
  command -v $p > /dev/null || { echo "$0: $p is needed" >&2; exit 1; }
done
test -f "$plugin" || { echo "$0: build first: $plugin" >&2; exit 1; }

d="$(mktemp -d "${TMPDIR:-/tmp}/vmdk-bench.XXXXXX")"
qpid=
cleanup ()
{
  test -n "$qpid" && kill "$qpid" 2>/dev/null
  rm -rf "$d"
}
trap cleanup EXIT

# The source: 8 MiB blocks of random data, every eighth left a hole.
truncate -s ${size_mib}M "$d/src.raw"
for (( b = 0; b < size_mib / 8; b++ )); do
  (( b % 8 == 7 )) && continue
  head -c 8M /dev/urandom |
    dd of="$d/src.raw" bs=8M seek=$b conv=notrunc status=none
done

# best_of CMD...: the shortest wall time of $runs runs, in seconds.
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

copy_nbdkit ()
{
  nbdkit -U - "$plugin" file="$1" \
    --run "nbdcopy --connections=4 $rs \"\$uri\" null:"
}

copy_qemu_nbd ()
{
  nbdcopy --connections=4 $rs "nbd+unix:///?socket=$d/qemu.sock" null:
}

printf "%-18s %10s %10s %8s\n" format nbdkit qemu-nbd ratio
for f in $formats; do
  qemu-img convert -f raw -O vmdk -o subformat=$f "$d/src.raw" "$d/$f.vmdk"
  tn=$(best_of copy_nbdkit "$d/$f.vmdk") || exit 1

  rm -f "$d/qemu.sock" "$d/qemu.pid"
  qemu-nbd -r -f vmdk -t -e 8 -k "$d/qemu.sock" --fork \
    --pid-file="$d/qemu.pid" "$d/$f.vmdk"
  qpid=$(cat "$d/qemu.pid")
  tq=$(best_of copy_qemu_nbd) || exit 1
  kill "$qpid"
  qpid=

  printf "%-18s %9.2fs %9.2fs %8.2f\n" $f $tn $tq "$(echo "$tq / $tn" | bc -l)"
  rm -f "$d/$f"*.vmdk
done
echo "(${size_mib} MiB virtual, $(nproc) CPUs, nbdcopy --connections=4 $rs to null:)"
