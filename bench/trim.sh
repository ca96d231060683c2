#!/usr/bin/env bash
# winvirtio benchmark: free-space trim on a disk that is half free.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# An 8 GiB MBR disk made by scripts/make-windows-disk.sh with
# --junk-free (every free cluster holds old pseudo-random bytes, as on
# a disk that has been used) and --data 4096 (4 GiB of pseudo-random
# files in the Windows volume): about half of it is data, half is
# free-but-dirty.  It is copied by nbdcopy (4 connections, to null:)
# and qemu-img convert (to null-co) from plain nbdkit file, and through
# the filter with trim off and on (precomputed maps, so only streaming
# is measured), interleaved round by round.  Then once per variant:
# the bytes read from the source (nbdkit-stats-filter under the
# filter) and the size of a qcow2 made from it.
#
# Usage: bench/trim.sh [--quick]   (--quick: a 1 GiB disk, 2 rounds)
source "$(dirname "$0")/lib.sh"

size=8G data=4096 runs=5
if [ "${1:-}" = --quick ]; then size=1G data=384 runs=2; fi

fake_drivers
disk="$work/trim.img"
if [ ! -f "$disk" ] || [ "$(cat "$disk.params" 2>/dev/null)" != "$size $data" ]
then
  WV_BUILDDIR="$build" "$top/scripts/make-windows-disk.sh" "$disk" \
    --version win10 --layout mbr --size "$size" --junk-free --data "$data"
  echo "$size $data" > "$disk.params"
fi
"$winvirtio" map --drivers="$work/vw" -o "$work/trim.map" "$disk" |
  grep -E '^(trim|block map|free space served|planner read)'
"$winvirtio" map --no-trim --drivers="$work/vw" -o "$work/trim-nt.map" \
  "$disk" > /dev/null
echo "map sizes: trim $(stat -c %s "$work/trim.map") bytes," \
  "no trim $(stat -c %s "$work/trim-nt.map") bytes"

nbdcopy_cmd='nbdcopy --connections=4 --requests=64 "$uri" null:'
qemu_cmd="qemu-img convert -n \"\$uri\" --target-image-opts driver=null-co,size=$(stat -c %s "$disk")"
plain="nbdkit -U - file $disk --run"
trim_off="nbdkit -U - --filter=$filter file $disk winvirtio-map=$work/trim-nt.map --run"
trim_on="nbdkit -U - --filter=$filter file $disk winvirtio-map=$work/trim.map --run"

cat "$disk" > /dev/null

echo "nbdcopy --connections=4 --requests=64 to null, $size disk, $data MiB of files:"
interleave $runs \
  plain "$plain '$nbdcopy_cmd'" \
  winvirtio-trim-off "$trim_off '$nbdcopy_cmd'" \
  winvirtio-trim-on "$trim_on '$nbdcopy_cmd'"

echo "qemu-img convert to null-co:"
interleave $runs \
  plain "$plain '$qemu_cmd'" \
  winvirtio-trim-off "$trim_off '$qemu_cmd'" \
  winvirtio-trim-on "$trim_on '$qemu_cmd'"

# Bytes read from the source (stats under the filter), and the qcow2.
echo "bytes read from the source by qemu-img convert -O qcow2, and the qcow2's size:"
for v in plain off on; do
  case $v in
    plain) f=() ;;
    off) f=(--filter="$filter" winvirtio-map="$work/trim-nt.map") ;;
    on) f=(--filter="$filter" winvirtio-map="$work/trim.map") ;;
  esac
  rm -f "$work/stats" "$work/out.qcow2"
  nbdkit -U - "${f[@]:0:1}" --filter=stats file "$disk" "${f[@]:1}" \
    statsfile="$work/stats" \
    --run "qemu-img convert -O qcow2 \"\$uri\" $work/out.qcow2"
  printf '  %-6s source read %s, qcow2 %s MiB\n' "$v" \
    "$(sed -n 's/^read: [0-9]* ops, [0-9.]* s, \([0-9.]* [KMG]iB\).*/\1/p' "$work/stats")" \
    "$(( $(du -k "$work/out.qcow2" | cut -f1) / 1024 ))"
done
rm -f "$work/stats" "$work/out.qcow2"
