#!/usr/bin/env bash
# winvirtio: test the disk, hive and fake driver builders.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# wv-mkhive, wv-ntfs-put, scripts/make-windows-disk.sh and
# scripts/make-fake-virtio-win.sh make the inputs of every other
# test, so they are checked here only with tools we did not write:
# hivex (hivexregedit, hivexsh), reglookup and regfinfo, util-linux
# (sfdisk, fdisk), sleuthkit (mmls, fls, icat) and ntfsprogs
# (ntfsls, ntfscat, ntfsinfo, ntfsresize).

source ./functions.sh
set -e
set -x

PATH="$PATH:/usr/sbin:/sbin"
requires test "$MKNTFS" != no
requires "$MKNTFS" --version
requires sfdisk --version
requires fdisk --version
requires command -v hivexregedit
requires command -v openssl
requires command -v hivexsh
requires command -v reglookup
requires command -v regfinfo
requires mmls -V
requires fls -V
requires icat -V
requires ntfsresize --version
requires ntfsinfo --version
requires ntfscat --version
requires command -v ntfsls
requires perl -MDigest::MD5 -e 1
requires test -x ./wv-mkhive
requires test -x ./wv-ntfs-put

t=tmp-disk-builders
rm -rf $t-*
cleanup_fn "rm -rf $t-*"

export WV_BUILDDIR="$abs_top_builddir"
export MKNTFS
scripts="$abs_top_srcdir/scripts"

# ---- wv-mkhive: an empty hive that hivex and reglookup accept.
$VG ./wv-mkhive $t-empty.hive
test "$(stat -c %s $t-empty.hive)" = 8192
hivexregedit --export $t-empty.hive '\' > $t-empty.reg
test "$(grep -c '^\[' $t-empty.reg)" = 1
grep -qx '\[\\\]' $t-empty.reg
regfinfo $t-empty.hive | grep -q 'ROOT'
reglookup $t-empty.hive | grep -q '^/,KEY,'
echo lsval | hivexsh $t-empty.hive
$VG ./wv-mkhive $t-named.hive 'CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}'
regfinfo $t-named.hive | grep -q 'CMI-CreateHive{2A7FB991'
if ./wv-mkhive $t-bad.hive 'a\b'; then fail "wv-mkhive accepted a backslash"; fi
# Keys added by hivex inherit the root's security cell.
cat > $t-merge.reg <<'EOF'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\Select]
"Current"=dword:00000002

[HKEY_LOCAL_MACHINE\SYSTEM\Setup]
"CmdLine"="winvirtio"
EOF
hivexregedit --merge $t-empty.hive --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
  $t-merge.reg
hivexregedit --export $t-empty.hive '\Select' | grep -qx '"Current"=dword:00000002'
reglookup -p /Setup $t-empty.hive | grep -q '^/Setup/CmdLine,SZ,winvirtio,$'

# ---- wv-ntfs-put: directories, files, replacing, short names.
vol=$t-vol.img
truncate -s 16M $vol
"$MKNTFS" -F -f -q -s 512 -p 0 -H 255 -S 63 -L Test $vol 32768
printf 'first\n' > $t-a
seq 1 100000 > $t-b                         # non-resident
$VG ./wv-ntfs-put $vol --mkdir /Windows/System32/config \
  $t-a:/Windows/System32/config/SYSTEM "$t-b:/Program Files/Big File.txt" \
  "$t-a:/Program Files/Big Fish.txt"
# Lookups ignore case, as on Windows; replacing keeps the old name.
$VG ./wv-ntfs-put $vol $t-b:/WINDOWS/system32/CONFIG/system \
  --mkdir /windows/System32/drivers
