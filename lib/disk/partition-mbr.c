/* winvirtio: MBR partition tables, with the extended partition's
 * logical partitions (EBR chains), and the guess of their sector
 * size.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * See the notes in partition.c.  References: linux.git
 * block/partitions/msdos.c (parse_extended).
 */

#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <inttypes.h>

#include "common/le.h"
#include "common/log.h"
#include "disk/partition-internal.h"
#include "disk/partition.h"

/* Caps on what hostile metadata can make us read or allocate. */
#define MAX_EBRS 128            /* EBRs in one extended partition */

void
wv_ptable_mbr_decode (const uint8_t *sector, struct mbr_entry e[4])
{
  int i;

  for (i = 0; i < 4; ++i) {
    const uint8_t *p = sector + MBR_ENTRIES + 16 * i;

    e[i].status = p[0];
    e[i].type = p[4];
    e[i].start = get_le32 (p + 8);
    e[i].count = get_le32 (p + 12);
  }
}

/* Unused entries have type 0 or no sectors. */
static bool
mbr_entry_empty (const struct mbr_entry *e)
{
  return e->type == 0 || e->count == 0;
}

/* The extended partition types that Linux follows. */
static bool
mbr_is_extended (uint8_t type)
{
  return type == 0x05 || type == 0x0f || type == 0x85;
}

bool
wv_ptable_mbr_is_container (const struct wv_partition *p)
{
  return p->number >= 1 && p->number <= 4 && mbr_is_extended (p->mbr_type);
}

/* Convert sectors start .. start+count-1 of partition number to
 * bytes, checking that they lie inside the disk.
 */
static int
sectors_to_bytes (struct ctx *c, unsigned number,
                  uint64_t start, uint64_t count,
                  uint64_t *offset_r, uint64_t *length_r)
{
  if (start > c->nr_sectors || count > c->nr_sectors - start)
    return wv_ptable_fail (c, "partition %u (%" PRIu64 " sectors from "
                           "sector %" PRIu64 ") extends beyond the end of "
                           "the disk (%" PRIu64 " sectors of %" PRIu32
                           " bytes)",
                           number, count, start, c->nr_sectors, c->ss);
  /* start + count <= size / ss, so neither product overflows. */
  *offset_r = start * c->ss;
  *length_r = count * c->ss;
  return 0;
}

/* Walk the EBR chain of extended partition ext_number (ext_count
 * sectors from ext_start), appending logical partitions numbered from
 * *next_number.  As in linux.git block/partitions/msdos.c
 * parse_extended: each EBR holds data partitions, relative to the EBR
 * itself, and a link (the first entry of an extended type) to the next
 * EBR, relative to the start of the extended partition.  Links must
 * strictly increase, so the walk ends; MAX_EBRS caps it anyway.
 */
