#!/usr/bin/env bash
# winvirtio tests: nbdkit-vmdk-plugin on snapshot chains, against
# qemu-img.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# Chains made by qemu-img (qemu-img create -b, written with qemu-io):
# monolithicSparse base + 2 deltas, twoGbMaxExtentSparse base + delta.
# On top of the first chain, a vmfsSparse (COWD) delta and a seSparse
# delta above it.  qemu-img cannot write those two formats, so
# wv-mkvmdk-delta.py writes them from the format description: they are
# OUR files, not VMware's, and what makes the test meaningful is that
# qemu-img, which reads both, is the oracle.  For every top, the
# plugin's copy must equal qemu-img convert -O raw of it, and its
# extents must agree with qemu-img map.  Then the refusals: a parent
# missing, a parent whose CID no longer matches, a delta's data file
# given alone, a loop.
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
requires /usr/bin/python3 --version
requires test -r /dev/urandom

gen="/usr/bin/python3 $abs_top_srcdir/tests/wv-mkvmdk-delta.py"
t=tmp-vmdk-chain
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

# put FILE OFFSET_BYTES COUNT_BYTES: random data into a raw file.
put ()
{
  head -c "$3" /dev/urandom |
    dd of="$1" bs=512 seek="$(( $2 / 512 ))" conv=notrunc status=none
}

# check FILE: the plugin's copy equals qemu's, and the maps agree.
check ()
{
  local f=$1
  qemu-img convert -O raw $f $f.qemu.raw
  nbdkit -U - "$plugin" file=$f \
    --run 'nbdcopy "$uri" '$f.nbd.raw' && nbdinfo --map --json "$uri"' \
    > $f.nbd.map
  qemu-img compare -f raw -F raw $f.qemu.raw $f.nbd.raw ||
    fail "$f: plugin and qemu-img differ"
  qemu-img map --output=json $f > $f.qemu.map
  /usr/bin/python3 "$abs_top_srcdir/tests/test-vmdk-map-compare.py" \
    $f.nbd.map $f.qemu.map || fail "$f: extents differ from qemu-img map"
  rm -f $f.qemu.raw $f.nbd.raw
}

# refused EXPECTED-MESSAGE NBDKIT-ARGS...: nbdkit must stop with it.
refused ()
{
  local msg="$1"
  shift
  if nbdkit -U - "$plugin" "$@" --run 'exit 0' 2> $t/err; then
    fail "$*: served, expected: $msg"
  fi
  cat $t/err
  grep -qF -- "$msg" $t/err || fail "$*: expected: $msg"
}

# Chain 1: a 3 GiB monolithicSparse base with random data, two deltas.
truncate -s 3G $t/src.raw
put $t/src.raw 0 $(( 4 * 1024 * 1024 ))
put $t/src.raw $(( 100 * 1024 * 1024 )) $(( 3 * 1024 * 1024 ))
put $t/src.raw $(( 2047 * 1024 * 1024 )) $(( 2 * 1024 * 1024 ))
put $t/src.raw $(( 3072 * 1024 * 1024 - 4096 )) 4096
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse \
  $t/src.raw $t/base.vmdk
rm $t/src.raw
( cd $t
  qemu-img create -f vmdk -b base.vmdk -F vmdk mid.vmdk
  # Unaligned, across grains, over data and over holes.
  qemu-io -f vmdk -c 'write -P 0x21 1049088 70000' \
    -c 'write -P 0x22 101M 3M' -c 'write -P 0x23 2040M 16M' mid.vmdk
  qemu-img create -f vmdk -b mid.vmdk -F vmdk top.vmdk
  qemu-io -f vmdk -c 'write -P 0x31 1050000 4096' \
    -c 'write -P 0x32 500M 64k' -c 'write -P 0x33 3071M 1M' top.vmdk
)
grep -a -q 'parentFileNameHint="mid.vmdk"' $t/top.vmdk
check $t/mid.vmdk
check $t/top.vmdk

