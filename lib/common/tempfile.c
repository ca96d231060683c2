/* winvirtio: private temporary files of the host (see tempfile.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "common/tempfile.h"

int
wv_temp_file (const char *name, char **path_r)
{
  const char *dir = getenv ("TMPDIR");
  char *path;
  int fd;

  if (asprintf (&path, "%s/winvirtio-%s-XXXXXX",
                dir && *dir ? dir : "/var/tmp", name) == -1) {
    wv_error ("asprintf: %m");
    return -1;
  }
  fd = mkostemp (path, O_CLOEXEC);
  if (fd == -1) {
    wv_error ("mkostemp: %s: %m", path);
    free (path);
    return -1;
  }
  if (path_r)
    *path_r = path;
  else {
    unlink (path);
    free (path);
  }
  return fd;
}

int
wv_temp_file_write (const char *name, const uint8_t *data, size_t len,
                    char **path_r)
{
  char *path;
  int fd = wv_temp_file (name, &path);

  if (fd == -1)
    return -1;
  while (len > 0) {
    ssize_t r = write (fd, data, len);

    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0) {
      wv_error ("write: %s: %m", path);
      close (fd);
      unlink (path);
      free (path);
      return -1;
    }
    data += r;
    len -= r;
  }
  *path_r = path;
  return fd;
}
