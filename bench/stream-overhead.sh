#!/usr/bin/env bash
# winvirtio benchmark: what the filter costs while streaming.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# An 8 GiB GPT disk: 7 GiB of random data in one partition and a 1 GiB
# Windows-like NTFS volume in the other (so it is mostly real data,
# not zeroes).  nbdkit file serves it with and without the filter
# (with a precomputed block map, so only streaming is measured; and
# with winvirtio-drivers=, planning included), and nbdcopy with 4
# connections and qemu-img convert copy it to nowhere.  hyperfine runs
# the variants side by side, interleaved, in one run; the ratios are
# what counts (these machines are noisy).  A second run uses a block
# map of thousands of extents (the worst case for the overlay lookup).
#
# Usage: bench/stream-overhead.sh [--quick]   (--quick: 1 GiB of data)
source "$(dirname "$0")/lib.sh"

data=7G runs=5
if [ "${1:-}" = --quick ]; then data=512M runs=2; fi

fake_drivers
disk="$work/stream.img"
if [ ! -f "$disk" ] || [ "$(cat "$disk.data" 2>/dev/null)" != "$data" ]; then
  [ -f "$work/SYSTEM-10" ] || make_hive "$work/SYSTEM-10" 10 win10
  make_volume "$work/win.img" 1G "$work/SYSTEM-10" win10
  head -c "$data" /dev/urandom > "$work/random.img"
  nbdkit -U - partitioning "$work/random.img" "$work/win.img" \
    partition-type=gpt --run "nbdcopy \"\$uri\" $disk"
  rm -f "$work/random.img" "$work/win.img"
  echo "$data" > "$disk.data"
fi
"$winvirtio" map --drivers="$work/vw" -o "$work/stream.map" "$disk" |
  grep '^block map:'

nbdcopy_cmd='nbdcopy --connections=4 --requests=64 "$uri" null:'
qemu_cmd="qemu-img convert -n \"\$uri\" --target-image-opts driver=null-co,size=$(stat -c %s "$disk")"
plain="nbdkit -U - file $disk --run"
with_map="nbdkit -U - --filter=$filter file $disk winvirtio-map=$work/stream.map --run"
with_drv="nbdkit -U - --filter=$filter file $disk winvirtio-drivers=$work/vw --run"

# Warm the page cache so that every variant reads from memory.
cat "$disk" > /dev/null

hyperfine -N -w 1 -r $runs --export-json "$work/nbdcopy.json" \
  -n plain "$plain '$nbdcopy_cmd'" \
  -n winvirtio-map "$with_map '$nbdcopy_cmd'" \
  -n winvirtio-drivers "$with_drv '$nbdcopy_cmd'"
hyperfine -N -w 1 -r $runs --export-json "$work/qemu.json" \
  -n plain "$plain '$qemu_cmd'" \
  -n winvirtio-map "$with_map '$qemu_cmd'" \
  -n winvirtio-drivers "$with_drv '$qemu_cmd'"

# Worst case: a map of 5000 extents spread over the whole disk.
gcc -O2 -I"$build" -I"$top/lib" -o "$work/mkmap-many" "$top/bench/mkmap-many.c" \
  "$build/lib/.libs/libwinvirtio.a" -lnbd -lhivex -lntfs-3g -lnettle -lz
"$work/mkmap-many" "$disk" 5000 "$work/many.map"
with_many="nbdkit -U - --filter=$filter file $disk winvirtio-map=$work/many.map --run"
hyperfine -N -w 1 -r $runs --export-json "$work/many.json" \
  -n plain "$plain '$nbdcopy_cmd'" \
  -n winvirtio-5000-extents "$with_many '$nbdcopy_cmd'"

# ratio JSON: the mean of each variant over the first's.
ratio ()
{
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
for x in r:
    print("  %-18s %7.3f s  ratio %.3f" % (x["command"], x["mean"],
                                           x["mean"] / base))
PY
}
echo "nbdcopy --connections=4, $data random + 1 GiB NTFS:"
ratio "$work/nbdcopy.json"
echo "qemu-img convert:"
ratio "$work/qemu.json"
echo "nbdcopy --connections=4, block map of 5000 extents:"
ratio "$work/many.json"
