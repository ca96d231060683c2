/* winvirtio: partition tables (MBR with logical partitions, GPT) and
 * bare volumes.
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
 * References: UEFI specification 2.10, section 5.3 "GUID Partition
 * Table (GPT) Disk Layout"; linux.git block/partitions/msdos.c
 * (parse_extended) and block/partitions/efi.c.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <inttypes.h>

#include <zlib.h>

#include "common/le.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "disk/partition.h"

/* The MBR and each EBR: four 16-byte entries at 446, 0x55AA at 510.
 * They live in the first 512 bytes of their sector whatever the
 * sector size.
 */
#define MBR_SIZE 512
#define MBR_ENTRIES 446
#define MBR_SIGNATURE 510

/* Caps on what hostile metadata can make us read or allocate. */
#define MAX_EBRS 128            /* EBRs in one extended partition */
#define GPT_MAX_ENTRIES 1024
#define GPT_MAX_ENTRY_SIZE 4096
#define GPT_MIN_HEADER_SIZE 92

#define GPT_NAME_UNITS 36       /* UTF-16 code units in an entry's name */

static const char esp_guid[] = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

/* One attempt at reading a table with one sector size. */
struct ctx {
  struct wv_source *src;
  uint32_t ss;                  /* sector size of this attempt */
  uint64_t nr_sectors;          /* whole sectors on the disk */
  bool probing;                 /* MBR sector size probe: be strict */
  bool saw_gpt_signature;       /* found "EFI PART" where expected */
  bool reported;                /* wv_error was already called */
  char why[768];                /* the first problem found */
};

/* Start an attempt with sector size ss. */
static void
ctx_init (struct ctx *c, struct wv_source *src, uint32_t ss)
{
  memset (c, 0, sizeof *c);
  c->src = src;
  c->ss = ss;
  c->nr_sectors = src->size / ss;
}

/* Record why the attempt failed (the first reason wins); return -1. */
static int __attribute__ ((format (printf, 2, 3)))
fail (struct ctx *c, const char *fs, ...)
{
  va_list args;

  if (c->why[0] == '\0') {
    va_start (args, fs);
    vsnprintf (c->why, sizeof c->why, fs, args);
    va_end (args);
  }
  return -1;
}

/* Read count bytes at offset, checking first that they are on the
 * disk.  what names the structure for the message.
 */
static int
read_at (struct ctx *c, void *buf, size_t count, uint64_t offset,
         const char *what)
{
  if (offset > c->src->size || count > c->src->size - offset)
    return fail (c, "%s at byte %" PRIu64 " is beyond the end of the "
                 "disk (%" PRIu64 " bytes)", what, offset, c->src->size);
  if (wv_source_pread (c->src, buf, count, offset) == -1) {
    c->reported = true;
    return -1;
  }
  return 0;
}

/* Append a zeroed partition to pt, or return NULL after wv_error. */
static struct wv_partition *
add_partition (struct ctx *c, struct wv_ptable *pt, unsigned number,
               uint64_t offset, uint64_t length)
{
  struct wv_partition *p;

  p = realloc (pt->partitions, (pt->nr_partitions + 1) * sizeof *p);
  if (p == NULL) {
    wv_error ("realloc: %m");
    c->reported = true;
    return NULL;
  }
  pt->partitions = p;
  p = &pt->partitions[pt->nr_partitions++];
  memset (p, 0, sizeof *p);
  p->number = number;
  p->offset = offset;
  p->length = length;
  return p;
}

