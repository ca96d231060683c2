/* winvirtio: the NTFS boot sector's heads field, for Windows XP and
 * Server 2003.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * NTFS keeps the number of heads of the disk that created it in its
 * boot sector (BPB, 16-bit little-endian at offset 0x1a).  Windows
 * Vista and later ignore it; the boot code of Windows 2000, XP and
 * Server 2003 uses it, and with a value other than the one QEMU's
 * BIOS geometry gives fails with "A disk read error occurred".  As
 * virt-v2v does (convert/convert_windows.ml, fix_ntfs_heads), for a
 * Windows before 6.0 whose volume is a partition (not a whole disk),
 * the field becomes, by the size of the whole disk:
 *
 *   size < 2114445312                 0x40
 *   2114445312 <= size < 4228374780   0x80
 *   4228374780 <= size                0xff
 *
 * The new disk has the size of the source (the filter serves the same
 * size), so the source's size is the one used.
 *
 * virt-v2v changes only the boot sector.  We also change the backup
 * boot sector (the sector after the volume's last sector, where
 * mkntfs and Windows put it) when it is a copy of the boot sector, so
 * that the two stay equal (chkdsk and ntfsfix restore one from the
 * other); a backup that already differs is left as it is.
 *
 * This writes the overlay directly, not through libntfs-3g, and so
 * runs after the volume is unmounted.
 */

#include <config.h>

#include <stdio.h>
#include <string.h>
#include <inttypes.h>

#include "common/le.h"
#include "common/log.h"
#include "convert/ntfsheads.h"

#define HEADS_OFFSET 0x1a

unsigned
wv_ntfs_heads_for (uint64_t disk_size)
{
  if (disk_size < UINT64_C (2114445312))
    return 0x40;
  if (disk_size < UINT64_C (4228374780))
    return 0x80;
  return 0xff;
}

/* The backup boot sector's offset in the disk, or 0 if it is not
 * inside the partition.
 */
static uint64_t
backup_offset (const struct wv_partition *part, const uint8_t *boot)
{
  uint16_t bps = get_le16 (&boot[0x0b]);
  uint64_t sectors = get_le64 (&boot[0x28]);

  if (bps < 256 || bps > 4096 || (bps & (bps - 1)) != 0 ||
      sectors == 0 || sectors >= part->length / bps)
    return 0;
  return part->offset + sectors * bps;
}

int
wv_ntfs_fix_heads (struct wv_overlay *ov, const struct wv_partition *part,
                   uint64_t disk_size, unsigned windows_major, FILE *log)
{
  uint8_t boot[512], backup[512], le[2];
  uint64_t boff;
  unsigned heads, old;

  if (windows_major >= 6)
    return 0;
  if (part->number == 0) {
    fprintf (log, "ntfs heads: not changed (the volume is the whole "
             "disk, as virt-v2v)\n");
    return 0;
  }
  if (wv_overlay_pread (ov, boot, sizeof boot, part->offset) == -1)
    return -1;
  if (memcmp (&boot[3], "NTFS    ", 8) != 0)
    return 0;
  heads = wv_ntfs_heads_for (disk_size);
  old = get_le16 (&boot[HEADS_OFFSET]);
  if (old == heads) {
    fprintf (log, "ntfs heads: already %u (for a disk of %" PRIu64
             " bytes)\n", heads, disk_size);
    return 0;
  }
  le[0] = heads;
  le[1] = 0;
  boff = backup_offset (part, boot);
  if (boff && wv_overlay_pread (ov, backup, sizeof backup, boff) == -1)
    return -1;
  if (wv_overlay_pwrite (ov, le, 2, part->offset + HEADS_OFFSET) == -1)
    return -1;
  fprintf (log, "ntfs heads: boot sector of partition %u: %u -> %u "
           "(for a disk of %" PRIu64 " bytes)\n", part->number, old, heads,
           disk_size);
  if (boff && memcmp (boot, backup, sizeof boot) == 0) {
    if (wv_overlay_pwrite (ov, le, 2, boff + HEADS_OFFSET) == -1)
      return -1;
    fprintf (log, "ntfs heads: backup boot sector (offset %" PRIu64
             "): %u -> %u\n", boff, old, heads);
  }
  else
    fprintf (log, "ntfs heads: backup boot sector %s: left as it is\n",
             boff ? "differs from the boot sector" : "not found");
  return 0;
}
