/* winvirtio: read and validate a block map file.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The layout is in mapformat.h and docs/winvirtio-map.pod.
 *
 * Notes on the design of the loader.
 *
 * The loader trusts nothing.  It checks the magic, the version and
 * the header size, then caps every count against the size of the file
 * before allocating anything, so a hostile count cannot make it
 * allocate more than the file itself holds.  It requires the file to
 * be exactly as long as its tables say, checks the trailing SHA-256,
 * and only then checks the meaning: ranges and extents sorted,
 * non-overlapping, non-empty, inside the disk; labels NUL-terminated
 * with zero padding; reserved fields zero; no NUL in the summary.
 * Checking the checksum before the meaning means that a damaged file
 * is reported as damaged ("checksum mismatch", "truncated"), while the
 * semantic errors are left for a file that was written wrongly.
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>

#include <nettle/sha2.h>

#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "map/map.h"
#include "map/mapformat.h"
#include "map/mapload.h"

/* Advice appended to every "this file is damaged" message. */
#define REMAKE "run 'winvirtio map' again to make a new one"

/* True if all len bytes at p are zero. */
static bool
is_zero (const uint8_t *p, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i)
    if (p[i] != 0)
      return false;
  return true;
}

/* Decode a LEB128 varint from p (len bytes left) into *v.  Returns
 * the bytes used, or 0 if it is cut short, too long or overflows.
 */
static size_t
get_varint (const uint8_t *p, size_t len, uint64_t *v)
{
  uint64_t r = 0;
  size_t n;

  for (n = 0; n < len && n < VARINT_MAX; ++n) {
    uint64_t b = p[n] & 0x7f;

    if (n == VARINT_MAX - 1 && b > 1)
      return 0;
    r |= b << (7 * n);
    if ((p[n] & 0x80) == 0) {
      *v = r;
      return n + 1;
    }
  }
  return 0;
}

/* Decode nr zero ranges from the len bytes at p into map->zeros; the
 * meaning is checked later, by wv_map_check.
 */
static int
decode_zeros (const char *path, struct wv_map *map, const uint8_t *p,
              size_t len, size_t nr)
{
  uint64_t prev_end = 0;
  size_t i, pos = 0;

  for (i = 0; i < nr; ++i) {
    uint64_t gap, length, n1, n2;

    n1 = get_varint (p + pos, len - pos, &gap);
    n2 = n1 ? get_varint (p + pos + n1, len - pos - n1, &length) : 0;
    if (n2 == 0 || gap > (UINT64_MAX - prev_end) / WV_MAP_ZERO_UNIT ||
        length > ((UINT64_MAX - prev_end - gap * WV_MAP_ZERO_UNIT) /
                  WV_MAP_ZERO_UNIT)) {
      wv_error ("%s: block map is corrupt (zero range %zu cannot be "
                "decoded); " REMAKE, path, i);
      return -1;
    }
    pos += n1 + n2;
    map->zeros.ranges[i].offset = prev_end + gap * WV_MAP_ZERO_UNIT;
    map->zeros.ranges[i].length = length * WV_MAP_ZERO_UNIT;
    prev_end = map->zeros.ranges[i].offset + map->zeros.ranges[i].length;
    map->zeros.len = i + 1;
  }
  if (pos != len) {
    wv_error ("%s: block map is corrupt (%zu bytes left over after the "
              "zero ranges); " REMAKE, path, len - pos);
    return -1;
  }
  return 0;
}

/* Reader that hashes everything it reads. */
struct reader {
  const char *path;             /* for messages */
  int fd;
  uint64_t pos;                 /* bytes read so far */
  struct sha256_ctx sha;
};

/* Read exactly len bytes (not hashed). */
static int
read_exact (struct reader *r, void *buf, size_t len)
{
  uint8_t *p = buf;

  while (len > 0) {
    ssize_t n = read (r->fd, p, len < INT_MAX ? len : INT_MAX);

    if (n == -1) {
      if (errno == EINTR)
        continue;
      wv_error ("%s: read: %m", r->path);
      return -1;
    }
    if (n == 0) {
      wv_error ("%s: block map is truncated (end of file after %" PRIu64
                " bytes); " REMAKE, r->path, r->pos);
      return -1;
    }
    p += n;
    len -= n;
    r->pos += n;
  }
  return 0;
}

