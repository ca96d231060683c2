/* winvirtio: source back end for a local file or block device.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#include "common/log.h"
#include "disk/source.h"

struct file_source {
  int fd;
  char *path;
};

static int
file_pread (void *opaque, void *buf, size_t count, uint64_t offset)
{
  struct file_source *f = opaque;
  char *p = buf;

  while (count > 0) {
    ssize_t r = pread (f->fd, p, count, offset);

    if (r == -1) {
      if (errno == EINTR)
        continue;
      wv_error ("%s: read at offset %" PRIu64 ": %m", f->path, offset);
      return -1;
    }
    if (r == 0) {
      wv_error ("%s: unexpected end of file at offset %" PRIu64,
                f->path, offset);
      return -1;
    }
    p += r;
    count -= r;
    offset += r;
  }
  return 0;
}

static void
file_close (void *opaque)
{
  struct file_source *f = opaque;

  close (f->fd);
  free (f->path);
  free (f);
}

struct wv_source *
wv_source_open_file (const char *path)
{
  struct file_source *f;
  struct wv_source *src;
  struct stat st;
  uint64_t size;

  f = calloc (1, sizeof *f);
  if (f == NULL || (f->path = strdup (path)) == NULL) {
    wv_error ("malloc: %m");
    free (f);
    return NULL;
  }
  /* O_RDONLY: the source is never written. */
  f->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (f->fd == -1) {
    wv_error ("%s: %m", path);
    goto err;
  }
  if (fstat (f->fd, &st) == -1) {
    wv_error ("fstat: %s: %m", path);
    goto err;
  }
  if (S_ISBLK (st.st_mode)) {
    if (ioctl (f->fd, BLKGETSIZE64, &size) == -1) {
      wv_error ("ioctl: BLKGETSIZE64: %s: %m", path);
      goto err;
    }
  }
  else if (S_ISREG (st.st_mode))
    size = st.st_size;
  else {
    wv_error ("%s: not a regular file or block device", path);
    goto err;
  }

  src = wv_source_new (path, size, file_pread, file_close, f);
  if (src == NULL)
    goto err;
  return src;

 err:
  if (f->fd >= 0)
    close (f->fd);
  free (f->path);
  free (f);
  return NULL;
}
