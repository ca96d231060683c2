#!/usr/bin/env bash
# winvirtio tests: end to end on a Windows XP (x86) disk, mbr layout,
# 512-byte sectors: the CriticalDeviceDatabase path, and the NTFS boot
# sector's heads field (virt-v2v's fix_ntfs_heads), read back from the
# served disk with dd and od, and the volume checked with ntfsresize
# and sleuthkit's fsstat.
# Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
source ./functions.sh
source "$abs_top_srcdir/tests/e2e.sh"
set -e
set -x
requires fsstat -V
# virtio-win has only viostor for XP: vioscsi is left out.
export WV_BOOT_DRIVERS=viostor
e2e e2e-xp-mbr xp mbr 512 xp "" x86

t=tmp-e2e-xp-mbr
# heads FILE OFFSET: the 16-bit little-endian heads field of the boot
# sector at OFFSET.
heads ()
{
  dd if="$1" bs=1 skip=$(( $2 + 26 )) count=2 status=none | od -An -tu2 |
    tr -d ' '
}
# Partition 2 (Windows), from sleuthkit's mmls.
read -r start len < <(mmls_slot "$t/disk.img" 003:)
[ "$start" = $(( 51 * 1048576 )) ]
backup=$(( start + len - 512 ))

# mkntfs was told 255 heads; a 256 MiB disk needs 0x40 (< 2114445312).
[ "$(heads "$t/disk.img" "$start")" = 255 ]
[ "$(heads "$t/disk.img" "$backup")" = 255 ]
[ "$(heads "$t/out-map.raw" "$start")" = 64 ] ||
  fail "the served boot sector's heads field is not 64"
[ "$(heads "$t/out-map.raw" "$backup")" = 64 ] ||
  fail "the served backup boot sector's heads field is not 64"
# The two boot sectors are equal again; nothing else in them changed.
cmp <(dd if="$t/out-map.raw" bs=512 skip=$(( start / 512 )) count=1 status=none) \
    <(dd if="$t/out-map.raw" bs=512 skip=$(( backup / 512 )) count=1 status=none)
cmp -l <(dd if="$t/disk.img" bs=512 skip=$(( start / 512 )) count=1 status=none) \
       <(dd if="$t/out-map.raw" bs=512 skip=$(( start / 512 )) count=1 status=none) \
  > "$t/bootdiff" || true
cat "$t/bootdiff"
[ "$(awk '{ print $1 }' "$t/bootdiff" | tr '\n' ' ')" = "27 " ]

# The volume is still consistent for ntfs-3g and sleuthkit.
dd if="$t/out-map.raw" of="$t/vol" bs=1M iflag=skip_bytes,count_bytes \
  skip="$start" count="$len" conv=sparse status=none
ntfsresize --check "$t/vol"
ntfsresize --info --no-action "$t/vol" > /dev/null
fsstat -o $(( start / 512 )) "$t/out-map.raw" | grep -q '^File System Type: NTFS'

# vioscsi is left out, and said so; nothing of it is in the hive.
grep -qFx 'driver: vioscsi left out (not in the driver source for xp/x86; virtio-win has none for Windows before Vista): give the guest a virtio-blk (not virtio-scsi) disk' "$t/summary"
if grep -qi 'vioscsi' <(grep -v '^driver: vioscsi left out' "$t/summary"); then
  fail "vioscsi was registered or copied"
fi

# The block map has the boot sector, labelled.
grep -q 'NTFS boot sector' "$t/dump"
grep -q 'NTFS backup boot sector' "$t/dump"
