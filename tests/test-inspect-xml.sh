#!/usr/bin/env bash
# winvirtio tests: winvirtio inspect --xml, virt-v2v-inspector's
# document, on the test disks (XP, 2003 R2, 7, 10), on a SOFTWARE
# hive of each Windows version winvirtio knows (the test disks with
# the version values each Windows writes, merged with hivexregedit),
# on the real SYSTEM hives of the corpus (../shared/corpus/hives) and
# on disks with no Windows or refused.  Each document must be
# well-formed (xmllint), and inspect-xml-check.py reads it with
# ElementTree as Forklift does and compares every element with the
# disk read with sfdisk, sleuthkit and hivexget (osinfo from the
# hive's own values and osinfo-db's ids, not from winvirtio's code).
# The exit status is plain inspect's; --xml with --json is a usage
# error.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires test -x "$MKNTFS"
requires which hivexget
requires which hivexregedit
requires xmllint --version
requires fls -V
requires icat -V
requires /usr/bin/python3 --version
PATH="$PATH:/sbin:/usr/sbin"
requires sfdisk --version
requires fdisk --version

t=tmp-inspect-xml
rm -rf "$t"
mkdir "$t"
cleanup_fn rm -rf "$t"
vw=$t/vw
"$abs_top_srcdir/scripts/make-fake-virtio-win.sh" "$vw"
version=$(winvirtio --version | awk '{ print $2 }')

# Vista and Server 2008 (folder 2k8, INF decoration NTamd64.6.0) and
# XP x64 (xp/amd64) are in older virtio-win releases only: add them,
# from the 2008 R2 and 2003 x64 folders.
for d in viostor vioscsi; do
  cp -r "$vw/$d/2k8R2" "$vw/$d/2k8"
  /usr/bin/python3 - "$vw/$d/2k8/amd64/$d.inf" <<'EOF'
import sys
text = open(sys.argv[1], "rb").read().decode("utf-16")
assert "NTamd64.6.1" in text
open(sys.argv[1], "wb").write(text.replace("NTamd64.6.1", "NTamd64.6.0")
                              .encode("utf-16"))
EOF
done
cp -r "$vw/viostor/2k3/amd64" "$vw/viostor/xp/amd64"

# check NAME DISK [INSPECT-ARGS...]: inspect --xml, the same exit
# status as plain inspect, well-formed, and what inspect-xml-check.py
# finds on the disk.  Sets $r to the exit status.
check ()
{
  local name=$1 disk=$2 plain
  shift 2
  plain=0
  winvirtio inspect --drivers="$vw" "$@" "$disk" > "$t/$name.txt" ||
    plain=$?
  r=0
  $VG winvirtio inspect --xml --drivers="$vw" "$@" "$disk" \
    > "$t/$name.xml" || r=$?
  cat "$t/$name.xml"
  [ $r = $plain ] ||
    fail "$name: inspect --xml exits with $r, inspect with $plain"
  xmllint --noout "$t/$name.xml"
  "$abs_top_srcdir/tests/inspect-xml-check.py" "$t/$name.xml" "$disk" \
    $r "$version"
}

# make_disk DISK VERSION LAYOUT [ARGS...]
make_disk ()
{
  local disk=$1 ver=$2 layout=$3
  shift 3
  WV_BUILDDIR="$abs_top_builddir" \
    "$abs_top_srcdir/scripts/make-windows-disk.sh" "$disk" \
    --version "$ver" --layout "$layout" "$@"
}

# The test disks.
make_disk "$t/xp.img" xp mbr
check xp "$t/xp.img"
[ $r = 0 ]
grep -qFx '    <windows_systemroot>/WINDOWS</windows_systemroot>' "$t/xp.xml"
grep -qFx '    <windows_software_hive>/WINDOWS/system32/config/software</windows_software_hive>' "$t/xp.xml"
make_disk "$t/2k3.img" 2k3 mbr
check 2k3 "$t/2k3.img"
[ $r = 0 ]
grep -qFx '    <osinfo>win2k3r2</osinfo>' "$t/2k3.xml"
make_disk "$t/win7.img" win7 mbr
check win7 "$t/win7.img"
[ $r = 0 ]
grep -qFx '  <firmware type="bios"/>' "$t/win7.xml"
make_disk "$t/win10.img" win10 gpt
check win10 "$t/win10.img"
[ $r = 0 ]
grep -qFx '  <firmware type="uefi"/>' "$t/win10.xml"
grep -qFx '    <root>/dev/sda3</root>' "$t/win10.xml"
make_disk "$t/win10-4k.img" win10 gpt --sector-size 4096
check win10-4k "$t/win10-4k.img"
[ $r = 0 ]
rm -f "$t/win10-4k.img"

