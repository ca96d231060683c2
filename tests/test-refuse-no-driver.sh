#!/usr/bin/env bash
# winvirtio tests: a Windows for which the driver tree has no driver,
# and a Windows version or architecture that winvirtio does not know.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The fake virtio-win tree (scripts/make-fake-virtio-win.sh) is copied
# and folders are removed from the copy; the messages list what is
# left, so each level keeps only one entry (directory order is not
# fixed).  The unknown version and architecture are made by editing a
# hive taken out of the Windows volume with ntfscat, with
# hivexregedit, and putting it back with wv-ntfs-put.
source ./functions.sh
set -e
set -x
requires command -v ntfscat
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win10.img" --version win10 --layout gpt
make_disk "$t/win7.img" --version win7 --layout mbr

# tree NAME: a copy of the driver tree; prints its (absolute) name.
tree ()
{
  local d="$(pwd)/$t/$1"
  cp -a "$vw" "$d"
  echo "$d"
}

# No folder for Windows 10 (only w11 is left).
d=$(tree vw-w11)
find "$d/viostor" "$d/vioscsi" -mindepth 1 -maxdepth 1 ! -name w11 \
  -exec rm -rf {} +
refused no-osdir "$t/win10.img" "@SRC@: $d/viostor has no folder for this Windows (Windows 10 Pro, virtio-win folder w10); it has: w11.  Use a virtio-win release that supports this Windows" "" "$d"

# No amd64 folder for Windows 7 (only x86).
d=$(tree vw-x86)
rm -rf "$d/viostor/w7/amd64"
refused no-arch "$t/win7.img" "@SRC@: $d/viostor/w7 has no amd64 folder for this amd64 Windows (it has: x86): use a virtio-win release with amd64 drivers for this Windows" "" "$d"

# The amd64 folder for Windows 10 is a symbolic link to itself (a
# loop): the message names the link, not a missing folder.
d=$(tree vw-loop)
rm -rf "$d/viostor/w10/amd64"
ln -s amd64 "$d/viostor/w10/amd64"
refused symlink-loop "$t/win10.img" "@SRC@: $d/viostor/w10/amd64 is a symbolic link that cannot be followed (Too many levels of symbolic links), where the viostor drivers for this Windows would be: fix or remove the link, or point winvirtio at the virtio-win ISO" "" "$d"

# The w10 folder is a symbolic link to a good copy: not followed, and
# said so.
d=$(tree vw-link)
mv "$d/viostor/w10" "$d/w10-real"
ln -s ../w10-real "$d/viostor/w10"
refused symlink-folder "$t/win10.img" "@SRC@: $d/viostor/w10 is a symbolic link to a folder, which winvirtio does not follow, where the viostor drivers for this Windows would be: copy the folder there, or point winvirtio at the virtio-win ISO" "" "$d"

# No viostor at all.
d=$(tree vw-scsi)
find "$d" -mindepth 1 -maxdepth 1 ! -name vioscsi -exec rm -rf {} +
refused no-driver "$t/win10.img" "@SRC@: $d: no viostor folder in the driver tree (it has: vioscsi); point winvirtio at a virtio-win ISO tree" "" "$d"

# edit_hive DISK PART HIVE PREFIX REGFILE: merge REGFILE into the
# hive \Windows\System32\config\HIVE of partition PART.
edit_hive ()
{
  edit_volume "$1" "$2" edit_hive_in "$3" "$4" "$5"
}
edit_hive_in ()
{
  local hive="$t/$1"
  ntfscat "$4" "/Windows/System32/config/$1" > "$hive"
  hivexregedit --merge "$hive" --prefix "$2" "$3"
  "$ntfs_put" "$4" "$hive:/Windows/System32/config/$1"
}

# A Windows version with no virtio-win folder (Windows 2000: 5.0).
cp --sparse=always "$t/win10.img" "$t/win2000.img"
cat > "$t/version.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]
"CurrentMajorVersionNumber"=dword:00000005
"CurrentMinorVersionNumber"=dword:00000000
"CurrentBuildNumber"="2195"
"CurrentBuild"="2195"
REG
edit_hive "$t/win2000.img" 3 SOFTWARE 'HKEY_LOCAL_MACHINE\SOFTWARE' \
  "$t/version.reg"
refused unknown-version "$t/win2000.img" "@SRC@: winvirtio does not know which virtio-win folder fits Windows 10 Pro (Windows 5.0 build 2195): this Windows is not supported yet; please report it"

# An architecture that winvirtio does not know (the current control
# set of the test hive is ControlSet002).
cp --sparse=always "$t/win10.img" "$t/ia64.img"
cat > "$t/arch.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet002\Control\Session Manager\Environment]
"PROCESSOR_ARCHITECTURE"="IA64"
REG
edit_hive "$t/ia64.img" 3 SYSTEM 'HKEY_LOCAL_MACHINE\SYSTEM' "$t/arch.reg"
refused unknown-arch "$t/ia64.img" "@SRC@: the SYSTEM hive's PROCESSOR_ARCHITECTURE is the unknown value \"IA64\" (expected AMD64, x86 or ARM64): virtio-win has no drivers for it, so this Windows cannot be converted (if it is in fact one of those, please report it)"
