#!/usr/bin/env bash
# winvirtio tests: nbdkit-vmdk-plugin against qemu-img on VMDKs that
# qemu-img writes, in every subformat the plugin supports.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# A 2.25 GiB sparse raw disk, partly filled with random data (chunks of
# various sizes and alignments, one across the 2 GiB boundary so that
# the twoGbMaxExtent formats have two extents, the last sector), is
# converted by qemu-img to each subformat.  The plugin's copy of each
# (nbdcopy) must be byte-equal to qemu-img convert -O raw of the same
# file, and its extents must agree with qemu-img map.  A sparse VMDK
# with zeroed-grain entries (GTE 1) is made with qemu-io write -z.
source ./functions.sh
set -e
set -x

plugin="$abs_top_builddir/plugin/.libs/nbdkit-vmdk-plugin.so"
requires test -f "$plugin"
requires nbdkit --version
requires nbdcopy --version
requires nbdinfo --version
requires qemu-img --version
requires qemu-io --version
requires python3 --version
requires test -r /dev/urandom

t=tmp-vmdk-qemu
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

# Every parameter in --help is documented.
nbdkit "$plugin" --help > $t/help
grep -q '^file=<DISK.vmdk>' $t/help
for key in $(sed -n 's/^\([a-z-]*\)=<.*/\1/p' $t/help); do
  grep -q "^=item B<$key=>" "$abs_top_srcdir/plugin/nbdkit-vmdk-plugin.pod" ||
    fail "$key is in --help but not in nbdkit-vmdk-plugin.pod"
done

# put OFFSET_BYTES COUNT_BYTES: random data into the source disk.
put ()
{
  head -c "$2" /dev/urandom |
    dd of=$t/src.raw bs=512 seek="$(( $1 / 512 ))" conv=notrunc status=none
}

truncate -s 2304M $t/src.raw
put 0 4096
put $(( 512 * 1024 )) 512                 # one sector inside a grain
put $(( 3 * 1024 * 1024 + 1536 )) 70000   # unaligned, spans 2 grains
put $(( 64 * 1024 * 1024 )) $(( 3 * 1024 * 1024 ))
put $(( 200 * 1024 * 1024 + 65536 )) 65536
# Zeroes written as data: qemu-img leaves them unallocated.
dd if=/dev/zero of=$t/src.raw bs=1M seek=300 count=2 conv=notrunc status=none
put $(( 2047 * 1024 * 1024 + 4096 )) $(( 2 * 1024 * 1024 ))  # across 2 GiB
put $(( 2304 * 1024 * 1024 - 512 )) 512   # last sector

# check FILE: the plugin's copy equals qemu's, and the maps agree.
check ()
{
  local f=$1
  qemu-img convert -O raw $f $f.qemu.raw
  nbdkit -U - "$plugin" file=$f \
    --run 'nbdcopy "$uri" '$f.nbd.raw' && nbdinfo --map --json "$uri"' \
    > $f.nbd.map
  # Byte-equal; qemu-img compare skips the holes cmp would read.
  qemu-img compare -f raw -F raw $f.qemu.raw $f.nbd.raw ||
    fail "$f: plugin and qemu-img differ"
  qemu-img map --output=json $f > $f.qemu.map
  python3 "$abs_top_srcdir/tests/test-vmdk-map-compare.py" \
    $f.nbd.map $f.qemu.map || fail "$f: extents differ from qemu-img map"
  rm -f $f.qemu.raw $f.nbd.raw
}

for sub in monolithicSparse monolithicFlat twoGbMaxExtentSparse \
           twoGbMaxExtentFlat streamOptimized; do
  qemu-img convert -f raw -O vmdk -o subformat=$sub $t/src.raw $t/$sub.vmdk
  check $t/$sub.vmdk
done
# The split formats really are split.
test -f $t/twoGbMaxExtentSparse-s002.vmdk
test -f $t/twoGbMaxExtentFlat-f002.vmdk

# Zero grains: with zeroed_grain=on, qemu writes GTE 1 for whole
# grains of zeroes, over data and over unallocated grains.
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse,zeroed_grain=on \
  $t/src.raw $t/zeroed.vmdk
qemu-io -f vmdk -c 'write -z 64M 1M' -c 'write -z 100M 64k' $t/zeroed.vmdk
check $t/zeroed.vmdk

# The same file through the descriptor-only path of a version 3
# (changed block tracking) sparse file is covered by test-vmdk-corpus.sh.
