/* winvirtio: GPT partition tables: the primary, else the backup, with
 * their headers and entry arrays checked.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * See the notes in partition.c.  References: UEFI specification
 * 2.10, section 5.3 "GUID Partition Table (GPT) Disk Layout";
 * linux.git block/partitions/efi.c.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <inttypes.h>

#include <zlib.h>

#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "common/utf.h"
#include "disk/partition-internal.h"
#include "disk/partition.h"

/* Caps on what hostile metadata can make us read or allocate. */
#define GPT_MAX_ENTRIES 1024
#define GPT_MAX_ENTRY_SIZE 4096
#define GPT_MIN_HEADER_SIZE 92

#define GPT_NAME_UNITS 36       /* UTF-16 code units in an entry's name */

static const char esp_guid[] = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

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
  if (wv_ptable_read_at (c, buf, c->ss, lba * c->ss, "GPT header") == -1)
    return -1;
  if (memcmp (buf, "EFI PART", 8) != 0)
    return wv_ptable_fail (c, "no \"EFI PART\" signature at LBA %" PRIu64,
                           lba);
  c->saw_gpt_signature = true;

  header_size = get_le32 (buf + 12);
  if (header_size < GPT_MIN_HEADER_SIZE || header_size > c->ss)
    return wv_ptable_fail (c, "header at LBA %" PRIu64 " has size %" PRIu32
                           ", not in %d..%" PRIu32,
                           lba, header_size, GPT_MIN_HEADER_SIZE, c->ss);
  crc = get_le32 (buf + 16);
  memset (buf + 16, 0, 4);
  if (crc32 (0, buf, header_size) != crc)
    return wv_ptable_fail (c, "header at LBA %" PRIu64 " has a bad checksum",
                           lba);

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
    return wv_ptable_fail (c, "header at LBA %" PRIu64 " says it is at "
                           "LBA %" PRIu64, lba, h->my_lba);
  if (h->first_usable > h->last_usable || h->last_usable > last_lba)
    return wv_ptable_fail (c, "header at LBA %" PRIu64 " has usable "
                           "LBAs %" PRIu64 "..%" PRIu64 ", which are empty "
                           "or go beyond the last LBA of the disk (%" PRIu64
                           ")",
                           lba, h->first_usable, h->last_usable, last_lba);
  if (lba >= h->first_usable && lba <= h->last_usable)
    return wv_ptable_fail (c, "header at LBA %" PRIu64 " is inside its own "
                           "usable LBAs %" PRIu64 "..%" PRIu64,
                           lba, h->first_usable, h->last_usable);
  if (h->nr_entries > GPT_MAX_ENTRIES)
    return wv_ptable_fail (c, "header at LBA %" PRIu64 " has %" PRIu32
                           " entries (at most %d are supported)",
                           lba, h->nr_entries, GPT_MAX_ENTRIES);
  if (h->entry_size < 128 || h->entry_size % 8 != 0 ||
      h->entry_size > GPT_MAX_ENTRY_SIZE)
    return wv_ptable_fail (c, "header at LBA %" PRIu64 " has entry "
                           "size %" PRIu32 " (must be a multiple of 8 in "
                           "128..%d)",
                           lba, h->entry_size, GPT_MAX_ENTRY_SIZE);

  if (h->nr_entries > 0) {
    /* Both factors are capped, so this cannot overflow. */
    const uint64_t bytes = (uint64_t) h->nr_entries * h->entry_size;
    const uint64_t sectors = (bytes + c->ss - 1) / c->ss;
    uint64_t end;

    if (h->entries_lba == 0 || h->entries_lba > last_lba ||
        sectors > last_lba - h->entries_lba + 1)
      return wv_ptable_fail (c, "header at LBA %" PRIu64 " puts its entry "
                             "array (%" PRIu64 " sectors) at LBA %" PRIu64
                             ", outside LBAs 1..%" PRIu64,
                             lba, sectors, h->entries_lba, last_lba);
    end = h->entries_lba + sectors - 1;
    if ((lba >= h->entries_lba && lba <= end) ||
        (h->entries_lba <= h->last_usable && end >= h->first_usable))
      return wv_ptable_fail (c, "header at LBA %" PRIu64 " puts its entry "
                             "array (LBAs %" PRIu64 "..%" PRIu64 ") on top "
                             "of the header or of the usable LBAs %" PRIu64
                             "..%" PRIu64,
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

    len = wv_utf8_encode (cp, enc);
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
  if (wv_ptable_read_at (c, entries, bytes, h->entries_lba * c->ss,
                         "GPT entry array") == -1)
    return -1;
  if (crc32 (0, entries, bytes) != h->entries_crc)
    return wv_ptable_fail (c, "entry array at LBA %" PRIu64 " (for the "
                           "header at LBA %" PRIu64 ") has a bad checksum",
                           h->entries_lba, h->my_lba);

  for (i = 0; i < h->nr_entries; ++i) {
    const uint8_t *e = entries + (size_t) i * h->entry_size;
    const uint64_t first = get_le64 (e + 32);
    const uint64_t last = get_le64 (e + 40);
    struct wv_partition *p;

    if (guid_is_zero (e))
      continue;
    if (first > last || first < h->first_usable || last > h->last_usable)
      return wv_ptable_fail (c, "partition %" PRIu32 " (LBAs %" PRIu64
                             "..%" PRIu64 ") is not inside the usable "
                             "LBAs %" PRIu64 "..%" PRIu64 " of the disk",
                             i + 1, first, last, h->first_usable,
                             h->last_usable);
    /* last <= last_usable < nr_sectors, so these cannot overflow. */
    p = wv_ptable_add_partition (c, pt, i + 1, first * c->ss,
                                 (last - first + 1) * c->ss);
    if (p == NULL)
      return -1;
    guid_to_text (e, p->gpt_type);
    utf16le_to_utf8 (e + 56, GPT_NAME_UNITS, p->gpt_name,
                     sizeof p->gpt_name);
    p->esp = strcmp (p->gpt_type, esp_guid) == 0;
  }
  return wv_ptable_check_overlaps (c, pt);
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
    wv_ptable_clear_partitions (pt);
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
    return wv_ptable_fail (c, "the disk is too small for a GPT");
  last_lba = c->nr_sectors - 1;

  wv_ptable_ctx_init (&primary, c->src, c->ss);
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
    wv_ptable_ctx_init (&backup, c->src, c->ss);
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
  return wv_ptable_fail (c, "the primary GPT is bad (%s) and so is the "
                         "backup (%s)", primary.why, backup.why);
}

int
wv_ptable_read_gpt (struct wv_source *src, uint32_t ss, struct wv_ptable *pt)
{
  static const uint32_t sizes[] = { 512, 4096 };
  struct ctx c[2];
  const size_t n = ss ? 1 : 2;
  size_t k;

  pt->type = WV_PT_GPT;
  for (k = 0; k < n; ++k) {
    wv_ptable_ctx_init (&c[k], src, ss ? ss : sizes[k]);
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
