#!/usr/bin/env bash
# winvirtio tests: dynamic disks (LDM) and Storage Spaces.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# The partition types are set with sfdisk on copies of the test disks:
# MBR type 0x42, GPT LDM metadata 5808C8AA-7E8F-42E0-85D2-E1E90434CFB3
# and LDM data AF9B60A0-1431-4F62-BC68-3311714A69AD, Storage Spaces
# E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D.  The Windows volume itself is
# left as it is: a dynamic disk is refused even though its Windows
# volume can still be seen through the partition table (see
# refuse_ldm in lib/plan/find.c).  A Storage Spaces partition is never
# searched, and only refused when there is no Windows elsewhere.
#
# The GPT test disk has partitions 1 (ESP), 2 (MSR) and 3 (Windows),
# then 1 MiB of free space, where a partition 4 is added.
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/refuse.sh"

ldm_metadata=5808C8AA-7E8F-42E0-85D2-E1E90434CFB3
ldm_data=AF9B60A0-1431-4F62-BC68-3311714A69AD
spaces=E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D

make_disk "$t/win7.img" --version win7 --layout mbr
make_disk "$t/win10.img" --version win10 --layout gpt

# retyped NAME BASE [PART TYPE]... [+ TYPE]: a copy of BASE with these
# partition types, and with "+ TYPE" a new partition 4 in the free
# space at the end; prints its name.
retyped ()
{
  local disk="$t/$1.img" end
  cp --sparse=always "$2" "$disk"
  shift 2
  while [ $# -ge 2 ]; do
    if [ "$1" = + ]; then
      end=$(( ($(part_start "$disk" 3) + $(part_size "$disk" 3)) / 512 ))
      echo "start=$end, size=1000, type=$2" |
        "$SFDISK" -q --no-reread --no-tell-kernel --append "$disk" >&2 ||
        fail "sfdisk could not add a partition"
    else
      "$SFDISK" -q --no-reread --no-tell-kernel --part-type "$disk" \
        "$1" "$2" >&2 || fail "sfdisk could not set a partition type"
    fi
    shift 2
  done
  echo "$disk"
}

convert="winvirtio does not change dynamic (LDM) volumes, which can span or mirror several disks; convert the disk to a basic disk in Windows before the migration, then try again"

# MBR: the Windows partition has type 0x42.
disk=$(retyped mbr-ldm "$t/win7.img" 2 42)
refused mbr-ldm "$disk" "@SRC@: this is a Windows dynamic disk (partition 2 is LDM (MBR type 0x42)): $convert"
# ... and the System Reserved one, as Windows converts them all.
disk=$(retyped mbr-ldm2 "$t/win7.img" 1 42 2 42)
refused mbr-ldm2 "$disk" "@SRC@: this is a Windows dynamic disk (partitions 1 and 2 are LDM (MBR type 0x42)): $convert"

# GPT: the Windows partition is LDM data, with an LDM metadata
# partition.  Refused, even with the partition chosen.
disk=$(retyped gpt-ldm "$t/win10.img" 3 $ldm_data + $ldm_metadata)
refused gpt-ldm "$disk" "@SRC@: this is a Windows dynamic disk (partition 3 is LDM data and partition 4 is LDM metadata): $convert"
refused gpt-ldm-chosen "$disk" "@SRC@: this is a Windows dynamic disk (partition 3 is LDM data and partition 4 is LDM metadata): $convert" 3

# GPT: Windows on a basic data partition, and an LDM metadata
# partition on the same disk: still a dynamic disk, refused.
disk=$(retyped gpt-ldm-meta "$t/win10.img" + $ldm_metadata)
refused gpt-ldm-meta "$disk" "@SRC@: this is a Windows dynamic disk (partition 4 is LDM metadata): $convert"

# Storage Spaces: the only NTFS volume is in a pool partition (so it
# is not searched): refused.
disk=$(retyped spaces "$t/win10.img" 3 $spaces)
refused spaces "$disk" "@SRC@: no Windows found: this disk is in a Storage Spaces pool (partition 3, GPT type $spaces), whose volumes winvirtio cannot read and from which Windows cannot boot; give winvirtio the VM's system disk, and copy this one without winvirtio"

# Windows on a basic partition next to a Storage Spaces partition:
# patched (the pool partition is not touched).
disk=$(retyped spaces-next "$t/win10.img" + $spaces)
accepted spaces-next "$disk" 3
