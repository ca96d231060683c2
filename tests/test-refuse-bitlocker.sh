#!/usr/bin/env bash
# winvirtio tests: BitLocker.  A disk whose only Windows is on an
# encrypted volume is refused; a Windows on an unencrypted volume is
# patched even when another volume is encrypted.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
#
# An encrypted volume is recognised by the OEM ID "-FVE-FS-" in its
# boot sector (where NTFS has "NTFS    "); the rest of it cannot be
# read, so writing that ID over a copy of the test disk is enough.
# The MBR test disk has partitions 1 (System Reserved), 2 (Windows),
# 3 (extended) and 5 (Data).
source ./functions.sh
set -e
set -x
source "$abs_top_srcdir/tests/refuse.sh"

make_disk "$t/win7.img" --version win7 --layout mbr

# encrypted NAME PART...: a copy of the disk with these partitions
# encrypted; prints its name.
encrypted ()
{
  local disk="$t/$1.img" p
  shift
  cp --sparse=always "$t/win7.img" "$disk"
  for p in "$@"; do
    set_oem "$disk" "$p" "-FVE-FS-"
  done
  echo "$disk"
}

decrypt="winvirtio cannot change an encrypted volume; decrypt it in Windows (manage-bde -off C:, and wait until it is fully decrypted) before the copy"

# The Windows volume is encrypted: refused.
disk=$(encrypted windows 2)
refused windows "$disk" "@SRC@: partition 2 is BitLocker-encrypted (-FVE-FS-) and no unencrypted partition holds Windows: $decrypt"

# ... and the data volume too.
disk=$(encrypted both 2 5)
refused both "$disk" "@SRC@: partitions 2 and 5 are BitLocker-encrypted (-FVE-FS-) and no unencrypted partition holds Windows: $decrypt"

# Only the data volume is encrypted: Windows is found and patched.
disk=$(encrypted data 5)
accepted data "$disk" 2
# ... but not when the encrypted one is chosen.
refused data-chosen "$disk" "@SRC@: partition 5 is BitLocker-encrypted (-FVE-FS-): $decrypt" 5

# A bare encrypted volume, without a partition table.
start=$(part_start "$t/win7.img" 2)
size=$(part_size "$t/win7.img" 2)
dd if="$t/win7.img" of="$t/bare.img" bs=1M iflag=skip_bytes,count_bytes \
  skip="$start" count="$size" conv=sparse status=none
printf '%s' "-FVE-FS-" | dd of="$t/bare.img" bs=1 seek=3 conv=notrunc \
  status=none
refused bare "$t/bare.img" "@SRC@: the volume is BitLocker-encrypted (-FVE-FS-): $decrypt"
