#!/usr/bin/env bash
# winvirtio tests: nbdkit-vmdk-plugin serving the disk inside an OVA.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The OVAs are made here with tar (ustar, as OVF requires, then pax
# with a long member name, then GNU) from streamOptimized VMDKs that
# qemu-img writes, and a small OVF text.  The plugin's copy of the disk
# in the archive must equal qemu-img convert -O raw of the VMDK before
# it went into the tar.
source ./functions.sh
set -e
set -x

plugin="$abs_top_builddir/plugin/.libs/nbdkit-vmdk-plugin.so"
requires test -f "$plugin"
requires nbdkit --version
requires nbdcopy --version
requires qemu-img --version
requires tar --version
requires test -r /dev/urandom

t=tmp-vmdk-ova
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

# A 1 GiB disk with some random data, as streamOptimized, twice.
truncate -s 1G $t/src.raw
for off in 0 3 70 513 1000; do
  head -c 3M /dev/urandom |
    dd of=$t/src.raw bs=1M seek=$off conv=notrunc status=none
done
head -c 512 /dev/urandom |
  dd of=$t/src.raw bs=512 seek=$(( 2 * 1024 * 1024 - 1 )) conv=notrunc \
     status=none
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized \
  $t/src.raw $t/disk1.vmdk
truncate -s 200M $t/src2.raw
head -c 5M /dev/urandom | dd of=$t/src2.raw bs=1M seek=7 conv=notrunc \
  status=none
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized \
  $t/src2.raw $t/disk2-with-a-name-longer-than-one-hundred-bytes-so-that-pax-has-to-carry-it-in-an-extended-header-record.vmdk
qemu-img convert -f vmdk -O raw $t/disk1.vmdk $t/expect1.raw
qemu-img convert -f raw -O raw $t/src2.raw $t/expect2.raw
long=disk2-with-a-name-longer-than-one-hundred-bytes-so-that-pax-has-to-carry-it-in-an-extended-header-record.vmdk
rm $t/src.raw $t/src2.raw

cat > $t/vm.ovf <<'OVF'
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:href="disk1.vmdk" ovf:id="file1"/></References>
</Envelope>
OVF
printf 'SHA256(vm.ovf)= 0\n' > $t/vm.mf

# copy_equal OVA EXPECTED-RAW [disk=NAME]
copy_equal ()
{
  local ova=$1 expect=$2
  shift 2
  rm -f $t/out.raw
  nbdkit -U - "$plugin" file=$ova "$@" --run 'nbdcopy "$uri" '$t/out.raw
  qemu-img compare -f raw -F raw $expect $t/out.raw ||
    fail "$ova $*: the disk in the OVA differs from qemu-img's"
}

# The usual OVA: the OVF first, one disk, a manifest (ustar).
( cd $t && tar --format=ustar -cf one.ova vm.ovf disk1.vmdk vm.mf )
copy_equal $t/one.ova $t/expect1.raw
copy_equal $t/one.ova $t/expect1.raw disk=disk1.vmdk
# Requests smaller than a grain, in parallel: the cache of inflated
# grains (grain-cache.c) serves most of them.
rm -f $t/out.raw
nbdkit -U - "$plugin" file=$t/one.ova \
  --run 'nbdcopy --connections=4 --request-size=4096 "$uri" '$t/out.raw
qemu-img compare -f raw -F raw $t/expect1.raw $t/out.raw ||
  fail "4 KiB requests: the disk in the OVA differs from qemu-img's"

# Two disks, in a directory, one with a long name (pax).
mkdir $t/d
mv $t/disk1.vmdk $t/$long $t/d/
( cd $t && tar --format=pax -cf two.ova vm.ovf d )
copy_equal $t/two.ova $t/expect1.raw disk=disk1.vmdk
copy_equal $t/two.ova $t/expect1.raw disk=d/disk1.vmdk
copy_equal $t/two.ova $t/expect2.raw disk=$long
# GNU long names.
( cd $t && tar --format=gnu -cf gnu.ova vm.ovf d )
copy_equal $t/gnu.ova $t/expect2.raw disk=$long

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
refused "the OVA holds several disks (d/" file=$t/two.ova
grep -qF "d/disk1.vmdk" $t/err
grep -qF "d/$long" $t/err
grep -qF ", ...): choose one with disk=NAME" $t/err
refused 'the OVA has no member called "nope.vmdk"' file=$t/two.ova disk=nope.vmdk
( cd $t && tar --format=ustar -cf nodisk.ova vm.ovf vm.mf )
refused "the OVA has no .vmdk member" file=$t/nodisk.ova
refused "disk=x.vmdk is only for OVA archives" \
  file=$t/d/disk1.vmdk disk=x.vmdk
# A truncated archive.
head -c 1M $t/one.ova > $t/cut.ova
refused "is truncated" file=$t/cut.ova
