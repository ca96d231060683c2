/* winvirtio: a destination disk, opened read-write (winvirtio apply).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * Two back ends behind one struct: a file descriptor (a regular file
 * or a block device) or a libnbd handle.  Writes are never split
 * across a failure silently: a short or failed write is an error that
 * names the offset.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>

#include <libnbd.h>

#include "common/log.h"
#include "disk/dest.h"

/* The largest request most NBD servers accept. */
#define MAX_REQUEST (32 * 1024 * 1024)

struct wv_dest {
  char *name;
  int fd;                       /* local: >= 0 */
  struct nbd_handle *nbd;       /* NBD: not NULL */
  bool fua;                     /* NBD without flush: every write FUA */
  struct wv_source *src;        /* reads through this handle */
};

int
wv_is_nbd_uri (const char *name)
{
  return strncmp (name, "nbd://", 6) == 0 ||
    strncmp (name, "nbds://", 7) == 0 ||
    strncmp (name, "nbd+unix://", 11) == 0 ||
    strncmp (name, "nbds+unix://", 12) == 0 ||
    strncmp (name, "nbd+vsock://", 12) == 0;
}

/* Read callback for dest->src. */
static int
dest_pread (void *opaque, void *buf, size_t count, uint64_t offset)
{
  struct wv_dest *d = opaque;
  char *p = buf;

  while (count > 0) {
    size_t n = count > MAX_REQUEST ? MAX_REQUEST : count;

    if (d->nbd) {
      if (nbd_pread (d->nbd, p, n, offset, 0) == -1) {
        wv_error ("%s: read at offset %" PRIu64 ": %s",
                  d->name, offset, nbd_get_error ());
        return -1;
      }
    }
    else {
      ssize_t r = pread (d->fd, p, n, offset);

      if (r == -1 && errno == EINTR)
        continue;
      if (r == -1) {
        wv_error ("%s: read at offset %" PRIu64 ": %m", d->name, offset);
        return -1;
      }
      if (r == 0) {
        wv_error ("%s: unexpected end of file at offset %" PRIu64,
                  d->name, offset);
        return -1;
      }
      n = r;
    }
    p += n;
    count -= n;
    offset += n;
  }
  return 0;
}

/* Open a local file or block device read-write; set *size. */
static int
open_local (struct wv_dest *d, uint64_t *size)
{
  struct stat st;
  int ro = 0;

  if (stat (d->name, &st) == -1) {
    wv_error ("%s: %m", d->name);
    return -1;
  }
  /* O_EXCL on a block device: the kernel refuses it (EBUSY) while the
   * device is mounted or held open exclusively by anyone else.
   */
  d->fd = open (d->name, O_RDWR | O_CLOEXEC |
                (S_ISBLK (st.st_mode) ? O_EXCL : 0));
  if (d->fd == -1) {
    if (errno == EBUSY)
      wv_error ("%s: the block device is mounted or in use (open "
                "exclusively elsewhere): stop what uses it first",
                d->name);
    else if (errno == EROFS || errno == EACCES || errno == EPERM)
      wv_error ("%s: the destination is read-only (%m): apply must "
                "write it", d->name);
    else
      wv_error ("%s: %m", d->name);
    return -1;
  }
  if (S_ISBLK (st.st_mode)) {
    if (ioctl (d->fd, BLKROGET, &ro) == 0 && ro) {
      wv_error ("%s: the destination is read-only (a read-only block "
                "device): apply must write it", d->name);
      return -1;
    }
    if (ioctl (d->fd, BLKGETSIZE64, size) == -1) {
      wv_error ("ioctl: BLKGETSIZE64: %s: %m", d->name);
      return -1;
    }
  }
  else if (S_ISREG (st.st_mode))
    *size = st.st_size;
  else {
    wv_error ("%s: not a regular file or block device", d->name);
    return -1;
  }
  return 0;
}