ntfsls -p /Windows/System32 $vol | grep -v '^\.\.*$' > $t-ls
test "$(cat $t-ls)" = "$(printf 'config\ndrivers')"
ntfscat $vol /Windows/System32/config/SYSTEM | cmp - $t-b
ntfscat $vol "/Program Files/Big Fish.txt" | cmp - $t-a
ntfsls -x -p "/Program Files" $vol > $t-ls
grep -qx 'BIGFIL~1.TXT' $t-ls
grep -qx 'BIGFIS~1.TXT' $t-ls
ntfsls -x -p / $vol | grep -qx 'PROGRA~1'
fls -r $vol > $t-fls
grep -q 'r/r .*:	SYSTEM$' $t-fls
ntfsresize --info --no-action $vol > $t-resize
grep -q 'You might resize' $t-resize
if ./wv-ntfs-put $vol $t-a:/Windows/System32; then
  fail "wv-ntfs-put replaced a directory by a file"
fi

# windows_checks DISK SS START SECTORS VERSION: the NTFS volume of
# SECTORS sectors at sector START of DISK is the Windows volume of
# VERSION.
windows_checks ()
{
  local disk=$1 ss=$2 start=$3 sectors=$4 version=$5 cs current product inum
  fls -b $ss -o $start -r -p $disk > $t-fls
  grep -q 'r/r .*:	Windows/System32/config/SYSTEM$' $t-fls
  grep -q 'r/r .*:	Windows/System32/config/SOFTWARE$' $t-fls
  grep -q 'r/r .*:	Windows/System32/drivers/disk.sys$' $t-fls
  inum=$(sed -n 's|^r/r \([0-9]*\)-.*:	Windows/System32/config/SYSTEM$|\1|p' \
           $t-fls)
  icat -b $ss -o $start $disk $inum > $t-SYSTEM
  inum=$(sed -n 's|^r/r \([0-9]*\)-.*:	Windows/System32/config/SOFTWARE$|\1|p' \
           $t-fls)
  icat -b $ss -o $start $disk $inum > $t-SOFTWARE

  case $version in
    win7) current=1 product="Windows 7 Professional" ;;
    win10) current=2 product="Windows 10 Pro" ;;
  esac
  cs=ControlSet00$current
  hivexregedit --export $t-SYSTEM '\Select' > $t-select
  grep -qx "\"Current\"=dword:0000000$current" $t-select
  hivexregedit --export --unsafe-printable-strings $t-SYSTEM \
    "\\$cs\\Control\\Session Manager\\Environment" > $t-env
  grep -qx '"PROCESSOR_ARCHITECTURE"=str(1):"AMD64"' $t-env
  reglookup -p "/$cs/Services/disk/ImagePath" $t-SYSTEM |
    grep -q 'EXPAND_SZ,System32\\drivers\\disk.sys,'
  reglookup -p "/$cs/Control/Class" $t-SYSTEM |
    grep -q 'Class,SZ,SCSIAdapter,'
  reglookup -p "/Microsoft/Windows NT/CurrentVersion/ProductName" \
    $t-SOFTWARE | grep -q ",SZ,$product,"
  if test $version = win7; then
    reglookup -p /$cs/Control/CriticalDeviceDatabase $t-SYSTEM |
      grep -q 'pci#ven_8086&dev_7111/Service,SZ,intelide,'
  else
    # The stale set is there, and is not the current one.
    reglookup -p /ControlSet001/Services $t-SYSTEM | grep -q '^/ControlSet001/'
    reglookup -p /DriverDatabase/DriverPackages $t-SYSTEM |
      grep -q 'pvscsi.inf_amd64_[0-9a-f]*/Descriptors,KEY'
    reglookup -p "/Microsoft/Windows NT/CurrentVersion" $t-SOFTWARE |
      grep -q 'CurrentMajorVersionNumber,DWORD,0x0000000A,'
  fi

  dd if=$disk of=$t-part bs=$ss skip=$start count=$sectors status=none
  ntfsinfo -m $t-part | grep -q "Sector Size: $ss"
  ntfsinfo -m $t-part | grep -q 'Volume Name: Windows'
  ntfsresize --info --no-action $t-part > $t-resize
  grep -q 'You might resize' $t-resize
  ntfscat $t-part /Windows/System32/drivers/disk.sys > $t-disk.sys
  test "$(head -c 2 $t-disk.sys)" = MZ
  grep -q 'WINVIRTIO FAKE DRIVER - NOT A REAL DRIVER: disk.sys' $t-disk.sys
  rm $t-part
}

