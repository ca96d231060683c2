#!/usr/bin/env bash
# winvirtio tests: driver sources in every layout (ISO image read with
# libarchive, ISO layout directory, installed package by-driver and
# by-os, default locations) give the same packages, leave out what
# must be left out, and fail with messages that say what exists.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The trees come from scripts/make-fake-virtio-win.sh; the ISO is made
# from the tree by xorriso (or genisoimage) at test time, and the
# file contents are checked against md5sum of the tree's files.
source ./functions.sh
set -e
set -x

requires perl -e 1
if ! command -v xorriso && ! command -v genisoimage; then
  skip "neither xorriso nor genisoimage is installed"
fi

t=tmp-drivers
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t
mkfake="$abs_top_srcdir/scripts/make-fake-virtio-win.sh"
"$mkfake" --iso=$t/vw.iso $t/vw
"$mkfake" --layout=installed $t/inst
src=./wv-drvsrc

# The tree has what must be left out.
test -f $t/vw/smbus/2k25/amd64/smbus.inf
test -f $t/vw/sriov/w10/amd64/vioprot.inf
test -f $t/vw/NetKVM/w10/amd64/sriov/vioprot.inf
test -f $t/vw/viostor/w10/amd64/viostor.pdb
test -f $t/inst/drivers/by-os/amd64/2k25/smbus.inf
test -f $t/inst/drivers/by-os/i386/w7/viostor.inf
# The INFs are UTF-16LE with a BOM, like the real ones.
test "$(head -c 2 $t/vw/viostor/w10/amd64/viostor.inf | od -An -tx1 | tr -d ' ')" = fffe

# run NAME SOURCE OSDIR ARCH VERSION BUILD TYPE [DRIVER]: output to
# $t/NAME, with the source names taken out and without the first line.
run ()
{
  local name=$1
  shift
  $VG $src "$@" > $t/$name.raw
  tail -n +2 $t/$name.raw |
    sed -e 's,\t'"$t"'/[^\t]*$,,' -e 's,^\(driver_sys: \)'"$t"'/[^ ]*/,\1,' \
    > $t/$name
}

# Without the two files no INF names (by-os keeps only what the INF
# names, as the folder there holds every driver).
unlisted ()
{
  grep -v -e '	blnsvr.exe ' -e '	netkvmco.exe ' "$1"
}

windows=(
  "w10 amd64 10.0 19045 client"
  "2k25 amd64 10.0 26100 server"
  "2k8r2 amd64 6.1 7601 server"
  "w7 x86 6.1 7601 client"
  "w11 ARM64 10.0 22631 client"
)
for win in "${windows[@]}"; do
  set -- $win
  n="$1-$2"
  run $n-dir $t/vw $win
  run $n-iso $t/vw.iso $win
  run $n-inst $t/inst $win
  run $n-bydriver $t/inst/drivers/by-driver $win
  run $n-byos $t/inst/drivers/by-os $win
  head -1 $t/$n-dir.raw | grep -qx "source $t/vw: ISO layout"
  head -1 $t/$n-iso.raw | grep -qx "source $t/vw.iso: ISO image"
  head -1 $t/$n-inst.raw |
    grep -qx "source $t/inst: installed package (by-driver)"
  head -1 $t/$n-byos.raw |
    grep -qx "source $t/inst/drivers/by-os: installed package (by-os)"
  cmp $t/$n-dir $t/$n-iso
  cmp $t/$n-dir $t/$n-inst
  cmp $t/$n-dir $t/$n-bydriver
  diff -u <(unlisted $t/$n-dir) $t/$n-byos
  # Never a .pdb, sriov or vioprot.
  if grep -i -e '\.pdb ' -e sriov -e vioprot $t/$n-dir.raw $t/$n-byos.raw
  then
    fail "$n: symbols or the SR-IOV helper were not left out"
  fi
  # Every file is the tree's file (md5sum).
  arch=$2
  while read -r drv where; do
    while IFS=' ' read -r name size md5; do
      f=$(find $t/vw -ipath "$t/vw/$drv/$1/$arch/$name" |
          head -1)
      [ -z "$f" ] && [ "$drv" = vioserial ] &&
        f=$(find $t/vw -ipath "$t/vw/vioserial/$1/$arch/$name")
      test -n "$f"
      test "$(md5sum < "$f" | cut -d' ' -f1)" = "$md5"
      test "$(stat -c %s "$f")" = "$size"
    done < <(sed -n "/^$drv\$/,/^[^\t]/p" $t/$n-dir | grep '^	' |
             grep -v '^	inf ' | sed 's/^\t//')
  done < <(grep -v '^	' $t/$n-dir)
done

