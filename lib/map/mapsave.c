/* winvirtio: write a block map to its file, atomically.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The layout is in mapformat.h and docs/winvirtio-map.pod.  The writer
 * hashes every byte as it buffers it, and appends the SHA-256 at the
 * end.  It refuses a map that wv_map_check finds malformed, the same
 * check of meaning that the loader makes.
 *
 * The map file holds bytes of the guest's registry, so it is created
 * with mode 0600 (mkstemp's default) and left that way.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "map/map.h"
#include "map/mapformat.h"
#include "map/mapsave.h"

/* wv_map_save buffers its writes in this much memory. */
#define WRITE_BUFFER (64 * 1024)

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

/* Encode the zero ranges (wv_map_check has passed): malloc'd into *buf_r,
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

    len += put_varint (buf + len, (r->offset - prev_end) / WV_MAP_ZERO_UNIT);
    len += put_varint (buf + len, r->length / WV_MAP_ZERO_UNIT);
    prev_end = r->offset + r->length;
  }
  *buf_r = buf;
  *len_r = len;
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
  memcpy (hdr + HDR_FINGERPRINT, map->fingerprint, WV_MAP_FINGERPRINT_LEN);
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

  if (wv_map_check (map, why, sizeof why) == -1) {
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