# ---- Windows 7, MBR, 512-byte sectors.
disk=$t-win7-mbr.img
"$scripts/make-windows-disk.sh" $disk --version win7 --layout mbr
test "$(stat -c %s $disk)" = $(( 256 * 1048576 ))
test "$(du -k $disk | cut -f1)" -lt 65536    # sparse
sfdisk -d $disk > $t-dump
grep -q '^label: dos$' $t-dump
grep -q '^label-id: 0x57494e37$' $t-dump
grep -q "^${disk}1 : start= *2048, size= *102400, type=7, bootable$" $t-dump
grep -q "^${disk}2 : start= *104448, size= *352256, type=7$" $t-dump
grep -q "^${disk}3 : start= *456704, size= *67584, type=f$" $t-dump
grep -q "^${disk}5 : start= *458752, size= *65536, type=7$" $t-dump
mmls $disk | grep -q '001:000   0000458752'
# Only the second partition is the Windows volume.
fls -o 2048 $disk > $t-fls-sr
grep -q 'r/r .*:	bootmgr$' $t-fls-sr
if grep -q 'Windows$' $t-fls-sr; then fail "Windows on System Reserved"; fi
fls -o 458752 -r -p $disk > $t-fls-data
grep -q 'Data/README.txt$' $t-fls-data
if grep -q 'Windows' $t-fls-data; then fail "Windows on the data volume"; fi
windows_checks $disk 512 104448 352256 win7
# MountedDevices names the disk signature and Windows' byte offset.
hivexregedit --export $t-SYSTEM '\MountedDevices' |
  grep -qx '"\\\\DosDevices\\\\C:"=hex(3):37,4e,49,57,00,00,30,03,00,00,00,00'

# ---- Windows 10, GPT, 512-byte sectors.
disk=$t-win10-gpt.img
"$scripts/make-windows-disk.sh" $disk --version win10 --layout gpt
sfdisk -d $disk > $t-dump
grep -q '^label: gpt$' $t-dump
grep -q "^${disk}1 : start= *2048, size= *204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B," $t-dump
grep -q "^${disk}2 : start= *206848, size= *32768, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE," $t-dump
grep -q "^${disk}3 : start= *239616, size= *282624, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=57494E56-5749-4E00-8000-000000000003," $t-dump
mmls $disk | grep -q 'Basic data partition'
windows_checks $disk 512 239616 282624 win10
hivexregedit --export $t-SYSTEM '\MountedDevices' |
  grep -qx '"\\\\DosDevices\\\\C:"=hex(3):44,4d,49,4f,3a,49,44,3a,56,4e,49,57,49,57,00,4e,80,00,00,00,00,00,00,03'

# ---- Windows 10, GPT, 4096-byte sectors (sfdisk cannot read it).
disk=$t-win10-gpt-4k.img
"$scripts/make-windows-disk.sh" $disk --version win10 --layout gpt \
  --sector-size 4096
fdisk -b 4096 -l $disk > $t-fdisk
grep -q "^${disk}3 *29952 *65279 *35328 .*Microsoft basic data$" $t-fdisk
mmls -b 4096 $disk > $t-mmls
grep -q '0000029952   0000065279   0000035328   Basic data partition' $t-mmls
windows_checks $disk 4096 29952 35328 win10

