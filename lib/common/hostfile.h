/* winvirtio: reading a whole file of the host (not of the image).
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_HOSTFILE_H
#define WINVIRTIO_HOSTFILE_H

#include <stddef.h>
#include <stdint.h>

/* Read the regular file path, of at most max_size bytes, into a new
 * buffer (*data_r, malloc'd; never NULL, even for an empty file).
 * Returns 0, or -1 after wv_error.
 */
extern int wv_read_host_file (const char *path, size_t max_size,
                              uint8_t **data_r, size_t *len_r);

#endif /* WINVIRTIO_HOSTFILE_H */