/* Read exactly len bytes and hash them. */
static int
read_hashed (struct reader *r, void *buf, size_t len)
{
  if (len == 0)
    return 0;
  if (read_exact (r, buf, len) == -1)
    return -1;
  sha256_update (&r->sha, len, buf);
  return 0;
}

/* Check the magic, version and fixed fields of the header; read the
 * first bytes of the file into hdr.  file_size is the file's size.
 */
static int
check_header (struct reader *r, uint8_t hdr[HEADER_SIZE],
              uint64_t file_size)
{
  static const uint8_t magic[16] = MAP_MAGIC;
  size_t have = file_size < HEADER_SIZE ? file_size : HEADER_SIZE;
  uint32_t version, header_size;

  memset (hdr, 0, HEADER_SIZE);
  if (read_hashed (r, hdr, have) == -1)
    return -1;

  if (memcmp (hdr, magic, have < sizeof magic ? have : sizeof magic) != 0) {
    wv_error ("%s: not a winvirtio block map (it does not start with %s)",
              r->path, MAP_MAGIC);
    return -1;
  }
  if (have < HDR_VERSION + 4) {
    wv_error ("%s: block map is truncated (%" PRIu64 " bytes, shorter than "
              "its header); " REMAKE, r->path, file_size);
    return -1;
  }
  version = get_le32 (hdr + HDR_VERSION);
  if (version < MAP_VERSION_MIN || version > MAP_VERSION) {
    wv_error ("%s: block map version %" PRIu32 " is not supported by this "
              "winvirtio (supports %d to %d); use the winvirtio that made "
              "it, or run 'winvirtio map' again with this one",
              r->path, version, MAP_VERSION_MIN, MAP_VERSION);
    return -1;
  }
  if (have < HEADER_SIZE) {
    wv_error ("%s: block map is truncated (%" PRIu64 " bytes, shorter than "
              "its header); " REMAKE, r->path, file_size);
    return -1;
  }
  header_size = get_le32 (hdr + HDR_HEADER_SIZE);
  if (header_size != HEADER_SIZE) {
    wv_error ("%s: block map is corrupt (header size %" PRIu32 ", expected "
              "%d); " REMAKE, r->path, header_size, HEADER_SIZE);
    return -1;
  }
  return 0;
}

/* Check that the tables the header announces fit in the file, before
 * allocating anything for them.  *data_r gets the number of bytes
 * left for the extents' data.
 */
static int
check_counts (const char *path, const uint8_t hdr[HEADER_SIZE],
              uint64_t file_size, uint64_t *data_r)
{
  uint64_t nr_extents = get_le64 (hdr + HDR_NR_EXTENTS);
  uint64_t nr_ranges = get_le64 (hdr + HDR_NR_READ_RANGES);
  uint64_t summary_len = get_le64 (hdr + HDR_SUMMARY_LEN);
  uint64_t nr_zeros = 0, zeros_len = 0;
  uint64_t left;

  if (get_le32 (hdr + HDR_VERSION) >= 2) {
    nr_zeros = get_le64 (hdr + HDR_NR_ZERO_RANGES);
    zeros_len = get_le64 (hdr + HDR_ZERO_TABLE_SIZE);
  }
  if (file_size < HEADER_SIZE + TRAILER_SIZE)
    goto truncated;
  left = file_size - HEADER_SIZE - TRAILER_SIZE;
  if (nr_ranges > left / RANGE_SIZE)
    goto truncated;
  left -= nr_ranges * RANGE_SIZE;
  if (nr_extents > left / EXTENT_SIZE)
    goto truncated;
  left -= nr_extents * EXTENT_SIZE;
  /* Each zero range takes at least two bytes. */
  if (zeros_len > left || nr_zeros > zeros_len / 2)
    goto truncated;
  left -= zeros_len;
  if (summary_len > left)
    goto truncated;
  left -= summary_len;
  /* Everything read into memory is now known to be no larger than the
   * file; on a 32 bit host it must also fit in size_t.
   */
#if SIZE_MAX < UINT64_MAX
  if (file_size > SIZE_MAX) {
    wv_error ("%s: block map is too large for this host (%" PRIu64
              " bytes)", path, file_size);
    return -1;
  }
#endif
  *data_r = left;
  return 0;

 truncated:
  wv_error ("%s: block map is truncated or corrupt (its header announces "
            "%" PRIu64 " read ranges, %" PRIu64 " extents and %" PRIu64
            " bytes of summary, which do not fit in the file's %" PRIu64
            " bytes); " REMAKE,
            path, nr_ranges, nr_extents, summary_len, file_size);
  return -1;
}

