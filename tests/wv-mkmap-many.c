/* winvirtio tests: wv-mkmap-many, a valid block map with many extents.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: wv-mkmap-many DISK N OUT
 *
 * Makes a block map for DISK with N extents spread across it, at
 * unaligned offsets and of odd lengths (1 to 3000 bytes), every
 * seventh followed by a second extent that touches it; each holds the
 * source's bytes XOR 0x5a.  The read set is the extents' ranges, with
 * a correct fingerprint, so the filter accepts the map for DISK.  The
 * rule is simple enough for a test to rebuild the served disk without
 * winvirtio (tests/test-load.sh).  The benchmarks use it too
 * (bench/load.sh, memory.sh, stream-overhead.sh).
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <inttypes.h>

#include "disk/source.h"
#include "map/map.h"
#include "map/mapsave.h"

#define MAX_LEN 3000
#define TOUCHING_LEN 100

/* Add an extent of len bytes at off: the source's bytes XOR 0x5a. */
static int
add (struct wv_source *src, struct wv_map *map, uint64_t off, uint32_t len)
{
  uint8_t buf[MAX_LEN];
  uint32_t i;

  if (wv_source_pread (src, buf, len, off) == -1 ||
      wv_rangeset_add (&map->read_set, off, len) == -1)
    return -1;
  for (i = 0; i < len; ++i)
    buf[i] ^= 0x5a;
  return wv_map_add_extent (map, off, len, buf, "test extent");
}

int
main (int argc, char *argv[])
{
  struct wv_source *src;
  struct wv_map *map;
  uint64_t step, off;
  unsigned long n, i;
  uint32_t len;

  if (argc != 4) {
    fprintf (stderr, "usage: wv-mkmap-many DISK N OUT\n");
    exit (EXIT_FAILURE);
  }
  n = strtoul (argv[2], NULL, 10);
  src = wv_source_open_file (argv[1]);
  if (src == NULL || n == 0)
    exit (EXIT_FAILURE);
  step = src->size / n;
  if (step < 512 + MAX_LEN + TOUCHING_LEN) {
    fprintf (stderr, "wv-mkmap-many: %s is too small for %lu extents\n",
             argv[1], n);
    exit (EXIT_FAILURE);
  }
  map = wv_map_new (src->size);
  if (map == NULL)
    exit (EXIT_FAILURE);
  for (i = 0; i < n; ++i) {
    off = i * step + (i * 131) % 509;
    len = 1 + (i * 7919) % MAX_LEN;
    if (add (src, map, off, len) == -1)
      exit (EXIT_FAILURE);
    if (i % 7 == 0 && add (src, map, off + len, TOUCHING_LEN) == -1)
      exit (EXIT_FAILURE);
  }
  if (wv_map_fingerprint (src, &map->read_set, map->fingerprint) == -1 ||
      wv_map_save (map, argv[3]) == -1)
    exit (EXIT_FAILURE);
  printf ("%zu extents, %" PRIu64 " bytes\n", map->nr_extents,
          wv_map_bytes (map));
  wv_map_free (map);
  wv_source_close (src);
  exit (EXIT_SUCCESS);
}
