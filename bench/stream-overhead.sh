#!/usr/bin/env bash
# winvirtio benchmark: what the filter costs while streaming.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# An 8 GiB GPT disk: 7 GiB of random data in one partition and a 1 GiB
# Windows-like NTFS volume in the other (so it is mostly real data,
# not zeroes).  nbdkit file serves it with and without the filter
# (with a precomputed block map, so only streaming is measured; and
# with winvirtio-drivers=, planning included), and, for reference,
# with nbdkit's trivial offset filter (offset=0): the cost of any
# filter layer in nbdkit.  nbdcopy with 4
# connections and qemu-img convert copy it to nowhere.  The variants
# run interleaved, round by round, in one run; the ratios of the
# medians are what counts (these machines are noisy).  A second run uses a block
# map of thousands of extents (the worst case for the overlay lookup).
#
# Usage: bench/stream-overhead.sh [--quick]   (--quick: 1 GiB of data)
source "$(dirname "$0")/lib.sh"

data=7G runs=7
if [ "${1:-}" = --quick ]; then data=512M runs=3; fi

[ -x "$build/tests/wv-mkmap-many" ] || {
  echo "$0: run 'make check' (or make -C tests wv-mkmap-many) first" >&2
  exit 1
}
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
# A trivial filter, for reference: what any nbdkit filter layer costs.
noop="nbdkit -U - --filter=offset file $disk offset=0 --run"
with_map="nbdkit -U - --filter=$filter file $disk winvirtio-map=$work/stream.map --run"
with_drv="nbdkit -U - --filter=$filter file $disk winvirtio-drivers=$work/vw --run"

# Warm the page cache so that every variant reads from memory.
cat "$disk" > /dev/null

echo "nbdcopy --connections=4 --requests=64 to null, $data random + 1 GiB NTFS:"
interleave $runs \
  plain "$plain '$nbdcopy_cmd'" \
  offset-filter "$noop '$nbdcopy_cmd'" \
  winvirtio-map "$with_map '$nbdcopy_cmd'" \
  winvirtio-drivers "$with_drv '$nbdcopy_cmd'"

echo "qemu-img convert to null-co:"
interleave $runs \
  plain "$plain '$qemu_cmd'" \
  offset-filter "$noop '$qemu_cmd'" \
  winvirtio-map "$with_map '$qemu_cmd'" \
  winvirtio-drivers "$with_drv '$qemu_cmd'"

# Worst case: a map of 5000+ extents spread over the whole disk
# (tests/wv-mkmap-many.c, built by make check).
"$build/tests/wv-mkmap-many" "$disk" 5000 "$work/many.map"
with_many="nbdkit -U - --filter=$filter file $disk winvirtio-map=$work/many.map --run"
echo "nbdcopy, block map of 5000+ extents spread over the disk:"
interleave $runs \
  plain "$plain '$nbdcopy_cmd'" \
  winvirtio-5000-extents "$with_many '$nbdcopy_cmd'"
