/* winvirtio: the block map, in memory and on disk.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Notes on the design and implementation.
 *
 * In memory the map is an array of extents sorted by offset, so the
 * data path (wv_map_apply, called for every read the filter serves)
 * is a binary search to the first extent that ends after the request
 * starts, then a walk forward while the extents start inside it.
 *
 * On disk (docs/winvirtio-map.pod has the byte layout) the file is a
 * fixed 128 byte header, the read ranges, the extent table, (version
 * 2) the zero ranges, the summary text, the extent data in table
 * order, and a SHA-256 of everything before it.  All integers are
 * little-endian.
 *
 * Version 2 adds the zero ranges of free-space trim.  A volume with
 * fragmented free space has many free runs, so they are stored as
 * pairs of LEB128 varints in 512-byte units (the gap since the end of
 * the previous range, then the length): two to six bytes a range
 * instead of sixteen.  A map without zero ranges is still written as
 * version 1, byte for byte, so older winvirtio can read it; the
 * loader reads both.  Fields are
 * encoded and decoded byte by byte (no packed structs), so the code
 * does not depend on the host's alignment or byte order.
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
 *
 * The map file holds bytes of the guest's registry, so it is created
 * with mode 0600 (mkstemp's default) and left that way.
 */

#include <config.h>

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

#include "common/le.h"
#include "map/map.h"
#include "common/cleanup.h"
#include "common/log.h"

/* The file format, version 1.  Offsets of the header fields. */
#define MAP_MAGIC "WINVIRTIO-MAP"   /* NUL-padded to 16 bytes */
#define MAP_VERSION 2               /* the newest we read and write */
#define MAP_VERSION_MIN 1
#define HDR_MAGIC 0x00              /* char[16] */
#define HDR_VERSION 0x10            /* u32 */
#define HDR_HEADER_SIZE 0x14        /* u32 */
#define HDR_VIRTUAL_SIZE 0x18       /* u64 */
#define HDR_NR_EXTENTS 0x20         /* u64 */
#define HDR_NR_READ_RANGES 0x28     /* u64 */
#define HDR_SUMMARY_LEN 0x30        /* u64 */
#define HDR_FINGERPRINT 0x38        /* u8[32] */
#define HDR_RESERVED 0x58           /* version 1: u8[40], zero */
#define HDR_NR_ZERO_RANGES 0x58     /* version 2: u64 */
#define HDR_ZERO_TABLE_SIZE 0x60    /* version 2: u64, bytes */
#define HDR_RESERVED_V2 0x68        /* version 2: u8[24], zero */
#define HEADER_SIZE 0x80

/* Zero ranges are stored in units of this many bytes. */
#define ZERO_UNIT 512
/* A LEB128 varint of a u64 takes at most this many bytes. */
#define VARINT_MAX 10

/* A read range: u64 offset, u64 length. */
#define RANGE_SIZE 16

/* An extent table entry: u64 offset, u32 length, u32 reserved (zero),
 * char label[80] (NUL-terminated, zero-padded).
 */
#define EXT_OFFSET 0x00
#define EXT_LENGTH 0x08
#define EXT_RESERVED 0x0c
#define EXT_LABEL 0x10
#define EXTENT_SIZE (EXT_LABEL + WV_MAP_LABEL_MAX)

#define TRAILER_SIZE SHA256_DIGEST_SIZE

_Static_assert (HDR_FINGERPRINT + WV_FINGERPRINT_LEN == HDR_RESERVED,
                "header fields must be contiguous");
_Static_assert (HDR_RESERVED + 40 == HEADER_SIZE, "header is 128 bytes");
_Static_assert (EXTENT_SIZE == 96, "extent entry is 96 bytes");
_Static_assert (WV_FINGERPRINT_LEN == SHA256_DIGEST_SIZE,
                "the fingerprint is a SHA-256");

/* wv_fingerprint reads the source in chunks of at most this. */
#define FINGERPRINT_CHUNK (4 * 1024 * 1024)

/* wv_map_save buffers its writes in this much memory. */
#define WRITE_BUFFER (64 * 1024)

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

/* The number of elements allocated in map->extents when it holds nr
 * extents: 0, then 16, 32, 64 and so on.  struct wv_map has no
 * capacity field, so wv_map_add_extent and wv_map_load both follow
 * this rule.
 */
