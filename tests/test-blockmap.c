/* winvirtio: unit test for the block map (lib/map/).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Everything runs in memory against a synthetic source (a malloc'd
 * buffer behind wv_source_new), with temporary files named
 * tmp-blockmap-* in the current directory.  The test covers:
 *
 * - wv_map_add_extent's ordering, bounds and label truncation;
 * - wv_map_find and wv_map_apply against a brute-force reference for
 *   thousands of random requests over a map with many extents;
 * - wv_map_fingerprint against an independent SHA-256 of the documented
 *   definition, and wv_map_verify_source's exact messages;
 * - save and load round trips, and a second, independent encoder of
 *   the documented file format which must match wv_map_save byte for
 *   byte;
 * - wv_map_load refusing every truncation, every flipped byte, a bad
 *   version, and hostile files with a valid checksum;
 * - wv_map_dump's text and JSON (checked with python3 when present);
 * - wv_map_read and wv_map_split_extent (what the filter's .pread and
 *   .extents serve): the pieces and runs, exactly, for reads and
 *   block status requests straddling extents and zero ranges, at
 *   their edges, unaligned, at the end of the disk, with a failing
 *   callback, and against brute force over a random map.
 *
 * Set TEST_SEED to repeat a run with another random seed.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdbool.h>
#include <inttypes.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>

#include <nettle/sha2.h>

#include "common/log.h"
#include "map/map.h"
#include "map/mapdump.h"
#include "map/mapload.h"
#include "map/mapread.h"
#include "map/mapsave.h"

#define PROG "test-blockmap"
#define MiB (1024 * 1024)

/* Errors reported through wv_error, captured by capture_error. */
static char *last_error;
static unsigned nr_errors;

/* The wv_error hook: remember the message and count it. */
static void
capture_error (const char *msg)
{
  free (last_error);
  last_error = strdup (msg);
  nr_errors++;
}

/* Report a failed check and exit. */
static void
fail (int line, const char *what)
{
  fprintf (stderr, "%s: line %d: check failed: %s\n", PROG, line, what);
  if (last_error)
    fprintf (stderr, "%s: last error: %s\n", PROG, last_error);
  exit (EXIT_FAILURE);
}

#define CHECK(cond) do { if (!(cond)) fail (__LINE__, #cond); } while (0)

/* Check that expr fails with exactly one wv_error. */
#define CHECK_FAILS(expr)                               \
  do {                                                  \
    unsigned before_ = nr_errors;                       \
    CHECK (expr);                                       \
    CHECK (nr_errors == before_ + 1);                   \
  } while (0)

/* Check that last_error is exactly msg. */
#define CHECK_ERROR_IS(msg) \
  CHECK (last_error != NULL && strcmp (last_error, (msg)) == 0)

/* Check that last_error contains s. */
#define CHECK_ERROR_HAS(s) \
  CHECK (last_error != NULL && strstr (last_error, (s)) != NULL)

/* A small deterministic PRNG (xorshift64*). */
static uint64_t rng_state;

/* Next random number. */
static uint64_t
rnd (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Random number in [0, n), n > 0. */
static uint64_t
rnd_below (uint64_t n)
{
  return rnd () % n;
}

/* Fill len bytes with random data. */
static void
rnd_fill (uint8_t *p, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i)
    p[i] = rnd ();
}

/* The synthetic source: a buffer. */
struct mem {
  uint8_t *buf;
};

/* wv_pread_fn over struct mem. */
static int
mem_pread (void *opaque, void *buf, size_t count, uint64_t offset)
{
  struct mem *m = opaque;

  memcpy (buf, m->buf + offset, count);
  return 0;
}

/* A source of size bytes over m. */
static struct wv_source *
mem_source (struct mem *m, uint64_t size)
{
  struct wv_source *src = wv_source_new ("memdisk", size, mem_pread,
                                         NULL, m);

  CHECK (src != NULL);
  return src;
}

/* Write len bytes to path. */
static void
write_file (const char *path, const void *buf, size_t len)
{
  FILE *fp = fopen (path, "w");

  CHECK (fp != NULL);
  CHECK (len == 0 || fwrite (buf, len, 1, fp) == 1);
  CHECK (fclose (fp) == 0);
}

/* Read the whole of path. */
static uint8_t *
read_file (const char *path, size_t *len_r)
{
  FILE *fp = fopen (path, "r");
  uint8_t *buf;
  long len;

  CHECK (fp != NULL);
  CHECK (fseek (fp, 0, SEEK_END) == 0);
  len = ftell (fp);
  CHECK (len >= 0);
  rewind (fp);
  buf = malloc (len + 1);
  CHECK (buf != NULL);
  CHECK (len == 0 || fread (buf, len, 1, fp) == 1);
  fclose (fp);
  *len_r = len;
  return buf;
}

/* Store a little-endian u32 (the test's own, independent encoder). */
static void
le32 (uint8_t *p, uint32_t v)
{
  int i;

  for (i = 0; i < 4; ++i)
    p[i] = v >> (8 * i);
}

/* Store a little-endian u64. */
static void
le64 (uint8_t *p, uint64_t v)
{
  int i;

  for (i = 0; i < 8; ++i)
    p[i] = v >> (8 * i);
}

/* Check that two maps are equal in every field. */
static void
check_maps_equal (const struct wv_map *a, const struct wv_map *b)
{
  size_t i;

  CHECK (a->virtual_size == b->virtual_size);
  CHECK (a->nr_extents == b->nr_extents);
  for (i = 0; i < a->nr_extents; ++i) {
    CHECK (a->extents[i].offset == b->extents[i].offset);
    CHECK (a->extents[i].length == b->extents[i].length);
    CHECK (strcmp (a->extents[i].label, b->extents[i].label) == 0);
    CHECK (memcmp (a->extents[i].data, b->extents[i].data,
                   a->extents[i].length) == 0);
  }
  CHECK (a->read_set.len == b->read_set.len);
  for (i = 0; i < a->read_set.len; ++i) {
    CHECK (a->read_set.ranges[i].offset == b->read_set.ranges[i].offset);
    CHECK (a->read_set.ranges[i].length == b->read_set.ranges[i].length);
  }
  CHECK (a->zeros.len == b->zeros.len);
  for (i = 0; i < a->zeros.len; ++i) {
    CHECK (a->zeros.ranges[i].offset == b->zeros.ranges[i].offset);
    CHECK (a->zeros.ranges[i].length == b->zeros.ranges[i].length);
  }
  CHECK (memcmp (a->fingerprint, b->fingerprint, WV_MAP_FINGERPRINT_LEN) == 0);
  CHECK ((a->summary == NULL) == (b->summary == NULL));
  CHECK (a->summary == NULL || strcmp (a->summary, b->summary) == 0);
}

/* wv_map_add_extent: order, bounds, label truncation. */
static void
test_add_extent (void)
{
  struct wv_map *map = wv_map_new (1000);
  uint8_t data[64] = { 1, 2, 3 };
  char label[200];

  CHECK (map != NULL);
  CHECK (wv_map_add_extent (map, 0, 10, data, "first") == 0);
  CHECK_FAILS (wv_map_add_extent (map, 5, 10, data, "overlap") == -1);
  CHECK_FAILS (wv_map_add_extent (map, 9, 1, data, "overlap") == -1);
  CHECK (wv_map_add_extent (map, 10, 10, data, NULL) == 0);
  CHECK (strcmp (map->extents[1].label, "") == 0);
  CHECK_FAILS (wv_map_add_extent (map, 995, 10, data, "beyond") == -1);
  CHECK_FAILS (wv_map_add_extent (map, 1000, 1, data, "beyond") == -1);
  CHECK_FAILS (wv_map_add_extent (map, UINT64_MAX - 2, 5, data, "") == -1);
  CHECK_FAILS (wv_map_add_extent (map, 50, 0, data, "empty") == -1);
  CHECK_FAILS (wv_map_add_extent (map, 50, 5, NULL, "no data") == -1);

  /* A long label is cut to 79 bytes. */
  memset (label, 'x', sizeof label);
  label[sizeof label - 1] = '\0';
  CHECK (wv_map_add_extent (map, 100, 3, data, label) == 0);
  CHECK (strlen (map->extents[2].label) == WV_MAP_LABEL_MAX - 1);

  /* ... without splitting a UTF-8 sequence: 78 bytes then "é". */
  memset (label, 'y', 78);
  strcpy (label + 78, "\xc3\xa9");
  CHECK (wv_map_add_extent (map, 200, 3, data, label) == 0);
  CHECK (strlen (map->extents[3].label) == 78);

  /* Exactly 79 bytes fit. */
  label[79] = '\0';
  memset (label, 'z', 79);
  CHECK (wv_map_add_extent (map, 990, 10, data, label) == 0);
  CHECK (strcmp (map->extents[4].label, label) == 0);
  CHECK (memcmp (map->extents[4].data, data, 10) == 0);

  /* Nothing fits after an extent that ends at the end of the disk. */
  CHECK_FAILS (wv_map_add_extent (map, 500, 1, data, "order") == -1);
  CHECK (map->nr_extents == 5);
  CHECK (wv_map_bytes (map) == 10 + 10 + 3 + 3 + 10);
  wv_map_free (map);
  wv_map_free (NULL);
}

/* Build a map of many random extents over a disk of size bytes, and
 * the reference image (src with the extents applied).
 */
