/* winvirtio: private temporary files of the host (see tempfile.h).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/tempfile.h"

#define PROC_PREFIX "/proc/"

/* /proc/PID/fd/FD if it names fd's file here, else NULL. */
static char *
proc_name (int fd)
{
  struct stat a, b;
  char *proc;

  if (asprintf (&proc, PROC_PREFIX "%d/fd/%d", (int) getpid (), fd) == -1)
    return NULL;
  if (stat (proc, &a) == 0 && fstat (fd, &b) == 0 &&
      a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    return proc;
  free (proc);
  return NULL;
}

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
  if (path_r) {
    char *proc = proc_name (fd);

    if (proc) {
      unlink (path);
      free (path);
      path = proc;
    }
    *path_r = path;
  }
  else {
    unlink (path);
    free (path);
  }
  return fd;
}

void
wv_temp_file_remove (char *path)
{
  if (path && strncmp (path, PROC_PREFIX, strlen (PROC_PREFIX)) != 0)
    unlink (path);
  free (path);
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
      wv_temp_file_remove (path);
      return -1;
    }
    data += r;
    len -= r;
  }
  *path_r = path;
  return fd;
}
