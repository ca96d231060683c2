#!/usr/bin/env bash
# winvirtio benchmark: what planning costs.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# For sparse disks of 1, 16, 128 and 1024 GiB (a GPT disk served by
# nbdkit-partitioning-plugin around a Windows-like NTFS volume) and
# SYSTEM hives of about 10 and 60 MB: the wall time, bytes read from
# the source, read requests and peak memory of "winvirtio map" over
# NBD, then the same through nbdkit-delay-filter at 2 ms and 10 ms per
# read (standing in for VDDK or a WAN link).
#
# Usage: bench/plan-cost.sh [--quick] [--no-trim]
#   --quick: 1 GiB, 10 MB only; --no-trim: plan without free-space
#   trim (which reads the volume's $Bitmap), to see what trim costs
source "$(dirname "$0")/lib.sh"

sizes="1G 16G 128G 1T"
hives="10 60"
delays="0 2 10"
trim=()
for a in "$@"; do
  case "$a" in
    --quick) sizes="1G"; hives="10"; delays="0 2" ;;
    --no-trim) trim=(--no-trim) ;;
  esac
done

fake_drivers
for mb in $hives; do
  [ -f "$work/SYSTEM-$mb" ] || make_hive "$work/SYSTEM-$mb" "$mb" win10
done

printf '%-6s %-6s %-6s %9s %12s %9s %9s\n' \
  disk hive delay "time(s)" "bytes read" requests "RSS(MiB)"
for size in $sizes; do
  for mb in $hives; do
    make_volume "$work/vol.img" "$size" "$work/SYSTEM-$mb" win10
    for d in $delays; do
      sock="$work/plan.sock"
      if [ "$d" = 0 ]; then
        serve "$sock" partitioning "$work/vol.img" partition-type=gpt
      else
        serve "$sock" --filter=delay partitioning "$work/vol.img" \
          partition-type=gpt rdelay=${d}ms
      fi
      /usr/bin/time -f "%e %M" -o "$work/time" \
        "$winvirtio" map "${trim[@]}" --drivers="$work/vw" \
        "nbd+unix:///?socket=$sock" > "$work/summary"
      unserve "$sock"
      read -r secs rss < "$work/time"
      read -r bytes reqs < <(sed -n \
        's/^planner read: \([0-9]*\) bytes in \([0-9]*\) requests$/\1 \2/p' \
        "$work/summary")
      printf '%-6s %-6s %-6s %9.2f %12d %9d %9.1f\n' "$size" "${mb}MB" \
        "${d}ms" "$secs" "$bytes" "$reqs" "$(echo "$rss / 1024" | bc -l)"
    done
  done
done
rm -f "$work/vol.img"