/* Connect to an NBD URI for writing; set *size. */
static int
open_nbd (struct wv_dest *d, uint64_t *size)
{
  int64_t s;

  d->nbd = nbd_create ();
  if (d->nbd == NULL) {
    wv_error ("nbd_create: %s", nbd_get_error ());
    return -1;
  }
  if (nbd_connect_uri (d->nbd, d->name) == -1) {
    wv_error ("%s: %s", d->name, nbd_get_error ());
    return -1;
  }
  if (nbd_is_read_only (d->nbd) != 0) {
    wv_error ("%s: the destination is read-only (the NBD server does not "
              "allow writes): apply must write it", d->name);
    return -1;
  }
  /* Durability: a flush after the writes, or else FUA on each. */
  if (nbd_can_flush (d->nbd) != 1) {
    if (nbd_can_fua (d->nbd) != 1) {
      wv_error ("%s: the NBD server can neither flush nor write with FUA: "
                "apply cannot make its writes durable", d->name);
      return -1;
    }
    d->fua = true;
  }
  s = nbd_get_size (d->nbd);
  if (s == -1) {
    wv_error ("%s: %s", d->name, nbd_get_error ());
    return -1;
  }
  *size = s;
  return 0;
}

struct wv_dest *
wv_dest_open (const char *name)
{
  struct wv_dest *d = calloc (1, sizeof *d);
  uint64_t size = 0;
  int r;

  if (d == NULL || (d->name = strdup (name)) == NULL) {
    wv_error ("malloc: %m");
    free (d);
    return NULL;
  }
  d->fd = -1;
  r = wv_is_nbd_uri (name) ? open_nbd (d, &size) : open_local (d, &size);
  if (r == 0)
    d->src = wv_source_new (name, size, dest_pread, NULL, d);
  if (d->src == NULL) {
    wv_dest_close (d);
    return NULL;
  }
  return d;
}

struct wv_source *
wv_dest_source (struct wv_dest *dest)
{
  return dest->src;
}

int
wv_dest_pwrite (struct wv_dest *d, const void *buf, size_t count,
                uint64_t offset)
{
  const char *p = buf;

  if (offset > d->src->size || count > d->src->size - offset) {
    wv_error ("%s: write of %zu bytes at offset %" PRIu64 " is beyond the "
              "end of the disk", d->name, count, offset);
    return -1;
  }
  while (count > 0) {
    size_t n = count > MAX_REQUEST ? MAX_REQUEST : count;

    if (d->nbd) {
      if (nbd_pwrite (d->nbd, p, n, offset,
                      d->fua ? LIBNBD_CMD_FLAG_FUA : 0) == -1) {
        wv_error ("%s: write at offset %" PRIu64 ": %s",
                  d->name, offset, nbd_get_error ());
        return -1;
      }
    }
    else {
      ssize_t r = pwrite (d->fd, p, n, offset);

      if (r == -1 && errno == EINTR)
        continue;
      if (r <= 0) {
        wv_error ("%s: write at offset %" PRIu64 ": %m", d->name, offset);
        return -1;
      }
      n = r;
    }
    p += n;
    count -= n;
    offset += n;
  }
  return 0;
}

int
wv_dest_flush (struct wv_dest *d)
{
  if (d->nbd) {
    if (!d->fua && nbd_flush (d->nbd, 0) == -1) {
      wv_error ("%s: flush: %s", d->name, nbd_get_error ());
      return -1;
    }
  }
  else if (fsync (d->fd) == -1) {
    wv_error ("%s: fsync: %m", d->name);
    return -1;
  }
  return 0;
}

void
wv_dest_close (struct wv_dest *d)
{
  if (d == NULL)
    return;
  wv_source_close (d->src);
  if (d->nbd) {
    nbd_shutdown (d->nbd, 0);
    nbd_close (d->nbd);
  }
  if (d->fd >= 0)
    close (d->fd);
  free (d->name);
  free (d);
}
