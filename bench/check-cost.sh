#!/usr/bin/env bash
# winvirtio benchmark: what the $Bitmap-against-MFT check costs.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Before it trims a volume or lets libntfs-3g allocate on it, the
# planner reads the whole MFT and $Bitmap and accounts for every
# cluster (lib/ntfs/check.c).  For the test disks (Windows 10 GPT,
# Windows 7 MBR) and for Windows-like volumes whose MFT holds 100,000
# and 1,000,000 records (bench/mkfiles.c), this prints the bytes and
# requests the check reads (over what mounting the volume reads), the
# wall time of mount + check over NBD at 0, 2 and 10 ms per read
# request (nbdkit-delay-filter), and beside it the wall time of the
# whole "winvirtio map" on the same disk at the same delay.
#
# Usage: bench/check-cost.sh [--quick]   (--quick: no 1,000,000)
source "$(dirname "$0")/lib.sh"

records="100000 1000000"
[ "${1:-}" = --quick ] && records="100000"
delays="0 2 10"
check="$build/tests/wv-ntfs-check"
[ -x "$check" ] || { echo "$0: run make -C tests wv-ntfs-check" >&2; exit 1; }

gcc -O2 -I"$build" -o "$work/mkfiles" "$top/bench/mkfiles.c" \
  $(pkg-config --cflags --libs libntfs-3g)
fake_drivers
[ -f "$work/SYSTEM-10" ] || make_hive "$work/SYSTEM-10" 10 win10

# time_of CMD...: wall seconds of CMD.
time_of ()
{
  local s e
  s=$(date +%s.%N)
  "$@" > "$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}

# row NAME DISK OFFSET LENGTH PLUGIN...: one line per delay.  The
# check runs on DISK served by the file plugin, "winvirtio map" on it
# served by PLUGIN... (the partitioning plugin wraps a bare volume in
# a GPT disk).
row ()
{
  local name=$1 disk=$2 off=$3 len=$4 sock="$work/check.sock" d
  shift 4
  local bytes reqs tcheck tmap filt=() rdelay=()
  "$check" "$disk" "$off" "$len" > "$work/check"
  grep -q '^consistent' "$work/check" ||
    { cat "$work/check" >&2; exit 1; }
  read -r bytes reqs < <(sed -n \
    's/^check read: \([0-9]*\) bytes in \([0-9]*\) requests$/\1 \2/p' \
    "$work/check")
  for d in $delays; do
    filt=() rdelay=()
    [ "$d" = 0 ] || { filt=(--filter=delay); rdelay=(rdelay=${d}ms); }
    serve "$sock" "${filt[@]}" file "$disk" "${rdelay[@]}"
    tcheck=$(time_of "$check" "nbd+unix:///?socket=$sock" "$off" "$len")
    unserve "$sock"
    serve "$sock" "${filt[@]}" "$@" "${rdelay[@]}"
    tmap=$(time_of "$winvirtio" map --drivers="$work/vw" \
             "nbd+unix:///?socket=$sock")
    unserve "$sock"
    printf '%-22s %-5s %13d %9d %10.2f %10.2f\n' "$name" "${d}ms" \
      "$bytes" "$reqs" "$tcheck" "$tmap"
  done
}

printf '%-22s %-5s %13s %9s %10s %10s\n' volume delay "check bytes" \
  requests "check(s)" "map(s)"

for v in win10:gpt win7:mbr; do
  img="$work/test-${v%:*}.img"
  WV_BUILDDIR="$build" "$top/scripts/make-windows-disk.sh" "$img" \
    --version "${v%:*}" --layout "${v#*:}" > /dev/null
  read -r off len < <(sfdisk --json "$img" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
p = max(t["partitions"], key=lambda p: p["size"])
print(p["start"] * 512, p["size"] * 512)')
  row "test disk ${v%:*}" "$img" "$off" "$len" file "$img"
  rm -f "$img"
done

for n in $records; do
  vol="$work/mft-$n.img"
  make_volume "$vol" 64G "$work/SYSTEM-10" win10
  "$work/mkfiles" "$vol" "$n"
  row "$n files" "$vol" 0 $(( 64 << 30 )) \
    partitioning "$vol" partition-type=gpt
  rm -f "$vol"
done