/* Sum the extent lengths in the raw table and check that they fill
 * exactly the data_len bytes the file has left for them.
 */
static int
check_data_length (const char *path, const uint8_t *table, size_t nr,
                   uint64_t data_len)
{
  uint64_t total = 0;
  size_t i;

  for (i = 0; i < nr; ++i) {
    uint32_t len = get_le32 (table + i * EXTENT_SIZE + EXT_LENGTH);

    if (len > data_len - total) {
      wv_error ("%s: block map is truncated (its extents need more than "
                "the %" PRIu64 " bytes of data left in the file); " REMAKE,
                path, data_len);
      return -1;
    }
    total += len;
  }
  if (total != data_len) {
    wv_error ("%s: block map is corrupt (%" PRIu64 " bytes of trailing "
              "garbage); " REMAKE, path, data_len - total);
    return -1;
  }
  return 0;
}

/* Decode the raw tables into map, checking what only the raw bytes
 * show (reserved fields, label termination and padding).
 */
static int
decode_tables (const char *path, struct wv_map *map,
               const uint8_t *ranges, size_t nr_ranges,
               const uint8_t *table)
{
  size_t i;

  for (i = 0; i < nr_ranges; ++i) {
    map->read_set.ranges[i].offset = get_le64 (ranges + i * RANGE_SIZE);
    map->read_set.ranges[i].length = get_le64 (ranges + i * RANGE_SIZE + 8);
  }
  map->read_set.len = map->read_set.cap = nr_ranges;

  for (i = 0; i < map->nr_extents; ++i) {
    const uint8_t *t = table + i * EXTENT_SIZE;
    struct wv_extent *e = &map->extents[i];
    const uint8_t *nul = memchr (t + EXT_LABEL, 0, WV_MAP_LABEL_MAX);

    if (get_le32 (t + EXT_RESERVED) != 0) {
      wv_error ("%s: block map is corrupt (reserved field of extent %zu "
                "is not zero); " REMAKE, path, i);
      return -1;
    }
    if (nul == NULL ||
        !is_zero (nul, t + EXT_LABEL + WV_MAP_LABEL_MAX - nul)) {
      wv_error ("%s: block map is corrupt (label of extent %zu is not "
                "NUL-terminated and zero-padded); " REMAKE, path, i);
      return -1;
    }
    e->offset = get_le64 (t + EXT_OFFSET);
    e->length = get_le32 (t + EXT_LENGTH);
    memcpy (e->label, t + EXT_LABEL, WV_MAP_LABEL_MAX);
  }
  return 0;
}

/* Read the body of the map file (everything after the header) into
 * map, and check the trailing checksum.  The header has passed
 * check_header and check_counts.
 */