# Chain 2: twoGbMaxExtentSparse base and delta.
( cd $t
  qemu-img create -f vmdk -o subformat=twoGbMaxExtentSparse split.vmdk 3G
  qemu-io -f vmdk -c 'write -P 0x41 0 8M' -c 'write -P 0x42 2047M 2M' \
    split.vmdk
  qemu-img create -f vmdk -o subformat=twoGbMaxExtentSparse \
    -b split.vmdk -F vmdk split-snap.vmdk
  qemu-io -f vmdk -c 'write -P 0x43 4M 8M' -c 'write -P 0x44 2048M 4k' \
    split-snap.vmdk
)
test -f $t/split-snap-s002.vmdk
check $t/split-snap.vmdk

# Our own ESX deltas on top of chain 1 (capacity 3 GiB in sectors):
# COWD with 512 byte grains, then seSparse with zero and unmapped
# grains over data, grains across a grain table boundary (16 MiB) and
# the last grain.
cap=$(( 3 * 1024 * 1024 * 2 ))
$gen cowd $t esx top.vmdk $cap 0:512 1049600:65536 \
  $(( 2 * 1024 * 1024 )):$(( 3 * 1024 * 1024 )) \
  $(( 3072 * 1024 * 1024 - 512 )):512
$gen sesparse $t esx-000001 esx.vmdk $cap 4096:8192 \
  $(( 15 * 1024 * 1024 )):$(( 2 * 1024 * 1024 )) \
  zero:$(( 100 * 1024 * 1024 )):65536 unmap:$(( 101 * 1024 * 1024 )):4096 \
  $(( 3072 * 1024 * 1024 - 4096 )):4096
check $t/esx.vmdk
check $t/esx-000001.vmdk

# Refusals.  The parent's CID changed after the snapshot:
sed 's/^parentCID=.*/parentCID=12345678/' $t/esx.vmdk > $t/esx-badcid.vmdk
refused "esx-badcid.vmdk: parentCID 12345678 does not match the CID" \
  file=$t/esx-badcid.vmdk
# A missing parent:
sed 's/^parentFileNameHint=.*/parentFileNameHint="gone.vmdk"/' \
  $t/esx.vmdk > $t/esx-orphan.vmdk
refused "the parent disk of this snapshot delta is missing: parentFileNameHint=\"gone.vmdk\"" \
  file=$t/esx-orphan.vmdk
# A parent outside the delta's directory:
sed 's|^parentFileNameHint=.*|parentFileNameHint="../top.vmdk"|' \
  $t/esx.vmdk > $t/esx-up.vmdk
refused 'contains "..": only names in or below' file=$t/esx-up.vmdk
# The data files alone:
refused "this is the data file of a snapshot delta (vmfsSparse)" \
  file=$t/esx-delta.vmdk
refused "this is the data file of a snapshot delta (seSparse)" \
  file=$t/esx-000001-sesparse.vmdk
# A delta that is its own parent:
sed -e 's/^parentFileNameHint=.*/parentFileNameHint="loop.vmdk"/' \
  -e 's/^parentCID=.*/parentCID=0000abcd/' -e 's/^CID=.*/CID=0000abcd/' \
  $t/esx.vmdk > $t/loop.vmdk
refused "snapshot chain longer than 64 disks (or a loop" file=$t/loop.vmdk
# A seSparse delta whose journal needs replaying (volatile header,
# sector 1, replay_journal at byte 24):
cp $t/esx-000001-sesparse.vmdk $t/dirty-sesparse.vmdk
printf '\001' | dd of=$t/dirty-sesparse.vmdk bs=1 seek=536 conv=notrunc \
  status=none
sed 's/esx-000001-sesparse.vmdk/dirty-sesparse.vmdk/' \
  $t/esx-000001.vmdk > $t/dirty.vmdk
refused "seSparse journal needs replaying" file=$t/dirty.vmdk