# Every INF parses (lib/drivers/inf-*.c) and has devices for its own Windows,
# from the Models section of that Windows.
if grep -e 'INF ERROR' -e 'no device for this Windows' $t/*-dir; then
  fail "an INF of the fake tree does not parse or has no device"
fi
grep -qxF '	inf viostor.inf: [viostor.NTamd64.10.0] 2 devices, PCI\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00, service viostor start 0' \
  $t/w10-amd64-dir
grep -qxF '	inf vioscsi.inf: [vioscsi.NTamd64.10.0...26100] 2 devices, PCI\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00, service vioscsi start 0' \
  $t/2k25-amd64-dir
grep -qxF '	inf netkvm.inf: [netkvm.NTarm64.10.0...22000] 2 devices, PCI\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00, service netkvm start 3' \
  $t/w11-ARM64-dir
grep -qxF '	inf vioser.inf: [vioser.NTx86.6.1] 2 devices, PCI\VEN_1AF4&DEV_1003&SUBSYS_00031AF4&REV_00, service VirtioSerial start 3' \
  $t/w7-x86-dir
grep -qxF '	inf pvpanic.inf: [pvpanic.NTamd64.6.1] 1 devices, ACPI\QEMU0001, service pvpanic start 3' \
  $t/2k8r2-amd64-dir

# Which drivers, per Windows.
drivers ()
{
  grep -v '^	' $t/$1 | tr '\n' ' '
}
all="balloon fwcfg netkvm pvpanic qemupciserial vioinput viorng vioscsi vioserial viostor "
test "$(drivers w10-amd64-dir)" = "$all"
test "$(drivers 2k8r2-amd64-dir)" = "$all"
test "$(drivers w7-x86-dir)" = "$all"
# 2k25 has smbus, left out (it breaks the first boot).
test "$(drivers 2k25-amd64-dir)" = "$all"
test "$(drivers w11-ARM64-dir)" = "netkvm vioscsi viostor "
# A package's files, in name order, without the .pdb.
grep -A3 '^viostor$' $t/w10-amd64-dir | cut -d' ' -f1 | tr '\n' ' ' |
  grep -qx "viostor 	viostor.cat 	viostor.inf 	viostor.sys "
grep -A4 '^vioinput$' $t/w10-amd64-byos | cut -d' ' -f1 | tr '\n' ' ' |
  grep -qx "vioinput 	viohidkmdf.sys 	vioinput.cat 	vioinput.inf 	vioinput.sys "
# where: the folder, in each layout's own terms.
grep -qx "viostor	$t/vw/viostor/w10/amd64" $t/w10-amd64-dir.raw
grep -qx "viostor	$t/vw.iso:/viostor/w10/amd64" $t/w10-amd64-iso.raw
grep -qx "vioserial	$t/inst/drivers/by-driver/vioserial/w7/x86" \
  $t/w7-x86-inst.raw
grep -qx "vioserial	$t/inst/drivers/by-os/i386/w7" $t/w7-x86-byos.raw

# One package, and its .sys (wv_drvsrc_driver_sys), in every layout.
for s in $t/vw $t/vw.iso $t/inst $t/inst/drivers/by-os; do
  $VG $src $s 2k19 amd64 10.0 17763 server viostor > $t/one
  grep -q '^	viostor.sys ' $t/one
  if grep -q pdb $t/one; then fail "$s: viostor.pdb not left out"; fi
  # By INF name too.
  $VG $src $s w10 amd64 10.0 19045 client vioser > $t/one
  grep -q '^vioserial	' $t/one
  grep -q '^	vioser.sys ' $t/one
done
$src $t/vw 2k19 amd64 10.0 17763 server viostor |
  grep -qx "driver_sys: $t/vw/viostor/2k19/amd64/viostor.sys [0-9]*"
$src $t/vw.iso 2k19 amd64 10.0 17763 server viostor |
  grep -qx "driver_sys: $t/vw.iso:/viostor/2k19/amd64/viostor.sys [0-9]*"
# Case-insensitive: windows.c says 2k8r2, the ISO has 2k8R2.
$src $t/vw.iso 2k8r2 amd64 6.1 7601 server viostor |
  grep -qx "driver_sys: $t/vw.iso:/viostor/2k8R2/amd64/viostor.sys [0-9]*"

# error EXPECTED ARGS...: wv-drvsrc fails with exactly that message.
error ()
{
  local want="$1"
  shift
  if $src "$@" > $t/out 2> $t/err; then
    fail "wv-drvsrc $* succeeded"
  fi
  if [ "$(cat $t/err)" != "winvirtio: $want" ]; then
    echo "expected: winvirtio: $want"
    echo "got:      $(cat $t/err)"
    fail "wrong message for wv-drvsrc $*"
  fi
}
oses="2k12, 2k12R2, 2k16, 2k19, 2k22, 2k25, 2k8R2, w10, w11, w7, w8, w8.1"
# (virtio-win, and the fake tree, have viostor but no vioscsi for XP
# and 2003.)
error "$t/vw.iso:/vioscsi has no folder for this Windows (Test Windows 2k3, virtio-win folder 2k3); it has: $oses.  Use a virtio-win release that supports this Windows" \
  $t/vw.iso 2k3 x86 5.2 3790 server vioscsi
error "$t/vw/vioscsi has no folder for this Windows (Test Windows xp, virtio-win folder xp); it has: $oses.  Use a virtio-win release that supports this Windows" \
  $t/vw xp x86 5.1 2600 client vioscsi
error "$t/inst/drivers/by-driver/viostor/2k19 has no x86 folder for this x86 Windows (it has: amd64): use a virtio-win release with x86 drivers for this Windows" \
  $t/inst 2k19 x86 10.0 17763 server viostor
error "$t/vw: no nosuch folder in the driver tree (it has: Balloon, fwcfg, NetKVM, pvpanic, qemupciserial, smbus, sriov, vioinput, viorng, vioscsi, vioserial, viostor); point winvirtio at a virtio-win ISO tree" \
  $t/vw w10 amd64 10.0 19045 client nosuch
error "$t/vw.iso: winvirtio does not install smbus on Test Windows 2k25: it is known to break the first boot of Windows Server 2025" \
  $t/vw.iso 2k25 amd64 10.0 26100 server smbus
error "$t/vw: winvirtio does not install sriov on Test Windows w10: the SR-IOV failover helper is not a device driver" \
  $t/vw w10 amd64 10.0 19045 client sriov
error "$t/inst/drivers/by-os/amd64/w10: no nosuch driver for this Windows (it has: balloon, fwcfg, netkvm, pvpanic, qemupciserial, vioinput, viorng, vioscsi, vioserial, viostor)" \
  $t/inst/drivers/by-os w10 amd64 10.0 19045 client nosuch
have="2k12/amd64, 2k12R2/amd64, 2k16/amd64, 2k19/amd64, 2k22/amd64, 2k25/amd64, 2k3/amd64, 2k3/x86, 2k8R2/amd64, w10/amd64, w10/x86, w11/amd64, w11/ARM64, w7/amd64, w7/x86, w8.1/amd64, w8/amd64, xp/x86"
error "$t/vw.iso has no drivers for this Windows (Test Windows w8.1 (6.3 build 9600, x86), virtio-win folder w8.1/x86); it has drivers for: $have.  Use a virtio-win release that supports this Windows" \
  $t/vw.iso w8.1 x86 6.3 9600 client
error "$t/inst/drivers/by-os has no drivers for this Windows (Test Windows w8 (6.2 build 9200, x86), virtio-win folder w8/x86); it has drivers for: ${have//x86/i386}.  Use a virtio-win release that supports this Windows" \
  $t/inst/drivers/by-os w8 x86 6.2 9200 client
# Not a driver source.
error "cannot open the virtio-win drivers $t/nonexistent: No such file or directory" \
  $t/nonexistent w10 amd64 10.0 19045 client
echo "not an ISO image" > $t/bogus.iso
error "$t/bogus.iso: cannot open as a virtio-win ISO image: Unrecognized archive format" \
  $t/bogus.iso w10 amd64 10.0 19045 client
mkdir $t/empty
error "$t/empty has no driver (.inf file) and no virtio-win.iso: this is not a virtio-win tree" \
  $t/empty w10 amd64 10.0 19045 client
# A truncated ISO.
head -c 300000 $t/vw.iso > $t/short.iso
if $src $t/short.iso w10 amd64 10.0 19045 client > $t/out 2> $t/err; then
  fail "a truncated ISO was read"
fi
grep -q "^winvirtio: $t/short.iso" $t/err

# Default locations: $VIRTIO_WIN (as virt-v2v), DIR/virtio-win.iso
# first, then DIR itself; made absolute.
cp $t/vw.iso $t/inst/virtio-win.iso
VIRTIO_WIN=$t/inst $src "" w10 amd64 10.0 19045 client > $t/def
head -1 $t/def | grep -qx "source $PWD/$t/inst/virtio-win.iso: ISO image"
rm $t/inst/virtio-win.iso
VIRTIO_WIN=$t/inst $src "" w10 amd64 10.0 19045 client > $t/def
head -1 $t/def | grep -qx "source $PWD/$t/inst: installed package (by-driver)"
VIRTIO_WIN=$t/vw.iso $src "" w10 amd64 10.0 19045 client > $t/def
head -1 $t/def | grep -qx "source $PWD/$t/vw.iso: ISO image"
# An installed folder with only the ISO in it.
mkdir $t/only-iso
cp $t/vw.iso $t/only-iso/virtio-win.iso
$src $t/only-iso w10 amd64 10.0 19045 client > $t/def
head -1 $t/def | grep -qx "source $t/only-iso/virtio-win.iso: ISO image"
VIRTIO_WIN=$t/nonexistent error "no virtio-win drivers: $t/nonexistent does not exist.  Install the virtio-win package, or say where the virtio-win ISO or driver tree is (winvirtio --drivers=PATH, the filter's winvirtio-drivers=PATH, or VIRTIO_WIN=PATH)" \
  "" w10 amd64 10.0 19045 client