static int
read_body (struct reader *r, struct wv_map *map,
           const uint8_t hdr[HEADER_SIZE], uint64_t data_len)
{
  size_t nr_ranges = get_le64 (hdr + HDR_NR_READ_RANGES);
  size_t nr_extents = get_le64 (hdr + HDR_NR_EXTENTS);
  size_t summary_len = get_le64 (hdr + HDR_SUMMARY_LEN);
  size_t nr_zeros = 0, zeros_len = 0;
  CLEANUP_FREE uint8_t *ranges = NULL;
  CLEANUP_FREE uint8_t *table = NULL;
  CLEANUP_FREE uint8_t *zeros = NULL;
  uint8_t digest[TRAILER_SIZE], trailer[TRAILER_SIZE];
  size_t i;

  /* The counts are capped by the file size (check_counts), so these
   * allocations are no larger than the file.
   */
  if (get_le32 (hdr + HDR_VERSION) >= 2) {
    nr_zeros = get_le64 (hdr + HDR_NR_ZERO_RANGES);
    zeros_len = get_le64 (hdr + HDR_ZERO_TABLE_SIZE);
  }
  zeros = malloc (zeros_len + 1);
  map->zeros.ranges = malloc ((nr_zeros + 1) * sizeof (struct wv_range));
  map->zeros.cap = nr_zeros + 1;
  if (!zeros || !map->zeros.ranges) {
    wv_error ("malloc: %m");
    return -1;
  }
  ranges = malloc (nr_ranges * RANGE_SIZE + 1);
  table = malloc (nr_extents * EXTENT_SIZE + 1);
  map->summary = malloc (summary_len + 1);
  map->extents = calloc (nr_extents + 1, sizeof *map->extents);
  map->cap_extents = nr_extents + 1;
  map->read_set.ranges = malloc ((nr_ranges + 1) * sizeof (struct wv_range));
  if (!ranges || !table || !map->summary || !map->extents ||
      !map->read_set.ranges) {
    wv_error ("malloc: %m");
    return -1;
  }
  if (read_hashed (r, ranges, nr_ranges * RANGE_SIZE) == -1 ||
      read_hashed (r, table, nr_extents * EXTENT_SIZE) == -1 ||
      read_hashed (r, zeros, zeros_len) == -1 ||
      check_data_length (r->path, table, nr_extents, data_len) == -1 ||
      read_hashed (r, map->summary, summary_len) == -1)
    return -1;
  map->summary[summary_len] = '\0';

  for (i = 0; i < nr_extents; ++i) {
    uint32_t len = get_le32 (table + i * EXTENT_SIZE + EXT_LENGTH);
    struct wv_extent *e = &map->extents[i];

    /* Count the extent before reading it, so wv_map_free frees it. */
    map->nr_extents = i + 1;
    e->data = malloc (len ? len : 1);
    if (e->data == NULL) {
      wv_error ("malloc: %m");
      return -1;
    }
    if (read_hashed (r, e->data, len) == -1)
      return -1;
  }

  sha256_digest (&r->sha, sizeof digest, digest);
  if (read_exact (r, trailer, sizeof trailer) == -1)
    return -1;
  if (memcmp (digest, trailer, sizeof digest) != 0) {
    wv_error ("%s: block map is corrupt (checksum mismatch); " REMAKE,
              r->path);
    return -1;
  }
  if (decode_zeros (r->path, map, zeros, zeros_len, nr_zeros) == -1)
    return -1;
  return decode_tables (r->path, map, ranges, nr_ranges, table);
}

/* Check what the header says once the checksum has passed. */
static int
check_header_meaning (const char *path, struct wv_map *map,
                      const uint8_t hdr[HEADER_SIZE])
{
  size_t summary_len = get_le64 (hdr + HDR_SUMMARY_LEN);
  size_t reserved = get_le32 (hdr + HDR_VERSION) >= 2 ?
    HDR_RESERVED_V2 : HDR_RESERVED;
  char why[256];

  if (!is_zero (hdr + reserved, HEADER_SIZE - reserved)) {
    wv_error ("%s: block map is corrupt (reserved header bytes are not "
              "zero); " REMAKE, path);
    return -1;
  }
  if (strlen (map->summary) != summary_len) {
    wv_error ("%s: block map is corrupt (the summary contains a NUL "
              "byte); " REMAKE, path);
    return -1;
  }
  if (wv_map_check (map, why, sizeof why) == -1) {
    wv_error ("%s: block map is corrupt (%s); " REMAKE, path, why);
    return -1;
  }
  return 0;
}

/* Read and validate a map file. */
struct wv_map *
wv_map_load (const char *path)
{
  CLEANUP_CLOSE int fd = -1;
  struct reader r = { .path = path };
  uint8_t hdr[HEADER_SIZE];
  struct wv_map *map;
  struct stat st;
  uint64_t data_len;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    wv_error ("%s: cannot open the block map: %m", path);
    return NULL;
  }
  if (fstat (fd, &st) == -1) {
    wv_error ("%s: fstat: %m", path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    wv_error ("%s: the block map is not a regular file", path);
    return NULL;
  }
  r.fd = fd;
  sha256_init (&r.sha);

  if (check_header (&r, hdr, st.st_size) == -1 ||
      check_counts (path, hdr, st.st_size, &data_len) == -1)
    return NULL;

  map = wv_map_new (get_le64 (hdr + HDR_VIRTUAL_SIZE));
  if (map == NULL)
    return NULL;
  memcpy (map->fingerprint, hdr + HDR_FINGERPRINT, WV_MAP_FINGERPRINT_LEN);
  if (read_body (&r, map, hdr, data_len) == -1 ||
      check_header_meaning (path, map, hdr) == -1) {
    wv_map_free (map);
    return NULL;
  }

  if (map->summary[0] == '\0') {
    free (map->summary);
    map->summary = NULL;
  }
  wv_debug ("%s: block map: %zu extents, %zu read ranges, %zu zero ranges",
            path, map->nr_extents, map->read_set.len, map->zeros.len);
  return map;
}
