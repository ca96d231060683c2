#!/usr/bin/env bash
# winvirtio tests: every Windows version and architecture is mapped to
# the right virtio-win folder (synthetic hives with the version values
# each Windows writes).
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
set -e
set -x

requires which hivexregedit

t=tmp-windows-versions
rm -rf $t
mkdir $t
cleanup_fn rm -rf $t

# hive OUT ROOT REGTEXT: a hive from .reg text.
hive ()
{
  ./wv-mkhive "$1"
  # (hivexregedit wants a blank line before each key.)
  printf 'Windows Registry Editor Version 5.00\n\n%s\n' "$3" |
    sed 's/^\[/\n[/' > "$1.reg"
  hivexregedit --merge "$1" --prefix "HKEY_LOCAL_MACHINE\\$2" "$1.reg"
}

# row EXPECTED ARCH CURRENTVERSION MAJOR BUILD TYPE PRODUCT
# (MAJOR "-" for Windows before 10, which has no
# CurrentMajorVersionNumber; ARCH as in PROCESSOR_ARCHITECTURE.)
n=0
row ()
{
  local want=$1 arch=$2 cv=$3 major=$4 build=$5 type=$6 product=$7
  local d=$t/$n ver=
  n=$((n + 1))
  mkdir $d
  if [ "$major" != - ]; then
    ver=$(printf '"CurrentMajorVersionNumber"=dword:%08x\n"CurrentMinorVersionNumber"=dword:00000000' "$major")
  fi
  hive $d/SOFTWARE SOFTWARE "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT]
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]
\"ProductName\"=\"$product\"
\"CurrentVersion\"=\"$cv\"
\"CurrentBuildNumber\"=\"$build\"
\"InstallationType\"=\"$type\"
$ver"
  hive $d/SYSTEM SYSTEM "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]
\"Current\"=dword:00000002
[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002]
[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control]
[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control\\Session Manager]
[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control\\Session Manager\\Environment]
\"PROCESSOR_ARCHITECTURE\"=\"$arch\""
  got=$(./test-windows-identify $d/SYSTEM $d/SOFTWARE)
  [ "${got%% *}" = "$want" ] || fail "$product $build $arch: got '$got', want $want"
  echo "$product ($cv, build $build, $type, $arch) -> $got"
}

row xp     x86   5.1 -  2600  Client "Microsoft Windows XP"
row xp     AMD64 5.2 -  3790  Client "Microsoft Windows XP"
row 2k3    x86   5.2 -  3790  Server "Microsoft Windows Server 2003"
row 2k3    AMD64 5.2 -  3790  Server "Microsoft Windows Server 2003 R2"
row 2k8    x86   6.0 -  6002  Client "Windows Vista (TM) Business"
row 2k8    AMD64 6.0 -  6003  Server "Windows Server (R) 2008 Standard"
row w7     x86   6.1 -  7601  Client "Windows 7 Professional"
row w7     AMD64 6.1 -  7601  Client "Windows 7 Enterprise"
row 2k8r2  AMD64 6.1 -  7601  Server "Windows Server 2008 R2 Standard"
row w8     AMD64 6.2 -  9200  Client "Windows 8 Pro"
row 2k12   AMD64 6.2 -  9200  Server "Windows Server 2012 Standard"
row w8.1   x86   6.3 -  9600  Client "Windows 8.1 Pro"
row 2k12r2 AMD64 6.3 -  9600  Server "Windows Server 2012 R2 Datacenter"
row w10    AMD64 6.3 10 19045 Client "Windows 10 Pro"
row w10    x86   6.3 10 10240 Client "Windows 10 Enterprise"
row w10    ARM64 6.3 10 19041 Client "Windows 10 Pro"
row 2k16   AMD64 6.3 10 14393 Server "Windows Server 2016 Standard"
row 2k19   AMD64 6.3 10 17763 Server "Windows Server 2019 Datacenter"
# Windows 11 still says "Windows 10" in ProductName: the build decides.
row w11    AMD64 6.3 10 22000 Client "Windows 10 Pro"
row w11    ARM64 6.3 10 26100 Client "Windows 10 Pro"
row 2k22   AMD64 6.3 10 20348 Server "Windows Server 2022 Standard"
row 2k22   AMD64 6.3 10 20348 "Server Core" "Windows Server 2022 Datacenter"
row 2k25   AMD64 6.3 10 26100 Server "Windows Server 2025 Standard"
# An unknown version gives no folder, never a guess.
row -      AMD64 6.4 -  9841  Client "Windows Technical Preview"

# The architecture names virtio-win uses.
[ "$(./test-windows-identify $t/15/SYSTEM $t/15/SOFTWARE | cut -d' ' -f2)" = ARM64 ]
[ "$(./test-windows-identify $t/0/SYSTEM $t/0/SOFTWARE | cut -d' ' -f2)" = x86 ]
[ "$(./test-windows-identify $t/1/SYSTEM $t/1/SOFTWARE | cut -d' ' -f2)" = amd64 ]
