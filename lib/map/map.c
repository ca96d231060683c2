/* winvirtio: the block map in memory: extents, zero ranges, read set,
 * fingerprint, and the lookup of an offset.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The struct and its invariants are described in map.h; wv_map_check
 * checks them.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>

#include <nettle/sha2.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "map/map.h"

/* wv_map_fingerprint reads the source in chunks of at most this. */
#define FINGERPRINT_CHUNK (4 * 1024 * 1024)

/* Allocate an empty map. */
struct wv_map *
wv_map_new (uint64_t virtual_size)
{
  struct wv_map *map = calloc (1, sizeof *map);

  if (map == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  map->virtual_size = virtual_size;
  return map;
}

/* Free the map, its extents' data, its read set and its summary. */
void
wv_map_free (struct wv_map *map)
{
  size_t i;

  if (map == NULL)
    return;
  for (i = 0; i < map->nr_extents; ++i)
    free (map->extents[i].data);
  free (map->extents);
  wv_rangeset_reset (&map->read_set);
  wv_rangeset_reset (&map->zeros);
  free (map->summary);
  free (map);
}

/* Copy label into dst (WV_MAP_LABEL_MAX bytes), truncating it if
 * needed without splitting a UTF-8 sequence, and zero the rest.
 */
static void
copy_label (char *dst, const char *label)
{
  size_t len = label ? strnlen (label, WV_MAP_LABEL_MAX) : 0;

  if (len >= WV_MAP_LABEL_MAX) {
    len = WV_MAP_LABEL_MAX - 1;
    /* Back up over continuation bytes to the start of the sequence
     * that does not fit, and drop it.
     */
    while (len > 0 && ((unsigned char) label[len] & 0xc0) == 0x80)
      len--;
  }
  memset (dst, 0, WV_MAP_LABEL_MAX);
  if (len > 0)
    memcpy (dst, label, len);
}

/* Append an extent, copying its data. */
int
wv_map_add_extent (struct wv_map *map, uint64_t offset, uint32_t length,
                   const void *data, const char *label)
{
  struct wv_extent *e;
  uint64_t prev_end = 0;

  if (length == 0 || data == NULL) {
    wv_error ("block map: extent at offset %" PRIu64 " has no data",
              offset);
    return -1;
  }
  if (offset > map->virtual_size || length > map->virtual_size - offset) {
    wv_error ("block map: extent of %" PRIu32 " bytes at offset %" PRIu64
              " is beyond the end of the disk (%" PRIu64 " bytes)",
              length, offset, map->virtual_size);
    return -1;
  }
  if (map->nr_extents > 0) {
    e = &map->extents[map->nr_extents - 1];
    prev_end = e->offset + e->length;
  }
  if (offset < prev_end) {
    wv_error ("block map: extent at offset %" PRIu64 " overlaps or comes "
              "before the previous extent, which ends at %" PRIu64
              " (extents must be added in ascending order)",
              offset, prev_end);
    return -1;
  }

  if (wv_array_grow (&map->extents, &map->cap_extents, map->nr_extents + 1,
                     sizeof *map->extents, 16) == -1)
    return -1;
  e = &map->extents[map->nr_extents];
  e->data = malloc (length);
  if (e->data == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  memcpy (e->data, data, length);
  e->offset = offset;
  e->length = length;
  copy_label (e->label, label);
  map->nr_extents++;
  return 0;
}

/* Add a zero range less the extents, aligned to WV_MAP_ZERO_UNIT. */
int
wv_map_add_zero (struct wv_map *map, uint64_t offset, uint64_t length)
{
  uint64_t end, pos;
  size_t i;

  if (offset > map->virtual_size || length > map->virtual_size - offset) {
    wv_error ("block map: zero range of %" PRIu64 " bytes at offset %"
              PRIu64 " is beyond the end of the disk", length, offset);
    return -1;
  }
  end = (offset + length) / WV_MAP_ZERO_UNIT * WV_MAP_ZERO_UNIT;
  pos = (offset + WV_MAP_ZERO_UNIT - 1) / WV_MAP_ZERO_UNIT * WV_MAP_ZERO_UNIT;
  for (i = wv_map_find (map, pos); pos < end; ++i) {
    uint64_t stop = end;

    if (i < map->nr_extents && map->extents[i].offset < end) {
      const struct wv_extent *e = &map->extents[i];
      uint64_t ee = e->offset + e->length;

      /* [pos, start of e rounded down) is free of extents. */
      if (e->offset / WV_MAP_ZERO_UNIT * WV_MAP_ZERO_UNIT < stop)
        stop = e->offset / WV_MAP_ZERO_UNIT * WV_MAP_ZERO_UNIT;
      if (stop > pos && wv_rangeset_add (&map->zeros, pos, stop - pos) == -1)
        return -1;
      pos = (ee + WV_MAP_ZERO_UNIT - 1) / WV_MAP_ZERO_UNIT * WV_MAP_ZERO_UNIT;
      continue;
    }
    if (wv_rangeset_add (&map->zeros, pos, stop - pos) == -1)
      return -1;
    pos = stop;
  }
  return 0;
}

/* Total bytes in the extents. */
uint64_t
wv_map_bytes (const struct wv_map *map)
{
  uint64_t total = 0;
  size_t i;

  for (i = 0; i < map->nr_extents; ++i)
    total += map->extents[i].length;
  return total;
}

/* SHA-256 over the ranges of set in src, as documented in map.h
 * and docs/winvirtio-map.pod.
 */
int
wv_map_fingerprint (struct wv_source *src, const struct wv_rangeset *set,
                    uint8_t out[WV_MAP_FINGERPRINT_LEN])
{
  CLEANUP_FREE uint8_t *buf = NULL;
  struct sha256_ctx ctx;
  uint64_t maxlen = 0;
  size_t i;

  for (i = 0; i < set->len; ++i)
    if (set->ranges[i].length > maxlen)
      maxlen = set->ranges[i].length;
  if (maxlen > FINGERPRINT_CHUNK)
    maxlen = FINGERPRINT_CHUNK;
  if (maxlen > 0 && (buf = malloc (maxlen)) == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }

  sha256_init (&ctx);
  for (i = 0; i < set->len; ++i) {
    uint64_t offset = set->ranges[i].offset;
    uint64_t left = set->ranges[i].length;
    uint8_t le[16];

    put_le64 (le, offset);
    put_le64 (le + 8, left);
    sha256_update (&ctx, sizeof le, le);
    while (left > 0) {
      size_t n = left < maxlen ? left : maxlen;

      if (wv_source_pread (src, buf, n, offset) == -1)
        return -1;
      sha256_update (&ctx, n, buf);
      offset += n;
      left -= n;
    }
  }
  sha256_digest (&ctx, WV_MAP_FINGERPRINT_LEN, out);
  return 0;
}

/* Is WHAT number i (length bytes at offset) empty or beyond the end of
 * the disk?  If so, say so in why.
 */
static bool
outside (const struct wv_map *map, const char *what, size_t i,
         uint64_t offset, uint64_t length, char *why, size_t whylen)
{
  if (length != 0 && offset <= map->virtual_size &&
      length <= map->virtual_size - offset)
    return false;
  snprintf (why, whylen, "%s %zu (%" PRIu64 " bytes at offset %" PRIu64
            ") is empty or beyond the end of the disk (%" PRIu64 " bytes)",
            what, i, length, offset, map->virtual_size);
  return true;
}

/* Check that an in-memory map is well formed: what the loader must
 * refuse and what the saver must not write.  On error, describe the
 * problem in why and return -1.
 */
int
wv_map_check (const struct wv_map *map, char *why, size_t whylen)
{
  const struct wv_rangeset *set = &map->read_set;
  uint64_t prev_end = 0;
  size_t i;

  for (i = 0; i < set->len; ++i) {
    const struct wv_range *r = &set->ranges[i];

    if (outside (map, "read range", i, r->offset, r->length, why, whylen))
      return -1;
    if (i > 0 && r->offset <= prev_end) {
      snprintf (why, whylen, "read range %zu at offset %" PRIu64
                " is not after the previous one, which ends at %" PRIu64,
                i, r->offset, prev_end);
      return -1;
    }
    prev_end = r->offset + r->length;
  }

  prev_end = 0;
  for (i = 0; i < map->nr_extents; ++i) {
    const struct wv_extent *e = &map->extents[i];

    if (outside (map, "extent", i, e->offset, e->length, why, whylen))
      return -1;
    if (e->offset < prev_end) {
      snprintf (why, whylen, "extent %zu at offset %" PRIu64 " overlaps "
                "or comes before the previous one, which ends at %" PRIu64,
                i, e->offset, prev_end);
      return -1;
    }
    if (memchr (e->label, 0, WV_MAP_LABEL_MAX) == NULL) {
      snprintf (why, whylen, "the label of extent %zu is not "
                "NUL-terminated", i);
      return -1;
    }
    prev_end = e->offset + e->length;
  }

  for (i = 0; i < map->zeros.len; ++i) {
    const struct wv_range *r = &map->zeros.ranges[i];
    size_t j;

    if (outside (map, "zero range", i, r->offset, r->length, why, whylen))
      return -1;
    if (r->offset % WV_MAP_ZERO_UNIT || r->length % WV_MAP_ZERO_UNIT) {
      snprintf (why, whylen, "zero range %zu (%" PRIu64 " bytes at offset %"
                PRIu64 ") is not aligned to %d bytes",
                i, r->length, r->offset, WV_MAP_ZERO_UNIT);
      return -1;
    }
    if (i > 0 && r->offset <= map->zeros.ranges[i-1].offset +
        map->zeros.ranges[i-1].length) {
      snprintf (why, whylen, "zero range %zu at offset %" PRIu64
                " is not after the previous one", i, r->offset);
      return -1;
    }
    j = wv_map_find (map, r->offset);
    if (j < map->nr_extents &&
        map->extents[j].offset < r->offset + r->length) {
      snprintf (why, whylen, "zero range %zu (%" PRIu64 " bytes at offset %"
                PRIu64 ") overlaps extent %zu", i, r->length, r->offset, j);
      return -1;
    }
  }
  return 0;
}

/* Check that map belongs to src. */
int
wv_map_verify_source (const struct wv_map *map, struct wv_source *src)
{
  struct wv_rangeset *saved = src->record;
  uint8_t fp[WV_MAP_FINGERPRINT_LEN];
  int r;

  if (src->size != map->virtual_size) {
    wv_error ("%s: this block map was made for a disk of %" PRIu64
              " bytes, but the source has %" PRIu64 " bytes: it belongs to "
              "a different disk; run 'winvirtio map' on this source again",
              src->name, map->virtual_size, src->size);
    return -1;
  }

  /* These reads are not the planner's: do not record them.  A read
   * error names the source, as while planning.
   */
  src->record = NULL;
  wv_log_subject_begin (src->name);
  r = wv_map_fingerprint (src, &map->read_set, fp);
  wv_log_subject_end ();
  src->record = saved;
  if (r == -1)
    return -1;

  if (memcmp (fp, map->fingerprint, sizeof fp) != 0) {
    wv_error ("%s: the source has changed since this block map was made "
              "(the bytes the planner read differ): the VM may have been "
              "booted or the map belongs to another disk; run 'winvirtio "
              "map' again", src->name);
    return -1;
  }
  return 0;
}

/* Index of the first extent that ends after offset. */
size_t
wv_map_find (const struct wv_map *map, uint64_t offset)
{
  size_t lo = 0, hi = map->nr_extents;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct wv_extent *e = &map->extents[mid];

    if (e->offset + e->length <= offset)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}
