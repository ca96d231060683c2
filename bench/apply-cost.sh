#!/usr/bin/env bash
# winvirtio benchmark: what winvirtio apply costs, against planning
# alone and against streaming the whole disk through the filter.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Disks: the Windows 10 GPT test disk (scripts/make-windows-disk.sh,
# 256 MiB, a small SYSTEM hive) and a 1 GiB Windows-like NTFS volume
# with a SYSTEM hive of about 60 MB.  For each:
#  - apply on a local raw copy: wall time, extents and bytes written;
#  - over NBD (nbdkit file, with nbdkit-delay-filter adding 2 ms to
#    every read and write, standing in for a remote destination):
#    wall time of "winvirtio map" alone and of "winvirtio apply",
#    and apply's read and write requests and bytes (nbdkit-stats-filter);
#  - streaming the disk through the filter with nbdcopy (what a copy
#    with the filter writes): wall time and bytes written.
#
# Usage: bench/apply-cost.sh
source "$(dirname "$0")/lib.sh"

fake_drivers
[ -f "$work/SYSTEM-60" ] || make_hive "$work/SYSTEM-60" 60 win10
WV_BUILDDIR="$build" "$top/scripts/make-windows-disk.sh" "$work/win10.img" \
  --version win10 --layout gpt >/dev/null
make_volume "$work/vol60.img" 1G "$work/SYSTEM-60" win10

# stats FILE OP: "OPS SIZE" of OP (read, write) in a stats file
# ("read: 298 ops, 0.637023 s, 6.12 MiB, ..." gives "298 6.12MiB").
stats ()
{
  sed -n "s/^$2: \([0-9]*\) ops, [0-9.]* s, \([0-9.]*\) \([A-Za-z]*\),.*/\1 \2\3/p" "$1"
}

# wait_gone SOCK: unserve and wait for nbdkit to exit (stats written).
wait_gone ()
{
  local pid
  pid=$(cat "$1.pid")
  unserve "$1"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

printf '%-22s %8s %8s %10s %12s %12s %10s %10s\n' disk "map(s)" "apply(s)" \
  "ratio" "written(B)" "requests" "stream(s)" "stream(B)"
for disk in win10.img vol60.img; do
  src="$work/$disk"
  # Local raw copy.
  cp "$src" "$work/dest.img"
  rm -f "$work/dest.undo"
  /usr/bin/time -f %e -o "$work/time" "$winvirtio" apply \
    --drivers="$work/vw" --undo-file="$work/dest.undo" "$work/dest.img" \
    > "$work/apply.out"
  local_s=$(cat "$work/time")
  written=$(sed -n 's/.*patched: [0-9]* extents, \([0-9]*\) bytes.*/\1/p' \
              "$work/apply.out")

  # Over NBD, 2 ms a request.
  cp "$src" "$work/dest.img"
  rm -f "$work/dest.undo"
  sock="$work/apply.sock"
  serve "$sock" --filter=delay file "$work/dest.img" rdelay=2ms wdelay=2ms
  /usr/bin/time -f %e -o "$work/time" "$winvirtio" map --no-trim \
    --drivers="$work/vw" "nbd+unix:///?socket=$sock" > /dev/null
  map_s=$(cat "$work/time")
  unserve "$sock"
  serve "$sock" --filter=stats --filter=delay file "$work/dest.img" \
    rdelay=2ms wdelay=2ms statsfile="$work/stats" statsappend=false
  /usr/bin/time -f %e -o "$work/time" "$winvirtio" apply \
    --drivers="$work/vw" --undo-file="$work/dest.undo" \
    "nbd+unix:///?socket=$sock" > /dev/null
  apply_s=$(cat "$work/time")
  wait_gone "$sock"
  read -r rops rbytes < <(stats "$work/stats" read)
  read -r wops wbytes < <(stats "$work/stats" write)

  # Streaming through the filter into a raw file.
  rm -f "$work/stream.img"
  /usr/bin/time -f %e -o "$work/time" nbdkit -U - --filter="$filter" \
    file "$src" winvirtio-drivers="$work/vw" \
    --run 'nbdcopy "$uri" '"$work/stream.img"
  stream_s=$(cat "$work/time")
  stream_b=$(du -B1 "$work/stream.img" | cut -f1)

  printf '%-22s %8s %8s %10s %12s %12s %10s %10s\n' "$disk" "$map_s" \
    "$apply_s" "$(echo "scale=2; $apply_s / $map_s" | bc)" "$written" \
    "${rops}r+${wops}w" "$stream_s" "$stream_b"
  echo "  local raw: apply ${local_s} s; over NBD: ${rbytes} read in" \
       "${rops} reads, ${wbytes} written in ${wops} writes"
done