static struct wv_map *
make_big_map (const uint8_t *src, uint64_t size, uint8_t **ref_r)
{
  struct wv_map *map = wv_map_new (size);
  uint8_t *ref = malloc (size);
  uint8_t data[9000];
  uint64_t pos = 0;
  char label[64];

  CHECK (map != NULL && ref != NULL);
  memcpy (ref, src, size);
  for (;;) {
    uint64_t gap, len;

    switch (rnd_below (4)) {
    case 0: gap = 0; break;                      /* adjacent */
    case 1: gap = 1 + rnd_below (3); break;
    default: gap = rnd_below (20000); break;
    }
    switch (rnd_below (4)) {
    case 0: len = 1 + rnd_below (2); break;
    default: len = 1 + rnd_below (sizeof data); break;
    }
    if (map->nr_extents == 0)
      gap = 0;                                   /* one at offset 0 */
    if (pos + gap + len > size)
      break;
    pos += gap;
    rnd_fill (data, len);
    snprintf (label, sizeof label, "extent %zu", map->nr_extents);
    CHECK (wv_map_add_extent (map, pos, len, data, label) == 0);
    memcpy (ref + pos, data, len);
    pos += len;
  }
  /* And one that ends at the end of the disk. */
  if (pos < size) {
    uint64_t len = size - pos < 100 ? size - pos : 100;

    rnd_fill (data, len);
    CHECK (wv_map_add_extent (map, size - len, len, data, "last") == 0);
    memcpy (ref + size - len, data, len);
  }
  CHECK (map->nr_extents > 200);
  *ref_r = ref;
  return map;
}

/* Brute-force wv_map_find. */
static size_t
find_reference (const struct wv_map *map, uint64_t offset)
{
  size_t i;

  for (i = 0; i < map->nr_extents; ++i)
    if (map->extents[i].offset + map->extents[i].length > offset)
      break;
  return i;
}

/* Pick an offset for a request: random, or near an extent edge. */
static uint64_t
pick_offset (const struct wv_map *map, uint64_t size)
{
  const struct wv_extent *e = &map->extents[rnd_below (map->nr_extents)];
  int64_t off;

  switch (rnd_below (3)) {
  case 0:
    return rnd_below (size + 1);
  case 1:
    off = (int64_t) e->offset + (int64_t) rnd_below (3) - 1;
    break;
  default:
    off = (int64_t) (e->offset + e->length) + (int64_t) rnd_below (3) - 1;
    break;
  }
  if (off < 0)
    off = 0;
  if ((uint64_t) off > size)
    off = size;
  return off;
}

/* Pick a request length that fits after offset (and, to keep the
 * test quick under valgrind, is at most 64K; the whole disk is
 * checked separately).
 */
static uint32_t
pick_count (const struct wv_map *map, uint64_t size, uint64_t offset)
{
  uint64_t max = size - offset < 65536 ? size - offset : 65536, count;
  const struct wv_extent *e;
  size_t i;

  switch (rnd_below (6)) {
  case 0: count = rnd_below (2); break;
  case 1: count = rnd_below (17); break;
  case 2: count = rnd_below (65536); break;
  case 3: count = max; break;           /* often to the end of the disk */
  default:
    /* End exactly at, or next to, some later extent edge. */
    i = wv_map_find (map, offset) + rnd_below (4);
    if (i >= map->nr_extents)
      i = map->nr_extents - 1;
    e = &map->extents[i];
    count = (rnd_below (2) ? e->offset : e->offset + e->length) +
      rnd_below (3) - 1 - offset;
    break;
  }
  return count > max ? max : count;
}

/* One wv_map_apply of count bytes at offset, checked against ref, with
 * guard bytes after the buffer.
 */
static void
check_apply (const struct wv_map *map, const uint8_t *src,
             const uint8_t *ref, uint64_t offset, uint32_t count)
{
  uint8_t *buf = malloc ((size_t) count + 16);
  size_t i;

  CHECK (buf != NULL);
  memcpy (buf, src + offset, count);
  memset (buf + count, 0xa5, 16);
  wv_map_apply (map, buf, count, offset);
  if (memcmp (buf, ref + offset, count) != 0) {
    fprintf (stderr, "%s: wv_map_apply (count=%" PRIu32 ", offset=%" PRIu64
             ") differs from the reference\n", PROG, count, offset);
    exit (EXIT_FAILURE);
  }
  for (i = 0; i < 16; ++i)
    CHECK (buf[count + i] == 0xa5);
  free (buf);
}

/* wv_map_find and wv_map_apply against brute force. */
static void
test_apply (const struct wv_map *map, const uint8_t *src,
            const uint8_t *ref, uint64_t size)
{
  struct wv_map *empty;
  unsigned n;
  size_t i;

  for (i = 0; i < map->nr_extents; ++i) {
    const struct wv_extent *e = &map->extents[i];

    CHECK (wv_map_find (map, e->offset) == i);
    CHECK (wv_map_find (map, e->offset + e->length - 1) == i);
    CHECK (wv_map_find (map, e->offset + e->length) == i + 1 ||
           e->offset + e->length == size);
  }
  CHECK (wv_map_find (map, size) == map->nr_extents);
  CHECK (wv_map_find (map, UINT64_MAX) == map->nr_extents);
  for (n = 0; n < 5000; ++n) {
    uint64_t off = pick_offset (map, size);

    CHECK (wv_map_find (map, off) == find_reference (map, off));
  }

  check_apply (map, src, ref, 0, size);
  check_apply (map, src, ref, 0, 0);
  check_apply (map, src, ref, size, 0);
  check_apply (map, src, ref, size - 1, 1);
  check_apply (map, src, ref, 1, size - 1);
  for (n = 0; n < 10000; ++n) {
    uint64_t offset = pick_offset (map, size);

    check_apply (map, src, ref, offset, pick_count (map, size, offset));
  }

  /* An empty map changes nothing. */
  empty = wv_map_new (size);
  CHECK (empty != NULL);
  check_apply (empty, src, src, 0, size);
  check_apply (empty, src, src, 12345, 6789);
  wv_map_free (empty);
}

/* The documented fingerprint, computed independently. */
static void
fingerprint_reference (const uint8_t *disk, const struct wv_rangeset *set,
                       uint8_t out[WV_MAP_FINGERPRINT_LEN])
{
  struct sha256_ctx ctx;
  size_t i;

  sha256_init (&ctx);
  for (i = 0; i < set->len; ++i) {
    uint8_t le[16];

    le64 (le, set->ranges[i].offset);
    le64 (le + 8, set->ranges[i].length);
    sha256_update (&ctx, 16, le);
    sha256_update (&ctx, set->ranges[i].length,
                   disk + set->ranges[i].offset);
  }
  sha256_digest (&ctx, WV_MAP_FINGERPRINT_LEN, out);
}

/* wv_map_fingerprint: the definition, chunking, the empty set. */
static void
test_fingerprint (void)
{
  const uint64_t size = 9 * MiB + 7;
  struct mem m = { .buf = malloc (size) };
  struct wv_rangeset set = { 0 };
  uint8_t fp[WV_MAP_FINGERPRINT_LEN], ref[WV_MAP_FINGERPRINT_LEN];
  struct wv_source *src;

  CHECK (m.buf != NULL);
  rnd_fill (m.buf, size);
  src = mem_source (&m, size);

  /* The empty set: the SHA-256 of nothing. */
  CHECK (wv_map_fingerprint (src, &set, fp) == 0);
  fingerprint_reference (m.buf, &set, ref);
  CHECK (memcmp (fp, ref, sizeof fp) == 0);
  CHECK (src->requests == 0);

  /* 9 MiB are read in chunks of at most 4 MiB: 3 requests. */
  CHECK (wv_rangeset_add (&set, 3, 9 * MiB) == 0);
  CHECK (wv_map_fingerprint (src, &set, fp) == 0);
  fingerprint_reference (m.buf, &set, ref);
  CHECK (memcmp (fp, ref, sizeof fp) == 0);
  CHECK (src->requests == 3);

  /* Several ranges, including the last byte. */
  wv_rangeset_reset (&set);
  CHECK (wv_rangeset_add (&set, 0, 1) == 0);
  CHECK (wv_rangeset_add (&set, 4096, 512) == 0);
  CHECK (wv_rangeset_add (&set, size - 1, 1) == 0);
  CHECK (wv_map_fingerprint (src, &set, fp) == 0);
  fingerprint_reference (m.buf, &set, ref);
  CHECK (memcmp (fp, ref, sizeof fp) == 0);

  /* The same bytes in different ranges give a different fingerprint. */
  wv_rangeset_reset (&set);
  CHECK (wv_rangeset_add (&set, 4096, 256) == 0);
  CHECK (wv_map_fingerprint (src, &set, ref) == 0);
  CHECK (memcmp (fp, ref, sizeof fp) != 0);

  /* A read error is passed on. */
  CHECK (wv_rangeset_add (&set, size, 1) == 0);
  CHECK_FAILS (wv_map_fingerprint (src, &set, fp) == -1);

  wv_rangeset_reset (&set);
  wv_source_close (src);
  free (m.buf);
}

/* Read some of the source as a planner would, recording into the
 * map's read set, then set the fingerprint.
 */
static void
plan_reads (struct wv_map *map, struct wv_source *src)
{
  static const uint64_t reads[][2] = {
    { 0, 512 }, { 512, 512 }, { 100000, 4096 }, { 102000, 4096 },
    { 200000, 1 }, { 300000, 65536 },
  };
  uint8_t buf[65536];
  size_t i;

  src->record = &map->read_set;
  for (i = 0; i < sizeof reads / sizeof reads[0]; ++i)
    CHECK (wv_source_pread (src, buf, reads[i][1], reads[i][0]) == 0);
  CHECK (wv_source_pread (src, buf, 4096, src->size - 4096) == 0);
  src->record = NULL;
  CHECK (map->read_set.len == 5);
  CHECK (wv_map_fingerprint (src, &map->read_set, map->fingerprint) == 0);
}

