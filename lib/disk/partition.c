/* winvirtio: partition tables (MBR with logical partitions, GPT) and
 * bare volumes: the entry point (which kind sector 0 is), what the
 * MBR and GPT readers share (an attempt, the table model) and bare
 * volumes.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design.
 *
 * Every byte read here comes from a disk we do not trust.  Sector
 * numbers are checked against the size of the disk before they are
 * multiplied by the sector size (so the products cannot overflow),
 * counts are capped, the EBR chain must move strictly forward, and a
 * range is checked before it is read, so that wv_source_pread never
 * has to complain.
 *
 * Sector 0 is classified in this order:
 *
 *  1. "NTFS    " at byte 3: a bare NTFS volume.  This goes first
 *     because an NTFS boot sector also ends in 0x55AA.  So does a
 *     BitLocker volume ("-FVE-FS-"), which the planner then refuses.
 *  2. No 0x55AA at byte 510: not something we understand.
 *  3. A boot indicator other than 0x00 or 0x80 in any of the four
 *     entries: a boot sector of some other kind, not an MBR (as
 *     linux.git block/partitions/msdos.c decides).
 *  4. An entry of type 0xEE (a protective or hybrid MBR): GPT.
 *  5. Otherwise: MBR.
 *
 * Failures are first recorded in struct ctx (the "why" text) rather
 * than reported at once, because a failure is not always final: the
 * primary GPT may be bad while the backup is good, and the sector size
 * probes try layouts that are expected to be wrong.  The caller that
 * gives up reports the whole story with one wv_error.  Read errors
 * and malloc failures are reported where they happen (ctx.reported).
 *
 * The MBR reader is partition-mbr.c, the GPT reader partition-gpt.c;
 * what the three files share is declared in partition-internal.h.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <inttypes.h>

#include "common/array.h"
#include "common/le.h"
#include "common/log.h"
#include "disk/partition-internal.h"
#include "disk/partition.h"

void
wv_ptable_ctx_init (struct ctx *c, struct wv_source *src, uint32_t ss)
{
  memset (c, 0, sizeof *c);
  c->src = src;
  c->ss = ss;
  c->nr_sectors = src->size / ss;
}

int
wv_ptable_fail (struct ctx *c, const char *fs, ...)
{
  va_list args;

  if (c->why[0] == '\0') {
    va_start (args, fs);
    vsnprintf (c->why, sizeof c->why, fs, args);
    va_end (args);
  }
  return -1;
}

int
wv_ptable_read_at (struct ctx *c, void *buf, size_t count, uint64_t offset,
                   const char *what)
{
  if (offset > c->src->size || count > c->src->size - offset)
    return wv_ptable_fail (c, "%s at byte %" PRIu64 " is beyond the end "
                           "of the disk (%" PRIu64 " bytes)",
                           what, offset, c->src->size);
  if (wv_source_pread (c->src, buf, count, offset) == -1) {
    c->reported = true;
    return -1;
  }
  return 0;
}

struct wv_partition *
wv_ptable_add_partition (struct ctx *c, struct wv_ptable *pt,
                         unsigned number, uint64_t offset, uint64_t length)
{
  struct wv_partition *p;

  if (wv_array_grow (&pt->partitions, &pt->cap_partitions,
                     pt->nr_partitions + 1, sizeof *p, 4) == -1) {
    c->reported = true;
    return NULL;
  }
  p = &pt->partitions[pt->nr_partitions++];
  memset (p, 0, sizeof *p);
  p->number = number;
  p->offset = offset;
  p->length = length;
  return p;
}

void
wv_ptable_clear_partitions (struct wv_ptable *pt)
{
  free (pt->partitions);
  pt->partitions = NULL;
  pt->nr_partitions = pt->cap_partitions = 0;
}

/* Is this an NTFS boot sector (OEM ID "NTFS    ")? */
static bool
is_ntfs_boot_sector (const uint8_t *s)
{
  return memcmp (s + 3, "NTFS    ", 8) == 0;
}

/* Is this a BitLocker volume's first sector (OEM ID "-FVE-FS-")?  A
 * bare one is taken as a volume, so that the planner can say it is
 * encrypted.
 */
static bool
is_bitlocker_boot_sector (const uint8_t *s)
{
  return memcmp (s + 3, "-FVE-FS-", 8) == 0;
}

bool
wv_ptable_has_boot_signature (const uint8_t *s)
{
  return s[MBR_SIGNATURE] == 0x55 && s[MBR_SIGNATURE + 1] == 0xAA;
}

bool
wv_ptable_looks_like_boot_sector (const uint8_t *s)
{
  return is_ntfs_boot_sector (s) || wv_ptable_has_boot_signature (s);
}