/* Drop the partitions collected by a failed attempt. */
static void
clear_partitions (struct wv_ptable *pt)
{
  free (pt->partitions);
  pt->partitions = NULL;
  pt->nr_partitions = 0;
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

/* Does s (512 bytes) end in the 0x55AA boot signature? */
static bool
has_boot_signature (const uint8_t *s)
{
  return s[MBR_SIGNATURE] == 0x55 && s[MBR_SIGNATURE + 1] == 0xAA;
}

/* Does s (512 bytes) look like the first sector of a volume? */
static bool
looks_like_boot_sector (const uint8_t *s)
{
  return is_ntfs_boot_sector (s) || has_boot_signature (s);
}

/* An entry of the MBR or of an EBR. */
struct mbr_entry {
  uint8_t status;               /* boot indicator, 0x00 or 0x80 */
  uint8_t type;
  uint32_t start;               /* sectors */
  uint32_t count;               /* sectors */
};

/* Decode the four entries of an MBR or an EBR. */
static void
mbr_decode (const uint8_t *sector, struct mbr_entry e[4])
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

/* Is p an MBR extended partition (which holds the logical ones)? */
static bool
is_container (const struct wv_partition *p)
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
    return fail (c, "partition %u (%" PRIu64 " sectors from sector %" PRIu64
                 ") extends beyond the end of the disk (%" PRIu64
                 " sectors of %" PRIu32 " bytes)",
                 number, count, start, c->nr_sectors, c->ss);
  /* start + count <= size / ss, so neither product overflows. */
  *offset_r = start * c->ss;
  *length_r = count * c->ss;
  return 0;
}

/* Check that no two partitions overlap, except an extended partition
 * and the logical partitions inside it.
 */