/* wv_map_verify_source: success, one changed byte, other sizes. */
static void
test_verify (const struct wv_map *map, struct mem *m, uint64_t size)
{
  static const char changed[] =
    "memdisk: the source has changed since this block map was made (the "
    "bytes the planner read differ): the VM may have been booted or the "
    "map belongs to another disk; run 'winvirtio map' again";
  struct wv_source *src = mem_source (m, size), *other;
  struct wv_rangeset dummy = { 0 };
  char msg[512];
  size_t i;

  CHECK (wv_map_verify_source (map, src) == 0);

  /* Its reads are not recorded, and record is restored. */
  src->record = &dummy;
  CHECK (wv_map_verify_source (map, src) == 0);
  CHECK (src->record == &dummy && dummy.len == 0);
  src->record = NULL;

  /* One byte changed inside the read set: at the start, the middle
   * and the end of every range.
   */
  for (i = 0; i < map->read_set.len; ++i) {
    const struct wv_range *r = &map->read_set.ranges[i];
    const uint64_t at[3] = { r->offset, r->offset + r->length / 2,
                             r->offset + r->length - 1 };
    int j;

    for (j = 0; j < 3; ++j) {
      m->buf[at[j]] ^= 0x01;
      CHECK_FAILS (wv_map_verify_source (map, src) == -1);
      CHECK_ERROR_IS (changed);
      m->buf[at[j]] ^= 0x01;
    }
  }

  /* A byte changed outside the read set (just before, just after and
   * between ranges) does not matter.
   */
  for (i = 0; i < map->read_set.len; ++i) {
    const struct wv_range *r = &map->read_set.ranges[i];
    uint64_t after = r->offset + r->length;

    if (r->offset > 0) {
      m->buf[r->offset - 1] ^= 0xff;
      CHECK (wv_map_verify_source (map, src) == 0);
      m->buf[r->offset - 1] ^= 0xff;
    }
    if (after < size) {
      m->buf[after] ^= 0xff;
      CHECK (wv_map_verify_source (map, src) == 0);
      m->buf[after] ^= 0xff;
    }
  }

  /* Another size. */
  other = mem_source (m, size - 1);
  CHECK_FAILS (wv_map_verify_source (map, other) == -1);
  snprintf (msg, sizeof msg,
            "memdisk: this block map was made for a disk of %" PRIu64
            " bytes, but the source has %" PRIu64 " bytes: it belongs to a "
            "different disk; run 'winvirtio map' on this source again",
            size, size - 1);
  CHECK_ERROR_IS (msg);
  CHECK (other->requests == 0);
  wv_source_close (other);

  wv_source_close (src);
}

/* Remove every tmp-blockmap-* file in ".", left over from a failed
 * run or made by this one.
 */
static void
remove_temp_files (void)
{
  DIR *dir = opendir (".");
  struct dirent *d;

  CHECK (dir != NULL);
  while ((d = readdir (dir)) != NULL)
    if (strncmp (d->d_name, "tmp-blockmap-", 13) == 0)
      unlink (d->d_name);
  closedir (dir);
}

/* Check that no temporary file of wv_map_save is left in ".". */
static void
check_no_temp_files (void)
{
  DIR *dir = opendir (".");
  struct dirent *d;

  CHECK (dir != NULL);
  while ((d = readdir (dir)) != NULL)
    if (strncmp (d->d_name, "tmp-blockmap-", 13) == 0 &&
        strstr (d->d_name, ".tmp-") != NULL) {
      fprintf (stderr, "%s: temporary file left behind: %s\n",
               PROG, d->d_name);
      exit (EXIT_FAILURE);
    }
  closedir (dir);
}