# A SOFTWARE hive of another Windows: BASE's (tests/data) with the
# values of REGTEXT (lines of a .reg file, for Windows NT\CurrentVersion)
# merged in.
# variant NAME BASE LAYOUT OSINFO REGTEXT
variant ()
{
  local name=$1 base=$2 layout=$3 want=$4 text=$5
  ./wv-mkhive "$t/$name.SOFTWARE" \
    "CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}"
  hivexregedit --merge "$t/$name.SOFTWARE" \
    --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' \
    "$abs_top_srcdir/tests/data/$base-software.reg"
  printf 'Windows Registry Editor Version 5.00\n\n%s\n%s\n' \
    '[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]' \
    "$text" > "$t/$name.reg"
  hivexregedit --merge "$t/$name.SOFTWARE" \
    --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$t/$name.reg"
  make_disk "$t/$name.img" "$base" "$layout" \
    --software-hive "$t/$name.SOFTWARE"
  check "$name" "$t/$name.img"
  [ $r = 0 ]
  # (The checker computed it; this says which row it is.)
  grep -qFx "    <osinfo>$want</osinfo>" "$t/$name.xml" ||
    fail "$name: osinfo is not $want"
  rm -f "$t/$name.img"
}

# ver CURRENTVERSION BUILD: the values Windows before 10 writes (no
# CurrentMajorVersionNumber).
ver ()
{
  printf '"CurrentVersion"="%s"\n"CurrentBuild"="%s"\n"CurrentBuildNumber"="%s"\n"CurrentMajorVersionNumber"=-\n"CurrentMinorVersionNumber"=-' \
    "$1" "$2" "$2"
}
# build10 BUILD: Windows 10 and later.
build10 ()
{
  printf '"CurrentBuild"="%s"\n"CurrentBuildNumber"="%s"' "$1" "$1"
}

variant xp64 2k3 mbr winxp '"ProductName"="Microsoft Windows XP"'
variant 2k3-nor2 2k3 mbr win2k3 \
  '"ProductName"="Microsoft Windows Server 2003"'
variant vista win7 mbr winvista "$(ver 6.0 6002)
\"ProductName\"=\"Windows Vista (TM) Business\""
variant 2k8 win7 mbr win2k8 "$(ver 6.0 6003)
\"InstallationType\"=\"Server\"
\"ProductName\"=\"Windows Server (R) 2008 Standard\""
variant 2k8r2 win7 mbr win2k8r2 '"InstallationType"="Server"
"ProductName"="Windows Server 2008 R2 Standard"'
variant win8 win10 gpt win8 "$(ver 6.2 9200)
\"ProductName\"=\"Windows 8 Pro\""
variant 2k12 win10 gpt win2k12 "$(ver 6.2 9200)
\"InstallationType\"=\"Server\"
\"ProductName\"=\"Windows Server 2012 Standard\""
variant win8.1 win10 gpt win8.1 "$(ver 6.3 9600)
\"ProductName\"=\"Windows 8.1 Pro\""
variant 2k12r2 win10 gpt win2k12r2 "$(ver 6.3 9600)
\"InstallationType\"=\"Server Core\"
\"ProductName\"=\"Windows Server 2012 R2 Datacenter\""
grep -qFx '    <product_variant>Server Core</product_variant>' \
  "$t/2k12r2.xml"
# Windows 11 still says "Windows 10" in ProductName: the build decides.
variant win11 win10 gpt win11 "$(build10 22631)"
variant 2k16 win10 gpt win2k16 "$(build10 14393)
\"InstallationType\"=\"Server\"
\"ProductName\"=\"Windows Server 2016 Standard\""
variant 2k19 win10 gpt win2k19 "$(build10 17763)
\"InstallationType\"=\"Server\"
\"ProductName\"=\"Windows Server 2019 Datacenter\""
variant 2k22 win10 gpt win2k22 "$(build10 20348)
\"InstallationType\"=\"Server\"
\"ProductName\"=\"Windows Server 2022 Datacenter\""
variant 2k25 win10 gpt win2k25 "$(build10 26100)
\"InstallationType\"=\"Server\"
\"ProductName\"=\"Windows Server 2025 Standard\""

