/* winvirtio: a libntfs-3g device over the copy-on-write overlay.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 *
 * libntfs-3g reaches its device only through struct
 * ntfs_device_operations (include/ntfs-3g/device.h), as its own
 * unix_io.c does for files.  This implementation maps the partition's
 * byte range onto the overlay: every block libntfs-3g writes lands in
 * memory, and the source is never written (it has no write path at
 * all).  The shape follows nbdkit's filters/ext2/io.c, which adapts
 * e2fsprogs' io manager to nbdkit's next backend in the same way.
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/device.h>

#include "common/log.h"
#include "ntfs/device.h"

struct dev_priv {
  struct wv_overlay *ov;
  uint64_t offset;              /* of the partition in the disk */
  uint64_t length;              /* of the partition */
  uint64_t pos;                 /* for seek/read/write */
};

static int
dev_open (struct ntfs_device *dev, int flags)
{
  if (NDevOpen (dev)) {
    errno = EBUSY;
    return -1;
  }
  if ((flags & O_ACCMODE) == O_RDONLY)
    NDevSetReadOnly (dev);
  NDevSetBlock (dev);
  NDevSetOpen (dev);
  return 0;
}

static int
dev_close (struct ntfs_device *dev)
{
  if (!NDevOpen (dev)) {
    errno = EBADF;
    return -1;
  }
  NDevClearOpen (dev);
  return 0;
}

/* Clip a request to the partition; returns the byte count to do. */
static s64
clip (struct dev_priv *p, s64 count, s64 offset)
{
  if (offset < 0 || count < 0) {
    errno = EINVAL;
    return -1;
  }
  if ((uint64_t) offset >= p->length)
    return 0;
  if ((uint64_t) count > p->length - offset)
    count = p->length - offset;
  return count;
}

static s64
dev_pread (struct ntfs_device *dev, void *buf, s64 count, s64 offset)
{
  struct dev_priv *p = dev->d_private;

  count = clip (p, count, offset);
  if (count <= 0)
    return count;
  if (wv_overlay_pread (p->ov, buf, count, p->offset + offset) == -1) {
    errno = EIO;
    return -1;
  }
  return count;
}

static s64
dev_pwrite (struct ntfs_device *dev, const void *buf, s64 count, s64 offset)
{
  struct dev_priv *p = dev->d_private;

  if (NDevReadOnly (dev)) {
    errno = EROFS;
    return -1;
  }
  count = clip (p, count, offset);
  if (count < 0)
    return count;
  if (count == 0) {
    errno = ENOSPC;
    return -1;
  }
  if (wv_overlay_pwrite (p->ov, buf, count, p->offset + offset) == -1) {
    errno = EIO;
    return -1;
  }
  NDevSetDirty (dev);
  return count;
}

static s64
dev_seek (struct ntfs_device *dev, s64 offset, int whence)
{
  struct dev_priv *p = dev->d_private;
  s64 base;

  switch (whence) {
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = p->pos; break;
  case SEEK_END: base = p->length; break;
  default: errno = EINVAL; return -1;
  }
  if (base + offset < 0) {
    errno = EINVAL;
    return -1;
  }
  p->pos = base + offset;
  return p->pos;
}

static s64
dev_read (struct ntfs_device *dev, void *buf, s64 count)
{
  struct dev_priv *p = dev->d_private;
  s64 r = dev_pread (dev, buf, count, p->pos);

  if (r > 0)
    p->pos += r;
  return r;
}

static s64
dev_write (struct ntfs_device *dev, const void *buf, s64 count)
{
  struct dev_priv *p = dev->d_private;
  s64 r = dev_pwrite (dev, buf, count, p->pos);

  if (r > 0)
    p->pos += r;
  return r;
}

static int
dev_sync (struct ntfs_device *dev)
{
  NDevClearDirty (dev);
  return 0;
}

static int
dev_stat (struct ntfs_device *dev, struct stat *buf)
{
  struct dev_priv *p = dev->d_private;

  memset (buf, 0, sizeof *buf);
  buf->st_mode = S_IFBLK | 0600;
  buf->st_size = p->length;
  buf->st_blksize = 4096;
  return 0;
}

static int
dev_ioctl (struct ntfs_device *dev, unsigned long request, void *argp)
{
  struct dev_priv *p = dev->d_private;

  switch (request) {
  case BLKGETSIZE64:
    *(uint64_t *) argp = p->length;
    return 0;
  case BLKGETSIZE:
    *(unsigned long *) argp = p->length / 512;
    return 0;
  case BLKSSZGET:
  case BLKBSZGET:
    *(int *) argp = 512;
    return 0;
  default:
    errno = ENOTTY;
    return -1;
  }
}

static struct ntfs_device_operations dev_ops = {
  .open = dev_open,
  .close = dev_close,
  .seek = dev_seek,
  .read = dev_read,
  .write = dev_write,
  .pread = dev_pread,
  .pwrite = dev_pwrite,
  .sync = dev_sync,
  .stat = dev_stat,
  .ioctl = dev_ioctl,
};

struct ntfs_device *
wv_ntfsdev_new (struct wv_overlay *ov, uint64_t offset, uint64_t length,
                const char *name)
{
  struct dev_priv *p;
  struct ntfs_device *dev;

  p = calloc (1, sizeof *p);
  if (p == NULL) {
    wv_error ("calloc: %m");
    return NULL;
  }
  p->ov = ov;
  p->offset = offset;
  p->length = length;

  dev = ntfs_device_alloc (name, 0, &dev_ops, p);
  if (dev == NULL) {
    wv_error ("ntfs_device_alloc: %m");
    free (p);
    return NULL;
  }
  return dev;
}
