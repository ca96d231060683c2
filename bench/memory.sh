#!/usr/bin/env bash
# winvirtio benchmark: nbdkit's memory while streaming, with and
# without the filter.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# nbdkit file runs in the background; once it is ready (planning
# done), its VmHWM and VmRSS are read from /proc/PID/status, the peak
# is reset (echo 5 > /proc/PID/clear_refs), nbdcopy copies the disk
# to null: with 4 connections and 64 requests each, and the peak is
# read again: the peak while streaming.  Variants:
#  - plain nbdkit file;
#  - the filter with a small map (a 1 GiB Windows-like disk), loaded
#    (winvirtio-map=) and planned at startup (winvirtio-drivers=);
#  - the filter with a map of 5000+ extents (tests/wv-mkmap-many.c,
#    built by make check);
#  - the filter on a disk whose free space is fragmented
#    (make-windows-disk.sh --fragment: thousands of free runs), trim
#    on: the map's zero ranges.
# Prints, for each, the peaks in MiB, the map file's size and what the
# filter adds over plain nbdkit.
#
# Usage: bench/memory.sh [--quick]   (--quick: fewer fragments)
source "$(dirname "$0")/lib.sh"

frag=6000 fsize=2G
if [ "${1:-}" = --quick ]; then frag=400 fsize=300M; fi

[ -x "$build/tests/wv-mkmap-many" ] || {
  echo "$0: run 'make check' (or make -C tests wv-mkmap-many) first" >&2
  exit 1
}
fake_drivers
small="$work/mem-small.img"
[ -f "$small" ] ||
  WV_BUILDDIR="$build" "$top/scripts/make-windows-disk.sh" "$small" \
    --version win10 --layout gpt --size 1G --junk-free
fragd="$work/mem-frag.img"
if [ ! -f "$fragd" ] || [ "$(cat "$fragd.params" 2>/dev/null)" != "$fsize $frag" ]
then
  WV_BUILDDIR="$build" "$top/scripts/make-windows-disk.sh" "$fragd" \
    --version win10 --layout mbr --size "$fsize" --junk-free --fragment "$frag"
  echo "$fsize $frag" > "$fragd.params"
fi
"$winvirtio" map --drivers="$work/vw" -o "$work/mem-small.map" "$small" \
  > /dev/null
"$winvirtio" map --drivers="$work/vw" -o "$work/mem-frag.map" "$fragd" |
  grep -E '^(trim|free space)'
"$winvirtio" dump "$work/mem-frag.map" | grep '^zero ranges:'
"$build/tests/wv-mkmap-many" "$small" 5000 "$work/mem-many.map" > /dev/null

kib ()
{
  awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status"
}

# measure NAME DISK MAPFILE|- NBDKIT-ARGS...
measure ()
{
  local name=$1 disk=$2 mapfile=$3 sock="$work/mem.sock" pid hwm0 rss0 hwm1
  shift 3
  if [ $# -gt 0 ]; then
    serve "$sock" "$1" file "$disk" "${@:2}"
  else
    serve "$sock" file "$disk"
  fi
  # nbdkit writes its pid file just after it creates the socket.
  for _ in $(seq 100); do [ -s "$sock.pid" ] && break; sleep 0.1; done
  pid=$(cat "$sock.pid")
  # Wait until the map is ready: the first connection waits for it.
  nbdinfo --size "nbd+unix:///?socket=$sock" > /dev/null
  hwm0=$(kib VmHWM "$pid") rss0=$(kib VmRSS "$pid")
  echo 5 > "/proc/$pid/clear_refs"
  nbdcopy --connections=4 --requests=64 "nbd+unix:///?socket=$sock" null:
  hwm1=$(kib VmHWM "$pid")
  unserve "$sock"
  printf '  %-34s startup peak %7.1f, after planning %7.1f, streaming peak %7.1f MiB; map file %s\n' \
    "$name" "$(bc -l <<< "$hwm0/1024")" "$(bc -l <<< "$rss0/1024")" \
    "$(bc -l <<< "$hwm1/1024")" \
    "$([ "$mapfile" = - ] && echo - || echo "$(( $(stat -c %s "$mapfile") / 1024 )) KiB")"
}

echo "nbdkit peak RSS (VmHWM) while nbdcopy --connections=4 --requests=64 copies to null:"
measure "plain, 1 GiB disk" "$small" -
measure "winvirtio-map, small map" "$small" "$work/mem-small.map" \
  --filter="$filter" winvirtio-map="$work/mem-small.map"
measure "winvirtio-drivers (planned)" "$small" - \
  --filter="$filter" winvirtio-drivers="$work/vw"
measure "winvirtio-map, 5000+ extents" "$small" "$work/mem-many.map" \
  --filter="$filter" winvirtio-map="$work/mem-many.map"
measure "plain, fragmented disk" "$fragd" -
measure "winvirtio-map, fragmented, trim" "$fragd" "$work/mem-frag.map" \
  --filter="$filter" winvirtio-map="$work/mem-frag.map"
measure "winvirtio-drivers, fragmented, trim" "$fragd" - \
  --filter="$filter" winvirtio-drivers="$work/vw"
measure "winvirtio-map, fragmented, no trim" "$fragd" "$work/mem-frag.map" \
  --filter="$filter" winvirtio-map="$work/mem-frag.map" winvirtio-trim=false