int
wv_ptable_check_overlaps (struct ctx *c, const struct wv_ptable *pt)
{
  size_t i, j;

  for (i = 0; i < pt->nr_partitions; ++i) {
    const struct wv_partition *a = &pt->partitions[i];

    for (j = i + 1; j < pt->nr_partitions; ++j) {
      const struct wv_partition *b = &pt->partitions[j];

      if ((wv_ptable_mbr_is_container (a) && b->number > 4) ||
          (wv_ptable_mbr_is_container (b) && a->number > 4))
        continue;
      /* Both ranges are inside the disk, so the sums cannot wrap. */
      if (a->offset < b->offset + b->length &&
          b->offset < a->offset + a->length)
        return wv_ptable_fail (c, "partitions %u (%" PRIu64 " bytes at "
                               "byte %" PRIu64 ") and %u (%" PRIu64
                               " bytes at byte %" PRIu64 ") overlap",
                               a->number, a->length, a->offset,
                               b->number, b->length, b->offset);
    }
  }
  return 0;
}

/* A bare volume: one pseudo-partition 0 covering the disk.  Unless
 * forced, the sector size is the NTFS bytes per sector (BPB, byte 11)
 * if that is 4096, else 512.
 */
static int
read_bare (struct wv_source *src, uint32_t ss, const uint8_t *sector0,
           struct wv_ptable *pt)
{
  struct ctx c;

  if (ss == 0)
    ss = get_le16 (sector0 + 11) == 4096 ? 4096 : 512;
  wv_ptable_ctx_init (&c, src, ss);
  pt->type = WV_PT_NONE;
  pt->sector_size = ss;
  if (wv_ptable_add_partition (&c, pt, 0, 0, src->size) == NULL)
    return -1;
  return 0;
}

/* Classify sector 0 (see the notes at the top) and read the table. */
int
wv_ptable_read (struct wv_source *src, uint32_t sector_size,
                struct wv_ptable *pt)
{
  uint8_t sector0[MBR_SIZE];
  struct mbr_entry e[4];
  bool gpt = false;
  int i, r;

  memset (pt, 0, sizeof *pt);
  if (sector_size != 0 && sector_size != 512 && sector_size != 4096) {
    wv_error ("%s: sector size %" PRIu32 " is not supported (use 512 or "
              "4096, or 0 to detect it)", src->name, sector_size);
    return -1;
  }
  if (src->size < MBR_SIZE) {
    wv_error ("no partition table or NTFS volume found on %s: the disk "
              "is only %" PRIu64 " bytes", src->name, src->size);
    return -1;
  }
  if (wv_source_pread (src, sector0, sizeof sector0, 0) == -1)
    return -1;

  if (is_ntfs_boot_sector (sector0) || is_bitlocker_boot_sector (sector0))
    r = read_bare (src, sector_size, sector0, pt);
  else {
    if (!wv_ptable_has_boot_signature (sector0)) {
      wv_error ("no partition table or NTFS volume found on %s: sector 0 "
                "has neither the 0x55AA signature of an MBR nor the "
                "\"NTFS    \" OEM ID of an NTFS boot sector", src->name);
      return -1;
    }
    wv_ptable_mbr_decode (sector0, e);
    for (i = 0; i < 4; ++i) {
      if (e[i].status != 0 && e[i].status != 0x80) {
        wv_error ("no partition table or NTFS volume found on %s: sector "
                  "0 ends in 0x55AA but is not an MBR (entry %d has boot "
                  "indicator 0x%02x, not 0x00 or 0x80)",
                  src->name, i + 1, e[i].status);
        return -1;
      }
      if (e[i].type == 0xee)
        gpt = true;
    }
    if (gpt)
      r = wv_ptable_read_gpt (src, sector_size, pt);
    else
      r = wv_ptable_read_mbr (src, sector_size, sector0, pt);
  }

  if (r == -1) {
    wv_ptable_free (pt);
    memset (pt, 0, sizeof *pt);
    return -1;
  }
  wv_debug ("partition: %s: %s, %" PRIu32 "-byte sectors, %zu partitions%s",
            src->name, wv_ptable_type_name (pt->type), pt->sector_size,
            pt->nr_partitions,
            pt->gpt_backup_used ? " (from the backup GPT)" : "");
  return 0;
}

/* Free the partitions of pt (not pt itself).  Safe after a failure. */
void
wv_ptable_free (struct wv_ptable *pt)
{
  if (pt == NULL)
    return;
  wv_ptable_clear_partitions (pt);
}

/* Short name of a table type. */
const char *
wv_ptable_type_name (enum wv_ptable_type type)
{
  switch (type) {
  case WV_PT_NONE:
    return "none";
  case WV_PT_MBR:
    return "MBR";
  case WV_PT_GPT:
    return "GPT";
  }
  return "unknown";
}
