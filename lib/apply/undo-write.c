/* winvirtio: write an undo file, durably, and change its state.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * The undo file is written whole into "PATH.tmp", fsynced, renamed
 * over PATH, and PATH's folder fsynced: after a crash, PATH is either
 * absent (nothing was written to the destination yet) or complete.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "common/cleanup.h"
#include "common/le.h"
#include "common/log.h"
#include "apply/undo.h"

/* Write all of buf at the file's position, adding it to the checksum
 * unless ctx is NULL.
 */
static int
put (int fd, struct sha256_ctx *ctx, const void *buf, size_t n,
     const char *path)
{
  const char *p = buf;

  if (ctx)
    sha256_update (ctx, n, buf);
  while (n > 0) {
    ssize_t r = write (fd, p, n);

    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0) {
      wv_error ("%s: write: %m", path);
      return -1;
    }
    p += r;
    n -= r;
  }
  return 0;
}

/* fsync the folder that holds path, so a rename or unlink is durable. */
static int
sync_folder (const char *path)
{
  CLEANUP_FREE char *copy = strdup (path);
  CLEANUP_CLOSE int fd = -1;
  const char *dir;

  if (copy == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  dir = dirname (copy);
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1 || fsync (fd) == -1) {
    wv_error ("%s: fsync of the folder: %m", dir);
    return -1;
  }
  return 0;
}

/* Everything after the magic and the state word, and the checksum. */
static int
put_body (int fd, const struct wv_undo *undo, const char *path)
{
  struct sha256_ctx ctx;
  uint8_t head[WV_UNDO_HEADER - 16] = { 0 };
  uint8_t sum[SHA256_DIGEST_SIZE];
  size_t namelen = strlen (undo->dest_name), i;

  put_le32 (head + 0, 1);                        /* version */
  put_le32 (head + 4, undo->nr_extents);
  put_le64 (head + 8, undo->dest_size);
  memcpy (head + 16, undo->fingerprint, WV_MAP_FINGERPRINT_LEN);
  put_le32 (head + 48, namelen);
  sha256_init (&ctx);
  if (put (fd, &ctx, head, sizeof head, path) == -1 ||
      put (fd, &ctx, undo->dest_name, namelen, path) == -1)
    return -1;
  for (i = 0; i < undo->nr_extents; ++i) {
    const struct wv_undo_extent *e = &undo->extents[i];
    uint8_t eh[16] = { 0 };

    put_le64 (eh, e->offset);
    put_le32 (eh + 8, e->length);
    if (put (fd, &ctx, eh, sizeof eh, path) == -1 ||
        put (fd, &ctx, e->old, e->length, path) == -1 ||
        put (fd, &ctx, e->new, e->length, path) == -1)
      return -1;
  }
  sha256_digest (&ctx, sizeof sum, sum);
  return put (fd, NULL, sum, sizeof sum, path);
}

int
wv_undo_save (const struct wv_undo *undo, const char *path)
{
  CLEANUP_FREE char *tmp = NULL;
  int fd;

  if (strlen (undo->dest_name) == 0 ||
      strlen (undo->dest_name) > WV_UNDO_NAME_MAX) {
    wv_error ("%s: the destination's name is empty or longer than %d "
              "bytes", path, WV_UNDO_NAME_MAX);
    return -1;
  }
  if (asprintf (&tmp, "%s.tmp", path) == -1) {
    wv_error ("asprintf: %m");
    tmp = NULL;
    return -1;
  }
  unlink (tmp);                 /* left by an earlier crash: never used */
  fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd == -1) {
    wv_error ("%s: %m", tmp);
    return -1;
  }
  if (put (fd, NULL, WV_UNDO_MAGIC, 8, tmp) == -1 ||
      put (fd, NULL, WV_UNDO_PENDING, 8, tmp) == -1 ||
      put_body (fd, undo, tmp) == -1)
    goto err;
  if (fsync (fd) == -1) {
    wv_error ("%s: fsync: %m", tmp);
    goto err;
  }
  if (close (fd) == -1) {
    fd = -1;
    wv_error ("%s: close: %m", tmp);
    goto err;
  }
  fd = -1;
  if (rename (tmp, path) == -1) {
    wv_error ("rename: %s: %m", path);
    goto err;
  }
  return sync_folder (path);

 err:
  if (fd >= 0)
    close (fd);
  unlink (tmp);
  return -1;
}

int
wv_undo_mark (const char *path, const char *state)
{
  CLEANUP_CLOSE int fd = -1;

  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd == -1) {
    wv_error ("%s: %m", path);
    return -1;
  }
  if (pwrite (fd, state, 8, WV_UNDO_STATE_OFFSET) != 8 || fsync (fd) == -1) {
    wv_error ("%s: marking the undo file: %m", path);
    return -1;
  }
  return 0;
}

int
wv_undo_remove (const char *path)
{
  if (unlink (path) == -1) {
    wv_error ("%s: %m", path);
    return -1;
  }
  return sync_folder (path);
}