static int
check_overlaps (struct ctx *c, const struct wv_ptable *pt)
{
  size_t i, j;

  for (i = 0; i < pt->nr_partitions; ++i) {
    const struct wv_partition *a = &pt->partitions[i];

    for (j = i + 1; j < pt->nr_partitions; ++j) {
      const struct wv_partition *b = &pt->partitions[j];

      if ((is_container (a) && b->number > 4) ||
          (is_container (b) && a->number > 4))
        continue;
      /* Both ranges are inside the disk, so the sums cannot wrap. */
      if (a->offset < b->offset + b->length &&
          b->offset < a->offset + a->length)
        return fail (c, "partitions %u (%" PRIu64 " bytes at byte %" PRIu64
                     ") and %u (%" PRIu64 " bytes at byte %" PRIu64
                     ") overlap",
                     a->number, a->length, a->offset,
                     b->number, b->length, b->offset);
    }
  }
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
      return fail (c, "extended partition %u has more than %d EBRs",
                   ext_number, MAX_EBRS);
    if (read_at (c, ebr, sizeof ebr, ebr_lba * c->ss, "EBR") == -1)
      return -1;
    if (!has_boot_signature (ebr)) {
      /* An extended partition with no logical partitions may have no
       * EBR at all.  A link to a missing EBR is corruption, and while
       * probing the sector size either means the layout is wrong.
       */
      if (nr_ebrs == 0 && !c->probing) {
        wv_debug ("partition: %s: extended partition %u has no EBR, "
                  "so no logical partitions", c->src->name, ext_number);
        return 0;
      }
      return fail (c, "the EBR at sector %" PRIu64 " in extended partition "
                   "%u has no 0x55AA signature", ebr_lba, ext_number);
    }

    mbr_decode (ebr, e);
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
        return fail (c, "logical partition %u (%" PRIu32 " sectors from "
                     "sector %" PRIu64 ", EBR at sector %" PRIu64 ") is not "
                     "inside extended partition %u (%" PRIu64 " sectors from "
                     "sector %" PRIu64 ")",
                     *next_number, e[i].count, start, ebr_lba,
                     ext_number, ext_count, ext_start);
      }
      if (sectors_to_bytes (c, *next_number, start, e[i].count,
                            &off, &len) == -1)
        return -1;
      p = add_partition (c, pt, *next_number, off, len);
      if (p == NULL)
        return -1;
      p->mbr_type = e[i].type;
      p->esp = e[i].type == 0xef;
      ++*next_number;
    }

    if (!have_link)
      return 0;
    if (link <= rel)
      return fail (c, "the EBR chain of extended partition %u loops: the "
                   "EBR at sector %" PRIu64 " links back to sector %" PRIu64,
                   ext_number, ebr_lba, ext_start + link);
    if (link >= ext_count)
      return fail (c, "the EBR at sector %" PRIu64 " links to sector %"
                   PRIu64 ", outside extended partition %u (%" PRIu64
                   " sectors from sector %" PRIu64 ")",
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

  mbr_decode (sector0, e);
  for (i = 0; i < 4; ++i) {
    uint64_t off = 0, len = 0;
    struct wv_partition *p;

    if (mbr_entry_empty (&e[i]))
      continue;
    if (e[i].start == 0)
      return fail (c, "partition %d starts at sector 0, on top of the "
                   "partition table", i + 1);
    if (sectors_to_bytes (c, i + 1, e[i].start, e[i].count,
                          &off, &len) == -1)
      return -1;
    p = add_partition (c, pt, i + 1, off, len);
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
  return check_overlaps (c, pt);
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

  ctx_init (&c, src, ss);
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

    if (is_container (p) || p->length < sizeof buf)
      continue;
    if (read_at (&c, buf, sizeof buf, p->offset, "boot sector") == -1) {
      score = -2;
      goto out;
    }
    if (looks_like_boot_sector (buf))
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

/* Read an MBR table with sector size ss (0: guess). */
static int
read_mbr (struct wv_source *src, uint32_t ss, const uint8_t *sector0,
          struct wv_ptable *pt)
{
  struct ctx c;

  if (ss == 0) {
    ss = mbr_guess_sector_size (src, sector0);
    if (ss == 0)
      return -1;
  }
  ctx_init (&c, src, ss);
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

/* The fields of a GPT header that we use. */
struct gpt_header {
  uint64_t my_lba;
  uint64_t alternate_lba;
  uint64_t first_usable;
  uint64_t last_usable;
  uint64_t entries_lba;
  uint32_t nr_entries;
  uint32_t entry_size;
  uint32_t entries_crc;
};

/* Read and check the GPT header at lba.  If its checksum is right,
 * *alternate_r (if not NULL) gets its AlternateLBA, even if a later
 * check fails.
 */
static int
gpt_read_header (struct ctx *c, uint64_t lba, struct gpt_header *h,
                 uint64_t *alternate_r)
{
  CLEANUP_FREE uint8_t *buf = NULL;
  const uint64_t last_lba = c->nr_sectors - 1;
  uint32_t header_size, crc;

  buf = malloc (c->ss);
  if (buf == NULL) {
    wv_error ("malloc: %m");
    c->reported = true;
    return -1;
  }
  if (read_at (c, buf, c->ss, lba * c->ss, "GPT header") == -1)
    return -1;
  if (memcmp (buf, "EFI PART", 8) != 0)
    return fail (c, "no \"EFI PART\" signature at LBA %" PRIu64, lba);
  c->saw_gpt_signature = true;

  header_size = get_le32 (buf + 12);
  if (header_size < GPT_MIN_HEADER_SIZE || header_size > c->ss)
    return fail (c, "header at LBA %" PRIu64 " has size %" PRIu32
                 ", not in %d..%" PRIu32,
                 lba, header_size, GPT_MIN_HEADER_SIZE, c->ss);
  crc = get_le32 (buf + 16);
  memset (buf + 16, 0, 4);
  if (crc32 (0, buf, header_size) != crc)
    return fail (c, "header at LBA %" PRIu64 " has a bad checksum", lba);

  h->my_lba = get_le64 (buf + 24);
  h->alternate_lba = get_le64 (buf + 32);
  h->first_usable = get_le64 (buf + 40);
  h->last_usable = get_le64 (buf + 48);
  h->entries_lba = get_le64 (buf + 72);
  h->nr_entries = get_le32 (buf + 80);
  h->entry_size = get_le32 (buf + 84);
  h->entries_crc = get_le32 (buf + 88);
  if (alternate_r)
    *alternate_r = h->alternate_lba;

  if (h->my_lba != lba)
    return fail (c, "header at LBA %" PRIu64 " says it is at LBA %" PRIu64,
                 lba, h->my_lba);
  if (h->first_usable > h->last_usable || h->last_usable > last_lba)
    return fail (c, "header at LBA %" PRIu64 " has usable LBAs %" PRIu64
                 "..%" PRIu64 ", which are empty or go beyond the last "
                 "LBA of the disk (%" PRIu64 ")",
                 lba, h->first_usable, h->last_usable, last_lba);
  if (lba >= h->first_usable && lba <= h->last_usable)
    return fail (c, "header at LBA %" PRIu64 " is inside its own usable "
                 "LBAs %" PRIu64 "..%" PRIu64,
                 lba, h->first_usable, h->last_usable);
  if (h->nr_entries > GPT_MAX_ENTRIES)
    return fail (c, "header at LBA %" PRIu64 " has %" PRIu32 " entries "
                 "(at most %d are supported)",
                 lba, h->nr_entries, GPT_MAX_ENTRIES);
  if (h->entry_size < 128 || h->entry_size % 8 != 0 ||
      h->entry_size > GPT_MAX_ENTRY_SIZE)
    return fail (c, "header at LBA %" PRIu64 " has entry size %" PRIu32
                 " (must be a multiple of 8 in 128..%d)",
                 lba, h->entry_size, GPT_MAX_ENTRY_SIZE);

  if (h->nr_entries > 0) {
    /* Both factors are capped, so this cannot overflow. */
    const uint64_t bytes = (uint64_t) h->nr_entries * h->entry_size;
    const uint64_t sectors = (bytes + c->ss - 1) / c->ss;
    uint64_t end;

    if (h->entries_lba == 0 || h->entries_lba > last_lba ||
        sectors > last_lba - h->entries_lba + 1)
      return fail (c, "header at LBA %" PRIu64 " puts its entry array "
                   "(%" PRIu64 " sectors) at LBA %" PRIu64 ", outside "
                   "LBAs 1..%" PRIu64,
                   lba, sectors, h->entries_lba, last_lba);
    end = h->entries_lba + sectors - 1;
    if ((lba >= h->entries_lba && lba <= end) ||
        (h->entries_lba <= h->last_usable && end >= h->first_usable))
      return fail (c, "header at LBA %" PRIu64 " puts its entry array "
                   "(LBAs %" PRIu64 "..%" PRIu64 ") on top of the header "
                   "or of the usable LBAs %" PRIu64 "..%" PRIu64,
                   lba, h->entries_lba, end,
                   h->first_usable, h->last_usable);
  }
  return 0;
}

/* Format a GUID as GPT stores it (the first three fields little-endian,
 * the last two as bytes) into text[37], in upper case.
 */
static void
guid_to_text (const uint8_t *g, char *text)
{
  snprintf (text, 37,
            "%08" PRIX32 "-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
            get_le32 (g), (unsigned) get_le16 (g + 4),
            (unsigned) get_le16 (g + 6),
            g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* Convert up to n UTF-16LE code units, stopping at a NUL, to UTF-8 in
 * out[outsize] (always terminated).  Unpaired surrogates become
 * U+FFFD; control characters become '?' so a name cannot mess up
 * messages.  A name that does not fit is cut between characters.
 */
static void
utf16le_to_utf8 (const uint8_t *in, size_t n, char *out, size_t outsize)
{
  size_t i, o = 0;

  for (i = 0; i < n; ++i) {
    uint32_t cp = get_le16 (in + 2 * i);
    unsigned char enc[4];
    size_t len;

    if (cp == 0)
      break;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t lo = i + 1 < n ? get_le16 (in + 2 * (i + 1)) : 0;

      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        ++i;
      }
      else
        cp = 0xFFFD;
    }
    else if (cp >= 0xDC00 && cp <= 0xDFFF)
      cp = 0xFFFD;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
      cp = '?';

    if (cp < 0x80) {
      enc[0] = cp;
      len = 1;
    }
    else if (cp < 0x800) {
      enc[0] = 0xC0 | (cp >> 6);
      enc[1] = 0x80 | (cp & 0x3F);
      len = 2;
    }
    else if (cp < 0x10000) {
      enc[0] = 0xE0 | (cp >> 12);
      enc[1] = 0x80 | ((cp >> 6) & 0x3F);
      enc[2] = 0x80 | (cp & 0x3F);
      len = 3;
    }
    else {
      enc[0] = 0xF0 | (cp >> 18);
      enc[1] = 0x80 | ((cp >> 12) & 0x3F);
      enc[2] = 0x80 | ((cp >> 6) & 0x3F);
      enc[3] = 0x80 | (cp & 0x3F);
      len = 4;
    }
    if (o + len >= outsize)
      break;
    memcpy (out + o, enc, len);
    o += len;
  }
  out[o] = '\0';
}

/* Is this 16-byte GUID all zero (an unused GPT entry)? */
static bool
guid_is_zero (const uint8_t *g)
{
  int i;

  for (i = 0; i < 16; ++i)
    if (g[i] != 0)
      return false;
  return true;
}

/* Read the entry array of h, check its checksum and append the used
 * entries to pt as partitions numbered by index + 1.
 */
static int
gpt_parse_entries (struct ctx *c, const struct gpt_header *h,
                   struct wv_ptable *pt)
{
  const size_t bytes = (size_t) h->nr_entries * h->entry_size;
  CLEANUP_FREE uint8_t *entries = NULL;
  uint32_t i;

  entries = malloc (bytes > 0 ? bytes : 1);
  if (entries == NULL) {
    wv_error ("malloc: %m");
    c->reported = true;
    return -1;
  }
  if (read_at (c, entries, bytes, h->entries_lba * c->ss,
               "GPT entry array") == -1)
    return -1;
  if (crc32 (0, entries, bytes) != h->entries_crc)
    return fail (c, "entry array at LBA %" PRIu64 " (for the header at "
                 "LBA %" PRIu64 ") has a bad checksum",
                 h->entries_lba, h->my_lba);

  for (i = 0; i < h->nr_entries; ++i) {
    const uint8_t *e = entries + (size_t) i * h->entry_size;
    const uint64_t first = get_le64 (e + 32);
    const uint64_t last = get_le64 (e + 40);
    struct wv_partition *p;

    if (guid_is_zero (e))
      continue;
    if (first > last || first < h->first_usable || last > h->last_usable)
      return fail (c, "partition %" PRIu32 " (LBAs %" PRIu64 "..%" PRIu64
                   ") is not inside the usable LBAs %" PRIu64 "..%" PRIu64
                   " of the disk",
                   i + 1, first, last, h->first_usable, h->last_usable);
    /* last <= last_usable < nr_sectors, so these cannot overflow. */
    p = add_partition (c, pt, i + 1, first * c->ss,
                       (last - first + 1) * c->ss);
    if (p == NULL)
      return -1;
    guid_to_text (e, p->gpt_type);
    utf16le_to_utf8 (e + 56, GPT_NAME_UNITS, p->gpt_name,
                     sizeof p->gpt_name);
    p->esp = strcmp (p->gpt_type, esp_guid) == 0;
  }
  return check_overlaps (c, pt);
}

/* Read the GPT whose header is at lba into pt (see gpt_read_header for
 * alternate_r).  On failure pt has no partitions.
 */
static int
gpt_try (struct ctx *c, uint64_t lba, struct wv_ptable *pt,
         uint64_t *alternate_r)
{
  struct gpt_header h;

  if (gpt_read_header (c, lba, &h, alternate_r) == -1 ||
      gpt_parse_entries (c, &h, pt) == -1) {
    clear_partitions (pt);
    return -1;
  }
  return 0;
}

/* Read the GPT with sector size c->ss: the primary at LBA 1 or, if it
 * or its entry array is bad, the backup.  The backup is looked for
 * where the primary's AlternateLBA says (if the primary header's
 * checksum is right), then at the last LBA.
 */
static int
gpt_read (struct ctx *c, struct wv_ptable *pt)
{
  struct ctx primary, backup;
  uint64_t last_lba, alternate = 0, tried[2];
  size_t nr_tried = 0, k;

  if (c->nr_sectors < 3)
    return fail (c, "the disk is too small for a GPT");
  last_lba = c->nr_sectors - 1;

  ctx_init (&primary, c->src, c->ss);
  if (gpt_try (&primary, 1, pt, &alternate) == 0) {
    c->saw_gpt_signature = true;
    return 0;
  }
  c->saw_gpt_signature = primary.saw_gpt_signature;
  if (primary.reported) {
    c->reported = true;
    return -1;
  }

  if (alternate > 1 && alternate < last_lba)
    tried[nr_tried++] = alternate;
  tried[nr_tried++] = last_lba;
  for (k = 0; k < nr_tried; ++k) {
    ctx_init (&backup, c->src, c->ss);
    if (gpt_try (&backup, tried[k], pt, NULL) == 0) {
      wv_debug ("partition: %s: the primary GPT is bad (%s), using the "
                "backup at LBA %" PRIu64, c->src->name, primary.why,
                tried[k]);
      c->saw_gpt_signature = true;
      pt->gpt_backup_used = true;
      return 0;
    }
    c->saw_gpt_signature |= backup.saw_gpt_signature;
    if (backup.reported) {
      c->reported = true;
      return -1;
    }
  }
  return fail (c, "the primary GPT is bad (%s) and so is the backup (%s)",
               primary.why, backup.why);
}

/* Read a GPT with sector size ss, or if ss is 0 with 512 and then
 * 4096: the size for which a header (primary or backup) checks out.
 */
static int
read_gpt (struct wv_source *src, uint32_t ss, struct wv_ptable *pt)
{
  static const uint32_t sizes[] = { 512, 4096 };
  struct ctx c[2];
  const size_t n = ss ? 1 : 2;
  size_t k;

  pt->type = WV_PT_GPT;
  for (k = 0; k < n; ++k) {
    ctx_init (&c[k], src, ss ? ss : sizes[k]);
    if (gpt_read (&c[k], pt) == 0) {
      pt->sector_size = c[k].ss;
      return 0;
    }
    if (c[k].reported)
      return -1;
  }

  /* Report the attempt that at least found a GPT signature. */
  if (n == 2 && !c[0].saw_gpt_signature) {
    if (!c[1].saw_gpt_signature) {
      wv_error ("%s: sector 0 is a protective MBR (type 0xEE) but there "
                "is no GPT header (\"EFI PART\") at LBA 1 or at the end "
                "of the disk, with 512- or 4096-byte sectors", src->name);
      return -1;
    }
    k = 1;
  }
  else
    k = 0;
  wv_error ("%s: bad GPT (read with %" PRIu32 "-byte sectors): %s",
            src->name, c[k].ss, c[k].why);
  return -1;
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
  ctx_init (&c, src, ss);
  pt->type = WV_PT_NONE;
  pt->sector_size = ss;
  if (add_partition (&c, pt, 0, 0, src->size) == NULL)
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
    if (!has_boot_signature (sector0)) {
      wv_error ("no partition table or NTFS volume found on %s: sector 0 "
                "has neither the 0x55AA signature of an MBR nor the "
                "\"NTFS    \" OEM ID of an NTFS boot sector", src->name);
      return -1;
    }
    mbr_decode (sector0, e);
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
      r = read_gpt (src, sector_size, pt);
    else
      r = read_mbr (src, sector_size, sector0, pt);
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
  clear_partitions (pt);
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