# ---- Windows XP (x86) and Server 2003 (amd64), MBR: \WINDOWS\system32,
# lower-case hive names, ntldr and boot.ini, CriticalDeviceDatabase
# and no DriverDatabase, version 5.x.
for version in xp 2k3; do
  disk=$t-$version.img
  "$scripts/make-windows-disk.sh" $disk --version $version --layout mbr
  fls -o 104448 -r -p $disk > $t-fls
  grep -q 'r/r .*:	WINDOWS/system32/config/system$' $t-fls
  grep -q 'r/r .*:	WINDOWS/system32/config/software$' $t-fls
  grep -q 'r/r .*:	WINDOWS/system32/drivers/symmpi.sys$' $t-fls
  grep -q 'r/r .*:	ntldr$' $t-fls
  grep -q 'r/r .*:	boot.ini$' $t-fls
  inum=$(sed -n 's|^r/r \([0-9]*\)-.*:	WINDOWS/system32/config/system$|\1|p' $t-fls)
  icat -o 104448 $disk $inum > $t-SYSTEM
  inum=$(sed -n 's|^r/r \([0-9]*\)-.*:	WINDOWS/system32/config/software$|\1|p' $t-fls)
  icat -o 104448 $disk $inum > $t-SOFTWARE
  case $version in
    xp) arch=x86 ver=5.1 product="Microsoft Windows XP" ;;
    2k3) arch=AMD64 ver=5.2 product="Microsoft Windows Server 2003 R2" ;;
  esac
  hivexregedit --export --unsafe-printable-strings $t-SYSTEM \
    '\ControlSet001\Control\Session Manager\Environment' > $t-env
  grep -qx "\"PROCESSOR_ARCHITECTURE\"=str(1):\"$arch\"" $t-env
  reglookup -p /ControlSet001/Control/CriticalDeviceDatabase $t-SYSTEM |
    grep -q 'pci#ven_1000&dev_0030/Service,SZ,symmpi,'
  if reglookup -p /DriverDatabase $t-SYSTEM | grep -q DriverDatabase; then
    fail "$version: the SYSTEM hive has a DriverDatabase"
  fi
  reglookup -p "/Microsoft/Windows NT/CurrentVersion/CurrentVersion" \
    $t-SOFTWARE | grep -q ",SZ,$ver,"
  reglookup -p "/Microsoft/Windows NT/CurrentVersion/ProductName" \
    $t-SOFTWARE | grep -q ",SZ,$product,"
  if reglookup -p "/Microsoft/Windows NT/CurrentVersion/EditionID" \
      $t-SOFTWARE | grep -q EditionID; then
    fail "$version: EditionID before Vista"
  fi
  rm -f $disk
done

# ---- Bad arguments fail cleanly and leave nothing behind.
if "$scripts/make-windows-disk.sh" $t-bad.img --version win8 --layout gpt; then
  fail "make-windows-disk.sh accepted win8"
fi
if "$scripts/make-windows-disk.sh" $t-bad.img --version win7 --layout gpt \
     --size 100M; then
  fail "make-windows-disk.sh accepted a 100M GPT disk"
fi
test ! -e $t-bad.img
test ! -e $t-bad.img-t
test ! -e $t-bad.img.tmp

# ---- The fake virtio-win tree.
vw=$t-virtio-win
"$scripts/make-fake-virtio-win.sh" $vw
test -f $vw/README.txt
grep -q FAKE $vw/README.txt
# (The INFs are UTF-16LE with a BOM, as the real ones: iconv.)
inf_text ()
{
  iconv -f UTF-16 -t UTF-8 "$1" | tr -d '\r'
}
for drv in viostor vioscsi; do
  for os in w7 2k8R2 w8 2k12 w8.1 2k12R2 w10 w11 2k16 2k19 2k22 2k25; do
    d=$vw/$drv/$os/amd64
    for ext in sys inf cat pdb; do test -s $d/$drv.$ext; done
    test "$(head -c 2 $d/$drv.sys)" = MZ
    grep -aq "WINVIRTIO FAKE DRIVER - NOT A REAL DRIVER: $drv $os amd64" \
      $d/$drv.sys
    size=$(stat -c %s $d/$drv.sys)
    test $size -ge $(( 24 * 1024 )) && test $size -le $(( 40 * 1024 ))
    # A PE image (e_lfanew 0x100) for AMD64 (0x8664), native subsystem
    # (1) of a PE32+ (0x20b) optional header; a catalog that openssl
    # reads as signed SignedData.
    test "$(od -An -tx1 -j 256 -N 6 $d/$drv.sys | tr -d ' ')" = 504500006486
    test "$(od -An -tx1 -j 280 -N 2 $d/$drv.sys | tr -d ' ')" = 0b02
    test "$(od -An -tx1 -j 348 -N 2 $d/$drv.sys | tr -d ' ')" = 0100
    openssl cms -verify -noverify -binary -inform DER -in $d/$drv.cat \
      -out /dev/null 2>/dev/null
    test "$(head -c 2 $d/$drv.inf | od -An -tx1 | tr -d ' ')" = fffe
    inf_text $d/$drv.inf > $t-inf
    grep -qx 'Class=SCSIAdapter' $t-inf
    grep -qx 'StartType      = %SERVICE_BOOT_START%' $t-inf
    grep -qx 'SERVICE_BOOT_START     = 0' $t-inf
    grep -q '^LoadOrderGroup = SCSI miniport$' $t-inf
    grep -q '^%VENDOR% = '$drv',NTamd64\.[0-9.]*$' $t-inf
  done
