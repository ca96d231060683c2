/* winvirtio benchmark helper: a valid block map with many extents.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Usage: mkmap-many DISK N OUT
 *
 * Makes a block map for DISK with N extents of 512 bytes spread evenly
 * across it (each holding the source's own bytes with one byte
 * flipped), a read set covering the extents, and a correct
 * fingerprint: the worst case for the filter's overlay lookup.  Built
 * and run by bench/stream-overhead.sh only.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>

#include "map/map.h"
#include "map/mapsave.h"
#include "disk/source.h"

int
main (int argc, char *argv[])
{
  struct wv_source *src;
  struct wv_map *map;
  uint64_t step, off;
  unsigned long n, i;
  uint8_t buf[512];

  if (argc != 4) {
    fprintf (stderr, "usage: mkmap-many DISK N OUT\n");
    exit (EXIT_FAILURE);
  }
  n = strtoul (argv[2], NULL, 10);
  src = wv_source_open_file (argv[1]);
  if (src == NULL || n == 0)
    exit (EXIT_FAILURE);
  map = wv_map_new (src->size);
  step = (src->size / n) & ~UINT64_C (511);
  for (i = 0, off = 0; i < n && off + 512 <= src->size; ++i, off += step) {
    if (wv_source_pread (src, buf, sizeof buf, off) == -1 ||
        wv_rangeset_add (&map->read_set, off, sizeof buf) == -1)
      exit (EXIT_FAILURE);
    buf[100] ^= 0xff;
    if (wv_map_add_extent (map, off, sizeof buf, buf, "bench extent") == -1)
      exit (EXIT_FAILURE);
  }
  if (wv_map_fingerprint (src, &map->read_set, map->fingerprint) == -1 ||
      wv_map_save (map, argv[3]) == -1)
    exit (EXIT_FAILURE);
  printf ("%zu extents\n", map->nr_extents);
  wv_map_free (map);
  wv_source_close (src);
  return 0;
}
