/* winvirtio: the FAT reader's boot sector, FAT table and cluster
 * chains (see fat.h; directories are in fat-dir.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Geometry as in Microsoft's "FAT: General Overview of On-Disk
 * Format".
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "esp/fat.h"

/* A FAT larger than this is refused (an ESP of 4 GiB with 512-byte
 * clusters has a 32 MiB FAT).
 */
#define MAX_FAT_BYTES (64 * 1024 * 1024)

static bool
pow2 (uint32_t x)
{
  return x != 0 && (x & (x - 1)) == 0;
}

bool
wv_fat_probe (const uint8_t *s, size_t len)
{
  uint32_t bps;

  if (len < 512 || (s[0] != 0xeb && s[0] != 0xe9) ||
      s[510] != 0x55 || s[511] != 0xaa)
    return false;
  if (memcmp (s + 3, "NTFS    ", 8) == 0 || memcmp (s + 3, "EXFAT   ", 8) == 0)
    return false;
  bps = get_le16 (s + 11);
  return pow2 (bps) && bps >= 512 && bps <= 4096 && pow2 (s[13]) &&
    get_le16 (s + 14) >= 1 && s[16] >= 1;
}

/* Check the geometry of boot sector s and fill in fat. */
static int
parse_boot (struct wv_fat *fat, const uint8_t *s)
{
  uint32_t bps = get_le16 (s + 11), spc = s[13];
  uint32_t reserved = get_le16 (s + 14), nr_fats = s[16];
  uint32_t root_entries = get_le16 (s + 17);
  uint64_t total = get_le16 (s + 19), fatsz = get_le16 (s + 22);
  uint64_t root_sectors, data_sector, clusters;

  if (total == 0)
    total = get_le32 (s + 32);
  if (fatsz == 0)
    fatsz = get_le32 (s + 36);
  if (!pow2 (bps) || bps < 512 || bps > 4096 || !pow2 (spc) ||
      reserved == 0 || nr_fats == 0 || nr_fats > 4 || fatsz == 0 ||
      total == 0) {
    wv_error ("FAT boot sector: impossible geometry (%" PRIu32
              " bytes per sector, %" PRIu32 " per cluster, %" PRIu32
              " FATs of %" PRIu64 " sectors)", bps, spc, nr_fats, fatsz);
    return -1;
  }
  if (total * bps > fat->size) {
    wv_error ("FAT boot sector: %" PRIu64 " sectors do not fit in the "
              "%" PRIu64 "-byte partition", total, fat->size);
    return -1;
  }
  root_sectors = ((uint64_t) root_entries * 32 + bps - 1) / bps;
  data_sector = reserved + nr_fats * fatsz + root_sectors;
  if (data_sector >= total) {
    wv_error ("FAT boot sector: no room for data after the FATs");
    return -1;
  }
  clusters = (total - data_sector) / spc;
  /* FAT32 by its fields, as Linux and mtools decide (mkfs.vfat -F 32
   * makes small FAT32 volumes); FAT12 or 16 by the count.
   */
  if (get_le16 (s + 22) == 0 && root_entries == 0)
    fat->type = 32;
  else
    fat->type = clusters < 4085 ? 12 : 16;
  if (clusters < 1 || (fat->type != 32 && clusters >= 65525) ||
      clusters > 0x0ffffff5) {
    wv_error ("FAT boot sector: %" PRIu64 " clusters cannot be FAT%u",
              clusters, fat->type);
    return -1;
  }
  fat->bps = bps;
  fat->cluster_bytes = bps * spc;
  fat->nr_fats = nr_fats;
  fat->nr_clusters = clusters;
  fat->fat_offset = (uint64_t) reserved * bps;
  fat->fat_bytes = fatsz * bps;
  fat->root_offset = (reserved + nr_fats * fatsz) * bps;
  fat->root_bytes = root_sectors * bps;
  fat->root_cluster = fat->type == 32 ? get_le32 (s + 44) : 0;
  fat->data_offset = data_sector * bps;
  if (fat->fat_bytes > MAX_FAT_BYTES ||
      fat->fat_bytes * 8 / (fat->type == 12 ? 12 : fat->type) <
      clusters + 2) {
    wv_error ("FAT boot sector: a FAT of %" PRIu64 " bytes cannot map "
              "%" PRIu64 " clusters", fat->fat_bytes, clusters);
    return -1;
  }
  if (fat->type == 32 &&
      (fat->root_cluster < 2 || fat->root_cluster >= clusters + 2)) {
    wv_error ("FAT boot sector: root directory cluster %" PRIu32
              " is outside the volume", fat->root_cluster);
    return -1;
  }
  return 0;
}