/* Save and load round trips; saving is canonical and atomic. */
static void
test_save_load (const struct wv_map *map)
{
  const char *path = "tmp-blockmap-big.map";
  struct wv_map *loaded, *empty;
  uint8_t *a, *b;
  size_t alen, blen;
  struct stat st;

  CHECK (wv_map_save (map, path) == 0);
  CHECK (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
  loaded = wv_map_load (path);
  CHECK (loaded != NULL);
  check_maps_equal (map, loaded);

  /* Saving the loaded map over the first gives the same bytes. */
  a = read_file (path, &alen);
  CHECK (wv_map_save (loaded, path) == 0);
  b = read_file (path, &blen);
  CHECK (alen == blen && memcmp (a, b, alen) == 0);
  free (a);
  free (b);
  wv_map_free (loaded);
  check_no_temp_files ();

  /* An empty map: header and checksum only, no summary. */
  empty = wv_map_new (12345);
  CHECK (empty != NULL);
  CHECK (wv_map_save (empty, "tmp-blockmap-empty.map") == 0);
  CHECK (stat ("tmp-blockmap-empty.map", &st) == 0 && st.st_size == 128 + 32);
  loaded = wv_map_load ("tmp-blockmap-empty.map");
  CHECK (loaded != NULL);
  check_maps_equal (empty, loaded);
  CHECK (loaded->summary == NULL && loaded->nr_extents == 0);
  wv_map_free (loaded);
  wv_map_free (empty);
  unlink ("tmp-blockmap-empty.map");

  /* Errors: no such directory, no such file, not a regular file. */
  CHECK_FAILS (wv_map_save (map, "tmp-blockmap-nodir/x.map") == -1);
  CHECK_FAILS (wv_map_load ("tmp-blockmap-nonexistent.map") == NULL);
  CHECK_ERROR_HAS ("tmp-blockmap-nonexistent.map: cannot open");
  CHECK_FAILS (wv_map_load (".") == NULL);
  CHECK_ERROR_HAS ("not a regular file");
  check_no_temp_files ();
  unlink (path);
}

/* wv_map_save refuses a map that was broken behind its back. */
static void
test_save_invalid (void)
{
  struct wv_map *map = wv_map_new (1000);
  struct stat st;

  CHECK (map != NULL);
  CHECK (wv_map_add_extent (map, 10, 1, "a", "a") == 0);
  CHECK (wv_map_add_extent (map, 20, 1, "b", "b") == 0);
  map->extents[1].offset = 5;
  CHECK_FAILS (wv_map_save (map, "tmp-blockmap-invalid.map") == -1);
  CHECK_ERROR_HAS ("refusing to save an invalid block map");
  CHECK (stat ("tmp-blockmap-invalid.map", &st) == -1);
  map->extents[1].offset = 20;
  CHECK (wv_rangeset_add (&map->read_set, 999, 2) == 0);
  CHECK_FAILS (wv_map_save (map, "tmp-blockmap-invalid.map") == -1);
  CHECK (stat ("tmp-blockmap-invalid.map", &st) == -1);
  check_no_temp_files ();
  wv_map_free (map);
}

/* A map file described field by field, for the test's own encoder. */
struct raw_extent {
  uint64_t offset;
  uint32_t length;
  uint32_t reserved;
  uint8_t label[WV_MAP_LABEL_MAX];
};

struct raw_map {
  uint8_t magic[16];
  uint32_t version, header_size;
  uint64_t virtual_size;
  bool override_counts;         /* write the *_field values below */
  uint64_t nr_extents_field, nr_ranges_field, summary_len_field;
  uint8_t fingerprint[WV_MAP_FINGERPRINT_LEN];
  uint8_t reserved[40];
  size_t nr_extents;
  struct raw_extent extents[4];
  size_t nr_ranges;
  struct wv_range ranges[4];
  const char *summary;
  size_t summary_len;
};

/* A valid raw map: 3 extents, 2 ranges, a summary. */
static void
raw_init (struct raw_map *r)
{
  memset (r, 0, sizeof *r);
  memcpy (r->magic, "WINVIRTIO-MAP", 13);
  r->version = 1;
  r->header_size = 128;
  r->virtual_size = MiB;
  memset (r->fingerprint, 0x5a, sizeof r->fingerprint);
  r->nr_extents = 3;
  r->extents[0] = (struct raw_extent) { 0, 5, 0, "boot sector" };
  r->extents[1] = (struct raw_extent) { 5, 3, 0, "adjacent" };
  r->extents[2] = (struct raw_extent) { MiB - 4, 4, 0, "at the end" };
  r->nr_ranges = 2;
  r->ranges[0] = (struct wv_range) { 0, 4096 };
  r->ranges[1] = (struct wv_range) { 8192, 100 };
  r->summary = "a summary\nof two lines\n";
  r->summary_len = strlen (r->summary);
}

/* Byte j of extent i's data. */
static uint8_t
raw_data (size_t i, size_t j)
{
  return i * 31 + j * 7 + 1;
}

/* Encode r as documented in docs/winvirtio-map.pod. */
static uint8_t *
raw_encode (const struct raw_map *r, size_t *len_r)
{
  size_t len = 128 + r->nr_ranges * 16 + r->nr_extents * 96 +
    r->summary_len + 32;
  uint8_t *buf, *p;
  struct sha256_ctx ctx;
  size_t i, j;

  for (i = 0; i < r->nr_extents; ++i)
    len += r->extents[i].length;
  buf = p = calloc (1, len);
  CHECK (buf != NULL);
  memcpy (p, r->magic, 16);
  le32 (p + 0x10, r->version);
  le32 (p + 0x14, r->header_size);
  le64 (p + 0x18, r->virtual_size);
  le64 (p + 0x20, r->override_counts ? r->nr_extents_field : r->nr_extents);
  le64 (p + 0x28, r->override_counts ? r->nr_ranges_field : r->nr_ranges);
  le64 (p + 0x30, r->override_counts ? r->summary_len_field
        : r->summary_len);
  memcpy (p + 0x38, r->fingerprint, 32);
  memcpy (p + 0x58, r->reserved, 40);
  p += 128;
  for (i = 0; i < r->nr_ranges; ++i, p += 16) {
    le64 (p, r->ranges[i].offset);
    le64 (p + 8, r->ranges[i].length);
  }
  for (i = 0; i < r->nr_extents; ++i, p += 96) {
    le64 (p, r->extents[i].offset);
    le32 (p + 8, r->extents[i].length);
    le32 (p + 12, r->extents[i].reserved);
    memcpy (p + 16, r->extents[i].label, WV_MAP_LABEL_MAX);
  }
  memcpy (p, r->summary, r->summary_len);
  p += r->summary_len;
  for (i = 0; i < r->nr_extents; ++i)
    for (j = 0; j < r->extents[i].length; ++j)
      *p++ = raw_data (i, j);
  sha256_init (&ctx);
  sha256_update (&ctx, len - 32, buf);
  sha256_digest (&ctx, 32, p);
  *len_r = len;
  return buf;
}

/* Load buf as a map file; the result must be refused with exactly one
 * error naming the file.
 */
static void
check_refused (const uint8_t *buf, size_t len, int line)
{
  const char *path = "tmp-blockmap-bad.map";
  unsigned before = nr_errors;
  struct wv_map *map;

  write_file (path, buf, len);
  map = wv_map_load (path);
  if (map != NULL || nr_errors != before + 1 ||
      strncmp (last_error, "tmp-blockmap-bad.map: ", 22) != 0) {
    fprintf (stderr, "%s: line %d: a bad map of %zu bytes was not refused "
             "properly (map=%p, %u errors)\n",
             PROG, line, len, (void *) map, nr_errors - before);
    fail (line, "check_refused");
  }
}

/* Encode r, check it is refused, and that the error contains what. */
#define CHECK_RAW_REFUSED(r, what)                      \
  do {                                                  \
    size_t len_;                                        \
    uint8_t *buf_ = raw_encode ((r), &len_);            \
    check_refused (buf_, len_, __LINE__);               \
    CHECK_ERROR_HAS (what);                             \
    free (buf_);                                        \
  } while (0)

/* The independent encoder agrees with wv_map_save, and its output
 * loads.
 */
static void
test_format (void)
{
  struct raw_map r;
  struct wv_map *map, *loaded;
  uint8_t *enc, *saved, data[8];
  size_t enclen, savedlen, i, j;

  raw_init (&r);
  r.virtual_size = 2 * MiB;             /* room to add extents later */
  enc = raw_encode (&r, &enclen);

  map = wv_map_new (r.virtual_size);
  CHECK (map != NULL);
  for (i = 0; i < r.nr_extents; ++i) {
    for (j = 0; j < r.extents[i].length; ++j)
      data[j] = raw_data (i, j);
    CHECK (wv_map_add_extent (map, r.extents[i].offset, r.extents[i].length,
                              data, (char *) r.extents[i].label) == 0);
  }
  for (i = 0; i < r.nr_ranges; ++i)
    CHECK (wv_rangeset_add (&map->read_set, r.ranges[i].offset,
                            r.ranges[i].length) == 0);
  memcpy (map->fingerprint, r.fingerprint, WV_MAP_FINGERPRINT_LEN);
  map->summary = strdup (r.summary);
  CHECK (map->summary != NULL);

  CHECK (wv_map_save (map, "tmp-blockmap-format.map") == 0);
  saved = read_file ("tmp-blockmap-format.map", &savedlen);
  CHECK (savedlen == enclen && memcmp (saved, enc, enclen) == 0);
  loaded = wv_map_load ("tmp-blockmap-format.map");
  CHECK (loaded != NULL);
  check_maps_equal (map, loaded);

  /* A loaded map can grow (its extent array follows the same rule as
   * wv_map_add_extent's): add enough to cross 16, 32 and 64.
   */
  for (i = 0; i < 70; ++i)
    CHECK (wv_map_add_extent (loaded, MiB + i * 10, 5, data, "added") == 0);
  CHECK (loaded->nr_extents == 73);
  CHECK (loaded->extents[72].offset == MiB + 690);

  wv_map_free (loaded);
  wv_map_free (map);
  free (saved);
  free (enc);
  unlink ("tmp-blockmap-format.map");
}

/* Every truncation and every flipped byte of a valid file is refused;
 * appended bytes too.
 */
static void
test_damage (void)
{
  struct raw_map r;
  uint8_t *buf, *copy;
  size_t len, i;

  raw_init (&r);
  buf = raw_encode (&r, &len);
  copy = malloc (len + 100);
  CHECK (copy != NULL);

  for (i = 0; i < len; ++i) {
    check_refused (buf, i, __LINE__);
    if (i >= 20)
      CHECK_ERROR_HAS ("block map is truncated");
  }

  for (i = 0; i < len; ++i) {
    memcpy (copy, buf, len);
    copy[i] ^= 0x01;
    check_refused (copy, len, __LINE__);
    copy[i] ^= 0x81;
    check_refused (copy, len, __LINE__);
    if (i >= 0x58 && i < 0x80)
      CHECK_ERROR_HAS ("checksum mismatch");
  }

  memcpy (copy, buf, len);
  memset (copy + len, 0, 100);
  check_refused (copy, len + 1, __LINE__);
  check_refused (copy, len + 100, __LINE__);

  /* The trailing checksum itself. */
  memcpy (copy, buf, len);
  copy[len - 1] ^= 0x10;
  check_refused (copy, len, __LINE__);
  CHECK_ERROR_IS ("tmp-blockmap-bad.map: block map is corrupt (checksum "
                  "mismatch); run 'winvirtio map' again to make a new one");

  free (copy);
  free (buf);
}

/* Versions, header fields and counts, with a valid checksum. */
static void
test_bad_header (void)
{
  struct raw_map r;
  uint8_t *buf;
  size_t len;

  raw_init (&r);
  r.version = 3;
  CHECK_RAW_REFUSED (&r, "tmp-blockmap-bad.map: block map version 3 is not "
                     "supported by this winvirtio (supports 1 to 2)");
  r.version = 0;
  CHECK_RAW_REFUSED (&r, "block map version 0 is not supported");
  r.version = UINT32_MAX;
  CHECK_RAW_REFUSED (&r, "block map version 4294967295 is not supported");

  /* A file too short for its header, but with a future version. */
  buf = raw_encode (&r, &len);
  check_refused (buf, 24, __LINE__);
  CHECK_ERROR_HAS ("is not supported");
  free (buf);

  raw_init (&r);
  memcpy (r.magic, "WINVIRTIO-MAQ", 13);
  CHECK_RAW_REFUSED (&r, "not a winvirtio block map");
  raw_init (&r);
  r.magic[15] = 'x';
  CHECK_RAW_REFUSED (&r, "not a winvirtio block map");

  raw_init (&r);
  r.header_size = 129;
  CHECK_RAW_REFUSED (&r, "header size 129");
  r.header_size = 0;
  CHECK_RAW_REFUSED (&r, "header size 0");

  raw_init (&r);
  r.reserved[39] = 1;
  CHECK_RAW_REFUSED (&r, "reserved header bytes are not zero");

  /* Hostile counts: refused before any allocation. */
  raw_init (&r);
  r.override_counts = true;
  r.nr_ranges_field = r.nr_ranges;
  r.summary_len_field = r.summary_len;
  r.nr_extents_field = UINT64_C (1) << 60;
  CHECK_RAW_REFUSED (&r, "do not fit in the file");
  r.nr_extents_field = UINT64_MAX;
  CHECK_RAW_REFUSED (&r, "do not fit in the file");
  r.nr_extents_field = r.nr_extents + 1;
  CHECK_RAW_REFUSED (&r, "truncated");
  r.nr_extents_field = r.nr_extents;
  r.nr_ranges_field = UINT64_MAX / 16 + 1;
  CHECK_RAW_REFUSED (&r, "do not fit in the file");
  r.nr_ranges_field = r.nr_ranges;
  r.summary_len_field = UINT64_MAX;
  CHECK_RAW_REFUSED (&r, "do not fit in the file");
  r.summary_len_field = r.summary_len - 1;
  CHECK_RAW_REFUSED (&r, "trailing garbage");
}

/* Tables that are well formed but wrong, with a valid checksum. */
static void
test_bad_tables (void)
{
  struct raw_map r;

  raw_init (&r);
  r.extents[1].offset = 4;
  CHECK_RAW_REFUSED (&r, "extent 1 at offset 4 overlaps");
  raw_init (&r);
  r.extents[0].offset = 100;
  CHECK_RAW_REFUSED (&r, "overlaps or comes before");
  raw_init (&r);
  r.extents[1].length = 0;
  CHECK_RAW_REFUSED (&r, "extent 1 (0 bytes at offset 5) is empty");
  raw_init (&r);
  r.extents[2].offset = MiB - 3;
  CHECK_RAW_REFUSED (&r, "beyond the end of the disk");
  raw_init (&r);
  r.extents[2].offset = UINT64_MAX - 1;
  CHECK_RAW_REFUSED (&r, "beyond the end of the disk");
  raw_init (&r);
  r.extents[0].reserved = 1;
  CHECK_RAW_REFUSED (&r, "reserved field of extent 0");
  raw_init (&r);
  memset (r.extents[1].label, 'A', WV_MAP_LABEL_MAX);
  CHECK_RAW_REFUSED (&r, "label of extent 1 is not NUL-terminated");
  raw_init (&r);
  r.extents[1].label[WV_MAP_LABEL_MAX - 1] = 'x';
  CHECK_RAW_REFUSED (&r, "zero-padded");

  raw_init (&r);
  r.ranges[1].offset = 4096;               /* touches range 0 */
  CHECK_RAW_REFUSED (&r, "read range 1 at offset 4096 is not after");
  raw_init (&r);
  r.ranges[1].offset = 0;
  CHECK_RAW_REFUSED (&r, "read range 1");
  raw_init (&r);
  r.ranges[0].length = 0;
  CHECK_RAW_REFUSED (&r, "read range 0 (0 bytes at offset 0) is empty");
  raw_init (&r);
  r.ranges[1].length = MiB;
  CHECK_RAW_REFUSED (&r, "beyond the end of the disk");
  raw_init (&r);
  r.ranges[1].length = UINT64_MAX;
  CHECK_RAW_REFUSED (&r, "beyond the end of the disk");

  raw_init (&r);
  r.summary = "with a\0NUL";
  r.summary_len = 10;
  CHECK_RAW_REFUSED (&r, "the summary contains a NUL byte");
}

/* Valid corner cases the loader must accept. */
static void
test_good_corners (void)
{
  struct raw_map r;
  struct wv_map *map;
  uint8_t *buf;
  size_t len, i;

  /* No extents, no ranges, no summary (an already converted disk). */
  raw_init (&r);
  r.nr_extents = r.nr_ranges = r.summary_len = 0;
  buf = raw_encode (&r, &len);
  write_file ("tmp-blockmap-good.map", buf, len);
  map = wv_map_load ("tmp-blockmap-good.map");
  CHECK (map != NULL && map->nr_extents == 0 && map->read_set.len == 0);
  CHECK (map->summary == NULL && map->virtual_size == MiB);
  CHECK (memcmp (map->fingerprint, r.fingerprint, 32) == 0);
  for (i = 0; i < 40; ++i)
    CHECK (wv_map_add_extent (map, i * 100, 1, "x", "added") == 0);
  wv_map_free (map);
  free (buf);

  /* A 79 byte label; extents that fill the disk exactly. */
  raw_init (&r);
  r.virtual_size = 12;
  r.extents[2].offset = 8;
  memset (r.extents[2].label, 'L', WV_MAP_LABEL_MAX - 1);
  r.ranges[0].length = 1;
  r.ranges[1] = (struct wv_range) { 11, 1 };
  buf = raw_encode (&r, &len);
  write_file ("tmp-blockmap-good.map", buf, len);
  map = wv_map_load ("tmp-blockmap-good.map");
  CHECK (map != NULL && map->nr_extents == 3);
  CHECK (strlen (map->extents[2].label) == WV_MAP_LABEL_MAX - 1);
  CHECK (wv_map_bytes (map) == 12);
  CHECK (map->extents[2].data[3] == raw_data (2, 3));
  wv_map_free (map);
  free (buf);
  unlink ("tmp-blockmap-good.map");
}

/* Run wv_map_dump into a string. */
static char *
dump_to_string (const struct wv_map *map, bool json)
{
  char *s = NULL;
  size_t len = 0;
  FILE *fp = open_memstream (&s, &len);

  CHECK (fp != NULL);
  CHECK (wv_map_dump (map, fp, json) == 0);
  fclose (fp);
  return s;
}

/* Hex of a string, for comparing with what python prints. */
static void
append_hex (char **p, const char *s)
{
  for (; *s; ++s)
    *p += sprintf (*p, "%02x", (unsigned char) *s);
}

/* Have python3 parse the JSON in path and print its fields; compare
 * with expected.  Skipped when python3 is missing.
 */
static void
check_json_with_python (const char *path, const char *expected)
{
  char cmd[1024], out[4096];
  size_t n;
  FILE *pp;

  if (system ("python3 -c '' >/dev/null 2>&1") != 0) {
    fprintf (stderr, "%s: python3 not found, JSON only checked in C\n",
             PROG);
    return;
  }
  snprintf (cmd, sizeof cmd,
            "python3 -c 'import json, sys\n"
            "d = json.load (open (sys.argv[1], encoding=\"utf-8\"))\n"
            "print (d[\"virtual_size\"], d[\"patched_bytes\"], "
            "d[\"read_bytes\"], d[\"fingerprint\"], len (d[\"extents\"]))\n"
            "print (d[\"summary\"].encode ().hex ())\n"
            "for e in d[\"extents\"]:\n"
            "  print (e[\"offset\"], e[\"length\"], "
            "e[\"label\"].encode ().hex ())\n' %s", path);
  pp = popen (cmd, "r");
  CHECK (pp != NULL);
  n = fread (out, 1, sizeof out - 1, pp);
  out[n] = '\0';
  CHECK (pclose (pp) == 0);
  if (strcmp (out, expected) != 0) {
    fprintf (stderr, "%s: python3 read the JSON as:\n%s\nexpected:\n%s\n",
             PROG, out, expected);
    exit (EXIT_FAILURE);
  }
}

/* Zero ranges (free-space trim): wv_map_add_zero cuts out extents
 * and aligns; version 2 round trip; version 1 without them; damaged
 * varints refused.
 */
static void
test_zeros (void)
{
  const char *path = "tmp-blockmap-zeros.map";
  struct wv_map *map = wv_map_new (UINT64_C (1) << 40), *loaded;
  uint8_t data[1024] = { 7 }, *buf;
  size_t len, i;
  uint64_t big = UINT64_C (1) << 39;

  CHECK (map != NULL);
  CHECK (wv_map_add_extent (map, 4096, 1000, data, "a") == 0);
  CHECK (wv_map_add_extent (map, 10000, 10, data, "b") == 0);
  /* [0, 20480) less the extents, aligned inwards to 512. */
  CHECK (wv_map_add_zero (map, 0, 20480) == 0);
  CHECK (map->zeros.len == 3);
  CHECK (map->zeros.ranges[0].offset == 0 &&
         map->zeros.ranges[0].length == 4096);
  CHECK (map->zeros.ranges[1].offset == 5120 &&
         map->zeros.ranges[1].length == 9728 - 5120);
  CHECK (map->zeros.ranges[2].offset == 10240 &&
         map->zeros.ranges[2].length == 20480 - 10240);
  /* Unaligned and too small: nothing; far away: a large varint. */
  CHECK (wv_map_add_zero (map, 30000, 100) == 0);
  CHECK (map->zeros.len == 3);
  CHECK (wv_map_add_zero (map, big, big) == 0);
  CHECK_FAILS (wv_map_add_zero (map, big, big + 1) == -1);
  /* Many small ranges. */
  for (i = 0; i < 1000; ++i)
    CHECK (wv_map_add_zero (map, 65536 + i * 8192, 4096) == 0);
  CHECK (map->zeros.len == 1004);

  CHECK (wv_map_save (map, path) == 0);
  buf = read_file (path, &len);
  CHECK (buf[16] == 2);                         /* version 2 */
  /* Compact: a few bytes per range, not 16. */
  CHECK (len < 128 + 2 * 96 + 1010 + 4 * 1004 + 32);
  loaded = wv_map_load (path);
  CHECK (loaded != NULL);
  check_maps_equal (map, loaded);
  wv_map_free (loaded);

  /* Every truncation of a version 2 map is refused. */
  for (i = 0; i < len; i += 7)
    check_refused (buf, i, __LINE__);
  free (buf);

  map->zeros.ranges[0].length = 8192;           /* overlaps extent a */
  CHECK_FAILS (wv_map_save (map, path) == -1);
  CHECK_ERROR_HAS ("overlaps extent 0");
  map->zeros.ranges[0].length = 4000;           /* unaligned */
  CHECK_FAILS (wv_map_save (map, path) == -1);
  CHECK_ERROR_HAS ("is not aligned");

  /* Without zero ranges: version 1, as before. */
  wv_rangeset_reset (&map->zeros);
  CHECK (wv_map_save (map, path) == 0);
  buf = read_file (path, &len);
  CHECK (buf[16] == 1);
  free (buf);
  unlink (path);
  wv_map_free (map);
}

/* wv_map_dump, text and JSON, with awkward labels and summary. */
static void
test_dump (void)
{
  static const char *labels[] = {
    "SYSTEM hive",
    "quote \" backslash \\ tab \t newline \n bell \x07 del \x7f",
    "UTF-8: \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    "bad UTF-8: \xff \xc3( \xed\xa0\x80 end",
    "C1: \xc2\x9b[31m",
  };
  const char *summary = "line one\n  line \"two\"\n\x1b[2Jlast, no newline";
  struct wv_map *map = wv_map_new (UINT64_C (10737418240));
  char *text, *json, expected[4096], *p;
  uint8_t data[4096] = { 0 };
  size_t i;

  CHECK (map != NULL);
  CHECK (wv_map_add_extent (map, 0x12345000, 4096, data, labels[0]) == 0);
  for (i = 1; i < 5; ++i)
    CHECK (wv_map_add_extent (map, 0x20000000 + i * 512, 512, data,
                              labels[i]) == 0);
  CHECK (wv_rangeset_add (&map->read_set, 0, 65536) == 0);
  CHECK (wv_rangeset_add (&map->read_set, 1048576, 4096) == 0);
  memset (map->fingerprint, 0xab, WV_MAP_FINGERPRINT_LEN);
  map->summary = strdup (summary);
  CHECK (map->summary != NULL);

  text = dump_to_string (map, false);
  CHECK (strstr (text, "virtual size:  10737418240 bytes (10.0 GiB)\n"));
  CHECK (strstr (text, "extents:       5\n"));
  CHECK (strstr (text, "patched bytes: 6144 (6.0 KiB)\n"));
  CHECK (strstr (text, "planner read:  69632 bytes in 2 ranges\n"));
  CHECK (strstr (text, "fingerprint:   abababab"));
  CHECK (strstr (text, "\n    line one\n      line \"two\"\n"
                 "    \\x1b[2Jlast, no newline\n"));
  CHECK (strstr (text, "305418240 0x0000000012345000 4096 SYSTEM hive\n"));
  CHECK (strstr (text, " 0x0000000020000200 512 quote \" backslash \\ tab "
                 "\\x09 newline \\x0a bell \\x07 del \\x7f\n"));
  CHECK (strstr (text, "UTF-8: \xc3\xa9t\xc3\xa9 \xe2\x82\xac "
                 "\xf0\x9f\x98\x80\n"));
  CHECK (strstr (text, "bad UTF-8: \\xff \\xc3( \\xed\\xa0\\x80 end\n"));
  CHECK (strstr (text, "C1: \\u009b[31m\n"));
  CHECK (strchr (text, '\x1b') == NULL);
  free (text);

  json = dump_to_string (map, true);
  CHECK (strstr (json, "\"virtual_size\": 10737418240,"));
  CHECK (strstr (json, "\"patched_bytes\": 6144,"));
  CHECK (strstr (json, "\"read_bytes\": 69632,"));
  CHECK (strstr (json, "\"offset\": 305418240, \"length\": 4096, "
                 "\"label\": \"SYSTEM hive\""));
  CHECK (strstr (json, "quote \\\" backslash \\\\ tab \\t newline \\n "
                 "bell \\u0007 del \\u007f\""));
  CHECK (strstr (json, "\\u001b[2J"));
  CHECK (strstr (json, "bad UTF-8: \\ufffd \\ufffd( \\ufffd\\ufffd\\ufffd "
                 "end"));
  write_file ("tmp-blockmap-dump.json", json, strlen (json));
  free (json);

  /* What python must read back: the labels as given, except that
   * invalid UTF-8 became U+FFFD (ef bf bd).
   */
  p = expected;
  p += sprintf (p, "10737418240 6144 69632 ");
  for (i = 0; i < WV_MAP_FINGERPRINT_LEN; ++i)
    p += sprintf (p, "ab");
  p += sprintf (p, " 5\n");
  append_hex (&p, summary);
  p += sprintf (p, "\n");
  for (i = 0; i < 5; ++i) {
    p += sprintf (p, "%" PRIu64 " %" PRIu32 " ",
                  map->extents[i].offset, map->extents[i].length);
    append_hex (&p, i == 3 ? "bad UTF-8: \xef\xbf\xbd \xef\xbf\xbd( "
                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end" : labels[i]);
    p += sprintf (p, "\n");
  }
  check_json_with_python ("tmp-blockmap-dump.json", expected);
  wv_map_free (map);

  /* An empty map, both ways. */
  map = wv_map_new (512);
  CHECK (map != NULL);
  text = dump_to_string (map, false);
  CHECK (strstr (text, "virtual size:  512 bytes\n"));
  CHECK (strstr (text, "summary:       (none)\n"));
  CHECK (strstr (text, "no extents"));
  free (text);
  json = dump_to_string (map, true);
  CHECK (strstr (json, "\"summary\": \"\""));
  CHECK (strstr (json, "\"extents\": []"));
  write_file ("tmp-blockmap-dump.json", json, strlen (json));
  free (json);
  p = expected;
  p += sprintf (p, "512 0 0 ");
  for (i = 0; i < WV_MAP_FINGERPRINT_LEN; ++i)
    p += sprintf (p, "00");
  sprintf (p, " 0\n\n");
  check_json_with_python ("tmp-blockmap-dump.json", expected);
  wv_map_free (map);
  unlink ("tmp-blockmap-dump.json");
}

/* What wv_map_read's and wv_map_split_extent's callbacks saw: a piece
 * (kind is an enum wv_map_piece) or a run (kind is its type).
 */
struct seen {
  int kind;
  uint64_t offset;
  uint64_t length;
};

#define MAX_SEEN 1024

/* The callbacks' state. */
struct recorder {
  const uint8_t *src;           /* the source's bytes */
  const uint8_t *buf;           /* the read's buffer ... */
  uint64_t buf_offset;          /* ... which starts at this offset */
  struct seen seen[MAX_SEEN];
  size_t n;
  size_t fail_at;               /* fail this call (SIZE_MAX: none) */
};

/* wv_map_piece_fn: record the piece, and read a source piece. */
static int
record_piece (void *opaque, enum wv_map_piece kind, void *buf,
              uint32_t count, uint64_t offset)
{
  struct recorder *r = opaque;
  uint32_t i;

  CHECK (r->n < MAX_SEEN);
  CHECK (count > 0);
  CHECK ((const uint8_t *) buf == r->buf + (offset - r->buf_offset));
  r->seen[r->n].kind = kind;
  r->seen[r->n].offset = offset;
  r->seen[r->n].length = count;
  if (r->n++ == r->fail_at)
    return -1;
  switch (kind) {
  case WV_MAP_PIECE_SOURCE:
    memcpy (buf, r->src + offset, count);
    break;
  case WV_MAP_PIECE_ZERO:
    for (i = 0; i < count; ++i)
      CHECK (((uint8_t *) buf)[i] == 0);
    break;
  case WV_MAP_PIECE_PATCHED:
    break;
  default:
    CHECK (!"a piece of an unknown kind");
  }
  return 0;
}

/* wv_map_extent_fn: record the run. */
static int
record_run (void *opaque, uint64_t offset, uint64_t length, uint32_t type)
{
  struct recorder *r = opaque;

  CHECK (r->n < MAX_SEEN);
  r->seen[r->n].kind = type;
  r->seen[r->n].offset = offset;
  r->seen[r->n].length = length;
  if (r->n++ == r->fail_at)
    return -1;
  return 0;
}

/* Check that r saw exactly the n pieces or runs in want. */
static void
check_seen (const struct recorder *r, const struct seen *want, size_t n,
            int line)
{
  size_t i;

  for (i = 0; i < n || i < r->n; ++i)
    if (i >= n || i >= r->n || r->seen[i].kind != want[i].kind ||
        r->seen[i].offset != want[i].offset ||
        r->seen[i].length != want[i].length) {
      fprintf (stderr, "%s: line %d: call %zu: saw ", PROG, line, i);
      if (i < r->n)
        fprintf (stderr, "%d [%" PRIu64 ", +%" PRIu64 ")", r->seen[i].kind,
                 r->seen[i].offset, r->seen[i].length);
      else
        fprintf (stderr, "nothing");
      fprintf (stderr, ", expected ");
      if (i < n)
        fprintf (stderr, "%d [%" PRIu64 ", +%" PRIu64 ")\n", want[i].kind,
                 want[i].offset, want[i].length);
      else
        fprintf (stderr, "nothing\n");
      exit (EXIT_FAILURE);
    }
}

/* wv_map_read of count bytes at offset, with a recorder failing call
 * fail_at; checks the return value, the bytes (against ref, when it
 * succeeds) and the guard bytes after the buffer.
 */
static void
do_read (const struct wv_map *map, const uint8_t *src, const uint8_t *ref,
         uint64_t offset, uint32_t count, size_t fail_at,
         struct recorder *r)
{
  uint8_t *buf = malloc ((size_t) count + 16);
  size_t i;
  int ret;

  CHECK (buf != NULL);
  memset (buf, 0xa5, (size_t) count + 16);
  r->src = src;
  r->buf = buf;
  r->buf_offset = offset;
  r->n = 0;
  r->fail_at = fail_at;
  ret = wv_map_read (map, buf, count, offset, record_piece, r);
  CHECK (ret == (fail_at == SIZE_MAX ? 0 : -1));
  if (ret == 0 && memcmp (buf, ref + offset, count) != 0) {
    fprintf (stderr, "%s: wv_map_read (count=%" PRIu32 ", offset=%" PRIu64
             ") differs from the reference\n", PROG, count, offset);
    exit (EXIT_FAILURE);
  }
  for (i = 0; i < 16; ++i)
    CHECK (buf[count + i] == 0xa5);
  free (buf);
}

/* Shorthands for the expected pieces and runs. */
#define SRC(o, e) { WV_MAP_PIECE_SOURCE, (o), (e) - (o) }
#define PAT(o, e) { WV_MAP_PIECE_PATCHED, (o), (e) - (o) }
#define ZER(o, e) { WV_MAP_PIECE_ZERO, (o), (e) - (o) }
#define HZ (WV_MAP_EXTENT_HOLE | WV_MAP_EXTENT_ZERO)
#define RUN(o, e, t) { (t), (o), (e) - (o) }

/* The small map of test_read and test_split: a disk of 20000 bytes,
 * extents A [1000, 1100) and B [1100, 1200) touching, C [5000, 5003),
 * E [7000, 8192) ending where a zero range starts, F [12288, 12300)
 * starting where it ends, D [19990, 20000) ending at the end of the
 * disk; zero ranges [2048, 3072), [8192, 12288), [19456, 19968).
 * *src_r gets the source's bytes, *ref_r the served disk's.
 */
#define SMALL_SIZE 20000

static struct wv_map *
make_small_map (bool zeros, uint8_t **src_r, uint8_t **ref_r)
{
  static const uint64_t ext[][2] = {
    { 1000, 1100 }, { 1100, 1200 }, { 5000, 5003 }, { 7000, 8192 },
    { 12288, 12300 }, { 19990, 20000 },
  };
  static const uint64_t zer[][2] = {
    { 2048, 3072 }, { 8192, 12288 }, { 19456, 19968 },
  };
  struct wv_map *map = wv_map_new (SMALL_SIZE);
  uint8_t *src = malloc (SMALL_SIZE), *ref = malloc (SMALL_SIZE);
  uint8_t data[2000];
  size_t i;

  CHECK (map != NULL && src != NULL && ref != NULL);
  rnd_fill (src, SMALL_SIZE);
  memcpy (ref, src, SMALL_SIZE);
  for (i = 0; i < sizeof ext / sizeof ext[0]; ++i) {
    uint32_t len = ext[i][1] - ext[i][0];

    rnd_fill (data, len);
    CHECK (wv_map_add_extent (map, ext[i][0], len, data, "small") == 0);
    memcpy (ref + ext[i][0], data, len);
  }
  for (i = 0; zeros && i < sizeof zer / sizeof zer[0]; ++i) {
    CHECK (wv_map_add_zero (map, zer[i][0], zer[i][1] - zer[i][0]) == 0);
    memset (ref + zer[i][0], 0, zer[i][1] - zer[i][0]);
  }
  CHECK (map->zeros.len == (zeros ? 3 : 0));
  *src_r = src;
  *ref_r = ref;
  return map;
}

/* One read case of test_read: a request and the pieces it makes. */
struct read_case {
  uint64_t offset;
  uint32_t count;
  struct seen want[8];
  size_t n;
};

/* wv_map_read on the small map: which pieces read the source, which
 * are copied from an extent or zeroed, and the bytes.
 */
static void
test_read (void)
{
  static const struct read_case cases[] = {
    { 0, 100, { SRC (0, 100) }, 1 },
    /* Exactly one extent, inside one: no read of the source. */
    { 1000, 100, { PAT (1000, 1100) }, 1 },
    { 1010, 10, { PAT (1010, 1020) }, 1 },
    { 5001, 1, { PAT (5001, 5002) }, 1 },
    /* Across two touching extents, or an extent's edge: one read. */
    { 1050, 100, { SRC (1050, 1150) }, 1 },
    { 990, 20, { SRC (990, 1010) }, 1 },
    /* Straddling a zero range, and unaligned at its edges. */
    { 2000, 1100, { SRC (2000, 2048), ZER (2048, 3072),
                    SRC (3072, 3100) }, 3 },
    { 2100, 100, { ZER (2100, 2200) }, 1 },
    { 3071, 2, { ZER (3071, 3072), SRC (3072, 3073) }, 2 },
    { 2047, 1, { SRC (2047, 2048) }, 1 },
    /* Extents that touch a zero range on either side. */
    { 7000, 5300, { PAT (7000, 8192), ZER (8192, 12288),
                    PAT (12288, 12300) }, 3 },
    { 6999, 1201, { SRC (6999, 8192), ZER (8192, 8200) }, 2 },
    { 12287, 13, { ZER (12287, 12288), PAT (12288, 12300) }, 2 },
    { 12287, 14, { ZER (12287, 12288), SRC (12288, 12301) }, 2 },
    /* At the end of the disk. */
    { 19400, 600, { SRC (19400, 19456), ZER (19456, 19968),
                    SRC (19968, 20000) }, 3 },
    { 19968, 32, { SRC (19968, 20000) }, 1 },
    { 19990, 10, { PAT (19990, 20000) }, 1 },
    { 19999, 1, { PAT (19999, 20000) }, 1 },
    /* The whole disk. */
    { 0, SMALL_SIZE, { SRC (0, 2048), ZER (2048, 3072), SRC (3072, 8192),
                       ZER (8192, 12288), SRC (12288, 19456),
                       ZER (19456, 19968), SRC (19968, 20000) }, 7 },
    /* Nothing. */
    { 500, 0, { { 0 } }, 0 },
    { SMALL_SIZE, 0, { { 0 } }, 0 },
  };
  static const struct read_case no_trim[] = {
    { 2000, 1100, { SRC (2000, 3100) }, 1 },
    { 7000, 1192, { PAT (7000, 8192) }, 1 },
    { 7000, 5300, { SRC (7000, 12300) }, 1 },
    { 0, SMALL_SIZE, { SRC (0, SMALL_SIZE) }, 1 },
  };
  static struct recorder r;
  struct wv_map *map;
  uint8_t *src, *ref;
  size_t i;

  map = make_small_map (true, &src, &ref);
  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    do_read (map, src, ref, cases[i].offset, cases[i].count, SIZE_MAX, &r);
    check_seen (&r, cases[i].want, cases[i].n, __LINE__);
  }

  /* A failing callback fails the read at once. */
  CHECK (cases[6].offset == 2000 && cases[1].offset == 1000);
  for (i = 0; i < 3; ++i) {
    do_read (map, src, ref, 2000, 1100, i, &r);
    check_seen (&r, cases[6].want, i + 1, __LINE__);
  }
  do_read (map, src, ref, 1000, 100, 0, &r);
  check_seen (&r, cases[1].want, 1, __LINE__);
  wv_map_free (map);
  free (src);
  free (ref);

  /* Without zero ranges (trim off), one read between extents. */
  map = make_small_map (false, &src, &ref);
  for (i = 0; i < sizeof no_trim / sizeof no_trim[0]; ++i) {
    do_read (map, src, ref, no_trim[i].offset, no_trim[i].count, SIZE_MAX,
             &r);
    check_seen (&r, no_trim[i].want, no_trim[i].n, __LINE__);
  }
  wv_map_free (map);
  free (src);
  free (ref);
}

/* One split case of test_split: a plugin extent and the runs. */
struct split_case {
  uint64_t offset;
  uint64_t length;
  uint32_t type;
  struct seen want[16];
  size_t n;
};

/* wv_map_split_extent on the small map. */
static void
test_split (void)
{
  static const struct split_case cases[] = {
    /* The whole disk as one hole: the extents become data, one run
     * each, touching or not; the zero ranges stay holes that read as
     * zeroes.
     */
    { 0, SMALL_SIZE, HZ,
      { RUN (0, 1000, HZ), RUN (1000, 1100, 0), RUN (1100, 1200, 0),
        RUN (1200, 2048, HZ), RUN (2048, 3072, HZ), RUN (3072, 5000, HZ),
        RUN (5000, 5003, 0), RUN (5003, 7000, HZ), RUN (7000, 8192, 0),
        RUN (8192, 12288, HZ), RUN (12288, 12300, 0),
        RUN (12300, 19456, HZ), RUN (19456, 19968, HZ),
        RUN (19968, 19990, HZ), RUN (19990, 20000, 0) }, 15 },
    /* Data: only the zero ranges change. */
    { 0, 3100, 0,
      { RUN (0, 1000, 0), RUN (1000, 1100, 0), RUN (1100, 1200, 0),
        RUN (1200, 2048, 0), RUN (2048, 3072, HZ), RUN (3072, 3100, 0) },
      6 },
    /* Inside a zero range, whatever the plugin says. */
    { 8500, 100, 0, { RUN (8500, 8600, HZ) }, 1 },
    { 2048, 1024, WV_MAP_EXTENT_HOLE, { RUN (2048, 3072, HZ) }, 1 },
    /* Starting inside a zero range, or an extent. */
    { 3000, 100, WV_MAP_EXTENT_ZERO,
      { RUN (3000, 3072, HZ), RUN (3072, 3100, WV_MAP_EXTENT_ZERO) }, 2 },
    { 1050, 100, HZ, { RUN (1050, 1100, 0), RUN (1100, 1150, 0) }, 2 },
    /* Across a zero range between two extents that touch it. */
    { 6000, 6400, WV_MAP_EXTENT_HOLE,
      { RUN (6000, 7000, WV_MAP_EXTENT_HOLE), RUN (7000, 8192, 0),
        RUN (8192, 12288, HZ), RUN (12288, 12300, 0),
        RUN (12300, 12400, WV_MAP_EXTENT_HOLE) }, 5 },
    /* At the end of the disk. */
    { 19900, 100, WV_MAP_EXTENT_HOLE,
      { RUN (19900, 19968, HZ), RUN (19968, 19990, WV_MAP_EXTENT_HOLE),
        RUN (19990, 20000, 0) }, 3 },
    { 19999, 1, HZ, { RUN (19999, 20000, 0) }, 1 },
    /* Nothing. */
    { 100, 0, 0, { { 0 } }, 0 },
  };
  static struct recorder r;
  struct wv_map *map;
  uint8_t *src, *ref;
  size_t i;

  map = make_small_map (true, &src, &ref);
  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    r.n = 0;
    r.fail_at = SIZE_MAX;
    CHECK (wv_map_split_extent (map, cases[i].offset, cases[i].length,
                                cases[i].type, record_run, &r) == 0);
    check_seen (&r, cases[i].want, cases[i].n, __LINE__);
  }

  /* A failing callback stops the split at once. */
  r.n = 0;
  r.fail_at = 1;
  CHECK (wv_map_split_extent (map, 0, 3100, 0, record_run, &r) == -1);
  check_seen (&r, cases[1].want, 2, __LINE__);
  wv_map_free (map);
  free (src);
  free (ref);

  /* Without zero ranges, only the extents become data. */
  map = make_small_map (false, &src, &ref);
  r.n = 0;
  r.fail_at = SIZE_MAX;
  CHECK (wv_map_split_extent (map, 6000, 6400, WV_MAP_EXTENT_HOLE,
                              record_run, &r) == 0);
  {
    static const struct seen want[] = {
      RUN (6000, 7000, WV_MAP_EXTENT_HOLE), RUN (7000, 8192, 0),
      RUN (8192, 12288, WV_MAP_EXTENT_HOLE), RUN (12288, 12300, 0),
      RUN (12300, 12400, WV_MAP_EXTENT_HOLE),
    };

    check_seen (&r, want, 5, __LINE__);
  }
  wv_map_free (map);
  free (src);
  free (ref);
}

/* The owner of each byte of a disk: the zero range or the extent it
 * is in, by brute force.
 */
struct owners {
  int64_t *zero;                /* zero range index, or -1 */
  int64_t *extent;              /* extent index, or -1 */
};

/* Fill o for map, a disk of size bytes. */
static void
owners_init (struct owners *o, const struct wv_map *map, uint64_t size)
{
  uint64_t b;
  size_t i;

  o->zero = malloc (size * sizeof *o->zero);
  o->extent = malloc (size * sizeof *o->extent);
  CHECK (o->zero != NULL && o->extent != NULL);
  for (b = 0; b < size; ++b)
    o->zero[b] = o->extent[b] = -1;
  for (i = 0; i < map->zeros.len; ++i)
    for (b = map->zeros.ranges[i].offset;
         b < map->zeros.ranges[i].offset + map->zeros.ranges[i].length; ++b)
      o->zero[b] = i;
  for (i = 0; i < map->nr_extents; ++i)
    for (b = map->extents[i].offset;
         b < map->extents[i].offset + map->extents[i].length; ++b) {
      CHECK (o->zero[b] == -1);
      o->extent[b] = i;
    }
}

/* The pieces wv_map_read must make of [offset, offset+count): a
 * piece a zero range or the stretch between two, which is patched if
 * it lies in one extent only.
 */
static size_t
read_reference (const struct owners *o, uint64_t offset, uint32_t count,
                struct seen *want)
{
  uint64_t b = offset, end = offset + count;
  size_t n = 0;

  while (b < end) {
    uint64_t s = b;
    bool one_extent = true;

    CHECK (n < MAX_SEEN);
    if (o->zero[b] >= 0) {
      while (b < end && o->zero[b] == o->zero[s])
        b++;
      want[n].kind = WV_MAP_PIECE_ZERO;
    }
    else {
      while (b < end && o->zero[b] == -1) {
        if (o->extent[b] == -1 || o->extent[b] != o->extent[s])
          one_extent = false;
        b++;
      }
      want[n].kind = one_extent ? WV_MAP_PIECE_PATCHED : WV_MAP_PIECE_SOURCE;
    }
    want[n].offset = s;
    want[n].length = b - s;
    n++;
  }
  return n;
}

/* The runs wv_map_split_extent must make of [offset, offset+length)
 * of type type: one run per zero range, per extent, and per stretch
 * of neither.
 */
static size_t
split_reference (const struct owners *o, uint64_t offset, uint64_t length,
                 uint32_t type, struct seen *want)
{
  uint64_t b = offset, end = offset + length;
  size_t n = 0;

  while (b < end) {
    uint64_t s = b;

    CHECK (n < MAX_SEEN);
    while (b < end && o->zero[b] == o->zero[s] &&
           o->extent[b] == o->extent[s])
      b++;
    want[n].kind = o->zero[s] >= 0 ? HZ : o->extent[s] >= 0 ? 0 : (int) type;
    want[n].offset = s;
    want[n].length = b - s;
    n++;
  }
  return n;
}

/* Pick an offset in [0, size]: random, or at or next to an edge of an
 * extent or a zero range.
 */
static uint64_t
pick_edge (const struct wv_map *map, uint64_t size)
{
  uint64_t edge;
  int64_t off;

  switch (rnd_below (3)) {
  case 0:
    return rnd_below (size + 1);
  case 1: {
    const struct wv_extent *e = &map->extents[rnd_below (map->nr_extents)];

    edge = rnd_below (2) ? e->offset : e->offset + e->length;
    break;
  }
  default: {
    const struct wv_range *z =
      &map->zeros.ranges[rnd_below (map->zeros.len)];

    edge = rnd_below (2) ? z->offset : z->offset + z->length;
    break;
  }
  }
  off = (int64_t) edge + (int64_t) rnd_below (3) - 1;
  if (off < 0)
    off = 0;
  if ((uint64_t) off > size)
    off = size;
  return off;
}

/* wv_map_read and wv_map_split_extent against brute force, over a
 * random map with extents and zero ranges (some touching).
 */
static void
test_read_random (void)
{
  const uint64_t size = 256 * 1024 + 77;
  struct wv_map *map = wv_map_new (size);
  uint8_t *src = malloc (size), *ref = malloc (size);
  static struct seen want[MAX_SEEN];
  static struct recorder r;
  uint8_t data[3000];
  struct owners o;
  uint64_t pos = 0, b;
  unsigned n;
  size_t i;

  CHECK (map != NULL && src != NULL && ref != NULL);
  rnd_fill (src, size);
  /* Extents up to 20000 bytes before the end, and one at the end. */
  for (;;) {
    uint64_t gap = rnd_below (3) ? rnd_below (6000) : 0;
    uint64_t len = 1 + rnd_below (sizeof data);

    if (pos + gap + len > size - 20000)
      break;
    pos += gap;
    rnd_fill (data, len);
    CHECK (wv_map_add_extent (map, pos, len, data, "random") == 0);
    pos += len;
  }
  rnd_fill (data, 10);
  CHECK (wv_map_add_extent (map, size - 10, 10, data, "last") == 0);
  /* A zero range in the free stretch, and random ones. */
  CHECK (wv_map_add_zero (map, size - 16384, 8192) == 0);
  for (n = 0; n < 60; ++n) {
    uint64_t off = rnd_below (size);
    uint64_t len = rnd_below (8192);

    if (len > size - off)
      len = size - off;
    CHECK (wv_map_add_zero (map, off, len) == 0);
  }
  CHECK (map->nr_extents > 30 && map->zeros.len > 0);
  owners_init (&o, map, size);
  for (b = 0; b < size; ++b)
    ref[b] = o.zero[b] >= 0 ? 0 :
      o.extent[b] >= 0 ?
      map->extents[o.extent[b]].data[b - map->extents[o.extent[b]].offset] :
      src[b];

  for (n = 0; n < 3000; ++n) {
    uint64_t offset = pick_edge (map, size);
    uint64_t end = rnd_below (2) ? pick_edge (map, size) :
      offset + rnd_below (rnd_below (4) ? 64 : 8192);
    uint32_t type = rnd_below (4);
    uint32_t count;
    size_t nw;

    if (end < offset)
      end = offset;
    if (end > size)
      end = size;
    if (end - offset > 65536)
      end = offset + 65536;
    count = end - offset;

    nw = read_reference (&o, offset, count, want);
    do_read (map, src, ref, offset, count, SIZE_MAX, &r);
    check_seen (&r, want, nw, __LINE__);

    nw = split_reference (&o, offset, count, type, want);
    r.n = 0;
    r.fail_at = SIZE_MAX;
    CHECK (wv_map_split_extent (map, offset, count, type,
                                record_run, &r) == 0);
    check_seen (&r, want, nw, __LINE__);
  }

  /* The whole disk. */
  i = read_reference (&o, 0, size, want);
  do_read (map, src, ref, 0, size, SIZE_MAX, &r);
  check_seen (&r, want, i, __LINE__);

  free (o.zero);
  free (o.extent);
  wv_map_free (map);
  free (src);
  free (ref);
}

/* Run every test in turn; any failure exits at once. */
int
main (void)
{
  const char *seed = getenv ("TEST_SEED");
  const uint64_t size = 3 * MiB + 12345;
  struct mem m;
  struct wv_source *src;
  struct wv_map *map;
  uint8_t *ref;

  rng_state = seed ? strtoull (seed, NULL, 0) : 0x5eed;
  if (rng_state == 0)
    rng_state = 1;
  printf ("%s: seed %" PRIu64 "\n", PROG, rng_state);
  wv_set_log (capture_error, NULL);
  remove_temp_files ();

  test_add_extent ();

  m.buf = malloc (size);
  CHECK (m.buf != NULL);
  rnd_fill (m.buf, size);
  map = make_big_map (m.buf, size, &ref);
  printf ("%s: %zu extents, %" PRIu64 " patched bytes\n",
          PROG, map->nr_extents, wv_map_bytes (map));
  test_apply (map, m.buf, ref, size);

  test_fingerprint ();
  src = mem_source (&m, size);
  plan_reads (map, src);
  wv_source_close (src);
  map->summary = strdup ("planned in a test\n");
  CHECK (map->summary != NULL);
  test_verify (map, &m, size);

  test_save_load (map);
  test_save_invalid ();
  test_format ();
  test_damage ();
  test_bad_header ();
  test_bad_tables ();
  test_good_corners ();
  test_zeros ();
  test_dump ();
  test_read ();
  test_split ();
  test_read_random ();

  check_no_temp_files ();
  remove_temp_files ();
  wv_map_free (map);
  free (ref);
  free (m.buf);
  free (last_error);
  printf ("%s: %u errors reported as expected; all checks passed\n",
          PROG, nr_errors);
  return EXIT_SUCCESS;
}
