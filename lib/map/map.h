/* winvirtio: the block map in memory (map.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * A block map is the whole difference between the source disk and the
 * disk that winvirtio serves: a sorted list of extents, each with its
 * new bytes.  It also records which bytes of the source the planner
 * read, and a SHA-256 over them (the fingerprint), so that a map is
 * only ever applied to the source it was computed from, unchanged.
 *
 * The rest of lib/map/ works on this struct: mapsave.c writes it to a
 * file and mapload.c reads one back (the format is mapformat.h and
 * docs/winvirtio-map.pod), mapdump.c prints it, and mapread.c reads
 * the served disk through it.
 */

#ifndef WINVIRTIO_MAP_H
#define WINVIRTIO_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/rangeset.h"
#include "disk/source.h"

#define WV_MAP_LABEL_MAX 80       /* including the final NUL */
#define WV_MAP_FINGERPRINT_LEN 32 /* SHA-256 */
#define WV_MAP_ZERO_UNIT 512      /* zero ranges are aligned to this */

struct wv_extent {
  uint64_t offset;              /* bytes, from the start of the disk */
  uint32_t length;              /* bytes, > 0 */
  char label[WV_MAP_LABEL_MAX]; /* what it is: "SYSTEM hive", ... */
  uint8_t *data;                /* length new bytes (owned) */
};

struct wv_map {
  uint64_t virtual_size;        /* size of the source disk */

  /* Sorted by offset, non-overlapping, all inside virtual_size. */
  struct wv_extent *extents;
  size_t nr_extents, cap_extents;

  /* What the planner read, and the SHA-256 of those bytes. */
  struct wv_rangeset read_set;
  uint8_t fingerprint[WV_MAP_FINGERPRINT_LEN];

  /* Free space served as zeroes (free-space trim): sorted, not
   * touching, 512-byte aligned, never overlapping an extent.  Empty
   * when the map was planned without trim.
   */
  struct wv_rangeset zeros;

  /* Human-readable summary of the plan (UTF-8, lines ending in \n),
   * or NULL.  Owned.
   */
  char *summary;
};

/* Allocate an empty map. */
extern struct wv_map *wv_map_new (uint64_t virtual_size);
extern void wv_map_free (struct wv_map *map);

/* Append an extent; data is copied.  Extents must be added in
 * ascending, non-overlapping order.  Returns 0 or -1.
 */
extern int wv_map_add_extent (struct wv_map *map, uint64_t offset,
                              uint32_t length, const void *data,
                              const char *label);

/* Add [offset, offset+length) to the zero ranges, less any part that
 * overlaps an extent (so add the extents first), shrunk to 512-byte
 * alignment.  Returns 0 or -1.
 */
extern int wv_map_add_zero (struct wv_map *map, uint64_t offset,
                            uint64_t length);

/* Total bytes in the extents. */
extern uint64_t wv_map_bytes (const struct wv_map *map);

/* Compute the SHA-256 over the bytes of src in the ranges of set (each
 * range hashed as its offset and length, little-endian 64 bit, then
 * its bytes).  Returns 0 or -1.
 */
extern int wv_map_fingerprint (struct wv_source *src,
                               const struct wv_rangeset *set,
                               uint8_t out[WV_MAP_FINGERPRINT_LEN]);

/* Check that map is well formed (sorted, non-overlapping, inside the
 * disk, labels NUL-terminated, zero ranges aligned and clear of the
 * extents): what wv_map_load must refuse and wv_map_save must not
 * write.  On error, describe the problem in why and return -1; it
 * does not call wv_error.
 */
extern int wv_map_check (const struct wv_map *map, char *why,
                         size_t whylen);

/* Check that map belongs to src: same size, and the fingerprint of the
 * recorded read set matches.  The error says which and what to do.
 */
extern int wv_map_verify_source (const struct wv_map *map,
                                 struct wv_source *src);

/* Index of the first extent that ends after offset (nr_extents if
 * none).
 */
extern size_t wv_map_find (const struct wv_map *map, uint64_t offset);

#endif /* WINVIRTIO_MAP_H */
