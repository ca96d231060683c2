/* winvirtio: finding drivers in a virtio-win tree.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_DRIVERS_H
#define WINVIRTIO_DRIVERS_H

#include <stddef.h>
#include <stdint.h>

#include "windows.h"

/* Find <tree>/<driver>/<osdir>/<arch>/<driver>.sys (the virtio-win ISO
 * layout), matching each name case-insensitively, and read it.  The
 * error names what was looked for and which folders the tree has for
 * this driver.  Returns 0 or -1; *data_r is malloc'd, *path_r too.
 */
extern int wv_driver_read (const char *tree, const char *driver,
                           const struct wv_windows *w,
                           uint8_t **data_r, size_t *len_r, char **path_r);

#endif /* WINVIRTIO_DRIVERS_H */
