/* nbdkit-vmdk-plugin: positioned reads on extent files.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>

#include <nbdkit-plugin.h>

#include "io.h"

/* Read COUNT bytes at OFFSET; zeroes past the end of the file. */
ssize_t
io_pread (int fd, void *buf, size_t count, uint64_t offset)
{
  char *p = buf;
  size_t done = 0;
  ssize_t r;

  if (offset > INT64_MAX || count > INT64_MAX - offset) {
    errno = EINVAL;
    return -1;
  }
  while (done < count) {
    r = pread (fd, p + done, count - done, offset + done);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0)
      break;
    done += r;
  }
  memset (p + done, 0, count - done);
  return done;
}

/* Read from a range of a file. */
ssize_t
io_read (const struct io_file *f, void *buf, size_t count, uint64_t offset)
{
  size_t n = count;
  ssize_t r;

  if (offset >= f->size)
    n = 0;
  else if (count > f->size - offset)
    n = f->size - offset;
  if (n > 0 && f->base > INT64_MAX - offset) {
    errno = EINVAL;
    return -1;
  }
  r = n > 0 ? io_pread (f->fd, buf, n, f->base + offset) : 0;
  if (r == -1)
    return -1;
  memset ((char *) buf + r, 0, count - r);
  return r;
}

/* Return the size of the file open on FD. */
int64_t
io_file_size (int fd, const char *name)
{
  struct stat st;

  if (fstat (fd, &st) == -1) {
    nbdkit_error ("fstat: %s: %m", name);
    return -1;
  }
  if (!S_ISREG (st.st_mode)) {
    nbdkit_error ("%s: not a regular file", name);
    return -1;
  }
  return st.st_size;
}
