/* winvirtio: cleanup attributes, as in nbdkit's common/utils/cleanup.h.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_CLEANUP_H
#define WINVIRTIO_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

static inline void
wv_cleanup_free (void *ptr)
{
  free (* (void **) ptr);
}
#define CLEANUP_FREE __attribute__ ((cleanup (wv_cleanup_free)))

static inline void
wv_cleanup_close (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}
#define CLEANUP_CLOSE __attribute__ ((cleanup (wv_cleanup_close)))

#endif /* WINVIRTIO_CLEANUP_H */
