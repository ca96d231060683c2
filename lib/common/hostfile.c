/* winvirtio: reading a whole file of the host (not of the image).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/hostfile.h"
#include "common/log.h"

int
wv_read_host_file (const char *path, size_t max_size,
                   uint8_t **data_r, size_t *len_r)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  uint8_t *data;
  size_t done = 0;

  if (fd == -1 || fstat (fd, &st) == -1) {
    wv_error ("%s: %m", path);
    return -1;
  }
  if (!S_ISREG (st.st_mode)) {
    wv_error ("%s: not a regular file", path);
    return -1;
  }
  if ((uint64_t) st.st_size > max_size) {
    wv_error ("%s: %" PRIu64 " bytes, more than the %zu bytes winvirtio "
              "accepts for it", path, (uint64_t) st.st_size, max_size);
    return -1;
  }
  data = malloc (st.st_size > 0 ? st.st_size : 1);
  if (data == NULL) {
    wv_error ("malloc: %m");
    return -1;
  }
  while (done < (size_t) st.st_size) {
    ssize_t r = read (fd, data + done, st.st_size - done);

    if (r <= 0) {
      if (r == -1 && errno == EINTR)
        continue;
      wv_error ("read: %s: %s", path, r == 0 ? "short read" : strerror (errno));
      free (data);
      return -1;
    }
    done += r;
  }
  *data_r = data;
  *len_r = done;
  return 0;
}