static int
mbr_parse_extended (struct ctx *c, struct wv_ptable *pt,
                    unsigned ext_number, uint64_t ext_start,
                    uint64_t ext_count, unsigned *next_number)
{
  uint8_t ebr[MBR_SIZE];
  uint64_t rel = 0;             /* this EBR, sectors from ext_start */
  unsigned nr_ebrs;

  for (nr_ebrs = 0; ; ++nr_ebrs) {
    const uint64_t ebr_lba = ext_start + rel;
    struct mbr_entry e[4];
    bool have_link = false;
    uint64_t link = 0;
    int i;

    if (nr_ebrs >= MAX_EBRS)
      return wv_ptable_fail (c, "extended partition %u has more than %d EBRs",
                             ext_number, MAX_EBRS);
    if (wv_ptable_read_at (c, ebr, sizeof ebr, ebr_lba * c->ss, "EBR") == -1)
      return -1;
    if (!wv_ptable_has_boot_signature (ebr)) {
      /* An extended partition with no logical partitions may have no
       * EBR at all.  A link to a missing EBR is corruption, and while
       * probing the sector size either means the layout is wrong.
       */
      if (nr_ebrs == 0 && !c->probing) {
        wv_debug ("partition: %s: extended partition %u has no EBR, "
                  "so no logical partitions", c->src->name, ext_number);
        return 0;
      }
      return wv_ptable_fail (c, "the EBR at sector %" PRIu64 " in extended "
                             "partition %u has no 0x55AA signature",
                             ebr_lba, ext_number);
    }

    wv_ptable_mbr_decode (ebr, e);
    for (i = 0; i < 4; ++i) {
      uint64_t start, off = 0, len = 0;
      struct wv_partition *p;

      if (mbr_entry_empty (&e[i]))
        continue;
      if (mbr_is_extended (e[i].type)) {
        if (!have_link) {
          have_link = true;
          link = e[i].start;
        }
        continue;
      }
      /* A data partition: it must start after its EBR and end inside
       * the extended partition.  Linux silently skips entries 3 and 4
       * of an EBR that fail this, as they sometimes hold garbage.
       */
      start = ebr_lba + e[i].start;
      if (e[i].start == 0 ||
          start - ext_start >= ext_count ||
          e[i].count > ext_count - (start - ext_start)) {
        if (i >= 2)
          continue;
        return wv_ptable_fail (c, "logical partition %u (%" PRIu32
                               " sectors from sector %" PRIu64 ", EBR at "
                               "sector %" PRIu64 ") is not inside extended "
                               "partition %u (%" PRIu64 " sectors from "
                               "sector %" PRIu64 ")",
                               *next_number, e[i].count, start, ebr_lba,
                               ext_number, ext_count, ext_start);
      }
      if (sectors_to_bytes (c, *next_number, start, e[i].count,
                            &off, &len) == -1)
        return -1;
      p = wv_ptable_add_partition (c, pt, *next_number, off, len);
      if (p == NULL)
        return -1;
      p->mbr_type = e[i].type;
      p->esp = e[i].type == 0xef;
      ++*next_number;
    }

    if (!have_link)
      return 0;
    if (link <= rel)
      return wv_ptable_fail (c, "the EBR chain of extended partition %u "
                             "loops: the EBR at sector %" PRIu64 " links "
                             "back to sector %" PRIu64,
                             ext_number, ebr_lba, ext_start + link);
    if (link >= ext_count)
      return wv_ptable_fail (c, "the EBR at sector %" PRIu64 " links to "
                             "sector %" PRIu64 ", outside extended "
                             "partition %u (%" PRIu64 " sectors from "
                             "sector %" PRIu64 ")",
                             ebr_lba, ext_start + link, ext_number,
                             ext_count, ext_start);
    rel = link;
  }
}

/* Parse the MBR in sector0, and the EBR chains, with sector size
 * c->ss.  Primaries are numbered 1-4 by slot, logicals from 5.  The
 * extended partitions themselves are listed too (as Linux has a
 * device for them), with their MBR type.
 */
static int
mbr_parse (struct ctx *c, const uint8_t *sector0, struct wv_ptable *pt)
{
  struct mbr_entry e[4];
  unsigned next_number = 5;
  int i;

  wv_ptable_mbr_decode (sector0, e);
  for (i = 0; i < 4; ++i) {
    uint64_t off = 0, len = 0;
    struct wv_partition *p;

    if (mbr_entry_empty (&e[i]))
      continue;
    if (e[i].start == 0)
      return wv_ptable_fail (c, "partition %d starts at sector 0, on top "
                             "of the partition table", i + 1);
    if (sectors_to_bytes (c, i + 1, e[i].start, e[i].count,
                          &off, &len) == -1)
      return -1;
    p = wv_ptable_add_partition (c, pt, i + 1, off, len);
    if (p == NULL)
      return -1;
    p->mbr_type = e[i].type;
    p->esp = e[i].type == 0xef;
  }
  for (i = 0; i < 4; ++i) {
    if (!mbr_entry_empty (&e[i]) && mbr_is_extended (e[i].type) &&
        mbr_parse_extended (c, pt, i + 1, e[i].start, e[i].count,
                            &next_number) == -1)
      return -1;
  }
  return wv_ptable_check_overlaps (c, pt);
}