done
inf_text $vw/viostor/w10/amd64/viostor.inf > $t-inf
grep -q 'PCI\\VEN_1AF4&DEV_1001' $t-inf
grep -q 'PCI\\VEN_1AF4&DEV_1042' $t-inf
grep -qx '%VENDOR% = viostor,NTamd64.10.0' $t-inf
inf_text $vw/viostor/2k19/amd64/viostor.inf |
  grep -qx '%VENDOR% = viostor,NTamd64.10.0...17763'
inf_text $vw/viostor/w7/x86/viostor.inf | grep -qx '%VENDOR% = viostor,NTx86.6.1'
inf_text $vw/viostor/w11/ARM64/viostor.inf |
  grep -qx '%VENDOR% = viostor,NTarm64.10.0...22000'
inf_text $vw/vioscsi/w10/amd64/vioscsi.inf > $t-inf
grep -q 'PCI\\VEN_1AF4&DEV_1004' $t-inf
grep -q 'PCI\\VEN_1AF4&DEV_1048' $t-inf
inf_text $vw/NetKVM/w10/amd64/netkvm.inf > $t-inf
grep -qx 'StartType      = %SERVICE_DEMAND_START%' $t-inf
grep -q 'PCI\\VEN_1AF4&DEV_1000' $t-inf
test -s $vw/NetKVM/w10/amd64/netkvm.sys
test -s $vw/vioserial/w10/amd64/vioser.sys
test -s $vw/Balloon/w10/amd64/blnsvr.exe
test -s $vw/sriov/w10/amd64/vioprot.inf
test -s $vw/NetKVM/w10/amd64/sriov/vioprot.inf
test -s $vw/smbus/2k25/amd64/smbus.sys
test ! -e $vw/smbus/2k22
test ! -e $vw/qemupciserial/w10/amd64/qemupciserial.sys
for drv in viostor vioscsi; do
  grep -aq "WINVIRTIO FAKE DRIVER - NOT A REAL DRIVER: $drv w7 x86" \
    $vw/$drv/w7/x86/$drv.sys
done
# 12 drivers (with sriov twice) in 12 Windows, fewer for smbus (2k25
# only); x86 for w7 and w10, ARM64 for w11 (3 drivers); and viostor
# alone for xp/x86, 2k3/x86 and 2k3/amd64.
test "$(find $vw -name '*.inf' | wc -l)" = $(( 11 * (12 + 2) + 3 + 1 + 12 + 2 + 1 + 3 ))
for f in xp/x86 2k3/x86 2k3/amd64; do
  test -s $vw/viostor/$f/viostor.sys
  test ! -e $vw/vioscsi/${f%/*}
done
# Every driver differs; a second run gives the same bytes.
test "$(md5sum $vw/*/*/amd64/*.sys | cut -d' ' -f1 | sort -u | wc -l)" = \
  "$(ls $vw/*/*/amd64/*.sys | wc -l)"
"$scripts/make-fake-virtio-win.sh" $t-virtio-win2
diff -r $vw $t-virtio-win2
# It refuses to replace a directory it did not make.
mkdir $t-other
touch $t-other/precious
if "$scripts/make-fake-virtio-win.sh" $t-other; then
  fail "make-fake-virtio-win.sh replaced a foreign directory"
fi
test -e $t-other/precious
