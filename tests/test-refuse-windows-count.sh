#!/usr/bin/env bash
# winvirtio tests: no Windows, or Windows on several partitions; the
# partition option.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The MBR test disk has partitions 1 (System Reserved), 2 (Windows),
# 3 (extended) and 5 (Data).  A second "Windows" is made by putting a
# file at \Windows\System32\config\SYSTEM into another volume (what
# the planner looks for), with wv-ntfs-put.  A disk without Windows
# is a data disk: one GPT partition with an empty NTFS volume.
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win7.img" --version win7 --layout mbr
choose="choose one with --partition=N (winvirtio map) or winvirtio-partition=N (the filter)"

# with_windows NAME PART...: a copy of the disk with a SYSTEM file on
# these partitions too; prints its name.
echo "WINVIRTIO FAKE FILE: another Windows" > "$t/SYSTEM"
with_windows ()
{
  local disk="$t/$1.img" p
  shift
  cp --sparse=always "$t/win7.img" "$disk"
  for p in "$@"; do
    edit_volume "$disk" "$p" put "$t/SYSTEM:/Windows/System32/config/SYSTEM"
  done
  echo "$disk"
}

# Two Windows: both named, with the option to choose.
disk=$(with_windows two 5)
refused two "$disk" "@SRC@: Windows found on more than one partition (2 and 5): $choose"
# Choosing one works.
accepted two-chosen "$disk" 2 choose

# Three.
disk=$(with_windows three 1 5)
refused three "$disk" "@SRC@: Windows found on more than one partition (1, 2 and 5): $choose"

# A partition without Windows, or that does not exist, is chosen.
refused wrong-partition "$t/win7.img" "@SRC@: partition 5 does not hold Windows (no \\Windows\\System32\\config\\SYSTEM on NTFS): give the partition that holds Windows with --partition=N (winvirtio map) or winvirtio-partition=N (the filter), or leave it out to search them all" 5
refused no-partition "$t/win7.img" "@SRC@: there is no partition 9 (MBR partition table, partitions: 1, 2, 3 and 5): give the partition that holds Windows with --partition=N (winvirtio map) or winvirtio-partition=N (the filter), or leave it out to search them all" 9

# A data disk: no Windows at all.
truncate -s 64M "$t/data.img"
echo 'label: gpt
start=2048, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7' |
  "$SFDISK" -q --no-reread --no-tell-kernel "$t/data.img"
size=$(part_size "$t/data.img" 1)
truncate -s "$size" "$t/data.vol"
"$MKNTFS" -q -F -f -p 2048 -L Data "$t/data.vol" > /dev/null
dd if="$t/data.vol" of="$t/data.img" bs=1M seek=1 conv=notrunc,sparse \
  status=none
refused no-windows "$t/data.img" "@SRC@: no Windows found: no NTFS volume on this disk holds \\Windows\\System32\\config\\SYSTEM (GPT partition table, 1 partition): check that this is the VM's system disk; its other disks need no change"
