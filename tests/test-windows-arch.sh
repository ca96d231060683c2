#!/usr/bin/env bash
# winvirtio tests: the architecture from System32\cmd.exe's PE header
# when the SYSTEM hive has no PROCESSOR_ARCHITECTURE (as virt-v2v's own
# test guests), as libguestfs' inspection reads it.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
#  - cmd.exe a PE32 image for i386 (file(1) says so): the summary and
#    inspect say x86 and where it came from, and check-converted.sh
#    finds the x86 drivers installed (sleuthkit icat against the tree);
#  - cmd.exe for amd64: inspect says amd64 (text and JSON);
#  - no cmd.exe, or one that is not a PE image: refused, one message
#    each (map, inspect, the filter);
#  - an unknown PROCESSOR_ARCHITECTURE is refused as before
#    (test-refuse-no-driver.sh);
#  - a Windows 10 hive without DriverDatabase: the binding line says
#    so, not "before Windows 8".
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/refuse.sh"

requires which file
requires fls -V

cat > "$t/noarch.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\Session Manager\Environment]
"PROCESSOR_ARCHITECTURE"=-
REG
exe=Balloon/w10/x86/blnsvr.exe
file "$vw/$exe" | grep -q 'PE32 executable.*Intel 80386'
file "$vw/${exe/x86/amd64}" | grep -q 'PE32+ executable.*x86-64'

# x86.
make_disk "$t/x86.img" --version win10 --layout gpt \
  --system-reg "$t/noarch.reg" --put "$vw/$exe:/Windows/System32/cmd.exe"
$VG winvirtio inspect --drivers="$vw" "$t/x86.img" > "$t/x86.inspect"
grep -qFx '  architecture: x86' "$t/x86.inspect"
grep -qFx '  architecture from: \Windows\System32\cmd.exe'"'"'s PE header (no PROCESSOR_ARCHITECTURE)' "$t/x86.inspect"
nbdkit -U - --filter="$filter" file "$t/x86.img" \
  winvirtio-drivers="$vw" winvirtio-report="$t/x86.report" \
  --run 'qemu-img convert -O raw "$uri" '"$t/x86.out"
cat "$t/x86.report"
grep -qFx 'architecture: x86 (from \Windows\System32\cmd.exe'"'"'s PE header (no PROCESSOR_ARCHITECTURE))' "$t/x86.report"
"$abs_top_srcdir/scripts/check-converted.sh" "$t/x86.img" "$t/x86.out" \
  "$vw" w10 x86

# amd64.
make_disk "$t/amd64.img" --version win10 --layout gpt \
  --system-reg "$t/noarch.reg" \
  --put "$vw/${exe/x86/amd64}:/Windows/System32/cmd.exe"
$VG winvirtio inspect --json --drivers="$vw" "$t/amd64.img" |
  python3 -c 'import json, sys
w = json.load(sys.stdin)["windows"]
assert w["arch"] == "amd64", w
assert w["arch_source"] == "\\Windows\\System32\\cmd.exe'"'"'s PE header (no PROCESSOR_ARCHITECTURE)", w'
# With the value, it says so.
make_disk "$t/plain.img" --version win10 --layout gpt
$VG winvirtio inspect --drivers="$vw" "$t/plain.img" > "$t/plain.inspect"
grep -qFx '  architecture from: PROCESSOR_ARCHITECTURE' "$t/plain.inspect"

# No cmd.exe; a cmd.exe that is not a PE image.
make_disk "$t/nocmd.img" --version win10 --layout gpt \
  --system-reg "$t/noarch.reg"
refused no-cmd "$t/nocmd.img" "@SRC@: the SYSTEM hive's PROCESSOR_ARCHITECTURE is absent and there is no \\Windows\\System32\\cmd.exe to read the machine from: the architecture of this Windows is unknown"
printf 'MZ not a program\n' > "$t/cmd.exe"
make_disk "$t/badcmd.img" --version win10 --layout gpt \
  --system-reg "$t/noarch.reg" --put "$t/cmd.exe:/Windows/System32/cmd.exe"
refused bad-cmd "$t/badcmd.img" "@SRC@: the SYSTEM hive's PROCESSOR_ARCHITECTURE is absent and \\Windows\\System32\\cmd.exe is not a PE image (17 bytes, too short for a PE image): the architecture of this Windows is unknown"

# A Windows 10 whose hive has no DriverDatabase is bound through the
# CriticalDeviceDatabase, and the binding line says why (not "before
# Windows 8").
cat > "$t/noddb.reg" <<'REG'
Windows Registry Editor Version 5.00

[-HKEY_LOCAL_MACHINE\SYSTEM\DriverDatabase]
REG
make_disk "$t/noddb.img" --version win10 --layout gpt \
  --system-reg "$t/noddb.reg"
$VG winvirtio inspect --drivers="$vw" "$t/noddb.img" > "$t/noddb.inspect" ||
  true
grep -qFx '  driver binding: CriticalDeviceDatabase (the SYSTEM hive has no DriverDatabase)' "$t/noddb.inspect"