# A ProductName XML must escape (& < > " '), with a control character
# XML cannot hold (U+0001, dropped), a tab (kept) and non-ASCII
# (UTF-8).
product=$'Windows 10 Pro & <Lab> "A" \'B\' caf\xc3\xa9\x01\tX'
hex=$(/usr/bin/python3 -c 'import os, sys
b = (os.fsencode(sys.argv[1]).decode("utf-8") + "\0").encode("utf-16-le")
print(",".join("%02x" % c for c in b))' "$product")
variant escape win10 gpt win10 "\"ProductName\"=hex(1):$hex"
grep -qF $'<product_name>Windows 10 Pro &amp; &lt;Lab&gt; &quot;A&quot; &apos;B&apos; caf\xc3\xa9\tX</product_name>' \
  "$t/escape.xml" || fail "escape: ProductName not escaped as expected"
if grep -qP '\x01' "$t/escape.xml"; then
  fail "escape: U+0001 in the document"
fi

# No Windows on the volume inspected (--partition=1 of the win7
# disk: System Reserved), no partition table at all: no
# operatingsystem, plain inspect's exit status (refused).
check nowin "$t/win7.img" --partition=1
[ $r = 1 ]
grep -q '^windows: none found on one volume$' "$t/nowin.txt"
truncate -s 64M "$t/blank.img"
check blank "$t/blank.img"
[ $r = 1 ]
if grep -q '<firmware' "$t/blank.xml"; then
  fail "blank: firmware without a partition table"
fi
# Windows found, but no driver source: refused, no operatingsystem.
r=0
VIRTIO_WIN=$t/none $VG winvirtio inspect --xml "$t/win10.img" \
  > "$t/nodrivers.xml" || r=$?
[ $r = 1 ]
xmllint --noout "$t/nodrivers.xml"
"$abs_top_srcdir/tests/inspect-xml-check.py" "$t/nodrivers.xml" \
  "$t/win10.img" 1 "$version"

# --xml with --json: a usage error, exit status 2.
for args in "--xml --json" "--json --xml"; do
  r=0
  winvirtio inspect $args --drivers="$vw" "$t/win10.img" \
    > "$t/both.out" 2> "$t/both.err" || r=$?
  cat "$t/both.err"
  [ $r = 2 ]
  [ ! -s "$t/both.out" ]
  grep -qFx 'winvirtio: inspect: --json and --xml cannot be used together: give one' \
    "$t/both.err"
done

# The real SYSTEM hives of the corpus (control set and architecture
# are theirs): Windows 10 19041 x64, Windows 7 SP1 x86; and a real
# dirty one (Windows 8.1) whose logs are not there: refused.
if [ -e "$corpus/hives/dissect.regf/SYSTEM.gz" ]; then
  make_disk "$t/real10.img" win10 gpt \
    --system-hive "$corpus/hives/dissect.regf/SYSTEM.gz"
  check real10 "$t/real10.img"
  [ $r = 0 ]
  rm -f "$t/real10.img"
fi
if [ -e "$corpus/hives/regipy/SYSTEM.xz" ]; then
  make_disk "$t/real7.img" win7 mbr \
    --system-hive "$corpus/hives/regipy/SYSTEM.xz"
  check real7 "$t/real7.img"
  [ $r = 0 ]
  grep -qFx '    <arch>i386</arch>' "$t/real7.xml"
  rm -f "$t/real7.img"
fi
if [ -e "$corpus/hives/regipy/SYSTEM_2.xz" ]; then
  make_disk "$t/dirty.img" win10 gpt \
    --system-hive "$corpus/hives/regipy/SYSTEM_2.xz"
  check dirty "$t/dirty.img"
  [ $r = 1 ]
  grep -q '^verdict: refused: ' "$t/dirty.txt"
  rm -f "$t/dirty.img"
fi
