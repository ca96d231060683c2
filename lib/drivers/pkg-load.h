/* winvirtio: the driver packages to install, read from the driver
 * source and described from their INFs.
 * Copyright (C) 2026 the winvirtio authors.  LGPLv2+.
 */

#ifndef WINVIRTIO_PKG_LOAD_H
#define WINVIRTIO_PKG_LOAD_H

#include <stddef.h>
#include <stdio.h>

#include "drivers/pkg.h"
#include "registry/windows.h"

/* The driver packages of the source drivers (drvsrc.h: an ISO, a
 * tree or the installed package; NULL for the default locations) for
 * this Windows, each described from its INF: viostor and vioscsi
 * first (an error if missing, or if their INF has no device for this
 * Windows), then every other package whose INF has a device for it.
 * Before Windows Vista a missing boot driver is left out (virtio-win
 * has no vioscsi for XP and 2003), with a line on log, as long as one
 * is there.  *pkgs_r is malloc'd, each entry to be freed with
 * wv_pkg_info_free.
 * Returns 0 or -1 after wv_error.
 */
extern int wv_pkg_load_all (const char *drivers, const struct wv_windows *w,
                            FILE *log,
                            struct wv_pkg_info **pkgs_r, size_t *n_r);

#endif /* WINVIRTIO_PKG_LOAD_H */