static size_t
extents_cap (size_t nr)
{
  size_t cap = 16;

  if (nr == 0)
    return 0;
  while (cap < nr && cap <= SIZE_MAX / 2)
    cap *= 2;
  return cap;
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

  if (map->nr_extents == extents_cap (map->nr_extents)) {
    size_t ncap = extents_cap (map->nr_extents + 1);
    struct wv_extent *n = NULL;

    if (ncap <= SIZE_MAX / sizeof *n)
      n = realloc (map->extents, ncap * sizeof *n);
    if (n == NULL) {
      wv_error ("realloc: %m");
      return -1;
    }
    map->extents = n;
  }
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

/* Add a zero range less the extents, aligned to ZERO_UNIT. */
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
  end = (offset + length) / ZERO_UNIT * ZERO_UNIT;
  pos = (offset + ZERO_UNIT - 1) / ZERO_UNIT * ZERO_UNIT;
  for (i = wv_map_find (map, pos); pos < end; ++i) {
    uint64_t stop = end;

    if (i < map->nr_extents && map->extents[i].offset < end) {
      const struct wv_extent *e = &map->extents[i];
      uint64_t ee = e->offset + e->length;

      /* [pos, start of e rounded down) is free of extents. */
      if (e->offset / ZERO_UNIT * ZERO_UNIT < stop)
        stop = e->offset / ZERO_UNIT * ZERO_UNIT;
      if (stop > pos && wv_rangeset_add (&map->zeros, pos, stop - pos) == -1)
        return -1;
      pos = (ee + ZERO_UNIT - 1) / ZERO_UNIT * ZERO_UNIT;
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
wv_fingerprint (struct wv_source *src, const struct wv_rangeset *set,
                uint8_t out[WV_FINGERPRINT_LEN])
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
  sha256_digest (&ctx, WV_FINGERPRINT_LEN, out);
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
static int
check_map (const struct wv_map *map, char *why, size_t whylen)
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
    if (r->offset % ZERO_UNIT || r->length % ZERO_UNIT) {
      snprintf (why, whylen, "zero range %zu (%" PRIu64 " bytes at offset %"
                PRIu64 ") is not aligned to %d bytes",
                i, r->length, r->offset, ZERO_UNIT);
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

/* Append v as a LEB128 varint to p; returns the bytes written. */
static size_t
put_varint (uint8_t *p, uint64_t v)
{
  size_t n = 0;

  do {
    p[n] = (v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
    v >>= 7;
    n++;
  } while (v > 0);
  return n;
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

/* Encode the zero ranges (check_map has passed): malloc'd into *buf_r,
 * its size in *len_r.
 */
static int
encode_zeros (const struct wv_map *map, uint8_t **buf_r, size_t *len_r)
{
  uint8_t *buf;
  uint64_t prev_end = 0;
  size_t i, len = 0;

  buf = malloc (map->zeros.len * 2 * VARINT_MAX + 1);
  if (buf == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  for (i = 0; i < map->zeros.len; ++i) {
    const struct wv_range *r = &map->zeros.ranges[i];

    len += put_varint (buf + len, (r->offset - prev_end) / ZERO_UNIT);
    len += put_varint (buf + len, r->length / ZERO_UNIT);
    prev_end = r->offset + r->length;
  }
  *buf_r = buf;
  *len_r = len;
  return 0;
}

/* Decode nr zero ranges from the len bytes at p into map->zeros; the
 * meaning is checked later, by check_map.
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
    if (n2 == 0 || gap > (UINT64_MAX - prev_end) / ZERO_UNIT ||
        length > (UINT64_MAX - prev_end - gap * ZERO_UNIT) / ZERO_UNIT) {
      wv_error ("%s: block map is corrupt (zero range %zu cannot be "
                "decoded); " REMAKE, path, i);
      return -1;
    }
    pos += n1 + n2;
    map->zeros.ranges[i].offset = prev_end + gap * ZERO_UNIT;
    map->zeros.ranges[i].length = length * ZERO_UNIT;
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

/* Buffered writer that hashes everything it writes. */
struct writer {
  const char *path;             /* for messages */
  int fd;
  struct sha256_ctx sha;
  uint8_t *buf;                 /* WRITE_BUFFER bytes */
  size_t len;                   /* bytes waiting in buf */
};

/* write(2) all of len bytes. */
static int
write_all (struct writer *w, const void *data, size_t len)
{
  const uint8_t *p = data;

  while (len > 0) {
    ssize_t r = write (w->fd, p, len);

    if (r == -1) {
      if (errno == EINTR)
        continue;
      wv_error ("%s: write: %m", w->path);
      return -1;
    }
    p += r;
    len -= r;
  }
  return 0;
}

/* Write out the buffered bytes. */
static int
writer_flush (struct writer *w)
{
  if (write_all (w, w->buf, w->len) == -1)
    return -1;
  w->len = 0;
  return 0;
}

/* Hash and write len bytes. */
static int
writer_put (struct writer *w, const void *data, size_t len)
{
  if (len == 0)
    return 0;
  sha256_update (&w->sha, len, data);
  if (w->len + len > WRITE_BUFFER && writer_flush (w) == -1)
    return -1;
  if (len >= WRITE_BUFFER)
    return write_all (w, data, len);
  memcpy (w->buf + w->len, data, len);
  w->len += len;
  return 0;
}

/* Write the whole map, trailing checksum included, through w. */
static int
write_map (struct writer *w, const struct wv_map *map)
{
  uint8_t hdr[HEADER_SIZE] = { 0 };
  uint8_t digest[TRAILER_SIZE];
  size_t summary_len = map->summary ? strlen (map->summary) : 0;
  CLEANUP_FREE uint8_t *zeros = NULL;
  size_t i, zeros_len = 0;

  if (encode_zeros (map, &zeros, &zeros_len) == -1)
    return -1;
  memcpy (hdr + HDR_MAGIC, MAP_MAGIC, strlen (MAP_MAGIC));
  /* Without zero ranges, version 1: older readers can read it. */
  put_le32 (hdr + HDR_VERSION, map->zeros.len ? MAP_VERSION : 1);
  if (map->zeros.len) {
    put_le64 (hdr + HDR_NR_ZERO_RANGES, map->zeros.len);
    put_le64 (hdr + HDR_ZERO_TABLE_SIZE, zeros_len);
  }
  put_le32 (hdr + HDR_HEADER_SIZE, HEADER_SIZE);
  put_le64 (hdr + HDR_VIRTUAL_SIZE, map->virtual_size);
  put_le64 (hdr + HDR_NR_EXTENTS, map->nr_extents);
  put_le64 (hdr + HDR_NR_READ_RANGES, map->read_set.len);
  put_le64 (hdr + HDR_SUMMARY_LEN, summary_len);
  memcpy (hdr + HDR_FINGERPRINT, map->fingerprint, WV_FINGERPRINT_LEN);
  if (writer_put (w, hdr, sizeof hdr) == -1)
    return -1;

  for (i = 0; i < map->read_set.len; ++i) {
    uint8_t r[RANGE_SIZE];

    put_le64 (r, map->read_set.ranges[i].offset);
    put_le64 (r + 8, map->read_set.ranges[i].length);
    if (writer_put (w, r, sizeof r) == -1)
      return -1;
  }

  for (i = 0; i < map->nr_extents; ++i) {
    const struct wv_extent *e = &map->extents[i];
    uint8_t t[EXTENT_SIZE] = { 0 };

    put_le64 (t + EXT_OFFSET, e->offset);
    put_le32 (t + EXT_LENGTH, e->length);
    /* Copy only up to the NUL, so the padding is always zero. */
    memcpy (t + EXT_LABEL, e->label, strnlen (e->label, WV_MAP_LABEL_MAX));
    if (writer_put (w, t, sizeof t) == -1)
      return -1;
  }

  if (writer_put (w, zeros, zeros_len) == -1 ||
      writer_put (w, map->summary, summary_len) == -1)
    return -1;
  for (i = 0; i < map->nr_extents; ++i)
    if (writer_put (w, map->extents[i].data, map->extents[i].length) == -1)
      return -1;

  sha256_digest (&w->sha, sizeof digest, digest);
  if (writer_flush (w) == -1 || write_all (w, digest, sizeof digest) == -1)
    return -1;
  return 0;
}

/* fsync the directory holding path, so that the rename is durable.
 * Best effort: some file systems refuse to fsync a directory.
 */
static void
sync_directory (const char *path)
{
  CLEANUP_FREE char *dir = strdup (path);
  char *slash;
  int fd;

  if (dir == NULL)
    return;
  slash = strrchr (dir, '/');
  if (slash == NULL)
    strcpy (dir, ".");
  else if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
}

/* Write the map to path: PATH.tmp-XXXXXX, fsync, rename. */
int
wv_map_save (const struct wv_map *map, const char *path)
{
  CLEANUP_FREE char *tmp = NULL;
  CLEANUP_FREE uint8_t *buf = NULL;
  struct writer w = { .path = path, .fd = -1 };
  char why[256];

  if (check_map (map, why, sizeof why) == -1) {
    wv_error ("%s: refusing to save an invalid block map: %s", path, why);
    return -1;
  }
  if (asprintf (&tmp, "%s.tmp-XXXXXX", path) == -1) {
    tmp = NULL;
    wv_error ("asprintf: %m");
    return -1;
  }
  buf = malloc (WRITE_BUFFER);
  if (buf == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  w.buf = buf;
  sha256_init (&w.sha);

  w.fd = mkostemp (tmp, O_CLOEXEC);
  if (w.fd == -1) {
    wv_error ("%s: cannot create a temporary file beside the block map: %m",
              tmp);
    return -1;
  }
  w.path = tmp;
  if (write_map (&w, map) == -1)
    goto err;
  if (fsync (w.fd) == -1) {
    wv_error ("%s: fsync: %m", tmp);
    goto err;
  }
  if (close (w.fd) == -1) {
    w.fd = -1;
    wv_error ("%s: close: %m", tmp);
    goto err;
  }
  w.fd = -1;
  if (rename (tmp, path) == -1) {
    wv_error ("rename %s to %s: %m", tmp, path);
    goto err;
  }
  sync_directory (path);
  return 0;

 err:
  if (w.fd >= 0)
    close (w.fd);
  unlink (tmp);
  return -1;
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
  map->extents = calloc (nr_extents ? extents_cap (nr_extents) : 1,
                         sizeof *map->extents);
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
  if (check_map (map, why, sizeof why) == -1) {
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
  memcpy (map->fingerprint, hdr + HDR_FINGERPRINT, WV_FINGERPRINT_LEN);
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

/* Check that map belongs to src. */
int
wv_map_verify_source (const struct wv_map *map, struct wv_source *src)
{
  struct wv_rangeset *saved = src->record;
  uint8_t fp[WV_FINGERPRINT_LEN];
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
  r = wv_fingerprint (src, &map->read_set, fp);
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
