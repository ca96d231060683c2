/* winvirtio fuzzing: the block-map loader (lib/map/mapload.c).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The input is a map file.  It is loaded twice: as given, and with its
 * trailing SHA-256 recomputed, so that mutations reach the checks
 * behind the checksum.  A map that loads is dumped (text and JSON),
 * applied to a buffer, read and split into block status runs around
 * each extent and zero range as the filter would (lib/map/mapread.c),
 * and, if its read set is small, verified against a source of zeros.
 */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "fuzz-common.h"
#include "map/map.h"
#include "map/mapdump.h"
#include "map/mapload.h"
#include "map/mapread.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static FILE *devnull;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  wv_fuzz_quiet ();
  devnull = fopen ("/dev/null", "w");
  if (devnull == NULL)
    abort ();
  return 0;
}

/* wv_map_read's callback: the source reads as zeros. */
static int
read_zeros (void *opaque, enum wv_map_piece kind, void *buf,
            uint32_t count, uint64_t offset)
{
  (void) opaque;
  (void) offset;
  if (kind == WV_MAP_PIECE_SOURCE)
    memset (buf, 0, count);
  return 0;
}

/* wv_map_split_extent's callback: the runs must tile the range. */
static int
next_run (void *opaque, uint64_t offset, uint64_t length, uint32_t type)
{
  uint64_t *pos = opaque;

  (void) type;
  if (offset != *pos || length == 0)
    abort ();
  *pos = offset + length;
  return 0;
}

/* Read and split up to 4096 bytes of the served disk from 100 bytes
 * before offset, as the filter's .pread and .extents would.
 */
static void
serve (const struct wv_map *map, uint64_t offset)
{
  uint8_t buf[4096];
  uint64_t off = offset > 100 ? offset - 100 : 0;
  uint64_t n = sizeof buf, pos;

  if (off >= map->virtual_size)
    abort ();
  if (n > map->virtual_size - off)
    n = map->virtual_size - off;
  wv_map_read (map, buf, n, off, read_zeros, NULL);
  pos = off;
  wv_map_split_extent (map, off, n, 0, next_run, &pos);
  if (pos != off + n)
    abort ();
}

static void
use_map (struct wv_map *map)
{
  uint8_t buf[4096];
  uint64_t read_bytes = 0;
  size_t i;

  wv_map_dump (map, devnull, false);
  wv_map_dump (map, devnull, true);
  wv_map_bytes (map);
  for (i = 0; i < map->nr_extents; ++i) {
    const struct wv_extent *e = &map->extents[i];
    uint64_t off = e->offset > 100 ? e->offset - 100 : 0;
    uint64_t n = sizeof buf;

    if (off >= map->virtual_size)
      abort ();
    if (n > map->virtual_size - off)
      n = map->virtual_size - off;
    memset (buf, 0, sizeof buf);
    wv_map_find (map, off);
    wv_map_apply (map, buf, n, off);
    serve (map, e->offset);
  }
  for (i = 0; i < map->zeros.len && i < 64; ++i)
    serve (map, map->zeros.ranges[i].offset);
  for (i = 0; i < map->read_set.len; ++i)
    read_bytes += map->read_set.ranges[i].length;
  if (read_bytes <= 1024 * 1024) {
    struct wv_source *src = wv_fuzz_source (NULL, 0, map->virtual_size);

    if (src == NULL)
      abort ();
    wv_map_verify_source (map, src);
    wv_source_close (src);
  }
}

static void
load (const uint8_t *data, size_t size)
{
  struct wv_map *map = wv_map_load (wv_fuzz_file (data, size));

  if (map) {
    use_map (map);
    wv_map_free (map);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct sha256_ctx sha;
  uint8_t *copy;

  load (data, size);
  if (size < SHA256_DIGEST_SIZE)
    return 0;
  copy = malloc (size);
  if (copy == NULL)
    abort ();
  memcpy (copy, data, size);
  sha256_init (&sha);
  sha256_update (&sha, size - SHA256_DIGEST_SIZE, copy);
  sha256_digest (&sha, SHA256_DIGEST_SIZE, copy + size - SHA256_DIGEST_SIZE);
  if (memcmp (copy, data, size) != 0)
    load (copy, size);
  free (copy);
  return 0;
}