/* Probe the MBR layout with sector size ss.  Returns -1 if the layout
 * is impossible (beyond the disk, overlapping, a broken EBR chain),
 * else the number of data partitions whose first sector looks like a
 * volume boot sector; -2 after a read error (already reported).
 */
static int
mbr_score (struct wv_source *src, uint32_t ss, const uint8_t *sector0)
{
  struct ctx c;
  struct wv_ptable tmp = { .type = WV_PT_MBR, .sector_size = ss };
  uint8_t buf[MBR_SIZE];
  int score = 0;
  size_t i;

  wv_ptable_ctx_init (&c, src, ss);
  c.probing = true;
  if (mbr_parse (&c, sector0, &tmp) == -1) {
    if (c.reported)
      score = -2;
    else {
      wv_debug ("partition: %s: MBR with %" PRIu32 "-byte sectors is "
                "implausible: %s", src->name, ss, c.why);
      score = -1;
    }
    goto out;
  }
  for (i = 0; i < tmp.nr_partitions; ++i) {
    const struct wv_partition *p = &tmp.partitions[i];

    if (wv_ptable_mbr_is_container (p) || p->length < sizeof buf)
      continue;
    if (wv_ptable_read_at (&c, buf, sizeof buf, p->offset,
                           "boot sector") == -1) {
      score = -2;
      goto out;
    }
    if (wv_ptable_looks_like_boot_sector (buf))
      score++;
  }
  wv_debug ("partition: %s: MBR with %" PRIu32 "-byte sectors: %d "
            "partitions start with a boot sector", src->name, ss, score);
 out:
  wv_ptable_free (&tmp);
  return score;
}

/* Guess the sector size of an MBR disk; 0 after a read error.
 *
 * The MBR does not record its sector size, and sector numbers read
 * with the wrong size still usually point inside the disk (4096 reads
 * them 8 times further out, 512 8 times closer in).  So:
 *
 *  - 512 "makes sense" if every partition and EBR lies inside the disk,
 *    nothing overlaps and every EBR in the chain has its 0x55AA
 *    signature; likewise 4096.  Among the data partitions (not the
 *    extended ones), count those whose first sector looks like a volume
 *    boot sector: "NTFS    " at byte 3 or 0x55AA at byte 510.
 *  - 512 is used unless it does not make sense or finds no boot
 *    sector, while 4096 makes sense and (if 512 made sense) finds at
 *    least one boot sector.
 *
 * A 4Kn disk with only primary partitions and no file systems on them
 * is therefore read with 512-byte sectors: force the size for those.
 */
static uint32_t
mbr_guess_sector_size (struct wv_source *src, const uint8_t *sector0)
{
  int s512, s4096;

  s512 = mbr_score (src, 512, sector0);
  if (s512 == -2)
    return 0;
  if (s512 > 0)
    return 512;
  s4096 = mbr_score (src, 4096, sector0);
  if (s4096 == -2)
    return 0;
  if (s4096 >= 0 && (s512 == -1 || s4096 > 0))
    return 4096;
  return 512;
}

int
wv_ptable_read_mbr (struct wv_source *src, uint32_t ss,
                    const uint8_t *sector0, struct wv_ptable *pt)
{
  struct ctx c;

  if (ss == 0) {
    ss = mbr_guess_sector_size (src, sector0);
    if (ss == 0)
      return -1;
  }
  wv_ptable_ctx_init (&c, src, ss);
  pt->type = WV_PT_MBR;
  pt->sector_size = ss;
  if (mbr_parse (&c, sector0, pt) == -1) {
    if (!c.reported)
      wv_error ("%s: bad MBR partition table (read with %" PRIu32 "-byte "
                "sectors): %s", src->name, ss, c.why);
    return -1;
  }
  return 0;
}
