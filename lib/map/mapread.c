/* winvirtio: the disk that winvirtio serves, read through a block map:
 * the bytes of a read (wv_map_read, wv_map_apply) and the block status
 * of a range (wv_map_split_extent).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design and implementation.
 *
 * In memory the map is an array of extents sorted by offset, so the
 * data path (wv_map_apply, called for every read the filter serves)
 * is a binary search to the first extent that ends after the request
 * starts, then a walk forward while the extents start inside it.
 *
 * These functions only read the map, so the filter calls them from
 * parallel requests without a lock.
 */

#include <config.h>

#include <stdint.h>
#include <string.h>

#include "common/rangeset.h"
#include "map/map.h"
#include "map/mapread.h"

/* Copy the patched bytes in [offset, offset+count) over buf. */
void
wv_map_apply (const struct wv_map *map, void *buf, uint32_t count,
              uint64_t offset)
{
  uint8_t *p = buf;
  size_t i;

  /* Every extent from i on ends after offset; stop at the first one
   * that starts at or after offset+count (computed without adding, so
   * an offset near 2^64 cannot wrap).
   */
  for (i = wv_map_find (map, offset); i < map->nr_extents; ++i) {
    const struct wv_extent *e = &map->extents[i];
    uint64_t start, rel, elen;
    size_t n;

    if (e->offset >= offset && e->offset - offset >= count)
      break;
    start = e->offset > offset ? e->offset : offset;
    rel = start - offset;                   /* < count */
    elen = e->offset + e->length - start;   /* > 0: e ends after offset */
    n = elen < count - rel ? elen : count - rel;
    memcpy (p + rel, e->data + (start - e->offset), n);
  }
}

/* A piece of a read with no zero range in it: from the source, then
 * lay the patched bytes over what it returned.  A piece entirely
 * inside one patched extent does not reach the source.
 */
static int
read_patched (const struct wv_map *map, uint8_t *buf, uint32_t count,
              uint64_t offset, wv_map_piece_fn fn, void *opaque)
{
  size_t i = wv_map_find (map, offset);

  if (i < map->nr_extents) {
    const struct wv_extent *e = &map->extents[i];

    if (e->offset <= offset && offset + count <= e->offset + e->length) {
      memcpy (buf, e->data + (offset - e->offset), count);
      if (fn (opaque, WV_MAP_PIECE_PATCHED, buf, count, offset) == -1)
        return -1;
      return 0;
    }
  }
  if (fn (opaque, WV_MAP_PIECE_SOURCE, buf, count, offset) == -1)
    return -1;
  wv_map_apply (map, buf, count, offset);
  return 0;
}

/* Serve the zero ranges as zeroes and the rest with read_patched. */
int
wv_map_read (const struct wv_map *map, void *buf, uint32_t count,
             uint64_t offset, wv_map_piece_fn fn, void *opaque)
{
  const struct wv_rangeset *z = &map->zeros;
  size_t i = wv_rangeset_find (z, offset);
  uint8_t *p = buf;

  while (count > 0) {
    uint32_t n = count;

    if (i < z->len && z->ranges[i].offset <= offset) {
      /* In zero range i, up to its end. */
      uint64_t left = z->ranges[i].offset + z->ranges[i].length - offset;

      if (left < n)
        n = left;
      memset (p, 0, n);
      if (fn (opaque, WV_MAP_PIECE_ZERO, p, n, offset) == -1)
        return -1;
      i++;
    }
    else {
      /* Up to the next zero range. */
      if (i < z->len && z->ranges[i].offset - offset < n)
        n = z->ranges[i].offset - offset;
      if (read_patched (map, p, n, offset, fn, opaque) == -1)
        return -1;
    }
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

/* Split one extent of the source's block status by the zero ranges
 * and the patched extents.
 */
int
wv_map_split_extent (const struct wv_map *map, uint64_t offset,
                     uint64_t length, uint32_t source_type,
                     wv_map_extent_fn fn, void *opaque)
{
  uint64_t pos = offset, end = offset + length;
  size_t j = wv_map_find (map, pos);
  size_t k = wv_rangeset_find (&map->zeros, pos);

  while (pos < end) {
    uint64_t stop = end;
    uint32_t type = source_type;
    const struct wv_range *z =
      k < map->zeros.len ? &map->zeros.ranges[k] : NULL;

    /* Zero ranges never overlap an extent (the map's loader checks). */
    if (z && z->offset <= pos) {
      if (z->offset + z->length < stop)
        stop = z->offset + z->length;
      type = WV_MAP_EXTENT_HOLE | WV_MAP_EXTENT_ZERO;
      k++;
    }
    else if (j < map->nr_extents && map->extents[j].offset <= pos) {
      /* Inside a patched extent. */
      const struct wv_extent *m = &map->extents[j];

      if (m->offset + m->length < stop)
        stop = m->offset + m->length;
      type = 0;
      j++;
    }
    else {
      if (j < map->nr_extents && map->extents[j].offset < stop)
        stop = map->extents[j].offset;
      if (z && z->offset < stop)
        stop = z->offset;
    }
    if (fn (opaque, pos, stop - pos, type) == -1)
      return -1;
    pos = stop;
  }
  return 0;
}