/* Read every copy of the FAT; keep the first; they must agree. */
static int
read_fats (struct wv_fat *fat)
{
  uint8_t *copy;
  uint32_t i;

  fat->fat = malloc (fat->fat_bytes);
  copy = malloc (fat->fat_bytes);
  if (fat->fat == NULL || copy == NULL) {
    free (copy);
    wv_error ("malloc: %m");
    return -1;
  }
  if (fat->read (fat->opaque, fat->fat, fat->fat_bytes,
                 fat->fat_offset) == -1) {
    free (copy);
    return -1;
  }
  for (i = 1; i < fat->nr_fats; ++i) {
    if (fat->read (fat->opaque, copy, fat->fat_bytes,
                   fat->fat_offset + i * fat->fat_bytes) == -1) {
      free (copy);
      return -1;
    }
    if (memcmp (copy, fat->fat, fat->fat_bytes) != 0) {
      free (copy);
      wv_error ("FAT copy %" PRIu32 " differs from the first: the FAT "
                "table is damaged (run chkdsk or fsck.fat)", i + 1);
      return -1;
    }
  }
  free (copy);
  return 0;
}

int
wv_fat_open (struct wv_fat *fat, wv_fat_read_fn read, void *opaque,
             uint64_t size)
{
  uint8_t s[4096];

  memset (fat, 0, sizeof *fat);
  fat->read = read;
  fat->opaque = opaque;
  fat->size = size;
  if (size < 512 * 16) {
    wv_error ("partition of %" PRIu64 " bytes is too small for FAT", size);
    return -1;
  }
  if (read (opaque, s, 512, 0) == -1)
    return -1;
  if (!wv_fat_probe (s, 512)) {
    wv_error ("not a FAT file system");
    return -1;
  }
  if (parse_boot (fat, s) == -1 || read_fats (fat) == -1) {
    wv_fat_close (fat);
    return -1;
  }
  return 0;
}

void
wv_fat_close (struct wv_fat *fat)
{
  free (fat->fat);
  fat->fat = NULL;
}

/* The FAT entry of cluster n (n is below nr_clusters + 2). */
static uint32_t
fat_entry (const struct wv_fat *fat, uint32_t n)
{
  uint32_t v;

  switch (fat->type) {
  case 12:
    v = get_le16 (fat->fat + n + n / 2);
    return n & 1 ? v >> 4 : v & 0xfff;
  case 16:
    return get_le16 (fat->fat + 2 * n);
  default:
    return get_le32 (fat->fat + 4 * n) & 0x0fffffff;
  }
}

/* Is v an end-of-chain mark? */
static bool
is_eoc (const struct wv_fat *fat, uint32_t v)
{
  switch (fat->type) {
  case 12: return v >= 0xff8;
  case 16: return v >= 0xfff8;
  default: return v >= 0x0ffffff8;
  }
}

int
wv_fat_chain (const struct wv_fat *fat, uint32_t first, wv_fat_run_fn fn,
              void *opaque)
{
  /* One bit a cluster: a chain that comes back to a cluster loops. */
  CLEANUP_FREE uint8_t *seen = calloc (fat->nr_clusters / 8 + 1, 1);
  uint32_t c = first, start = first, count = 0;

  if (seen == NULL) {
    wv_error ("calloc: %m");
    return -1;
  }
  for (;;) {
    uint32_t next;

    if (c < 2 || c >= fat->nr_clusters + 2) {
      wv_error ("FAT chain from cluster %" PRIu32 " reaches cluster %"
                PRIu32 ", outside the volume: the FAT table is damaged",
                first, c);
      return -1;
    }
    if (seen[(c - 2) / 8] & (1 << ((c - 2) % 8))) {
      wv_error ("FAT chain from cluster %" PRIu32 " loops: the FAT "
                "table is damaged", first);
      return -1;
    }
    seen[(c - 2) / 8] |= 1 << ((c - 2) % 8);
    count++;
    next = fat_entry (fat, c);
    if (is_eoc (fat, next) || next != c + 1) {
      if (fn (opaque, fat->data_offset +
              (uint64_t) (start - 2) * fat->cluster_bytes,
              (uint64_t) count * fat->cluster_bytes) == -1)
        return -1;
      if (is_eoc (fat, next))
        return 0;
      start = next;
      count = 0;
    }
    c = next;
  }
}
