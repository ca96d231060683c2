/* winvirtio: free-space trim, the NTFS free clusters served as zeroes.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A cluster is served as zeroes only if it is free in the volume's
 * $Bitmap as the source has it AND as winvirtio serves it (the
 * source's bitmap with the map's extents laid over it), so neither a
 * cluster our patch allocates nor one it frees is ever trimmed; AND
 * no in-use record of the source's MFT claims it.  A volume whose
 * $Bitmap and MFT disagree at all is not trimmed (ntfs/check.c), so the
 * last condition only guards against a mistake of ours.  Only
 * clusters inside the volume's nr_clusters are considered: the boot
 * sector backup after them, and everything outside an NTFS volume, is
 * never trimmed.  A volume that is not clean (hibernated, dirty,
 * $LogFile not clean) is not trimmed: Windows may still replay
 * changes into clusters its bitmap calls free.
 *
 * The bitmap bytes are read from the source while the planner's reads
 * are recorded, so they are in the map's read set and fingerprint: a
 * map is refused for a source whose free space changed.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "map/mapread.h"
#include "plan/trim.h"

int
wv_trim_note (struct wv_trim *t, struct wv_ntfs *v, unsigned partnum,
              uint64_t offset, uint64_t length,
              struct wv_ntfs_claims *claims, FILE *log)
{
  struct wv_trim_volume tv = { .partnum = partnum, .offset = offset };
  struct wv_ntfs_claims own = { 0 };
  const char *why;
  int r;

  if (claims == NULL) {
    why = wv_ntfs_unclean_reason (v);
    if (why) {
      fprintf (log, "trim: partition %u not trimmed: %s\n", partnum, why);
      goto skip;
    }
    if (wv_ntfs_check_claims (v, &own) == -1)
      return -1;
    claims = &own;
    if (own.problem) {
      fprintf (log, "trim: partition %u not trimmed: %s\n", partnum,
               own.problem);
      fprintf (log, "warning: partition %u: its free space is copied as it "
               "is, not trimmed: %s; run chkdsk /f on it in the guest\n",
               partnum, own.problem);
      wv_ntfs_claims_free (&own);
      goto skip;
    }
  }
  tv.claimed = claims->claimed;
  claims->claimed = NULL;
  tv.cluster_size = wv_ntfs_cluster_size (v);
  r = wv_ntfs_bitmap_runs (v, &tv.bitmap, &tv.nr_clusters, &why);
  if (r == -1) {
    wv_rangeset_reset (&tv.bitmap);
    free (tv.claimed);
    return -1;
  }
  if (r == 0 || tv.nr_clusters > length / tv.cluster_size) {
    fprintf (log, "trim: partition %u not trimmed: %s\n", partnum,
             r == 0 ? why : "the volume is larger than its partition");
    wv_rangeset_reset (&tv.bitmap);
    free (tv.claimed);
    tv.claimed = NULL;
    goto skip;
  }

 skip:
  /* Noted even when skipped, so that wv_trim_seen says so; a skipped
   * volume has nr_clusters 0.
   */
  if (wv_array_grow (&t->v, &t->cap, t->len + 1, sizeof *t->v, 4) == -1) {
    wv_rangeset_reset (&tv.bitmap);
    free (tv.claimed);
    return -1;
  }
  if (tv.bitmap.len == 0)
    tv.nr_clusters = 0;
  t->v[t->len++] = tv;
  return 0;
}

bool
wv_trim_seen (const struct wv_trim *t, unsigned partnum)
{
  size_t i;

  for (i = 0; i < t->len; ++i)
    if (t->v[i].partnum == partnum)
      return true;
  return false;
}

/* Is cluster c allocated in bitmap bm? */
static inline int
bit (const uint8_t *bm, uint64_t c)
{
  return (bm[c / 8] >> (c % 8)) & 1;
}

/* Add the runs of clear bits of bm (nr clusters) to map as zero
 * ranges.  *free_r gets the number of free clusters.
 */
static int
add_free_runs (const struct wv_trim_volume *tv, const uint8_t *bm,
               struct wv_map *map, uint64_t *free_r)
{
  uint64_t nr = tv->nr_clusters, c = 0, start;

  *free_r = 0;
  while (c < nr) {
    /* Skip allocated clusters, a byte at a time where we can. */
    while (c < nr && (c % 8 != 0 || nr - c < 8 || bm[c / 8] != 0)) {
      if (c % 8 == 0 && nr - c >= 8 && bm[c / 8] == 0xff)
        c += 8;
      else if (bit (bm, c))
        c++;
      else
        break;
    }
    start = c;
    while (c < nr) {
      if (c % 8 == 0 && nr - c >= 8 && bm[c / 8] == 0)
        c += 8;
      else if (!bit (bm, c))
        c++;
      else
        break;
    }
    if (c > start) {
      *free_r += c - start;
      if (wv_map_add_zero (map, tv->offset + start * tv->cluster_size,
                           (c - start) * tv->cluster_size) == -1)
        return -1;
    }
  }
  return 0;
}

/* Trim one volume. */
static int
trim_volume (const struct wv_trim_volume *tv, struct wv_source *src,
             struct wv_map *map, FILE *log)
{
  uint64_t bytes = (tv->nr_clusters + 7) / 8, pos = 0, nfree, before;
  CLEANUP_FREE uint8_t *bm = NULL, *served = NULL;
  size_t i;

  bm = malloc (bytes);
  served = malloc (bytes);
  if (bm == NULL || served == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  for (i = 0; i < tv->bitmap.len; ++i) {
    const struct wv_range *r = &tv->bitmap.ranges[i];

    if (wv_source_pread (src, bm + pos, r->length, r->offset) == -1)
      return -1;
    memcpy (served + pos, bm + pos, r->length);
    wv_map_apply (map, served + pos, r->length, r->offset);
    pos += r->length;
  }
  /* Free only where free in all three. */
  for (i = 0; i < bytes; ++i)
    bm[i] |= served[i] | tv->claimed[i];
  /* Bits past nr_clusters in the last byte are not looked at. */

  before = wv_rangeset_bytes (&map->zeros);
  if (add_free_runs (tv, bm, map, &nfree) == -1)
    return -1;
  fprintf (log, "trim: partition %u: %" PRIu64 " of %" PRIu64 " clusters "
           "free, %" PRIu64 " bytes served as zeroes\n", tv->partnum,
           nfree, tv->nr_clusters, wv_rangeset_bytes (&map->zeros) - before);
  return 0;
}

int
wv_trim_apply (struct wv_trim *t, struct wv_source *src, struct wv_map *map,
               FILE *log)
{
  size_t i;

  for (i = 0; i < t->len; ++i)
    if (t->v[i].nr_clusters > 0 &&
        trim_volume (&t->v[i], src, map, log) == -1)
      return -1;
  return 0;
}

void
wv_trim_free (struct wv_trim *t)
{
  size_t i;

  for (i = 0; i < t->len; ++i) {
    wv_rangeset_reset (&t->v[i].bitmap);
    free (t->v[i].claimed);
  }
  free (t->v);
  t->v = NULL;
  t->len = t->cap = 0;
}
