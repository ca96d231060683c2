/* winvirtio: read and validate an undo file (untrusted input).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Every length is checked against what is left of the file before it
 * is used; fuzzing/fuzz-undo.c feeds this parser arbitrary bytes.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <nettle/sha2.h>

#include "common/array.h"
#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "apply/undo.h"

/* Larger undo files are refused (a map's extents are a few MB). */
#define UNDO_MAX_FILE (1024 * 1024 * 1024)

void
wv_undo_free (struct wv_undo *undo)
{
  size_t i;

  if (undo == NULL)
    return;
  for (i = 0; i < undo->nr_extents; ++i) {
    free (undo->extents[i].old);
    free (undo->extents[i].new);
  }
  free (undo->extents);
  free (undo->dest_name);
  free (undo);
}

/* Copy n bytes at *pos, advancing it; NULL if out of memory. */
static uint8_t *
take (const uint8_t *buf, size_t *pos, size_t n)
{
  uint8_t *p = malloc (n);

  if (p == NULL) {
    wv_error ("malloc: %m");
    return NULL;
  }
  memcpy (p, buf + *pos, n);
  *pos += n;
  return p;
}

/* Parse the extents from pos up to end (the checksum). */
static int
parse_extents (struct wv_undo *undo, const uint8_t *buf, size_t pos,
               size_t end, uint32_t nr, const char *path)
{
  uint64_t prev_end = 0;
  uint32_t i;

  for (i = 0; i < nr; ++i) {
    struct wv_undo_extent *e;
    uint64_t offset;
    uint32_t length;

    if (end - pos < 16) {
      wv_error ("%s: damaged undo file: extent %" PRIu32 " is cut short",
                path, i);
      return -1;
    }
    offset = get_le64 (buf + pos);
    length = get_le32 (buf + pos + 8);
    pos += 16;
    if (length == 0 || offset < prev_end ||
        offset > undo->dest_size || length > undo->dest_size - offset) {
      wv_error ("%s: damaged undo file: extent %" PRIu32 " is empty, out "
                "of order or beyond the disk", path, i);
      return -1;
    }
    if ((end - pos) / 2 < length) {
      wv_error ("%s: damaged undo file: extent %" PRIu32 " is cut short",
                path, i);
      return -1;
    }
    if (wv_array_grow ((void **) &undo->extents, &undo->cap_extents,
                       undo->nr_extents + 1, sizeof *undo->extents, 16) == -1)
      return -1;
    e = &undo->extents[undo->nr_extents++];
    memset (e, 0, sizeof *e);
    e->offset = offset;
    e->length = length;
    if ((e->old = take (buf, &pos, length)) == NULL ||
        (e->new = take (buf, &pos, length)) == NULL)
      return -1;
    prev_end = offset + length;
  }
  if (pos != end) {
    wv_error ("%s: damaged undo file: %zu bytes after the last extent",
              path, end - pos);
    return -1;
  }
  return 0;
}

struct wv_undo *
wv_undo_parse (const uint8_t *buf, size_t len, const char *path)
{
  struct wv_undo *undo;
  struct sha256_ctx ctx;
  uint8_t sum[SHA256_DIGEST_SIZE];
  uint32_t nr, namelen;
  const uint8_t *state = buf + WV_UNDO_STATE_OFFSET;

  if (len < 8 || memcmp (buf, WV_UNDO_MAGIC, 8) != 0) {
    wv_error ("%s: not a winvirtio undo file", path);
    return NULL;
  }
  if (len < WV_UNDO_HEADER + SHA256_DIGEST_SIZE) {
    wv_error ("%s: damaged undo file: cut short", path);
    return NULL;
  }
  /* The checksum covers everything but the magic, the state word and
   * itself: the state is rewritten in place.
   */
  sha256_init (&ctx);
  sha256_update (&ctx, len - 16 - SHA256_DIGEST_SIZE, buf + 16);
  sha256_digest (&ctx, sizeof sum, sum);
  if (memcmp (sum, buf + len - SHA256_DIGEST_SIZE, sizeof sum) != 0) {
    wv_error ("%s: damaged undo file: bad checksum", path);
    return NULL;
  }
  if (memcmp (state, WV_UNDO_PENDING, 8) != 0 &&
      memcmp (state, WV_UNDO_COMPLETE, 8) != 0) {
    wv_error ("%s: damaged undo file: unknown state", path);
    return NULL;
  }
  if (get_le32 (buf + 16) != 1) {
    wv_error ("%s: undo file version %" PRIu32 " is not supported",
              path, get_le32 (buf + 16));
    return NULL;
  }
  nr = get_le32 (buf + 20);
  namelen = get_le32 (buf + 64);
  if (namelen == 0 || namelen > WV_UNDO_NAME_MAX ||
      namelen > len - WV_UNDO_HEADER - SHA256_DIGEST_SIZE ||
      memchr (buf + WV_UNDO_HEADER, '\0', namelen) != NULL) {
    wv_error ("%s: damaged undo file: bad destination name", path);
    return NULL;
  }

  undo = calloc (1, sizeof *undo);
  if (undo == NULL || (undo->dest_name = calloc (1, namelen + 1)) == NULL) {
    wv_error ("malloc: %m");
    wv_undo_free (undo);
    return NULL;
  }
  undo->complete = memcmp (state, WV_UNDO_COMPLETE, 8) == 0;
  undo->dest_size = get_le64 (buf + 24);
  memcpy (undo->fingerprint, buf + 32, WV_MAP_FINGERPRINT_LEN);
  memcpy (undo->dest_name, buf + WV_UNDO_HEADER, namelen);
  if (parse_extents (undo, buf, WV_UNDO_HEADER + namelen,
                     len - SHA256_DIGEST_SIZE, nr, path) == -1) {
    wv_undo_free (undo);
    return NULL;
  }
  return undo;
}

struct wv_undo *
wv_undo_load (const char *path)
{
  CLEANUP_CLOSE int fd = -1;
  CLEANUP_FREE uint8_t *buf = NULL;
  struct stat st;
  size_t got = 0;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    wv_error ("%s: %m", path);
    return NULL;
  }
  if (fstat (fd, &st) == -1) {
    wv_error ("fstat: %s: %m", path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode) || st.st_size > UNDO_MAX_FILE) {
    wv_error ("%s: not a winvirtio undo file (not a regular file, or "
              "larger than 1 GiB)", path);
    return NULL;
  }
  buf = malloc (st.st_size > 0 ? st.st_size : 1);
  if (buf == NULL) {
    wv_error ("malloc: %m");
    return NULL;
  }
  while (got < (size_t) st.st_size) {
    ssize_t r = read (fd, buf + got, st.st_size - got);

    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0) {
      wv_error ("%s: read: %s", path, r == 0 ? "file shrank" : strerror (errno));
      return NULL;
    }
    got += r;
  }
  return wv_undo_parse (buf, got, path);
}
